"""Tables as people have them: a fitted preprocessing plan from raw columns to network inputs.

A ``Table`` holds raw columns by name, as a file or a DataFrame has them: numbers (float64,
NaN where a value is missing) or text (an object array, None where missing). ``Plan.fit``
learns, from the training rows only, what every column becomes:

    number     x filled with the training median where missing, then scaled:
               robust:   z = (x - median) / IQR,  x' = z / sqrt(1 + (z / 3)^2)   (smooth clipping)
               standard: x' = (x - mean) / std
               none:     x' = x
               plus a 0/1 column "NAME (missing)" where the training rows had gaps
    date       ISO 8601 text (2024-03-31, 2024-03-31 12:00) becomes the numbers year, month,
               day and weekday, each treated as a number column
    category   one-hot over the training levels, a missing value as its own level "(missing)"
               where the training rows had missing values; a level never seen in training,
               or a missing value where training had none, is all zeros and reported
    dropped    constant columns, id-like columns (every value distinct: names, keys, row
               numbers) and high-cardinality text, each with its reason; ``keep`` names
               columns to use anyway

``Plan.transform`` applies exactly that to new rows and returns the inputs with a ``Report``
of what it met (unseen levels per column, missing values it filled, extra columns it ignored).
It refuses, naming the column, the place and the value, what would otherwise be a silent
wrong answer: text in a column that was numeric in training, a missing column, a date that is
not one. The plan is plain data (``to_dict``, ``from_dict``): the model file keeps it as JSON.

This module needs NumPy only; a pandas DataFrame is read through its public methods
(``as_table``), without importing pandas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import GlassnetError

SCALINGS = ("robust", "standard", "none")
KINDS = ("number", "date", "category")
MISSING_LEVEL = "(missing)"  # the name of a category column's missing level
MAX_LEVELS = 100  # distinct text values one-hot encoded without being asked
MAX_KEPT_LEVELS = 10_000  # ... and when asked for (``keep``)
MIN_ROWS_FOR_ID = 20  # fewer rows than this prove nothing about a column being an id
CLIP = 3.0  # robust scaling's smooth clipping: z / sqrt(1 + (z / CLIP)^2) stays in (-3, 3)
CLAMP = 1e6  # |z| beyond this is clipped to 3 all the same; no square of it overflows
DATE_PARTS = ("year", "month", "day", "weekday")
# pandas' default missing-value markers (read_csv's na_values), which a text cell may hold
MISSING_MARKERS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
)  # fmt: skip
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_OTHER_DATE = re.compile(
    r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|"
    r"\d{1,2} ?[A-Za-z]{3,9},? ?\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4})$"
)
_ID_NAME = re.compile(r"(^|[^a-z])(id|ids|uuid|guid|key)$|^id[^a-z]|identifier", re.IGNORECASE)


# ---- raw columns ----------------------------------------------------------------------------


@dataclass
class Table:
    """Raw columns by name, all of one length: float64 arrays (NaN: missing) or object arrays
    of text (None: missing). ``where(i)`` names row i for a message ("line 7 of data.csv")."""

    names: list[str]
    columns: list[np.ndarray]
    where: Callable[[int], str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        lengths = {len(c) for c in self.columns}
        if len(lengths) > 1:
            raise GlassnetError(f"the columns of a table must have one length; got {lengths}")
        if len(set(self.names)) != len(self.names):
            repeated = next(n for n in self.names if self.names.count(n) > 1)
            raise GlassnetError(f"the table has two columns named {repeated!r}; rename one")

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def column(self, name: str) -> np.ndarray:
        return self.columns[self.names.index(name)]

    def place(self, i: int) -> str:
        """Where row i is, for a message."""
        return self.where(int(i)) if self.where is not None else f"row {int(i) + 1}"

    def take(self, rows) -> Table:
        """The table of these rows (indices), keeping where each came from."""
        rows = np.asarray(rows, dtype=np.intp)
        place = self.place
        return Table(list(self.names), [c[rows] for c in self.columns], lambda i: place(rows[i]))


def is_frame(X) -> bool:
    """Whether X is a pandas DataFrame (or anything with its columns and dtypes)."""
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def as_table(X, where: Callable[[int], str] | None = None) -> Table:
    """A Table of a DataFrame (columns by dtype: numbers, booleans and text; pandas'
    missing values become NaN or None), a mapping of names to 1-D columns, or a Table."""
    if isinstance(X, Table):
        return X
    if is_frame(X):
        names = [str(name) for name in X.columns]
        columns = [_frame_column(X.iloc[:, j]) for j in range(len(names))]
        if where is None:
            labels = X.index.tolist()
            default = list(range(len(labels)))
            if labels != default:
                where = lambda i: f"row {labels[i]!r}"  # noqa: E731
        return Table(names, columns, where)
    if isinstance(X, Mapping):
        return Table([str(k) for k in X], [_raw_column(v) for v in X.values()], where)
    raise GlassnetError(
        f"expected a table (a pandas DataFrame or a mapping of column names to values); got "
        f"{type(X).__name__}"
    )


def _frame_column(series) -> np.ndarray:
    kind = getattr(series.dtype, "kind", "O")
    missing = np.asarray(series.isna(), dtype=bool)
    if kind in "iuf" and getattr(series.dtype, "name", "") != "category":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.where(missing, np.nan, values)
    if kind == "M":  # datetimes: ISO text, which the plan reads as a date
        text = series.astype(str).to_numpy(dtype=object)
        text[missing] = None
        return text
    values = series.to_numpy(dtype=object)
    return _text_column(values, missing)


def _raw_column(values) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise GlassnetError(f"a table's column must be 1-D; got shape {array.shape}")
    if array.dtype.kind in "iuf":
        return array.astype(np.float64)
    array = array.astype(object)
    missing = np.array([_is_missing(v) for v in array], dtype=bool)
    return _text_column(array, missing)


def _text_column(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """An object array of text (None: missing); numbers inside are kept as numbers."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if missing[i] or _is_missing(v):
            out[i] = None
        elif isinstance(v, (bool, np.bool_)):
            out[i] = str(bool(v))
        elif isinstance(v, str):
            out[i] = None if v.strip() == "" else v
        else:
            out[i] = v
    return out


def _is_missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    if isinstance(v, str):
        return v.strip() == ""
    try:
        return bool(v != v)  # pandas' NA and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def text_of(v) -> str:
    """The level a value names: text as it is, whole numbers without a point (3, not 3.0)."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _numbers_if_all(values: np.ndarray) -> np.ndarray:
    """An object column as float64 when every value is a number, else as it is."""
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        return values


def _number(v) -> float | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


# ---- the plan -------------------------------------------------------------------------------


@dataclass
class Column:
    """What one input column becomes. ``kind`` "number", "date" or "category"; numbers and dates
    have per-part ``fill`` (the training median), ``center`` and ``scale`` (one part for a
    number, four for a date) and ``indicator`` (a 0/1 missing column follows); categories have
    ``levels`` (sorted training values) and ``missing_level`` (missing is a level of its own)."""

    name: str
    kind: str
    fill: list[float] = field(default_factory=list)
    center: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    indicator: bool = False
    levels: list[str] = field(default_factory=list)
    missing_level: bool = False

    @property
    def outputs(self) -> list[str]:
        """The names of the network inputs this column becomes."""
        if self.kind == "category":
            names = [f"{self.name}={level}" for level in self.levels]
            return names + ([f"{self.name}={MISSING_LEVEL}"] if self.missing_level else [])
        parts = [self.name] if self.kind == "number" else [f"{self.name}.{p}" for p in DATE_PARTS]
        return parts + ([f"{self.name} (missing)"] if self.indicator else [])

    def describe(self) -> str:
        """One line for ``glassnet info``."""
        if self.kind == "category":
            levels = ", ".join(self.levels[:12]) + (" ..." if len(self.levels) > 12 else "")
            missing = f" + {MISSING_LEVEL}" if self.missing_level else ""
            return f"category, one-hot over {len(self.levels)} levels{missing}: {levels}"
        numbers = ", ".join(f"{v:.6g}" for v in self.fill)
        how = "number" if self.kind == "number" else f"date ({', '.join(DATE_PARTS)})"
        if self.indicator:
            return f"{how}, missing values filled with {numbers} and flagged in a 0/1 column"
        return f"{how}, no missing value in training (one would be filled with {numbers})"


@dataclass
class Report:
    """What ``Plan.transform`` met in new rows: ``unseen[column] = (count, first value, place)``
    for levels never seen in training, ``filled[column] = count`` of missing values filled where
    training had none, ``extra`` columns it ignored."""

    unseen: dict = field(default_factory=dict)
    filled: dict = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        if self.extra:
            out.append(f"ignored {len(self.extra)} column(s) the model does not use: "
                       + ", ".join(self.extra[:10]) + (" ..." if len(self.extra) > 10 else ""))
        for name, (count, value, place) in self.unseen.items():
            out.append(
                f"column {name!r}: {count} value(s) never seen in training (first {value!r} at "
                f"{place}), encoded as no known level (all zeros)"
            )
        for name, count in self.filled.items():
            out.append(
                f"column {name!r}: {count} missing value(s), which the training rows never had, "
                "filled as the plan says (median, or no level)"
            )
        return out


@dataclass
class Plan:
    """The fitted preprocessing of a table: ``columns`` (used, in order), ``dropped``
    ((name, reason) pairs), ``scaling`` ("robust" or "standard"), ``id_column`` (the first
    column dropped as an id, which predictions can carry), ``target`` (the target's name)."""

    columns: list[Column]
    dropped: list[tuple[str, str]] = field(default_factory=list)
    scaling: str = "robust"
    id_column: str | None = None
    target: str | None = None

    @property
    def inputs(self) -> list[str]:
        """The raw columns the plan needs, in order."""
        return [c.name for c in self.columns]

    @property
    def feature_names(self) -> list[str]:
        """The names of the network's inputs."""
        return [name for c in self.columns for name in c.outputs]

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    # ---- fit ----------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        table: Table,
        *,
        scaling: str = "robust",
        keep: Sequence[str] = (),
        target: str | None = None,
    ) -> Plan:
        """Learn the plan from the training rows of ``table``."""
        if scaling not in SCALINGS:
            raise GlassnetError(
                f"unknown scaling {scaling!r}; choose one of: {', '.join(SCALINGS)}"
            )
        unknown = [name for name in keep if name not in table.names]
        if unknown:
            raise GlassnetError(
                f"--keep names the column {unknown[0]!r}, which the data does not have (its "
                f"columns: {', '.join(table.names)})"
            )
        if len(table) == 0:
            raise GlassnetError("the table has no rows to learn from")
        columns, dropped, id_column = [], [], None
        for name, values in zip(table.names, table.columns):
            column, reason = _fit_column(name, values, table, scaling, name in keep)
            if column is not None:
                columns.append(column)
            else:
                dropped.append((name, reason))
                if id_column is None and reason.startswith("an id"):
                    id_column = name
        if not columns:
            reasons = "; ".join(f"{n}: {r}" for n, r in dropped)
            raise GlassnetError(
                f"no column is left to learn from ({reasons}); keep one with --keep COLUMN "
                "(keep=[...])"
            )
        return cls(columns, dropped, scaling, id_column, target)

    # ---- transform ----------------------------------------------------------------------

    def read(self, X) -> Table:
        """New rows as a table: a DataFrame, a mapping or a Table by column name, or a 2-D
        array holding the plan's input columns in order."""
        if isinstance(X, Table) or is_frame(X) or isinstance(X, Mapping):
            return as_table(X)
        rows = np.asarray(X, dtype=object)
        if rows.ndim != 2 or rows.shape[1] != len(self.inputs):
            raise GlassnetError(
                f"this model was trained on a table; give a pandas DataFrame with the columns "
                f"{', '.join(self.inputs)} (or rows of those {len(self.inputs)} columns, in that "
                f"order); got {type(X).__name__} of shape {rows.shape}"
            )
        return as_table({name: _numbers_if_all(rows[:, j]) for j, name in enumerate(self.inputs)})

    def transform(self, table: Table, *, strict: bool = False) -> tuple[np.ndarray, Report]:
        """(X of shape (m, n_features), Report) for the rows of ``table``."""
        missing = [name for name in self.inputs if name not in table.names]
        if missing:
            raise GlassnetError(
                f"the data has no column {missing[0]!r}, an input of the model (it needs: "
                f"{', '.join(self.inputs)}); give the columns it was trained on, by name"
            )
        report = Report(extra=[n for n in table.names if n not in self.inputs and n != self.target
                               and n not in dict(self.dropped)])  # fmt: skip
        blocks = [
            _transform_column(c, table.column(c.name), table, self.scaling, strict, report)
            for c in self.columns
        ]
        X = np.concatenate(blocks, axis=1) if len(table) else np.empty((0, self.n_features))
        return X, report

    # ---- as data ------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "scaling": self.scaling,
            "id_column": self.id_column,
            "target": self.target,
            "dropped": [[n, r] for n, r in self.dropped],
            "columns": [
                {"name": c.name, "kind": c.kind, "fill": c.fill, "center": c.center,
                 "scale": c.scale, "indicator": c.indicator, "levels": c.levels,
                 "missing_level": c.missing_level}
                for c in self.columns
            ],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data, fail: Callable[[str], Exception] | None = None) -> Plan:
        """The plan ``to_dict`` wrote, every type and value checked (``fail(problem)`` makes
        the exception raised, e.g. a ModelFileError)."""
        fail = fail or (lambda problem: GlassnetError(f"invalid plan: {problem}"))
        keys = {"scaling", "id_column", "target", "dropped", "columns"}
        if not isinstance(data, dict) or set(data) != keys:
            raise fail(f"'plan' must be an object with the keys {sorted(keys)}")
        if data["scaling"] not in SCALINGS:
            raise fail(f"'plan.scaling' must be one of {list(SCALINGS)}")
        for key in ("id_column", "target"):
            if data[key] is not None and not _short_text(data[key]):
                raise fail(f"'plan.{key}' must be null or a column name")
        dropped = data["dropped"]
        if not isinstance(dropped, list) or not all(
            isinstance(d, list) and len(d) == 2 and all(_short_text(t) for t in d) for d in dropped
        ):
            raise fail("'plan.dropped' must be a list of [column, reason] pairs")
        columns = data["columns"]
        if not isinstance(columns, list) or not columns:
            raise fail("'plan.columns' must be a non-empty list")
        out = [_column_from_dict(c, fail) for c in columns]
        if len({c.name for c in out}) != len(out):
            raise fail("'plan.columns' names a column twice")
        return cls(out, [tuple(d) for d in dropped], data["scaling"], data["id_column"],
                   data["target"])  # fmt: skip

    def describe(self) -> list[str]:
        """A line per column: what it becomes, and why the dropped ones were dropped."""
        lines = [f"{c.name}: {c.describe()}" for c in self.columns]
        lines += [f"{name}: dropped ({reason})" for name, reason in self.dropped]
        return lines

    def notes(self) -> list[str]:
        """What ``glassnet train`` says it chose, in a few lines."""
        kinds = {k: [c for c in self.columns if c.kind == k] for k in KINDS}
        out = []
        if kinds["number"]:
            how = {
                "robust": "robust scaling (median, IQR, smooth clipping)",
                "standard": "standardized (mean, std)",
                "none": "as they are",
            }[self.scaling]
            gaps = [c.name for c in kinds["number"] if c.indicator]
            text = f"{len(kinds['number'])} number column(s), {how}"
            if gaps:
                text += f"; missing values filled with the median in {', '.join(gaps)}"
            out.append(text)
        if kinds["category"]:
            out.append(
                "one-hot encoded "
                + ", ".join(f"{c.name} ({len(c.levels)} levels"
                            + (" + missing" if c.missing_level else "") + ")"
                            for c in kinds["category"])  # fmt: skip
            )
        if kinds["date"]:
            out.append(
                "dates as year, month, day, weekday: " + ", ".join(c.name for c in kinds["date"])
            )
        for name, reason in self.dropped:
            out.append(f"dropped {name!r}: {reason}")
        return out


def _short_text(value) -> bool:
    return isinstance(value, str) and len(value) <= 10_000


def _column_from_dict(c, fail) -> Column:
    keys = {"name", "kind", "fill", "center", "scale", "indicator", "levels", "missing_level"}
    if not isinstance(c, dict) or set(c) != keys:
        raise fail(f"every entry of 'plan.columns' must have the keys {sorted(keys)}")
    if not _short_text(c["name"]) or c["kind"] not in KINDS:
        raise fail("a plan column needs a name and a kind among " + ", ".join(KINDS))
    if not isinstance(c["indicator"], bool) or not isinstance(c["missing_level"], bool):
        raise fail(f"plan column {c['name']!r}: 'indicator' and 'missing_level' are true/false")
    parts = {"number": 1, "date": len(DATE_PARTS), "category": 0}[c["kind"]]
    for key in ("fill", "center", "scale"):
        values = c[key]
        ok = isinstance(values, list) and len(values) == parts and all(
            isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
            for v in values
        )
        if not ok:
            raise fail(f"plan column {c['name']!r}: '{key}' must be {parts} finite number(s)")
    if any(v <= 0 for v in c["scale"]):
        raise fail(f"plan column {c['name']!r}: 'scale' must be positive")
    levels = c["levels"]
    if not isinstance(levels, list) or not all(_short_text(v) for v in levels):
        raise fail(f"plan column {c['name']!r}: 'levels' must be a list of text")
    if c["kind"] == "category":
        if len(set(levels)) != len(levels) or len(levels) > MAX_KEPT_LEVELS:
            raise fail(f"plan column {c['name']!r}: 'levels' repeat or are too many")
        if not levels and not c["missing_level"]:
            raise fail(f"plan column {c['name']!r}: a category column needs a level")
    elif levels or c["missing_level"]:
        raise fail(f"plan column {c['name']!r}: only a category column has levels")
    return Column(c["name"], c["kind"], [float(v) for v in c["fill"]],
                  [float(v) for v in c["center"]], [float(v) for v in c["scale"]],
                  c["indicator"], list(levels), c["missing_level"])  # fmt: skip


# ---- one column -----------------------------------------------------------------------------


def _fit_column(name, values, table, scaling, keep) -> tuple[Column | None, str]:
    """(the column's plan, "") or (None, why it is dropped)."""
    m = len(values)
    if values.dtype == object:
        present = [i for i, v in enumerate(values) if v is not None]
        if not present:
            return None, "every value is missing"
        numbers = [_number(values[i]) for i in present]
        if all(x is not None for x in numbers):  # text cells that all hold numbers: numbers
            column = np.full(m, np.nan)
            column[present] = numbers
            return _fit_number(name, column, table, scaling, keep)
        _check_not_mixed(name, values, table)
        texts = [text_of(values[i]) for i in present]
        if all(_ISO_DATE.match(t) for t in texts):
            return _fit_date(name, values, table, scaling)
        if sum(bool(_OTHER_DATE.match(t)) for t in texts) >= 0.9 * len(texts):
            i = next(i for i in present if _OTHER_DATE.match(text_of(values[i])))
            raise GlassnetError(
                f"column {name!r} holds dates written as {text_of(values[i])!r} "
                f"({table.place(i)}), which are ambiguous (day or month first?); write them as "
                "YYYY-MM-DD (ISO 8601) to use them as dates, or drop the column"
            )
        return _fit_category(name, values, texts, m, keep)
    return _fit_number(name, np.asarray(values, dtype=np.float64), table, scaling, keep)


def check_columns(table: Table) -> None:
    """Refuse a column of numbers with a few stray texts in it (a typo, or a missing-value
    marker pandas does not know), naming the first: such a column is neither numbers nor
    categories. ``recipe.build`` checks the whole table, before it is split."""
    for name, values in zip(table.names, table.columns):
        if values.dtype == object:
            _check_not_mixed(name, values, table)


def _check_not_mixed(name: str, values: np.ndarray, table: Table) -> None:
    present = [i for i, v in enumerate(values) if v is not None]
    numbers = [_number(values[i]) for i in present]
    text = [i for i, x in zip(present, numbers) if x is None]
    if text and len(text) < len(present) and len(text) <= 0.1 * len(present):
        i, j = text[0], next(i for i, x in zip(present, numbers) if x is not None)
        raise GlassnetError(
            f"column {name!r} holds numbers ({text_of(values[j])!r} at {table.place(j)}) and "
            f"the text {text_of(values[i])!r} at {table.place(i)} ({len(text)} such cell(s)); "
            "correct those cells, or, if the text marks a missing value, name it with "
            "--na-values (na_values=)"
        )


def _fit_number(name, x, table, scaling, keep) -> tuple[Column | None, str]:
    bad = np.isinf(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GlassnetError(
            f"column {name!r} has an infinite value at {table.place(i)}; remove it or replace it"
        )
    gaps = np.isnan(x)
    seen = x[~gaps]
    if len(seen) == 0:
        return None, "every value is missing"
    distinct = np.unique(seen)
    if len(distinct) == 1 and not gaps.any():
        return None, f"constant (every value is {distinct[0]:g})"
    m = len(x)
    whole = bool(np.all(distinct == np.round(distinct)))
    if not keep and whole and len(distinct) == m >= MIN_ROWS_FOR_ID:
        consecutive = distinct[-1] - distinct[0] == m - 1
        if consecutive or _ID_NAME.search(name):
            what = "row numbers" if consecutive else "every value distinct, an id by its name"
            return None, f"an id ({what}); use it with --keep {name}"
    fill, center, scale = _statistics(seen, scaling)
    return Column(name, "number", [fill], [center], [scale], bool(gaps.any())), ""


def _statistics(seen: np.ndarray, scaling: str) -> tuple[float, float, float]:
    """(fill, center, scale) of the observed values: the median fills; robust scaling centres
    on the median and divides by the interquartile range, standard scaling uses the mean and
    the standard deviation (a zero spread divides by 1); none leaves them as they are."""
    fill = float(np.median(seen))
    if scaling == "none":
        return fill, 0.0, 1.0
    if scaling == "robust":
        q25, q75 = np.percentile(seen, [25, 75])
        spread = float(q75 - q25)
        if spread <= 0:  # more than half the values are one value: the std's equivalent
            spread = float(np.std(seen)) * 1.349
        return fill, fill, spread if spread > 0 else 1.0
    std = float(np.std(seen))
    return fill, float(np.mean(seen)), std if std > 0 else 1.0


def _fit_date(name, values, table, scaling) -> tuple[Column | None, str]:
    parts, gaps = _date_parts(name, values, table)
    seen = parts[~gaps]
    if len(np.unique(seen, axis=0)) == 1 and not gaps.any():
        return None, "constant (every date is the same)"
    stats = [_statistics(seen[:, k], scaling) for k in range(len(DATE_PARTS))]
    fill, center, scale = (list(s) for s in zip(*stats))
    return Column(name, "date", fill, center, scale, bool(gaps.any())), ""


def _date_parts(name, values, table) -> tuple[np.ndarray, np.ndarray]:
    """(m, 4) year, month, day, weekday (Monday 0) of ISO dates, and the missing rows."""
    m = len(values)
    parts = np.zeros((m, len(DATE_PARTS)))
    gaps = np.zeros(m, dtype=bool)
    for i, v in enumerate(values):
        if v is None:
            gaps[i] = True
            continue
        text = text_of(v)
        try:
            if not _ISO_DATE.match(text):
                raise ValueError(text)
            day = np.datetime64(text.replace(" ", "T")[:10], "D")
        except ValueError:
            raise GlassnetError(
                f"column {name!r} holds dates, but {text!r} at {table.place(i)} is not one "
                "(YYYY-MM-DD); correct the cell or leave it empty"
            ) from None
        year = day.astype("datetime64[Y]")
        month = day.astype("datetime64[M]")
        parts[i] = (
            year.astype(int) + 1970,
            (month - year.astype("datetime64[M]")).astype(int) + 1,
            (day - month.astype("datetime64[D]")).astype(int) + 1,
            (day.astype(int) - 4) % 7,  # 1970-01-01 was a Thursday (weekday 3)
        )
    return parts, gaps


def _fit_category(name, values, texts, m, keep) -> tuple[Column | None, str]:
    levels = sorted(set(texts))
    missing = len(texts) < m
    if len(levels) == 1 and not missing:
        return None, f"constant (every value is {levels[0]!r})"
    if not keep:
        if len(levels) == m >= MIN_ROWS_FOR_ID:
            return None, f"an id (every value distinct); use it with --keep {name}"
        if len(levels) > MAX_LEVELS or (m >= MIN_ROWS_FOR_ID and len(levels) > m / 2):
            return None, (
                f"{len(levels)} distinct text values in {m} rows, free text or a key rather than "
                f"categories; one-hot encode it with --keep {name}"
            )
    elif len(levels) > MAX_KEPT_LEVELS:
        raise GlassnetError(
            f"column {name!r} holds {len(levels)} distinct values, too many to one-hot encode "
            f"(at most {MAX_KEPT_LEVELS}); drop it or encode it as numbers"
        )
    return Column(name, "category", levels=levels, missing_level=missing), ""


def _transform_column(column: Column, values, table, scaling, strict, report) -> np.ndarray:
    if column.kind == "category":
        return _one_hot(column, values, table, strict, report)
    if column.kind == "date":
        if values.dtype != object:
            values = np.array([None if np.isnan(v) else text_of(v) for v in values], dtype=object)
        parts, gaps = _date_parts(column.name, values, table)
    else:
        parts, gaps = _numbers(column.name, values, table)
        parts = parts[:, None]
    if gaps.any() and not column.indicator:
        if strict:
            i = int(np.flatnonzero(gaps)[0])
            raise GlassnetError(
                f"column {column.name!r} has a missing value at {table.place(i)}, which the "
                "training rows never had; fill it in (or drop --strict to fill it with the "
                "training median)"
            )
        report.filled[column.name] = int(gaps.sum())
    fill = np.asarray(column.fill)
    x = np.where(gaps[:, None], fill, parts)
    with np.errstate(over="ignore"):
        z = (x - np.asarray(column.center)) / np.asarray(column.scale)
    if scaling == "robust":
        z = smooth_clip(z)
    bad = ~np.isfinite(z)
    if bad.any():  # a value beyond float range once scaled: never a silent NaN
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise GlassnetError(
            f"column {column.name!r} at {table.place(i)} is too large for the plan's scaling "
            f"(center {column.center}, scale {column.scale}); check the value or the model file"
        )
    if column.indicator:
        z = np.concatenate([z, gaps[:, None].astype(np.float64)], axis=1)
    return z


def smooth_clip(z: np.ndarray) -> np.ndarray:
    """z / sqrt(1 + (z / CLIP)^2), computed on z clamped to +-CLAMP first so that no square
    overflows: beyond CLAMP the result is CLIP to within 5e-12 (so is the ONNX graph's)."""
    z = np.clip(z, -CLAMP, CLAMP)
    return z / np.sqrt(1.0 + (z / CLIP) ** 2)


def _numbers(name, values, table) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of a column that was numeric in training, and its missing rows; text is
    refused (type drift), never encoded."""
    if values.dtype != object:
        x = np.asarray(values, dtype=np.float64)
    else:
        x = np.full(len(values), np.nan)
        for i, v in enumerate(values):
            if v is None:
                continue
            number = _number(v)
            if number is None:
                raise GlassnetError(
                    f"column {name!r} was numeric in training but holds the text "
                    f"{text_of(v)!r} at {table.place(i)}; give a number, or leave the cell "
                    "empty (NA) for a missing value"
                )
            x[i] = number
    bad = np.isinf(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GlassnetError(
            f"column {name!r} has an infinite value at {table.place(i)}; give a finite number"
        )
    return x, np.isnan(x)


def _one_hot(column: Column, values, table, strict, report) -> np.ndarray:
    levels = column.levels
    lookup = {level: k for k, level in enumerate(levels)}
    width = len(levels) + column.missing_level
    block = np.zeros((len(values), width))
    unseen, first, filled = 0, None, 0
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            if column.missing_level:
                block[i, len(levels)] = 1.0
                continue
            if strict:
                raise GlassnetError(
                    f"column {column.name!r} has a missing value at {table.place(i)}, which the "
                    "training rows never had; fill it in (or drop --strict to encode it as no "
                    "known level)"
                )
            filled += 1
            continue
        k = lookup.get(text_of(v))
        if k is not None:
            block[i, k] = 1.0
            continue
        if strict:
            raise GlassnetError(
                f"column {column.name!r} has the value {text_of(v)!r} at {table.place(i)}, "
                f"which the training rows never had (its levels: {', '.join(levels[:20])}); "
                "give one of them, or drop --strict to encode it as no known level"
            )
        unseen += 1
        if first is None:
            first = (text_of(v), table.place(i))
    if unseen:
        report.unseen[column.name] = (unseen, *first)
    if filled:
        report.filled[column.name] = filled
    return block


__all__ = [
    "CLAMP",
    "CLIP",
    "MISSING_LEVEL",
    "MISSING_MARKERS",
    "SCALINGS",
    "Column",
    "Plan",
    "Report",
    "Table",
    "as_table",
    "check_columns",
    "smooth_clip",
    "is_frame",
    "text_of",
]
