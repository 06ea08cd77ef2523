"""Costs J = (1/m) sum_i L(i) and the output layer's error dZ[L].

Each loss is paired with the output activation whose derivative cancels against it, so that
dZ[L] = A[L] - Y in every case (the lecture's result for sigmoid with cross-entropy):

- binary cross-entropy with a sigmoid output, computed from the logits Z[L]:
  L = -(y log a + (1 - y) log(1 - a)) = max(z, 0) - z y + log(1 + e^-|z|), never log(0);
- categorical cross-entropy with a softmax output over K classes, from the logits:
  L = -sum_k y_k log a_k = logsumexp(z) - z . y, with Y one-hot;
- mean squared error with an identity output: L = (1/2) ||a - y||^2 (the 1/2 makes dZ = A - Y).

``targets`` says what Y holds: "binary" (0/1), "categorical" (one-hot rows, built from integer
labels) or "continuous".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Loss:
    """A loss L(z, y) averaged over the batch: ``cost(Z, A, Y)`` and ``output_delta(A, Y)``."""

    name: str
    cost: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    output_delta: Callable[[np.ndarray, np.ndarray], np.ndarray]
    dA: Callable[[np.ndarray, np.ndarray], np.ndarray]  # dL/dA, for the general chain rule
    targets: str

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def _bce_cost(Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    """J = (1/m) sum [max(z, 0) - z y + log(1 + e^-|z|)], stable for any logit z."""
    m = Z.shape[0]
    losses = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(losses.sum(dtype=np.float64) / m)


def _bce_dA(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dL/da = -y/a + (1 - y)/(1 - a): the lecture's general form (unstable as a -> 0 or 1)."""
    return -Y / A + (1 - Y) / (1 - A)


def _mse_cost(Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    """J = (1/m) sum (1/2) ||a - y||^2."""
    m = Z.shape[0]
    return float(0.5 * np.square(A - Y).sum(dtype=np.float64) / m)


def _cce_cost(Z: np.ndarray, A: np.ndarray, Y: np.ndarray) -> float:
    """J = (1/m) sum [logsumexp(z) - z . y], with the max subtracted inside logsumexp."""
    m = Z.shape[0]
    top = Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(Z - top).sum(axis=1, keepdims=True)) + top
    return float(((log_sum - Z) * Y).sum(dtype=np.float64) / m)


def _cce_dA(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """dL/da_k = -y_k / a_k."""
    return -Y / A


def _difference(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return A - Y  # dZ[L] = A[L] - Y for both pairs


binary_cross_entropy = Loss("binary_cross_entropy", _bce_cost, _difference, _bce_dA, "binary")
categorical_cross_entropy = Loss(
    "categorical_cross_entropy", _cce_cost, _difference, _cce_dA, "categorical"
)
mean_squared_error = Loss("mean_squared_error", _mse_cost, _difference, _difference, "continuous")

# The loss that belongs to each output activation.
FOR_OUTPUT = {
    "sigmoid": binary_cross_entropy,
    "softmax": categorical_cross_entropy,
    "identity": mean_squared_error,
}
