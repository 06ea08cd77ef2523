"""Learning-rate schedules: lr for epoch e = 0, 1, 2, ... from the initial lr0.

A schedule belongs to its optimizer, given when it is made
(``gn.Adam(lr=0.01, schedule=gn.schedules.CosineDecay(50))``; ``gn.train(..., schedule=...)``
trains a copy of the optimizer with it): before every epoch the optimizer sets
lr = schedule(lr0, e), with e counted in the optimizer's state, so a checkpoint resumes the
schedule where it was.

=====================  ==========================================================
``InverseTimeDecay``   lr = lr0 / (1 + decay * e)           (the lecture's form)
``StepDecay``          lr = lr0 * factor ^ floor(e / step)
``ExponentialDecay``   lr = lr0 * rate ^ e                  (the lecture's 0.95^e)
``CosineDecay``        lr = lr_min + (lr0 - lr_min) (1 + cos(pi e / epochs)) / 2
=====================  ==========================================================
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .errors import GlassnetError
from .validation import check_count, check_positive


@dataclass(frozen=True)
class InverseTimeDecay:
    """lr = lr0 / (1 + decay * epoch)."""

    decay: float = 1.0

    def __post_init__(self) -> None:
        if not self.decay >= 0:
            raise GlassnetError(f"decay must be >= 0, got {self.decay!r}")

    def __call__(self, lr0: float, epoch: int) -> float:
        return lr0 / (1 + self.decay * epoch)


@dataclass(frozen=True)
class StepDecay:
    """lr = lr0 * factor ^ floor(epoch / step): multiply by ``factor`` every ``step`` epochs."""

    step: int = 10
    factor: float = 0.5

    def __post_init__(self) -> None:
        check_count(self.step, "step")
        check_positive(self.factor, "factor")

    def __call__(self, lr0: float, epoch: int) -> float:
        return lr0 * self.factor ** (epoch // self.step)


@dataclass(frozen=True)
class ExponentialDecay:
    """lr = lr0 * rate ^ epoch."""

    rate: float = 0.95

    def __post_init__(self) -> None:
        check_positive(self.rate, "rate")

    def __call__(self, lr0: float, epoch: int) -> float:
        return lr0 * self.rate**epoch


@dataclass(frozen=True)
class CosineDecay:
    """lr = lr_min + (lr0 - lr_min) (1 + cos(pi * epoch / epochs)) / 2, then lr_min."""

    epochs: int = 100
    lr_min: float = 0.0

    def __post_init__(self) -> None:
        check_count(self.epochs, "epochs")
        if not self.lr_min >= 0:
            raise GlassnetError(f"lr_min must be >= 0, got {self.lr_min!r}")

    def __call__(self, lr0: float, epoch: int) -> float:
        progress = min(epoch, self.epochs) / self.epochs
        return self.lr_min + (lr0 - self.lr_min) * (1 + math.cos(math.pi * progress)) / 2


SCHEDULES = {
    "inverse_time": InverseTimeDecay,
    "step": StepDecay,
    "exponential": ExponentialDecay,
    "cosine": CosineDecay,
}


def config(schedule) -> dict | None:
    """A schedule as JSON-able data, for model files and checkpoints; None for a function of
    your own, which a checkpoint cannot hold (give it again when resuming)."""
    names = {cls: name for name, cls in SCHEDULES.items()}
    if type(schedule) not in names:
        return None
    return {"name": names[type(schedule)], **asdict(schedule)}


def from_config(config: dict):
    """The schedule that ``config(schedule)`` describes."""
    config = dict(config)
    name = config.pop("name", None)
    if name not in SCHEDULES:
        raise GlassnetError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    return SCHEDULES[name](**config)
