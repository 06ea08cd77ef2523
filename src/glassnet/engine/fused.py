"""The fused engine: one compiled loop over all mini-batches of an epoch, on buffers made once.

It computes network.py's formulas (samples are rows, W[l] has shape (n_l, n_{l-1})):

    forward    Z[l] = A[l-1] W[l]^T + b[l]          A[l] = g(Z[l])   (in place in one buffer)
    output     A[L] = g(Z[L])   J = (1/m) sum_i L(Z[L]_i, Y_i)   dZ[L] = A[L] - Y   (one pass)
    backward   dZ[l-1] = (dZ[l] W[l]) * g'(A[l-1])  (from the cached output A, as in activations.py)
    update     GradientDescent  W = W - (lr / m) dZ[l]^T A[l-1]
               Momentum         V = beta V + ((1 - beta) / m) dZ[l]^T A[l-1]      W = W - lr V
               and b likewise with sum_i dZ[l]_i in place of dZ[l]^T A[l-1].

(1/m) dZ^T A_prev is the gradient dW, folded into one gemm C = alpha op(A) op(B) + beta C that
writes straight into V (or W), so no gradient buffer exists. Each layer's products go to BLAS when
the layer is large (m n_in n_out >= BLAS_THRESHOLD); a small layer runs plain compiled loops,
where a BLAS call would cost more than its arithmetic. A batch of one row goes through gemv
(gemm would pack all of W for it), and its momentum step is one pass over W and V. The rows
X[order[s]] of a mini-batch are gathered inside the loop into a preallocated buffer. The
arithmetic stays in the network's dtype (float32 or float64) as in the reference engine; only sums
are reordered (BLAS, SIMD), so the two engines agree to the dtype's rounding, not bit for bit.
"""

from __future__ import annotations

import weakref

import numpy as np
from numba import njit

from .. import activations
from ..losses import FOR_OUTPUT
from ..network import Dense, Network
from ..optimizers import GradientDescent, Momentum
from .blas import gemm, gemv

# Sums may be reordered (SIMD) and a * b + c fused; NaN and inf keep their meaning, since the
# engine must see a diverging cost exactly like the reference engine does.
FASTMATH = {"reassoc", "contract", "nsz"}

# m n_in n_out from which a layer's products go to BLAS. Measured on one core: OpenBLAS's
# small-matrix kernels beat these loops already on W2 (1.5M against 0.46M samples/s with every
# layer in BLAS or in loops) and on W4's 100 x 100 layer at batch 1 (0.26M against 0.21M); only
# tiny layers (W2's 64 -> 1 output, W4's 100 -> 1) stay in the loops.
BLAS_THRESHOLD = 4096

IDENTITY, RELU, SIGMOID, TANH = 0, 1, 2, 3
CODES = {"identity": IDENTITY, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH}


# ---- activations: g(z) and dA * g'(z) from the output a = g(z), as in activations.py ----------


@njit(cache=True, fastmath=FASTMATH)
def _g(z, code, one, zero):
    if code == RELU:
        return zero if z <= zero else z  # as np.maximum(z, 0): a NaN stays NaN
    if code == SIGMOID:
        e = np.exp(-abs(z))  # e^-|z| <= 1: no overflow
        return (one if z >= zero else e) / (one + e)
    if code == TANH:
        return np.tanh(z)
    return z


@njit(cache=True, fastmath=FASTMATH)
def _times_derivative(d, a, code, one, zero):
    if code == RELU:
        return d * (one if a > zero else zero)
    if code == SIGMOID:
        return d * (a * (one - a))
    if code == TANH:
        return d * (one - a * a)
    return d


# ---- one layer, small: compiled loops --------------------------------------------------------


@njit(cache=True, fastmath=FASTMATH)
def _forward_loops(A_prev, W, b, A, code, one, zero):
    """A = g(A_prev W^T + b), row by row."""
    m, n_in = A_prev.shape
    n_out = W.shape[0]
    for i in range(m):
        for j in range(n_out):
            s = zero
            for k in range(n_in):
                s += A_prev[i, k] * W[j, k]
            A[i, j] = _g(s + b[j], code, one, zero)


@njit(cache=True, fastmath=FASTMATH)
def _backprop_loops(D, W, dA, A_prev, code, one, zero):
    """dZ[l-1] = (dZ[l] W[l]) * g'(A[l-1]), written into dA."""
    m, n_out = D.shape
    n_in = W.shape[1]
    for i in range(m):
        for k in range(n_in):
            dA[i, k] = zero
        for j in range(n_out):
            d = D[i, j]
            for k in range(n_in):
                dA[i, k] += d * W[j, k]
        for k in range(n_in):
            dA[i, k] = _times_derivative(dA[i, k], A_prev[i, k], code, one, zero)


@njit(cache=True, fastmath=FASTMATH)
def _update_loops(D, A_prev, W, b, VW, Vb, momentum, lr, beta, alpha, zero):
    """One optimizer step of a layer, row by row of W while the row sits in cache.

    Momentum (alpha = (1 - beta) / m): V = beta V + alpha dZ^T A_prev, W = W - lr V.
    GradientDescent (alpha = lr / m): W = W - alpha dZ^T A_prev. The bias likewise.
    """
    if momentum:
        _update_one_pass(D, A_prev, W, VW, lr, beta, alpha)
    else:
        m, n_out = D.shape
        for j in range(n_out):
            W_row = W[j]
            for i in range(m):
                c = alpha * D[i, j]
                a = A_prev[i]
                for k in range(W_row.size):
                    W_row[k] -= c * a[k]
    _update_bias(D, b, Vb, momentum, lr, beta, alpha, zero)


@njit(cache=True, fastmath=FASTMATH)
def _update_one_pass(D, A_prev, W, VW, lr, beta, alpha):
    """Momentum V = beta V + alpha dZ^T A_prev, W = W - lr V, row by row of W and V; with one
    sample (m = 1) a single pass v = beta V + alpha dZ_j A_prev, V = v, W = W - lr v, where
    gemm and a separate W = W - lr V would sweep W and V three times."""
    m, n_out = D.shape
    n_in = W.shape[1]
    for j in range(n_out):
        V_row = VW[j]
        W_row = W[j]
        if m == 1:
            c = alpha * D[0, j]
            a = A_prev[0]
            for k in range(n_in):
                v = beta * V_row[k] + c * a[k]
                V_row[k] = v
                W_row[k] -= lr * v
        else:
            for k in range(n_in):
                V_row[k] *= beta
            for i in range(m):
                c = alpha * D[i, j]
                a = A_prev[i]
                for k in range(n_in):
                    V_row[k] += c * a[k]
            for k in range(n_in):
                W_row[k] -= lr * V_row[k]


@njit(cache=True, fastmath=FASTMATH)
def _update_bias(D, b, Vb, momentum, lr, beta, alpha, zero):
    """Vb = beta Vb + alpha sum_i dZ_i, b = b - lr Vb (or b = b - alpha sum_i dZ_i), summing
    row by row so that the inner loop runs along contiguous memory."""
    m, n_out = D.shape
    if momentum:
        for j in range(n_out):
            Vb[j] *= beta
        for i in range(m):
            for j in range(n_out):
                Vb[j] += alpha * D[i, j]
        for j in range(n_out):
            b[j] -= lr * Vb[j]
    else:
        for i in range(m):
            for j in range(n_out):
                b[j] -= alpha * D[i, j]


# ---- one layer, large: BLAS for the products, one pass for the element-wise rest -------------


@njit(cache=True, fastmath=FASTMATH)
def _bias_activation(A, b, code, one, zero):
    """A = g(A + b) in place, one loop per activation so that each is a branch-free loop the
    compiler vectorizes."""
    m, n = A.shape
    for i in range(m):
        row = A[i]
        if code == RELU:
            for j in range(n):
                z = row[j] + b[j]
                row[j] = zero if z <= zero else z
        elif code == IDENTITY:
            for j in range(n):
                row[j] += b[j]
        else:
            for j in range(n):
                row[j] = _g(row[j] + b[j], code, one, zero)


@njit(cache=True, fastmath=FASTMATH)
def _derivative(dA, A, code, one, zero):
    """dZ = dA * g'(A), in place; one branch-free loop per activation."""
    m, n = dA.shape
    for i in range(m):
        d = dA[i]
        a = A[i]
        if code == RELU:
            for k in range(n):
                d[k] = d[k] * (one if a[k] > zero else zero)
        elif code == SIGMOID:
            for k in range(n):
                d[k] = d[k] * (a[k] * (one - a[k]))
        elif code == TANH:
            for k in range(n):
                d[k] = d[k] * (one - a[k] * a[k])


@njit(cache=True, fastmath=FASTMATH)
def _descend(W, V, lr):
    """W = W - lr V, in place."""
    Wf = W.reshape(W.size)
    Vf = V.reshape(V.size)
    for k in range(Wf.size):
        Wf[k] -= lr * Vf[k]


# ---- the cost and the output error -----------------------------------------------------------


@njit(cache=True, fastmath=FASTMATH)
def _cost_and_delta(Z, Y, D, code, one, zero):
    """From the output logits Z: A = g(Z), J = (1/m) sum_i L(i) summed in float64 (as losses.py
    does), and dZ[L] = A - Y into D.

    Sigmoid output: L = max(z, 0) - z y + log(1 + e^-|z|) (cross-entropy from the logit), with
    the e^-|z| that sigma(z) needs too; identity output: L = (1/2) ||a - y||^2.
    """
    m, n = Z.shape
    total = 0.0
    for i in range(m):
        for j in range(n):
            z = Z[i, j]
            y = Y[i, j]
            if code == SIGMOID:
                e = np.exp(-abs(z))
                a = (one if z >= zero else e) / (one + e)
                total += (zero if z <= zero else z) - z * y + np.log1p(e)
            else:
                a = z
                total += (a - y) * (a - y)
            D[i, j] = a - y
    if code != SIGMOID:
        total *= 0.5
    return total / m


# ---- the epoch -------------------------------------------------------------------------------


@njit(cache=True)
def _epoch(
    X, Y, order, starts, stops, Ws, bs, VWs, Vbs, As, Ds, Y_batch,
    use_blas, hidden, output, momentum, hyper, consts, costs, ints, chars, scratch,
):  # fmt: skip
    """Every mini-batch of one epoch; returns how many costs it wrote (it stops at a non-finite).

    ``hyper`` = [lr, beta] in float64; ``consts`` (network dtype) receives lr, beta, 1, 0 and the
    step's alpha, so that all arithmetic stays in the network's dtype.
    """
    L = len(Ws)
    consts[0] = hyper[0]
    consts[1] = hyper[1]
    consts[2] = 1.0
    consts[3] = 0.0
    lr, beta, one, zero = consts[0], consts[1], consts[2], consts[3]
    n_features = X.shape[1]
    n_outputs = Y.shape[1]
    for t in range(starts.size):
        m = stops[t] - starts[t]
        X_batch = As[0]
        for i in range(m):  # gather the rows of mini-batch t
            row = order[starts[t] + i]
            for k in range(n_features):
                X_batch[i, k] = X[row, k]
            for k in range(n_outputs):
                Y_batch[i, k] = Y[row, k]

        # the output's activation comes with the cost, below: the last layer stays Z[L]
        _forward(X_batch[:m], As[1:], Ws, bs, use_blas, hidden, IDENTITY, consts, ints, chars,
                 scratch)  # fmt: skip

        J = _cost_and_delta(As[L][:m], Y_batch[:m], Ds[L - 1][:m], output, one, zero)
        costs[t] = J
        if not np.isfinite(J):
            return t + 1

        consts[4] = (1.0 - hyper[1]) / m if momentum else hyper[0] / m
        alpha = consts[4]
        for l in range(L - 1, -1, -1):
            D = Ds[l][:m]
            A_prev = As[l][:m]
            W = Ws[l]
            if l > 0:  # dZ[l-1] before W[l] changes
                dA = Ds[l - 1][:m]
                if use_blas[l]:
                    if m == 1:
                        gemv(dA[0], W, D[0], True, ints, chars, scratch)
                    else:
                        gemm(dA, D, W, False, False, one, zero, ints, chars, scratch)
                    _derivative(dA, A_prev, hidden, one, zero)
                else:
                    _backprop_loops(D, W, dA, A_prev, hidden, one, zero)
            if use_blas[l]:
                if momentum and m == 1:
                    _update_one_pass(D, A_prev, W, VWs[l], lr, beta, alpha)
                elif momentum:
                    gemm(VWs[l], D, A_prev, True, False, alpha, beta, ints, chars, scratch)
                    _descend(W, VWs[l], lr)
                else:
                    gemm(W, D, A_prev, True, False, -alpha, one, ints, chars, scratch)
                _update_bias(D, bs[l], Vbs[l], momentum, lr, beta, alpha, zero)
            else:
                _update_loops(D, A_prev, W, bs[l], VWs[l], Vbs[l], momentum, lr, beta, alpha, zero)
    return starts.size


@njit(cache=True)
def _forward(X, As, Ws, bs, use_blas, hidden, output, consts, ints, chars, scratch):
    """The forward pass of the engine, for training and prediction alike: A[l] = g(Z[l]) of the
    batch X layer by layer into the buffers As[l - 1] (rows 0..m-1), the last layer with the
    activation ``output`` (IDENTITY while training, where the cost computes g(Z[L]))."""
    L = len(Ws)
    consts[2] = 1.0
    consts[3] = 0.0
    one, zero = consts[2], consts[3]
    m = X.shape[0]
    A_prev = X
    for l in range(L):
        code = hidden if l < L - 1 else output
        A = As[l][:m]
        if use_blas[l]:
            if m == 1:
                gemv(A[0], Ws[l], A_prev[0], False, ints, chars, scratch)
            else:
                gemm(A, A_prev, Ws[l], False, True, one, zero, ints, chars, scratch)
            _bias_activation(A, bs[l], code, one, zero)
        else:
            _forward_loops(A_prev, Ws[l], bs[l], A, code, one, zero)
        A_prev = A


# ---- the Python side: what is supported, the buffers, the call -------------------------------


def unsupported(net, optimizer=None) -> str | None:
    """Why this engine cannot train ``net`` with ``optimizer`` (None when it can); without an
    optimizer, why it cannot run the network's forward pass."""
    if optimizer is not None and type(optimizer) not in (GradientDescent, Momentum):
        return f"it supports GradientDescent and Momentum, not {type(optimizer).__name__}"
    if not isinstance(net, Network) or any(
        getattr(type(net), name) is not getattr(Network, name)
        for name in ("propagate", "backward", "backprop")
    ):
        return f"it supports glassnet.Network, not {type(net).__name__}"
    if not getattr(net, "is_plain", True):
        return "it supports the lecture's plain network (no l2, dropout or batch_norm)"
    if net.dtype not in (np.float32, np.float64):
        return f"it supports float32 and float64 networks, not {net.dtype}"
    if FOR_OUTPUT.get(net.output.name) is not net.loss or net.output.name not in (
        "sigmoid",
        "identity",
    ):
        return f"it supports sigmoid and identity outputs with their losses, not {net.output}"
    for l, layer in enumerate(net.layers, start=1):
        if type(layer) is not Dense or getattr(layer, "norm", None) is not None:
            return f"layer {l} is not a plain Dense layer"
        if activations.ACTIVATIONS.get(layer.activation.name) is not layer.activation:
            return f"layer {l} has the custom activation {layer.activation!r}"
        expected = net.output if l == len(net.layers) else net.hidden
        if layer.activation is not expected:
            return f"layer {l} has the activation {layer.activation.name!r}, not {expected.name!r}"
    params = net.parameters()
    velocities = [] if optimizer is None else optimizer.state.slots.get("velocities", [])
    if len(params) != 2 * len(net.layers):
        return "it updates exactly W and b of every layer"
    if velocities and [v.shape for v in velocities] != [p.shape for p in params]:
        return "the optimizer's velocities do not match this network's parameters"
    arrays = params + velocities
    if any(
        a.dtype != net.dtype or not (a.flags.c_contiguous and a.flags.writeable) for a in arrays
    ):
        return "every parameter and velocity must be a writable C-contiguous array of its dtype"
    return None


class _Workspace:
    """The buffers of one (network, batch size): activations, errors, gathered batch, scratch."""

    def __init__(self, net: Network, batch_size: int, training: bool = True) -> None:
        dtype, sizes = net.dtype, net.sizes
        self.key = (tuple(sizes), dtype, batch_size)
        # A[0] (the gathered batch), dZ and Y only for training; the forward pass needs A[1:].
        first = 0 if training else 1
        self.As = tuple(np.zeros((batch_size, n), dtype) for n in sizes[first:])
        if training:
            self.Ds = tuple(np.zeros((batch_size, n), dtype) for n in sizes[1:])
            self.Y_batch = np.zeros((batch_size, sizes[-1]), dtype)
        self.use_blas = np.array(
            [batch_size * n_in * n_out >= BLAS_THRESHOLD for n_in, n_out in zip(sizes, sizes[1:])]
        )
        self.hyper = np.zeros(2)
        self.consts = np.zeros(5, dtype)
        self.ints = np.zeros(6, np.int32)
        self.chars = np.zeros(2, np.uint8)
        self.scratch = np.zeros(2, dtype)


_workspaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _workspace(net: Network, batch_size: int) -> _Workspace:
    """The network's buffers for this batch size, made on first use and then reused."""
    ws = _workspaces.get(net)
    if ws is None or ws.key != (tuple(net.sizes), net.dtype, batch_size):
        ws = _Workspace(net, batch_size)
        _workspaces[net] = ws
    return ws


def forward(net: Network, X: np.ndarray) -> np.ndarray:
    """A[L] for a checked batch X (C-contiguous, the network's dtype), as ``net.propagate(X)``
    computes it, on buffers kept per batch size (the last few sizes used)."""
    m = X.shape[0]
    cache = _forward_workspaces.setdefault(net, {})
    ws = cache.get(m)
    if ws is None or ws.key != (tuple(net.sizes), net.dtype, m):
        if len(cache) >= 4:
            cache.pop(next(iter(cache)))
        ws = cache[m] = _Workspace(net, m, training=False)
    params = net.parameters()
    _forward(
        X, ws.As, tuple(params[0::2]), tuple(params[1::2]), ws.use_blas,
        CODES[net.hidden.name], CODES[net.output.name], ws.consts, ws.ints, ws.chars, ws.scratch,
    )  # fmt: skip
    return ws.As[-1].copy()


_forward_workspaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def epoch(net, optimizer, X, Y, order, slices) -> list[float]:
    """One epoch of mini-batch steps in one compiled call; the engine interface of engine/."""
    params = net.parameters()
    state = optimizer.state  # read and written here as the optimizer's step would
    momentum = type(optimizer) is Momentum
    created = momentum and "velocities" not in state.slots
    if created:  # as Momentum.step does on its first step
        optimizer.init(params)
    starts = np.array([s.start for s in slices], dtype=np.int64)
    stops = np.array([s.stop for s in slices], dtype=np.int64)
    ws = _workspace(net, int((stops - starts).max()))
    Ws, bs = tuple(params[0::2]), tuple(params[1::2])
    if momentum:
        velocities = state.slots["velocities"]
        VWs, Vbs = tuple(velocities[0::2]), tuple(velocities[1::2])
    else:
        VWs, Vbs = Ws, bs  # never touched without momentum
    ws.hyper[0] = state.lr
    ws.hyper[1] = optimizer.beta if momentum else 0.0
    costs = np.empty(len(slices))
    X = np.ascontiguousarray(X, dtype=net.dtype)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    order = np.ascontiguousarray(order, dtype=np.int64)
    done = _epoch(
        X, Y, order, starts, stops, Ws, bs, VWs, Vbs, ws.As, ws.Ds, ws.Y_batch,
        ws.use_blas, CODES[net.hidden.name], CODES[net.output.name], momentum, ws.hyper,
        ws.consts, costs, ws.ints, ws.chars, ws.scratch,
    )  # fmt: skip
    steps = done if np.isfinite(costs[done - 1]) else done - 1
    state.t += steps
    if created and steps == 0:
        del state.slots["velocities"]
    return costs[:done].tolist()
