import numpy as np
import pytest

import glassnet as gn


def tiny(rng):
    net = gn.Network([2, 2, 1], hidden="tanh", seed=0, dtype=np.float64)
    X = rng.standard_normal((4, 2))
    y = np.array([0, 1, 1, 0])
    return net, X, y


def test_gradient_descent_step_by_hand(rng):
    net, X, y = tiny(rng)
    before = [p.copy() for p in net.parameters()]
    _, grads = net.cost_and_gradients(X, y)
    flat = [g.copy() for pair in grads for g in pair]
    gn.GradientDescent(lr=0.0075).step(net.parameters(), flat)
    for p, p0, g in zip(net.parameters(), before, flat):
        assert np.allclose(p, p0 - 0.0075 * g, rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand(rng):
    net, X, y = tiny(rng)
    opt = gn.Momentum(lr=0.1, beta=0.9)
    W = net.layers[0].W
    W0 = W.copy()
    _, g1 = net.cost_and_gradients(X, y)
    dW1 = g1[0][0].copy()
    opt.step(net.parameters(), [g for pair in g1 for g in pair])
    V1 = 0.9 * 0 + (1 - 0.9) * dW1
    assert np.allclose(opt.velocities[0], V1, atol=1e-15)
    assert np.allclose(W, W0 - 0.1 * V1, atol=1e-15)
    _, g2 = net.cost_and_gradients(X, y)
    dW2 = g2[0][0].copy()
    opt.step(net.parameters(), [g for pair in g2 for g in pair])
    V2 = 0.9 * V1 + 0.1 * dW2
    assert np.allclose(opt.velocities[0], V2, atol=1e-15)
    assert np.allclose(W, W0 - 0.1 * V1 - 0.1 * V2, atol=1e-15)
    # the bias has its own velocity, updated the same way
    assert opt.velocities[1].shape == net.layers[0].b.shape and opt.t == 2


def test_momentum_with_beta_zero_is_gradient_descent(rng):
    a, X, y = tiny(rng)
    b = a.copy()
    gn.train(a, X, y, gn.Momentum(lr=0.1, beta=0.0), epochs=3, batch_size=2, seed=1)
    gn.train(b, X, y, gn.GradientDescent(lr=0.1), epochs=3, batch_size=2, seed=1)
    assert all(np.allclose(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gn.GradientDescent(lr=0), "lr must be > 0"),
        (lambda: gn.Momentum(lr=-1), "lr must be > 0"),
        (lambda: gn.Momentum(beta=1.0), r"beta must be in \[0, 1\)"),
        (lambda: gn.Momentum(beta=-0.1), r"beta must be in \[0, 1\)"),
        (lambda: gn.optimizers.get("adamw"), "unknown optimizer 'adamw'; choose one of: gd"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(gn.GlassnetError, match=message):
        make()
