"""2. The output-layer formula: dJ/dW[L] = (1/m)(A[L] - Y) A[L-1]^T against the general chain
rule dL/dA * sigma'(Z) through ``losses.binary_cross_entropy.dA``."""

from __future__ import annotations

import numpy as np

from .. import activations, losses
from ..checks import numerical_gradients, relative_error
from ..network import Network
from .experiment import Experiment


def run(seed: int) -> dict:
    """dW[L] = (1/m)(A[L] - Y)^T A[L-1] (rows as samples) against the chain rule through dL/dA."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((32, 10))
    y = rng.integers(0, 2, 32)
    net = Network([10, 20, 7, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
    for layer in net.layers:
        layer.b[:] = rng.normal(0, 0.1, layer.b.shape)
    _, grads = net.cost_and_gradients(X, y)  # backprop, and the caches of this forward pass
    last = net.layers[-1]
    A, A_prev, Y = last.A, last.A_prev, y.reshape(-1, 1).astype(np.float64)
    m = len(X)

    dW_formula = (A - Y).T @ A_prev / m  # the lecture's shortcut, dZ[L] = A[L] - Y
    dA = losses.binary_cross_entropy.dA(A, Y)  # dL/dA = -y/a + (1 - y)/(1 - a)
    dZ_chain = dA * activations.sigmoid.derivative(A)  # dL/dZ = dL/dA * sigma'(Z)
    dW_chain = dZ_chain.T @ A_prev / m
    dW_numeric = numerical_gradients(net.copy(np.float64), X, y)[-1][0]

    vs_chain = relative_error(dW_formula, dW_chain)
    vs_backprop = relative_error(dW_formula, grads[-1][0])
    vs_numeric = relative_error(dW_formula, dW_numeric)
    dZ_gap = float(np.max(np.abs((A - Y) - dZ_chain)))
    return {
        "measured": f"relative difference formula vs chain rule {vs_chain:.1e}, vs backprop "
        f"{vs_backprop:.1e}, vs finite differences {vs_numeric:.1e}; max |dZ gap| {dZ_gap:.1e}",
        "verdict": vs_chain < 1e-10 and vs_backprop < 1e-10 and vs_numeric < 1e-7,
        "formula_vs_chain_rule": vs_chain,
        "formula_vs_backprop": vs_backprop,
        "formula_vs_finite_differences": vs_numeric,
        "max_dZ_gap": dZ_gap,
        "curves": {
            "formula": dW_formula.ravel(),
            "chain": dW_chain.ravel(),
            "numeric": dW_numeric.ravel(),
        },
    }


def figure(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2)
    c = result["curves"]
    left.plot(c["formula"], c["chain"], "o", label="chain rule dL/dA * sigma'")
    left.plot(c["formula"], c["numeric"], "x", ms=9, label="finite differences")
    lims = [min(c["formula"].min(), 0), max(c["formula"].max(), 0)]
    left.plot(lims, lims, "k-", lw=0.8)
    left.set_xlabel("(1/m)(A[L] - Y) A[L-1]^T")
    left.set_ylabel("other computation")
    left.set_title("The 7 entries of dW[L]")
    left.legend(fontsize=8)
    names = ["vs chain rule", "vs backprop", "vs finite diff."]
    values = [
        result["formula_vs_chain_rule"],
        result["formula_vs_backprop"],
        result["formula_vs_finite_differences"],
    ]
    floor = 1e-18  # a log axis cannot show 0: bit-identical results sit on the floor
    right.bar(names, np.maximum(values, floor))
    for k, value in enumerate(values):
        right.annotate(f"{value:.1e}", (k, max(value, floor)), ha="center", va="bottom")
    right.axhline(1e-7, color="k", ls="--", lw=1)
    right.set_yscale("log")
    right.set_ylim(floor / 10, 1)
    right.set_ylabel("relative difference")
    right.set_title("The shortcut against each computation")


EXPERIMENT = Experiment(
    name="output_layer",
    title="The output-layer formula",
    claim="For a sigmoid output with cross-entropy, dJ/dW[L] = (1/m)(A[L] - Y) A[L-1]^T "
    "equals the general chain rule dL/dA * sigma'(Z[L]) (and backprop and finite "
    "differences).",
    run=run,
    figure=figure,
)
