"""The fused engine's compiled kernels: activations, batch normalization, dropout, a layer's
products, the penalties, and the cost with the output error dZ[L] = A[L] - Y.

Each kernel computes one of network.py's formulas in place on buffers it is given (samples are
rows, W[l] has shape (n_l, n_{l-1})), in the network's dtype: ``one`` and ``zero`` are 1 and 0 of
that dtype. The kernels trust their inputs; engine/fused.py checks what the engine can run.

numba keys each cached function on its own source file only: after editing this file, delete
engine/__pycache__/*.nbi and *.nbc so that the epoch (engine/epoch.py) is compiled again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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

IDENTITY, RELU, SIGMOID, TANH, SOFTMAX = 0, 1, 2, 3, 4
CODES = {"identity": IDENTITY, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "softmax": SOFTMAX}


# ---- activations: g(z) and dA * g'(z) from the output a = g(z), as in activations.py ----------


@njit(**LOOPS)
def g(z, code, one, zero):
    if code == RELU:
        return zero if z <= zero else z  # as np.maximum(z, 0): a NaN stays NaN
    if code == SIGMOID:
        e = np.exp(-abs(z))  # e^-|z| <= 1: no overflow
        return (one if z >= zero else e) / (one + e)
    if code == TANH:
        return np.tanh(z)
    return z


@njit(**LOOPS)
def activation(A, code, one, zero):
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
                row[j] = g(row[j], code, one, zero)


@njit(**LOOPS)
def bias_activation(A, b, code, one, zero):
    """A = g(A + b) in place, one loop per activation so that each is a branch-free loop the
    compiler vectorizes."""
    m, n = A.shape
    if code == SOFTMAX:
        for i in range(m):
            row = A[i]
            for j in range(n):
                row[j] += b[j]
        activation(A, code, one, zero)
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
                row[j] = g(row[j] + b[j], code, one, zero)


@njit(**LOOPS)
def derivative(dA, A, code, one, zero):
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
def bias_norm_activation(
    A, b, gamma, beta, mean, var, Z_norm, stats, momentum, momentum_c, epsilon, count, training,
    code, one, zero,
):  # fmt: skip
    """A = g(gamma Z_norm + beta) in place from A = A_prev W^T (network.py's BatchNorm):
    Z = A + b; training: mu, var of the batch (and running = momentum running + (1 - momentum)
    batch), else the running averages; inv_std = 1 / sqrt(var + eps), Z_norm = (Z - mu) inv_std.
    ``stats`` rows receive mu, var, inv_std; ``momentum_c`` = 1 - momentum, ``count`` = m, all in
    A's dtype."""
    m, n = A.shape
    mu, sigma2, inv_std = stats[0], stats[1], stats[2]
    for i in range(m):
        row = A[i]
        for j in range(n):
            row[j] += b[j]
    if training:
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
            mean[j] = mean[j] * momentum + momentum_c * mu[j]
            var[j] = var[j] * momentum + momentum_c * sigma2[j]
    else:
        for j in range(n):
            mu[j] = mean[j]
            sigma2[j] = var[j]
    for j in range(n):
        inv_std[j] = one / np.sqrt(sigma2[j] + epsilon)
    for i in range(m):
        row = A[i]
        z_norm = Z_norm[i]
        for j in range(n):
            z_norm[j] = (row[j] - mu[j]) * inv_std[j]
            row[j] = gamma[j] * z_norm[j] + beta[j]
    activation(A, code, one, zero)


@njit(**LOOPS)
def norm_backward(D, Z_norm, stats, gamma, dgamma, dbeta, count, zero):
    """dgamma = mean(dZ~ Z_norm), dbeta = mean(dZ~), then in place
    dZ = (gamma inv_std) (dZ~ - dbeta - Z_norm dgamma)."""
    m, n = D.shape
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
def drop(A, A_dropped, U, offset, keep, keep_d, one, zero):
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
def product_loops(A_prev, W, A, zero):
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
def backprop_loops(D, W, dA, zero):
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
def gradient_loops(D, A_prev, G, inv_m, zero):
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
def bias_gradient(D, db, inv_m, zero):
    """db = (1/m) sum_i dZ_i, summing row by row along contiguous memory."""
    m, n = D.shape
    for j in range(n):
        db[j] = zero
    for i in range(m):
        for j in range(n):
            db[j] += D[i, j]
    for j in range(n):
        db[j] *= inv_m


@njit(**LOOPS)
def add_l2(G, W, c):
    """dW += (lambda / m) W."""
    for k in range(G.size):
        G[k] += c * W[k]


@njit(**LOOPS)
def add_l1(G, W, c):
    """dW += (lambda1 / m) sign(W), with sign(0) = 0 (the subgradient, as np.sign)."""
    for k in range(G.size):
        if W[k] > 0:
            G[k] += c
        elif W[k] < 0:
            G[k] -= c


@njit(**EXACT)
def squares(W):
    """||W||^2 summed in float64, as network.penalty does."""
    s = 0.0
    for k in range(W.size):
        w = np.float64(W[k])
        s += w * w
    return s


@njit(**EXACT)
def absolutes(W):
    """sum |W| in float64, as network.penalty does."""
    s = 0.0
    for k in range(W.size):
        s += abs(np.float64(W[k]))
    return s


# ---- the cost and the output error -----------------------------------------------------------


@njit(**LOOPS)
def cost_and_delta(Z, Y, D, code, one, zero):
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
def product(A_prev, W, A, use_blas, one, zero, ints, chars, scratch):
    """A = A_prev W^T: BLAS (gemv for one row) or, for a small layer, compiled loops."""
    if use_blas:
        if A.shape[0] == 1:
            gemv(A[0], W, A_prev[0], False, ints, chars, scratch)
        else:
            gemm(A, A_prev, W, False, True, one, zero, ints, chars, scratch)
    else:
        product_loops(A_prev, W, A, zero)


@njit(**EXACT)
def layer(A_prev, W, b, A, use_blas, code, one, zero, ints, chars, scratch):
    """A = g(A_prev W^T + b) into A."""
    product(A_prev, W, A, use_blas, one, zero, ints, chars, scratch)
    bias_activation(A, b, code, one, zero)


@njit(**LOOPS)
def finite(X):
    """Whether every entry of X is finite: x * 0 is 0 for a finite x and NaN for NaN or +-inf
    (fastmath here has no nnan/ninf, so the compiler may not fold it to 0)."""
    Xf = X.reshape(X.size)
    total = Xf[0] * 0
    for k in range(Xf.size):
        total += Xf[k] * 0
    return total == 0
