"""3. Saturation: sigma'(z), tanh'(z) and relu'(z) over z in [-10, 10]."""

from __future__ import annotations

import numpy as np

from .. import activations
from .experiment import Experiment


def run(seed: int) -> dict:
    """g'(z) from glassnet's activations, written from A = g(Z), over z in [-10, 10]."""
    z = np.linspace(-10, 10, 401)
    derivative = {
        name: getattr(activations, name).derivative(getattr(activations, name).forward(z))
        for name in ("sigmoid", "tanh", "relu")
    }
    points = np.array([-10.0, -5.0, 5.0, 10.0])
    at = {
        name: getattr(activations, name).derivative(getattr(activations, name).forward(points))
        for name in ("sigmoid", "tanh", "relu")
    }
    numbers = {f"{name}'({p:g})": float(v) for name in at for p, v in zip(points, at[name])}
    saturated = max(float(np.max(at["sigmoid"])), float(np.max(at["tanh"])))
    saturated_10 = max(float(at["sigmoid"][[0, 3]].max()), float(at["tanh"][[0, 3]].max()))
    relu_positive = float(at["relu"][2:].min())
    return {
        "measured": f"sigma'(5) = {at['sigmoid'][2]:.2e}, tanh'(5) = {at['tanh'][2]:.2e}, "
        f"sigma'(10) = {at['sigmoid'][3]:.2e}, tanh'(10) = {at['tanh'][3]:.2e}, "
        f"relu'(5) = relu'(10) = {relu_positive:g}, relu'(-5) = {at['relu'][1]:g}; "
        f"max sigma' = {derivative['sigmoid'].max():.3f}",
        "verdict": saturated < 0.01 * relu_positive and saturated_10 < 1e-4 * relu_positive,
        **numbers,
        "max_sigmoid_derivative": float(derivative["sigmoid"].max()),
        "curves": {"z": z, **derivative},
    }


def figure(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2)
    c = result["curves"]
    for name in ("sigmoid", "tanh", "relu"):
        left.plot(c["z"], c[name], label=f"{name}'(z)")
        right.semilogy(c["z"], np.maximum(c[name], 1e-12), label=f"{name}'(z)")
    for name in ("sigmoid", "tanh"):
        points = [5, 10]
        right.plot(points, [result[f"{name}'({p})"] for p in points], "ko", ms=4)
    for ax in (left, right):
        for x in (-10, -5, 5, 10):
            ax.axvline(x, color="grey", lw=0.5, ls=":")
        ax.set_xlabel("z")
        ax.legend(fontsize=8)
    left.set_title("Derivatives of the activations")
    right.set_title("Same, log scale: saturated gradients")
    right.set_ylim(1e-9, 2)


EXPERIMENT = Experiment(
    name="saturation",
    title="Saturation",
    claim="Sigmoid and tanh saturate: at |z| = 5 their derivatives are below 1% of "
    "ReLU's derivative for z > 0 (which is 1), and at |z| = 10 below 0.01%.",
    run=run,
    figure=figure,
)
