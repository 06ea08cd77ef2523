"""Figures: the cost curve of a training run, a grid of predictions, and the live training view.

Each function draws a matplotlib Figure; given a ``path`` it writes the figure there as PNG and
returns the path, without one it returns the Figure, which a notebook shows inline (the figures
are ``figure_class()``'s, a Figure that renders itself as PNG for IPython's display, so no pyplot
and no ``%matplotlib`` is needed).

matplotlib is imported only inside these functions, and only its object-oriented API is used
(``matplotlib.figure.Figure`` drawn by the Agg canvas): no pyplot, no global backend switch, so
plotting from a script, a server or a notebook behaves the same. Every PNG is written atomically
(a temporary file in the same folder, then renamed), so an existing picture is never left half
written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from .datasets import png_bytes
from .errors import GlassnetError
from .files.archive import atomic_write
from .training import History
from .validation import check_count

_WRONG = "#c62828"  # red: a wrong prediction
_RIGHT = "#1b5e20"  # dark green: a right one


def cost_curve(
    history: History, path=None, title: str = "cost during training", log_scale: bool = False
):
    """Plot J against epochs; write it to the PNG file ``path`` and return the path, or return
    the Figure when ``path`` is None.

    Drawn: the cost J{t} of every mini-batch t (light; batch t of an epoch with T batches sits at
    epoch e - 1 + t/T), the epoch cost (the size-weighted mean of its batch costs) and, when
    training had validation data, the validation cost and, on a second axis, the validation
    accuracy. ``log_scale=True`` puts the cost on a log axis, which shows the late, small
    improvements that a linear axis flattens.
    """
    if not isinstance(history, History):
        raise GlassnetError(
            f"cost_curve needs the History returned by gn.train, got {type(history).__name__}"
        )
    if history.epochs == 0:
        raise GlassnetError("the history has no epochs yet: train first, then plot its costs")
    Figure = figure_class()
    figure = Figure(figsize=(6.4, 4.0), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    epochs = np.arange(1, history.epochs + 1)
    if history.iterations:
        per_epoch = history.iterations / history.epochs
        iteration_at = np.arange(1, history.iterations + 1) / per_epoch
        axes.plot(iteration_at, history.costs, color="#90caf9", lw=0.6, label="mini-batch cost")
    axes.plot(epochs, history.epoch_costs, color="#0d47a1", lw=2, marker=".", label="epoch cost")
    if history.val_costs:  # the last epochs, if validation started late in a continued run
        at = epochs[-len(history.val_costs) :]
        axes.plot(at, history.val_costs, color="#e65100", lw=2, ls="--", label="validation cost")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cost J")
    if log_scale:
        axes.set_yscale("log")
    axes.set_xlim(0, history.epochs + 0.5)
    axes.grid(alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    if history.val_accuracies:
        accuracy = axes.twinx()
        at = epochs[-len(history.val_accuracies) :]
        accuracy.plot(
            at, history.val_accuracies, color="#2e7d32", lw=1.5, label="validation accuracy"
        )
        accuracy.set_ylabel("validation accuracy")
        accuracy.set_ylim(0, 1)
        more_handles, more_labels = accuracy.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="lower left", fontsize="small")
    axes.set_title(title)
    return _write_png(figure, path)


def image_grid(
    images,
    labels_true,
    labels_pred,
    probabilities,
    path=None,
    class_names: Sequence[str] = ("non-cat", "cat"),
    columns: int = 6,
    title: str | None = None,
    scale: int | None = None,
):
    """Draw ``images`` in a grid, each titled with its predicted class and the probability of
    that prediction; write the PNG file ``path`` and return the path, or return the Figure when
    ``path`` is None.

    ``images``: uint8 array (m, h, w, 3) (or (m, h, w) grey). ``labels_true``, ``labels_pred``:
    class indices 0/1, shape (m,). ``probabilities``: P(class 1 | x), shape (m,); a prediction of
    class 1 is titled with p, one of class 0 with 1 - p. A wrong prediction is titled in red,
    framed in red and names the true class ("is non-cat"). Each image is enlarged ``scale``
    times by repeating its pixels (default: the whole number that makes it about 128 pixels
    wide), so every pixel stays a sharp square.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or len(images) == 0:
        raise GlassnetError(
            "images must be a non-empty uint8 array of shape (m, height, width, 3) or "
            f"(m, height, width); got {images.dtype} of shape {images.shape}"
        )
    m, height, width = images.shape[:3]
    labels_true = _indices(labels_true, m, len(class_names), "labels_true")
    labels_pred = _indices(labels_pred, m, len(class_names), "labels_pred")
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if probabilities.shape != (m,) or not np.all((probabilities >= 0) & (probabilities <= 1)):
        raise GlassnetError(
            f"probabilities must be {m} numbers in [0, 1], one P(class 1) per image; got shape "
            f"{probabilities.shape}"
        )
    columns = min(check_count(columns, "columns"), m)
    rows = -(-m // columns)
    scale = max(1, round(128 / max(height, width))) if scale is None else scale
    scale = check_count(scale, "scale")
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=3)

    # the layout in pixels (at 100 dpi): a band for the title, then rows of [caption, image]
    pad, caption, top = 12, 30, 30 if title else 4
    tile_h, tile_w = height * scale, width * scale
    figure_w = columns * (tile_w + pad) + pad
    figure_h = top + rows * (caption + tile_h) + pad
    Figure = figure_class()
    figure = Figure(figsize=(figure_w / 100, figure_h / 100), dpi=100)
    for k in range(m):
        row, column = divmod(k, columns)
        wrong = labels_pred[k] != labels_true[k]
        tile = images[k].repeat(scale, axis=0).repeat(scale, axis=1)
        if wrong:
            tile = tile.copy()
            _frame(tile, (198, 40, 40), max(2, scale + 1))
        left = pad + column * (tile_w + pad)
        caption_top = top + row * (caption + tile_h)
        figure.figimage(tile, xo=left, yo=figure_h - caption_top - caption - tile_h, origin="upper")
        predicted = labels_pred[k]
        confidence = probabilities[k] if predicted == 1 else 1 - probabilities[k]
        text = f"{class_names[predicted]} {confidence:.2f}"
        if wrong:
            text += f"\nis {class_names[labels_true[k]]}"
        figure.text(
            (left + tile_w / 2) / figure_w,
            1 - (caption_top + caption - 3) / figure_h,
            text,
            ha="center",
            va="bottom",
            fontsize=8,
            linespacing=1.1,
            color=_WRONG if wrong else _RIGHT,
        )
    if title:
        figure.text(0.5, 1 - 6 / figure_h, title, ha="center", va="top", fontsize=9)
    return _write_png(figure, path)


def _frame(tile: np.ndarray, colour, thickness: int) -> None:
    tile[:thickness], tile[-thickness:] = colour, colour
    tile[:, :thickness], tile[:, -thickness:] = colour, colour


def _indices(labels, m: int, n_classes: int, name: str) -> np.ndarray:
    labels = np.asarray(labels).reshape(-1)
    if labels.shape != (m,):
        raise GlassnetError(f"{name} must have one label per image ({m}), got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) and not np.all(labels == np.round(labels)):
        raise GlassnetError(f"{name} must be class indices 0 .. {n_classes - 1}")
    labels = labels.astype(np.int64)
    if labels.min() < 0 or labels.max() >= n_classes:
        raise GlassnetError(
            f"{name} must be class indices 0 .. {n_classes - 1} (one per class name), "
            f"got {labels.min()} .. {labels.max()}"
        )
    return labels


def training_view(
    history: History,
    gradient_norms=None,
    epochs: int | None = None,
    path=None,
    title: str = "training",
):
    """The live training view: on the left the cost J per epoch (training, and validation when
    there is validation data) with the validation accuracy on a second axis, on the right the
    norm ||dW[l]|| of every layer's gradient per epoch on a log scale, where vanishing (the
    first layers' norms far below the last one's) and exploding gradients show as they happen.

    ``gradient_norms``: one row of L norms per epoch (``glassnet.checks.gradient_norms``), for
    the last ``len(gradient_norms)`` epochs of ``history`` (NaN: not measured that epoch); None
    draws only the costs. ``epochs``: the planned number of epochs, which fixes the x axis while
    training runs. Writes the PNG file ``path`` and returns the path, or returns the Figure when
    ``path`` is None. A history without epochs draws empty axes (the view before training).
    ``TrainingView`` is the same figure kept for redrawing.
    """
    view = TrainingView(epochs, title)
    view.update(history, gradient_norms)
    return _write_png(view.figure, path)


class TrainingView:
    """``training_view``'s figure, kept between redraws: ``update`` moves the data of its lines
    instead of drawing new axes, and ``png`` renders it with the Agg canvas; this is what a live
    view redraws after an epoch (about a third of the cost of drawing a new figure)."""

    def __init__(self, epochs: int | None = None, title: str = "training") -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.epochs, self.title = epochs, title
        self.figure = figure_class()(figsize=(10, 3.6), dpi=80)
        FigureCanvasAgg(self.figure)
        # a fixed layout: the constrained one costs as much again on every redraw
        self.figure.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.91, wspace=0.45)
        self.cost, self.gradients = self.figure.subplots(1, 2)
        self.accuracy = self.cost.twinx()
        self.accuracy.set_ylim(0, 1)
        self.accuracy.set_ylabel("validation accuracy")
        self.lines = {
            "epoch_costs": self.cost.plot([], [], color="#0d47a1", lw=2, marker=".",
                                          label="training cost")[0],
            "val_costs": self.cost.plot([], [], color="#e65100", lw=2, ls="--",
                                        label="validation cost")[0],
            "val_accuracies": self.accuracy.plot([], [], color="#2e7d32", lw=1.5,
                                                 label="validation accuracy")[0],
        }  # fmt: skip
        self.norm_lines: list = []
        self.cost.set_xlabel("epoch")
        self.cost.set_ylabel("cost J")
        self.cost.grid(alpha=0.3)
        self.gradients.set_yscale("log")
        self.gradients.set_xlabel("epoch")
        self.gradients.set_ylabel("gradient norm (log scale)")
        self.gradients.grid(alpha=0.3)
        self.headings = [
            _heading(self.figure, self.cost, title),
            _heading(self.figure, self.gradients, "per-layer gradient norms ||dW[l]||"),
        ]
        self._legend_for: tuple = ()

    def update(self, history: History, gradient_norms=None) -> None:
        """Show ``history`` and the ``gradient_norms`` rows of its last epochs."""
        if not isinstance(history, History):
            raise GlassnetError(
                f"training_view needs the History returned by gn.train, got "
                f"{type(history).__name__}"
            )
        norms = np.zeros((0, 0)) if gradient_norms is None else np.asarray(gradient_norms, float)
        if norms.ndim != 2 or len(norms) > history.epochs:
            raise GlassnetError(
                "gradient_norms must be one row of per-layer norms for each of the last epochs, "
                f"at most {history.epochs} rows; got shape {norms.shape}"
            )
        at = np.arange(1, history.epochs + 1)
        for name, line in self.lines.items():
            values = getattr(history, name)
            line.set_data(at[len(at) - len(values) :], values)
        shown = tuple(name for name in self.lines if getattr(history, name))
        if shown != self._legend_for:  # the legend lists the curves that have data
            self._legend_for = shown
            lines = [self.lines[name] for name in shown]
            self.cost.legend(lines, [line.get_label() for line in lines], loc="upper right",
                             fontsize="small")  # fmt: skip
        if norms.size:
            if len(self.norm_lines) != norms.shape[1]:
                for line in self.norm_lines:
                    line.remove()
                colours = _layer_colours(norms.shape[1])
                self.norm_lines = [
                    self.gradients.plot([], [], color=colours[l], lw=1.5, marker=".", ms=3,
                                        label=f"||dW[{l + 1}]||")[0]
                    for l in range(norms.shape[1])
                ]  # fmt: skip
                self.gradients.legend(loc="upper right", fontsize="small",
                                      ncol=2 if norms.shape[1] > 4 else 1)  # fmt: skip
            norm_at = at[len(at) - len(norms) :]
            for l, line in enumerate(self.norm_lines):
                line.set_data(norm_at, np.maximum(norms[:, l], 1e-30))  # NaN stays a gap
        for axes in (self.cost, self.gradients):
            axes.relim()
            axes.autoscale_view(scalex=False)
        last = max(history.epochs, self.epochs or 0, 1)
        self.cost.set_xlim(0.5, last + 0.5)
        self.gradients.set_xlim(0.5, last + 0.5)
        done = f"epoch {history.epochs}" + (f" of {self.epochs}" if self.epochs else "")
        self.headings[0].set_text(f"{self.title}: {done}" if history.epochs else self.title)

    def png(self) -> bytes:
        """The figure drawn by the Agg canvas, as PNG bytes (encoded by ``datasets.png_bytes``:
        one draw, where ``savefig`` would draw it once more)."""
        self.figure.canvas.draw()
        return png_bytes(np.asarray(self.figure.canvas.buffer_rgba())[..., :3])


def _heading(figure, axes, text: str):
    """A title above ``axes`` placed as figure text: an axes title is placed around the tick
    labels on every draw, which costs as much as the rest of a redraw."""
    box = axes.get_position()
    return figure.text((box.x0 + box.x1) / 2, box.y1 + 0.015, text, ha="center", va="bottom",
                       fontsize="large")  # fmt: skip


def figure_png(figure) -> bytes:
    """The PNG bytes of a matplotlib Figure, drawn by the Agg canvas."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def figure_class():
    """matplotlib's Figure made to show itself as PNG in a notebook (IPython calls
    ``_repr_png_``), or a GlassnetError naming the extra to install when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise GlassnetError(
            'plots need matplotlib, which is not installed: pip install "glassnet[demo]"'
        ) from None
    return _inline(Figure)


@cache
def _inline(Figure):
    class InlineFigure(Figure):
        """A matplotlib Figure that a notebook displays as its PNG, without pyplot."""

        def _repr_png_(self) -> bytes:
            return figure_png(self)

    return InlineFigure


def _layer_colours(n: int) -> list:
    """From light (layer 1, nearest the input) to dark (layer L)."""
    from matplotlib import colormaps

    return [colormaps["viridis"](0.85 - 0.75 * k / max(n - 1, 1)) for k in range(n)]


def _write_png(figure, path) -> Path:
    if path is None:
        return figure
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise GlassnetError(f"{path} should end in .png: glassnet writes its pictures as PNG")
    return atomic_write(path, lambda f: figure.savefig(f, format="png"))
