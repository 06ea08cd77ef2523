"""The fused engine's workspaces: the buffers of one (network, batch size), made once and reused,
and the named tuples (engine/epoch.py) of a network's and an optimizer's arrays.

The engine knows the network by its public attributes only (sizes, dtype, layers with W, b,
activation and norm, dropout, parameters(), buffers()) and the optimizer by its ``slots`` and
``state``.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import blas
from .epoch import Buffers, Flat, Layers, Scalars, Update
from .kernels import CODES

# m n_in n_out from which a layer's products go to BLAS. Measured on one core: OpenBLAS's
# small-matrix kernels beat these loops already on W2 (1.5M against 0.46M samples/s with every
# layer in BLAS or in loops) and on W4's 100 x 100 layer at batch 1 (0.26M against 0.21M); only
# tiny layers (W2's 64 -> 1 output, W4's 100 -> 1) stay in the loops.
BLAS_THRESHOLD = 4096


class Workspace:
    """The buffers of one (network, batch size): activations, errors, gathered batch,
    gradients, batch-norm statistics and scratch, as ``buffers`` (epoch.Buffers); ``U``, the
    dropout uniforms, grows as needed."""

    def __init__(self, net, batch_size: int, training: bool = True) -> None:
        dtype, sizes = net.dtype, net.sizes
        self.key = key(net, batch_size)
        L = len(sizes) - 1
        norm = [layer.norm is not None for layer in net.layers]
        empty2 = np.zeros((0, 0), dtype)
        self.empty = np.zeros(0, dtype)
        # A[0] (the gathered batch), dZ and Y only for training; the forward pass needs A[1:].
        rows = [batch_size if training else 0] + [batch_size] * L
        As = tuple(np.zeros((m, n), dtype) for m, n in zip(rows, sizes))
        dropout = training and net.dropout > 0
        Ads = As[:1] + tuple(
            np.zeros((batch_size, n), dtype) if dropout and l < L else A
            for l, (n, A) in enumerate(zip(sizes[1:], As[1:]), start=1)
        )
        widths = list(zip(sizes[1:], norm))
        Z_norms = tuple(np.zeros((batch_size, n), dtype) if bn else empty2 for n, bn in widths)
        stats = tuple(np.zeros((3, n), dtype) if bn else empty2 for n, bn in widths)
        Ds, GWs, Y_batch = (), (), empty2
        if training:
            Ds = tuple(np.zeros((batch_size, n), dtype) for n in sizes[1:])
            Y_batch = np.zeros((batch_size, sizes[-1]), dtype)
            GWs = tuple(np.zeros(shape, dtype) for shape in zip(sizes[1:], sizes))
            norm_grads = [
                (np.zeros(n, dtype), np.zeros(n, dtype)) if bn else (self.empty, self.empty)
                for n, bn in widths
            ]
            self.grads = Flat(
                tuple(GW.reshape(-1) for GW in GWs),
                tuple(np.zeros(n, dtype) for n in sizes[1:]),
                tuple(g for g, _ in norm_grads),
                tuple(g for _, g in norm_grads),
            )
        self.U = np.zeros(0)  # dropout's uniforms
        self.use_blas = np.array(
            [batch_size * n_in * n_out >= BLAS_THRESHOLD for n_in, n_out in zip(sizes, sizes[1:])]
        )
        scalars = Scalars(*(np.zeros(1, dtype) for _ in Scalars._fields))
        scalars.one[0] = 1.0
        self.hyper = np.zeros(8)
        self.buffers = Buffers(
            A=As, A_dropped=Ads, dZ=Ds, Z_norm=Z_norms, stats=stats, Y_batch=Y_batch, dW=GWs,
            use_blas=self.use_blas, scalars=scalars, c=np.zeros(12, dtype),
            ints=np.zeros(6, blas.INT), chars=np.zeros(2, np.uint8), scratch=np.zeros(2, dtype),
        )  # fmt: skip


def key(net, batch_size: int) -> tuple:
    """What a workspace's buffers depend on."""
    norms = tuple(layer.norm is not None for layer in net.layers)
    return (tuple(net.sizes), net.dtype, batch_size, norms, net.dropout > 0)


WORKSPACES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def workspace(net, batch_size: int) -> Workspace:
    """The network's training buffers for this batch size, made on first use and then reused."""
    ws = WORKSPACES.get(net)
    if ws is None or ws.key != key(net, batch_size):
        ws = Workspace(net, batch_size)
        WORKSPACES[net] = ws
    return ws


def layers(net) -> Layers:
    """The network's arrays as the compiled loops read them (epoch.Layers)."""
    dtype = net.dtype
    empty = np.zeros(0, dtype)
    norms = [layer.norm for layer in net.layers]

    def of_norm(name: str) -> tuple:
        return tuple(empty if n is None else getattr(n, name) for n in norms)

    return Layers(
        W=tuple(layer.W for layer in net.layers),
        b=tuple(layer.b for layer in net.layers),
        gamma=of_norm("gamma"),
        beta=of_norm("beta"),
        mean=of_norm("running_mean"),
        variance=of_norm("running_var"),
        norm=np.array([n is not None for n in norms]),
        momentum=np.array([0.0 if n is None else n.momentum for n in norms], dtype),
        momentum_c=np.array([0.0 if n is None else 1 - n.momentum for n in norms], dtype),
        epsilon=np.array([0.0 if n is None else n.epsilon for n in norms], dtype),
        hidden=CODES[net.hidden.name],
        output=CODES[net.output.name],
    )


def update(net, optimizer, ws: Workspace, code: int, fold: bool, t0: int) -> Update:
    """The optimizer's arrays as the epoch reads them (epoch.Update): the parameters, the
    workspace's gradients, the first and second slots (flat, size 0 where there is none) and
    V, the 2-D first slot of every W (W itself without slots)."""
    slots = [optimizer.state.slots[name] for name in optimizer.slots]
    empty = ws.empty
    params, first, second = [], [], []
    V = []
    index = 0
    for layer in net.layers:
        own = layer.parameters()
        V.append(slots[0][index] if slots else layer.W)
        for j in range(4):
            if j < len(own):
                params.append(own[j].reshape(-1))
                first.append(slots[0][index].reshape(-1) if slots else empty)
                second.append(slots[1][index].reshape(-1) if len(slots) > 1 else empty)
                index += 1
            else:
                params.append(empty)
                first.append(empty)
                second.append(empty)
    return Update(
        code=code,
        fold=fold,
        hyper=ws.hyper,
        t0=t0,
        params=by_kind(params),
        grads=ws.grads,
        first=by_kind(first),
        second=by_kind(second),
        V=tuple(V),
    )


def by_kind(arrays: list) -> Flat:
    """[W1, b1, gamma1, beta1, W2, ...] (four per layer) as Flat(W, b, gamma, beta)."""
    return Flat(*(tuple(arrays[k::4]) for k in range(4)))
