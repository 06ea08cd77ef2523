"""Input normalization, the validation split and mini-batches.

Standardizer: x' = (x - mu) / sigma with mu and sigma computed on the training data only; the
same mu and sigma then transform validation, test and prediction data, so that every input goes
through one fixed map. The same Standardizer scales regression targets (y' = (y - mu_y) / sigma_y).

``split_rows`` is the one validation split of glassnet: ``gn.train(validation_split=...)``, the
command, the estimators, the sweep and the playground all hold out the rows it picks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .errors import GlassnetError
from .validation import check_fraction, check_X

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


def split_rows(
    m: int, fraction: float, seed: int | None, labels=None
) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, held-out rows), each sorted: round(m * fraction) rows held out at random.

    The generator is ``np.random.default_rng([seed, 1])`` (None: fresh entropy), so a given seed
    always holds out the same rows. With ``labels`` (one class label per row) the split is
    stratified: it walks one random permutation and holds out of each class its share of the
    held-out rows (largest remainders), so small classes are not left out by chance. At least one
    row stays on each side.
    """
    fraction = check_fraction(fraction, "validation_split", closed_low=False)
    n_val = int(round(m * fraction))
    if not 1 <= n_val < m:
        raise GlassnetError(
            f"validation_split={fraction} of {m} samples leaves no validation or no training "
            "data; use more data or another fraction"
        )
    order = np.random.default_rng(None if seed is None else [seed, 1]).permutation(m)
    if labels is None:
        held = order[:n_val]
    else:
        labels = np.asarray(labels)
        if labels.shape != (m,):
            raise GlassnetError(f"labels must have shape ({m},), got {labels.shape}")
        classes, counts = np.unique(labels, return_counts=True)
        quotas = counts * n_val / m
        shares = np.floor(quotas).astype(np.int64)
        extra = np.argsort(-(quotas - shares), kind="stable")[: n_val - shares.sum()]
        shares[extra] += 1
        index = np.searchsorted(classes, labels[order])
        rank = np.empty(m, np.int64)  # the position of each row among its class, in `order`
        for c in range(len(classes)):
            rows = index == c
            rank[rows] = np.arange(int(rows.sum()))
        held = order[rank < shares[index]]
    is_held = np.zeros(m, bool)
    is_held[held] = True
    return np.flatnonzero(~is_held), np.flatnonzero(is_held)


def kfold_rows(m: int, folds: int, seed: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """k-fold cross-validation: [(training rows, held-out rows)] for each of ``folds`` parts of
    one seeded permutation (``np.random.default_rng(seed)``), each part held out once."""
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= m:
        raise GlassnetError(f"cross-validation needs 2 to {m} folds, got {folds!r}")
    order = np.random.default_rng(seed).permutation(m)
    parts = np.array_split(order, folds)
    return [(np.sort(np.setdiff1d(order, part)), np.sort(part)) for part in parts]


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
