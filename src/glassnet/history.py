"""What training measured, and the best epoch so far: plain lists and arrays.

``History`` holds the cost curves of a run (every mini-batch's J{t}, the per-epoch means, the
validation cost and accuracy); ``Best`` the lowest monitored cost, its epoch and that epoch's
weights, which early stopping and ``restore_best`` use. Both sit below training and the file
formats, which read and write them.

In a notebook a History shows itself (``_repr_html_``) as its cost curves, drawn as inline SVG
(no plotting library needed), with the last epoch's numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from html import escape

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

    def _repr_html_(self) -> str:
        """The cost curves (epoch cost, validation cost; validation accuracy on its own 0-1
        axis) as inline SVG, and the last epoch's numbers."""
        if not self.epochs:
            return "<p><b>History</b>: no epochs yet</p>"
        last = [f"epoch {self.epochs}", f"cost {self.epoch_costs[-1]:.4f}"]
        if self.val_costs:
            last.append(f"validation cost {self.val_costs[-1]:.4f}")
        if self.val_accuracies:
            last.append(f"validation accuracy {self.val_accuracies[-1]:.3f}")
        if self.seconds:
            last.append(f"{self.seconds[-1]:.1f} s")
        return (
            f'<div class="glassnet-history"><b>History</b>: {escape(", ".join(last))} '
            f"({self.iterations} mini-batch steps)<br>{_svg_curves(self)}</div>"
        )


_CURVES = (  # what the SVG draws: record, colour, dash, label
    ("epoch_costs", "#0d47a1", "", "training cost"),
    ("val_costs", "#e65100", "6 3", "validation cost"),
    ("val_accuracies", "#2e7d32", "2 2", "validation accuracy (0 to 1)"),
)


def _svg_curves(history: History, width: int = 560, height: int = 220) -> str:
    """J per epoch (and the validation curves) as an SVG line chart; accuracy on a 0-1 scale
    of its own, the costs on the range of all cost values."""
    left, right, top, bottom = 56, 12, 12, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    epochs = history.epochs
    costs = np.array(history.epoch_costs + history.val_costs, dtype=np.float64)
    costs = costs[np.isfinite(costs)]
    low, high = (float(costs.min()), float(costs.max())) if costs.size else (0.0, 1.0)
    high = high if high > low else low + 1.0

    def x(epoch) -> float:
        return left + (epoch - 1) / max(epochs - 1, 1) * plot_w

    def y(value, lo, hi) -> float:
        return top + (1 - (value - lo) / (hi - lo)) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 9}" text-anchor="end">{high:.3g}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">{low:.3g}</text>',
        f'<text x="{left}" y="{top + plot_h + 14}" text-anchor="middle">1</text>',
        f'<text x="{left + plot_w}" y="{top + plot_h + 14}" text-anchor="middle">{epochs}</text>',
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 14}" text-anchor="middle">epoch</text>',
        f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">cost J</text>',
    ]
    legend_x = left
    for name, colour, dash, label in _CURVES:
        values = getattr(history, name)
        if not values:
            continue
        lo, hi = (0.0, 1.0) if name == "val_accuracies" else (low, high)
        first = epochs - len(values) + 1  # a continued run may have validated late
        points = " ".join(
            f"{x(first + k):.1f},{y(v, lo, hi):.1f}"
            for k, v in enumerate(values)
            if np.isfinite(v)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2" '
            f'stroke-dasharray="{dash}"/>'
        )
        legend_y = height - 14
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 20}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 24}" y="{legend_y + 4}">{label}</text>'
        )
        legend_x += 40 + 6 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def epochs_without_progress(costs, tol: float = 0.0) -> int:
    """How many of the last epochs did not lower the lowest cost so far by more than ``tol``:
    what early stopping counts against its patience (and ``still_falling`` reads)."""
    best, stale = np.inf, 0
    for cost in costs:
        best, stale = (cost, 0) if cost < best - tol else (best, stale + 1)
    return stale


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
