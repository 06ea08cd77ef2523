"""Mini-batch training: shuffled batches, epochs, cost curves, validation, callbacks.

One epoch: permute the m training rows (when ``shuffle``), cut them into batches of
``batch_size`` (the last one smaller when m is not a multiple; it is averaged over its own size),
and for each batch t compute J{t} and the gradients by backprop, then let the optimizer update
the weights. ``batch_size=None`` (or >= m) is full-batch gradient descent, ``1`` is stochastic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from . import engine as engines
from .data import batch_slices
from .errors import DivergenceError, GlassnetError
from .network import Network
from .optimizers import Momentum, Optimizer
from .validation import check_count, check_X


@dataclass
class History:
    """What training measured, as plain lists.

    ``costs``: J{t} of every mini-batch, in order. ``epoch_costs``: per epoch, the mean of the
    batch costs weighted by batch size. ``val_costs`` and ``val_accuracies``: on the validation
    data after each epoch. ``seconds``: wall time at the end of each epoch since training began.
    Set ``stop_training = True`` in a callback to stop after the current epoch.
    """

    costs: list[float] = field(default_factory=list)
    epoch_costs: list[float] = field(default_factory=list)
    val_costs: list[float] = field(default_factory=list)
    val_accuracies: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    stop_training: bool = False

    @property
    def epochs(self) -> int:
        return len(self.epoch_costs)

    @property
    def iterations(self) -> int:
        return len(self.costs)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("stop_training")
        return data


Callback = Callable[[History], None]


def train(
    net: Network,
    X,
    y,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = 64,
    shuffle: bool = True,
    seed: int | None = 0,
    validation_data: tuple | None = None,
    callbacks: Sequence[Callback] = (),
    history: History | None = None,
    engine: str = "auto",
) -> History:
    """Train ``net`` in place with mini-batch gradient descent and return its History.

    ``optimizer`` defaults to ``Momentum(lr=0.01, beta=0.9)``. ``seed`` fixes the shuffling, so
    the same network, data and seed give bit-identical weights. Each callback is called with the
    History after every epoch. Pass a previous ``history`` to continue it.
    """
    optimizer = Momentum() if optimizer is None else optimizer
    epochs = check_count(epochs, "epochs")
    if batch_size is not None:
        batch_size = check_count(batch_size, "batch_size")
    X = check_X(X, n_features=net.n_features, dtype=net.dtype)
    Y = net._check_targets(y, X.shape[0])
    if validation_data is not None:
        if len(validation_data) != 2:
            raise GlassnetError("validation_data must be a pair (X_val, y_val)")
        X_val = check_X(
            validation_data[0], n_features=net.n_features, dtype=net.dtype, name="X_val"
        )
        Y_val = net._check_targets(validation_data[1], X_val.shape[0], name="y_val")

    run_epoch = engines.select(engine, net, optimizer)
    history = History() if history is None else history
    rng = np.random.default_rng(seed)
    slices = batch_slices(X.shape[0], batch_size)
    params = net.parameters()
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
        snapshot = [p.copy() for p in params]
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            costs = run_epoch(net, optimizer, X, Y, order, slices)
        iteration = _first_nonfinite(costs)
        if iteration is not None:
            history.costs.extend(costs[:iteration])
            _diverged(params, snapshot, optimizer, history, epoch, iteration, costs)
        history.costs.extend(costs)
        sizes = [s.stop - s.start for s in slices]
        history.epoch_costs.append(float(np.dot(costs, sizes) / X.shape[0]))
        if validation_data is not None:
            history.val_costs.append(net._cost(X_val, Y_val))
            if net.output.name in ("sigmoid", "softmax"):
                history.val_accuracies.append(accuracy(net, X_val, Y_val))
        history.seconds.append(time.perf_counter() - start)
        for callback in callbacks:
            callback(history)
        if history.stop_training:
            break
    return history


def accuracy(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of samples classified correctly: the thresholded output against the 0/1 label
    (sigmoid), or the most probable class against the one-hot label (softmax)."""
    A = net._forward(X)
    if net.output.name == "softmax":
        return float(np.mean(A.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean((A > 0.5) == (Y > 0.5)))


def _first_nonfinite(costs) -> int | None:
    bad = np.flatnonzero(~np.isfinite(np.asarray(costs, dtype=np.float64)))
    return int(bad[0]) if bad.size else None


def _diverged(params, snapshot, optimizer, history, epoch, iteration, costs) -> None:
    """Keep the last finite weights, record what was measured, and raise DivergenceError."""
    if not all(np.isfinite(p).all() for p in params):
        for p, saved in zip(params, snapshot, strict=True):
            p[...] = saved
    history.stop_training = True
    raise DivergenceError(
        f"training diverged at epoch {epoch}, iteration {iteration + 1} of that epoch "
        f"({history.iterations + 1} overall): the cost became {costs[iteration]}. The network "
        f"keeps its last finite weights. Try a smaller learning rate (it is {optimizer.lr}) or "
        "standardized inputs."
    )
