"""Training engines: functions that run one epoch of mini-batch steps on a network.

An engine is ``epoch(net, optimizer, X, Y, order, slices) -> list[float]``: for each slice s of
the permutation ``order`` it takes the batch X[order[s]], computes J and the gradients, and lets
the optimizer update the weights; it returns the batch costs and stops early at a non-finite one.
``reference`` ("numpy") is the readable NumPy engine; ``fused`` ("numba") compiles the whole epoch
into one loop and computes the same training run (tests/test_engine.py proves it). ``"auto"``
takes "numba" when numba and scipy are installed and the run is one it supports, else "numpy";
when the reason is an optimizer that the fused engine has no kernel for (engine/steps.py), it
says so once per optimizer class (a warning), and ``engine="numba"`` refuses it.

The engines know a network by its public contract only (``parameters()``, ``layers``,
``backprop``...) and import nothing from network.py, which sits above them: ``Network``'s
``predict_proba`` and ``predict`` call ``forward`` here.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable

import numpy as np

from ..errors import GlassnetError
from ..validation import pick
from . import reference

Epoch = Callable[..., list[float]]


def numba_epoch(net, optimizer, X, Y, order, slices) -> list[float]:
    """The fused engine's epoch (numba is imported on first use only)."""
    from . import fused

    return fused.epoch(net, optimizer, X, Y, order, slices)


ENGINES = {"numpy": reference.epoch, "numba": numba_epoch}


def numba_unsupported(net, optimizer=None) -> str | None:
    """Why engine="numba" cannot run this training, or without an optimizer this network's
    forward pass (None when it can)."""
    try:
        from . import fused
    except ImportError as error:
        return (
            f'it needs numba and scipy ({error}); install them with `pip install "glassnet[fast]"`'
        )
    return fused.unsupported(net, optimizer)


def select(name: str, net, optimizer) -> Epoch:
    """The epoch function for ``engine=name``: "numpy", "numba", or "auto" for the fastest."""
    if isinstance(name, str) and name.lower() == "auto":
        if numba_unsupported(net, optimizer) is None:
            return numba_epoch
        note_uncovered(optimizer)
        return reference.epoch
    epoch = pick(name, {"auto": None, **ENGINES}, "engine")
    if epoch is numba_epoch:
        reason = numba_unsupported(net, optimizer)
        if reason is not None:
            raise GlassnetError(
                f'engine="numba" cannot train this network: {reason}. Use engine="numpy" '
                '(or engine="auto", which picks the fastest engine that can)'
            )
    return epoch


NOTED: set[type] = set()  # the optimizer classes whose fallback has been noted


def note_uncovered(optimizer) -> None:
    """Warn, once per optimizer class, that engine="auto" trains with the NumPy engine because the
    fused engine has no kernel for this optimizer (nothing when numba is missing: that is no news
    about the optimizer)."""
    cls = type(optimizer)
    if optimizer is None or cls in NOTED:
        return
    try:
        from . import fused
    except ImportError:
        return
    reason = fused.uncovered(optimizer)
    if reason is not None:
        NOTED.add(cls)
        warnings.warn(
            f'engine="auto" trains with the NumPy engine: the fused engine {reason}. To run it '
            "there, register its kernel in glassnet/engine/steps.py (ARCHITECTURE.md, "
            '"Adding things"); engine="numpy" says no more',
            stacklevel=3,
        )


def forward(net, X) -> np.ndarray:
    """A[L] = the network's output for X in prediction mode, like ``net.forward(X)`` but without
    keeping the layer caches: one compiled pass (BLAS products, in-place activations, reused
    buffers) when numba can run the network, else the network's own NumPy forward pass. X is
    validated first."""
    A = compiled(net, X)
    return A if A is not None else net.propagate(net.check_X(X))


def compiled(net, X, logits: bool = False) -> np.ndarray | None:
    """A[L] (or with ``logits`` Z[L]) for X by the compiled forward pass, in the network's dtype;
    None when numba cannot run the network. X is validated (check_X's errors)."""
    predictor = _predictor(net)
    if predictor is None:
        return None
    if _ready(net, X):  # finiteness is checked in the compiled pass
        A = predictor(net, X, logits)
        if A is not None:
            return A
    return predictor(net, net.check_X(X), logits)  # converted, or the error that names the fault


def _ready(net, X) -> bool:
    """X is already what check_X returns, but for its finiteness: a C-contiguous (m, n_0) array
    of the network's dtype with m > 0 (the test costs a microsecond; check_X several)."""
    return (
        type(X) is np.ndarray
        and X.dtype == net.dtype
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] == net.sizes[0]
        and X.flags.c_contiguous
    )


def _predictor(net):
    """The fused engine's Predictor of the network, or None when numba cannot run its forward
    pass; remembered while the network's layers, arrays, activations and normalizations stay the
    same objects (a latency of microseconds is the point of W5, so the test looks at them
    directly)."""
    key = [net.dtype, id(net.output), id(net.loss)]
    for layer in net.layers:
        norm = layer.norm
        key += (id(layer), id(layer.W), id(layer.b), id(layer.activation), id(norm))
        if norm is not None:
            key += (id(norm.gamma), id(norm.beta), id(norm.running_mean), id(norm.running_var))
    cached = _predictors.get(net)
    if cached is None or cached[0] != key:
        predictor = None
        if numba_unsupported(net) is None:
            from . import fused

            predictor = fused.Predictor(net)
        cached = _predictors[net] = (key, predictor)
    return cached[1]


_predictors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def predict_proba(net, X) -> np.ndarray:
    """``net.predict_proba(X)`` through ``forward``: shape (m,) for one output unit."""
    A = forward(net, X)
    return A[:, 0] if A.shape[1] == 1 else A
