"""The fused engine's compiled loops: the forward pass (shared by training and prediction), the
prediction in blocks, and the epoch, every mini-batch's forward pass, cost, backward pass and
optimizer step in one call.

The loops take named tuples of arrays (numba compiles them like any tuple, one version per
combination of types): ``Data`` (the training set and the batches), ``Layers`` (the network's
arrays), ``Buffers`` (a workspace, engine/workspace.py) and ``Update`` (the optimizer's kernel,
hyper-parameters, parameters, gradients and slots). The formulas are network.py's; engine/fused.py
states them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from .blas import gemm, gemv
from .kernels import (
    EXACT,
    IDENTITY,
    absolutes,
    add_l1,
    add_l2,
    backprop_loops,
    bias_gradient,
    bias_norm_activation,
    cost_and_delta,
    derivative,
    drop,
    finite,
    gradient_loops,
    layer,
    norm_backward,
    product,
    squares,
)
from .steps import MOMENTUM, folded, step


class Data(NamedTuple):
    """The training set and the batches of a call: batch t is the rows order[starts[t]:stops[t]]
    of X and Y; U holds the batches' dropout uniforms (float64), in the reference engine's order.
    ``in_order``: order is 0, 1, 2, ... (no shuffling, or one batch of the whole set), so a batch
    is the slice X[starts[t]:stops[t]] itself, read where it is instead of gathered."""

    X: np.ndarray
    Y: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    U: np.ndarray
    in_order: bool


class Layers(NamedTuple):
    """The network's arrays, one per layer in each tuple (gamma, beta, mean and variance of size 0
    where a layer has no batch norm), and what they compute with: ``norm`` (bool, per layer),
    batch norm's ``momentum``, ``momentum_c`` = 1 - momentum and ``epsilon`` per layer in the
    network's dtype, the activation codes of the ``hidden`` layers and of the ``output``."""

    W: tuple
    b: tuple
    gamma: tuple
    beta: tuple
    mean: tuple
    variance: tuple
    norm: np.ndarray
    momentum: np.ndarray
    momentum_c: np.ndarray
    epsilon: np.ndarray
    hidden: int
    output: int


class Scalars(NamedTuple):
    """One-element arrays of the network's dtype: a float64 value written into one and read back
    is that value in the network's dtype, so that all arithmetic stays in that dtype."""

    one: np.ndarray
    zero: np.ndarray
    lr: np.ndarray
    beta: np.ndarray
    keep: np.ndarray  # 1 - dropout
    count: np.ndarray  # m, the batch's rows
    inv_m: np.ndarray  # 1 / m
    alpha: np.ndarray  # the folded step's (1 - beta) / m or lr / m
    l2_m: np.ndarray  # lambda / m
    l1_m: np.ndarray  # lambda1 / m


class Buffers(NamedTuple):
    """A workspace's arrays for batches of up to its batch size (engine/workspace.py).

    ``A``: A[0] the gathered batch (training only), A[l] layer l's output; ``A_dropped``: what
    layer l + 1 reads, A[l] after dropout (A[l] itself without); ``dZ``: dZ[l + 1] of each layer;
    ``Z_norm`` and ``stats`` (rows mu, var, 1 / sqrt(var + eps)) of batch-normalized layers;
    ``Y_batch``; ``dW``: the 2-D gradients; ``use_blas`` per layer; ``scalars``; ``c``: the
    optimizer kernels' scratch; ``ints``, ``chars``, ``scratch``: BLAS's by-address arguments.
    """

    A: tuple
    A_dropped: tuple
    dZ: tuple
    Z_norm: tuple
    stats: tuple
    Y_batch: np.ndarray
    dW: tuple
    use_blas: np.ndarray
    scalars: Scalars
    c: np.ndarray
    ints: np.ndarray
    chars: np.ndarray
    scratch: np.ndarray


class Flat(NamedTuple):
    """One flat array per layer for each parameter (size 0 where a layer has none)."""

    W: tuple
    b: tuple
    gamma: tuple
    beta: tuple


class Update(NamedTuple):
    """The optimizer's step: its kernel ``code`` (engine/steps.py), ``fold`` (dW folded into the
    update: GradientDescent or Momentum without L2 or L1), ``hyper`` = [lr, ...] in float64,
    ``t0`` the steps taken before this call, then the parameters, their gradients and the
    optimizer's ``first`` and ``second`` slots (size 0 where it keeps none), and ``V``, the 2-D
    first slot of every W (W itself without slots)."""

    code: int
    fold: bool
    hyper: np.ndarray
    t0: int
    params: Flat
    grads: Flat
    first: Flat
    second: Flat
    V: tuple


@njit(**EXACT)
def predict(X, out, layers, buffers, output, block):
    """A[L] of a network without batch norm into ``out``, ``block`` rows of X at a time through
    every layer (so that the buffers A[1:] hold ``block`` rows). Returns False, computing nothing,
    when X holds a NaN or an infinity."""
    if not finite(X):
        return False
    L = len(layers.W)
    one, zero = buffers.scalars.one[0], buffers.scalars.zero[0]
    As = buffers.A[1:]
    m = X.shape[0]
    for start in range(0, m, block):
        stop = min(m, start + block)
        A_prev = X[start:stop]
        for l in range(L):
            A = As[l][: stop - start] if l < L - 1 else out[start:stop]
            code = layers.hidden if l < L - 1 else output
            layer(A_prev, layers.W[l], layers.b[l], A, buffers.use_blas[l], code, one, zero,
                  buffers.ints, buffers.chars, buffers.scratch)  # fmt: skip
            A_prev = A
    return True


@njit(**EXACT)
def forward(X, layers, buffers, output, training, U, offset, keep):
    """A[l] = g(Z[l]) of the batch X layer by layer into the buffers A[l] (rows 0..m-1), the
    last layer with the activation ``output`` (IDENTITY while training, where the cost computes
    g(Z[L])). Batch-normalized layers use the batch's statistics while ``training``, else the
    running averages. While training with keep < 1 the hidden outputs go through dropout into
    A_dropped (the next layer's input), with the uniforms U[offset:]; returns the next offset."""
    L = len(layers.W)
    s = buffers.scalars
    one, zero = s.one[0], s.zero[0]
    outputs, inputs = buffers.A[1:], buffers.A_dropped[1:]
    ints, chars, scratch = buffers.ints, buffers.chars, buffers.scratch
    m = X.shape[0]
    A_prev = X
    dropout = training and keep < 1.0
    for l in range(L):
        code = layers.hidden if l < L - 1 else output
        A = outputs[l][:m]
        W, b, use_blas = layers.W[l], layers.b[l], buffers.use_blas[l]
        if layers.norm[l]:
            product(A_prev, W, A, use_blas, one, zero, ints, chars, scratch)
            bias_norm_activation(
                A, b, layers.gamma[l], layers.beta[l], layers.mean[l], layers.variance[l],
                buffers.Z_norm[l][:m], buffers.stats[l], layers.momentum[l], layers.momentum_c[l],
                layers.epsilon[l], s.count[0], training, code, one, zero,
            )  # fmt: skip
        else:
            layer(A_prev, W, b, A, use_blas, code, one, zero, ints, chars, scratch)
        if dropout and l < L - 1:
            A_dropped = inputs[l][:m]
            drop(A, A_dropped, U, offset, keep, s.keep[0], one, zero)
            offset += A.size
            A = A_dropped
        A_prev = A
    return offset


@njit(**EXACT)
def in_order(order) -> bool:
    """Whether ``order`` is 0, 1, 2, ...: the rows in their order, each batch a slice of X."""
    for i in range(order.size):
        if order[i] != i:
            return False
    return True


@njit(**EXACT)
def epoch(data, layers, buffers, update, keep, l2, l1, costs):
    """Every mini-batch of ``data``; returns how many costs it wrote into ``costs`` (it stops at
    a non-finite one). ``keep`` = 1 - dropout, ``l2`` = lambda, ``l1`` = lambda1."""
    L = len(layers.W)
    s = buffers.scalars
    hyper = update.hyper
    s.lr[0] = hyper[0]
    s.beta[0] = hyper[1]
    s.keep[0] = keep
    lr, beta, one, zero = s.lr[0], s.beta[0], s.one[0], s.zero[0]
    momentum = update.code == MOMENTUM
    dropout = keep < 1.0
    X, Y, order = data.X, data.Y, data.order
    n_features = X.shape[1]
    n_outputs = Y.shape[1]
    As, Ads, Ds, Y_batch = buffers.A, buffers.A_dropped, buffers.dZ, buffers.Y_batch
    ints, chars, scratch = buffers.ints, buffers.chars, buffers.scratch
    P, G, S1, S2 = update.params, update.grads, update.first, update.second
    offset = 0
    for t in range(data.starts.size):
        start, m = data.starts[t], data.stops[t] - data.starts[t]
        if data.in_order:  # the batch is a slice of X and Y, read in place
            X_batch, Y_t = X[start : start + m], Y[start : start + m]
        else:  # gather the rows of mini-batch t
            X_batch, Y_t = As[0][:m], Y_batch[:m]
            for i in range(m):
                row = order[start + i]
                for k in range(n_features):
                    X_batch[i, k] = X[row, k]
                for k in range(n_outputs):
                    Y_t[i, k] = Y[row, k]
        s.count[0] = m
        first = offset

        # the output's activation comes with the cost, below: the last layer stays Z[L]
        offset = forward(X_batch, layers, buffers, IDENTITY, True, data.U, offset, keep)

        J = cost_and_delta(As[L][:m], Y_t, Ds[L - 1][:m], layers.output, one, zero)
        if l2 != 0.0:
            total = 0.0
            for l in range(L):
                total += squares(P.W[l])
            J += l2 / (2 * m) * total
        if l1 != 0.0:
            sizes = 0.0
            for l in range(L):
                sizes += absolutes(P.W[l])
            J += l1 / m * sizes
        costs[t] = J
        if not np.isfinite(J):
            return t + 1

        s.inv_m[0] = 1.0 / m
        inv_m = s.inv_m[0]
        s.l2_m[0] = l2 / m
        l2_m = s.l2_m[0]
        s.l1_m[0] = l1 / m
        l1_m = s.l1_m[0]
        s.alpha[0] = (1.0 - hyper[1]) / m if momentum else hyper[0] / m
        alpha = s.alpha[0]
        t_step = update.t0 + t + 1
        for l in range(L - 1, -1, -1):
            D = Ds[l][:m]
            A_prev = Ads[l][:m] if l > 0 else X_batch
            W = layers.W[l]
            use_blas = buffers.use_blas[l]
            if layers.norm[l]:  # dZ~ -> dZ, with dgamma and dbeta
                norm_backward(D, buffers.Z_norm[l][:m], buffers.stats[l], layers.gamma[l],
                              G.gamma[l], G.beta[l], s.count[0], zero)  # fmt: skip
            if l > 0:  # dZ[l-1] before W[l] changes
                dA = Ds[l - 1][:m]
                if use_blas:
                    if m == 1:
                        gemv(dA[0], W, D[0], True, ints, chars, scratch)
                    else:
                        gemm(dA, D, W, False, False, one, zero, ints, chars, scratch)
                else:
                    backprop_loops(D, W, dA, zero)
                if dropout:  # the uniforms of hidden layer l - 1 in this batch
                    start = first
                    for k in range(l - 1):
                        start += As[k + 1].shape[1] * m
                    drop(dA, dA, data.U, start, keep, s.keep[0], one, zero)
                derivative(dA, As[l][:m], layers.hidden, one, zero)
            if update.fold:
                folded(D, A_prev, W, P.b[l], update.V[l], S1.b[l], momentum, use_blas, lr, beta,
                       alpha, one, zero, ints, chars, scratch)  # fmt: skip
            else:
                if use_blas:
                    gemm(buffers.dW[l], D, A_prev, True, False, inv_m, zero, ints, chars, scratch)
                else:
                    gradient_loops(D, A_prev, buffers.dW[l], inv_m, zero)
                if l2 != 0.0:
                    add_l2(G.W[l], P.W[l], l2_m)
                if l1 != 0.0:
                    add_l1(G.W[l], P.W[l], l1_m)
                bias_gradient(D, G.b[l], inv_m, zero)
                step(update.code, P.W[l], G.W[l], S1.W[l], S2.W[l], hyper, t_step, buffers.c)
                step(update.code, P.b[l], G.b[l], S1.b[l], S2.b[l], hyper, t_step, buffers.c)
            step(update.code, P.gamma[l], G.gamma[l], S1.gamma[l], S2.gamma[l], hyper, t_step,
                 buffers.c)  # fmt: skip
            step(update.code, P.beta[l], G.beta[l], S1.beta[l], S2.beta[l], hyper, t_step,
                 buffers.c)  # fmt: skip
    return data.starts.size
