"""Mini-batch training: shuffled batches, epochs, cost curves, validation, callbacks.

One epoch: permute the m training rows (when ``shuffle``), cut them into batches of
``batch_size`` (the last one smaller when m is not a multiple; it is averaged over its own size),
and for each batch t compute J{t} and the gradients by backprop, then let the optimizer update
the weights. ``batch_size=None`` (or >= m) is full-batch gradient descent, ``1`` is stochastic.

Everything an epoch changes is one ``TrainingState``: the network (weights, batch-norm buffers,
dropout generator), the optimizer (its ``state``: steps, schedule clock, velocities or moments),
the shuffling generator, the epochs done, the history and the best epoch. A snapshot of it is
taken before each epoch, so that a diverged or interrupted epoch is rolled back whole; a
checkpoint is that state written to a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from . import engine as engines
from . import optimizers
from .data import batch_slices, split_rows
from .errors import DivergenceError, GlassnetError
from .files import checkpoints
from .history import Callback, History
from .metrics import output_accuracy
from .network import Network
from .optimizers import Optimizer
from .state import Snapshot, TrainingState
from .validation import check_count, check_X

__all__ = ["Callback", "History", "TrainingInterrupted", "TrainingState", "train"]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; the state after the last complete epoch was checkpointed."""


def train(
    net: Network,
    X,
    y,
    optimizer: Optimizer | str | type | None = None,
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

    ``optimizer`` is an ``Optimizer``, a name ("adam", "momentum", ...) or an optimizer class
    (with its defaults); None is the lecture's ``Momentum(lr=0.01, beta=0.9)``. ``seed``
    fixes the shuffling, so the same network, data and seed give bit-identical weights. Each
    callback is called with the History after every epoch. Pass a previous ``history`` to
    continue it. ``engine`` picks how epochs run: "numpy" (the readable reference) or "auto"
    (the fastest available).

    Beyond the lecture: ``validation_split`` holds out that fraction of (X, y) as validation data
    (``glassnet.data.split_rows``: seeded, stratified by class for a classifier);
    ``schedule(lr0, epoch)`` becomes the optimizer's learning-rate schedule (see
    ``glassnet.schedules``); ``early_stopping=patience`` stops when the validation cost (or,
    without validation data, the training cost) has not improved for that many epochs, and
    ``restore_best`` then puts back the weights of the best epoch.

    ``checkpoint=path`` writes the whole training state (weights, optimizer state with its
    schedule, random generators, history) atomically every ``checkpoint_every`` epochs, at the
    end, and on Ctrl-C (then raising ``TrainingInterrupted``). ``resume=path`` continues such a
    run: with the same arguments it ends with weights bit-identical to an uninterrupted run.

    ``comm=MPI.COMM_WORLD`` trains data-parallel over MPI (see ``glassnet.distributed``): call
    it on every rank with the same arguments; rank 0 alone writes the checkpoint.
    """
    optimizer = optimizers.resolve(optimizer)  # an Optimizer, a name ("adam") or a class
    if schedule is not None:
        optimizer.schedule = schedule
    epochs = check_count(epochs, "epochs")
    checkpoint_every = check_count(checkpoint_every, "checkpoint_every")
    if batch_size is not None:
        batch_size = check_count(batch_size, "batch_size")
    if early_stopping is not None:
        early_stopping = check_count(early_stopping, "early_stopping")
    X, Y, validation = _training_data(net, X, y, validation_data, validation_split, seed)

    if comm is None:
        run_epoch = engines.select(engine, net, optimizer)
    else:
        from .distributed import DataParallel  # mpi4py is imported only for an MPI run

        run_epoch = DataParallel(comm, net).epoch
        if comm.Get_rank() != 0:
            checkpoint = None
    state = TrainingState(net, optimizer, np.random.default_rng(seed))
    state.history = History() if history is None else history
    state.history.stop_training = False
    if resume is not None:
        state.adopt(checkpoints.load(resume))
    history = state.history
    slices = batch_slices(X.shape[0], batch_size)
    sizes = np.array([s.stop - s.start for s in slices])
    start = time.perf_counter() - (history.seconds[-1] if history.seconds else 0.0)
    monitor = early_stopping or restore_best

    for epoch in range(state.epoch + 1, epochs + 1):
        if history.stop_training:  # a resumed run that had already stopped early
            break
        snapshot = state.snapshot()
        try:
            optimizer.begin_epoch()
            order = state.rng.permutation(X.shape[0]) if shuffle else np.arange(X.shape[0])
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                costs = run_epoch(net, optimizer, X, Y, order, slices)
                val_cost = None if validation is None else net.batch_cost(*validation)
            _check_divergence(state, snapshot, costs, val_cost)
            history.costs.extend(costs)
            history.epoch_costs.append(float(np.dot(costs, sizes) / X.shape[0]))
            if validation is not None:
                history.val_costs.append(val_cost)
                if net.output.name in ("sigmoid", "softmax"):
                    A_val = net.propagate(validation[0])
                    history.val_accuracies.append(
                        output_accuracy(A_val, validation[1], net.output.name)
                    )
            history.seconds.append(time.perf_counter() - start)
            state.epoch = epoch
            if monitor:
                monitored = history.val_costs[-1] if validation else history.epoch_costs[-1]
                improved = state.best.offer(monitored, epoch, net.parameters(), net.buffers())
                if not improved and early_stopping:
                    history.stop_training = epoch - state.best.epoch >= early_stopping
            for callback in callbacks:
                callback(history)
        except KeyboardInterrupt:
            if checkpoint is None:
                raise
            if state.epoch < epoch:  # interrupted inside the epoch: go back to its start
                state.rollback(snapshot)
            checkpoints.save(checkpoint, state)
            raise TrainingInterrupted(
                f"training interrupted in epoch {epoch}; the state after epoch {state.epoch} is "
                f"saved in {checkpoint}: resume with resume={str(checkpoint)!r} "
                f"(glassnet train ... --resume {checkpoint})"
            ) from None
        last = epoch == epochs or history.stop_training
        if checkpoint is not None and (last or epoch % checkpoint_every == 0):
            checkpoints.save(checkpoint, state)
    if restore_best:
        state.restore_best()
    return history


def _training_data(net: Network, X, y, validation_data, validation_split, seed):
    """(X, Y, (X_val, Y_val) or None), checked once and cast to the network's dtype."""
    X, Y = net.check_data(X, y)
    if validation_split is not None:
        if validation_data is not None:
            raise GlassnetError("give validation_data or validation_split, not both")
        rows, val_rows = split_rows(len(X), validation_split, seed, class_labels(net, Y))
        return X[rows], Y[rows], (X[val_rows], Y[val_rows])
    if validation_data is None:
        return X, Y, None
    if len(validation_data) != 2:
        raise GlassnetError("validation_data must be a pair (X_val, y_val)")
    X_val = check_X(validation_data[0], n_features=net.n_features, dtype=net.dtype, name="X_val")
    return X, Y, (X_val, net.check_targets(validation_data[1], X_val.shape[0], name="y_val"))


def class_labels(net: Network, Y: np.ndarray) -> np.ndarray | None:
    """The class of each row of the targets Y, which a stratified split keeps in proportion:
    the 0/1 label of one sigmoid unit, the one-hot index of a softmax; None otherwise."""
    if net.output.name == "softmax":
        return Y.argmax(axis=1)
    if net.output.name == "sigmoid" and Y.shape[1] == 1:
        return Y[:, 0]
    return None


def _check_divergence(state: TrainingState, snapshot: Snapshot, costs, val_cost) -> None:
    """Raise DivergenceError if a cost, a weight or the validation cost is NaN or infinite.

    The training state goes back to the start of the epoch, the last state known to be finite;
    the finite costs of the epoch stay in the history.
    """
    net, history = state.network, state.history
    nonfinite = np.flatnonzero(~np.isfinite(np.asarray(costs, dtype=np.float64)))
    if nonfinite.size:
        bad = int(nonfinite[0])
        what = f"iteration {bad + 1} of that epoch ({history.iterations + bad + 1} overall): the "
        what += f"cost became {costs[bad]}"
    elif not all(np.isfinite(p).all() for p in net.parameters()):
        bad, what = len(costs), "its last step made the weights infinite or NaN"
    elif val_cost is not None and not np.isfinite(val_cost):
        bad, what = len(costs), f"the validation cost became {val_cost}"
    else:
        return
    lr = state.optimizer.lr
    state.rollback(snapshot)
    history.costs.extend(costs[:bad])
    history.stop_training = True
    raise DivergenceError(
        f"training diverged at epoch {snapshot.epoch + 1}, {what}. The network keeps its "
        f"weights from the start of that epoch. Try a smaller learning rate (it is {lr}) or "
        "standardized inputs."
    )
