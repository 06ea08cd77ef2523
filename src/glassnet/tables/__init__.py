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

The package needs NumPy only: ``table.py`` (raw columns, ``as_table``), ``columns.py`` (each
column's rules), ``plan.py`` (the fitted plan, as data); a pandas DataFrame is read through its
public methods, without importing pandas.
"""


from .columns import (
    CLAMP,
    CLIP,
    MISSING_LEVEL,
    SCALINGS,
    Column,
    Report,
    check_columns,
    smooth_clip,
)
from .plan import Plan
from .table import MISSING_MARKERS, Table, as_table, is_frame, text_of

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
    "is_frame",
    "smooth_clip",
    "text_of",
]
