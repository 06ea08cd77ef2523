"""Training engines: functions that run one epoch of mini-batch steps on a network.

An engine is ``epoch(net, optimizer, X, Y, order, slices) -> list[float]``: for each slice s of
the permutation ``order`` it takes the batch X[order[s]], computes J and the gradients, and lets
the optimizer update the weights; it returns the batch costs and stops early at a non-finite one.
``reference`` is the readable NumPy engine; faster engines must compute the same training run.
"""

from __future__ import annotations

from collections.abc import Callable

from ..validation import pick
from . import reference

Epoch = Callable[..., list[float]]

ENGINES = {"numpy": reference.epoch}


def select(name: str, net, optimizer) -> Epoch:
    """The epoch function for ``engine=name``: "numpy", or "auto" for the fastest available."""
    if name == "auto":
        return reference.epoch
    return pick(name, ENGINES, "engine")
