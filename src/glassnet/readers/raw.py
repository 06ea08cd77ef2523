"""What a format reader found, before the labels are encoded: one ``Raw`` per source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..tables import Table

DATA_EXTRA = 'pip install "glassnet[data]"'


@dataclass
class Raw:
    """What a format reader found, before the labels are encoded: ``X`` numeric rows (arrays,
    images) or ``table`` raw columns (CSV, Parquet, Excel), and the labels ``y``."""

    X: np.ndarray | None
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
    target_kind: str | None = None  # "text", "integer" or "decimal": how the labels were written
    table: Table | None = None  # a file's raw input columns, for a tables.Plan
    records: tuple[list[str], list[list[str]]] | None = None  # (header, rows) as written
