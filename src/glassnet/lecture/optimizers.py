"""9. Beyond momentum: gradient descent, momentum, RMSProp and Adam on the same two moons, each
at its best learning rate."""

from __future__ import annotations

from ..optimizers import Adam, GradientDescent, Momentum, RMSProp
from .common import fmt_iterations, moons_race
from .experiment import Experiment


def run(seed: int) -> dict:
    """GD, momentum, RMSProp and Adam on the same two moons, each at its best learning rate."""
    target, limit = 0.05, 300
    candidates = {
        "gd": (GradientDescent, (0.3, 1.0, 3.0, 10.0)),
        "momentum": (lambda r: Momentum(r, beta=0.9), (0.3, 1.0, 3.0, 10.0)),
        "rmsprop": (RMSProp, (0.01, 0.03, 0.1, 0.3)),
        "adam": (Adam, (0.01, 0.03, 0.1, 0.3)),
    }
    table, best, curves = moons_race(candidates, target, limit, seed)
    iterations = {name: n for name, (n, _) in best.items()}
    gd = iterations["gd"]
    faster = [
        name
        for name in ("momentum", "rmsprop", "adam")
        if iterations[name] is not None and (gd is None or iterations[name] < gd)
    ]
    return {
        "measured": "two moons, full batch, iterations to J < 0.05 at the best of 4 rates: "
        + ", ".join(
            f"{name} {fmt_iterations(n, limit)} (lr {best[name][1]:g})"
            for name, n in iterations.items()
        ),
        "verdict": len(faster) == 3,
        **{f"iterations_{name}": n for name, n in iterations.items()},
        **{f"best_lr_{name}": rate for name, (_, rate) in best.items()},
        "target_cost": target,
        "table": table,
        "curves": {"costs": curves},
    }


def figure(fig, result: dict) -> None:
    ax = fig.subplots(1, 1)
    for name, costs in result["curves"]["costs"].items():
        ax.semilogy(costs, label=f"{name} (lr {result[f'best_lr_{name}']:g})")
    ax.axhline(result["target_cost"], color="k", ls="--", lw=1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title("Two moons, full batch, each optimizer at its best learning rate", fontsize=10)
    ax.legend(fontsize=8)


EXPERIMENT = Experiment(
    name="optimizers",
    title="Beyond momentum: RMSProp and Adam",
    claim="Momentum, RMSProp and Adam each reach a target cost in fewer iterations than "
    "plain gradient descent, every optimizer at its best learning rate.",
    run=run,
    figure=figure,
)
