import numpy as np
import pytest

import glassnet as gn


def identity_net(sizes, output="identity", seed=0):
    return gn.Network(sizes, hidden="identity", output=output, seed=seed, dtype=np.float64)


def test_collapse_equals_forward(rng):
    net = identity_net([6, 5, 4, 3, 2])
    for layer in net.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape)
    X = rng.standard_normal((50, 6))
    W, B = gn.collapse(net)
    assert W.shape == (2, 6) and B.shape == (2,)
    assert np.allclose(X @ W.T + B, net.forward(X), atol=1e-12)


def test_collapse_with_sigmoid_output_is_logistic_regression(rng):
    net = identity_net([4, 8, 8, 1], output="sigmoid")
    X = rng.standard_normal((30, 4))
    W, B = gn.collapse(net)
    assert np.allclose(gn.activations.sigmoid.forward(X @ W.T + B), net.forward(X))


def test_collapse_refuses_a_nonlinear_network():
    net = gn.Network([3, 4, 4, 1], hidden="relu", seed=0)
    with pytest.raises(gn.GlassnetError, match=r"non-linear layer 1 \(relu\), layer 2 \(relu\)"):
        gn.collapse(net)


@pytest.mark.parametrize(("scale", "factor"), [(1.5, 1.5**10), (0.5, 0.5**10)])
def test_identity_network_explodes_or_vanishes(scale, factor, rng):
    """The lecture: W[l] = 1.5 I over 10 layers gives 1.5^10 x; 0.5 I gives 0.5^10 x."""
    n = 4
    net = identity_net([n] * 11)
    for layer in net.layers:
        layer.W[...] = scale * np.eye(n)
    X = rng.standard_normal((7, n))
    assert np.allclose(net.forward(X), factor * X, rtol=1e-12)
    assert np.allclose(gn.collapse(net)[0], factor * np.eye(n))


def test_gradient_norms_shape_and_definition(rng):
    net = gn.Network([5, 4, 3, 1], seed=0, dtype=np.float64)
    X, y = rng.standard_normal((10, 5)), (rng.random(10) > 0.5).astype(int)
    norms = gn.gradient_norms(net, X, y)
    _, grads = net.cost_and_gradients(X, y)
    assert norms.shape == (3,)
    assert np.allclose(norms, [np.sqrt((dW**2).sum()) for dW, _ in grads])


def test_gradient_norms_vanish_with_tiny_init_in_deep_tanh(rng):
    """With W ~ N(0, 0.01^2) the signal shrinks 100x per layer forward and backward, so every
    dW[l] = dZ[l]^T A[l-1] / m is ~0.01^(L-1); LeCun's variance keeps them all of one size."""
    X, y = rng.standard_normal((32, 10)), (rng.random(32) > 0.5).astype(int)
    sizes = [10] + [10] * 12 + [1]
    tiny = gn.Network(sizes, hidden="tanh", init="normal(0.01)", seed=0, dtype=np.float64)
    lecun = gn.Network(sizes, hidden="tanh", init="lecun", seed=0, dtype=np.float64)
    assert np.all(gn.gradient_norms(tiny, X, y) < 1e-15)
    norms = gn.gradient_norms(lecun, X, y)
    assert np.all(norms > 1e-3) and norms.max() / norms.min() < 10
