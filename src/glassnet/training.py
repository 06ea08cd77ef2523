"""Mini-batch training: shuffled batches, epochs, cost curves, validation, callbacks.

One epoch: permute the m training rows (when ``shuffle``), cut them into batches of
``batch_size`` (the last one smaller when m is not a multiple; it is averaged over its own size),
and for each batch t compute J{t} and the gradients by backprop, then let the optimizer update
the weights. ``batch_size=None`` (or >= m) is full-batch gradient descent, ``1`` is stochastic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from . import engine as engines
from .data import batch_slices
from .errors import DivergenceError, GlassnetError
from .network import Network
from .optimizers import Momentum, Optimizer
from .validation import check_count, check_fraction, check_X


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


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; the state after the last complete epoch was checkpointed."""


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
    validation_split: float | None = None,
    schedule: Callable[[float, int], float] | None = None,
    early_stopping: int | None = None,
    restore_best: bool = False,
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    comm=None,
) -> History:
    """Train ``net`` in place with mini-batch gradient descent and return its History.

    ``optimizer`` defaults to ``Momentum(lr=0.01, beta=0.9)``. ``seed`` fixes the shuffling, so
    the same network, data and seed give bit-identical weights. Each callback is called with the
    History after every epoch. Pass a previous ``history`` to continue it. ``engine`` picks how
    epochs run: "numpy" (the readable reference) or "auto" (the fastest available).

    Beyond the lecture: ``validation_split`` holds out that fraction of (X, y) (a seeded random
    subset) as validation data; ``schedule(lr0, epoch)`` sets the learning rate before each
    epoch (see ``glassnet.schedules``); ``early_stopping=patience`` stops when the validation
    cost (or, without validation data, the training cost) has not improved for that many epochs,
    and ``restore_best`` then puts back the weights of the best epoch.

    ``checkpoint=path`` writes the whole training state (weights, optimizer state, random
    generator, history) atomically every ``checkpoint_every`` epochs, at the end, and on Ctrl-C
    (then raising ``TrainingInterrupted``). ``resume=path`` continues such a run: with the same
    arguments it ends with weights bit-identical to an uninterrupted run.

    ``comm=MPI.COMM_WORLD`` trains data-parallel over MPI (see ``glassnet.distributed``): call
    it on every rank with the same arguments; rank 0 alone writes the checkpoint.
    """
    from . import checkpoints  # the file format sits above training: import at use

    optimizer = Momentum() if optimizer is None else optimizer
    epochs = check_count(epochs, "epochs")
    checkpoint_every = check_count(checkpoint_every, "checkpoint_every")
    if batch_size is not None:
        batch_size = check_count(batch_size, "batch_size")
    if early_stopping is not None:
        early_stopping = check_count(early_stopping, "early_stopping")
    X = check_X(X, n_features=net.n_features, dtype=net.dtype)
    Y = net.check_targets(y, X.shape[0])
    if validation_split is not None:
        if validation_data is not None:
            raise GlassnetError("give validation_data or validation_split, not both")
        X, Y, X_val, Y_val = _split(X, Y, validation_split, seed)
    elif validation_data is not None:
        if len(validation_data) != 2:
            raise GlassnetError("validation_data must be a pair (X_val, y_val)")
        X_val = check_X(
            validation_data[0], n_features=net.n_features, dtype=net.dtype, name="X_val"
        )
        Y_val = net.check_targets(validation_data[1], X_val.shape[0], name="y_val")
    validating = validation_split is not None or validation_data is not None

    if comm is None:
        run_epoch = engines.select(engine, net, optimizer)
    else:
        from .distributed import DataParallel

        run_epoch = DataParallel(comm, net).epoch
        if comm.Get_rank() != 0:
            checkpoint = None
    history = History() if history is None else history
    history.stop_training = False
    rng = np.random.default_rng(seed)
    base_lr = optimizer.lr
    best = checkpoints.Best()
    first_epoch = 1
    if resume is not None:
        state = checkpoints.load(resume)
        checkpoints.restore(state, net, optimizer)
        rng.bit_generator.state = state.rng_state
        history, first_epoch, base_lr = state.history, state.epochs_done + 1, state.base_lr
        best = state.best
    slices = batch_slices(X.shape[0], batch_size)
    sizes = np.array([s.stop - s.start for s in slices])
    params = net.parameters()
    start = time.perf_counter() - (history.seconds[-1] if history.seconds else 0.0)

    def save(epochs_done: int) -> None:
        checkpoints.save(checkpoint, net, optimizer, history, rng, epochs_done, base_lr, best)

    for epoch in range(first_epoch, epochs + 1):
        if history.stop_training:  # a resumed run that had already stopped early
            break
        snapshot = _Snapshot(net, optimizer, history, rng)
        done = epoch - 1  # epochs whose results are complete in net, optimizer and history
        try:
            if schedule is not None:
                optimizer.lr = schedule(base_lr, epoch - 1)
            order = rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                costs = run_epoch(net, optimizer, X, Y, order, slices)
                val_cost = net.batch_cost(X_val, Y_val) if validating else None
            _check_divergence(net, snapshot, optimizer, history, rng, epoch, costs, val_cost)
            history.costs.extend(costs)
            history.epoch_costs.append(float(np.dot(costs, sizes) / X.shape[0]))
            if validating:
                history.val_costs.append(val_cost)
                if net.output.name in ("sigmoid", "softmax"):
                    history.val_accuracies.append(accuracy(net, X_val, Y_val))
            history.seconds.append(time.perf_counter() - start)
            done = epoch
            if early_stopping or restore_best:
                monitored = history.val_costs[-1] if validating else history.epoch_costs[-1]
                if not _improved(best, monitored, epoch, net) and early_stopping:
                    history.stop_training = epoch - best.epoch >= early_stopping
            for callback in callbacks:
                callback(history)
        except KeyboardInterrupt:
            if checkpoint is None:
                raise
            if done < epoch:  # interrupted inside the epoch: go back to its start
                snapshot.restore(net, optimizer, history, rng)
            save(done)
            raise TrainingInterrupted(
                f"training interrupted in epoch {epoch}; the state after epoch {done} is saved "
                f"in {checkpoint}: resume with resume={str(checkpoint)!r} "
                f"(glassnet train ... --resume {checkpoint})"
            ) from None
        last = epoch == epochs or history.stop_training
        if checkpoint is not None and (last or epoch % checkpoint_every == 0):
            save(epoch)
    if restore_best and best.params is not None:
        for p, saved in zip(params + net.buffers(), best.params + best.buffers, strict=True):
            p[...] = saved
    return history


_RECORDS = [f for f in fields(History) if f.name != "stop_training"]


class _Snapshot:
    """Everything an epoch changes, as it was at the epoch's start: parameters, buffers, the
    dropout and shuffling generators, the optimizer's state and the history's lengths."""

    def __init__(self, net: Network, optimizer, history: History, rng) -> None:
        self.arrays = [a.copy() for a in net.parameters() + net.buffers()]
        self.dropout_state = net.dropout_rng.bit_generator.state
        self.rng_state = rng.bit_generator.state
        self.t, self.lr = optimizer.t, optimizer.lr
        self.slots = {
            name: None
            if getattr(optimizer, name) is None
            else [a.copy() for a in getattr(optimizer, name)]
            for name in optimizer.slots
        }
        self.lengths = {f.name: len(getattr(history, f.name)) for f in _RECORDS}

    def restore(self, net: Network, optimizer, history: History, rng) -> None:
        for a, saved in zip(net.parameters() + net.buffers(), self.arrays, strict=True):
            a[...] = saved
        net.dropout_rng.bit_generator.state = self.dropout_state
        rng.bit_generator.state = self.rng_state
        optimizer.t, optimizer.lr = self.t, self.lr
        for name, saved in self.slots.items():
            setattr(optimizer, name, saved)
        for key, n in self.lengths.items():
            del getattr(history, key)[n:]


def _improved(best, cost: float, epoch: int, net: Network) -> bool:
    """Record ``cost`` in ``best`` (with the weights) if it is the lowest so far."""
    if cost < best.cost:
        best.cost, best.epoch = cost, epoch
        best.params = [p.copy() for p in net.parameters()]
        best.buffers = [b.copy() for b in net.buffers()]
        return True
    return False


def _split(X, Y, fraction, seed):
    """A seeded random hold-out of ``fraction`` of the rows (at least one row on each side)."""
    fraction = check_fraction(fraction, "validation_split", closed_low=False)
    m = X.shape[0]
    n_val = int(round(m * fraction))
    if not 1 <= n_val < m:
        raise GlassnetError(
            f"validation_split={fraction} of {m} samples leaves no validation or no training "
            "data; use more data or another fraction"
        )
    order = np.random.default_rng(None if seed is None else [seed, 1]).permutation(m)
    train, val = np.sort(order[n_val:]), np.sort(order[:n_val])
    return X[train], Y[train], X[val], Y[val]


def accuracy(net: Network, X: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of samples classified correctly: the thresholded output against the 0/1 label
    (sigmoid), or the most probable class against the one-hot label (softmax)."""
    A = net.propagate(X)
    if net.output.name == "softmax":
        return float(np.mean(A.argmax(axis=1) == Y.argmax(axis=1)))
    return float(np.mean((A > 0.5) == (Y > 0.5)))


def _first_nonfinite(costs) -> int | None:
    bad = np.flatnonzero(~np.isfinite(np.asarray(costs, dtype=np.float64)))
    return int(bad[0]) if bad.size else None


def _check_divergence(net, snapshot, optimizer, history, rng, epoch, costs, val_cost) -> None:
    """Raise DivergenceError if a cost, a weight or the validation cost is NaN or infinite.

    The network, its optimizer and the generators go back to the start of the epoch, the last
    state known to be finite; the finite costs of the epoch stay in the history.
    """
    bad = _first_nonfinite(costs)
    if bad is not None:
        what = f"iteration {bad + 1} of that epoch ({history.iterations + bad + 1} overall): the "
        what += f"cost became {costs[bad]}"
    elif not all(np.isfinite(p).all() for p in net.parameters()):
        bad, what = len(costs), "its last step made the weights infinite or NaN"
    elif val_cost is not None and not np.isfinite(val_cost):
        bad, what = len(costs), f"the validation cost became {val_cost}"
    else:
        return
    snapshot.restore(net, optimizer, history, rng)
    history.costs.extend(costs[:bad])
    history.stop_training = True
    raise DivergenceError(
        f"training diverged at epoch {epoch}, {what}. The network keeps its weights from the "
        f"start of that epoch. Try a smaller learning rate (it is {optimizer.lr}) or "
        "standardized inputs."
    )
