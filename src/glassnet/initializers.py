"""Weight initializers, by their names in the literature. Biases always start at zero.

Each draws W[l] ~ N(0, Var) with shape (n_out, n_in) = (n_l, n_{l-1}):

=========  ======================  =================================================
name       Var(W)                  reference and use
=========  ======================  =================================================
lecun      1 / n_in                LeCun et al. 1998, "Efficient BackProp"; sigmoid, tanh
he         2 / n_in                He et al. 2015, "Delving Deep into Rectifiers"; ReLU
glorot     2 / (n_in + n_out)      Glorot & Bengio 2010 (alias ``xavier``); tanh
normal(s)  s^2                     the lecture's ``randn * 0.01`` is ``normal(0.01)``
zeros      0                       every unit stays identical: symmetry is never broken
=========  ======================  =================================================

A note on names: the lecture calls sqrt(1/n_{l-1}) "Xavier initialization for tanh"; that
variance is LeCun's. Glorot and Bengio's (Xavier's) formula is the one the lecture also shows,
sqrt(2 / (n_l + n_{l-1})). glassnet names each by its origin.

``auto`` follows the lecture: he for ReLU, lecun for sigmoid, tanh and identity.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import GlassnetError


@dataclass(frozen=True)
class Initializer:
    """W ~ N(0, variance(n_in, n_out)), drawn in float64 and then cast (same seed, same W)."""

    name: str
    variance: Callable[[int, int], float]

    def __reduce__(self):  # pickled by name: normal(s) carries its scale in the name
        return (get, (self.name, ""))

    def __call__(self, n_in: int, n_out: int, rng: np.random.Generator, dtype=np.float32):
        std = np.sqrt(self.variance(n_in, n_out))
        return (rng.standard_normal((n_out, n_in)) * std).astype(dtype)

    def __repr__(self) -> str:
        return self.name


lecun = Initializer("lecun", lambda n_in, n_out: 1.0 / n_in)
he = Initializer("he", lambda n_in, n_out: 2.0 / n_in)
glorot = Initializer("glorot", lambda n_in, n_out: 2.0 / (n_in + n_out))
xavier = glorot
zeros = Initializer("zeros", lambda n_in, n_out: 0.0)


def normal(scale: float = 0.01) -> Initializer:
    """W ~ N(0, scale^2); ``normal(0.01)`` is the lecture's ``np.random.randn(...) * 0.01``."""
    if not np.isfinite(scale) or scale < 0:
        raise GlassnetError(f"normal(scale) needs a finite scale >= 0, got {scale!r}")
    return Initializer(f"normal({scale!r})", lambda n_in, n_out: float(scale) ** 2)


INITIALIZERS = {"lecun": lecun, "he": he, "glorot": glorot, "xavier": glorot, "zeros": zeros}
AUTO = {"relu": he, "sigmoid": lecun, "tanh": lecun, "identity": lecun}


def get(init: str | Initializer, activation: str) -> Initializer:
    """The initializer for a name ("auto", "he", "normal(0.01)", ...) and a hidden activation."""
    if isinstance(init, Initializer):
        return init
    if not isinstance(init, str):
        raise GlassnetError(f"init must be a name or an Initializer, got {init!r}")
    key = init.strip().lower()
    if key == "auto":
        return AUTO.get(activation, lecun)
    if key in INITIALIZERS:
        return INITIALIZERS[key]
    match = re.fullmatch(r"normal(?:\(([^)]*)\)|:(.*))?", key)
    if match:
        text = match.group(1) or match.group(2)
        try:
            return normal(float(text)) if text else normal()
        except ValueError:
            raise GlassnetError(
                f"normal needs a numeric scale, e.g. 'normal(0.01)'; got {init!r}"
            ) from None
    valid = "auto, " + ", ".join(sorted(INITIALIZERS)) + ", normal(scale)"
    raise GlassnetError(f"unknown initializer {init!r}; choose one of: {valid}")
