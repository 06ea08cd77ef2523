"""4. Why activations: an identity network equals its collapse W x + B and cannot fit circles
or XOR; the same network with ReLU can."""

from __future__ import annotations

import numpy as np

from .. import datasets
from ..checks import collapse
from ..network import Network
from ..optimizers import Momentum
from ..training import train
from .experiment import Experiment


def run(seed: int) -> dict:
    """Identity network = its collapse W x + B; identity vs ReLU on circles and XOR."""
    rng = np.random.default_rng(seed)
    linear = Network(
        [4, 6, 5, 3], hidden="identity", output="identity", seed=seed, dtype=np.float64
    )
    for layer in linear.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape)
    X = rng.standard_normal((200, 4))
    W, B = collapse(linear)
    collapse_gap = float(np.max(np.abs(linear.forward(X) - (X @ W.T + B))))

    accuracies, grids, trained_gap = {}, {}, 0.0
    side = np.linspace(-1.6, 1.6, 121)
    G = np.array(np.meshgrid(side, side)).reshape(2, -1).T
    data = {}
    for problem in ("two_circles", "xor"):
        X, y = getattr(datasets, problem)(400, 0.1, seed=seed)
        data[problem] = (X, y)
        for hidden in ("identity", "relu"):
            net = Network(
                [2, 8, 8, 1], hidden=hidden, output="sigmoid", seed=seed, dtype=np.float64
            )
            train(
                net,
                X,
                y,
                optimizer=Momentum(lr=0.1, beta=0.9),
                epochs=150,
                batch_size=32,
                seed=seed,
            )
            accuracies[problem, hidden] = float(np.mean(net.predict(X) == y))
            grids[problem, hidden] = net.predict_proba(G).reshape(len(side), len(side))
            if hidden == "identity":  # the trained sigmoid network is logistic regression
                W, B = collapse(net)
                net.forward(X)
                gap = np.max(np.abs(net.layers[-1].Z - (X @ W.T + B)))
                trained_gap = max(trained_gap, float(gap))

    identity_best = max(accuracies[p, "identity"] for p in ("two_circles", "xor"))
    relu_worst = min(accuracies[p, "relu"] for p in ("two_circles", "xor"))
    return {
        "measured": f"max |network - collapse| = {collapse_gap:.1e} (trained sigmoid net: "
        f"logits vs collapse {trained_gap:.1e}); accuracy identity / ReLU: circles "
        f"{accuracies['two_circles', 'identity']:.1%} / {accuracies['two_circles', 'relu']:.1%}, "
        f"XOR {accuracies['xor', 'identity']:.1%} / {accuracies['xor', 'relu']:.1%}",
        "verdict": collapse_gap < 1e-6
        and trained_gap < 1e-6
        and identity_best < 0.75
        and relu_worst > 0.95,
        "collapse_max_difference": collapse_gap,
        "trained_collapse_max_difference": trained_gap,
        **{f"accuracy_{p}_{h}": a for (p, h), a in accuracies.items()},
        "curves": {"side": side, "grids": grids, "data": data},
    }


def figure(fig, result: dict) -> None:
    c = result["curves"]
    fig.set_size_inches(11, 3.1)
    axes = fig.subplots(1, 4)
    k = 0
    for problem in ("two_circles", "xor"):
        X, y = c["data"][problem]
        for hidden in ("identity", "relu"):
            ax = axes[k]
            ax.contourf(
                c["side"],
                c["side"],
                c["grids"][problem, hidden],
                levels=[0, 0.5, 1],
                colors=["#9ecae1", "#fdae6b"],
                alpha=0.8,
            )
            ax.scatter(X[:, 0], X[:, 1], c=y, s=5, cmap="coolwarm", edgecolors="none")
            accuracy = result[f"accuracy_{problem}_{hidden}"]
            ax.set_title(f"{problem}, {hidden}: {accuracy:.0%}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal")
            k += 1


EXPERIMENT = Experiment(
    name="activations",
    title="Why activations",
    claim="Without a non-linear activation a deep network is one affine map W x + B, so it "
    "cannot fit circles or XOR; the same network with ReLU can.",
    run=run,
    figure=figure,
)
