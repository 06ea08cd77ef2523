import warnings

import numpy as np

from glassnet import activations, losses


def test_bce_from_logits_equals_textbook_formula(rng):
    Z = rng.standard_normal((50, 1)) * 3
    Y = (rng.random((50, 1)) > 0.5).astype(float)
    A = activations.sigmoid.forward(Z)
    textbook = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert np.isclose(losses.binary_cross_entropy.cost(Z, A, Y), textbook, rtol=1e-12)


def test_bce_never_takes_log_of_zero():
    Z = np.array([[1000.0], [-1000.0]])
    Y = np.array([[0.0], [1.0]])  # confidently wrong
    A = activations.sigmoid.forward(Z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = losses.binary_cross_entropy.cost(Z, A, Y)
    assert np.isclose(J, 1000.0)  # each loss is |z|; a naive log(0) would give inf


def test_output_delta_equals_general_chain_rule(rng):
    Z = rng.standard_normal((20, 1))
    Y = (rng.random((20, 1)) > 0.5).astype(float)
    A = activations.sigmoid.forward(Z)
    general = losses.binary_cross_entropy.dA(A, Y) * activations.sigmoid.derivative(A)
    assert np.allclose(losses.binary_cross_entropy.output_delta(A, Y), general)
    assert np.allclose(losses.binary_cross_entropy.output_delta(A, Y), A - Y)


def test_mse_cost_and_delta(rng):
    A = rng.standard_normal((10, 2))
    Y = rng.standard_normal((10, 2))
    assert np.isclose(losses.mean_squared_error.cost(A, A, Y), np.sum((A - Y) ** 2) / 20)
    assert np.allclose(losses.mean_squared_error.output_delta(A, Y), A - Y)
