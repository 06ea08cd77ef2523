"""Optimizers: small classes with one ``step(params, grads)`` that updates in place.

``params`` is the network's ``parameters()`` list [W1, b1, W2, b2, ...] and ``grads`` the matching
[dW1, db1, dW2, db2, ...]. Optimizer state (the velocities V) is plain data in the same order.
"""

from __future__ import annotations

import numpy as np

from .validation import check_fraction, check_positive, pick


class GradientDescent:
    """W = W - lr dW (and b = b - lr db)."""

    name = "gd"

    def __init__(self, lr: float = 0.0075) -> None:
        self.lr = check_positive(lr, "lr")
        self.t = 0  # steps taken

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for p, g in zip(params, grads, strict=True):
            p -= self.lr * g
        self.t += 1

    def config(self) -> dict:
        return {"name": self.name, "lr": self.lr}

    def __repr__(self) -> str:
        return f"GradientDescent(lr={self.lr})"


class Momentum:
    """Gradient descent with momentum, the exponentially weighted average form of the lecture:

        V = beta V + (1 - beta) dW        W = W - lr V        (b likewise, with its own V)

    V starts at zero. ``velocities`` holds V for [W1, b1, W2, b2, ...] after the first step.
    """

    name = "momentum"

    def __init__(self, lr: float = 0.01, beta: float = 0.9) -> None:
        self.lr = check_positive(lr, "lr")
        self.beta = check_fraction(beta, "beta")
        self.velocities: list[np.ndarray] | None = None
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        for p, g, V in zip(params, grads, self.velocities, strict=True):
            V *= self.beta
            V += (1 - self.beta) * g
            p -= self.lr * V
        self.t += 1

    def config(self) -> dict:
        return {"name": self.name, "lr": self.lr, "beta": self.beta}

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, beta={self.beta})"


OPTIMIZERS = {"gd": GradientDescent, "sgd": GradientDescent, "momentum": Momentum}


def get(name: str, **hyperparameters) -> GradientDescent | Momentum:
    """An optimizer by name ("gd", "momentum") with its hyper-parameters."""
    return pick(name, OPTIMIZERS, "optimizer")(**hyperparameters)
