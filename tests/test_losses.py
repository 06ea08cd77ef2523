import dataclasses
import warnings

import numpy as np
import pytest

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


def test_categorical_cross_entropy_from_logits(rng):
    Z = rng.standard_normal((30, 4)) * 3
    Y = np.eye(4)[rng.integers(0, 4, 30)]
    A = activations.softmax.forward(Z)
    textbook = -np.mean(np.sum(Y * np.log(A), axis=1))
    assert np.isclose(losses.categorical_cross_entropy.cost(Z, A, Y), textbook, rtol=1e-12)
    extreme = np.array([[1000.0, -1000.0]])
    A = activations.softmax.forward(extreme)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = losses.categorical_cross_entropy.cost(extreme, A, np.array([[0.0, 1.0]]))
    assert np.isclose(J, 2000.0)


def test_softmax_output_delta_equals_jacobian_chain_rule(rng):
    Z = rng.standard_normal((5, 3))
    Y = np.eye(3)[[0, 2, 1, 1, 0]]
    A = activations.softmax.forward(Z)
    dA = losses.categorical_cross_entropy.dA(A, Y)
    # dZ_i = J_i^T dA_i with the softmax Jacobian J = diag(a) - a a^T
    general = np.stack([(np.diag(a) - np.outer(a, a)) @ d for a, d in zip(A, dA)])
    assert np.allclose(general, A - Y)


def test_losses_are_immutable_values_paired_with_their_outputs():
    with pytest.raises(dataclasses.FrozenInstanceError):
        losses.mean_squared_error.cost = losses.binary_cross_entropy.cost
    assert repr(losses.categorical_cross_entropy) == "Loss('categorical_cross_entropy')"
    assert losses.FOR_OUTPUT["sigmoid"].targets == "binary"
    assert losses.FOR_OUTPUT["softmax"].targets == "categorical"
    assert losses.FOR_OUTPUT["identity"].targets == "continuous"
