"""1. Backprop is right: backprop against centered finite differences, per layer, on a 3-layer
cat-shaped network, and on one with a planted bug, to show the check catches it."""

from __future__ import annotations

import numpy as np

from .. import activations, datasets
from ..activations import Activation
from ..checks import gradient_errors
from ..data import Standardizer
from ..network import Network
from .experiment import Experiment


def _small_images(m: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """m small RGB images as rows of 8 x 8 x 3 = 192 features in [0, 1], with labels.

    The drawn cats (``datasets.cats``, 64 x 64 x 3) averaged over 8 x 8 pixel blocks when that
    data set exists; otherwise random images with random labels.
    """
    cats = getattr(datasets, "cats", None)
    if cats is not None:
        images, labels, _, _ = cats(n_train=m, n_test=2, seed=seed)
        small = images.reshape(m, 8, 8, 8, 8, 3).mean(axis=(2, 4))  # 8 x 8 blocks of pixels
        return small.reshape(m, -1) / 255.0, labels, "drawn cats shrunk to 8x8x3"
    rng = np.random.default_rng(seed)
    return rng.random((m, 192)), rng.integers(0, 2, m), "random 8x8x3 images"


def run(seed: int) -> dict:
    """Per layer, ||dW_backprop - dW_numeric|| / (||dW_backprop|| + ||dW_numeric||)."""
    X, y, source = _small_images(16, seed)
    X = Standardizer().fit_transform(X)
    sizes = [X.shape[1], 20, 7, 1]
    net = Network(sizes, hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for layer in net.layers:  # biases off zero: no ReLU sits on its kink during the check
        layer.b[:] = rng.normal(0, 0.1, layer.b.shape)
    errors = gradient_errors(net, X, y)

    # The same network with a planted bug: relu'(z) taken as 1 everywhere.
    wrong = Activation("relu with derivative 1", activations.relu.forward, np.ones_like)
    buggy = Network(sizes, hidden=wrong, output="sigmoid", seed=seed, dtype=np.float64)
    for mine, theirs in zip(buggy.layers, net.layers):
        mine.W[...], mine.b[...] = theirs.W, theirs.b
    buggy_errors = gradient_errors(buggy, X, y)

    worst = max(max(pair) for pair in errors)
    worst_buggy = max(max(pair) for pair in buggy_errors)
    table = [
        {
            "layer": l,
            "W shape": "x".join(map(str, net.layers[l - 1].W.shape)),
            "error dW": f"{ew:.1e}",
            "error db": f"{eb:.1e}",
            "error dW (bug)": f"{bw:.1e}",
            "error db (bug)": f"{bb:.1e}",
        }
        for l, ((ew, eb), (bw, bb)) in enumerate(zip(errors, buggy_errors), start=1)
    ]
    return {
        "measured": f"network {sizes} on {len(X)} {source} (input kept small so that "
        f"{net.n_parameters} finite differences stay cheap): largest error {worst:.1e}; "
        f"with relu' = 1 planted: {worst_buggy:.1e}",
        "verdict": worst < 1e-7 and worst_buggy > 1e-3,
        "sizes": sizes,
        "inputs": source,
        "parameters": net.n_parameters,
        "max_error": worst,
        "max_error_with_bug": worst_buggy,
        "table": table,
        "curves": {"errors": np.array(errors), "buggy_errors": np.array(buggy_errors)},
    }


def figure(fig, result: dict) -> None:
    ax = fig.subplots()
    errors, buggy = result["curves"]["errors"], result["curves"]["buggy_errors"]
    layers = np.arange(1, len(errors) + 1)
    width = 0.2
    for k, (values, label) in enumerate(
        [
            (errors[:, 0], "dW"),
            (errors[:, 1], "db"),
            (buggy[:, 0], "dW, relu' = 1 planted"),
            (buggy[:, 1], "db, relu' = 1 planted"),
        ]
    ):
        ax.bar(layers + (k - 1.5) * width, np.maximum(values, 1e-16), width, label=label)
    ax.axhline(1e-7, color="k", ls="--", lw=1, label="1e-7")
    ax.set_yscale("log")
    ax.set_xticks(layers, [f"layer {l}" for l in layers])
    ax.set_ylabel("relative error vs finite differences")
    ax.set_title(f"Backprop vs centered finite differences, network {result['sizes']}")
    ax.legend(fontsize=8, ncol=2)


EXPERIMENT = Experiment(
    name="backprop",
    title="Backprop is right",
    claim="Backpropagation computes the same gradients as centered finite differences "
    "(relative error < 1e-7 in every layer), and gradient checking exposes a wrong "
    "derivative (error > 1e-3).",
    run=run,
    figure=figure,
)
