"""Beyond the lecture: softmax outputs, regression, L2, dropout and batch normalization."""

import numpy as np
import pytest

import glassnet as gn

from conftest import randomize_biases


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("m", [1, 17])
def test_softmax_gradient_check(hidden, m, rng):
    net = gn.Network([5, 6, 4, 3], hidden=hidden, output="softmax", seed=1, dtype=np.float64)
    randomize_biases(net, rng)
    X, y = rng.standard_normal((m, 5)), rng.integers(0, 3, m)
    assert gn.gradient_check(net, X, y) < 1e-7
    # integer labels and one-hot rows are the same targets
    assert net.cost(X, y) == net.cost(X, np.eye(3)[y])


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regression_gradient_check(n_targets, rng):
    net = gn.Network([4, 6, n_targets], hidden="tanh", output="identity", seed=0, dtype=np.float64)
    randomize_biases(net, rng)
    X, Y = rng.standard_normal((9, 4)), rng.standard_normal((9, n_targets))
    assert gn.gradient_check(net, X, Y.ravel() if n_targets == 1 else Y) < 1e-7


def test_l2_adds_its_term_to_cost_and_gradient(rng):
    plain = gn.Network([4, 5, 1], hidden="tanh", seed=0, dtype=np.float64)
    reg = gn.Network([4, 5, 1], hidden="tanh", seed=0, dtype=np.float64, l2=0.7)
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 2, 10)
    squares = sum(np.sum(layer.W**2) for layer in plain.layers)
    assert np.isclose(reg.cost(X, y), plain.cost(X, y) + 0.7 / (2 * 10) * squares)
    _, g_plain = plain.cost_and_gradients(X, y)
    _, g_reg = reg.cost_and_gradients(X, y)
    for layer, (dW, db), (dW_reg, db_reg) in zip(plain.layers, g_plain, g_reg):
        assert np.allclose(dW_reg, dW + 0.7 / 10 * layer.W) and np.allclose(db_reg, db)
    assert gn.gradient_check(reg, X, y) < 1e-7


def test_dropout_gradient_check_uses_the_same_mask(rng):
    net = gn.Network([6, 8, 8, 1], hidden="tanh", seed=2, dtype=np.float64, dropout=0.3)
    randomize_biases(net, rng)
    X, y = rng.standard_normal((12, 6)), rng.integers(0, 2, 12)
    assert gn.gradient_check(net, X, y) < 1e-7


def test_dropout_is_inverted_and_off_at_prediction(rng):
    net = gn.Network([50, 400, 1], hidden="relu", seed=0, dropout=0.25, dtype=np.float64)
    X = rng.standard_normal((64, 50))
    a = net.forward(X)
    assert np.array_equal(a, net.forward(X))  # deterministic: no dropout
    net.propagate(X, training=True)
    mask = net.layers[0].mask
    assert set(np.unique(mask)) == {0.0, 1.0} and abs(mask.mean() - 0.75) < 0.02
    # inverted dropout keeps the expected activation: A * mask / keep has the same mean
    dropped = net.layers[0].A * mask / 0.75
    assert abs(dropped.mean() / net.layers[0].A.mean() - 1) < 0.05


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_batch_norm_gradient_check(hidden, rng):
    net = gn.Network([5, 6, 4, 1], hidden=hidden, seed=3, dtype=np.float64, batch_norm=True)
    randomize_biases(net, rng)
    for layer in net.layers[:-1]:
        layer.norm.gamma[:] = rng.uniform(0.5, 1.5, layer.norm.gamma.shape)
        layer.norm.beta[:] = rng.standard_normal(layer.norm.beta.shape) * 0.1
    X, y = rng.standard_normal((16, 5)), rng.integers(0, 2, 16)
    errors = gn.gradient_errors(net, X, y)
    assert len(errors[0]) == 4 and len(errors[-1]) == 2  # dW, db, dgamma, dbeta; output: dW, db
    assert gn.gradient_check(net, X, y) < 1e-7
    _, grads = net.cost_and_gradients(X, y)
    assert np.allclose(grads[0][1], 0, atol=1e-6)  # db of a batch-normalized layer vanishes
    assert len(gn.gradient_norms(net, X, y)) == 3


def test_batch_norm_uses_batch_statistics_in_training_and_running_ones_after(rng):
    net = gn.Network([3, 4, 1], seed=0, batch_norm=True, dtype=np.float64)
    X = rng.normal(5, 3, (200, 3))
    net.propagate(X, training=True)
    Z_norm = net.layers[0].norm.Z_norm
    assert np.allclose(Z_norm.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(Z_norm.std(axis=0), 1, atol=1e-3)
    norm = net.layers[0].norm
    Z = X @ net.layers[0].W.T
    assert np.allclose(norm.running_mean, 0.1 * Z.mean(axis=0))
    for _ in range(200):
        net.propagate(X, training=True)
    assert np.allclose(norm.running_mean, Z.mean(axis=0), rtol=1e-6)
    net.forward(X)  # prediction mode: running averages, close to the batch's after convergence
    assert np.allclose(norm.Z_norm.mean(axis=0), 0, atol=1e-6)


def test_multiclass_training_and_prediction(rng):
    X = rng.standard_normal((300, 2))
    y = (np.arctan2(X[:, 1], X[:, 0]) // (2 * np.pi / 3) % 3).astype(int)  # three sectors
    net = gn.Network([2, 16, 3], output="softmax", seed=0)
    history = gn.train(
        net, X, y, gn.Adam(lr=0.02), epochs=60, batch_size=32, validation_data=(X, y)
    )
    proba = net.predict_proba(X)
    assert proba.shape == (300, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert np.mean(net.predict(X) == y) > 0.95
    assert history.val_accuracies[-1] == pytest.approx(np.mean(net.predict(X) == y))


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([0, 1, 3], "label 3.* integer class labels 0 to 2"),
        ([0, 1.5, 2], "label 1.5"),
        (np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]]), "exactly one 1"),
    ],
)
def test_bad_categorical_labels(y, message):
    net = gn.Network([2, 3], output="softmax")
    with pytest.raises(gn.GlassnetError, match=message):
        net.cost(np.zeros((3, 2)), y)


def test_softmax_is_output_only_and_config_round_trips():
    with pytest.raises(gn.GlassnetError, match="only be the output"):
        gn.Network([3, 4, 2], hidden="softmax", output="softmax")
    net = gn.Network([3, 4, 2], output="softmax", l2=0.1, dropout=0.2, batch_norm=True, seed=1)
    twin = gn.Network.from_config(net.config())
    assert twin.config() == net.config() and not twin.is_plain
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), twin.parameters()))
