"""Mini-batch training: shuffled batches, epochs, cost curves, validation, callbacks.

One epoch: permute the m training rows (when ``shuffle``), cut them into batches of
``batch_size`` (the last one smaller when m is not a multiple; it is averaged over its own size),
and for each batch t compute J{t} and the gradients by backprop, then let the optimizer update
the weights. ``batch_size=None`` (or >= m) is full-batch gradient descent, ``1`` is stochastic.
One batch of the whole set is never shuffled: its order would change nothing but rounding, and
the course's full-batch loop takes the rows in their order too.

Everything an epoch changes is one ``TrainingState``: the network (weights, batch-norm buffers,
dropout generator), the optimizer (its ``state``: steps, schedule clock, velocities or moments),
the shuffling generator, the epochs done, the history and the best epoch. A snapshot of it is
taken before each epoch, so that a diverged or interrupted epoch is rolled back whole; a
checkpoint is that state written to a file.

The loop is a ``Trainer``: its steps (``begin``, ``begin_epoch``, ``run_batches``, ``end_epoch``,
``end``) are what ``train`` runs to the end and what a front end such as the playground drives a
few batches at a time; callbacks are the extension point, not a loop of one's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from . import engine as engines
from . import optimizers
from .callbacks import as_callbacks
from .data import batch_slices, split_rows
from .errors import DivergenceError, GlassnetError
from .files import checkpoints
from .history import Callback, History, epochs_without_progress
from .metrics import output_accuracy
from .network import Network
from .optimizers import Optimizer
from .state import TrainingState
from .validation import check_count, check_X

__all__ = ["Callback", "History", "Trainer", "TrainingInterrupted", "TrainingState", "train"]


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; the state after the last complete epoch was checkpointed."""


# The least fall of the training cost that counts as progress for early stopping without
# validation data. scikit-learn's tol is 1e-4; with batches of 64 the epoch's mean cost keeps
# falling by that much long after the test accuracy has stopped moving (MNIST: 75 epochs
# instead of 48, at equal accuracy), so 1e-3 (measured). A validation cost counts any fall.
TOL = 1e-3


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
    tol: float | None = None,
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    comm=None,
) -> History:
    """Train ``net`` in place with mini-batch gradient descent and return its History.

    ``optimizer`` is an ``Optimizer``, a name ("adam", "momentum", ...) or an optimizer class
    (with its defaults); None is the lecture's ``Momentum(lr=0.01, beta=0.9)``. ``seed``
    fixes the shuffling, so the same network, data and seed give bit-identical weights.
    ``callbacks`` are ``glassnet.callbacks.Callback`` objects (hooks at train and epoch begin
    and end, able to stop training) or plain functions called with the History after every
    epoch. Pass a previous ``history`` to continue it. ``engine`` picks how epochs run:
    "numpy" (the readable reference) or "auto" (the fastest available).

    Beyond the lecture: ``validation_split`` holds out that fraction of (X, y) as validation data
    (``glassnet.data.split_rows``: seeded, stratified by class for a classifier);
    ``schedule(lr0, epoch)`` trains a copy of the optimizer with that learning-rate schedule
    (``optimizer.replace(schedule=...)``, see ``glassnet.schedules``), leaving the optimizer
    passed as it is: give the schedule to the optimizer itself (``gn.Momentum(schedule=...)``)
    to carry its state from one call to the next. ``early_stopping=patience`` stops when the
    validation cost (or, without validation data, the training cost, which must fall by more
    than ``tol``, default ``TOL``) has not improved for that many epochs, and ``restore_best``
    then puts back the weights of the best epoch. This is the one early-stopping rule of
    glassnet.

    ``checkpoint=path`` writes the whole training state (weights, optimizer state with its
    schedule, random generators, history) atomically every ``checkpoint_every`` epochs, at the
    end, and on Ctrl-C (then raising ``TrainingInterrupted``). ``resume=path`` continues such a
    run: with the same arguments it ends with weights bit-identical to an uninterrupted run.

    ``comm=MPI.COMM_WORLD`` trains data-parallel over MPI (see ``glassnet.distributed``): call
    it on every rank with the same arguments; rank 0 alone writes the checkpoint.
    """
    return Trainer(
        net, X, y, optimizer, epochs, batch_size, shuffle, seed, validation_data, callbacks,
        history, engine, validation_split, schedule, early_stopping, restore_best, tol,
        checkpoint, checkpoint_every, resume, comm,
    ).run()


class Trainer:
    """The training loop of ``train``, as steps that a front end may run to the end (``run``)
    or drive one by one (the playground's training thread, a few batches at a time):

        begin()             resume from a checkpoint, callbacks' on_train_begin
        begin_epoch()       a snapshot to roll back to, callbacks' on_epoch_begin, the
                            optimizer's epoch clock, a permutation of the rows
        run_batches(count)  the next ``count`` mini-batches of the epoch through the engine's
                            epoch function; a NaN or infinite cost or weight rolls the epoch
                            back whole and raises DivergenceError
        end_epoch()         the epoch's cost (batch costs weighted by batch size), validation
                            cost and accuracy, the best epoch, early stopping, callbacks'
                            on_epoch_end, the checkpoint
        end()               the best epoch's weights back (``restore_best``), on_train_end

    It is built from ``train``'s arguments (see there); ``state`` is the TrainingState it
    changes, ``history`` its History. What a front end adds (progress, live views, stopping
    early) it adds as callbacks or between two steps, never as a loop of its own.
    """

    def __init__(
        self,
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
        tol: float | None = None,
        checkpoint=None,
        checkpoint_every: int = 1,
        resume=None,
        comm=None,
    ) -> None:
        optimizer = optimizers.resolve(optimizer)  # an Optimizer, a name ("adam") or a class
        if schedule is not None:  # a copy: the caller's optimizer keeps its own
            optimizer = optimizer.replace(schedule=schedule)
        self.epochs = check_count(epochs, "epochs")
        self.checkpoint_every = check_count(checkpoint_every, "checkpoint_every")
        if batch_size is not None:
            batch_size = check_count(batch_size, "batch_size")
        if early_stopping is not None:
            early_stopping = check_count(early_stopping, "early_stopping")
        self.X, self.Y, self.validation = _training_data(
            net, X, y, validation_data, validation_split, seed
        )
        if comm is None:
            self.run_epoch = engines.select(engine, net, optimizer)
        else:
            from .distributed import DataParallel  # mpi4py is imported only for an MPI run

            self.run_epoch = DataParallel(comm, net).epoch
            if comm.Get_rank() != 0:
                checkpoint = None
        self.net, self.shuffle = net, shuffle
        self.state = TrainingState(net, optimizer, np.random.default_rng(seed))
        self.state.history = History() if history is None else history
        self.state.history.stop_training = False
        self.callbacks = as_callbacks(callbacks)
        self.slices = batch_slices(self.X.shape[0], batch_size)
        self.sizes = np.array([s.stop - s.start for s in self.slices])
        self.early_stopping, self.restore_best = early_stopping, restore_best
        least_fall = TOL if tol is None else float(tol)
        self.least_fall = 0.0 if self.validation is not None else least_fall
        self.checkpoint, self.resume = checkpoint, resume
        self.order = np.arange(self.X.shape[0])
        self.costs: list[float] = []  # the batch costs of the current epoch so far
        self.next_batch = 0
        self.in_epoch = False  # begun and not yet ended (nor rolled back)
        self._snapshot = None
        self._start = time.perf_counter()

    @property
    def history(self) -> History:
        return self.state.history

    @property
    def optimizer(self) -> Optimizer:
        """The optimizer this run trains: the one passed, or a copy of it with ``schedule`` (or,
        on resume, with the checkpoint's schedule when it had none)."""
        return self.state.optimizer

    @property
    def epoch_done(self) -> bool:
        """Every batch of the current epoch has run; ``end_epoch`` is next."""
        return self.in_epoch and self.next_batch >= len(self.slices)

    @property
    def finished(self) -> bool:
        """``epochs`` epochs are complete, or early stopping (or divergence) stopped the run."""
        return self.state.epoch >= self.epochs or self.history.stop_training

    def run(self) -> History:
        """The whole run: ``begin``, then epoch after epoch, then ``end``. Ctrl-C with a
        ``checkpoint`` saves the state after the last complete epoch and raises
        TrainingInterrupted."""
        self.begin()
        while not self.finished:
            epoch = self.state.epoch + 1
            try:
                self.begin_epoch()
                self.run_batches(len(self.slices))
                self.end_epoch()
            except KeyboardInterrupt:
                if self.checkpoint is None:
                    raise
                if self.state.epoch < epoch:  # interrupted inside the epoch: go back to its start
                    self.state.rollback(self._snapshot)
                checkpoints.save(self.checkpoint, self.state)
                raise TrainingInterrupted(
                    f"training interrupted in epoch {epoch}; the state after epoch "
                    f"{self.state.epoch} is saved in {self.checkpoint}: resume with "
                    f"resume={str(self.checkpoint)!r} "
                    f"(glassnet train ... --resume {self.checkpoint})"
                ) from None
        return self.end()

    def begin(self) -> None:
        """Continue from ``resume`` (a checkpoint), if given; callbacks' on_train_begin."""
        state = self.state
        if self.resume is not None:
            state.adopt(checkpoints.load(self.resume))
        for callback in self.callbacks:
            callback.on_train_begin(state)
        seconds = state.history.seconds
        self._start = time.perf_counter() - (seconds[-1] if seconds else 0.0)

    def begin_epoch(self) -> None:
        """Epoch ``state.epoch + 1`` begins: a snapshot of the state to roll back to,
        callbacks' on_epoch_begin, the optimizer's epoch clock, the rows' permutation."""
        state = self.state
        self._snapshot = state.snapshot(into=self._snapshot)
        self.in_epoch, self.next_batch, self.costs = True, 0, []
        for callback in self.callbacks:
            callback.on_epoch_begin(state, state.epoch + 1)
        self.optimizer.begin_epoch()
        m = self.X.shape[0]
        shuffle = self.shuffle and len(self.slices) > 1  # one batch: its order changes nothing
        self.order = state.rng.permutation(m) if shuffle else np.arange(m)

    def run_batches(self, count: int, epoch=None) -> list[float]:
        """Run the next ``count`` mini-batches of the epoch (fewer at its end) through the
        engine's epoch function (or ``epoch``, one with its signature) and return their costs.
        A NaN or infinite cost or weight rolls the epoch back and raises DivergenceError."""
        first = self.next_batch
        run_epoch = self.run_epoch if epoch is None else epoch
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
            costs = run_epoch(
                self.net, self.optimizer, self.X, self.Y, self.order,
                self.slices[first:first + count],
            )
        self.costs.extend(costs)
        self.next_batch = first + len(costs)
        self._check_divergence()
        return costs

    def end_epoch(self, validation: tuple | None = None) -> None:
        """The epoch ends: its cost, the validation cost and accuracy into the history (a
        non-finite validation cost rolls the epoch back: DivergenceError), the best epoch and
        early stopping, callbacks' on_epoch_end, the checkpoint. ``validation``, the pair
        (J, A[L]) on the validation data, is computed here unless the caller has (the
        playground computes it in interruptible chunks of rows)."""
        state, net, history, costs = self.state, self.net, self.history, self.costs
        epoch = state.epoch + 1
        val_cost = A_val = None
        if self.validation is not None:
            if validation is None:
                with np.errstate(over="ignore", invalid="ignore"):
                    val_cost = net.batch_cost(*self.validation)
            else:
                val_cost, A_val = validation
            self._check_divergence(val_cost)
        history.costs.extend(costs)
        history.epoch_costs.append(float(np.dot(costs, self.sizes) / self.X.shape[0]))
        self.in_epoch, self.costs = False, []
        if self.validation is not None:
            history.val_costs.append(val_cost)
            if net.output.name in ("sigmoid", "softmax"):
                if A_val is None:
                    A_val = net.propagate(self.validation[0])
                history.val_accuracies.append(
                    output_accuracy(A_val, self.validation[1], net.output.name)
                )
        history.seconds.append(time.perf_counter() - self._start)
        state.epoch = epoch
        if self.early_stopping or self.restore_best:
            costs_seen = history.val_costs if self.validation else history.epoch_costs
            state.best.offer(costs_seen[-1], epoch, net.parameters(), net.buffers())
            if self.early_stopping:
                stale = epochs_without_progress(costs_seen, self.least_fall)
                history.stop_training = stale >= self.early_stopping
        for callback in self.callbacks:
            callback.on_epoch_end(state, epoch)
        last = epoch == self.epochs or history.stop_training
        if self.checkpoint is not None and (last or epoch % self.checkpoint_every == 0):
            checkpoints.save(self.checkpoint, state)

    def end(self) -> History:
        """The run ends: the best epoch's weights back if ``restore_best``; on_train_end."""
        if self.restore_best:
            self.state.restore_best()
        for callback in self.callbacks:
            callback.on_train_end(self.state)
        return self.history

    def _check_divergence(self, val_cost=None) -> None:
        """Raise DivergenceError if a cost of the epoch, a weight or the validation cost is NaN
        or infinite.

        The training state goes back to the start of the epoch, the last state known to be
        finite; the finite costs of the epoch stay in the history.
        """
        state, costs = self.state, self.costs
        history = state.history
        nonfinite = np.flatnonzero(~np.isfinite(np.asarray(costs, dtype=np.float64)))
        if nonfinite.size:
            bad = int(nonfinite[0])
            what = f"iteration {bad + 1} of that epoch ({history.iterations + bad + 1} overall): "
            what += f"the cost became {costs[bad]}"
        elif not all(finite(p) for p in self.net.parameters()):
            bad, what = len(costs), "its last step made the weights infinite or NaN"
        elif val_cost is not None and not np.isfinite(val_cost):
            bad, what = len(costs), f"the validation cost became {val_cost}"
        else:
            return
        lr = state.optimizer.lr
        snapshot = self._snapshot
        state.rollback(snapshot)
        history.costs.extend(costs[:bad])
        history.stop_training = True
        self.in_epoch, self.costs = False, []
        raise DivergenceError(
            f"training diverged at epoch {snapshot.epoch + 1}, {what}. The network keeps its "
            f"weights from the start of that epoch. Try a smaller learning rate (it is {lr}) or "
            "standardized inputs."
        )


def finite(a: np.ndarray) -> bool:
    """Whether no entry of ``a`` is NaN or infinite: NaN carries through min and max, and an
    infinity is one of them (two passes that allocate nothing, unlike np.isfinite(a).all())."""
    return a.size == 0 or bool(np.isfinite(a.min()) and np.isfinite(a.max()))


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
