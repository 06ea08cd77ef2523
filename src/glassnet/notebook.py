"""Training in a notebook: a live view that updates in place after every epoch.

``LiveView`` is a ``gn.train`` callback. In a Jupyter notebook it shows tqdm's notebook bar and
one figure, redrawn in place as inline SVG (``figure_html``; ``plots.training_view`` draws the
same with matplotlib for a finished run): the training and validation cost, the validation
accuracy, and the norm ||dW[l]|| of every layer's gradient on a log scale, measured
after each epoch on a fixed small sample of the training rows (``checks.gradient_norms``), so
that vanishing and exploding gradients show while they happen::

    from glassnet.notebook import LiveView

    with LiveView(net, X, y, epochs=30) as view:
        gn.train(net, X, y, epochs=30, callbacks=[view])

or in one call, ``glassnet.notebook.train(net, X, y, epochs=30, ...)`` (``gn.train``'s
arguments). Outside a notebook (a script, a terminal) it is the terminal bar,
``glassnet.progress.ProgressBar``, and measures nothing.

It runs with either engine: the callback sees the network's weights after each (compiled)
epoch, and measures the gradient norms on a copy of the network, so training itself, with its
caches, dropout masks and batch-norm statistics, goes on exactly as without the view.

The view is throttled so that it does not slow training (the issue's limit: 5 % on the demo,
measured in a real kernel by ``benchmarks/notebook.py``); ``budget`` is a fraction of the
training time so far (3 % by default). Measuring the norms may take a third of it: an epoch whose
norms do not fit is a gap in their curves. A redraw comes when everything the view has spent,
from making it on, fits in the whole budget with the redraw, at most once per ``interval``
seconds. The figure is SVG text built from the numbers (a few milliseconds), not a rendered
picture: a matplotlib PNG costs a tenth of a second or more, which would be a redraw every few
seconds within the budget, and more than the budget on the demo's four seconds of training for
the first and last drawing alone. An epoch left undrawn at the end is drawn by ``close`` (the
context manager's exit), after training has returned: the one cost on top of the budget.
"""

from __future__ import annotations

import contextlib
import time
from html import escape
from typing import IO

import numpy as np

from .checks import gradient_norms
from .errors import GlassnetError
from .history import History
from .network import Network
from .progress import ProgressBar
from .training import train as train_network
from .validation import check_count

MEASURING_SHARE = 1 / 3  # of the view's budget: the rest is for the bar and the redraws
BAR_SECONDS = 0.5  # the least time between two redraws of tqdm's notebook bar


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel behind it), where rich
    output reaches a front end; False in a script, a terminal or plain IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class LiveView:
    """A ``gn.train`` callback that draws the training live in a notebook (the terminal bar
    elsewhere).

    ``net``, ``X``, ``y``: the network being trained and its training data; the gradient norms
    are measured on ``sample`` of its rows, drawn once with ``seed``. ``epochs``: the number of
    epochs the run will train (the bar's total and the figure's x axis). ``interval``: the least
    number of seconds between two redraws; ``budget``: the largest fraction of the training time
    the view may take. ``notebook``: None detects a notebook, False forces the terminal bar.
    ``desc`` titles the bar and the figure; ``file`` is where the terminal bar is drawn.
    Use it as a context manager (or call ``close``) so that the last state is drawn and the bar
    finished even when training stops early or raises.
    """

    def __init__(
        self,
        net: Network,
        X,
        y,
        epochs: int,
        sample: int = 64,
        seed: int = 0,
        interval: float = 0.1,
        budget: float = 0.03,
        notebook: bool | None = None,
        desc: str = "training",
        file: IO | None = None,
    ) -> None:
        if not isinstance(net, Network):
            raise GlassnetError(f"LiveView needs the Network being trained, got {type(net)}")
        self.epochs = check_count(epochs, "epochs")
        if not (interval >= 0 and budget > 0):
            raise GlassnetError(
                f"interval must be >= 0 seconds and budget a fraction of the training time > 0; "
                f"got "
                f"interval={interval!r}, budget={budget!r}"
            )
        self.interval, self.budget, self.desc = float(interval), float(budget), desc
        self.notebook = in_notebook() if notebook is None else bool(notebook)
        self.norms: list[np.ndarray] = []  # ||dW[l]|| per layer per epoch seen (NaN: skipped)
        self.draws = 0
        self.seconds_in_view = 0.0  # time spent by the view, making it, measuring and drawing
        self.seconds_measuring = 0.0  # the part of it spent measuring the norms
        self.training_seconds = 0.0  # time spent outside it since the view's first epoch
        self._left_at: float | None = None  # when the callback last returned
        self._drawn_at = -np.inf
        self._drawn_count = 0  # the epoch count of the last drawing
        self._norm_seconds = 0.0  # what measuring last cost (0 before the first: it is tried)
        self._draw_seconds = 0.0  # what a redraw last cost (0 before the first: it is tried)
        self._history: History | None = None
        self._count = 0
        self._closed = False
        if not self.notebook:
            self.terminal: ProgressBar | None = ProgressBar(self.epochs, desc=desc, file=file)
            return
        made = time.perf_counter()
        self.terminal = None
        X, y = np.asarray(X), np.asarray(y)
        if X.ndim != 2 or len(X) != len(y):
            net.check_data(X, y)  # names the mistake
        rows = np.random.default_rng(seed).permutation(len(X))[: check_count(sample, "sample")]
        rows.sort()
        # the sample the view measures on, checked now (gn.train checks all the data: checking
        # it here too would cost the view a good part of its budget on the demo's images)
        net.check_data(X[rows], y[rows])
        self.net, self.X_sample, self.y_sample = net, X[rows], y[rows]
        self.shadow = net.copy()  # its weights follow net's; its caches and generator are its own
        self.bar = _NotebookBar(self.epochs, desc)
        from IPython.display import HTML, DisplayHandle

        self.handle = DisplayHandle()
        self.handle.display(HTML(figure_html(History(), [], desc)))
        self.seconds_in_view = time.perf_counter() - made  # paid back before the first redraw

    def __call__(self, history: History) -> None:
        entered = time.perf_counter()
        if self.terminal is not None:
            self.terminal(history)
            return
        if self._left_at is None:  # the first epoch: its length from the history
            before = history.seconds[-2] if len(history.seconds) >= 2 else 0.0
            self.training_seconds += history.seconds[-1] - before if history.seconds else 0.0
        else:
            self.training_seconds += entered - self._left_at
        self._history = history
        self._count += 1
        self.bar.update(history)
        allowed = self.budget * self.training_seconds
        # measuring has its own third of the budget, from the first epoch on (making the view is
        # paid back by the redraws)
        if self.seconds_measuring + self._norm_seconds <= allowed * MEASURING_SHARE:
            start = time.perf_counter()
            for mine, theirs in zip(self.shadow.parameters(), self.net.parameters()):
                np.copyto(mine, theirs)
            for mine, theirs in zip(self.shadow.buffers(), self.net.buffers()):
                np.copyto(mine, theirs)
            with self._one_blas_thread():
                self.norms.append(gradient_norms(self.shadow, self.X_sample, self.y_sample))
            self._norm_seconds = time.perf_counter() - start
            self.seconds_measuring += self._norm_seconds
        else:  # no time for it this epoch: a gap in the curves
            self.norms.append(np.full(len(self.net.layers), np.nan))
        spent = self.seconds_in_view + time.perf_counter() - entered
        if spent + self._draw_seconds <= allowed and entered - self._drawn_at >= self.interval:
            self._draw()
        self._left_at = time.perf_counter()
        self.seconds_in_view += self._left_at - entered

    @staticmethod
    def _one_blas_thread():
        """NumPy's BLAS on the calling thread alone while the view measures: its worker threads
        would otherwise spin, waiting for more work, on the cores the next epoch trains on
        (measured in a kernel: 14 % more CPU time, against the view's own 3.5 %)."""
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # the notebook extra brings it; without it, measure as it comes
            return contextlib.nullcontext()
        return threadpool_limits(1, user_api="blas")

    def _draw(self) -> None:
        start = time.perf_counter()
        from IPython.display import HTML

        history = self._history
        figure = figure_html(history, self.norms[-history.epochs :], self.desc)
        self.handle.update(HTML(figure))
        self.draws += 1
        self._drawn_count = self._count
        self._drawn_at = time.perf_counter()
        self._draw_seconds = self._drawn_at - start

    def close(self) -> None:
        """Draw the last epoch if it is not drawn yet (after training: it does not slow it), and
        finish the bar."""
        if self._closed:
            return
        self._closed = True
        if self.terminal is not None:
            self.terminal.close()
            return
        if self._history is not None and self._drawn_count < self._count:
            self._draw()
        self.bar.close()

    def __enter__(self) -> LiveView:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# ---- the figure: inline SVG, built from the numbers --------------------------------------------

_LAYER_COLOURS = ("#0d47a1", "#e65100", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037")


def figure_html(history: History, norms, title: str = "training") -> str:
    """The live view's figure as HTML: the history's cost curves (``History._repr_html_``:
    training and validation cost, validation accuracy) beside ``norms_svg`` of the per-layer
    gradient norms of its last epochs, on the same epoch axis, under ``title``."""
    return (
        f'<div class="glassnet-live"><b>{escape(title)}</b>'
        '<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-end">'
        f'<div style="max-width:560px">{history._repr_html_()}</div>'
        f"<div>{norms_svg(norms, max(len(norms), history.epochs))}</div></div></div>"
    )


def norms_svg(norms, epochs: int, width: int = 360, height: int = 220) -> str:
    """||dW[l]|| of every layer against the epoch, on a log scale, as an SVG line chart: one row
    of ``norms`` per epoch from the first (NaN: not measured, a gap), ``epochs`` wide."""
    left, right, top, bottom = 56, 12, 12, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    rows = np.array(norms, dtype=np.float64) if len(norms) else None  # (epochs, layers)
    shown = np.zeros(0) if rows is None else rows[np.isfinite(rows) & (rows > 0)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="11" class="glassnet-norms">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999"/>',
        f'<text x="{left + plot_w / 2}" y="{top + plot_h + 14}" text-anchor="middle">epoch</text>',
        f'<text x="{left}" y="{top + plot_h + 14}" text-anchor="middle">1</text>',
        f'<text x="{left + plot_w}" y="{top + plot_h + 14}" text-anchor="middle">{epochs}</text>',
        f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">||dW[l]|| (log)</text>',
    ]
    if not shown.size:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            'fill="#777">gradient norms: after the first epochs</text></svg>'
        )
        return "".join(parts)
    low, high = np.floor(np.log10(shown.min())), np.ceil(np.log10(shown.max()))
    high = high if high > low else low + 1

    def x(epoch: int) -> float:
        return left + (epoch - 1) / max(epochs - 1, 1) * plot_w

    def y(value: float) -> float:
        return top + (high - np.log10(value)) / (high - low) * plot_h

    for decade in (low, high):
        parts.append(f'<text x="{left - 4}" y="{y(10.0**decade) + 4:.1f}" text-anchor="end">'
                     f"1e{int(decade)}</text>")  # fmt: skip
    legend_x = left
    for l in range(rows.shape[1]):
        colour = _LAYER_COLOURS[l % len(_LAYER_COLOURS)]
        segment: list[str] = []
        for epoch, value in enumerate(rows[:, l], start=1):
            if np.isfinite(value) and value > 0:
                segment.append(f"{x(epoch):.1f},{y(value):.1f}")
                continue
            parts.extend(_polyline(segment, colour))
            segment = []
        parts.extend(_polyline(segment, colour))
        legend_y = height - 14
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 16}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<text x="{legend_x + 20}" y="{legend_y + 4}">dW[{l + 1}]</text>'
        )
        legend_x += 62
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str], colour: str) -> list[str]:
    """A run of measured epochs as a line (one point as a dot), or nothing."""
    if len(points) == 1:
        cx, cy = points[0].split(",")
        return [f'<circle cx="{cx}" cy="{cy}" r="2" fill="{colour}"/>']
    if not points:
        return []
    return [f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>']  # fmt: skip


def train(net: Network, X, y, epochs: int = 100, callbacks=(), view: dict | None = None,
          **options) -> History:  # fmt: skip
    """``gn.train(net, X, y, epochs=epochs, ...)`` with a ``LiveView`` of the run (``view``: its
    options, e.g. ``{"sample": 128}``); returns the History."""
    with LiveView(net, X, y, epochs, **(view or {})) as live:
        return train_network(net, X, y, epochs=epochs, callbacks=[*callbacks, live], **options)


class _NotebookBar:
    """tqdm's notebook bar (an ipywidgets progress bar); without ipywidgets an HTML bar of the
    same content, updated in place."""

    def __init__(self, epochs: int, desc: str) -> None:
        self.epochs, self.desc, self.n = epochs, desc, 0
        try:
            from tqdm.notebook import tqdm

            # redrawn at most every BAR_SECONDS: each redraw of the widget is a few messages,
            # and after every short epoch they took half of the view's budget
            self.tqdm = tqdm(total=epochs, desc=desc, unit="epoch", leave=True,
                             mininterval=BAR_SECONDS)  # fmt: skip
        except ImportError:  # tqdm missing, or tqdm without ipywidgets ("IProgress not found")
            from IPython.display import HTML, DisplayHandle

            self.tqdm = None
            self.handle = DisplayHandle()
            self.handle.display(HTML(self._html({})))

    def update(self, history: History) -> None:
        self.n += 1
        postfix = {"cost": f"{history.epoch_costs[-1]:.4f}"}
        if history.val_accuracies:
            postfix["val_acc"] = f"{history.val_accuracies[-1]:.3f}"
        if self.tqdm is not None:
            self.tqdm.set_postfix(postfix, refresh=False)
            self.tqdm.update(1)
        else:
            from IPython.display import HTML

            self.handle.update(HTML(self._html(postfix)))

    def _html(self, postfix: dict) -> str:
        numbers = ", ".join(f"{k}={v}" for k, v in postfix.items())
        return (
            f'{self.desc} <progress value="{self.n}" max="{self.epochs}"></progress> '
            f"{self.n}/{self.epochs} epochs {numbers}"
        )

    def close(self) -> None:
        if self.tqdm is not None:
            self.tqdm.close()
