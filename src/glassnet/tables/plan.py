"""The fitted preprocessing plan of a table: ``Plan.fit`` on the training rows, ``transform``
for any later rows, and the plan as plain data (``to_dict``, ``from_dict``) for the model file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import GlassnetError
from .columns import (
    DATE_PARTS,
    KINDS,
    MAX_KEPT_LEVELS,
    SCALINGS,
    Column,
    Report,
    fit_column,
    transform_column,
)
from .table import Table, as_table, is_frame, numbers_if_all


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
            column, reason = fit_column(name, values, table, scaling, name in keep)
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
        return as_table({name: numbers_if_all(rows[:, j]) for j, name in enumerate(self.inputs)})

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
            transform_column(c, table.column(c.name), table, self.scaling, strict, report)
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
