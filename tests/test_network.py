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


def test_defaults_and_config_exactly():
    net = gn.Network([3, 2, 1])
    assert net.config() == {
        "sizes": [3, 2, 1],
        "hidden": "relu",
        "output": "sigmoid",
        "init": "he",
        "dtype": "float32",
        "seed": None,
        "l2": 0.0,
        "l1": 0.0,
        "dropout": 0.0,
        "batch_norm": False,
    }
    assert net.buffers() == [] and net.is_plain
    assert (net.n_features, net.n_outputs) == (3, 1)
    assert repr(net) == (
        "Network([3, 2, 1], hidden='relu', output='sigmoid', init='he', dtype=float32)"
    )
    # a config written before l2, l1, dropout and batch norm existed gets their defaults
    old = gn.Network.from_config({"sizes": [3, 2, 1], "hidden": "tanh", "output": "identity"})
    assert (old.l2, old.dropout, old.batch_norm, old.dtype) == (0.0, 0.0, False, np.float32)
    assert old.l1 == 0.0 and isinstance(old.l1, float)
    assert old.init.name == "lecun" and old.seed is None


def test_is_plain_and_n_outputs_of_each_kind():
    assert gn.Network([3, 2, 4], output="identity").is_plain
    assert not gn.Network([3, 2, 4], output="softmax").is_plain
    assert not gn.Network([3, 2, 1], l2=0.1).is_plain
    assert not gn.Network([3, 2, 1], l1=0.1).is_plain
    assert not gn.Network([3, 2, 1], dropout=0.1).is_plain
    assert not gn.Network([3, 2, 1], batch_norm=True).is_plain
    assert gn.Network([3, 2, 4]).n_outputs == 4 and gn.Network([3, 2, 4]).n_features == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": [4, 1], "output": "softmax"}, "a softmax output needs at least 2 units"),
        ({"sizes": [4, 3, 1], "output": "softmax"}, "a softmax output needs at least 2 units"),
        ({"sizes": [4, 1], "l2": -0.5}, "l2 must be a number >= 0, got -0.5"),
        ({"sizes": [4, 1], "l2": True}, "l2 must be a number >= 0, got True"),
        ({"sizes": [4, 1], "l2": "0.1"}, "l2 must be a number >= 0, got '0.1'"),
        ({"sizes": [4, 1], "l2": float("nan")}, "l2 must be a number >= 0, got nan"),
        ({"sizes": [4, 1], "l1": -0.5}, "l1 must be a number >= 0, got -0.5"),
        ({"sizes": [4, 1], "l1": True}, "l1 must be a number >= 0, got True"),
        ({"sizes": [4, 1], "l1": "0.1"}, "l1 must be a number >= 0, got '0.1'"),
        ({"sizes": [4, 1], "l1": float("nan")}, "l1 must be a number >= 0, got nan"),
        ({"sizes": [4, 1], "l1": None}, "l1 must be a number >= 0, got None"),
        ({"sizes": [4, 1], "l2": 0.1, "l1": -1}, "l1 must be a number >= 0, got -1"),
    ],
)
def test_more_bad_construction(kwargs, message):
    with pytest.raises(gn.GlassnetError, match=message):
        gn.Network(**kwargs)
    assert gn.Network([4, 2], output="softmax").n_outputs == 2  # two classes are enough
    assert gn.Network([4, 1], l2=0).l2 == 0.0 and gn.Network([4, 1], l2=2).l2 == 2.0
    assert gn.Network([4, 1], l1=0).l1 == 0.0 and gn.Network([4, 1], l1=2).l1 == 2.0
    assert isinstance(gn.Network([4, 1], l1=2).l1, float)


def test_repr_names_only_the_options_in_use():
    net = gn.Network([3, 2, 1], hidden="tanh", init="glorot", l2=0.5, dtype=np.float64)
    assert repr(net) == (
        "Network([3, 2, 1], hidden='tanh', output='sigmoid', init='glorot', dtype=float64, l2=0.5)"
    )
    both = gn.Network([3, 2, 1], l2=0.5, l1=0.25, dropout=0.1)
    assert repr(both).endswith("dtype=float32, l2=0.5, l1=0.25, dropout=0.1)")
    assert repr(gn.Network([3, 2, 1], l1=0.25)).endswith("dtype=float32, l1=0.25)")
    config = both.config()
    assert (config["l2"], config["l1"], config["dropout"]) == (0.5, 0.25, 0.1)
    assert gn.Network.from_config(config).config() == config
    layer = net.layers[0]
    net.forward(np.ones((2, 3)))
    text = repr(layer)  # the caches of the last pass are not part of a layer's repr
    assert all(f"{name}=" not in text for name in ("A_prev", "Z", "A", "mask", "dZ", "dW", "db"))


def test_copy_keeps_the_dtype_and_is_independent(rng):
    net = gn.Network([3, 2, 1], seed=0, dtype=np.float64)
    twin = net.copy()
    assert twin.dtype == np.float64 and twin.layers[0].W.dtype == np.float64
    assert twin.layers[0].norm is None and twin.config() == net.config()
    twin.layers[0].b[0] = 5.0
    assert net.layers[0].b[0] == 0.0


def test_predict_at_the_threshold_and_for_each_output(rng):
    net = gn.Network([3, 2, 1], seed=0)
    for layer in net.layers:
        layer.W[...] = 0.0
    X = rng.standard_normal((4, 3))
    assert np.all(net.predict_proba(X) == 0.5)
    assert net.predict(X).tolist() == [0, 0, 0, 0]  # P = 0.5 is not > 0.5
    assert net.predict(X, threshold=0.4).tolist() == [1, 1, 1, 1]
    assert net.predict(X).dtype == np.int64
    net.layers[-1].b[0] = 1.0  # P = sigmoid(1) = 0.73: class 1 at the default threshold
    assert net.predict(X).tolist() == [1, 1, 1, 1]
    assert net.predict(X, threshold=0.8).tolist() == [0, 0, 0, 0]
    reg = gn.Network([3, 2, 2], output="identity", seed=0)
    assert np.array_equal(reg.predict(X), reg.forward(X))
    soft = gn.Network([3, 4, 3], output="softmax", seed=0)
    assert np.array_equal(soft.predict(X), soft.forward(X).argmax(axis=1))


def test_logits_are_Z_of_the_last_layer_in_the_networks_dtype(rng):
    net = gn.Network([3, 4, 2], hidden="tanh", output="identity", seed=0)
    randomize_biases(net, rng, scale=1.0)
    X = rng.standard_normal((5, 3))
    Z = net.logits(X)
    assert Z.dtype == np.float32 and net.logits(X, dtype=np.float64).dtype == np.float64
    net.forward(X)
    assert np.allclose(Z, net.layers[-1].Z, rtol=1e-6)


def test_scale_output_by_hand():
    net = gn.Network([2, 3, 4, 2], output="identity", seed=0, dtype=np.float64)
    X = np.array([[1.0, -1.0], [0.5, 2.0]])
    before = net.forward(X).copy()
    net.scale_output(mean=[10.0, -1.0], std=[2.0, 0.5])
    assert np.allclose(net.forward(X), before * [2.0, 0.5] + [10.0, -1.0], rtol=1e-12)
    with pytest.raises(gn.GlassnetError, match="only an identity"):
        gn.Network([2, 3, 1]).scale_output(0.0, 1.0)


def test_cost_by_hand_and_the_data_check_of_each_part(rng):
    net = gn.Network([2, 3, 1], seed=0, dtype=np.float64)
    X, y = rng.standard_normal((4, 2)), np.array([0, 1, 1, 0])
    a = net.forward(X)[:, 0]
    J = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    assert np.isclose(net.cost(X, y), J, rtol=1e-12)
    with pytest.raises(gn.GlassnetError, match="3 labels but X has 4 samples"):
        net.check_data(X, y[:3])
    with pytest.raises(gn.GlassnetError, match="X_val has 3 features"):
        net.check_data(np.zeros((4, 3)), y, names=("X_val", "y_val"))


def test_multilabel_sigmoid_outputs_backprop(rng):
    # more output units than inputs: no gradient is computed for the input X
    net = gn.Network([2, 4, 3], hidden="tanh", seed=0, dtype=np.float64)
    randomize_biases(net, rng)
    X, Y = rng.standard_normal((7, 2)), (rng.random((7, 3)) > 0.5).astype(float)
    assert gn.gradient_check(net, X, Y) < 1e-7


def test_layer_forward_is_prediction_mode_by_default(rng):
    net = gn.Network([3, 4, 1], seed=0, dtype=np.float64, dropout=0.5, batch_norm=True)
    X = rng.standard_normal((6, 3))
    layer = net.layers[0]
    layer.forward(X)
    assert np.array_equal(layer.norm.running_mean, np.zeros(4))  # not moved
    first = net.forward(X).copy()
    assert np.array_equal(net.forward(X), first) and net.layers[0].mask is None


def test_propagate_is_prediction_mode_by_default(rng):
    net = gn.Network([3, 4, 1], seed=0, dtype=np.float64, dropout=0.5, batch_norm=True)
    X = rng.standard_normal((6, 3))
    net.propagate(X)
    assert net.layers[0].mask is None and np.array_equal(net.layers[0].norm.running_mean, [0] * 4)


def test_the_training_cost_includes_the_l2_term(rng):
    net = gn.Network([4, 5, 1], hidden="tanh", seed=0, dtype=np.float64, l2=0.7)
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 2, 10)
    J, _ = net.cost_and_gradients(X, y)
    a = net.forward(X)[:, 0]
    cross_entropy = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    squares = sum(np.sum(layer.W**2) for layer in net.layers)
    assert np.isclose(J, cross_entropy + 0.7 / (2 * 10) * squares, rtol=1e-12)
    assert J == net.cost(X, y)  # no dropout or batch norm: training mode changes nothing


def test_the_html_table_row_by_row(rng):
    """The notebook display: one row per layer, numbered from the input (0) on, with the shapes
    of W[l], b[l] and Z[l] for m rows ("m" until a forward pass fills it in)."""
    net = gn.Network([3, 4, 1], seed=0, l2=0.5)
    html = net._repr_html_()
    caption = "Network [3, 4, 1]: 2 layers, 21 parameters, float32, loss binary_cross_entropy"
    assert f"<caption>{caption}, l2 0.5; statistics of A[l] after a forward pass</caption>" in html
    input_row = "<tr><td>0 (input)</td><td></td><td></td><td>(m, 3)</td>" + "<td></td>" * 3
    assert input_row + "</tr>" in html
    assert "<tr><td>1</td><td>(4, 3)</td><td>(4,)</td><td>(m, 4)</td><td>relu</td>" in html
    assert "<tr><td>2</td><td>(1, 4)</td><td>(1,)</td><td>(m, 1)</td><td>sigmoid</td>" in html
    net.forward(rng.standard_normal((5, 3)))
    html = net._repr_html_()
    assert f"<caption>{caption}, l2 0.5</caption>" in html
    assert "<tr><td>0 (input)</td><td></td><td></td><td>(5, 3)</td>" + "<td></td>" * 5 in html
    A = net.layers[0].A.astype(np.float64)
    assert f"<td>(5, 4)</td><td>relu</td><td>he</td><td>16</td><td>{A.mean():.4g}</td>" in html
    l1 = gn.Network([3, 4, 1], seed=0, l2=0.5, l1=0.25, dropout=0.1)._repr_html_()
    assert f"{caption}, l2 0.5, l1 0.25, dropout 0.1; statistics" in l1
    assert f"{caption}, l1 0.25; statistics" in gn.Network([3, 4, 1], seed=0, l1=0.25)._repr_html_()
    plain = gn.Network([3, 4, 1], seed=0)._repr_html_()
    assert "loss binary_cross_entropy; statistics" in plain and "batch norm" not in plain
    norm = gn.Network([3, 4, 1], batch_norm=True)._repr_html_()
    assert "<td>relu + batch norm</td>" in norm and "<td>sigmoid</td>" in norm
    logistic = gn.Network([3, 1], seed=0)  # one layer: logistic regression
    logistic.forward(rng.standard_normal((7, 3)))
    assert "<tr><td>1</td><td>(1, 3)</td><td>(1,)</td><td>(7, 1)</td>" in logistic._repr_html_()


# Mutants of tools/mutate.py that cannot change behaviour (counted as killed only because they
# are named here). astype(dtype, copy=False) -> copy=True only adds a copy: the same values and
# dtype; the copies below are read once and dropped, so nothing can tell them apart.
# equivalent: network:88:87 False -> True -- a copy of inv_std in BatchNorm.apply
# equivalent: network:89:60 False -> True -- a copy of running_mean in BatchNorm.apply
# equivalent: network:90:46 False -> True -- a copy of gamma in BatchNorm.apply
# equivalent: network:90:93 False -> True -- a copy of beta in BatchNorm.apply
# equivalent: network:153:50 False -> True -- a copy of W.T in Dense.apply
# equivalent: network:153:85 False -> True -- a copy of b in Dense.apply
# equivalent: network:409:42 False -> True -- a copy of the checked targets: same values; the
#   targets are only ever read (training, costs, engines), so sharing memory with y or not
#   changes no result
