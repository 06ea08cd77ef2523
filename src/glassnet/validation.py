"""Input checks done once, at the public boundary; the numerics inside trust their inputs."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np

from .errors import GlassnetError, GlassnetTypeError


def check_X(
    X,
    *,
    n_features: int | None = None,
    dtype=None,
    name: str = "X",
    expected_by: str = "the network's input layer",
) -> np.ndarray:
    """Return X as a finite 2-D float array of shape (m, n), or raise a GlassnetError."""
    X = _numeric_array(X, name)
    if X.ndim != 2:
        hint = " (use X.reshape(-1, 1) for a single feature)" if X.ndim == 1 else ""
        raise GlassnetError(
            f"{name} must be 2-D with samples as rows, shape (m, n_features); got shape "
            f"{X.shape}{hint}"
        )
    if X.shape[0] == 0:
        raise GlassnetError(f"{name} is empty: it has no samples (shape {X.shape})")
    if X.shape[1] == 0:
        raise GlassnetError(f"{name} has no features (shape {X.shape})")
    if n_features is not None and X.shape[1] != n_features:
        if X.shape[0] == n_features:  # the lecture's layout, samples as columns
            raise GlassnetError(
                f"{name} has {X.shape[1]} features but {expected_by} has {n_features}; {name} "
                f"of shape {X.shape} looks transposed: the lecture stacks samples as columns, "
                f"glassnet as rows (m, n_features), so pass {name}.T"
            )
        raise GlassnetError(
            f"{name} has {X.shape[1]} features but {expected_by} has {n_features}; "
            "use data with the same columns as the training data"
        )
    _check_finite(X, name)
    if dtype is not None:
        X = np.ascontiguousarray(X, dtype=dtype)
    elif not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X


def check_targets(y, m: int, n_outputs: int, *, kind: str, name: str = "y") -> np.ndarray:
    """Return y as shape (m, n_outputs).

    ``kind`` is the loss's: "binary" targets must be 0 or 1; "categorical" targets are integer
    class labels 0..K-1 of shape (m,), turned into one-hot rows, or one-hot rows already;
    "continuous" targets are any finite numbers.
    """
    y = _numeric_array(y, name)
    if y.ndim == 0 or y.ndim > 2:
        raise GlassnetError(f"{name} must have shape ({m},) or ({m}, {n_outputs}); got {y.shape}")
    if y.shape[0] != m:
        raise GlassnetError(
            f"{name} has {y.shape[0]} labels but X has {m} samples; they must match"
        )
    _check_finite(y, name)
    if kind == "categorical" and y.ndim == 1:
        if not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= n_outputs:
            bad = y[(y != np.round(y)) | (y < 0) | (y >= n_outputs)][0].item()
            raise GlassnetError(
                f"{name} contains the label {bad!r}, but a softmax output with {n_outputs} units "
                f"needs integer class labels 0 to {n_outputs - 1} (or one-hot rows)"
            )
        return np.eye(n_outputs)[y.astype(np.int64)]
    if y.ndim == 1:
        y = y.reshape(m, 1)
    if y.shape[1] != n_outputs:
        raise GlassnetError(
            f"{name} has {y.shape[1]} column(s) but the network has {n_outputs} output units; "
            f"give {name} the shape ({m}, {n_outputs})"
            + (f" or ({m},)" if n_outputs == 1 or kind == "categorical" else "")
        )
    if kind in ("binary", "categorical"):
        bad = (y != 0) & (y != 1)
        if bad.any():
            value = y[bad].flat[0].item()
            need = (
                "a sigmoid output needs labels 0 or 1"
                if kind == "binary"
                else ("one-hot rows must hold only 0 and 1")
            )
            raise GlassnetError(
                f"{name} contains the label {value!r}, but {need}; map your classes to 0 and 1 "
                "first (the glassnet command and GlassClassifier do this for you)"
            )
        if kind == "categorical" and not np.all(y.sum(axis=1) == 1):
            raise GlassnetError(f"{name}: every one-hot row must contain exactly one 1")
    return y


def check_positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise GlassnetTypeError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise GlassnetError(f"{name} must be > 0, got {value!r}")
    return float(value)


def check_fraction(value, name: str, *, closed_low: bool = True) -> float:
    """A number in [0, 1) (or (0, 1) when closed_low is False)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise GlassnetTypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not (0 <= value < 1) or (not closed_low and value == 0):
        low = "[0" if closed_low else "(0"
        raise GlassnetError(f"{name} must be in {low}, 1), got {value!r}")
    return float(value)


def check_count(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise GlassnetTypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise GlassnetError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_layer_sizes(sizes: Iterable) -> list[int]:
    try:
        sizes = list(sizes)
    except TypeError:
        raise GlassnetTypeError(
            f"layer sizes must be a list of integers such as [12288, 20, 7, 5, 1], got {sizes!r}"
        ) from None
    if len(sizes) < 2:
        raise GlassnetError(
            f"a network needs at least an input and an output size, e.g. [n_features, 1]; "
            f"got {sizes!r}"
        )
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, Integral):
            raise GlassnetTypeError(f"layer size {i} must be an integer, got {n!r} in {sizes!r}")
        if n < 1:
            raise GlassnetError(f"layer size {i} must be >= 1, got {n!r} in {sizes!r}")
    return [int(n) for n in sizes]


def pick(name, choices: dict, what: str):
    """Look a name up in ``choices`` or raise an error that lists the valid names."""
    if not isinstance(name, str):
        return name
    try:
        return choices[name.lower()]
    except KeyError:
        valid = ", ".join(sorted(choices))
        raise GlassnetError(f"unknown {what} {name!r}; choose one of: {valid}") from None


def _numeric_array(a, name: str) -> np.ndarray:
    try:
        a = np.asarray(a)
    except (ValueError, TypeError) as e:  # ragged lists and the like
        raise GlassnetTypeError(f"{name} could not be read as a numeric array: {e}") from None
    if a.dtype == bool:
        return a.astype(np.float64)
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise GlassnetTypeError(
            f"{name} must be numeric, got dtype {a.dtype}; convert text columns to numbers "
            "first (or, for labels, let the glassnet command or GlassClassifier map them)"
        )
    return a


def _check_finite(a: np.ndarray, name: str) -> None:
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        bad = ~np.isfinite(a)
        row = int(np.argwhere(bad)[0][0])
        kind = "NaN" if np.isnan(a).any() else "infinite"
        raise GlassnetError(
            f"{name} contains {int(bad.sum())} {kind} value(s) (first in row {row}); "
            "remove or impute them before training"
        )
