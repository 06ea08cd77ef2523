"""What several experiments measure the same way.

The first iteration at which a cost curve falls below a target, and full-batch training of a
fresh network until it gets there: at each of several learning rates (``learning_rate_search``),
and for several optimizers on two moons (``moons_race``), each at its best rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import NamedTuple

import numpy as np

from .. import datasets
from ..errors import DivergenceError
from ..history import History
from ..network import Network
from ..training import train


def first_below(costs, target: float) -> int | None:
    """The first index t with costs[t] < target (the number of updates made before), or None."""
    below = np.flatnonzero(np.asarray(costs, dtype=np.float64) < target)
    return int(below[0]) if below.size else None


def fmt_iterations(n: int | None, limit: int) -> str:
    return f"not within {limit}" if n is None else str(n)


def _stop_below(target: float) -> Callable[[History], None]:
    """A callback for full-batch training: stop once the last J is below ``target``."""

    def callback(history: History) -> None:
        if history.costs[-1] < target:
            history.stop_training = True

    return callback


def iterations_to_target(net_factory, X, y, optimizer, target: float, max_iterations: int):
    """Full-batch training of a fresh network until J < ``target``.

    Returns (the number of updates before J first fell below target, or None when it did not
    within ``max_iterations`` or training diverged; the cost of every iteration)."""
    net = net_factory()
    history = History()
    try:
        train(
            net,
            X,
            y,
            optimizer=optimizer,
            epochs=max_iterations,
            batch_size=None,
            shuffle=False,
            history=history,
            callbacks=[_stop_below(target)],
        )
    except DivergenceError:
        return None, history.costs
    return first_below(history.costs, target), history.costs


class RateRun(NamedTuple):
    """One full-batch run of ``learning_rate_search``."""

    iterations: int | None  # updates before J < target; None: not within the limit, or diverged
    lr: float
    costs: list[float]  # J of every iteration


def learning_rate_search(
    net_factory, X, y, make: Callable[[float], object], rates: Sequence[float], target, limit
) -> list[RateRun]:
    """For each lr of ``rates``: a fresh network trained on all of (X, y) with optimizer
    ``make(lr)`` until J < ``target`` or ``limit`` iterations."""
    runs = []
    for lr in rates:
        n, costs = iterations_to_target(net_factory, X, y, make(lr), target, limit)
        runs.append(RateRun(n, lr, costs))
    return runs


def moons_network(seed: int) -> Network:
    """The network the two-moons experiments train: [2, 16, 16, 1], ReLU, a sigmoid output."""
    return Network([2, 16, 16, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)


def moons_race(candidates: dict, target: float, limit: int, seed: int):
    """Full-batch training on two moons with each optimizer at each of its learning rates.

    ``candidates`` maps a name to (make(lr) -> optimizer, rates). Returns the table of
    iterations to J < target, each optimizer's (best iterations or None, best lr), and the cost
    curve of its best run (the first of the fastest; the first rate's when none got there)."""
    X, y = datasets.two_moons(400, 0.15, seed=seed)
    table, best, curves = [], {}, {}
    for name, (make, rates) in candidates.items():
        runs = learning_rate_search(partial(moons_network, seed), X, y, make, rates, target, limit)
        table += [
            {
                "optimizer": name,
                "lr": run.lr,
                f"iterations to J < {target:g}": fmt_iterations(run.iterations, limit),
            }
            for run in runs
        ]
        fastest = min(runs, key=lambda run: np.inf if run.iterations is None else run.iterations)
        best[name] = (fastest.iterations, fastest.lr)
        curves[name] = np.array(fastest.costs)
    return table, best, curves
