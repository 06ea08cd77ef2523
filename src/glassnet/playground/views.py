"""What a playground snapshot shows (all computed from the live network, nothing simulated):

    cost        J of the last epoch (mean of its batch costs) and on the validation split
    accuracy    fraction of thresholded outputs equal to the label, training and validation
    gradients   ||dW[l]|| of every layer at the current weights, on a fixed sample of training
                rows (one training pass of a copy of the network, so training is untouched)
    histograms  of every layer's W, and of every layer's A on the same sample rows
    boundary    the output (P(y = 1 | x), or the regression output) on a grid over the plane
    graph       for a network small enough to draw: every W[l] and b[l], every dW[l] and the
                mean |dZ[l]| of each neuron on the sample rows, and each neuron's output A over
                a small grid of the plane (its heat map)
    cats        P(cat | image) of the first validation images

Every forward pass of many rows runs in chunks of rows (``row_chunks``), each preceded by a look
at ``stopping``: a pause or a closing tab interrupts a snapshot within one chunk (``Stopped``).
"""

from __future__ import annotations

import base64
import math

import numpy as np

from ..metrics import output_accuracy
from .settings import MAX_STEP_WORK

MAX_POINTS = 1000  # points drawn on the decision boundary
MAX_HISTOGRAM_VALUES = 20_000
HISTOGRAM_BINS = 24
FORWARD_WORK = 2 * MAX_STEP_WORK  # rows x parameters of one forward chunk (no backward pass)
CAT_TILES = 16  # validation images shown with their predictions
NEURON_GRID = 20  # each neuron's heat map is NEURON_GRID x NEURON_GRID


class Stopped(Exception):
    """The page asked the training thread to stop between two chunks."""


def never() -> bool:
    return False


class Record:
    """What the page plots, kept by the session across pauses: per epoch the training cost
    (batch costs weighted by batch size) and the validation cost; the last validation accuracy;
    the number of mini-batch steps."""

    def __init__(self) -> None:
        self.train_costs: list[float] = []
        self.val_costs: list[float] = []
        self.val_accuracy: float | None = None
        self.iterations = 0

    @property
    def epochs(self) -> int:
        return len(self.val_costs)

    def add(self, train_cost: float, val_cost: float, val_accuracy: float | None) -> None:
        self.val_accuracy = val_accuracy
        self.train_costs.append(train_cost)
        self.val_costs.append(val_cost)


# ---- the snapshot ---------------------------------------------------------------------------


def snapshot_of(session, stopping) -> dict:
    """The snapshot the page shows of ``session`` now (see the module's docstring)."""
    net, record = session.net, session.record
    regression = session.task == "regression"
    # one training pass on the sample rows, by a copy: dropout masks and batch-norm
    # statistics of the live network stay as training left them
    view = net.copy()
    view.backprop(session.X_sample, session.Y_sample)
    layers = view.layers
    norms = [finite(np.linalg.norm(layer.dW)) for layer in layers]
    if record.val_costs:
        val_cost, val_accuracy = record.val_costs[-1], record.val_accuracy
    else:
        val_cost, A_val = cost_of(net, session.X_val, session.Y_val, stopping)
        val_accuracy = None if regression else output_accuracy(
            A_val, session.Y_val, net.output.name
        )
    train_accuracy = None
    if not regression:
        A_train = outputs(net, session.X_train, stopping)
        train_accuracy = output_accuracy(A_train, session.Y_train, net.output.name)
    snapshot = {
        "type": "update",
        "run_id": session.run_id,
        "state": session.state,
        "message": session.message,
        "epoch": record.epochs,
        "iteration": record.iterations,
        "batch": [session.batch, session.batches],
        "train_cost": finite(record.train_costs[-1]) if record.train_costs else None,
        "val_cost": finite(val_cost),
        "train_accuracy": train_accuracy,
        "val_accuracy": None if val_accuracy is None else float(val_accuracy),
        "samples_per_second": session.samples_per_second,
        "gradient_norms": norms,
        "weights": [histogram(layer.W) for layer in net.layers],
        "activations": [histogram(layer.A) for layer in layers],
    }
    if session.is_2d:
        P = outputs(net, session.grid, stopping)[:, 0]
        low, high = (-1.0, 1.0) if regression else (0.0, 1.0)
        snapshot["boundary"] = encode(P, low, high)
    else:
        P = outputs(net, session.X_val[:CAT_TILES], stopping)[:, 0]
        snapshot["tiles"] = [finite(p) for p in P]
    if session.drawable:
        snapshot["graph"] = graph(session, view)
    return snapshot


def graph(session, view) -> dict:
    """The graph view's numbers: the weights and biases, the gradients dW[l] and the mean
    |dZ[l]| of each neuron (from ``view``'s training pass on the sample rows), and each
    neuron's output over the NEURON_GRID plane, quantized within its layer's range."""
    gradients = {
        "dW": [rounded(layer.dW) for layer in view.layers],
        "dZ": [rounded(np.abs(layer.dZ).mean(axis=0)) for layer in view.layers],
    }
    view.propagate(session.neuron_grid)  # prediction mode: each layer keeps its A
    return {
        "W": [rounded(layer.W) for layer in session.net.layers],
        "b": [rounded(layer.b) for layer in session.net.layers],
        **gradients,
        "neurons": [heat_layer(layer.A, layer.activation.name) for layer in view.layers],
    }


# ---- forward passes in interruptible chunks of rows -------------------------------------------


def cost_of(net, X, Y, stopping) -> tuple[float, np.ndarray]:
    """(J, A[L]) of rows X in prediction mode. Small enough for one forward pass: exactly as
    gn.train computes it (``batch_cost``, then ``propagate``); else in chunks of rows,
    J = (1/m) sum_chunks m_c J_c(no penalty) + the L2 penalty of m rows."""
    if len(X) * net.n_parameters <= FORWARD_WORK:
        J = net.batch_cost(X, Y)
        return J, net.propagate(X)
    total, parts = 0.0, []
    for rows in row_chunks(net, len(X)):
        if stopping():
            raise Stopped
        Z = net.logits(X[rows])
        A = net.output.forward(Z)
        total += net.loss.cost(Z, A, Y[rows]) * len(Z)
        parts.append(A)
    return total / len(X) + net.penalty(len(X)), np.concatenate(parts)


def outputs(net, X, stopping) -> np.ndarray:
    """A[L] of rows X in interruptible chunks (the fastest engine, no caches)."""
    parts = []
    for rows in row_chunks(net, len(X)):
        if stopping():
            raise Stopped
        parts.append(net.outputs(X[rows]))
    return np.concatenate(parts) if parts else np.zeros((0, net.n_outputs))


def row_chunks(net, m: int) -> list[slice]:
    """Slices of m rows, each a forward pass of at most FORWARD_WORK rows x parameters."""
    step = max(1, int(FORWARD_WORK // net.n_parameters))
    return [slice(i, min(i + step, m)) for i in range(0, m, step)]


# ---- encodings for the page -------------------------------------------------------------------


def encode(values: np.ndarray, low: float, high: float) -> str:
    """values in [low, high] as base64 bytes 0..255 (NaN as the middle)."""
    shades = (np.clip(values, low, high) - low) / (high - low) * 255
    return base64.b64encode(np.nan_to_num(shades, nan=127).round().astype(np.uint8).tobytes()
                            ).decode("ascii")


def heat(values: np.ndarray, low: float | None = None, high: float | None = None) -> dict:
    """One map over the neuron grid: its bytes and the range they span."""
    finite = values[np.isfinite(values)]
    if low is None:
        low = float(finite.min()) if finite.size else 0.0
        high = float(finite.max()) if finite.size else 1.0
        bound = max(abs(low), abs(high), 1e-9)  # symmetric, so that 0 is the middle colour
        low, high = -bound, bound
    return {"low": low, "high": high, "map": encode(values, low, high)}


def heat_layer(A: np.ndarray, activation: str) -> list[dict]:
    """The heat map of every unit of a layer, in its activation's range (tanh in [-1, 1], sigmoid
    in [0, 1], ReLU and identity in the symmetric range of the layer's values)."""
    fixed = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(activation)
    if fixed is None:
        finite = A[np.isfinite(A)]
        bound = float(np.abs(finite).max()) if finite.size else 1.0
        fixed = (-max(bound, 1e-9), max(bound, 1e-9))
    return [heat(column, *fixed) for column in A.T]


def rounded(values: np.ndarray) -> list:
    """An array as nested lists of floats to 4 significant digits (None where not finite)."""
    flat = [finite(float(f"{v:.4g}")) for v in np.asarray(values, dtype=np.float64).reshape(-1)]
    if values.ndim == 1:
        return flat
    n = values.shape[1]
    return [flat[i:i + n] for i in range(0, len(flat), n)]


def histogram(values: np.ndarray) -> dict:
    """Counts of at most MAX_HISTOGRAM_VALUES evenly strided values in HISTOGRAM_BINS bins."""
    flat = values.reshape(-1)
    flat = flat[:: max(1, flat.size // MAX_HISTOGRAM_VALUES)]
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return {"low": 0.0, "high": 0.0, "counts": [0] * HISTOGRAM_BINS}
    low, high = float(flat.min()), float(flat.max())
    if high - low <= 1e-6 * max(1.0, abs(low), abs(high)):  # one value (in float32's precision)
        low, high = low - 0.5, high + 0.5
    counts, _ = np.histogram(flat, bins=HISTOGRAM_BINS, range=(low, high))
    return {"low": low, "high": high, "counts": counts.tolist()}


def finite(value) -> float | None:
    """A float for JSON, or None for NaN and infinity (which JSON cannot carry)."""
    value = float(value)
    return value if math.isfinite(value) else None


__all__ = [
    "CAT_TILES", "MAX_POINTS", "NEURON_GRID", "Record", "Stopped", "cost_of", "finite", "heat",
    "never", "outputs", "snapshot_of",
]  # fmt: skip
