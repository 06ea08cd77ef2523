"""Input normalization and mini-batches.

Standardizer: x' = (x - mu) / sigma with mu and sigma computed on the training data only; the
same mu and sigma then transform validation, test and prediction data, so that every input goes
through one fixed map.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .errors import GlassnetError
from .validation import check_X

_FITTED = "the Standardizer (fitted on the training data)"


class Standardizer:
    """``fit(X_train)`` learns ``mean_`` and ``std_``; ``transform(X)`` applies them.

    A feature with zero standard deviation (constant in the training data) is only centered,
    never divided by zero.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X) -> Standardizer:
        X = check_X(X)
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        self.std_ = X.std(axis=0, dtype=np.float64)
        return self

    @property
    def n_features(self) -> int:
        self._check_fitted()
        return len(self.mean_)

    def transform(self, X) -> np.ndarray:
        """(X - mean_) / std_ in X's float precision (float32 stays float32)."""
        self._check_fitted()
        X = check_X(X, n_features=len(self.mean_), expected_by=_FITTED)
        dtype = np.result_type(X.dtype, np.float32)  # computed in that precision: no
        scale = np.where(self.std_ > 0, self.std_, 1.0).astype(dtype)  # float64 temporaries
        return (X.astype(dtype, copy=False) - self.mean_.astype(dtype)) / scale

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = check_X(X, n_features=len(self.mean_), expected_by=_FITTED)
        return X * np.where(self.std_ > 0, self.std_, 1.0) + self.mean_

    def _check_fitted(self) -> None:
        if self.mean_ is None:
            raise GlassnetError("this Standardizer is not fitted yet: call fit(X_train) first")

    def __repr__(self) -> str:
        state = "unfitted" if self.mean_ is None else f"{len(self.mean_)} features"
        return f"Standardizer({state})"


def batch_slices(m: int, batch_size: int | None) -> list[slice]:
    """The slices of one epoch: full batches of ``batch_size`` and a smaller last one if any."""
    size = m if batch_size is None or batch_size >= m else batch_size
    return [slice(start, min(start + size, m)) for start in range(0, m, size)]


def minibatches(
    X: np.ndarray, Y: np.ndarray, batch_size: int | None, rng: np.random.Generator | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_t, Y_t) of one epoch, after a random permutation of the rows when rng is given."""
    order = rng.permutation(len(X)) if rng is not None else None
    for s in batch_slices(len(X), batch_size):
        if order is None:
            yield X[s], Y[s]
        else:
            yield X[order[s]], Y[order[s]]
