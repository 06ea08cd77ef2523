"""A table's raw columns, as a file or a DataFrame has them: ``Table``, and ``as_table`` for a
pandas DataFrame (read through its public methods, without importing pandas) or a mapping.

Numbers are float64 arrays (NaN where a value is missing); anything else is an object array of
text (None where missing). A cell is missing when it is empty or one of pandas' markers
(``MISSING_MARKERS``, as ``read_csv`` knows them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import GlassnetError

# pandas' default missing-value markers (read_csv's na_values), which a text cell may hold
MISSING_MARKERS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
)  # fmt: skip


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
    values = series.to_numpy(dtype=object)  # datetimes too: their text is ISO, a date
    return _text_column(values, missing)


def _raw_column(values) -> np.ndarray:
    """A column of a mapping: numbers (None or NaN missing) as float64, else text; a list is
    read value by value (NumPy would turn [1, "x"] into the texts "1" and "x")."""
    array = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)
    if array.ndim != 1:
        raise GlassnetError(f"a table's column must be 1-D; got shape {array.shape}")
    if array.dtype.kind in "iuf":
        return array.astype(np.float64)
    array = array.astype(object)
    if all(v is None or (number_of(v) is not None and not isinstance(v, str)) for v in array):
        return np.array([np.nan if v is None else float(v) for v in array], dtype=np.float64)
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


def numbers_if_all(values: np.ndarray) -> np.ndarray:
    """An object column as float64 when every value is a number, else as it is."""
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        return values


def number_of(v) -> float | None:
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
