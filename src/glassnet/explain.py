"""The backprop trace: one batch walked through the lecture's chain rule, layer by layer.

``explain(net, X, y)`` runs the network's own backprop (``Network.backprop`` on a copy, so the
network itself is left as it was) and reads what every layer kept: A[l-1], Z[l], A[l], dZ[l],
dW[l] and db[l]. It lays them out as the lecture writes them, in column vectors (a sample is a
column, so Z[l] is (n_l, m): glassnet's arrays are rows, this is them transposed):

    forward    Z[l] = W[l] A[l-1] + b[l]        A[l] = g[l](Z[l])
    cost       J = -(1/m) sum_i [y log a + (1 - y) log(1 - a)]   (sigmoid + cross-entropy)
    output     dZ[L] = A[L] - Y
    backward   dW[l] = (1/m) dZ[l] A[l-1]^T     db[l] = (1/m) sum_i dZ[l](i)
               dA[l-1] = W[l]^T dZ[l]           dZ[l-1] = dA[l-1] * g'[l-1](Z[l-1])

with the shapes each product multiplies, e.g. dW[3] = (1/m) dZ[3] A[2]^T: (1, m)(m, 5) -> (1, 5),
and the first values of every array. The numbers are the network's: ``trace["dW[3]"]`` is the
array backprop computed, ``trace.gradients`` what ``cost_and_gradients`` returns. A notebook
shows the trace as an HTML table, ``print(trace)`` as text (``glassnet explain MODEL DATA``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np

from .errors import GlassnetError
from .network import Network
from .validation import check_count

# g'(Z) written from the cached output A, as activations.py computes it
DERIVATIVES = {
    "sigmoid": "sigmoid'(Z) = A (1 - A)",
    "tanh": "tanh'(Z) = 1 - A^2",
    "relu": "relu'(Z) = 1 where Z > 0, else 0",
    "identity": "identity'(Z) = 1",
}
COSTS = {
    "binary_cross_entropy": "J = -(1/m) sum_i [y log a + (1 - y) log(1 - a)]",
    "categorical_cross_entropy": "J = -(1/m) sum_i sum_k y_k log a_k",
    "mean_squared_error": "J = (1/m) sum_i (1/2) ||a - y||^2",
}
OUTPUT_RULES = {
    "sigmoid": "sigmoid + cross-entropy: dL/dA sigma'(Z) = (a - y) / (a (1 - a)) a (1 - a)",
    "softmax": "softmax + categorical cross-entropy: the Jacobian of softmax times -y/a",
    "identity": "identity + mean squared error: dL/dA = a - y and g'(Z) = 1",
}


@dataclass
class Step:
    """One line of the trace: ``formula`` (the lecture's), the ``shapes`` it multiplies, the
    arrays it names (``values``, in the lecture's orientation) and a ``note``."""

    phase: str  # "forward", "cost", "output" or "backward"
    formula: str
    shapes: str
    values: dict[str, np.ndarray] = field(default_factory=dict)
    note: str = ""


@dataclass
class Trace:
    """One batch through forward, cost and backward: ``steps`` in order, the cost ``cost``,
    and ``gradients`` [(dW[1], db[1]), ...] exactly as ``Network.backprop`` returned them.
    ``trace[name]`` is the array called ``name`` ("Z[2]", "dW[3]", "db[1]", ...)."""

    sizes: list[int]
    m: int
    output: str
    cost: float
    steps: list[Step]
    gradients: list[tuple[np.ndarray, ...]]
    shown: int = 4  # values per row shown

    def __getitem__(self, name: str) -> np.ndarray:
        for step in self.steps:
            if name in step.values:
                return step.values[name]
        raise KeyError(f"no array called {name!r} in the trace; it has: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [name for step in self.steps for name in step.values]

    def header(self) -> str:
        return (
            f"backprop of one batch of m = {self.m} through Network({self.sizes}), "
            f"{self.output} output; J = {self.cost:.6g}. Arrays in the lecture's column form "
            "(a sample is a column; glassnet stores them transposed)."
        )

    def __str__(self) -> str:
        lines, phase = [self.header()], None
        width = max(len(step.formula) for step in self.steps)
        for step in self.steps:
            if step.phase != phase:
                phase = step.phase
                lines.append(f"\n{phase}")
            lines.append(f"  {step.formula.ljust(width)}   {step.shapes}")
            if step.note:
                lines.append(f"      ({step.note})")
            for name, array in step.values.items():
                lines.append(f"      {name} = {corner(array, self.shown)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for step in self.steps:
            values = "<br>".join(
                f"{escape(name)} = {escape(corner(array, self.shown))}"
                for name, array in step.values.items()
            )
            note = f'<br><small>{escape(step.note)}</small>' if step.note else ""
            rows.append(
                f"<tr><td>{step.phase}</td><td><code>{escape(step.formula)}</code>{note}</td>"
                f"<td><code>{escape(step.shapes)}</code></td>"
                f'<td style="text-align:left"><code>{values}</code></td></tr>'
            )
        return (
            f'<table class="glassnet-explain"><caption>{escape(self.header())}</caption>'
            "<thead><tr><th>phase</th><th>formula</th><th>shapes</th><th>first values</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


def corner(array: np.ndarray, shown: int = 4) -> str:
    """The first values of an array: up to 2 rows of ``shown`` numbers, "..." where cut."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.4g}"
    if array.ndim == 1:
        array = array[None, :]
    rows = []
    for row in array[:2]:
        numbers = " ".join(f"{v + 0.0:.4g}" for v in row[:shown])  # no "-0"
        rows.append("[" + numbers + (" ..." if len(row) > shown else "") + "]")
    more = f" ... ({array.shape[0]} rows)" if array.shape[0] > 2 else ""
    return "[" + " ".join(rows) + more + "]"


def explain(net: Network, X, y, batch_size: int | None = 64, shown: int = 4) -> Trace:
    """The backprop trace of the first ``batch_size`` rows of (X, y) (all when None) through
    ``net``: every formula of the chain rule with its shapes and first values (``shown`` per
    row), computed by the network's own ``backprop`` on a copy of ``net`` (so its caches,
    dropout generator and batch-norm statistics are left as they were)."""
    if not isinstance(net, Network):
        raise GlassnetError(f"explain needs a glassnet Network, got {type(net).__name__}")
    X, Y = net.check_data(X, y)
    if batch_size is not None:
        batch_size = check_count(batch_size, "batch_size")
        X, Y = X[:batch_size], Y[:batch_size]
    shown = check_count(shown, "shown")
    work = net.copy()
    J, gradients = work.backprop(X, Y)
    gradients = [tuple(g.copy() for g in layer) for layer in gradients]
    steps = _forward(work) + [_cost(work, J)] + _backward(work, Y)
    return Trace(list(net.sizes), X.shape[0], net.output.name, float(J), steps, gradients, shown)


def _forward(net: Network) -> list[Step]:
    steps, last = [], len(net.layers)
    for l, layer in enumerate(net.layers, start=1):
        n, n_prev = layer.W.shape
        note = "A[0] = X, the inputs" if l == 1 else ""
        if layer.norm is not None:
            note = "then batch norm: Z~ = gamma (Z - mu) / sqrt(var + eps) + beta, A = g(Z~)"
        steps.append(Step(
            "forward", f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
            f"({n}, {n_prev})({n_prev}, m) + ({n}, 1) -> ({n}, m)",
            {f"Z[{l}]": layer.Z.T}, note,
        ))  # fmt: skip
        note = ""
        if net.dropout and l < last:
            note = f"inverted dropout: the next layer sees A[{l}] D[{l}] / {1 - net.dropout:g}"
        steps.append(Step(
            "forward", f"A[{l}] = {layer.activation.name}(Z[{l}])", f"({n}, m) -> ({n}, m)",
            {f"A[{l}]": layer.A.T}, note,
        ))  # fmt: skip
    return steps


def _cost(net: Network, J: float) -> Step:
    formula = COSTS.get(net.loss.name, f"J = {net.loss.name}")
    notes = []
    if net.l2:
        formula += " + (lambda / 2m) sum_l ||W[l]||^2"
        notes.append(f"lambda = {net.l2:g}")
    if net.l1:
        formula += " + (lambda1 / m) sum_l sum |W[l]|"
        notes.append(f"lambda1 = {net.l1:g}")
    note = ", ".join(notes)
    L = len(net.layers)
    return Step("cost", formula, f"A[{L}], Y: ({net.n_outputs}, m) -> J", {"J": np.array(J)}, note)


def _backward(net: Network, Y: np.ndarray) -> list[Step]:
    L = len(net.layers)
    top = net.layers[-1]
    steps = [Step(
        "output", f"dZ[{L}] = A[{L}] - Y", f"({net.n_outputs}, m) - ({net.n_outputs}, m) -> "
        f"({net.n_outputs}, m)", {"Y": Y.T, f"dZ[{L}]": top.dZ.T},
        OUTPUT_RULES.get(net.output.name, ""),
    )]  # fmt: skip
    for l in range(L, 0, -1):
        layer = net.layers[l - 1]
        n, n_prev = layer.W.shape
        formula, notes = f"dW[{l}] = (1/m) dZ[{l}] A[{l - 1}]^T", []
        if net.l2:
            formula += f" + (lambda/m) W[{l}]"
            notes.append(f"L2, lambda = {net.l2:g}")
        if net.l1:
            formula += f" + (lambda1/m) sign(W[{l}])"
            notes.append(f"L1, lambda1 = {net.l1:g}")
        note = "; ".join(notes)
        steps.append(Step(
            "backward", formula, f"({n}, m)(m, {n_prev}) -> ({n}, {n_prev})",
            {f"dW[{l}]": layer.dW}, note,
        ))  # fmt: skip
        steps.append(Step(
            "backward", f"db[{l}] = (1/m) sum_i dZ[{l}](i)", f"({n}, m) -> ({n}, 1)",
            {f"db[{l}]": layer.db[:, None]},
        ))  # fmt: skip
        if l == 1:
            break
        below = net.layers[l - 2]
        dA = layer.dZ @ layer.W  # the product backward() formed: W[l]^T dZ[l] in columns
        note = ""
        if net.dropout:
            dA = dA * below.mask / (1 - net.dropout)
            note = f"with dropout: times D[{l - 1}] / {1 - net.dropout:g}, the forward mask"
        steps.append(Step(
            "backward", f"dA[{l - 1}] = W[{l}]^T dZ[{l}]",
            f"({n_prev}, {n})({n}, m) -> ({n_prev}, m)", {f"dA[{l - 1}]": dA.T}, note,
        ))  # fmt: skip
        name = below.activation.name
        derivative = below.activation.derivative(below.A)
        values = {f"g'(Z[{l - 1}])": derivative.T}
        note = DERIVATIVES.get(name, f"{name}'(Z)") + ", element-wise"
        if below.norm is None:
            values[f"dZ[{l - 1}]"] = below.dZ.T
        else:
            values[f"dZ~[{l - 1}]"] = (dA * derivative).T
            note += f"; then batch norm's backward turns dZ~[{l - 1}] into dZ[{l - 1}]"
        steps.append(Step(
            "backward", f"dZ[{l - 1}] = dA[{l - 1}] * {name}'(Z[{l - 1}])",
            f"({n_prev}, m) * ({n_prev}, m) -> ({n_prev}, m)", values, note,
        ))  # fmt: skip
        if below.norm is not None:
            steps.append(Step(
                "backward", f"dZ[{l - 1}] = batch_norm'(dZ~[{l - 1}])",
                f"({n_prev}, m) -> ({n_prev}, m)", {f"dZ[{l - 1}]": below.dZ.T},
            ))  # fmt: skip
    return steps
