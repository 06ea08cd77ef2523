"""Optimizers: an update rule beside its state, the state kept as plain data.

``params`` is the network's ``parameters()`` list [W1, b1, W2, b2, ...] and ``grads`` the matching
[dW1, db1, dW2, db2, ...]. An optimizer holds two kinds of data, kept apart as in optax:

- its hyper-parameters (``lr``, ``beta``, ..., and an optional learning-rate ``schedule``), fixed
  once made (setting one again is an error; ``replace`` makes a new optimizer with others);
  ``config()`` gives them as JSON-able data and ``from_config`` makes the optimizer back;
- its ``state``, an ``OptimizerState``: the step count t, the epochs begun (the schedule's
  clock), the learning rate of the current epoch, and the per-parameter arrays its rule keeps
  (``velocities`` V for momentum, ``moments`` M and ``squares`` S for Adam, ...), created as
  zeros on the first step, in the order of ``params``.

Everything that saves, restores or runs training (checkpoints, the rollback on divergence, the
fused engine, the estimators) reads and writes ``optimizer.state`` and nothing else. A new
optimizer is a subclass with a ``name``, its ``slots`` and one ``update`` method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import schedules
from .errors import GlassnetError, GlassnetTypeError
from .validation import check_fraction, check_positive, pick


@dataclass
class OptimizerState:
    """What an optimizer changes while it trains.

    ``t``: steps taken. ``epoch``: epochs begun, the schedule's clock. ``lr``: the learning rate
    the next step uses (the schedule's value for the current epoch). ``slots``: per slot name, one
    array per parameter (empty before the first step).
    """

    t: int = 0
    epoch: int = 0
    lr: float = 0.0
    slots: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def copy(self) -> OptimizerState:
        """An independent copy (the arrays copied too)."""
        slots = {name: [a.copy() for a in arrays] for name, arrays in self.slots.items()}
        return OptimizerState(self.t, self.epoch, self.lr, slots)


def _slot(name: str) -> property:
    """``optimizer.<name>``: the slot's arrays in ``state.slots`` (None before the first step)."""

    def get(self) -> list[np.ndarray] | None:
        return self.state.slots.get(name)

    def set(self, arrays: list[np.ndarray] | None) -> None:
        if arrays is None:
            self.state.slots.pop(name, None)
        else:
            self.state.slots[name] = list(arrays)

    return property(get, set, doc=f"The {name} of every parameter, in ``state.slots``.")


class Optimizer:
    """What every optimizer shares: the learning rate, the schedule, and the state."""

    name = ""
    slots: tuple[str, ...] = ()
    hyperparameters: tuple[str, ...] = ("lr",)  # the constructor's arguments, besides schedule

    def __init__(self, lr: float, schedule: Callable[[float, int], float] | None = None) -> None:
        self.lr0 = check_positive(lr, "lr")
        self.schedule = schedule
        self.state = OptimizerState(lr=self.lr0)

    def __setattr__(self, name: str, value) -> None:
        """Hyper-parameters and the schedule are set once, by the constructor: training, a
        checkpoint or a front end that needs others makes a new optimizer (``replace``)."""
        if name in self.__dict__ and name in (*self.hyperparameters, "lr0", "schedule"):
            raise AttributeError(
                f"{type(self).__name__}.{name} is fixed once the optimizer is made; make a new "
                f"one: optimizer.replace({'lr' if name == 'lr0' else name}=...)"
            )
        super().__setattr__(name, value)

    @property
    def lr(self) -> float:
        """The learning rate of the current epoch (``lr0`` without a schedule)."""
        return self.state.lr

    def replace(self, **changes) -> Optimizer:
        """A new optimizer of this type with ``changes`` to its hyper-parameters or schedule,
        and a copy of this one's state (whose lr becomes a changed ``lr``); this one is left as
        it is."""
        values = {name: getattr(self, name) for name in self.hyperparameters if name != "lr"}
        values = {"lr": self.lr0, **values, "schedule": self.schedule, **changes}
        optimizer = type(self)(**values)
        optimizer.state = self.state.copy()
        if "lr" in changes:
            optimizer.state.lr = optimizer.lr0
        return optimizer

    @property
    def t(self) -> int:
        """Steps taken (``state.t``)."""
        return self.state.t

    def init(self, params: list[np.ndarray]) -> None:
        """Zero arrays for every slot, shaped like ``params``."""
        for slot in self.slots:
            self.state.slots[slot] = [np.zeros_like(p) for p in params]

    def begin_epoch(self) -> None:
        """Advance the schedule's clock: lr = schedule(lr0, epoch) for epoch 0, 1, 2, ..."""
        if self.schedule is not None:
            self.state.lr = float(self.schedule(self.lr0, self.state.epoch))
        self.state.epoch += 1

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """One update of ``params`` in place from ``grads``; t counts it."""
        if self.slots and self.slots[0] not in self.state.slots:
            self.init(params)
        self.state.t += 1
        self.update(params, grads)

    def update(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """The update rule, reading and writing ``self.state`` (t already counts this step)."""
        raise NotImplementedError

    def load_state(self, state: OptimizerState) -> None:
        """Take a copy of ``state`` (from ``optimizer.state.copy()`` or a checkpoint)."""
        if set(state.slots) - set(self.slots):
            raise GlassnetError(
                f"{type(self).__name__} keeps the slots {list(self.slots)}, not "
                f"{sorted(set(state.slots) - set(self.slots))}"
            )
        self.state = state.copy()

    def config(self) -> dict:
        """The name and hyper-parameters as JSON-able data (lr is the base lr0; a schedule of
        glassnet's own is included as ``"schedule"``)."""
        values = {name: getattr(self, name) for name in self.hyperparameters if name != "lr"}
        config = {"name": self.name, "lr": self.lr0, **values}
        schedule = None if self.schedule is None else schedules.config(self.schedule)
        if schedule is not None:
            config["schedule"] = schedule
        return config

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class GradientDescent(Optimizer):
    """W = W - lr dW (and b = b - lr db)."""

    name = "gd"

    def __init__(self, lr: float = 0.0075, schedule=None) -> None:
        super().__init__(lr, schedule)

    def update(self, params, grads) -> None:
        lr = self.state.lr
        for p, g in zip(params, grads, strict=True):
            p -= lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum, the exponentially weighted average form of the lecture:

        V = beta V + (1 - beta) dW        W = W - lr V        (b likewise, with its own V)

    V starts at zero. ``velocities`` holds V for [W1, b1, W2, b2, ...] after the first step.
    """

    name = "momentum"
    slots = ("velocities",)
    hyperparameters = ("lr", "beta")
    velocities = _slot("velocities")

    def __init__(self, lr: float = 0.01, beta: float = 0.9, schedule=None) -> None:
        super().__init__(lr, schedule)
        self.beta = check_fraction(beta, "beta")

    def update(self, params, grads) -> None:
        lr = self.state.lr
        for p, g, V in zip(params, grads, self.state.slots["velocities"], strict=True):
            V *= self.beta
            V += (1 - self.beta) * g
            p -= lr * V


class Nesterov(Momentum):
    """Nesterov's accelerated gradient (Sutskever et al. 2013), in the reformulation of
    Bengio et al. 2012 that needs no gradient at the look-ahead point:

        V = beta V - lr dW        W = W + beta V - lr dW

    which is Keras' ``SGD(nesterov=True)``, and PyTorch's while lr is constant (here V holds
    lr, as in Sutskever et al.; PyTorch keeps it out). Its hyper-parameters and state are
    Momentum's; only the update differs.
    """

    name = "nesterov"

    def update(self, params, grads) -> None:
        lr = self.state.lr
        for p, g, V in zip(params, grads, self.state.slots["velocities"], strict=True):
            V *= self.beta
            V -= lr * g
            p += self.beta * V - lr * g


class RMSProp(Optimizer):
    """RMSProp (Hinton, Coursera lecture 6e, 2012):

    S = rho S + (1 - rho) dW^2        W = W - lr dW / (sqrt(S) + epsilon)
    """

    name = "rmsprop"
    slots = ("squares",)
    hyperparameters = ("lr", "rho", "epsilon")
    squares = _slot("squares")

    def __init__(
        self, lr: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8, schedule=None
    ) -> None:
        super().__init__(lr, schedule)
        self.rho = check_fraction(rho, "rho")
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params, grads) -> None:
        lr = self.state.lr
        for p, g, S in zip(params, grads, self.state.slots["squares"], strict=True):
            S *= self.rho
            S += (1 - self.rho) * g * g
            p -= lr * g / (np.sqrt(S) + self.epsilon)


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
    hyperparameters = ("lr", "beta1", "beta2", "epsilon", "weight_decay")
    moments = _slot("moments")
    squares = _slot("squares")

    def __init__(
        self,
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
        schedule=None,
    ) -> None:
        super().__init__(lr, schedule)
        self.beta1 = check_fraction(beta1, "beta1")
        self.beta2 = check_fraction(beta2, "beta2")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.weight_decay = check_fraction(weight_decay, "weight_decay")

    def update(self, params, grads) -> None:
        lr, t = self.state.lr, self.state.t
        correction1 = 1 - self.beta1**t
        correction2 = 1 - self.beta2**t
        slots = self.state.slots
        for p, g, M, S in zip(params, grads, slots["moments"], slots["squares"], strict=True):
            M *= self.beta1
            M += (1 - self.beta1) * g
            S *= self.beta2
            S += (1 - self.beta2) * g * g
            step = (M / correction1) / (np.sqrt(S / correction2) + self.epsilon)
            if self.weight_decay:
                step += self.weight_decay * p
            p -= lr * step


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
        schedule=None,
    ) -> None:
        super().__init__(lr, beta1, beta2, epsilon, weight_decay, schedule)


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan and Singer 2011): each weight's step shrinks with the squares of
    all its past gradients,

        S = S + dW^2        W = W - lr dW / (sqrt(S) + epsilon)

    S starts at zero and only grows, so the steps only shrink. ``squares`` holds S.
    """

    name = "adagrad"
    slots = ("squares",)
    hyperparameters = ("lr", "epsilon")
    squares = _slot("squares")

    def __init__(self, lr: float = 0.01, epsilon: float = 1e-8, schedule=None) -> None:
        super().__init__(lr, schedule)
        self.epsilon = check_positive(epsilon, "epsilon")

    def update(self, params, grads) -> None:
        lr = self.state.lr
        for p, g, S in zip(params, grads, self.state.slots["squares"], strict=True):
            S += g * g
            p -= lr * g / (np.sqrt(S) + self.epsilon)


OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
    "adagrad": Adagrad,
}


def get(name: str, **hyperparameters) -> Optimizer:
    """An optimizer by name ("gd", "momentum", "nesterov", "rmsprop", "adam", "adamw",
    "adagrad"), with the given hyper-parameters; one it does not take is an error that lists
    those it does."""
    cls = pick(name, OPTIMIZERS, "optimizer")
    unknown = set(hyperparameters) - set(cls.hyperparameters) - {"schedule"}
    if unknown:
        raise GlassnetError(
            f"{', '.join(sorted(unknown))} does not apply to the optimizer {cls.name!r}; it takes "
            f"{', '.join(cls.hyperparameters)}"
        )
    return cls(**hyperparameters)


def defaults(name: str) -> dict:
    """The hyper-parameters an optimizer gets when none is given, e.g. {"lr": 0.01, "beta": 0.9}."""
    config = pick(name, OPTIMIZERS, "optimizer")().config()
    return {k: v for k, v in config.items() if k not in ("name", "schedule")}


def from_config(config: dict) -> Optimizer:
    """The optimizer that ``optimizer.config()`` describes (without its state)."""
    config = dict(config)
    schedule = config.pop("schedule", None)
    schedule = None if schedule is None else schedules.from_config(schedule)
    return get(config.pop("name"), schedule=schedule, **config)


def resolve(optimizer) -> Optimizer:
    """The optimizer a caller means: an ``Optimizer`` as it is, a name ("adam", "momentum",
    ...) or an ``Optimizer`` class with their published defaults, None for the lecture's
    ``Momentum(lr=0.01, beta=0.9)``."""
    if optimizer is None:
        return Momentum()
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        return get(optimizer)
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    raise GlassnetTypeError(
        f"optimizer must be an optimizer (gn.Adam(lr=0.001)), its name ({', '.join(OPTIMIZERS)}) "
        f"or its class (gn.Adam); got {type(optimizer).__name__}"
    )
