"""The optimizers' steps in the fused engine: one compiled kernel per optimizer of optimizers.py,
beside its name in ``STEPS``, the one registry that the epoch and ``unsupported`` read.

A kernel reads a parameter P, its gradient G (materialized in a buffer) and the optimizer's slot
arrays, all flat; ``h`` holds the float64 hyper-parameters [lr, ...] in the order its ``Step``
names them; ``t`` is this step's count (1, 2, ...); ``c`` is scratch of P's dtype, where a kernel
puts its constants so that the arithmetic stays in that dtype.

Every kernel has one signature, ``kernel(P, G, S1, S2, h, t, c)`` (S1, S2: the first and second
slot; a kernel reads what it needs), so adding an optimizer to the engine (its class in
optimizers.py already there) is its kernel below and its line in ``STEPS``: ``step`` calls the
kernels through the tuple ``KERNELS`` made from ``STEPS``, a kernel's code is its place there.
tests/test_engine.py proves every kernel equal to the optimizer's NumPy ``update``. An
optimizer without a line here runs on the reference engine: ``engine="auto"`` says so once,
``engine="numba"`` refuses.

Momentum is written once for the engine, in ``velocity``: V = beta V + c dW with c = 1 - beta,
or c = (1 - beta) / m when the epoch folds dW = (1/m) dZ^T A_prev into the update (``fold``: for
GradientDescent and Momentum without L2 or L1 the gradient is never materialized, the product
goes straight into V, or W, as one gemm C = alpha op(A) op(B) + beta C or one pass of loops).
Every loop that updates a velocity calls ``velocity`` (with the first sample's term of
dZ^T A_prev; the other samples' terms add to it); the gemm is the same formula, with BLAS's beta
and alpha.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import literal_unroll, njit
from numba.core.errors import NumbaExperimentalFeatureWarning

from ..optimizers import OPTIMIZERS
from .blas import gemm
from .kernels import EXACT, LOOPS

# ``step`` calls the kernels as first-class functions (one signature), which numba still calls
# experimental; it compiles and caches them like any other call.
warnings.filterwarnings(
    "ignore", ".*First-class function type", category=NumbaExperimentalFeatureWarning
)


# ---- momentum: the velocity, and the update with the gradient folded in ----------------------


@njit(**LOOPS)
def velocity(v, g, beta, c):
    """V = beta V + c dW (c = 1 - beta; (1 - beta) / m with dZ_j A_prev in place of dW)."""
    return beta * v + c * g


@njit(**LOOPS)
def momentum_step(P, G, V, S2, h, t, c):
    """V = beta V + (1 - beta) dW, W = W - lr V."""
    c[0], c[1], c[2] = h[0], h[1], 1.0 - h[1]
    lr, beta, beta_c = c[0], c[1], c[2]
    for k in range(P.size):
        V[k] = velocity(V[k], G[k], beta, beta_c)
        P[k] -= lr * V[k]


@njit(**EXACT)
def folded(D, A_prev, W, b, VW, Vb, momentum, use_blas, lr, beta, alpha, one, zero, ints, chars,
           scratch):  # fmt: skip
    """One layer's step with dW = (1/m) dZ^T A_prev folded in, never materialized.

    Momentum (alpha = (1 - beta) / m): V = beta V + alpha dZ^T A_prev, W = W - lr V.
    GradientDescent (alpha = lr / m): W = W - alpha dZ^T A_prev. The bias likewise.
    A large layer (``use_blas``) through one gemm, a small one in loops row by row of W.
    """
    if use_blas:
        if momentum and D.shape[0] == 1:
            momentum_one_pass(D, A_prev, W, VW, lr, beta, alpha)
        elif momentum:
            gemm(VW, D, A_prev, True, False, alpha, beta, ints, chars, scratch)
            descend(W, VW, lr)
        else:
            gemm(W, D, A_prev, True, False, -alpha, one, ints, chars, scratch)
        update_bias(D, b, Vb, momentum, lr, beta, alpha, zero)
    else:
        update_loops(D, A_prev, W, b, VW, Vb, momentum, lr, beta, alpha, zero)


@njit(**LOOPS)
def update_loops(D, A_prev, W, b, VW, Vb, momentum, lr, beta, alpha, zero):
    """``folded`` in compiled loops, row by row of W while the row sits in cache."""
    if momentum:
        momentum_one_pass(D, A_prev, W, VW, lr, beta, alpha)
    else:
        m, n_out = D.shape
        for j in range(n_out):
            W_row = W[j]
            for i in range(m):
                c = alpha * D[i, j]
                a = A_prev[i]
                for k in range(W_row.size):
                    W_row[k] -= c * a[k]
    update_bias(D, b, Vb, momentum, lr, beta, alpha, zero)


@njit(**LOOPS)
def momentum_one_pass(D, A_prev, W, VW, lr, beta, alpha):
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
                v = velocity(V_row[k], a[k], beta, c)
                V_row[k] = v
                W_row[k] -= lr * v
        else:  # V = beta V + alpha dZ_0 A_prev[0], then the other samples' terms of dZ^T A_prev
            c = alpha * D[0, j]
            a = A_prev[0]
            for k in range(n_in):
                V_row[k] = velocity(V_row[k], a[k], beta, c)
            for i in range(1, m):
                c = alpha * D[i, j]
                a = A_prev[i]
                for k in range(n_in):
                    V_row[k] += c * a[k]
            for k in range(n_in):
                W_row[k] -= lr * V_row[k]


@njit(**LOOPS)
def update_bias(D, b, Vb, momentum, lr, beta, alpha, zero):
    """Vb = beta Vb + alpha sum_i dZ_i, b = b - lr Vb (or b = b - alpha sum_i dZ_i), summing
    row by row so that the inner loop runs along contiguous memory."""
    m, n_out = D.shape
    if momentum:
        for j in range(n_out):
            Vb[j] = velocity(Vb[j], D[0, j], beta, alpha)
        for i in range(1, m):
            for j in range(n_out):
                Vb[j] += alpha * D[i, j]
        for j in range(n_out):
            b[j] -= lr * Vb[j]
    else:
        for i in range(m):
            for j in range(n_out):
                b[j] -= alpha * D[i, j]


@njit(**LOOPS)
def descend(W, V, lr):
    """W = W - lr V, in place."""
    Wf = W.reshape(W.size)
    Vf = V.reshape(V.size)
    for k in range(Wf.size):
        Wf[k] -= lr * Vf[k]


# ---- the other optimizers: one kernel each, beside optimizers.py's update --------------------


@njit(**LOOPS)
def gd_step(P, G, S1, S2, h, t, c):
    """W = W - lr dW."""
    c[0] = h[0]
    lr = c[0]
    for k in range(P.size):
        P[k] -= lr * G[k]


@njit(**LOOPS)
def nesterov_step(P, G, V, S2, h, t, c):
    """V = beta V - lr dW, W = W + beta V - lr dW."""
    c[0], c[1] = h[0], h[1]
    lr, beta = c[0], c[1]
    for k in range(P.size):
        V[k] = beta * V[k] - lr * G[k]
        P[k] += beta * V[k] - lr * G[k]


@njit(**LOOPS)
def rmsprop_step(P, G, S, S2, h, t, c):
    """S = rho S + (1 - rho) dW^2, W = W - lr dW / (sqrt(S) + epsilon)."""
    c[0], c[1], c[2], c[3] = h[0], h[1], 1.0 - h[1], h[2]
    lr, rho, rho_c, epsilon = c[0], c[1], c[2], c[3]
    for k in range(P.size):
        g = G[k]
        S[k] = rho * S[k] + rho_c * g * g
        P[k] -= lr * g / (np.sqrt(S[k]) + epsilon)


@njit(**LOOPS)
def adam_step(P, G, M, S, h, t, c):
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


@njit(**LOOPS)
def adagrad_step(P, G, S, S2, h, t, c):
    """S = S + dW^2, W = W - lr dW / (sqrt(S) + epsilon)."""
    c[0], c[1] = h[0], h[1]
    lr, epsilon = c[0], c[1]
    for k in range(P.size):
        g = G[k]
        S[k] += g * g
        P[k] -= lr * g / (np.sqrt(S[k]) + epsilon)


# ---- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """An optimizer's ``kernel``, the ``hyperparameters`` it reads after lr (in ``h``), and
    whether the epoch may ``fold`` dW into the update (``folded``)."""

    kernel: Callable
    hyperparameters: tuple[str, ...] = ()
    fold: bool = False

    @property
    def code(self) -> int:
        """The kernel's place in ``KERNELS``: what the epoch passes to ``step``."""
        return KERNELS.index(self.kernel)


# optimizer name (optimizers.OPTIMIZERS) -> its kernel: the one place the engine learns of one
STEPS = {
    "gd": Step(gd_step, fold=True),
    "momentum": Step(momentum_step, ("beta",), fold=True),
    "nesterov": Step(nesterov_step, ("beta",)),
    "rmsprop": Step(rmsprop_step, ("rho", "epsilon")),
    "adam": Step(adam_step, ("beta1", "beta2", "epsilon", "weight_decay")),
    "adamw": Step(adam_step, ("beta1", "beta2", "epsilon", "weight_decay")),
    "adagrad": Step(adagrad_step, ("epsilon",)),
}
KERNELS = tuple(dict.fromkeys(entry.kernel for entry in STEPS.values()))  # each kernel once
MOMENTUM = KERNELS.index(momentum_step)  # the folded update's momentum (GradientDescent else)


@njit(**EXACT)
def step(code, P, G, S1, S2, h, t, c):
    """The update of one parameter by the kernel at ``KERNELS[code]``."""
    i = 0
    for kernel in literal_unroll(KERNELS):
        if i == code:
            kernel(P, G, S1, S2, h, t, c)
        i += 1


def kernel(optimizer) -> Step | None:
    """The engine's kernel of ``optimizer``, or None when it has none: an optimizer is covered
    when its class is the one ``OPTIMIZERS`` names (a subclass, even of a covered optimizer, may
    update otherwise)."""
    name = getattr(type(optimizer), "name", None)
    if name not in STEPS or OPTIMIZERS.get(name) is not type(optimizer):
        return None
    return STEPS[name]


def covered() -> list[str]:
    """The names of the optimizers the engine runs."""
    return list(STEPS)
