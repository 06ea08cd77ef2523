"""Read the DATA the glassnet command is given into one plain ``Dataset``.

Sources, chosen by what DATA is:

- ``file.csv`` (``.tsv`` tab-separated), ``file.parquet``, ``file.xlsx``: a table with a
  header row, input columns of numbers, text, dates and missing values, and one label column
  (``target``, default the last column); the inputs stay raw columns (``Dataset.table``) that a
  fitted ``tables.Plan`` turns into the network's inputs (``readers.tabular``);
- ``file.npz``: arrays ``X`` and ``y`` (and optionally ``X_test``, ``y_test``), read with
  ``allow_pickle=False``;
- ``file.h5``: the classic cat layout, ``train_set_x`` / ``train_set_y`` / ``list_classes``, with
  its ``test_set_x`` / ``test_set_y`` twin found beside it (``train`` replaced by ``test`` in the
  file name); either file of the pair can be read;
- a folder with one subfolder of images per class (a folder of images alone is unlabelled
  data, for ``predict``);
- ``builtin:cats`` (the drawn cats), ``builtin:two_moons`` and the other 2-D sets,
  ``sklearn:breast_cancer``, ``sklearn:digits`` (10 classes) and ``sklearn:diabetes`` (a
  regression target) from scikit-learn's bundled copies.

Images become rows x = pixels / 255 of h * w * c features (``datasets.image_features``).

Labels (``task="classification"``): ``y`` holds class indices 0..K-1 into ``classes``, the
original labels. Without ``classes`` they are found in the data: 2 to ``MAX_CLASSES`` distinct
labels, in the source's own order where it has one (``list_classes``, ``CAT_CLASSES``,
scikit-learn's target names), else sorted; ``positive`` names the label that becomes
``classes[1]`` (with more than two labels: the one class of a one-vs-rest task, the others
becoming ``not LABEL``). With ``classes`` (a model's), every label must be one of them.

Targets (``task="regression"``): ``y`` holds the target column itself as float64 numbers and
``classes`` is None; a target that is not numeric is an error, and so is ``positive``.
Every problem is a ``GlassnetError`` naming the problem and the fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import GlassnetError
from ..tables import Table
from ..validation import check_X
from .arrays import (
    BUILTIN,  # noqa: F401  (the sources, for the command's help)
    IMAGE_SUFFIXES,  # noqa: F401
    SKLEARN,  # noqa: F401
    read_builtin,
    read_hdf5,
    read_image_folder,
    read_npz,
    read_sklearn,
)
from .raw import Raw
from .tabular import FRAME_SUFFIXES, read_csv, read_frame

TASKS = ("classification", "regression")
MAX_CLASSES = 1000  # more distinct labels than this is a continuous target, not classes


@dataclass
class Dataset:
    """Features and labels, ready for a network.

    ``X`` (m, n) floats, or None for a table (``table``: the raw input columns of a CSV,
    Parquet or Excel file, which a ``tables.Plan`` turns into X; ``records``: a CSV's header
    and cells as written, to write rows back out); ``y`` (m,) class indices into ``classes``
    (None for unlabelled data), or for ``task == "regression"`` the float target itself;
    ``classes`` the original labels (``classes[1]`` the positive class of a binary task; None
    for regression); ``X_test``, ``y_test`` a test set that came with the data (the HDF5
    twin, a built-in test set);
    ``images_shape`` (h, w, c) when the rows are images; ``sample_names`` the image files, when
    there are files; ``task`` "classification" or "regression", and ``task_reason`` why, when
    it was inferred; ``notes`` what the reader detected (delimiter, header, index column,
    encoding, dropped rows).
    """

    X: np.ndarray | None
    y: np.ndarray | None
    classes: np.ndarray | None
    feature_names: list[str] | None
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    images_shape: tuple[int, ...] | None = None
    source: str = ""
    target: str | None = None
    test_source: str | None = None
    positive: str | None = None
    sample_names: list[str] | None = field(default=None, repr=False)
    task: str = "classification"
    task_reason: str | None = None
    notes: list[str] = field(default_factory=list)
    table: Table | None = field(default=None, repr=False)
    records: tuple | None = field(default=None, repr=False)

    @property
    def n_features(self) -> int:
        return len(self.table.names) if self.table is not None else self.X.shape[1]

    @property
    def n_samples(self) -> int:
        return len(self.table) if self.table is not None else len(self.X)

    def describe(self) -> str:
        """One line: samples, features, classes and their counts (the target's range and mean
        for regression)."""
        features = "input columns" if self.table is not None else "features"
        text = f"{self.source}: {self.n_samples} samples, {self.n_features} {features}"
        if self.y is not None and self.task == "regression":
            text += (
                f", target in [{self.y.min():.4g}, {self.y.max():.4g}], mean {self.y.mean():.4g}"
            )
        elif self.y is not None and self.classes is not None:
            counts = np.bincount(self.y, minlength=len(self.classes))
            shown = [f"{c!s} {n}" for c, n in zip(self.classes.tolist(), counts, strict=True)]
            if len(shown) > _SHOWN_CLASSES:
                shown = [*shown[:_SHOWN_CLASSES], f"... ({len(shown) - _SHOWN_CLASSES} more)"]
            text += ", " + ", ".join(shown)
        if self.X_test is not None:
            text += f"; test set {self.test_source}: {len(self.X_test)} samples"
        return text


_SHOWN_CLASSES = 20  # classes listed by describe()


def read(
    data: str | Path,
    *,
    target: str | None = None,
    positive: str | None = None,
    classes=None,
    n_features: int | None = None,
    image_size: tuple[int, int] = (64, 64),
    labels: bool = True,
    seed: int = 0,
    target_hint: str | None = None,
    task: str = "classification",
    columns: list[str] | None = None,
    na_values: Sequence[str] = (),
    known: Sequence[str] = (),
) -> Dataset:
    """Read DATA (a path or a built-in name) into a Dataset.

    ``classes`` (a model's) fixes the label order and refuses other labels; ``positive`` picks
    the positive class; ``n_features`` (a model's) lets a CSV without a label column be read for
    prediction; ``labels=False`` allows data without labels; ``image_size`` (height, width) is
    the size images are resized to; ``seed`` seeds built-in generated sets; ``target_hint``
    (a model's label column) is the CSV label column when ``target`` is not given and the CSV
    has a column of that name; ``task`` is "classification" (labels become class indices) or
    "regression" (the target stays a number) or "auto" (``infer_task``). ``columns`` and
    ``categories`` (a model's) are a table's input columns by name; ``na_values`` are more
    text markers of a missing value in a CSV cell (besides pandas' own: ``NA``, empty, ...);
    ``known`` columns a model knows and does not use (not said to be ignored).
    """
    if task not in (*TASKS, "auto"):
        raise GlassnetError(f"unknown task {task!r}; choose one of: auto, {', '.join(TASKS)}")
    if task == "regression" and positive is not None:
        raise GlassnetError(
            "--positive picks a class and does not apply to --task regression; drop one of them"
        )
    text = str(data)
    path = Path(data)
    if text.startswith(("builtin:", "sklearn:")):
        kind = text.split(":")[0]
    elif not path.exists():
        raise GlassnetError(f"data file {text} does not exist; check the path")
    else:
        kind = "images" if path.is_dir() else _kind(path)
    if target is not None and kind not in ("csv", "frame"):
        raise GlassnetError(f"--target applies to tables (CSV, Parquet, Excel), not to {text}")
    if kind == "builtin":
        raw = read_builtin(text, seed)
    elif kind == "sklearn":
        raw = read_sklearn(text)
    elif kind == "images":
        raw = read_image_folder(path, image_size)
    elif kind == "csv":
        raw = read_csv(path, target, n_features, target_hint, columns, na_values, labels, known)
    elif kind == "frame":
        raw = read_frame(path, target, n_features, target_hint, columns, labels, known)
    elif kind == "npz":
        raw = read_npz(path)
    else:
        raw = read_hdf5(path)
    if raw.task is not None and task not in (raw.task, "auto") and raw.y is not None:
        raise GlassnetError(
            f"{raw.source} is a {raw.task} data set; use --task {raw.task} (task={raw.task!r})"
        )
    reason = None
    if task == "auto":
        task, reason = infer_task(raw, positive)
    if task == "regression":
        data = _finish_regression(raw, labels)
    else:
        if classes is None and raw.y is not None:
            _refuse_measurements(raw)
        data = _finish(raw, classes, positive if positive is not None else raw.positive, labels)
    data.task_reason, data.notes = reason, raw.notes
    data.table, data.records = raw.table, raw.records
    return data


# ---- the task -------------------------------------------------------------------------------

MAX_AUTO_CLASSES = 20  # whole-number or text labels up to this many distinct are classes


def infer_task(raw: Raw, positive: str | None = None) -> tuple[str, str]:
    """(task, why) from the target: decimal numbers with many distinct values are regression,
    text or whole-number labels with few distinct values are classes; the ambiguous cases are
    refused with a message that names --task."""
    if raw.task is not None:
        return raw.task, f"{raw.task} ({raw.source} is a {raw.task} data set)"
    name = f"the target {raw.target!r}" if raw.target else f"the labels of {raw.source}"
    if raw.y is None:
        return "classification", "classification (no labels to tell from)"
    y = np.asarray(raw.y)
    k, m = len(np.unique(y)), len(y)
    kind = raw.target_kind or ("text" if y.dtype.kind not in "biuf" else None)
    if kind is None:
        whole = y.dtype.kind in "biu" or bool(np.all(y == np.round(y)))
        kind = "integer" if whole else "decimal"
    if positive is not None:
        return "classification", f"classification (--positive {positive} picks a class)"
    choose = " Choose with --task classification or --task regression"
    if kind == "text":
        if k > MAX_AUTO_CLASSES and k > m / 2:
            raise GlassnetError(
                f"{name} holds {k} distinct text values in {m} rows, more like names than "
                f"classes.{choose}, or pick another column with --target"
            )
        return "classification", f"classification ({name} holds {k} text labels)"
    if kind == "decimal":
        if k > MAX_AUTO_CLASSES:
            return "regression", f"regression ({name} holds {k} distinct decimal numbers)"
        if np.all(y == np.round(y)):
            return "classification", f"classification ({name} holds {k} whole numbers)"
        raise GlassnetError(
            f"{name} holds only {k} distinct decimal numbers in {m} rows: a measurement or "
            f"{k} classes?{choose}"
        )
    if k <= MAX_AUTO_CLASSES:
        return "classification", f"classification ({name} holds {k} whole-number labels)"
    raise GlassnetError(
        f"{name} holds {k} distinct whole numbers in {m} rows: a count or measurement, or "
        f"{k} classes?{choose}"
    )


def _refuse_measurements(raw: Raw) -> None:
    """Numeric labels with about as many distinct values as rows are a quantity, not classes:
    refused, not trained (a 214-class classifier of 442 rows learns nothing)."""
    y = np.asarray(raw.y)
    if y.dtype.kind not in "iuf":
        return
    k, m = len(np.unique(y)), len(y)
    if k > MAX_AUTO_CLASSES and k > m / 4:
        column = f" (column {raw.target!r})" if raw.target else ""
        shown = ", ".join(str(c) for c in np.unique(y)[:3].tolist())
        raise GlassnetError(
            f"{raw.source} has {k} distinct labels ({shown}, ...) in {m} rows{column}, numbers "
            "that look like a quantity rather than classes; for a continuous target use --task "
            "regression (task='regression')"
        )


# ---- fingerprints of rows -------------------------------------------------------------------

MAX_FINGERPRINT = 100_000  # rows whose hashes a model file keeps


def fingerprint(X) -> list[str]:
    """Short hashes of the rows of X (sorted, distinct; at most ``MAX_FINGERPRINT``), which a
    model file keeps so that evaluate can tell when data holds the rows it was trained on."""
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    hashes = {hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest() for row in X}
    return sorted(hashes)[:MAX_FINGERPRINT]


def seen_rows(X, hashes) -> int:
    """How many rows of X have a hash in ``hashes`` (a model's ``fingerprint``)."""
    if not hashes:
        return 0
    known = set(hashes)
    return sum(
        hashlib.blake2b(row.tobytes(), digest_size=8).hexdigest() in known
        for row in np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    )


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in FRAME_SUFFIXES:
        return "frame"
    if suffix == ".npz":
        return "npz"
    if suffix in (".h5", ".hdf5", ".hdf"):
        return "hdf5"
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as e:
        raise GlassnetError(f"cannot read data file {path}: {e.strerror}") from None
    if magic.startswith(b"PK"):
        return "npz"
    if magic.startswith(b"\x89HDF"):
        return "hdf5"
    raise GlassnetError(
        f"cannot tell the format of {path}: name it .csv, .tsv, .parquet, .xlsx, .npz or .h5, "
        "or give a folder of "
        "images with one subfolder per class"
    )


# ---- labels ---------------------------------------------------------------------------------


def _features(raw: Raw) -> np.ndarray | None:
    """The numeric rows, checked; None for a table (its plan checks it)."""
    return None if raw.X is None else check_X(raw.X, name=f"the data in {raw.source}")


def _finish(raw: Raw, classes, positive: str | None, labels: bool) -> Dataset:
    X = _features(raw)
    X_test = None if raw.X_test is None else check_X(raw.X_test, name=f"the test set {raw.source}")
    if raw.y is None:
        if labels:
            raise GlassnetError(
                f"{raw.source} has no labels; training and evaluation need one label per sample"
            )
        y = y_test = None
        classes = None if classes is None else np.asarray(classes)
        positive = None
    else:
        y_raw, y_test_raw, order = raw.y, raw.y_test, raw.order
        if positive is not None:
            y_raw, y_test_raw, order, one_vs_rest = _one_against_rest(raw, positive, classes)
            positive = positive if one_vs_rest else None
        if classes is None:
            where = f"{raw.source} (column {raw.target!r})" if raw.target else raw.source
            classes = _find_classes(y_raw, order, where)
        classes = np.asarray(classes)
        y = _encode(y_raw, classes, raw.source)
        y_test = None if y_test_raw is None else _encode(y_test_raw, classes, raw.test_source)
    return Dataset(
        X=X,
        y=y,
        classes=classes,
        feature_names=raw.feature_names,
        X_test=X_test,
        y_test=y_test,
        images_shape=raw.images_shape,
        source=raw.source,
        target=raw.target,
        test_source=raw.test_source,
        positive=positive,
        sample_names=raw.sample_names,
    )


def _finish_regression(raw: Raw, labels: bool) -> Dataset:
    """The target as float64 numbers; no classes."""
    if raw.y is None and labels:
        raise GlassnetError(
            f"{raw.source} has no target; training and evaluation need one target per sample"
        )
    return Dataset(
        X=_features(raw),
        y=None if raw.y is None else _numeric_target(raw.y, raw.source, raw.where),
        classes=None,
        feature_names=raw.feature_names,
        X_test=None
        if raw.X_test is None
        else check_X(raw.X_test, name=f"the test set {raw.source}"),
        y_test=None if raw.y_test is None else _numeric_target(raw.y_test, raw.test_source, None),
        images_shape=raw.images_shape,
        source=raw.source,
        target=raw.target,
        test_source=raw.test_source,
        sample_names=raw.sample_names,
        task="regression",
    )


def _numeric_target(y: np.ndarray, source: str | None, where) -> np.ndarray:
    if y.dtype.kind in "biuf":
        return y.astype(np.float64)
    for i, value in enumerate(y.tolist()):
        try:
            float(value)
        except ValueError:
            at = where(i) if where is not None else f"sample {i}"
            column = "" if where is None else "column "
            raise GlassnetError(
                f"the target {column}of {source} is not numeric ({value!r} at {at}); "
                "--task regression needs a number per sample: choose a numeric column with "
                "--target, or classify with --task classification"
            ) from None
    return y.astype(np.float64)  # numbers written as text, e.g. mixed '1' and '2.5'


def _one_against_rest(raw: Raw, positive: str, classes):
    """Labels become ``positive`` or ``not positive``, with ``positive`` as classes[1].

    Returns (y, y_test, class order, whether the labels were renamed). With exactly two labels
    and no model classes, the labels keep their names and only their order changes. With model
    classes (a one-vs-rest model), the labels are always renamed.
    """
    present = _unique(raw.y)
    names = [str(c) for c in present]
    if classes is None:
        if positive not in names:
            raise GlassnetError(
                f"--positive {positive!r} is not a label of {raw.source}; its labels are: "
                f"{', '.join(names[:20])}"
            )
        if len(present) == 2:
            other = present[1 - names.index(positive)]
            return raw.y, raw.y_test, [other, present[names.index(positive)]], False
    rest = f"not {positive}"

    def relabel(y):
        return None if y is None else np.where(y.astype(str) == positive, positive, rest)

    return relabel(raw.y), relabel(raw.y_test), [rest, positive], True


def _unique(y: np.ndarray) -> list:
    return np.unique(y).tolist()


def _find_classes(y: np.ndarray, order: list | None, source: str) -> list:
    present = _unique(y)
    if len(present) == 1:
        raise GlassnetError(
            f"{source} has a single class ({present[0]!r}); a classifier needs samples of two "
            "classes"
        )
    if len(present) > MAX_CLASSES:
        shown = ", ".join(str(c) for c in present[:10])
        raise GlassnetError(
            f"{source} has {len(present)} distinct labels ({shown}, ...), more than the "
            f"{MAX_CLASSES} classes a classifier here may have; for a continuous target use "
            "--task regression, or pick one class against the rest with --positive LABEL"
        )
    if order is not None and set(present) <= set(order):
        return [c for c in order if c in present]
    return present


def _encode(y: np.ndarray, classes: np.ndarray, source: str | None) -> np.ndarray:
    """Indices into ``classes``; a label that is not a class is an error."""
    values, inverse = np.unique(y, return_inverse=True)
    lookup = {_key(c): i for i, c in enumerate(classes.tolist())}
    index = np.empty(len(values), dtype=np.int64)
    for j, value in enumerate(values.tolist()):
        if _key(value) not in lookup:
            shown = ", ".join(repr(c) for c in classes.tolist())
            raise GlassnetError(
                f"{source} has the label {value!r}, which is not one of the model's classes "
                f"({shown}); use data labelled with those classes"
            )
        index[j] = lookup[_key(value)]
    return index[inverse.reshape(-1)]


def _key(label):
    """Numbers compare by value (1 == 1.0), strings as text; a number never equals a string."""
    if isinstance(label, bytes):
        label = label.decode("utf-8", "replace")
    if isinstance(label, bool | int | float):
        return ("number", float(label))
    return ("text", str(label))


# ---- data for a model file ------------------------------------------------------------------


def for_model(
    model, data: str, target: str | None, labels: bool, na_values: Sequence[str] = ()
) -> Dataset:
    """Read DATA as a model file (``files.model.Model``) expects it: same task, classes, image
    size, label column, and for a table the plan's input columns by name."""
    net = model.network
    output, units = net.output.name, net.n_outputs
    if not (output == "softmax" or (output in ("sigmoid", "identity") and units == 1)):
        raise GlassnetError(
            f"the glassnet command handles classifiers (one sigmoid unit, or a softmax) and "
            f"regression with one target (one identity unit); this model has a {output} output "
            f"with {units} unit(s): use it from Python"
        )
    about = model.metadata.get("data")
    about = about if isinstance(about, dict) else {}  # metadata written by glassnet train
    shape = about.get("images_shape")
    size = (64, 64)
    if isinstance(shape, list) and len(shape) >= 2 and all(isinstance(n, int) for n in shape):
        size = (shape[0], shape[1])
    columns = None if model.plan is None else model.plan.inputs
    regression = output == "identity"
    classes = None
    if not regression:
        classes = model.classes if model.classes is not None else np.arange(max(2, units))
    dataset = read(
        data,
        target=target,
        positive=None if regression else about.get("positive"),
        classes=classes,
        n_features=model.n_features,
        image_size=size,
        labels=labels,
        target_hint=about.get("target"),
        task="regression" if regression else "classification",
        columns=columns,
        na_values=na_values,
        known=() if model.plan is None else [name for name, _ in model.plan.dropped],
    )
    if dataset.X_test is not None:  # the held-out set that came with the data
        dataset.X, dataset.y = dataset.X_test, dataset.y_test
        dataset.source, dataset.sample_names = dataset.test_source, None
    return dataset

