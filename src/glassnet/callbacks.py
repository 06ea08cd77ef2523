"""Callbacks: the hooks of a training run, in Keras' and scikit-learn's sense.

A callback is an object with any of four methods, each given the run's ``TrainingState``
(``state.network``, ``state.optimizer``, ``state.history``, ``state.epoch``):

    on_train_begin(state)           before the first epoch (after a checkpoint was resumed)
    on_epoch_begin(state, epoch)    before each epoch (1, 2, ...)
    on_epoch_end(state, epoch)      after each epoch, its costs in ``state.history``; setting
                                    ``state.history.stop_training = True`` ends training there
    on_train_end(state)             after the last epoch, the best weights put back

Subclass ``Callback`` and override what you need; a plain function ``f(history)`` is called
after each epoch, as before. ``gn.train(..., callbacks=[...])``, ``recipe.fit``, the command
and the estimators (``GlassClassifier(callbacks=[...])``) pass them on. Two ship here:
``CSVLogger`` (one row per epoch) and ``TensorBoard`` (scalars, per-layer gradient norms and
weight histograms for ``tensorboard --logdir``; needs ``pip install "glassnet[tensorboard]"``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .checks import gradient_norms
from .errors import GlassnetError
from .network import Network
from .state import TrainingState


class Callback:
    """Hooks called by ``gn.train``; each does nothing unless overridden."""

    def on_train_begin(self, state: TrainingState) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, state: TrainingState, epoch: int) -> None:
        """Before epoch ``epoch`` (counted from 1)."""

    def on_epoch_end(self, state: TrainingState, epoch: int) -> None:
        """After epoch ``epoch``; set ``state.history.stop_training = True`` to stop."""

    def on_train_end(self, state: TrainingState) -> None:
        """After the last epoch."""


class EpochFunction(Callback):
    """A plain function ``f(history)``, called after each epoch."""

    def __init__(self, function) -> None:
        self.function = function

    def on_epoch_end(self, state: TrainingState, epoch: int) -> None:
        self.function(state.history)


def as_callbacks(callbacks) -> list[Callback]:
    """Callbacks as ``Callback`` objects: a plain function becomes an ``EpochFunction``."""
    out = []
    for callback in callbacks:
        if isinstance(callback, Callback):
            out.append(callback)
        elif callable(callback):
            out.append(EpochFunction(callback))
        else:
            raise GlassnetError(
                f"a callback is a glassnet.callbacks.Callback or a function of the history; got "
                f"{type(callback).__name__}"
            )
    return out


# the columns of CSVLogger, each read from the history after an epoch
_COLUMNS = {
    "epoch": lambda state: state.epoch,
    "cost": lambda state: state.history.epoch_costs[-1],
    "val_cost": lambda state: _last(state.history.val_costs),
    "val_accuracy": lambda state: _last(state.history.val_accuracies),
    "lr": lambda state: state.optimizer.lr,
    "seconds": lambda state: state.history.seconds[-1],
}


def _last(values: list):
    return values[-1] if values else ""


class CSVLogger(Callback):
    """One CSV row per epoch: epoch, cost, val_cost, val_accuracy, lr, seconds (empty where a
    run has no validation data). Each row is flushed as it is written, so the file can be
    followed during training; ``append=True`` continues an existing file (a resumed run)."""

    def __init__(self, path, append: bool = False) -> None:
        self.path, self.append = Path(path), append
        self._file = None
        self._writer = None

    def on_train_begin(self, state: TrainingState) -> None:
        exists = self.append and self.path.exists() and self.path.stat().st_size > 0
        self._file = open(self.path, "a" if self.append else "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        if not exists:
            self._writer.writerow(list(_COLUMNS))

    def on_epoch_end(self, state: TrainingState, epoch: int) -> None:
        self._writer.writerow([read(state) for read in _COLUMNS.values()])
        self._file.flush()

    def on_train_end(self, state: TrainingState) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TensorBoard(Callback):
    """Writes what ``tensorboard --logdir LOGDIR`` shows, after each epoch: the scalars
    ``cost``, ``val_cost``, ``val_accuracy`` and ``lr``; ``gradient_norm/layer{l}`` =
    ||dW[l]|| (``gn.gradient_norms``) on ``data`` = (X, y), a sample of the training data in the
    network's input form (the norms are left out without it), measured on a copy of the
    network so that the run itself is untouched (its dropout masks and batch-norm statistics
    included); and the histogram ``weights/W{l}`` of every layer every ``histogram_every``
    epochs. Needs tensorboardX."""

    def __init__(self, logdir, data: tuple | None = None, histogram_every: int = 1) -> None:
        self.logdir, self.data, self.histogram_every = str(logdir), data, histogram_every
        self._writer = None
        self._shadow: Network | None = None

    def on_train_begin(self, state: TrainingState) -> None:
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise GlassnetError(
                'the TensorBoard callback needs tensorboardX: pip install "glassnet[tensorboard]"'
            ) from None
        self._writer = SummaryWriter(self.logdir)
        if self.data is not None:
            self._shadow = Network.from_config(state.network.config())

    def on_epoch_end(self, state: TrainingState, epoch: int) -> None:
        history, write = state.history, self._writer.add_scalar
        write("cost", history.epoch_costs[-1], epoch)
        if history.val_costs:
            write("val_cost", history.val_costs[-1], epoch)
        if history.val_accuracies:
            write("val_accuracy", history.val_accuracies[-1], epoch)
        write("lr", state.optimizer.lr, epoch)
        if self._shadow is not None:
            net, shadow = state.network, self._shadow
            for mine, theirs in zip(shadow.parameters() + shadow.buffers(),
                                    net.parameters() + net.buffers()):  # fmt: skip
                np.copyto(mine, theirs)
            norms = gradient_norms(shadow, *self.data)
            for l, norm in enumerate(norms, start=1):
                write(f"gradient_norm/layer{l}", float(norm), epoch)
        if epoch % self.histogram_every == 0:
            for l, layer in enumerate(state.network.layers, start=1):
                self._writer.add_histogram(f"weights/W{l}", np.asarray(layer.W), epoch)
        self._writer.flush()

    def on_train_end(self, state: TrainingState) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


__all__ = ["CSVLogger", "Callback", "EpochFunction", "TensorBoard", "as_callbacks"]
