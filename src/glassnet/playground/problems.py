"""The playground's regression problems and input features, as TensorFlow Playground has them.

Regression problems: points x uniform in [-1, 1]^2 with a target y in about [-1, 1]:

    plane           y = (x1 + x2) / 2
    multi_gaussian  y = sum_k s_k exp(-||x - c_k||^2 / (2 * 0.3^2)), six centres c_k with signs
                    s_k = +1 or -1, clipped to [-1, 1]

plus ``noise / 2`` times a standard normal. The classification problems are
``glassnet.datasets.TWO_D``'s.

Input features: the network's inputs are computed from the raw (x1, x2) of a point before
standardization: x1, x2, x1^2, x2^2, x1 x2, sin x1, sin x2, any non-empty subset of them.
"""

from __future__ import annotations

import numpy as np


def plane(m: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (m, 2))
    y = (X[:, 0] + X[:, 1]) / 2 + noise / 2 * rng.standard_normal(m)
    return X, y


GAUSSIANS = (  # (c1, c2, sign)
    (-0.5, -0.5, 1.0),
    (0.5, 0.5, 1.0),
    (-0.5, 0.5, -1.0),
    (0.5, -0.5, -1.0),
    (0.0, 0.0, 1.0),
    (0.0, 0.9, -1.0),
)


def multi_gaussian(m: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (m, 2))
    y = np.zeros(m)
    for c1, c2, sign in GAUSSIANS:
        y += sign * np.exp(-((X[:, 0] - c1) ** 2 + (X[:, 1] - c2) ** 2) / (2 * 0.3**2))
    y = np.clip(y, -1, 1) + noise / 2 * rng.standard_normal(m)
    return X, y


REGRESSION = {"plane": plane, "multi_gaussian": multi_gaussian}

FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def features(X: np.ndarray, names) -> np.ndarray:
    """The columns ``names`` (in FEATURES' order) computed from the raw points X (m, 2)."""
    x1, x2 = X[:, 0], X[:, 1]
    return np.stack([FEATURES[name](x1, x2) for name in names], axis=1)
