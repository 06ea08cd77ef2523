"""What training measured, and the best epoch so far: plain lists and arrays.

``History`` holds the cost curves of a run (every mini-batch's J{t}, the per-epoch means, the
validation cost and accuracy); ``Best`` the lowest monitored cost, its epoch and that epoch's
weights, which early stopping and ``restore_best`` use. Both sit below training and the file
formats, which read and write them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np


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
        """The lists as plain JSON-able data (``stop_training`` is a flag, not a record)."""
        data = asdict(self)
        data.pop("stop_training")
        return data

    def lengths(self) -> dict[str, int]:
        """How long each list is: what ``truncate`` goes back to."""
        return {name: len(getattr(self, name)) for name in RECORDS}

    def truncate(self, lengths: dict[str, int]) -> None:
        """Drop what was appended since ``lengths = history.lengths()``."""
        for name, n in lengths.items():
            del getattr(self, name)[n:]


RECORDS = tuple(f.name for f in fields(History) if f.name != "stop_training")

Callback = Callable[[History], None]


@dataclass
class Best:
    """The lowest monitored cost so far, its epoch, and that epoch's parameters and buffers."""

    cost: float = np.inf
    epoch: int = 0
    params: list[np.ndarray] | None = None
    buffers: list[np.ndarray] = field(default_factory=list)

    def offer(self, cost: float, epoch: int, params, buffers) -> bool:
        """Record ``cost`` (with copies of the weights) if it is the lowest so far."""
        if not cost < self.cost:
            return False
        self.cost, self.epoch = cost, epoch
        self.params = [p.copy() for p in params]
        self.buffers = [b.copy() for b in buffers]
        return True
