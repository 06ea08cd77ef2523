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

The optimizer step plugs in: each optimizer of optimizers.py has one small kernel below
(``_gd_step``, ``_momentum_step``, ...), next to its NumPy ``update``, that reads the parameter
P, its gradient G (materialized in a buffer) and the optimizer's slot arrays, all flat; ``KERNELS``
maps the optimizer class to its code, its slots and its hyper-parameters. Adding an optimizer to
this engine is a kernel, a branch in ``_step`` and a line in ``KERNELS``.

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
import weakref
from dataclasses import dataclass

import numpy as np
from numba import njit

from .. import activations
from ..losses import FOR_OUTPUT
from ..optimizers import Adam, AdamW, GradientDescent, Momentum, Nesterov, RMSProp
from .blas import gemm, gemv

# Sums may be reordered (SIMD) and a * b + c fused; NaN and inf keep their meaning, since the
# engine must see a diverging cost exactly like the reference engine does.
FASTMATH = {"reassoc", "contract", "nsz"}
# A division by zero gives inf or NaN, as in NumPy and the reference engine. numba's default
# ("python") tests every divisor to raise ZeroDivisionError, and that branch keeps a loop with a
# division from being vectorized (Adam's and RMSProp's steps: scalar code, several times slower).
# Without numba's runtime (_nrt=False; the engine allocates nothing in compiled code) no array
# is reference-counted: with it every slice and every array passed on is counted up and down by
# atomic instructions, which `perf` found taking much of W4's time (batches of one sample).
LOOPS = {"cache": True, "nogil": True, "fastmath": FASTMATH, "error_model": "numpy", "_nrt": False}
EXACT = {"cache": True, "nogil": True, "error_model": "numpy", "_nrt": False}  # sums as written

# m n_in n_out from which a layer's products go to BLAS. Measured on one core: OpenBLAS's
# small-matrix kernels beat these loops already on W2 (1.5M against 0.46M samples/s with every
# layer in BLAS or in loops) and on W4's 100 x 100 layer at batch 1 (0.26M against 0.21M); only
# tiny layers (W2's 64 -> 1 output, W4's 100 -> 1) stay in the loops.
BLAS_THRESHOLD = 4096

# Rows of a prediction taken through every layer at once (a network without batch norm): the
# kept buffers hold at most BLOCK rows per layer, however large X is. benchmarks/block.py, W5's
# 10,000 samples: 1024 rows ran at 0.94-1.06 of one block for all on W2 and 0.96-1.04 on W3 in
# two runs (within the machine's noise); 256 rows lost (0.72 on W2).
BLOCK = 1024

# The most dropout uniforms (float64) drawn for one compiled call: 4M = 32 MB.
UNIFORMS = 1 << 22

IDENTITY, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
CODES = {"identity": IDENTITY, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softmax": SOFTMAX}


# ---- activations: g(z) and dA * g'(z) from the output a = g(z), as in activations.py ----------


@njit(**LOOPS)
def _g(z, code, one, zero):
    if code == RELU:
        return zero if z <= zero else z  # as np.maximum(z, 0): a NaN stays NaN
    if code == SIGMOID:
        e = np.exp(-abs(z))  # e^-|z| <= 1: no overflow
        return (one if z >= zero else e) / (one + e)
    if code == TANH:
        return np.tanh(z)
    return z


@njit(**LOOPS)
def _activation(A, code, one, zero):
    """A = g(A) in place; softmax row by row, e^(z - max z) / sum_j e^(z_j - max z)."""
    m, n = A.shape
    for i in range(m):
        row = A[i]
        if code == SOFTMAX:
            top = row[0]
            for j in range(1, n):
                top = max(top, row[j])
            s = zero
            for j in range(n):
                row[j] = np.exp(row[j] - top)
                s += row[j]
            for j in range(n):
                row[j] = row[j] / s
        elif code == RELU:
            for j in range(n):
                row[j] = zero if row[j] <= zero else row[j]
        elif code != IDENTITY:
            for j in range(n):
                row[j] = _g(row[j], code, one, zero)


@njit(**LOOPS)
def _bias_activation(A, b, code, one, zero):
    """A = g(A + b) in place, one loop per activation so that each is a branch-free loop the
    compiler vectorizes."""
    m, n = A.shape
    if code == SOFTMAX:
        for i in range(m):
            row = A[i]
            for j in range(n):
                row[j] += b[j]
        _activation(A, code, one, zero)
        return
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


@njit(**LOOPS)
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


# ---- batch normalization and dropout ---------------------------------------------------------


@njit(**LOOPS)
def _bias_norm_activation(A, b, gamma, beta, mean, var, Z_norm, stats, bn, training, code):
    """A = g(gamma Z_norm + beta) in place from A = A_prev W^T (network.py's BatchNorm):
    Z = A + b; training: mu, var of the batch (and running = momentum running + (1 - momentum)
    batch), else the running averages; inv_std = 1 / sqrt(var + eps), Z_norm = (Z - mu) inv_std.
    ``stats`` rows receive mu, var, inv_std; ``bn`` = [momentum, 1 - momentum, eps, 1, 0, m]."""
    m, n = A.shape
    one, zero = bn[3], bn[4]
    mu, sigma2, inv_std = stats[0], stats[1], stats[2]
    for i in range(m):
        row = A[i]
        for j in range(n):
            row[j] += b[j]
    if training:
        count = bn[5]
        for j in range(n):
            mu[j] = zero
            sigma2[j] = zero
        for i in range(m):
            row = A[i]
            for j in range(n):
                mu[j] += row[j]
        for j in range(n):
            mu[j] = mu[j] / count
        for i in range(m):
            row = A[i]
            for j in range(n):
                d = row[j] - mu[j]
                sigma2[j] += d * d
        for j in range(n):
            sigma2[j] = sigma2[j] / count
            mean[j] = mean[j] * bn[0] + bn[1] * mu[j]
            var[j] = var[j] * bn[0] + bn[1] * sigma2[j]
    else:
        for j in range(n):
            mu[j] = mean[j]
            sigma2[j] = var[j]
    for j in range(n):
        inv_std[j] = one / np.sqrt(sigma2[j] + bn[2])
    for i in range(m):
        row = A[i]
        z_norm = Z_norm[i]
        for j in range(n):
            z_norm[j] = (row[j] - mu[j]) * inv_std[j]
            row[j] = gamma[j] * z_norm[j] + beta[j]
    _activation(A, code, one, zero)


@njit(**LOOPS)
def _norm_backward(D, Z_norm, stats, gamma, dgamma, dbeta, bn):
    """dgamma = mean(dZ~ Z_norm), dbeta = mean(dZ~), then in place
    dZ = (gamma inv_std) (dZ~ - dbeta - Z_norm dgamma)."""
    m, n = D.shape
    zero, count = bn[4], bn[5]
    inv_std = stats[2]
    for j in range(n):
        dgamma[j] = zero
        dbeta[j] = zero
    for i in range(m):
        for j in range(n):
            dgamma[j] += D[i, j] * Z_norm[i, j]
            dbeta[j] += D[i, j]
    for j in range(n):
        dgamma[j] = dgamma[j] / count
        dbeta[j] = dbeta[j] / count
    for i in range(m):
        for j in range(n):
            D[i, j] = (gamma[j] * inv_std[j]) * (D[i, j] - dbeta[j] - Z_norm[i, j] * dgamma[j])


@njit(**LOOPS)
def _drop(A, A_dropped, U, offset, keep, keep_d, one, zero):
    """A_dropped = A * mask / keep with mask = (u < keep) from the uniforms U[offset:]."""
    m, n = A.shape
    for i in range(m):
        u = U[offset + i * n : offset + (i + 1) * n]
        a = A[i]
        out = A_dropped[i]
        for k in range(n):
            out[k] = a[k] * (one if u[k] < keep else zero) / keep_d


# ---- one layer, small: compiled loops --------------------------------------------------------


@njit(**LOOPS)
def _product_loops(A_prev, W, A, zero):
    """A = A_prev W^T, row by row."""
    m, n_in = A_prev.shape
    n_out = W.shape[0]
    for i in range(m):
        for j in range(n_out):
            s = zero
            for k in range(n_in):
                s += A_prev[i, k] * W[j, k]
            A[i, j] = s


@njit(**LOOPS)
def _backprop_loops(D, W, dA, zero):
    """dA[l-1] = dZ[l] W[l]."""
    m, n_out = D.shape
    n_in = W.shape[1]
    for i in range(m):
        for k in range(n_in):
            dA[i, k] = zero
        for j in range(n_out):
            d = D[i, j]
            for k in range(n_in):
                dA[i, k] += d * W[j, k]


@njit(**LOOPS)
def _gradient_loops(D, A_prev, G, inv_m, zero):
    """dW = (1/m) dZ^T A_prev, row by row of dW."""
    m, n_out = D.shape
    n_in = G.shape[1]
    for j in range(n_out):
        G_row = G[j]
        for k in range(n_in):
            G_row[k] = zero
        for i in range(m):
            c = D[i, j]
            a = A_prev[i]
            for k in range(n_in):
                G_row[k] += c * a[k]
        for k in range(n_in):
            G_row[k] *= inv_m


@njit(**LOOPS)
def _bias_gradient(D, g, inv_m, zero):
    """db = (1/m) sum_i dZ_i, summing row by row along contiguous memory."""
    m, n = D.shape
    for j in range(n):
        g[j] = zero
    for i in range(m):
        for j in range(n):
            g[j] += D[i, j]
    for j in range(n):
        g[j] *= inv_m


@njit(**LOOPS)
def _add_l2(G, W, c):
    """dW += (lambda / m) W."""
    for k in range(G.size):
        G[k] += c * W[k]


@njit(**LOOPS)
def _add_l1(G, W, c):
    """dW += (lambda1 / m) sign(W), with sign(0) = 0 (the subgradient, as np.sign)."""
    for k in range(G.size):
        if W[k] > 0:
            G[k] += c
        elif W[k] < 0:
            G[k] -= c


@njit(**EXACT)
def _squares(W):
    """||W||^2 summed in float64, as network.penalty does."""
    s = 0.0
    for k in range(W.size):
        w = np.float64(W[k])
        s += w * w
    return s


@njit(**EXACT)
def _absolutes(W):
    """sum |W| in float64, as network.penalty does."""
    s = 0.0
    for k in range(W.size):
        s += abs(np.float64(W[k]))
    return s


# ---- GradientDescent and Momentum with the gradient folded into the update -------------------


@njit(**LOOPS)
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


@njit(**LOOPS)
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


@njit(**LOOPS)
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


@njit(**LOOPS)
def _descend(W, V, lr):
    """W = W - lr V, in place."""
    Wf = W.reshape(W.size)
    Vf = V.reshape(V.size)
    for k in range(Wf.size):
        Wf[k] -= lr * Vf[k]


# ---- the optimizers: one kernel each, beside optimizers.py's update --------------------------
# (P, G, S1, S2): a parameter, its gradient and the optimizer's slots, flat; h: the float64
# hyper-parameters [lr, ...] in KERNELS' order; t: this step's count (1, 2, ...); c: scratch of
# P's dtype, where a kernel puts its constants so that the arithmetic stays in that dtype.

GD, MOMENTUM, NESTEROV, RMSPROP, ADAM = 0, 1, 2, 3, 4


@njit(**LOOPS)
def _gd_step(P, G, h, c):
    """W = W - lr dW."""
    c[0] = h[0]
    lr = c[0]
    for k in range(P.size):
        P[k] -= lr * G[k]


@njit(**LOOPS)
def _momentum_step(P, G, V, h, c):
    """V = beta V + (1 - beta) dW, W = W - lr V."""
    c[0], c[1], c[2] = h[0], h[1], 1.0 - h[1]
    lr, beta, beta_c = c[0], c[1], c[2]
    for k in range(P.size):
        V[k] = beta * V[k] + beta_c * G[k]
        P[k] -= lr * V[k]


@njit(**LOOPS)
def _nesterov_step(P, G, V, h, c):
    """V = beta V - lr dW, W = W + beta V - lr dW."""
    c[0], c[1] = h[0], h[1]
    lr, beta = c[0], c[1]
    for k in range(P.size):
        V[k] = beta * V[k] - lr * G[k]
        P[k] += beta * V[k] - lr * G[k]


@njit(**LOOPS)
def _rmsprop_step(P, G, S, h, c):
    """S = rho S + (1 - rho) dW^2, W = W - lr dW / (sqrt(S) + epsilon)."""
    c[0], c[1], c[2], c[3] = h[0], h[1], 1.0 - h[1], h[2]
    lr, rho, rho_c, epsilon = c[0], c[1], c[2], c[3]
    for k in range(P.size):
        g = G[k]
        S[k] = rho * S[k] + rho_c * g * g
        P[k] -= lr * g / (np.sqrt(S[k]) + epsilon)


@njit(**LOOPS)
def _adam_step(P, G, M, S, h, t, c):
    """M = beta1 M + (1 - beta1) dW, S = beta2 S + (1 - beta2) dW^2,
    W = W - lr (M / (1 - beta1^t) / (sqrt(S / (1 - beta2^t)) + epsilon) + weight_decay W)."""
    lr, beta1, beta2, epsilon, weight_decay = h[0], h[1], h[2], h[3], h[4]
    c[0], c[1], c[2], c[3], c[4] = lr, beta1, 1.0 - beta1, beta2, 1.0 - beta2
    c[5], c[6], c[7], c[8] = 1.0 - beta1**t, 1.0 - beta2**t, epsilon, weight_decay
    lr, beta1, beta1_c, beta2, beta2_c = c[0], c[1], c[2], c[3], c[4]
    correction1, correction2, epsilon, weight_decay = c[5], c[6], c[7], c[8]
    decay = h[4] != 0.0
    for k in range(P.size):
        g = G[k]
        M[k] = beta1 * M[k] + beta1_c * g
        S[k] = beta2 * S[k] + beta2_c * g * g
        step = (M[k] / correction1) / (np.sqrt(S[k] / correction2) + epsilon)
        if decay:
            step += weight_decay * P[k]
        P[k] -= lr * step


@njit(**EXACT)
def _step(code, P, G, S1, S2, h, t, c):
    """The optimizer ``code``'s update of one parameter."""
    if code == GD:
        _gd_step(P, G, h, c)
    elif code == MOMENTUM:
        _momentum_step(P, G, S1, h, c)
    elif code == NESTEROV:
        _nesterov_step(P, G, S1, h, c)
    elif code == RMSPROP:
        _rmsprop_step(P, G, S1, h, c)
    elif code == ADAM:
        _adam_step(P, G, S1, S2, h, t, c)


@dataclass(frozen=True)
class Kernel:
    """An optimizer class's kernel ``code``, and the ``hyperparameters`` it reads after lr."""

    code: int
    hyperparameters: tuple[str, ...] = ()


KERNELS = {
    GradientDescent: Kernel(GD),
    Momentum: Kernel(MOMENTUM, ("beta",)),
    Nesterov: Kernel(NESTEROV, ("beta",)),
    RMSProp: Kernel(RMSPROP, ("rho", "epsilon")),
    Adam: Kernel(ADAM, ("beta1", "beta2", "epsilon", "weight_decay")),
    AdamW: Kernel(ADAM, ("beta1", "beta2", "epsilon", "weight_decay")),
}


# ---- the cost and the output error -----------------------------------------------------------


@njit(**LOOPS)
def _cost_and_delta(Z, Y, D, code, one, zero):
    """From the output logits Z: A = g(Z), J = (1/m) sum_i L(i) summed in float64 (as losses.py
    does), and dZ[L] = A - Y into D.

    Sigmoid output: L = max(z, 0) - z y + log(1 + e^-|z|) (cross-entropy from the logit), with
    the e^-|z| that sigma(z) needs too; softmax: L = sum_k (logsumexp(z) - z_k) y_k;
    identity output: L = (1/2) ||a - y||^2.
    """
    m, n = Z.shape
    total = 0.0
    for i in range(m):
        if code == SOFTMAX:
            top = Z[i, 0]
            for j in range(1, n):
                top = max(top, Z[i, j])
            s = zero
            for j in range(n):
                D[i, j] = np.exp(Z[i, j] - top)
                s += D[i, j]
            log_sum = np.log(s) + top
            for j in range(n):
                total += (log_sum - Z[i, j]) * Y[i, j]
                D[i, j] = D[i, j] / s - Y[i, j]
            continue
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
    if code == IDENTITY:
        total *= 0.5
    return total / m


# ---- the forward pass, shared by training and prediction -------------------------------------


@njit(**EXACT)
def _product(A_prev, W, A, use_blas, one, zero, ints, chars, scratch):
    """A = A_prev W^T: BLAS (gemv for one row) or, for a small layer, compiled loops."""
    if use_blas:
        if A.shape[0] == 1:
            gemv(A[0], W, A_prev[0], False, ints, chars, scratch)
        else:
            gemm(A, A_prev, W, False, True, one, zero, ints, chars, scratch)
    else:
        _product_loops(A_prev, W, A, zero)


@njit(**EXACT)
def _layer(A_prev, W, b, A, use_blas, code, one, zero, ints, chars, scratch):
    """A = g(A_prev W^T + b) into A."""
    _product(A_prev, W, A, use_blas, one, zero, ints, chars, scratch)
    _bias_activation(A, b, code, one, zero)


@njit(**LOOPS)
def _finite(X):
    """Whether every entry of X is finite: x * 0 is 0 for a finite x and NaN for NaN or +-inf
    (fastmath here has no nnan/ninf, so the compiler may not fold it to 0)."""
    Xf = X.reshape(X.size)
    total = Xf[0] * 0
    for k in range(Xf.size):
        total += Xf[k] * 0
    return total == 0


@njit(**EXACT)
def _predict(X, out, As, Ws, bs, use_blas, hidden, output, block, consts, ints, chars, scratch):
    """A[L] of a network without batch norm into ``out``, ``block`` rows of X at a time through
    every layer (so that the buffers As hold ``block`` rows). Returns False, computing nothing,
    when X holds a NaN or an infinity."""
    if not _finite(X):
        return False
    L = len(Ws)
    one, zero = consts[2], consts[3]
    m = X.shape[0]
    for start in range(0, m, block):
        stop = min(m, start + block)
        A_prev = X[start:stop]
        for l in range(L):
            A = As[l][: stop - start] if l < L - 1 else out[start:stop]
            code = hidden if l < L - 1 else output
            _layer(A_prev, Ws[l], bs[l], A, use_blas[l], code, one, zero, ints, chars, scratch)
            A_prev = A
    return True


@njit(**EXACT)
def _forward(
    X, As, Ads, Ws, bs, gammas, betas, means, variances, Z_norms, stats, norm, use_blas,
    hidden, output, training, U, offset, keep, bn, consts, ints, chars, scratch,
):  # fmt: skip
    """A[l] = g(Z[l]) of the batch X layer by layer into the buffers As[l - 1] (rows 0..m-1),
    the last layer with the activation ``output`` (IDENTITY while training, where the cost
    computes g(Z[L])). Batch-normalized layers (``norm``) use the batch's statistics while
    ``training``, else the running averages. While training with keep < 1 the hidden outputs go
    through dropout into Ads (the next layer's input), with the uniforms U[offset:]."""
    L = len(Ws)
    one, zero = consts[2], consts[3]
    m = X.shape[0]
    A_prev = X
    dropout = training and keep < 1.0
    for l in range(L):
        code = hidden if l < L - 1 else output
        A = As[l][:m]
        if norm[l]:
            _product(A_prev, Ws[l], A, use_blas[l], one, zero, ints, chars, scratch)
            _bias_norm_activation(A, bs[l], gammas[l], betas[l], means[l], variances[l],
                                  Z_norms[l][:m], stats[l], bn[l], training, code)  # fmt: skip
        else:
            _layer(A_prev, Ws[l], bs[l], A, use_blas[l], code, one, zero, ints, chars, scratch)
        if dropout and l < L - 1:
            A_dropped = Ads[l][:m]
            _drop(A, A_dropped, U, offset, keep, consts[5], one, zero)
            offset += A.size
            A = A_dropped
        A_prev = A
    return offset


# ---- the epoch -------------------------------------------------------------------------------


@njit(**EXACT)
def _epoch(
    X, Y, order, starts, stops, U, Ws, Ps, Gs, S1s, S2s, GWs, VWs,
    means, variances, Z_norms, stats, norm, As, Ads, Ds, Y_batch, use_blas, hidden, output,
    optimizer, fold, hyper, t0, keep, l2, l1, bn, consts, costs, ints, chars, scratch, c,
):  # fmt: skip
    """Every mini-batch of ``starts``/``stops``; returns how many costs it wrote (it stops at a
    non-finite one).

    Ps, Gs, S1s, S2s hold 4 flat arrays per layer l, at 4l + (0, 1, 2, 3): W, b, gamma, beta
    (size 0 without batch norm), their gradients, and the optimizer's first and second slots
    (size 0 where it keeps none). GWs and VWs are the 2-D views of dW and of W's first slot.
    With ``fold`` (GradientDescent or Momentum, no L2 or L1) dW is folded into the update instead.
    ``hyper`` = [lr, ...] in float64; ``consts`` (network dtype) holds lr, beta, 1, 0, the step's
    alpha, keep, lambda / m and lambda1 / m, so that all arithmetic stays in the network's dtype.
    """
    L = len(Ws)
    consts[0] = hyper[0]
    consts[1] = hyper[1]
    consts[2] = 1.0
    consts[3] = 0.0
    consts[5] = keep
    lr, beta, one, zero = consts[0], consts[1], consts[2], consts[3]
    momentum = optimizer == MOMENTUM
    dropout = keep < 1.0
    n_features = X.shape[1]
    n_outputs = Y.shape[1]
    offset = 0
    outputs, inputs, bs, gammas, betas = As[1:], Ads[1:], Ps[1::4], Ps[2::4], Ps[3::4]
    for t in range(starts.size):
        m = stops[t] - starts[t]
        X_batch = As[0]
        for i in range(m):  # gather the rows of mini-batch t
            row = order[starts[t] + i]
            for k in range(n_features):
                X_batch[i, k] = X[row, k]
            for k in range(n_outputs):
                Y_batch[i, k] = Y[row, k]
        for l in range(L):
            bn[l, 5] = m
        first = offset

        # the output's activation comes with the cost, below: the last layer stays Z[L]
        offset = _forward(
            X_batch[:m], outputs, inputs, Ws, bs, gammas, betas, means, variances, Z_norms,
            stats, norm, use_blas, hidden, IDENTITY, True, U, offset, keep, bn, consts, ints,
            chars, scratch,
        )  # fmt: skip

        J = _cost_and_delta(As[L][:m], Y_batch[:m], Ds[L - 1][:m], output, one, zero)
        if l2 != 0.0:
            squares = 0.0
            for l in range(L):
                squares += _squares(Ps[4 * l])
            J += l2 / (2 * m) * squares
        if l1 != 0.0:
            sizes = 0.0
            for l in range(L):
                sizes += _absolutes(Ps[4 * l])
            J += l1 / m * sizes
        costs[t] = J
        if not np.isfinite(J):
            return t + 1

        consts[4] = 1.0 / m
        inv_m = consts[4]
        consts[6] = l2 / m
        l2_m = consts[6]
        consts[7] = l1 / m
        l1_m = consts[7]
        if fold:
            consts[4] = (1.0 - hyper[1]) / m if momentum else hyper[0] / m
        alpha = consts[4]
        step = t0 + t + 1
        for l in range(L - 1, -1, -1):
            D = Ds[l][:m]
            A_prev = Ads[l][:m]
            W = Ws[l]
            if norm[l]:  # dZ~ -> dZ, with dgamma and dbeta
                _norm_backward(D, Z_norms[l][:m], stats[l], Ps[4 * l + 2], Gs[4 * l + 2],
                               Gs[4 * l + 3], bn[l])  # fmt: skip
            if l > 0:  # dZ[l-1] before W[l] changes
                dA = Ds[l - 1][:m]
                if use_blas[l]:
                    if m == 1:
                        gemv(dA[0], W, D[0], True, ints, chars, scratch)
                    else:
                        gemm(dA, D, W, False, False, one, zero, ints, chars, scratch)
                else:
                    _backprop_loops(D, W, dA, zero)
                if dropout:  # the uniforms of hidden layer l - 1 in this batch
                    start = first
                    for k in range(l - 1):
                        start += As[k + 1].shape[1] * m
                    _drop(dA, dA, U, start, keep, consts[5], one, zero)
                _derivative(dA, As[l][:m], hidden, one, zero)
            if fold:
                if use_blas[l]:
                    if momentum and m == 1:
                        _update_one_pass(D, A_prev, W, VWs[l], lr, beta, alpha)
                    elif momentum:
                        gemm(VWs[l], D, A_prev, True, False, alpha, beta, ints, chars, scratch)
                        _descend(W, VWs[l], lr)
                    else:
                        gemm(W, D, A_prev, True, False, -alpha, one, ints, chars, scratch)
                    _update_bias(D, Ps[4 * l + 1], S1s[4 * l + 1], momentum, lr, beta, alpha,
                                 zero)  # fmt: skip
                else:
                    _update_loops(D, A_prev, W, Ps[4 * l + 1], VWs[l], S1s[4 * l + 1],
                                  momentum, lr, beta, alpha, zero)  # fmt: skip
                first_param = 4 * l + 2  # gamma and beta through the kernel
            else:
                if use_blas[l]:
                    gemm(GWs[l], D, A_prev, True, False, inv_m, zero, ints, chars, scratch)
                else:
                    _gradient_loops(D, A_prev, GWs[l], inv_m, zero)
                if l2 != 0.0:
                    _add_l2(Gs[4 * l], Ps[4 * l], l2_m)
                if l1 != 0.0:
                    _add_l1(Gs[4 * l], Ps[4 * l], l1_m)
                _bias_gradient(D, Gs[4 * l + 1], inv_m, zero)
                first_param = 4 * l
            for p in range(first_param, 4 * l + 4):
                _step(optimizer, Ps[p], Gs[p], S1s[p], S2s[p], hyper, step, c)
    return starts.size


# ---- the Python side: what is supported, the buffers, the call -------------------------------
# The engine knows the network by its public attributes only (sizes, dtype, layers with W, b,
# activation and norm, dropout, l2, l1, dropout_rng, parameters()); network.py calls this
# engine.


def _is(obj, qualname: str) -> bool:
    """obj (a class or a function) is network.py's ``qualname``, not a replacement of it."""
    return getattr(obj, "__module__", None) == "glassnet.network" and (
        getattr(obj, "__qualname__", None) == qualname
    )


def unsupported(net, optimizer=None) -> str | None:
    """Why this engine cannot train ``net`` with ``optimizer`` (None when it can); without an
    optimizer, why it cannot run the network's forward pass."""
    if optimizer is not None and type(optimizer) not in KERNELS:
        names = ", ".join(cls.__name__ for cls in KERNELS)
        return f"it supports the optimizers {names}, not {type(optimizer).__name__}"
    methods = ("propagate", "backward", "backprop")
    if not all(_is(getattr(type(net), name, None), f"Network.{name}") for name in methods):
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
        if not _is(type(layer), "Dense"):
            return f"layer {l} is not a plain Dense layer"
        if layer.norm is not None and (l == last or not _is(type(layer.norm), "BatchNorm")):
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


class _Workspace:
    """The buffers of one (network, batch size): activations, errors, gathered batch,
    gradients, batch-norm statistics and scratch."""

    def __init__(self, net, batch_size: int, training: bool = True) -> None:
        dtype, sizes = net.dtype, net.sizes
        self.key = _key(net, batch_size)
        L = len(sizes) - 1
        self.norm = np.array([layer.norm is not None for layer in net.layers])
        empty2 = np.zeros((0, 0), dtype)
        self.empty = np.zeros(0, dtype)
        # A[0] (the gathered batch), dZ and Y only for training; the forward pass needs A[1:].
        rows = [batch_size if training else 0] + [batch_size] * L
        self.As = tuple(np.zeros((m, n), dtype) for m, n in zip(rows, sizes))
        dropout = training and net.dropout > 0
        self.Ads = self.As[:1] + tuple(
            np.zeros((batch_size, n), dtype) if dropout and l < L else A
            for l, (n, A) in enumerate(zip(sizes[1:], self.As[1:]), start=1)
        )
        widths = list(zip(sizes[1:], self.norm))
        self.Z_norms = tuple(np.zeros((batch_size, n), dtype) if bn else empty2 for n, bn in widths)
        self.stats = tuple(np.zeros((3, n), dtype) if bn else empty2 for n, bn in widths)
        self.bn = np.zeros((L, 6), dtype)
        for l, layer in enumerate(net.layers):
            if layer.norm is not None:
                self.bn[l, :3] = layer.norm.momentum, 1 - layer.norm.momentum, layer.norm.epsilon
            self.bn[l, 3] = 1.0
            self.bn[l, 5] = batch_size
        if training:
            self.Ds = tuple(np.zeros((batch_size, n), dtype) for n in sizes[1:])
            self.Y_batch = np.zeros((batch_size, sizes[-1]), dtype)
            shapes = zip(sizes[1:], sizes)
            self.GWs = tuple(np.zeros(shape, dtype) for shape in shapes)
            self.Gs = tuple(
                g
                for GW, n, bn in zip(self.GWs, sizes[1:], self.norm)
                for g in (GW.reshape(-1), np.zeros(n, dtype), *(
                    (np.zeros(n, dtype), np.zeros(n, dtype)) if bn else (self.empty, self.empty)
                ))
            )  # fmt: skip
        self.U = np.zeros(0)  # dropout's uniforms
        self.use_blas = np.array(
            [batch_size * n_in * n_out >= BLAS_THRESHOLD for n_in, n_out in zip(sizes, sizes[1:])]
        )
        self.hyper = np.zeros(8)
        self.consts = np.zeros(8, dtype)
        self.consts[2] = 1.0  # the 1 and 0 (consts[3]) of the network's dtype
        self.c = np.zeros(12, dtype)
        self.ints = np.zeros(6, np.int32)
        self.chars = np.zeros(2, np.uint8)
        self.scratch = np.zeros(2, dtype)


def _key(net, batch_size: int) -> tuple:
    norms = tuple(layer.norm is not None for layer in net.layers)
    return (tuple(net.sizes), net.dtype, batch_size, norms, net.dropout > 0)


_workspaces: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _workspace(net, batch_size: int) -> _Workspace:
    """The network's buffers for this batch size, made on first use and then reused."""
    ws = _workspaces.get(net)
    if ws is None or ws.key != _key(net, batch_size):
        ws = _Workspace(net, batch_size)
        _workspaces[net] = ws
    return ws


def _norm_arrays(net, ws: _Workspace):
    """gamma, beta, running mean and variance of every layer (size 0 without batch norm)."""
    empty = ws.empty
    norms = [layer.norm for layer in net.layers]
    return tuple(
        tuple(empty if n is None else getattr(n, name) for n in norms)
        for name in ("gamma", "beta", "running_mean", "running_var")
    )


class Predictor:
    """The compiled forward pass of one network as it is now: the tuples of its arrays, made
    once (engine/ makes a new Predictor when the network's layers, arrays or activations are
    replaced), buffers per batch size (the last few used), and the lock that keeps two threads
    off the same buffers (a second thread at once gets buffers of its own)."""

    def __init__(self, net) -> None:
        layers = net.layers
        self.Ws = tuple(layer.W for layer in layers)
        self.bs = tuple(layer.b for layer in layers)
        self.hidden, self.output = CODES[net.hidden.name], CODES[net.output.name]
        self.norm = any(layer.norm is not None for layer in layers)
        self.n_outputs = net.sizes[-1]
        self.lock = threading.Lock()
        self.workspaces: dict[int, _Workspace] = {}

    def __call__(self, net, X: np.ndarray, logits: bool = False) -> np.ndarray | None:
        """A[L] (Z[L] with ``logits``) for X of the network's shape and dtype (C-contiguous), as
        ``net.propagate(X)`` computes it in prediction mode; None, computing nothing, when X
        holds a NaN or an infinity (the caller's check_X names them)."""
        m = X.shape[0]
        rows = m if self.norm else min(m, BLOCK)  # batch norm: the whole batch in one _forward
        output = IDENTITY if logits else self.output
        if not self.lock.acquire(blocking=False):
            return self._run(net, X, _Workspace(net, rows, training=False), output)
        try:
            ws = self.workspaces.get(rows)
            if ws is None:
                if len(self.workspaces) >= 4:
                    self.workspaces.pop(next(iter(self.workspaces)))
                ws = self.workspaces[rows] = _Workspace(net, rows, training=False)
            return self._run(net, X, ws, output)
        finally:
            self.lock.release()

    def _run(self, net, X: np.ndarray, ws: _Workspace, output: int) -> np.ndarray | None:
        if not self.norm:
            out = np.empty((X.shape[0], self.n_outputs), X.dtype)
            finite = _predict(X, out, ws.As[1:], self.Ws, self.bs, ws.use_blas, self.hidden,
                              output, ws.As[1].shape[0], ws.consts, ws.ints, ws.chars,
                              ws.scratch)  # fmt: skip
            return out if finite else None
        if not _finite(X):
            return None
        gammas, betas, means, variances = _norm_arrays(net, ws)
        _forward(
            X, ws.As[1:], ws.As[1:], self.Ws, self.bs, gammas, betas, means, variances,
            ws.Z_norms, ws.stats, ws.norm, ws.use_blas, self.hidden, output, False, ws.U, 0,
            1.0, ws.bn, ws.consts, ws.ints, ws.chars, ws.scratch,
        )  # fmt: skip
        return ws.As[-1][: X.shape[0]].copy()


def epoch(net, optimizer, X, Y, order, slices) -> list[float]:
    """One epoch of mini-batch steps in compiled calls; the engine interface of engine/."""
    kernel = KERNELS[type(optimizer)]
    params = net.parameters()
    state = optimizer.state  # read and written here as the optimizer's step would
    created = bool(optimizer.slots) and optimizer.slots[0] not in state.slots
    if created:  # as Optimizer.step does on its first step
        optimizer.init(params)
    starts = np.array([s.start for s in slices], dtype=np.int64)
    stops = np.array([s.stop for s in slices], dtype=np.int64)
    ws = _workspace(net, int((stops - starts).max()))
    Ps, S1s, S2s, VWs = _parameter_views(net, optimizer, ws)
    gammas, betas, means, variances = _norm_arrays(net, ws)
    ws.hyper[0] = state.lr
    ws.hyper[1 : 1 + len(kernel.hyperparameters)] = [
        getattr(optimizer, name) for name in kernel.hyperparameters
    ]
    fold = kernel.code in (GD, MOMENTUM) and not net.l2 and not net.l1
    costs = np.empty(len(slices))
    X = np.ascontiguousarray(X, dtype=net.dtype)
    Y = np.ascontiguousarray(Y, dtype=net.dtype)
    order = np.ascontiguousarray(order, dtype=np.int64)
    keep = 1.0 - net.dropout
    units = sum(net.sizes[1:-1]) if net.dropout else 0  # dropout uniforms per sample
    done = steps = 0
    for a, b in _chunks(stops - starts, units):
        if units:  # the masks' uniforms, in the reference engine's order
            rng = net.dropout_rng
            before = rng.bit_generator.state
            n = int(stops[b - 1] - starts[a]) * units
            if ws.U.size < n:
                ws.U = np.zeros(n)
            rng.random(out=ws.U[:n])
        count = _epoch(
            X, Y, order, starts[a:b], stops[a:b], ws.U, tuple(layer.W for layer in net.layers),
            Ps, ws.Gs, S1s, S2s, ws.GWs, VWs, means, variances, ws.Z_norms, ws.stats, ws.norm,
            ws.As, ws.Ads, ws.Ds, ws.Y_batch, ws.use_blas, CODES[net.hidden.name],
            CODES[net.output.name], kernel.code, fold, ws.hyper, state.t + steps, keep, net.l2,
            net.l1, ws.bn, ws.consts, costs[a:b], ws.ints, ws.chars, ws.scratch, ws.c,
        )  # fmt: skip
        done = a + count
        finite = bool(np.isfinite(costs[done - 1]))
        steps += count if finite else count - 1
        if not finite:
            if units:  # the reference drew up to the failing batch's masks, no further
                rng.bit_generator.state = before
                rng.random(out=ws.U[: int(stops[done - 1] - starts[a]) * units])
            break
    state.t += steps
    if created and steps == 0:
        for name in optimizer.slots:
            del state.slots[name]
    return costs[:done].tolist()


def _chunks(sizes: np.ndarray, units: int):
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


def _parameter_views(net, optimizer, ws: _Workspace):
    """Ps, S1s, S2s (4 flat arrays per layer: W, b, gamma, beta, or size 0) and VWs (the 2-D
    first slot of every W, or W itself without slots)."""
    slots = [optimizer.state.slots[name] for name in optimizer.slots]
    empty = ws.empty
    Ps, S1s, S2s, VWs = [], [], [], []
    index = 0
    for layer in net.layers:
        own = layer.parameters()
        VWs.append(slots[0][index] if slots else layer.W)
        for j in range(4):
            if j < len(own):
                Ps.append(own[j].reshape(-1))
                S1s.append(slots[0][index].reshape(-1) if slots else empty)
                S2s.append(slots[1][index].reshape(-1) if len(slots) > 1 else empty)
                index += 1
            else:
                Ps.append(empty)
                S1s.append(empty)
                S2s.append(empty)
    return tuple(Ps), tuple(S1s), tuple(S2s), tuple(VWs)
