"""The reference engine: one epoch of readable NumPy steps through ``Network``'s own backprop."""

from __future__ import annotations

import numpy as np


def epoch(net, optimizer, X, Y, order, slices) -> list[float]:
    """For each mini-batch t: J{t}, grads = backprop(X{t}, Y{t}); optimizer.step(params, grads)."""
    params = net.parameters()
    costs = []
    for s in slices:
        batch = order[s]
        J, grads = net.backprop(X[batch], Y[batch])
        costs.append(J)
        if not np.isfinite(J):
            break
        optimizer.step(params, [g for pair in grads for g in pair])
    return costs
