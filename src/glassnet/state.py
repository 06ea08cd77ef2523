"""The training state: everything a training run changes, as one plain value.

``TrainingState`` gathers the network (weights, batch-norm buffers, dropout generator), the
optimizer (with its ``state``: steps, schedule clock, velocities or moments), the shuffling
generator, the epochs done, the history and the best epoch. Training snapshots it before every
epoch and rolls a diverged or interrupted epoch back from the snapshot; checkpoints write it to
a file and read it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import GlassnetError
from .history import Best, History
from .network import Network
from .optimizers import Optimizer, OptimizerState


@dataclass
class TrainingState:
    """Everything a training run changes, in one place: what checkpoints write and read.

    ``rng`` shuffles the rows each epoch; ``epoch`` counts the epochs complete; ``best`` is the
    lowest monitored cost so far with its weights (early stopping and ``restore_best``).
    """

    network: Network
    optimizer: Optimizer
    rng: np.random.Generator
    epoch: int = 0
    history: History = field(default_factory=History)
    best: Best = field(default_factory=Best)

    def snapshot(self, into: Snapshot | None = None) -> Snapshot:
        """A copy of everything an epoch changes, to go back to with ``rollback``; the arrays
        are copied into those of ``into`` (an earlier snapshot of this state) when given, so
        that an epoch allocates no new copy of the weights."""
        net = self.network
        arrays = net.parameters() + net.buffers()
        if into is not None and [a.shape for a in into.arrays] == [a.shape for a in arrays]:
            for copy, a in zip(into.arrays, arrays, strict=True):
                np.copyto(copy, a)
            copies = into.arrays
        else:
            copies = [a.copy() for a in arrays]
        return Snapshot(
            arrays=copies,
            dropout_rng=net.dropout_rng.bit_generator.state,
            rng=self.rng.bit_generator.state,
            optimizer=self.optimizer.state.copy(),
            epoch=self.epoch,
            lengths=self.history.lengths(),
        )

    def rollback(self, snapshot: Snapshot) -> None:
        """Put back the state of ``snapshot``: weights, generators, optimizer, history."""
        net = self.network
        for a, saved in zip(net.parameters() + net.buffers(), snapshot.arrays, strict=True):
            a[...] = saved
        net.dropout_rng.bit_generator.state = snapshot.dropout_rng
        self.rng.bit_generator.state = snapshot.rng
        self.optimizer.load_state(snapshot.optimizer)
        self.epoch = snapshot.epoch
        self.history.truncate(snapshot.lengths)

    def adopt(self, saved: TrainingState) -> None:
        """Continue from ``saved`` (a loaded checkpoint) with this state's network and optimizer,
        which must have its architecture and optimizer type. An optimizer without a schedule is
        replaced by a copy with the checkpoint's (the one passed is left as it is)."""
        net, mine = saved.network, self.network
        if mine.config() | {"seed": None, "init": None} != net.config() | {
            "seed": None,
            "init": None,
        }:
            raise GlassnetError(
                f"the checkpoint holds a network {net!r}, not {mine!r}; resume with the same "
                "architecture"
            )
        if type(saved.optimizer) is not type(self.optimizer):
            raise GlassnetError(
                f"the checkpoint was trained with {saved.optimizer!r}, not {self.optimizer!r}; "
                "resume with the same optimizer"
            )
        for a, b in zip(mine.parameters() + mine.buffers(), net.parameters() + net.buffers()):
            a[...] = b
        mine.dropout_rng.bit_generator.state = net.dropout_rng.bit_generator.state
        if self.optimizer.schedule is None and saved.optimizer.schedule is not None:
            self.optimizer = self.optimizer.replace(schedule=saved.optimizer.schedule)
        self.optimizer.load_state(saved.optimizer.state)
        self.rng.bit_generator.state = saved.rng.bit_generator.state
        self.epoch, self.history, self.best = saved.epoch, saved.history, saved.best

    def restore_best(self) -> None:
        """Put the weights and buffers of the best epoch back into the network."""
        net, best = self.network, self.best
        if best.params is not None:
            for p, saved in zip(net.parameters() + net.buffers(), best.params + best.buffers):
                p[...] = saved


@dataclass
class Snapshot:
    """The part of a TrainingState that one epoch changes, copied."""

    arrays: list[np.ndarray]
    dropout_rng: dict
    rng: dict
    optimizer: OptimizerState
    epoch: int
    lengths: dict[str, int]
