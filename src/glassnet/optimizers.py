"""Optimizers: small classes with one ``step(params, grads)`` that updates in place.

``params`` is the network's ``parameters()`` list [W1, b1, W2, b2, ...] and ``grads`` the matching
[dW1, db1, dW2, db2, ...]. Optimizer state is plain data: each optimizer names its per-parameter
state lists in ``slots`` (e.g. ``velocities``, in the same order as ``params``, created as zeros on
the first step) and counts its steps in ``t``.
"""

from __future__ import annotations

import numpy as np

from .validation import check_fraction, check_positive, pick


class Optimizer:
    """What every optimizer shares: lr, a step counter t, zero-initialised state slots."""

    name = ""
    slots: tuple[str, ...] = ()

    def __init__(self, lr: float) -> None:
        self.lr = check_positive(lr, "lr")
        self.t = 0
        for slot in self.slots:
            setattr(self, slot, None)

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        if self.slots and getattr(self, self.slots[0]) is None:
            for slot in self.slots:
                setattr(self, slot, [np.zeros_like(p) for p in params])
        self.t += 1
        self._update(params, grads)

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        raise NotImplementedError

    def config(self) -> dict:
        hyper = {k: v for k, v in vars(self).items() if k != "t" and k not in self.slots}
        return {"name": self.name, **hyper}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class GradientDescent(Optimizer):
    """W = W - lr dW (and b = b - lr db)."""

    name = "gd"

    def __init__(self, lr: float = 0.0075) -> None:
        super().__init__(lr)

    def _update(self, params, grads) -> None:
        for p, g in zip(params, grads, strict=True):
            p -= self.lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum, the exponentially weighted average form of the lecture:

        V = beta V + (1 - beta) dW        W = W - lr V        (b likewise, with its own V)

    V starts at zero. ``velocities`` holds V for [W1, b1, W2, b2, ...] after the first step.
    """

    name = "momentum"
    slots = ("velocities",)

    def __init__(self, lr: float = 0.01, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = check_fraction(beta, "beta")

    def _update(self, params, grads) -> None:
        for p, g, V in zip(params, grads, self.velocities, strict=True):
            V *= self.beta
            V += (1 - self.beta) * g
            p -= self.lr * V


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Sutskever et al. 2013), in the reformulation of
    Bengio et al. 2012 that needs no gradient at the look-ahead point:

        V = beta V - lr dW        W = W + beta V - lr dW

    which is Keras' ``SGD(nesterov=True)``, and PyTorch's while lr is constant (here V holds
    lr, as in Sutskever et al.; PyTorch keeps it out). Its hyper-parameters and state are
    Momentum's; only the update differs.
    """

    name = "nesterov"

    def _update(self, params, grads) -> None:
        for p, g, V in zip(params, grads, self.velocities, strict=True):
            V *= self.beta
            V -= self.lr * g
            p += self.beta * V - self.lr * g


class RMSProp(Optimizer):
    """RMSProp (Hinton, Coursera lecture 6e, 2012):

    S = rho S + (1 - rho) dW^2        W = W - lr dW / (sqrt(S) + epsilon)
    """

    name = "rmsprop"
    slots = ("squares",)

    def __init__(self, lr: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho = check_fraction(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")

    def _update(self, params, grads) -> None:
        for p, g, S in zip(params, grads, self.squares, strict=True):
            S *= self.rho
            S += (1 - self.rho) * g * g
            p -= self.lr * g / (np.sqrt(S) + self.epsilon)


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with bias correction, at step t = 1, 2, ...:

        M = beta1 M + (1 - beta1) dW          S = beta2 S + (1 - beta2) dW^2
        M_hat = M / (1 - beta1^t)             S_hat = S / (1 - beta2^t)
        W = W - lr (M_hat / (sqrt(S_hat) + epsilon) + weight_decay W)

    ``weight_decay`` > 0 is decoupled weight decay (Loshchilov and Hutter 2019, "AdamW"), in
    PyTorch's form: the decay is scaled by lr and applied to every parameter, and it is not part
    of the cost (unlike L2 regularization, which is).
    """

    name = "adam"
    slots = ("moments", "squares")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.weight_decay = check_fraction(weight_decay, "weight_decay")

    def _update(self, params, grads) -> None:
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        for p, g, M, S in zip(params, grads, self.moments, self.squares, strict=True):
            M *= self.beta1
            M += (1 - self.beta1) * g
            S *= self.beta2
            S += (1 - self.beta2) * g * g
            step = (M / correction1) / (np.sqrt(S / correction2) + self.epsilon)
            if self.weight_decay:
                step += self.weight_decay * p
            p -= self.lr * step


class AdamW(Adam):
    """Adam with decoupled weight decay, default 0.01 as in PyTorch's AdamW."""

    name = "adamw"

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr, beta1, beta2, epsilon, weight_decay)


OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def get(name: str, **hyperparameters) -> Optimizer:
    """An optimizer by name ("gd", "momentum", "nesterov", "rmsprop", "adam", "adamw")."""
    return pick(name, OPTIMIZERS, "optimizer")(**hyperparameters)


def from_config(config: dict) -> Optimizer:
    """The optimizer that ``optimizer.config()`` describes (without its state)."""
    config = dict(config)
    return get(config.pop("name"), **config)
