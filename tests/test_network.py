import numpy as np
import pytest

import glassnet as gn

from conftest import randomize_biases


def test_shapes_follow_the_lecture():
    net = gn.Network([12288, 20, 7, 5, 1], seed=1)
    assert [layer.W.shape for layer in net.layers] == [(20, 12288), (7, 20), (5, 7), (1, 5)]
    assert [layer.b.shape for layer in net.layers] == [(20,), (7,), (5,), (1,)]
    assert all(layer.W.dtype == np.float32 for layer in net.layers)
    assert net.n_parameters == 12288 * 20 + 20 + 20 * 7 + 7 + 7 * 5 + 5 + 5 + 1


def test_forward_keeps_every_Z_and_A(rng):
    net = gn.Network([6, 4, 3, 1], hidden="tanh", seed=0, dtype=np.float64)
    X = rng.standard_normal((9, 6))
    A = net.forward(X)
    A_prev = X
    for layer in net.layers:
        assert np.allclose(layer.Z, A_prev @ layer.W.T + layer.b)
        assert np.allclose(layer.A, layer.activation.forward(layer.Z))
        A_prev = layer.A
    assert A is net.layers[-1].A and A.shape == (9, 1)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "identity"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("m", [1, 17])
def test_gradient_check(hidden, depth, m, rng):
    sizes = [5] + [4] * (depth - 1) + [1]
    net = gn.Network(sizes, hidden=hidden, seed=depth, dtype=np.float64)
    randomize_biases(net, rng)
    X = rng.standard_normal((m, 5))
    y = (rng.random(m) > 0.5).astype(float)
    assert gn.gradient_check(net, X, y) < 1e-7


def test_gradient_check_detects_a_wrong_gradient(rng, monkeypatch):
    net = gn.Network([3, 4, 1], hidden="tanh", seed=0, dtype=np.float64)
    X, y = rng.standard_normal((8, 3)), (rng.random(8) > 0.5).astype(float)
    backward = gn.Dense.backward

    def off_by_factor(layer, dZ):
        backward(layer, dZ)
        layer.dW = layer.dW * 1.01

    monkeypatch.setattr(gn.Dense, "backward", off_by_factor)
    assert gn.gradient_check(net, X, y) > 1e-3


def test_output_layer_formula(rng):
    """dJ/dW[L] = (1/m) (A[L] - Y) A[L-1]^T in the lecture's columns; rows here."""
    net = gn.Network([5, 4, 3, 1], seed=2, dtype=np.float64)
    X, y = rng.standard_normal((17, 5)), (rng.random(17) > 0.5).astype(float)
    _, grads = net.cost_and_gradients(X, y)
    A_L, A_prev = net.layers[-1].A, net.layers[-2].A
    Y = y.reshape(-1, 1)
    # the lecture's column-vector form: samples as columns, dZ = A - Y, then dZ A[L-1]^T / m
    dZ_columns, A_prev_columns = (A_L - Y).T, A_prev.T
    assert np.allclose(grads[-1][0], dZ_columns @ A_prev_columns.T / 17, rtol=1e-12)
    assert np.allclose(grads[-1][1], dZ_columns.sum(axis=1) / 17, rtol=1e-12)


def test_backprop_with_identity_output_and_mse(rng):
    net = gn.Network([3, 5, 2], hidden="tanh", output="identity", seed=0, dtype=np.float64)
    randomize_biases(net, rng)
    X, Y = rng.standard_normal((11, 3)), rng.standard_normal((11, 2))
    assert gn.gradient_check(net, X, Y) < 1e-7


def test_y_may_be_a_vector_or_a_column(rng):
    net = gn.Network([3, 2, 1], seed=0)
    X, y = rng.standard_normal((6, 3)), np.array([0, 1, 1, 0, 1, 0])
    J1, g1 = net.cost_and_gradients(X, y)
    J2, g2 = net.cost_and_gradients(X, y.reshape(-1, 1))
    assert J1 == J2 and all(np.array_equal(a[0], b[0]) for a, b in zip(g1, g2))


def test_predict_thresholds_probabilities(rng):
    net = gn.Network([3, 4, 1], seed=0)
    X = rng.standard_normal((20, 3)).astype(np.float32)
    p = net.predict_proba(X)
    assert p.shape == (20,) and np.all((p > 0) & (p < 1))
    assert np.array_equal(net.predict(X), (p > 0.5).astype(int))


def test_float64_end_to_end(rng):
    net = gn.Network([3, 4, 1], seed=0, dtype=np.float64)
    X, y = rng.standard_normal((5, 3)), np.array([0, 1, 0, 1, 1])
    _, grads = net.cost_and_gradients(X, y)
    assert net.forward(X).dtype == np.float64
    assert all(dW.dtype == np.float64 and db.dtype == np.float64 for dW, db in grads)


def test_same_seed_same_weights_and_float64_copy():
    a, b = gn.Network([7, 5, 1], seed=3), gn.Network([7, 5, 1], seed=3)
    assert all(np.array_equal(x.W, y.W) for x, y in zip(a.layers, b.layers))
    c = a.copy(np.float64)
    assert c.dtype == np.float64 and c.layers[0].W.dtype == np.float64
    c.layers[0].W[0, 0] += 1
    assert a.layers[0].W[0, 0] != c.layers[0].W[0, 0]


def test_config_round_trip():
    net = gn.Network([4, 3, 1], hidden="tanh", init="glorot", seed=5)
    twin = gn.Network.from_config(net.config())
    assert twin.config() == net.config()
    assert all(np.array_equal(x.W, y.W) for x, y in zip(net.layers, twin.layers))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": [4]}, "at least an input and an output"),
        ({"sizes": [4, 0, 1]}, "layer size 1 must be >= 1"),
        ({"sizes": [4, -2, 1]}, "layer size 1 must be >= 1"),
        ({"sizes": [4, 2.5, 1]}, "layer size 1 must be an integer"),
        ({"sizes": [4, 1], "hidden": "swish"}, "unknown activation 'swish'"),
        ({"sizes": [4, 1], "output": "tanh"}, "has no matching loss"),
        ({"sizes": [4, 1], "init": "kaiming"}, "unknown initializer"),
        ({"sizes": [4, 1], "dtype": np.int32}, "float32 or float64"),
    ],
)
def test_bad_construction(kwargs, message):
    with pytest.raises(gn.GlassnetError, match=message):
        gn.Network(**kwargs)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (np.zeros(3), [0, 1, 0], "must be 2-D"),
        (np.zeros((0, 3)), [], "empty"),
        (np.zeros((3, 2)), [0, 1, 0], "has 2 features but the network's input layer has 3"),
        (np.full((3, 3), np.nan), [0, 1, 0], "NaN"),
        (np.array([["a", "b", "c"]] * 3), [0, 1, 0], "must be numeric"),
        (np.zeros((3, 3)), [0, 1], "2 labels but X has 3 samples"),
        (np.zeros((3, 3)), [0, 1, 2], "labels 0 or 1"),
        (np.zeros((3, 3)), [0, np.inf, 1], "infinite"),
    ],
)
def test_bad_data_is_refused(X, y, message):
    net = gn.Network([3, 2, 1], seed=0)
    with pytest.raises(gn.GlassnetError, match=message):
        net.cost_and_gradients(X, y)


def test_network_pickles_for_joblib_and_dask(rng):
    import pickle

    net = gn.Network([4, 5, 1], hidden="tanh", init="normal(0.3)", seed=1)
    twin = pickle.loads(pickle.dumps(net))
    X = rng.standard_normal((6, 4))
    assert np.array_equal(twin.forward(X), net.forward(X)) and twin.init.name == "normal(0.3)"
