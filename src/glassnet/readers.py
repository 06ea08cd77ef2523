"""Read the DATA the glassnet command is given into one plain ``Dataset``.

Sources, chosen by what DATA is:

- ``file.csv`` (``.tsv`` tab-separated): a header row, numeric feature columns and one label
  column (``target``, default the last column);
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

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import datasets
from .errors import GlassnetError
from .validation import check_X

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
BUILTIN = ("builtin:cats", *(f"builtin:{name}" for name in datasets.TWO_D))
SKLEARN = ("sklearn:breast_cancer", "sklearn:digits", "sklearn:diabetes")
TASKS = ("classification", "regression")
MAX_CLASSES = 1000  # more distinct labels than this is a continuous target, not classes
_DATA_EXTRA = 'pip install "glassnet[data]"'


@dataclass
class Dataset:
    """Features and labels, ready for a network.

    ``X`` (m, n) floats; ``y`` (m,) class indices into ``classes`` (None for unlabelled data),
    or for ``task == "regression"`` the float target itself; ``classes`` the original labels
    (``classes[1]`` the positive class of a binary task; None for regression); ``X_test``,
    ``y_test`` a test set that came with the data (the HDF5 twin, a built-in test set);
    ``images_shape`` (h, w, c) when the rows are images; ``sample_names`` the image files, when
    there are files; ``task`` "classification" or "regression", and ``task_reason`` why, when
    it was inferred; ``notes`` what the reader detected (delimiter, header, index column,
    encoding, one-hot columns); ``columns`` a CSV's input columns by name and ``categories``
    the values of each one-hot encoded column (a model file keeps both).
    """

    X: np.ndarray
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
    columns: list[str] | None = None
    categories: dict | None = None

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def describe(self) -> str:
        """One line: samples, features, classes and their counts (the target's range and mean
        for regression)."""
        text = f"{self.source}: {len(self.X)} samples, {self.n_features} features"
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


@dataclass
class _Raw:
    """What a format reader found, before the labels are encoded."""

    X: np.ndarray
    y: np.ndarray | None
    source: str
    order: list | None = None  # the source's own class order, if it has one
    feature_names: list[str] | None = None
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    test_source: str | None = None
    images_shape: tuple[int, ...] | None = None
    target: str | None = None
    positive: str | None = None
    sample_names: list[str] | None = None
    task: str | None = None  # the set's own task, when it has one (sklearn:diabetes)
    where: Callable[[int], str] | None = None  # row i -> "line N of file.csv"
    notes: list[str] = field(default_factory=list)  # what the reader detected, to be said
    columns: list[str] | None = None  # the input columns of a CSV, before one-hot encoding
    categories: dict | None = None  # text column -> its categories, one-hot encoded
    target_kind: str | None = None  # "text", "integer" or "decimal": how the labels were written


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
    categories: dict | None = None,
) -> Dataset:
    """Read DATA (a path or a built-in name) into a Dataset.

    ``classes`` (a model's) fixes the label order and refuses other labels; ``positive`` picks
    the positive class; ``n_features`` (a model's) lets a CSV without a label column be read for
    prediction; ``labels=False`` allows data without labels; ``image_size`` (height, width) is
    the size images are resized to; ``seed`` seeds built-in generated sets; ``target_hint``
    (a model's label column) is the CSV label column when ``target`` is not given and the CSV
    has a column of that name; ``task`` is "classification" (labels become class indices) or
    "regression" (the target stays a number) or "auto" (``infer_task``). ``columns`` and
    ``categories`` (a model's) are the CSV input columns by name and their one-hot categories.
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
    if target is not None and kind != "csv":
        raise GlassnetError(f"--target applies to CSV data only, not to {text}")
    if kind == "builtin":
        raw = _read_builtin(text, seed)
    elif kind == "sklearn":
        raw = _read_sklearn(text)
    elif kind == "images":
        raw = _read_image_folder(path, image_size)
    elif kind == "csv":
        raw = _read_csv(path, target, n_features, target_hint, columns, categories)
    elif kind == "npz":
        raw = _read_npz(path)
    else:
        raw = _read_hdf5(path)
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
    data.columns, data.categories = raw.columns, raw.categories
    return data


# ---- the task -------------------------------------------------------------------------------

MAX_AUTO_CLASSES = 20  # whole-number or text labels up to this many distinct are classes


def infer_task(raw: _Raw, positive: str | None = None) -> tuple[str, str]:
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


def _refuse_measurements(raw: _Raw) -> None:
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
        f"cannot tell the format of {path}: name it .csv, .npz or .h5, or give a folder of "
        "images with one subfolder per class"
    )


# ---- labels ---------------------------------------------------------------------------------


def _finish(raw: _Raw, classes, positive: str | None, labels: bool) -> Dataset:
    X = check_X(raw.X, name=f"the data in {raw.source}")
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


def _finish_regression(raw: _Raw, labels: bool) -> Dataset:
    """The target as float64 numbers; no classes."""
    if raw.y is None and labels:
        raise GlassnetError(
            f"{raw.source} has no target; training and evaluation need one target per sample"
        )
    return Dataset(
        X=check_X(raw.X, name=f"the data in {raw.source}"),
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


def _one_against_rest(raw: _Raw, positive: str, classes):
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


def _labels_from_text(values: list[str], where) -> np.ndarray:
    """Labels read as text: integers if all are integers, numbers if all are numbers, else
    the strings themselves."""
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        return np.array(values)
    if not np.isfinite(numbers).all():
        line = where(int(np.flatnonzero(~np.isfinite(numbers))[0]))
        raise GlassnetError(f"the label column has a NaN or infinite label at {line}")
    if np.all(numbers == np.round(numbers)) and np.abs(numbers).max() < 2**53:
        return numbers.astype(np.int64)
    return numbers


# ---- CSV ------------------------------------------------------------------------------------

DELIMITERS = (",", ";", "\t", "|")
MAX_CATEGORIES = 100  # distinct values of a text feature column that one-hot encoding accepts
_SNIFF_LINES = 50
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _decode(raw: bytes, path: Path) -> tuple[str, str | None]:
    """The file's text and a note on its encoding: UTF-8 (with or without a byte-order mark),
    UTF-16 with a byte-order mark, else Latin-1 (which every byte sequence is), said so."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "encoding UTF-16"
        except UnicodeDecodeError as e:
            raise GlassnetError(
                f"cannot read CSV {path}: it is not UTF-8 text (it starts like UTF-16, but byte "
                f"{e.start} is not); save it as a UTF-8 CSV file with a header row"
            ) from None
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return raw.decode("latin-1"), f"encoding Latin-1 (not UTF-8 from line {line})"


def _sniff_delimiter(text: str, path: Path) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields most
    often; a comma when none does (one column)."""
    if path.suffix.lower() == ".tsv":
        return "\t"
    lines = [line for line in text.splitlines()[: _SNIFF_LINES * 2] if line.strip()]
    lines = lines[:_SNIFF_LINES]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or max(counts) < 2:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * 1000 + common if common > 1 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _parse_table(text: str, delimiter: str, path: Path) -> list[list[str]]:
    """Every line's fields as text (pandas' C parser), the blank lines as empty rows so that
    row i is line i + 1 (quoted line breaks aside)."""
    import pandas as pd  # the data extra; read only for CSV files

    if "\x00" in text:
        line, column = _place(text, text.index("\x00"), delimiter)
        raise GlassnetError(
            f"cannot read CSV {path}: line {line}, column {column} holds a NUL byte, so it is "
            "binary, not UTF-8 text; save it as a UTF-8 CSV file with a header row"
        )
    # pandas takes the columns from the first line: leading blank lines are cut off here and
    # put back as empty rows, so that row i stays line i + 1
    body = text.lstrip("\r\n")
    blank = text.count("\n", 0, len(text) - len(body))
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            quotechar='"',
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise GlassnetError(f"CSV {path} is empty; it needs a header row and data rows") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as e:
        unclosed = _unclosed_quote(text, delimiter)
        if "EOF inside string" in str(e) and unclosed is not None:
            line, column = _place(text, unclosed, delimiter)
            raise GlassnetError(
                f"cannot read CSV {path}: line {line}, column {column} opens a quoted field "
                '(") that is never closed; close the quote or remove it'
            ) from None
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if found:
            expected, line, saw = found.groups()
            raise GlassnetError(
                f"cannot read CSV {path}: line {int(line) + blank} has {saw} fields but the "
                f"header has {expected}; check the delimiter ({_NAMES[delimiter]}) and quoting"
            ) from None
        raise GlassnetError(
            f"cannot read CSV {path}: {' '.join(str(e).split())}; check that it is a CSV file"
        ) from None
    table = frame.to_numpy(dtype=object).tolist()
    # pandas pads a short line with empty fields; the stdlib's reader counts what each line has
    width = len(table[0])  # pandas has raised EmptyDataError where there is no row
    table = [[] for _ in range(blank)] + table
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if row and any(c.strip() for c in row) and len(row) != width:
                raise GlassnetError(
                    f"cannot read CSV {path}: line {reader.line_num} has {len(row)} fields but "
                    f"the header has {width}; check the delimiter ({_NAMES[delimiter]}) and "
                    "quoting"
                )
    except csv.Error as e:
        problem = str(e)
        if "new-line character seen in unquoted field" in problem:
            problem = "a line break (carriage return) inside an unquoted field"
        raise GlassnetError(
            f"cannot read CSV {path}: line {reader.line_num}: {problem}; check the quoting"
        ) from None
    return table


def _unclosed_quote(text: str, delimiter: str) -> int | None:
    """The index of the quote that opens a field and is never closed, or None. A quote opens a
    field only at the field's start; inside, a doubled quote ("") is an escaped one."""
    opened, start, i = None, True, 0
    while i < len(text):
        char = text[i]
        if opened is not None:
            if char == '"' and text[i + 1 : i + 2] == '"':
                i += 1
            elif char == '"':  # the field is closed; the next character is not a quote
                opened = None
        elif char == '"' and start:
            opened = i
        else:
            start = char in (delimiter, "\n", "\r")
        i += 1
    return opened


def _place(text: str, index: int, delimiter: str) -> tuple[int, int]:
    """(line, column) of text[index], both from 1; columns counted by the delimiters before it
    on its line (quotes aside: a rough place, for an error message)."""
    start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, text.count(delimiter, start, index) + 1


def _number(text: str) -> float | None:
    """The number a cell holds, or None (text, or empty)."""
    try:
        return float(text)
    except ValueError:
        return None


def _looks_like_data(first: list[str], body: list[list[str]]) -> bool:
    """Whether the first row is data rather than a header: every column whose other cells are
    all numbers has a number there too (and there is such a column)."""
    numeric = [
        j for j in range(len(first)) if body and all(_number(row[j]) is not None for row in body)
    ]
    return bool(numeric) and all(_number(first[j]) is not None for j in numeric)


def _read_csv(
    path: Path,
    target: str | None,
    n_features: int | None,
    target_hint: str | None = None,
    columns: list[str] | None = None,
    categories: dict | None = None,
) -> _Raw:
    """A CSV file as people have them: the encoding, the delimiter, the header row and a
    leading unnamed index column (pandas' ``to_csv``) are detected and said (``notes``); the
    target is any column, by name or by number; text feature columns are one-hot encoded.

    ``columns`` and ``categories`` (a model's) give the input columns by name and the
    categories of each text column, so that predict builds exactly the model's inputs."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as e:
        raise GlassnetError(f"cannot read CSV {path}: {e.strerror}") from None
    text, encoding = _decode(raw_bytes, path)
    notes = [encoding] if encoding else []
    delimiter = _sniff_delimiter(text, path)
    if delimiter != ",":
        notes.append(f"delimiter {_NAMES[delimiter]}")
    table = _parse_table(text, delimiter, path)
    rows = [(i + 1, row) for i, row in enumerate(table) if any(c.strip() for c in row)]
    if not rows:
        raise GlassnetError(f"CSV {path} is empty; it needs a header row and data rows")
    width = len(rows[0][1])
    cells = [[c.strip() for c in row] for _, row in rows]
    if _looks_like_data(cells[0], cells[1:]) and (columns is None or cells[0] != columns):
        header = [f"column {j + 1}" for j in range(width)]
        body = rows
        notes.append("no header row (columns named column 1, column 2, ...)")
    else:
        header = [name or f"column {j + 1}" for j, name in enumerate(cells[0])]
        body = rows[1:]
        cells = cells[1:]
        if not body:
            raise GlassnetError(
                f"CSV {path} has a header (line {rows[0][0]}) but no data rows after it"
            )
    lines = [line for line, _ in body]

    def where(i: int) -> str:
        return f"line {lines[i]} of {path}"

    # pandas' to_csv writes its index first, under an empty name: distinct whole numbers (0, 1,
    # 2, ... unless the frame was a selection of rows); without a header, only 0, 1, 2, ...
    first = [row[0] for row in cells]
    if header[0] == "Unnamed: 0" or (header[0] == "column 1" and body is not rows):
        index = all(v.isdigit() for v in first) and len(set(first)) == len(first)
    else:
        index = header[0] == "column 1" and first == [str(i) for i in range(len(first))]
    if width > 1 and index:
        if columns is None or header[0] not in columns:
            header, cells = header[1:], [row[1:] for row in cells]
            width -= 1
            notes.append("dropped a leading unnamed index column (0, 1, 2, ...)")
    if len(set(header)) != len(header):
        repeated = next(name for name in header if header.count(name) > 1)
        raise GlassnetError(f"CSV {path} has two columns named {repeated!r}; rename one")

    label_column = _target_column(path, header, target, target_hint, n_features, columns)
    if columns is not None:
        missing = [name for name in columns if name not in header]
        extra = [j for j, n in enumerate(header) if n not in columns and j != label_column]
        if missing:
            raise GlassnetError(
                f"CSV {path} has no column {missing[0]!r}, an input of the model (its inputs: "
                f"{', '.join(columns)}); give the columns it was trained on, by name"
            )
        if extra:
            raise GlassnetError(
                f"CSV {path} has the column {header[extra[0]]!r}, which the model was not "
                f"trained on (its inputs: {', '.join(columns)}); drop it"
            )
        features = [header.index(name) for name in columns]
    else:
        features = [j for j in range(width) if j != label_column]
    if not features:
        raise GlassnetError(
            f"CSV {path} has no feature columns besides the label column "
            f"{header[label_column]!r}; a CSV needs input columns and a label column"
        )

    blocks, names, found = [], [], {}
    known = categories or {}
    for j in features:
        values = [row[j] for row in cells]
        given = known.get(header[j]) if categories is not None else None
        block, block_names, levels = _feature_column(values, header[j], where, given, columns)
        blocks.append(block)
        names.extend(block_names)
        if levels is not None:
            found[header[j]] = levels
    if found and categories is None:
        notes.append(
            "one-hot encoded "
            + ", ".join(f"{name} ({len(levels)} values)" for name, levels in found.items())
        )
    X = np.column_stack(blocks) if blocks else np.empty((len(cells), 0))
    y = kind = None
    if label_column is not None:
        values = [row[label_column] for row in cells]
        if "" in values:
            raise GlassnetError(
                f"the label column {header[label_column]!r} is empty at "
                f"{where(values.index(''))}; give every row a label"
            )
        y = _labels_from_text(values, where)
        kind = _target_kind(values, y)
    return _Raw(
        X=X,
        y=y,
        source=str(path),
        feature_names=names,
        target=None if label_column is None else header[label_column],
        where=where,
        notes=notes,
        columns=[header[j] for j in features],
        categories=found,
        target_kind=kind,
    )


def _target_column(path, header, target, target_hint, n_features, columns) -> int | None:
    """The label column: ``target`` by name or by number (1 is the first column, -1 the
    last); else the model's (``target_hint``); else none when the columns are the model's
    inputs alone; else the last column."""
    if target is not None:
        if target in header:
            return header.index(target)
        number = _number(target)
        if number is not None and number == int(number) and 1 <= abs(number) <= len(header):
            return int(number) - 1 if number > 0 else len(header) + int(number)
        raise GlassnetError(
            f"CSV {path} has no column {target!r}; its columns are: {', '.join(header)} (or "
            f"give a column number, 1 to {len(header)})"
        )
    if target_hint is not None and target_hint in header:
        return header.index(target_hint)
    if columns is not None and set(header) == set(columns):
        return None  # the model's inputs only: data to predict
    if columns is None and n_features is not None and len(header) == n_features:
        return None
    return len(header) - 1


def _feature_column(values: list[str], name: str, where, given, columns):
    """(block of columns, their names, the categories or None) of one feature column:
    numbers as they are; a text column one-hot encoded over its sorted values (or the
    model's ``given`` categories)."""
    numbers = [_number(v) for v in values]
    text = [i for i, v in enumerate(numbers) if v is None]
    if not text and given is None:
        column = np.array(numbers, dtype=np.float64)
        bad = ~np.isfinite(column)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            what = "a NaN" if np.isnan(column[i]) else "an infinite"
            raise GlassnetError(
                f"column {name!r} has {what} value at {where(i)} ({int(bad.sum())} in all); "
                "remove or impute them"
            )
        return column[:, None], [name], None
    empty = [i for i, v in enumerate(values) if v == ""]
    if empty:
        raise GlassnetError(
            f"column {name!r} has an empty value at {where(empty[0])}; fill it in or drop the row"
        )
    if given is None and len(text) < len(values):
        i, j = text[0], next(i for i, v in enumerate(numbers) if v is not None)
        raise GlassnetError(
            f"column {name!r} is not numeric ({values[i]!r} at {where(i)}) but holds numbers too "
            f"({values[j]!r} at {where(j)}); make it all numbers, or all text to one-hot encode it"
        )
    levels = sorted(set(values)) if given is None else [str(c) for c in given]
    if given is None and len(levels) > MAX_CATEGORIES:
        raise GlassnetError(
            f"column {name!r} holds {len(levels)} distinct text values (e.g. {levels[0]!r} at "
            f"{where(values.index(levels[0]))}), too many to one-hot encode (at most "
            f"{MAX_CATEGORIES}); drop it or encode it as numbers"
        )
    lookup = {level: k for k, level in enumerate(levels)}
    block = np.zeros((len(values), len(levels)))
    for i, value in enumerate(values):
        if value not in lookup:
            raise GlassnetError(
                f"column {name!r} has the value {value!r} at {where(i)}, which the model never "
                f"saw (its values: {', '.join(levels[:20])}); give one of them"
            )
        block[i, lookup[value]] = 1.0
    return block, [f"{name}={level}" for level in levels], levels


def _target_kind(values: list[str], y: np.ndarray) -> str:
    """How the labels were written: "text", "integer" (whole numbers written as such) or
    "decimal" (numbers with a point or an exponent, as a float target is, even when whole)."""
    if y.dtype.kind not in "iuf":
        return "text"
    decimal = any(("." in v or "e" in v.lower()) for v in values)
    return "decimal" if decimal or y.dtype.kind == "f" else "integer"


# ---- npz ------------------------------------------------------------------------------------


def _read_npz(path: Path) -> _Raw:
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if "X" not in names:
                raise GlassnetError(
                    f"{path} has no array 'X' (it has: {', '.join(sorted(names)) or 'none'}); "
                    "save the features as X and the labels as y, e.g. np.savez(path, X=X, y=y)"
                )
            arrays = {
                name: archive[name] for name in ("X", "y", "X_test", "y_test") if name in names
            }
    except GlassnetError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise GlassnetError(
            f"cannot read {path} as .npz ({e}); glassnet reads numeric arrays X and y saved with "
            "np.savez (never pickled objects)"
        ) from None
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise GlassnetError(f"{path} has only one of X_test and y_test; give both or neither")
    X, shape = _rows(arrays["X"], f"X in {path}")
    X_test = None
    if "X_test" in arrays:
        X_test, _ = _rows(arrays["X_test"], f"X_test in {path}")
    return _Raw(
        X=X,
        y=_labels(arrays.get("y"), len(X), f"y in {path}"),
        source=str(path),
        X_test=X_test,
        y_test=None if X_test is None else _labels(arrays["y_test"], len(X_test), path),
        test_source=None if X_test is None else f"{path} (X_test)",
        images_shape=shape,
    )


def _rows(X: np.ndarray, name: str) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Samples as rows: images (m, h, w, c) of uint8 become pixels / 255; other arrays with more
    than two axes are flattened."""
    if X.ndim == 4 and X.dtype == np.uint8:
        return datasets.image_features(X), X.shape[1:]
    if X.ndim > 2:
        return X.reshape(len(X), -1), X.shape[1:]
    return X, None


def _labels(y: np.ndarray | None, m: int, name) -> np.ndarray | None:
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1 or len(y) != m:
        raise GlassnetError(f"{name} must hold one label per sample ({m}), got shape {y.shape}")
    if y.dtype.kind in "SU":
        return np.char.decode(y, "utf-8") if y.dtype.kind == "S" else y
    if y.dtype.kind not in "biuf":
        raise GlassnetError(f"{name} must hold numbers or strings, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise GlassnetError(f"{name} has NaN or infinite labels; remove those samples")
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return y


# ---- HDF5: the classic cat layout -----------------------------------------------------------


def _read_hdf5(path: Path) -> _Raw:
    try:
        import h5py
    except ImportError:
        raise GlassnetError(f"reading HDF5 files needs h5py: {_DATA_EXTRA}") from None
    X, y, order, which, shape = _read_h5_set(h5py, path, ("train", "test"))
    X_test = y_test = test_source = None
    twin = path.with_name(path.name.replace("train", "test"))
    if which == "train" and twin != path and twin.is_file():
        X_test, y_test, test_order, _, _ = _read_h5_set(h5py, twin, ("test",))
        test_source = str(twin)
        if X_test.shape[1] != X.shape[1]:
            raise GlassnetError(
                f"the test set {twin} has {X_test.shape[1]} features but {path} has {X.shape[1]}"
            )
        order = order or test_order
    return _Raw(
        X=X,
        y=y,
        source=str(path),
        order=order,
        X_test=X_test,
        y_test=y_test,
        test_source=test_source,
        images_shape=shape,
    )


def _read_h5_set(h5py, path: Path, which: tuple[str, ...]):
    try:
        with h5py.File(path, "r") as f:
            for name in which:
                if f"{name}_set_x" in f:
                    break
            else:
                raise GlassnetError(
                    f"{path} has no {' or '.join(f'{n}_set_x' for n in which)}; glassnet reads "
                    "HDF5 files in the classic cat layout (train_set_x, train_set_y, list_classes)"
                )
            if f"{name}_set_y" not in f:
                raise GlassnetError(f"{path} has {name}_set_x but no {name}_set_y labels")
            images = f[f"{name}_set_x"][()]
            y = f[f"{name}_set_y"][()]
            order = None
            if "list_classes" in f:
                order = [
                    c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c)
                    for c in np.asarray(f["list_classes"][()]).reshape(-1).tolist()
                ]
    except GlassnetError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as e:
        raise GlassnetError(f"cannot read {path} as HDF5: {e}") from None
    images = np.asarray(images)
    if images.ndim < 2 or images.dtype.kind not in "uif":
        raise GlassnetError(
            f"{name}_set_x in {path} must be numeric images (m, height, width, channels); got "
            f"{images.dtype} of shape {images.shape}"
        )
    X, shape = _rows(images, f"{name}_set_x in {path}")
    y = _labels(y, len(X), f"{name}_set_y in {path}")
    if order is not None and y.dtype.kind in "iu" and len(order) >= 2:
        if y.min() < 0 or y.max() >= len(order):
            raise GlassnetError(
                f"{name}_set_y in {path} has labels outside 0..{len(order) - 1} (list_classes)"
            )
        y = np.array(order)[y]
    return X, y, order, name, shape


# ---- a folder of images ---------------------------------------------------------------------


def _read_image_folder(folder: Path, image_size: tuple[int, int]) -> _Raw:
    try:
        from PIL import Image
    except ImportError:
        raise GlassnetError(f"reading image folders needs Pillow: {_DATA_EXTRA}") from None
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if subfolders:
        groups = [(p.name, _image_files(p)) for p in subfolders]
        for name, files in groups:
            if not files:
                raise GlassnetError(
                    f"the class folder {folder / name} has no images "
                    f"({', '.join(IMAGE_SUFFIXES)}); add images or remove the folder"
                )
    else:
        groups = [(None, _image_files(folder))]
        if not groups[0][1]:
            raise GlassnetError(
                f"{folder} has no images and no class subfolders; give a folder with one "
                "subfolder of images per class"
            )
    height, width = image_size
    images, labels, names = [], [], []
    for label, files in groups:
        for file in files:
            try:
                with Image.open(file) as image:
                    pixels = image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
                    images.append(np.asarray(pixels, dtype=np.uint8))
            except (OSError, ValueError, Image.DecompressionBombError) as e:
                raise GlassnetError(
                    f"cannot read the image {file} ({e}); remove or replace it"
                ) from None
            labels.append(label)
            names.append(str(file.relative_to(folder)))
    stacked = np.stack(images)
    return _Raw(
        X=datasets.image_features(stacked),
        y=np.array(labels) if subfolders else None,
        source=str(folder),
        order=[name for name, _ in groups] if subfolders else None,
        images_shape=stacked.shape[1:],
        sample_names=names,
    )


def _image_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


# ---- built-in sets --------------------------------------------------------------------------


def _read_builtin(name: str, seed: int) -> _Raw:
    if name == "builtin:cats":
        X_train, y_train, X_test, y_test = datasets.cats(seed=seed)
        order = list(datasets.CAT_CLASSES)
        return _Raw(
            X=datasets.image_features(X_train),
            y=np.array(order)[y_train],
            source=name,
            order=order,
            X_test=datasets.image_features(X_test),
            y_test=np.array(order)[y_test],
            test_source=f"{name} (test)",
            images_shape=X_train.shape[1:],
        )
    key = name.removeprefix("builtin:")
    if key in datasets.TWO_D:
        X, y = datasets.TWO_D[key](seed=seed)
        return _Raw(X=X, y=y, source=name, feature_names=["x1", "x2"])
    raise GlassnetError(f"unknown data set {name!r}; choose one of: {', '.join(BUILTIN + SKLEARN)}")


def _read_sklearn(name: str) -> _Raw:
    if name not in SKLEARN:
        raise GlassnetError(
            f"unknown data set {name!r}; choose one of: {', '.join(BUILTIN + SKLEARN)}"
        )
    try:
        from sklearn import datasets as bundled
    except ImportError:
        raise GlassnetError(f"{name} needs scikit-learn: {_DATA_EXTRA}") from None
    if name == "sklearn:breast_cancer":
        bunch = bundled.load_breast_cancer()
        names = [str(n) for n in bunch.target_names]
        return _Raw(
            X=bunch.data,
            y=np.array(names)[bunch.target],
            source=name,
            order=names,
            feature_names=[str(n) for n in bunch.feature_names],
        )
    if name == "sklearn:diabetes":
        bunch = bundled.load_diabetes()
        return _Raw(
            X=bunch.data,
            y=bunch.target.astype(np.float64),
            source=name,
            feature_names=[str(n) for n in bunch.feature_names],
            task="regression",
        )
    bunch = bundled.load_digits()
    return _Raw(
        X=bunch.data,
        y=bunch.target.astype(np.int64),
        source=name,
        order=bunch.target_names.tolist(),
        feature_names=[str(n) for n in bunch.feature_names],
        images_shape=(8, 8, 1),
    )


# ---- data for a model file ------------------------------------------------------------------


def for_model(model, data: str, target: str | None, labels: bool) -> Dataset:
    """Read DATA as a model file (``files.model.Model``) expects it: same task, classes, image
    size, label column, and for a CSV the same input columns by name with the same one-hot
    categories (as ``glassnet train`` recorded them)."""
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
    columns = about.get("columns")
    if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        columns = None
    categories = about.get("categories")
    categories = categories if isinstance(categories, dict) else None
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
        columns=columns if str(data).lower().endswith((".csv", ".tsv", ".txt")) else None,
        categories=categories if columns else None,
    )
    if dataset.X_test is not None:  # the held-out set that came with the data
        dataset.X, dataset.y = dataset.X_test, dataset.y_test
        dataset.source, dataset.sample_names = dataset.test_source, None
    return dataset
