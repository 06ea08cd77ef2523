"""Activation functions g(z) and their derivatives g'(z), side by side.

Each derivative is written from the activation's output A = g(Z), as in the lecture and in
scikit-learn: sigma'(z) = a (1 - a), tanh'(z) = 1 - a^2, relu'(z) = 1 if z > 0 else 0 (and a > 0
exactly when z > 0), identity'(z) = 1. ``backward(dA, A)`` returns dZ = dA * g'(Z), the
element-wise product of the chain rule.

Why they exist: with identity activations every layer is affine, and a composition of affine maps
is one affine map W x + B, so depth adds nothing (see ``glassnet.collapse``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import GlassnetError
from .validation import pick


@dataclass(frozen=True)
class Activation:
    """An activation g: ``forward(Z) = g(Z)``, ``derivative(A) = g'(Z)`` written from A = g(Z)."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]

    def backward(self, dA: np.ndarray, A: np.ndarray) -> np.ndarray:
        """dZ = dA * g'(Z), from the cached output A."""
        return dA * self.derivative(A)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), evaluated without overflow: e^-|z| never exceeds 1.

    For z >= 0 it is 1 / (1 + e^-z); for z < 0 the equal form e^z / (1 + e^z). Beyond
    |z| > 40 (float64) the result is exactly 1 or underflows smoothly to 0.
    """
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, E) / (1.0 + E)


def _sigmoid_derivative(A: np.ndarray) -> np.ndarray:
    return A * (1.0 - A)  # sigma' = sigma (1 - sigma)


def _relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0)


def _relu_derivative(A: np.ndarray) -> np.ndarray:
    return (A > 0).astype(A.dtype)  # 1 for z > 0, else 0 (the subgradient 0 at z = 0)


def _tanh(Z: np.ndarray) -> np.ndarray:
    return np.tanh(Z)


def _tanh_derivative(A: np.ndarray) -> np.ndarray:
    return 1.0 - A * A  # tanh' = 1 - tanh^2


def _identity(Z: np.ndarray) -> np.ndarray:
    return Z


def _identity_derivative(A: np.ndarray) -> np.ndarray:
    return np.ones_like(A)


def _softmax(Z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^(z_k - max z) / sum_j e^(z_j - max z), row by row (shifted: no overflow)."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_derivative(A: np.ndarray) -> np.ndarray:
    raise GlassnetError(
        "softmax has a full Jacobian, not an element-wise derivative; it is used only as the "
        "output layer with categorical cross-entropy, where dZ[L] = A[L] - Y"
    )


sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_derivative)
relu = Activation("relu", _relu, _relu_derivative)
tanh = Activation("tanh", _tanh, _tanh_derivative)
identity = Activation("identity", _identity, _identity_derivative)
softmax = Activation("softmax", _softmax, _softmax_derivative)

ACTIVATIONS = {a.name: a for a in (sigmoid, relu, tanh, identity, softmax)}


def get(activation: str | Activation) -> Activation:
    """The Activation for a name ("sigmoid", "relu", "tanh", "identity", "softmax") or itself."""
    found = pick(activation, ACTIVATIONS, "activation")
    if not isinstance(found, Activation):
        raise TypeError(f"activation must be a name or an Activation, got {activation!r}")
    return found
