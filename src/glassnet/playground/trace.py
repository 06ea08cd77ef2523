"""Step through one batch: one training step of the reference engine, stage by stage.

The stages are forward l = 1..L, the cost, backward l = L..1 and the update, each with the
lecture's formula and its values on the first TRACE_ROWS rows (TRACE_UNITS units per layer).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import GlassnetError
from . import views

TRACE_ROWS = 4  # rows of one batch shown by "step through one batch"
TRACE_UNITS = 16  # units per layer shown there


class Diverged(GlassnetError):
    """The cost or a weight became NaN or infinite; the message says what to do."""


def trace_batch(net, optimizer, X, Y) -> list[dict]:
    """The stages of one training step on the batch (X, Y), each with its formula and values:
    forward l = 1..L, the cost, backward l = L..1, the update. The step itself is the reference
    engine's: ``net.backprop``, then ``optimizer.step``."""
    J, grads = net.backprop(X, Y)
    if not math.isfinite(J):
        raise Diverged("the cost of this batch is NaN or infinite: set a smaller learning rate")
    L = len(net.layers)
    stages = []
    for l, layer in enumerate(net.layers, start=1):
        g = layer.activation.name
        formula = [f"Z[{l}] = A[{l - 1}] W[{l}]^T + b[{l}]"]
        if layer.norm is not None:
            formula.append(f"Z~[{l}] = gamma (Z[{l}] - mu_B) / sqrt(var_B + eps) + beta")
        formula.append(f"A[{l}] = {g}(Z[{l}])")
        if net.dropout and l < L:
            formula.append(f"A[{l}] = A[{l}] * mask / {1 - net.dropout:g}   (dropout)")
        stages.append({
            "phase": "forward", "layer": l, "formula": formula,
            "values": {f"Z[{l}]": rows(layer.Z), f"A[{l}]": rows(layer.A)},
        })
    last = net.layers[-1]
    cost = (
        "J = (1/m) sum_i [max(z, 0) - z y + log(1 + e^-|z|)]   (binary cross-entropy)"
        if net.output.name == "sigmoid"
        else "J = (1/m) sum_i (1/2) (a - y)^2   (mean squared error)"
    )
    if net.l2:
        cost += f" + ({net.l2:g} / 2m) sum_l ||W[l]||^2"
    if net.l1:
        cost += f" + ({net.l1:g} / m) sum_l sum |W[l]|"
    stages.append({
        "phase": "cost", "layer": L, "formula": [cost, f"dZ[{L}] = A[{L}] - Y"],
        "values": {"Y": rows(Y), f"A[{L}]": rows(last.A), f"dZ[{L}]": rows(last.dZ)},
        "J": float(J),
    })
    derivative = {
        "sigmoid": "a (1 - a)", "tanh": "1 - a^2", "relu": "1 where a > 0, else 0",
        "identity": "1",
    }
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        formula = [
            f"dW[{l}] = (1/m) dZ[{l}]^T A[{l - 1}]"
            + (f" + ({net.l2:g}/m) W[{l}]" if net.l2 else "")
            + (f" + ({net.l1:g}/m) sign(W[{l}])" if net.l1 else ""),
            f"db[{l}] = (1/m) sum_i dZ[{l}]_i",
        ]
        values = {f"dZ[{l}]": rows(layer.dZ), f"dW[{l}]": rows(layer.dW),
                  f"db[{l}]": rows(layer.db[None, :])}
        if l > 1:
            below = net.layers[l - 2]
            formula += [
                f"dA[{l - 1}] = dZ[{l}] W[{l}]",
                f"dZ[{l - 1}] = dA[{l - 1}] * g'(Z[{l - 1}]),  g' = "
                f"{derivative.get(below.activation.name, 'g′')}",
            ]
        stages.append({"phase": "backward", "layer": l, "formula": formula, "values": values})
    optimizer.step(net.parameters(), [g for pair in grads for g in pair])
    rule = (type(optimizer).__doc__ or "").strip()
    stages.append({
        "phase": "update", "layer": 0, "formula": [f"lr = {optimizer.lr:g}", rule],
        "values": {f"W[{l}]": rows(layer.W) for l, layer in enumerate(net.layers, start=1)},
        "J": float(J),
    })
    return stages


def rows(values: np.ndarray) -> list[list[float | None]]:
    """The first TRACE_ROWS rows and TRACE_UNITS columns, to 4 significant digits."""
    block = np.asarray(values)[:TRACE_ROWS, :TRACE_UNITS]
    return [[views.finite(float(f"{v:.4g}")) for v in row] for row in block]


__all__ = ["Diverged", "trace_batch"]
