"""6. Vanishing and exploding gradients: W = 1.5 I and 0.5 I over 10 layers; 20-layer tanh and
ReLU networks under five initializers."""

from __future__ import annotations

import numpy as np

from ..checks import gradient_norms
from ..network import Network
from .experiment import Experiment

_INITIALIZERS = ("normal(1.0)", "normal(0.01)", "lecun", "he", "glorot")


def _spread(values: np.ndarray) -> float:
    """max / min of positive values: 1 means constant; inf when a value is zero or not finite."""
    values = np.abs(np.asarray(values, dtype=np.float64))
    if not np.all(np.isfinite(values)) or values.min() == 0:
        return float("inf")
    return float(values.max() / values.min())


def _deep_profile(hidden: str, init: str, X, y, depth: int, seed: int) -> dict:
    """Per hidden layer: std of A[l], rms of the backpropagated dZ[l], and ||dW[l]||."""
    width = X.shape[1]
    net = Network(
        [width] * (depth + 1) + [1],
        hidden=hidden,
        output="sigmoid",
        init=init,
        seed=seed,
        dtype=np.float64,
    )
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        norms = gradient_norms(net, X, y)
    hidden_layers = net.layers[:-1]
    activation_std = np.array([layer.A.std() for layer in hidden_layers])
    gradient_rms = np.array([np.sqrt(np.mean(layer.dZ**2)) for layer in hidden_layers])
    return {
        "activation_std": activation_std,
        "gradient_rms": gradient_rms,
        "dW_norm": norms[:-1],
        "spread": max(_spread(activation_std), _spread(gradient_rms)),
    }


def run(seed: int) -> dict:
    """Identity chains W = 1.5 I and 0.5 I; 20-layer tanh and ReLU nets under five initializers."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 4))
    scales = {}
    for w in (1.5, 0.5):
        chain = Network([4] * 11, hidden="identity", output="identity", dtype=np.float64)
        for layer in chain.layers:
            layer.W[...] = w * np.eye(4)
        A = chain.forward(X)
        chain.cost_and_gradients(X, np.zeros_like(X))  # dZ[l-1] = dZ[l] W[l] = w dZ[l]
        dZ = [layer.dZ for layer in chain.layers]
        scales[w] = (
            float(np.linalg.norm(A) / np.linalg.norm(X)),
            float(np.linalg.norm(dZ[0]) / np.linalg.norm(dZ[-1])),
        )

    depth, width = 20, 64
    Xd = rng.standard_normal((128, width))
    yd = rng.integers(0, 2, 128)
    profiles = {
        (h, i): _deep_profile(h, i, Xd, yd, depth, seed)
        for h in ("relu", "tanh")
        for i in _INITIALIZERS
    }
    table = [
        {
            "hidden": h,
            "init": i,
            "std A[1]": f"{p['activation_std'][0]:.2g}",
            f"std A[{depth}]": f"{p['activation_std'][-1]:.2g}",
            "rms dZ[1]": f"{p['gradient_rms'][0]:.2g}",
            f"rms dZ[{depth}]": f"{p['gradient_rms'][-1]:.2g}",
            "spread (max/min)": f"{p['spread']:.3g}",
            "norm of dW max/min": f"{_spread(p['dW_norm']):.3g}",
        }
        for (h, i), p in profiles.items()
    ]
    best = {
        h: min(_INITIALIZERS, key=lambda i, h=h: profiles[h, i]["spread"]) for h in ("relu", "tanh")
    }
    spread = {key: p["spread"] for key, p in profiles.items()}
    scaled = ("lecun", "he", "glorot")
    identity_ok = (
        abs(scales[1.5][0] - 1.5**10) < 1e-9 * 1.5**10
        and abs(scales[0.5][0] - 0.5**10) < 1e-9 * 0.5**10
    )
    relu_ok = (
        spread["relu", "he"] < 10
        and min(spread["relu", "normal(1.0)"], spread["relu", "normal(0.01)"]) > 10
    )
    tanh_ok = (
        best["tanh"] in scaled
        and spread["tanh", best["tanh"]] < 10
        and min(spread["tanh", "normal(1.0)"], spread["tanh", "normal(0.01)"]) > 10
    )
    return {
        "measured": f"output scale {scales[1.5][0]:.4f} (1.5^10 = {1.5**10:.4f}) and "
        f"{scales[0.5][0]:.3e} (0.5^10 = {0.5**10:.3e}); max/min over 20 layers of std A and "
        f"rms dZ: ReLU he {spread['relu', 'he']:.2g}, N(0,1) "
        f"{spread['relu', 'normal(1.0)']:.1e}, N(0,0.01) {spread['relu', 'normal(0.01)']:.1e}; "
        f"tanh best {best['tanh']} {spread['tanh', best['tanh']]:.2g}, lecun "
        f"{spread['tanh', 'lecun']:.3g}, N(0,1) {spread['tanh', 'normal(1.0)']:.1e}",
        "verdict": identity_ok and relu_ok and tanh_ok,
        "output_scale_1.5I": scales[1.5][0],
        "output_scale_0.5I": scales[0.5][0],
        "backward_scale_1.5I": scales[1.5][1],
        "backward_scale_0.5I": scales[0.5][1],
        "depth": depth,
        "width": width,
        "best_relu": best["relu"],
        "best_tanh": best["tanh"],
        **{f"spread_{h}_{i}": s for (h, i), s in spread.items()},
        "table": table,
        "curves": {"profiles": profiles},
    }


def figure(fig, result: dict) -> None:
    axes = fig.subplots(1, 4)
    profiles = result["curves"]["profiles"]
    for k, hidden in enumerate(("relu", "tanh")):
        for init in _INITIALIZERS:
            p = profiles[hidden, init]
            layers = np.arange(1, len(p["activation_std"]) + 1)
            with np.errstate(divide="ignore"):
                axes[2 * k].semilogy(layers, p["activation_std"], ".-", label=init)
                axes[2 * k + 1].semilogy(layers, p["gradient_rms"], ".-", label=init)
        axes[2 * k].set_title(f"{hidden}: std of A[l]", fontsize=10)
        axes[2 * k + 1].set_title(f"{hidden}: rms of dZ[l] (gradient)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("layer l")
    axes[0].legend(fontsize=7)


EXPERIMENT = Experiment(
    name="initialization",
    title="Vanishing and exploding gradients",
    claim="W = 1.5 I over 10 layers multiplies the output by 1.5^10 and 0.5 I by 0.5^10; "
    "in 20-layer nets N(0, 1) explodes or saturates and N(0, 0.01) vanishes, while a "
    "variance-scaled initializer keeps activations and gradients within a factor of 10 "
    "across the layers (he for ReLU).",
    run=run,
    figure=figure,
)
