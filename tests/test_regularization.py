"""Beyond the lecture: softmax outputs, regression, L2, L1, dropout and batch normalization."""

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


def test_l1_adds_its_term_to_cost_and_gradient(rng):
    """J gains (lambda1 / m) sum_l sum |W[l]| and dW[l] gains (lambda1 / m) sign(W[l]), on every
    layer including the output's; b is not penalized."""
    plain = gn.Network([4, 5, 3, 1], hidden="tanh", seed=0, dtype=np.float64)
    reg = gn.Network([4, 5, 3, 1], hidden="tanh", seed=0, dtype=np.float64, l1=0.7)
    X, y = rng.standard_normal((10, 4)), rng.integers(0, 2, 10)
    sizes = sum(np.sum(np.abs(layer.W)) for layer in plain.layers)
    assert np.isclose(reg.cost(X, y), plain.cost(X, y) + 0.7 / 10 * sizes, rtol=1e-12)
    assert np.isclose(reg.penalty(10), 0.7 / 10 * sizes, rtol=1e-12)
    assert np.isclose(reg.penalty(5), 0.7 / 5 * sizes, rtol=1e-12)
    _, g_plain = plain.cost_and_gradients(X, y)
    _, g_reg = reg.cost_and_gradients(X, y)
    for layer, (dW, db), (dW_reg, db_reg) in zip(plain.layers, g_plain, g_reg):
        assert np.allclose(dW_reg, dW + 0.07 * np.sign(layer.W), rtol=1e-12, atol=0)
        assert np.array_equal(db_reg, db)
    assert gn.gradient_check(reg, X, y) < 1e-7


def test_l1_gradient_is_zero_at_a_zero_weight(rng):
    """sign(0) = 0: the subgradient leaves an exactly-zero weight's gradient as the loss's."""
    plain = gn.Network([3, 4, 1], seed=1, dtype=np.float64)
    reg = gn.Network([3, 4, 1], seed=1, dtype=np.float64, l1=2.0)
    for net in (plain, reg):
        net.layers[0].W[1, 2] = 0.0
        net.layers[1].W[0, 3] = 0.0
    X, y = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    (_, g_plain), (_, g_reg) = plain.cost_and_gradients(X, y), reg.cost_and_gradients(X, y)
    assert g_reg[0][0][1, 2] == g_plain[0][0][1, 2] and g_reg[1][0][0, 3] == g_plain[1][0][0, 3]
    step = 2.0 / 8 * np.sign(reg.layers[0].W[0, 0])
    assert np.isclose(g_reg[0][0][0, 0], g_plain[0][0][0, 0] + step)


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
@pytest.mark.parametrize("m", [1, 13])
def test_l1_and_l2_together_gradient_check(hidden, m, rng):
    """Both penalties add: J gains both terms, dW both gradients; finite differences in float64
    agree (no weight lies within epsilon of the kink of |w| at 0)."""
    net = gn.Network([5, 6, 4, 1], hidden=hidden, seed=2, dtype=np.float64, l1=0.3, l2=0.4)
    randomize_biases(net, rng)
    assert min(np.abs(W).min() for W in net.parameters()[::2]) > 1e-3
    X, y = rng.standard_normal((m, 5)), rng.integers(0, 2, m)
    assert gn.gradient_check(net, X, y) < 1e-7
    Ws = [layer.W for layer in net.layers]
    expected = 0.4 / (2 * m) * sum(np.sum(W**2) for W in Ws) + 0.3 / m * sum(
        np.sum(np.abs(W)) for W in Ws
    )
    assert np.isclose(net.penalty(m), expected, rtol=1e-12)
    l2_only = gn.Network([5, 6, 4, 1], hidden=hidden, seed=2, dtype=np.float64, l2=0.4)
    for a, b in zip(l2_only.parameters(), net.parameters()):
        a[...] = b
    _, g_both = net.cost_and_gradients(X, y)
    _, g_l2 = l2_only.cost_and_gradients(X, y)
    for W, (dW_both, _), (dW_l2, _) in zip(Ws, g_both, g_l2):
        assert np.allclose(dW_both, dW_l2 + 0.3 / m * np.sign(W), rtol=1e-12, atol=1e-15)


def test_l1_gradient_check_with_softmax_dropout_and_batch_norm(rng):
    net = gn.Network([4, 6, 5, 3], output="softmax", seed=4, dtype=np.float64, l1=0.2,
                     dropout=0.2, batch_norm=True)  # fmt: skip
    X, y = rng.standard_normal((12, 4)), rng.integers(0, 3, 12)
    assert gn.gradient_check(net, X, y) < 1e-7


def test_l1_drives_more_weights_to_zero_than_l2(rng):
    """The lecture's contrast: L1 pulls every weight towards 0 by the same step, so the weights
    a noisy problem does not need end up at (nearly) zero; L2 only shrinks them."""
    X = rng.standard_normal((200, 10))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)  # 8 of the 10 features are noise
    small = {}
    for name, options in (("l1", {"l1": 5.0}), ("l2", {"l2": 10.0})):
        net = gn.Network([10, 8, 1], hidden="tanh", seed=0, dtype=np.float64, **options)
        gn.train(net, X, y, gn.GradientDescent(lr=0.1), epochs=300, batch_size=None,
                 engine="numpy")  # fmt: skip
        noise = net.layers[0].W[:, 2:]  # the weights from the noise features
        # a zero weight jitters by the step lr lambda1 / m = 0.0025 around 0: "zero" is < 0.01
        small[name] = np.mean(np.abs(noise) < 1e-2)
        assert np.mean(net.predict(X) == y) > 0.95
    assert small["l1"] > 0.9 and small["l2"] < 0.3


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
    net = gn.Network([3, 4, 2], output="softmax", l2=0.1, l1=0.05, dropout=0.2, batch_norm=True,
                     seed=1)  # fmt: skip
    twin = gn.Network.from_config(net.config())
    assert twin.l1 == 0.05 and twin.l2 == 0.1
    assert twin.config() == net.config() and not twin.is_plain
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), twin.parameters()))


def test_batch_norm_forward_by_hand_in_both_modes(rng):
    net = gn.Network([3, 4, 1], seed=0, batch_norm=True, dtype=np.float64)
    norm = net.layers[0].norm
    assert (norm.momentum, norm.epsilon) == (0.9, 1e-5)
    norm.gamma[:] = [0.5, 2.0, -1.0, 1.5]
    norm.beta[:] = [0.1, -0.2, 0.3, 0.0]
    norm.running_var[:] = [1.0, 2.0, 0.5, 4.0]
    norm.running_mean[:] = [0.1, 0.2, 0.3, 0.4]
    X = rng.standard_normal((6, 3)) * 0.1  # small Z: epsilon matters
    Z = X @ net.layers[0].W.T
    mu, var = Z.mean(axis=0), Z.var(axis=0)
    expected = norm.gamma * (Z - mu) / np.sqrt(var + 1e-5) + norm.beta
    running_mean, running_var = norm.running_mean.copy(), norm.running_var.copy()
    net.propagate(X, training=True)
    assert np.allclose(net.layers[0].A, np.maximum(expected, 0), rtol=1e-12)
    assert np.allclose(norm.running_mean, 0.9 * running_mean + 0.1 * mu, rtol=1e-12)
    assert np.allclose(norm.running_var, 0.9 * running_var + 0.1 * var, rtol=1e-12)
    # prediction mode: the running averages, nothing updated
    mean, var = norm.running_mean.copy(), norm.running_var.copy()
    predicted = norm.gamma * (Z - mean) / np.sqrt(var + 1e-5) + norm.beta
    net.forward(X)
    assert np.allclose(net.layers[0].A, np.maximum(predicted, 0), rtol=1e-12)
    assert np.array_equal(norm.running_mean, mean) and np.array_equal(norm.running_var, var)
    # the cache-free pass computes the same, in float64 and in float32
    Z_apply, A_apply = net.layers[0].apply(X)
    assert np.allclose(Z_apply, Z, rtol=1e-12) and np.allclose(A_apply, np.maximum(predicted, 0))
    Z32, A32 = net.layers[0].apply(X.astype(np.float32))
    assert A32.dtype == np.float32 and np.allclose(A32, np.maximum(predicted, 0), atol=1e-5)
    assert np.allclose(net.logits(X), net.layers[-1].Z, rtol=1e-5)
    assert "Z_norm" not in repr(norm) and "inv_std" not in repr(norm) and "dgamma" not in repr(norm)


def test_batch_norm_backward_by_hand(rng):
    net = gn.Network([3, 4, 1], seed=0, batch_norm=True, dtype=np.float64)
    norm = net.layers[0].norm
    norm.gamma[:] = [0.5, 2.0, 1.0, 1.5]
    X = rng.standard_normal((6, 3))
    net.propagate(X, training=True)
    dZ_tilde = rng.standard_normal((6, 4))
    Z_norm, inv_std = norm.Z_norm.copy(), norm.inv_std.copy()
    dZ = norm.backward(dZ_tilde)
    dgamma, dbeta = (dZ_tilde * Z_norm).mean(axis=0), dZ_tilde.mean(axis=0)
    assert np.allclose(norm.dgamma, dgamma) and np.allclose(norm.dbeta, dbeta)
    expected = norm.gamma * inv_std * (dZ_tilde - dbeta - Z_norm * dgamma)
    assert np.allclose(dZ, expected, rtol=1e-12)
    assert "dbeta" not in repr(norm)


def test_a_batch_norm_copy_keeps_its_statistics_and_settings():
    net = gn.Network([3, 4, 1], seed=0, batch_norm=True)
    norm = net.layers[0].norm
    norm.momentum, norm.epsilon = 0.5, 0.25
    norm.running_mean[:] = 3.0
    twin = net.copy(np.float64)
    copied = twin.layers[0].norm
    assert (copied.momentum, copied.epsilon) == (0.5, 0.25)
    assert copied.running_mean.dtype == np.float64 and np.all(copied.running_mean == 3.0)
    assert copied.running_mean is not norm.running_mean and len(twin.buffers()) == 2


def test_dropout_scales_the_kept_units_and_spares_the_output(rng):
    net = gn.Network([4, 6, 5, 1], hidden="tanh", seed=0, dropout=0.5, dtype=np.float64)
    X = rng.standard_normal((8, 4))
    A = net.propagate(X, training=True)
    first, second, out = net.layers
    assert out.mask is None and A is out.A  # no dropout on the output layer
    assert np.array_equal(second.A_prev, first.A * first.mask / 0.5)
    assert np.array_equal(out.A_prev, second.A * second.mask / 0.5)
    # reuse_masks keeps masks of the right shape and draws new ones for another batch size
    mask = first.mask.copy()
    net.propagate(X, training=True, reuse_masks=True)
    assert np.array_equal(first.mask, mask)
    net.propagate(X[:3], training=True, reuse_masks=True)
    assert first.mask.shape == (3, 6)
    net.propagate(X, training=True)
    assert first.mask.shape == (8, 6) and not np.array_equal(first.mask, mask)
    mask = first.mask.copy()
    net.propagate(X, training=True)  # without reuse_masks, each training pass draws new masks
    assert not np.array_equal(first.mask, mask)
    # the cost (prediction mode) ignores dropout
    plain = net.copy()
    plain.dropout = 0.0
    assert net.cost(X, (X[:, 0] > 0).astype(int)) == plain.cost(X, (X[:, 0] > 0).astype(int))


def test_turning_dropout_off_after_training_ignores_the_old_masks(rng):
    net = gn.Network([4, 6, 1], hidden="tanh", seed=0, dropout=0.4, dtype=np.float64)
    randomize_biases(net, rng)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 2, 8)
    net.cost_and_gradients(X, y)  # leaves masks in the hidden layers
    net.dropout = 0.0
    assert gn.gradient_check(net, X, y) < 1e-7
    _, grads = net.cost_and_gradients(X, y)
    reference = gn.Network([4, 6, 1], hidden="tanh", seed=0, dtype=np.float64)
    for a, b in zip(reference.layers, net.layers):
        a.W[...], a.b[...] = b.W, b.b
    _, expected = reference.cost_and_gradients(X, y)
    assert all(
        np.allclose(g, e, rtol=1e-12) for gs, es in zip(grads, expected) for g, e in zip(gs, es)
    )


# Mutants of tools/mutate.py that cannot change behaviour (counted as killed only because they
# are named here):
# equivalent: network:427:68 < -> <= -- the masks differ only where a draw equals keep
#   exactly; random() gives multiples of 2**-53, so that has probability 2**-53 per unit and
#   happens for no seed the tests (or any realistic run) use
