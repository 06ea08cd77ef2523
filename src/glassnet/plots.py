"""Figures written as PNG files: the cost curve of a training run and a grid of predictions.

matplotlib is imported only inside these functions, and only its object-oriented API is used
(``matplotlib.figure.Figure`` drawn by the Agg canvas): no pyplot, no global backend switch, so
plotting from a script, a server or a notebook behaves the same. Every PNG is written atomically
(a temporary file in the same folder, then renamed), so an existing picture is never left half
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import GlassnetError
from .files.archive import atomic_write
from .training import History
from .validation import check_count

_WRONG = "#c62828"  # red: a wrong prediction
_RIGHT = "#1b5e20"  # dark green: a right one


def cost_curve(
    history: History, path, title: str = "cost during training", log_scale: bool = False
) -> Path:
    """Plot J against epochs and write it to the PNG file ``path``; returns the path.

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
    Figure = _figure_class()
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
    path,
    class_names: Sequence[str] = ("non-cat", "cat"),
    columns: int = 6,
    title: str | None = None,
    scale: int | None = None,
) -> Path:
    """Draw ``images`` in a grid, each titled with its predicted class and the probability of
    that prediction, and write the PNG file ``path``; returns the path.

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
    Figure = _figure_class()
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


def _figure_class():
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise GlassnetError(
            'plots need matplotlib, which is not installed: pip install "glassnet[demo]"'
        ) from None
    return Figure


def _write_png(figure, path) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise GlassnetError(f"{path} should end in .png: glassnet writes its pictures as PNG")
    return atomic_write(path, lambda f: figure.savefig(f, format="png"))
