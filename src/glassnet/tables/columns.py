"""What one column of a table becomes: the rules of the plan, column by column.

``fit_column`` learns a ``Column`` from the training rows (or says why the column is dropped);
``transform_column`` turns new rows of it into network inputs, noting in a ``Report`` what it
met (levels never seen, gaps training never had) and refusing what would be a wrong answer
(text in a column that was numeric in training, a date that is not one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import GlassnetError
from .table import Table, number_of, text_of

SCALINGS = ("robust", "standard", "none")
KINDS = ("number", "date", "category")
MISSING_LEVEL = "(missing)"  # the name of a category column's missing level
MAX_LEVELS = 100  # distinct text values one-hot encoded without being asked
MAX_KEPT_LEVELS = 10_000  # ... and when asked for (``keep``)
MIN_ROWS_FOR_ID = 20  # fewer rows than this prove nothing about a column being an id
CLIP = 3.0  # robust scaling's smooth clipping: z / sqrt(1 + (z / CLIP)^2) stays in (-3, 3)
CLAMP = 1e6  # |z| beyond this is clipped to 3 all the same; no square of it overflows
DATE_PARTS = ("year", "month", "day", "weekday")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_OTHER_DATE = re.compile(
    r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}/\d{1,2}/\d{1,2}|"
    r"\d{1,2} ?[A-Za-z]{3,9},? ?\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4})$"
)
_ID_NAME = re.compile(r"(^|[^a-z])(id|ids|uuid|guid|key)$|^id[^a-z]|identifier", re.IGNORECASE)


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


# ---- one column -----------------------------------------------------------------------------


def fit_column(name, values, table, scaling, keep) -> tuple[Column | None, str]:
    """(the column's plan, "") or (None, why it is dropped)."""
    m = len(values)
    if values.dtype == object:
        present = [i for i, v in enumerate(values) if v is not None]
        if not present:
            return None, "every value is missing"
        numbers = [number_of(values[i]) for i in present]
        if all(x is not None for x in numbers):  # text cells that all hold numbers: numbers
            column = np.full(m, np.nan)
            column[present] = numbers
            return _fitnumber_of(name, column, table, scaling, keep)
        check_not_mixed(name, values, table)
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
    return _fitnumber_of(name, np.asarray(values, dtype=np.float64), table, scaling, keep)


def check_columns(table: Table) -> None:
    """Refuse a column of numbers with a few stray texts in it (a typo, or a missing-value
    marker pandas does not know), naming the first: such a column is neither numbers nor
    categories. ``recipe.build`` checks the whole table, before it is split."""
    for name, values in zip(table.names, table.columns):
        if values.dtype == object:
            check_not_mixed(name, values, table)


def check_not_mixed(name: str, values: np.ndarray, table: Table) -> None:
    present = [i for i, v in enumerate(values) if v is not None]
    numbers = [number_of(values[i]) for i in present]
    text = [i for i, x in zip(present, numbers) if x is None]
    if text and len(text) < len(present) and len(text) <= 0.1 * len(present):
        i, j = text[0], next(i for i, x in zip(present, numbers) if x is not None)
        raise GlassnetError(
            f"column {name!r} holds numbers ({text_of(values[j])!r} at {table.place(j)}) and "
            f"the text {text_of(values[i])!r} at {table.place(i)} ({len(text)} such cell(s)); "
            "correct those cells, or, if the text marks a missing value, name it with "
            "--na-values (na_values=)"
        )


def _fitnumber_of(name, x, table, scaling, keep) -> tuple[Column | None, str]:
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


def transform_column(column: Column, values, table, scaling, strict, report) -> np.ndarray:
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
            number = number_of(v)
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
