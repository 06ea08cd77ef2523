import dataclasses
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import activations

Z = np.linspace(-6, 6, 101)


def test_values_match_their_definitions():
    assert np.allclose(activations.sigmoid.forward(Z), 1 / (1 + np.exp(-Z)))
    assert np.allclose(activations.tanh.forward(Z), np.tanh(Z))
    assert np.array_equal(activations.relu.forward(Z), np.where(Z > 0, Z, 0))
    assert np.array_equal(activations.identity.forward(Z), Z)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_derivative_from_output_matches_finite_differences(name):
    g = activations.get(name)
    z = Z[np.abs(Z) > 1e-3]  # away from ReLU's kink
    h = 1e-6
    numeric = (g.forward(z + h) - g.forward(z - h)) / (2 * h)
    assert np.allclose(g.derivative(g.forward(z)), numeric, atol=1e-8)


def test_lecture_formulas_for_derivatives():
    a = activations.sigmoid.forward(Z)
    assert np.allclose(activations.sigmoid.derivative(a), a * (1 - a))
    t = np.tanh(Z)
    assert np.allclose(activations.tanh.derivative(t), 1 - t**2)
    r = activations.relu.forward(Z)
    assert np.array_equal(activations.relu.derivative(r), (Z > 0).astype(float))
    assert activations.relu.derivative(np.array([0.0]))[0] == 0  # relu'(0) taken as 0


def test_backward_is_elementwise_product(rng):
    dA = rng.standard_normal(Z.shape)
    for g in (activations.sigmoid, activations.relu, activations.tanh, activations.identity):
        A = g.forward(Z)
        assert np.allclose(g.backward(dA, A), dA * g.derivative(A))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_with_exact_limits(dtype):
    z = np.array([-1e4, -800, -701, 701, 800, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = activations.sigmoid.forward(z)
    assert s.dtype == dtype
    assert np.all(s[:3] >= 0) and np.all(s[:3].astype(np.float64) < 1e-300)
    assert s[0] == 0 and s[1] == 0
    assert np.all(s[3:] == 1)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(gn.GlassnetError, match="identity, relu, sigmoid, softmax, tanh"):
        activations.get("swish")


def test_softmax_rows_sum_to_one_without_overflow():
    Z = np.array([[1000.0, 1001.0, 999.0], [-5.0, 0.0, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = activations.softmax.forward(Z)
    assert np.allclose(A.sum(axis=1), 1)
    # shift invariance: softmax(z) = softmax(z - 1000)
    assert np.allclose(A[0], np.exp([0.0, 1.0, -1.0]) / np.exp([0.0, 1.0, -1.0]).sum())
    with pytest.raises(gn.GlassnetError, match="only as the output layer"):
        activations.softmax.derivative(A)


def test_activations_are_immutable_values():
    # a shared module-level Activation must not be changed by one caller behind another's back
    with pytest.raises(dataclasses.FrozenInstanceError):
        activations.sigmoid.forward = np.tanh
    assert repr(activations.relu) == "Activation('relu')"


def test_sigmoid_at_zero_and_at_both_signs():
    # sigma(0) = 1/2 exactly; sigma(-z) = 1 - sigma(z) on both branches of the stable form
    assert activations.sigmoid.forward(np.array([0.0]))[0] == 0.5
    z = np.array([0.5, 3.0, 20.0])
    assert np.allclose(activations.sigmoid.forward(-z), 1 - activations.sigmoid.forward(z))


# Mutants of tools/mutate.py that cannot change behaviour (counted as killed only because they
# are named here):
# equivalent: activations:46:23 >= -> > -- the branches differ only at z = 0, where E = e^0 = 1
#   makes both numerators 1 (and NaN compares False either way)
