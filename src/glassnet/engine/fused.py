"""The fused engine: one compiled loop over all mini-batches of an epoch, on buffers made once.

It computes network.py's formulas (samples are rows, W[l] has shape (n_l, n_{l-1})):

    forward    Z[l] = A[l-1] W[l]^T + b[l]           A[l] = g(Z[l])   (in place in one buffer)
               batch norm   Z~ = gamma (Z - mu) / sqrt(var + eps) + beta,  A[l] = g(Z~)
               dropout      A[l] <- A[l] * mask / keep,  mask = (u < keep), u drawn in Python
    output     A[L] = g(Z[L])   J = (1/m) sum_i L(Z[L]_i, Y_i) (+ (lambda / 2m) sum ||W||^2)
                                                      (+ (lambda1 / m) sum |W|)
               dZ[L] = A[L] - Y   (sigmoid, softmax or identity: one pass)
    backward   dZ[l-1] = (dZ[l] W[l]) * mask / keep * g'(A[l-1])  (from the cached output A)
               batch norm first: dZ = (gamma / sqrt(var + eps))
                                          (dZ~ - mean(dZ~) - Z_norm mean(dZ~ Z_norm))
    gradient   dW = (1/m) dZ^T A[l-1] (+ (lambda / m) W) (+ (lambda1 / m) sign(W))
               db = (1/m) sum_i dZ_i
    update     the optimizer's kernel on (param, gradient, slots, hyper-parameters, t)

The engine is four modules below this one, which is its public face (``epoch``,
``unsupported``, ``Predictor``): engine/kernels.py (activations, batch norm, dropout, a layer's
products, the penalties, the cost and dZ[L]), engine/steps.py (each optimizer's update kernel,
registered by name in ``STEPS``, and momentum's update with dW folded in), engine/epoch.py (the
compiled forward pass, prediction and epoch, on named tuples of arrays) and
engine/workspace.py (the buffers, made once per network and batch size).

For GradientDescent and Momentum without L2 or L1 the gradient is never materialized:
(1/m) dZ^T A_prev is folded into one gemm C = alpha op(A) op(B) + beta C that writes straight
into V (or W). Each layer's products go to BLAS when the layer is large
(m n_in n_out >= BLAS_THRESHOLD); a small layer runs plain compiled loops, where a BLAS call
would cost more than its arithmetic. A batch of one row goes through gemv. The rows X[order[s]]
of a mini-batch are gathered inside the loop into a preallocated buffer.

Dropout masks come from the network's own generator ``net.dropout_rng``, in the reference
engine's order (per batch, per hidden layer, ``rng.random((m, n_l)) < keep``): the uniforms of a
run of batches are drawn in Python into a reused buffer (``rng.random(out=...)`` draws the same
numbers as those calls one after the other) before the compiled call, which cannot call NumPy's
generator. An epoch that stops at a non-finite cost leaves the generator where the reference
engine leaves it.

The arithmetic stays in the network's dtype (float32 or float64) as in the reference engine; only
sums are reordered (BLAS, SIMD), so the two engines agree to the dtype's rounding, not bit for
bit. The compiled calls release the interpreter lock (``nogil``): other Python threads run while
an epoch trains.
"""

from __future__ import annotations

import threading

import numpy as np

from .. import activations
from ..losses import FOR_OUTPUT
from . import epoch as compiled
from . import kernels, steps, workspace

# Rows of a prediction taken through every layer at once (a network without batch norm): the
# kept buffers hold at most BLOCK rows per layer, however large X is. benchmarks/block.py, W5's
# 10,000 samples: 1024 rows ran at 0.94-1.06 of one block for all on W2 and 0.96-1.04 on W3 in
# two runs (within the machine's noise); 256 rows lost (0.72 on W2).
BLOCK = 1024

# The most dropout uniforms (float64) drawn for one compiled call: 4M = 32 MB.
UNIFORMS = 1 << 22


# ---- what the engine runs -----------------------------------------------------------------------
# The engine knows the network by its public attributes only (sizes, dtype, layers with W, b,
# activation and norm, dropout, l2, l1, dropout_rng, parameters()); network.py calls this
# engine.


def uncovered(optimizer) -> str | None:
    """Why the engine has no kernel for ``optimizer`` (None when it has one, in steps.STEPS)."""
    if steps.kernel(optimizer) is not None:
        return None
    names = ", ".join(steps.covered())
    return (
        f"it has no kernel for the optimizer {type(optimizer).__name__} (it runs {names}, "
        "each by the class that optimizers.OPTIMIZERS names)"
    )


def is_own(obj, qualname: str) -> bool:
    """obj (a class or a function) is network.py's ``qualname``, not a replacement of it."""
    return getattr(obj, "__module__", None) == "glassnet.network" and (
        getattr(obj, "__qualname__", None) == qualname
    )


def unsupported(net, optimizer=None) -> str | None:
    """Why this engine cannot train ``net`` with ``optimizer`` (None when it can); without an
    optimizer, why it cannot run the network's forward pass."""
    if optimizer is not None:
        reason = uncovered(optimizer)
        if reason is not None:
            return reason
    methods = ("propagate", "backward", "backprop")
    if not all(is_own(getattr(type(net), name, None), f"Network.{name}") for name in methods):
        return f"it supports glassnet.Network, not {type(net).__name__}"
    if net.dtype not in (np.float32, np.float64):
        return f"it supports float32 and float64 networks, not {net.dtype}"
    if FOR_OUTPUT.get(net.output.name) is not net.loss:
        return (
            "it supports sigmoid, softmax and identity outputs with their losses, "
            f"not {net.output}"
        )
    last = len(net.layers)
    for l, layer in enumerate(net.layers, start=1):
        if not is_own(type(layer), "Dense"):
            return f"layer {l} is not a plain Dense layer"
        if layer.norm is not None and (l == last or not is_own(type(layer.norm), "BatchNorm")):
            return f"layer {l} has a normalization other than a hidden BatchNorm"
        if activations.ACTIVATIONS.get(layer.activation.name) is not layer.activation:
            return f"layer {l} has the custom activation {layer.activation!r}"
        expected = net.output if l == last else net.hidden
        if layer.activation is not expected:
            return f"layer {l} has the activation {layer.activation.name!r}, not {expected.name!r}"
    params = net.parameters()
    if [len(layer.parameters()) for layer in net.layers] != [
        2 if layer.norm is None else 4 for layer in net.layers
    ]:
        return "it updates exactly W and b (and gamma, beta) of every layer"
    arrays = params + net.buffers()
    if optimizer is not None:
        for name in optimizer.slots:
            slot = optimizer.state.slots.get(name)
            if slot is not None and [a.shape for a in slot] != [p.shape for p in params]:
                return f"the optimizer's {name} do not match this network's parameters"
            arrays += slot or []
    if any(
        a.dtype != net.dtype or not (a.flags.c_contiguous and a.flags.writeable) for a in arrays
    ):
        return "every parameter and slot must be a writable C-contiguous array of its dtype"
    generator = isinstance(getattr(net, "dropout_rng", None), np.random.Generator)
    if optimizer is not None and net.dropout and not generator:
        return "dropout needs the network's dropout_rng to be a numpy Generator"
    return None


# ---- prediction and the epoch ----------------------------------------------------------------


class Predictor:
    """The compiled forward pass of one network as it is now: the tuples of its arrays, made
    once (engine/ makes a new Predictor when the network's layers, arrays or activations are
    replaced), buffers per batch size (the last few used), and the lock that keeps two threads
    off the same buffers (a second thread at once gets buffers of its own)."""

    def __init__(self, net) -> None:
        self.layers = workspace.layers(net)
        self.output = self.layers.output
        self.norm = bool(self.layers.norm.any())
        self.n_outputs = net.sizes[-1]
        self.lock = threading.Lock()
        self.workspaces: dict[int, workspace.Workspace] = {}
        self.entries: dict[tuple, object] = {}  # compiled.predict's entry points, see _predict

    def __call__(self, net, X: np.ndarray, logits: bool = False) -> np.ndarray | None:
        """A[L] (Z[L] with ``logits``) for X of the network's shape and dtype (C-contiguous), as
        ``net.propagate(X)`` computes it in prediction mode; None, computing nothing, when X
        holds a NaN or an infinity (the caller's check_X names them)."""
        m = X.shape[0]
        rows = m if self.norm else min(m, BLOCK)  # batch norm: the whole batch in one forward
        output = kernels.IDENTITY if logits else self.output
        if not self.lock.acquire(blocking=False):
            return self._run(net, X, workspace.Workspace(net, rows, training=False), output)
        try:
            ws = self.workspaces.get(rows)
            if ws is None:
                if len(self.workspaces) >= 4:
                    self.workspaces.pop(next(iter(self.workspaces)))
                ws = self.workspaces[rows] = workspace.Workspace(net, rows, training=False)
            return self._run(net, X, ws, output)
        finally:
            self.lock.release()

    def _run(self, net, X: np.ndarray, ws: workspace.Workspace, output: int) -> np.ndarray | None:
        buffers = ws.buffers
        if not self.norm:
            out = np.empty((X.shape[0], self.n_outputs), X.dtype)
            finite = self._predict(X, out, buffers, output)
            return out if finite else None
        if not kernels.finite(X):
            return None
        compiled.forward(X, self.layers, buffers, output, False, ws.U, 0, 1.0)
        return buffers.A[-1][: X.shape[0]].copy()

    def _predict(self, X, out, buffers, output) -> bool:
        """``compiled.predict`` on these buffers, straight through its compiled entry point once
        a first call through numba's dispatcher has found it: the dispatcher works out the type
        of every argument on every call, microseconds for the nested tuples of arrays, which for
        one row is most of the prediction's time. The entry point is kept per kind of X (dtype,
        writeable, aligned: what its type holds besides its rank and C layout, which the
        caller guarantees) and per buffers; where numba lists no overload of exactly those
        types, the dispatcher is kept as the entry, so that the types are worked out once."""
        arguments = (X, out, self.layers, buffers, output, buffers.A[1].shape[0])
        key = (X.dtype, X.flags.writeable, X.flags.aligned, id(buffers), output)
        entry = self.entries.get(key)
        if entry is not None:
            return entry(*arguments)
        finite = compiled.predict(*arguments)
        types = tuple(compiled.predict.typeof_pyval(a) for a in arguments)
        found = compiled.predict.overloads.get(types)
        if len(self.entries) >= 16:
            self.entries.clear()
        self.entries[key] = compiled.predict if found is None else found.entry_point
        return finite


def epoch(net, optimizer, X, Y, order, slices) -> list[float]:
    """One epoch of mini-batch steps in compiled calls; the engine interface of engine/."""
    kernel = steps.kernel(optimizer)
    params = net.parameters()
    state = optimizer.state  # read and written here as the optimizer's step would
    created = bool(optimizer.slots) and optimizer.slots[0] not in state.slots
    if created:  # as Optimizer.step does on its first step
        optimizer.init(params)
    starts = np.array([s.start for s in slices], dtype=np.int64)
    stops = np.array([s.stop for s in slices], dtype=np.int64)
    ws = workspace.workspace(net, int((stops - starts).max()))
    ws.hyper[0] = state.lr
    ws.hyper[1 : 1 + len(kernel.hyperparameters)] = [
        getattr(optimizer, name) for name in kernel.hyperparameters
    ]
    fold = kernel.fold and not net.l2 and not net.l1
    layers = workspace.layers(net)
    update = workspace.update(net, optimizer, ws, kernel.code, fold, state.t)
    costs = np.empty(len(slices))
    X = np.ascontiguousarray(X, dtype=net.dtype)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    order = np.ascontiguousarray(order, dtype=np.int64)
    in_order = compiled.in_order(order)  # the batches are slices of X
    keep = 1.0 - net.dropout
    units = sum(net.sizes[1:-1]) if net.dropout else 0  # dropout uniforms per sample
    done = steps_taken = 0
    for a, b in chunks(stops - starts, units):
        if units:  # the masks' uniforms, in the reference engine's order
            rng = net.dropout_rng
            before = rng.bit_generator.state
            n = int(stops[b - 1] - starts[a]) * units
            if ws.U.size < n:
                ws.U = np.zeros(n)
            rng.random(out=ws.U[:n])
        data = compiled.Data(X, Y, order, starts[a:b], stops[a:b], ws.U, in_order)
        update = update._replace(t0=state.t + steps_taken)
        count = compiled.epoch(data, layers, ws.buffers, update, keep, net.l2, net.l1, costs[a:b])
        done = a + count
        finite = bool(np.isfinite(costs[done - 1]))
        steps_taken += count if finite else count - 1
        if not finite:
            if units:  # the reference drew up to the failing batch's masks, no further
                rng.bit_generator.state = before
                rng.random(out=ws.U[: int(stops[done - 1] - starts[a]) * units])
            break
    state.t += steps_taken
    if created and steps_taken == 0:
        for name in optimizer.slots:
            del state.slots[name]
    return costs[:done].tolist()


def chunks(sizes: np.ndarray, units: int):
    """(a, b) runs of batches whose dropout uniforms fit in UNIFORMS (all batches without)."""
    if not units:
        yield 0, sizes.size
        return
    a, total = 0, 0
    for b, size in enumerate(sizes.tolist()):
        if b > a and total + size * units > UNIFORMS:
            yield a, b
            a, total = b, 0
        total += size * units
    yield a, sizes.size
