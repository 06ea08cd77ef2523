"""Tables from files: CSV and TSV (pandas' C parser under a thin layer of precise errors),
Parquet (pyarrow) and Excel (openpyxl), read into a ``Raw`` whose ``table`` holds the raw input
columns for a ``tables.Plan``.

A CSV file is read as people have them: the encoding, the delimiter, the header row and a
leading unnamed index column (pandas' ``to_csv``) are detected and said (``notes``). A cell is
missing when it is empty or one of pandas' missing markers (``NA``, ``NaN``, ``n/a``, ``null``,
..., ``tables.MISSING_MARKERS``) or a marker given with ``na_values``; a column whose present
cells are all numbers is numeric, any other is text. Rows without a target value are dropped
and said (how many, which lines). A broken file is an error naming its place: an unclosed
quote, a row with too many or too few fields, a NUL byte (a binary file).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import GlassnetError
from ..tables import MISSING_MARKERS, Table, as_table
from .raw import DATA_EXTRA, Raw

DELIMITERS = (",", ";", "\t", "|")
FRAME_SUFFIXES = (".parquet", ".pq", ".xlsx", ".xls")
_SNIFF_LINES = 50
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SHOWN_LINES = 10  # lines listed in a note


def read_csv(
    path: Path,
    target: str | None,
    n_features: int | None,
    target_hint: str | None = None,
    columns: list[str] | None = None,
    na_values: Sequence[str] = (),
    labels: bool = True,
    known: Sequence[str] = (),
) -> Raw:
    """A CSV file as a ``Raw`` with the raw input columns in ``table`` (``columns``: a
    model's inputs by name, which the file must have; other columns are ignored and said).
    ``labels=False`` (rows to predict) reads no label: a target column is left out, and no
    row is dropped. ``known`` are columns the model knows it does not use (those its plan
    dropped), which are not said to be ignored."""
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
    missing_marks = MISSING_MARKERS | {str(v) for v in na_values}

    label_column = _target_column(path, header, target, target_hint, n_features, columns)
    y = kind = None
    if label_column is not None and labels:
        values = [row[label_column] for row in cells]
        empty = [i for i, v in enumerate(values) if v in missing_marks]
        if len(empty) == len(values):
            raise GlassnetError(
                f"the target column {header[label_column]!r} of {path} has no value in any row; "
                "choose the target with --target"
            )
        if empty:
            shown = ", ".join(str(lines[i]) for i in empty[:_SHOWN_LINES])
            more = " ..." if len(empty) > _SHOWN_LINES else ""
            notes.append(
                f"dropped {len(empty)} row(s) without a target value (line(s) {shown}{more})"
            )
            kept = [i for i in range(len(cells)) if i not in set(empty)]
            cells = [cells[i] for i in kept]
            lines = [lines[i] for i in kept]
            values = [values[i] for i in kept]

        def at(i: int) -> str:
            return f"line {lines[i]} of {path}"

        y = _labels_from_text(values, at)
        kind = _target_kind(values, y)

    def where(i: int) -> str:
        return f"line {lines[i]} of {path}"

    features = [j for j in range(width) if j != label_column]
    if columns is not None:
        features = _model_columns(path, header, columns, features, notes, known)
    if not features:
        raise GlassnetError(
            f"CSV {path} has no feature columns besides the label column "
            f"{header[label_column]!r}; a CSV needs input columns and a label column"
        )
    raw_columns = [_typed([row[j] for row in cells], missing_marks) for j in features]
    table = Table([header[j] for j in features], raw_columns, where)
    raw = _table_raw(path, table, y, kind, header, label_column, notes)
    raw.records = (list(header), cells)  # the rows read, as written
    return raw


def read_frame(
    path: Path,
    target: str | None,
    n_features: int | None,
    target_hint: str | None = None,
    columns: list[str] | None = None,
    labels: bool = True,
    known: Sequence[str] = (),
) -> Raw:
    """A Parquet or Excel file (pandas with pyarrow or openpyxl) as a ``Raw`` like read_csv's."""
    try:
        import pandas as pd
    except ImportError:
        raise GlassnetError(f"reading {path} needs pandas: {DATA_EXTRA}") from None
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        frame = pd.read_parquet(path) if parquet else pd.read_excel(path)
    except ImportError as e:
        package = "pyarrow" if parquet else "openpyxl"
        raise GlassnetError(
            f"reading {path} needs {package} ({e}); pip install {package}"
        ) from None
    except Exception as e:  # noqa: BLE001 - any parser failure is the file's problem
        raise GlassnetError(f"cannot read {path}: {' '.join(str(e).split())}") from None
    header = [str(c) for c in frame.columns]
    if not header or len(frame) == 0:
        raise GlassnetError(f"{path} holds no rows; it needs a header row and data rows")
    if len(set(header)) != len(header):
        repeated = next(name for name in header if header.count(name) > 1)
        raise GlassnetError(f"{path} has two columns named {repeated!r}; rename one")
    frame.columns = header
    notes = []
    rows = np.arange(len(frame))
    label_column = _target_column(path, header, target, target_hint, n_features, columns)
    y = kind = None
    if label_column is not None and labels:
        name = header[label_column]
        present = ~np.asarray(frame[name].isna(), dtype=bool)
        if not present.any():
            raise GlassnetError(f"the target column {name!r} of {path} has no value in any row")
        if not present.all():
            notes.append(f"dropped {int((~present).sum())} row(s) without a target value")
            rows = rows[present]
            frame = frame[present]
        values = frame[name].to_numpy()
        texts = [str(v) for v in values]
        y = values if values.dtype.kind in "biuf" else np.array(texts)
        kind = _target_kind(texts, y)

    def where(i: int) -> str:
        return f"row {int(rows[i]) + 1} of {path}"

    features = [j for j in range(len(header)) if j != label_column]
    if columns is not None:
        features = _model_columns(path, header, columns, features, notes, known)
    table = as_table(frame.iloc[:, features], where)
    return _table_raw(path, table, y, kind, header, label_column, notes)


def _table_raw(path, table: Table, y, kind, header, label_column, notes) -> Raw:
    """The Raw of a table's input columns and its labels (None: rows to predict)."""
    return Raw(
        X=None,
        y=y,
        source=str(path),
        feature_names=list(table.names),
        target=None if y is None else header[label_column],
        where=table.where,
        notes=notes,
        target_kind=kind,
        table=table,
    )


def _model_columns(path, header, columns, features, notes, known=()) -> list[int]:
    """The model's input columns, by name: a missing one is an error, others are ignored."""
    missing = [name for name in columns if name not in header]
    if missing:
        raise GlassnetError(
            f"{path} has no column {missing[0]!r}, an input of the model (its inputs: "
            f"{', '.join(columns)}); give the columns it was trained on, by name"
        )
    extra = [header[j] for j in features if header[j] not in columns and header[j] not in known]
    if extra:
        notes.append(f"ignored the column(s) the model does not use: {', '.join(extra[:10])}")
    return [header.index(name) for name in columns]


def _typed(values: list[str], missing: frozenset | set) -> np.ndarray:
    """A column of cells: float64 (NaN where missing) when every present cell is a number, else
    an object array of text (None where missing)."""
    present = [None if v in missing else v for v in values]
    numbers = [_number(v) for v in present if v is not None]
    if all(n is not None for n in numbers):
        return np.array([np.nan if v is None else float(v) for v in present], dtype=np.float64)
    return np.array(present, dtype=object)


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
        line, column = place(text, text.index("\x00"), delimiter)
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
        unclosed = unclosed_quote(text, delimiter)
        if "EOF inside string" in str(e) and unclosed is not None:
            line, column = place(text, unclosed, delimiter)
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


def unclosed_quote(text: str, delimiter: str) -> int | None:
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


def place(text: str, index: int, delimiter: str) -> tuple[int, int]:
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


def _target_column(path, header, target, target_hint, n_features, columns) -> int | None:
    """The label column: ``target`` by name or by number (1 is the first column, -1 the
    last); else the model's (``target_hint``); else, for a model's inputs (``columns``),
    none: the rows are to be predicted; else the last column."""
    if target is not None:
        if target in header:
            return header.index(target)
        number = _number(target)
        if number is not None and number == int(number) and 1 <= abs(number) <= len(header):
            return int(number) - 1 if number > 0 else len(header) + int(number)
        raise GlassnetError(
            f"{path} has no column {target!r}; its columns are: {', '.join(header)} (or "
            f"give a column number, 1 to {len(header)})"
        )
    if target_hint is not None and target_hint in header:
        return header.index(target_hint)
    if columns is not None:
        return None  # the model's inputs, without its target: data to predict
    if columns is None and n_features is not None and len(header) == n_features:
        return None
    return len(header) - 1


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


def _target_kind(values: list[str], y: np.ndarray) -> str:
    """How the labels were written: "text", "integer" (whole numbers written as such) or
    "decimal" (numbers with a point or an exponent, as a float target is, even when whole)."""
    if y.dtype.kind not in "iuf":
        return "text"
    decimal = any(("." in v or "e" in v.lower()) for v in values)
    return "decimal" if decimal or y.dtype.kind == "f" else "integer"
