"""8. Momentum: gradient descent against momentum (beta 0.9) on an elongated quadratic bowl and
on a classification problem."""

from __future__ import annotations

import numpy as np

from ..optimizers import GradientDescent, Momentum
from .common import first_below, fmt_iterations, moons_race
from .experiment import Experiment


def _bowl(optimizer, curvature: np.ndarray, start, steps: int) -> np.ndarray:
    """Minimize J(w) = (1/2) sum_i c_i w_i^2 (gradient c * w) with ``optimizer.step``."""
    w = np.array(start, dtype=np.float64)
    path = [w.copy()]
    for _ in range(steps):
        optimizer.step([w], [curvature * w])
        path.append(w.copy())
    return np.array(path)


def run(seed: int) -> dict:
    """GD vs Momentum(beta 0.9) on J = (w1^2 + 50 w2^2) / 2, then on two moons."""
    curvature = np.array([1.0, 50.0])  # flat along w1, steep along w2
    lr, start, steps, window = 0.036, (-10.0, 1.5), 300, 50
    paths = {
        "gd": _bowl(GradientDescent(lr), curvature, start, steps),
        "momentum": _bowl(Momentum(lr, beta=0.9), curvature, start, steps),
    }
    bowl = {}
    for name, path in paths.items():
        J = 0.5 * (curvature * path**2).sum(axis=1)
        moves = np.diff(path[: window + 1, 1])
        bowl[name] = {
            "reversals": int(np.sum(np.sign(moves[1:]) != np.sign(moves[:-1]))),
            "steep_travel": float(np.abs(moves).sum()),
            "flat_progress": float(1 - abs(path[window, 0]) / abs(start[0])),
            "iterations": first_below(J, 1e-4 * J[0]),
        }

    rates = (0.3, 1.0, 3.0, 10.0, 30.0)
    target, limit = 0.05, 300
    table, best, curves = moons_race(
        {"gd": (GradientDescent, rates), "momentum": (lambda r: Momentum(r, beta=0.9), rates)},
        target,
        limit,
        seed,
    )

    gd, mom = bowl["gd"], bowl["momentum"]
    it_gd, it_mom = best["gd"][0], best["momentum"][0]
    return {
        "measured": f"bowl (curvatures 1 and 50, lr {lr}), first {window} steps: steep-direction "
        f"reversals {gd['reversals']} (GD) vs {mom['reversals']} (momentum), distance travelled "
        f"{gd['steep_travel']:.1f} vs {mom['steep_travel']:.1f}, flat progress "
        f"{gd['flat_progress']:.0%} vs {mom['flat_progress']:.0%}; iterations to 1e-4 J0: "
        f"{gd['iterations']} vs {mom['iterations']}; two moons to J < {target} (best of "
        f"{len(rates)} lr): {fmt_iterations(it_gd, limit)} (lr {best['gd'][1]:g}) vs "
        f"{fmt_iterations(it_mom, limit)} (lr {best['momentum'][1]:g})",
        "verdict": mom["reversals"] < gd["reversals"]
        and mom["steep_travel"] < gd["steep_travel"]
        and mom["flat_progress"] > gd["flat_progress"]
        and mom["iterations"] is not None
        and (gd["iterations"] is None or mom["iterations"] < gd["iterations"])
        and it_mom is not None
        and (it_gd is None or it_mom < it_gd),
        "bowl_lr": lr,
        **{f"bowl_{k}_{name}": v for name, b in bowl.items() for k, v in b.items()},
        "moons_target_cost": target,
        "moons_iterations_gd": it_gd,
        "moons_best_lr_gd": best["gd"][1],
        "moons_iterations_momentum": it_mom,
        "moons_best_lr_momentum": best["momentum"][1],
        "table": table,
        "curves": {"paths": paths, "curvature": curvature, "window": window, "costs": curves},
    }


def figure(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2, width_ratios=[2, 1])
    c = result["curves"]
    w1, w2 = np.linspace(-11, 2, 200), np.linspace(-2, 2, 120)
    G1, G2 = np.meshgrid(w1, w2)
    J = 0.5 * (c["curvature"][0] * G1**2 + c["curvature"][1] * G2**2)
    left.contour(w1, w2, J, levels=np.geomspace(0.05, 60, 12), colors="grey", linewidths=0.6)
    for name, color in (("gd", "tab:red"), ("momentum", "tab:blue")):
        path = c["paths"][name][: c["window"] + 1]
        left.plot(
            path[:, 0],
            path[:, 1],
            ".-",
            color=color,
            lw=1,
            ms=3,
            label=f"{name} ({result[f'bowl_reversals_{name}']} reversals)",
        )
    left.plot(0, 0, "k*")
    left.set_xlabel("w1 (flat)")
    left.set_ylabel("w2 (steep)")
    left.set_title(
        f"J = (w1^2 + 50 w2^2)/2, lr {result['bowl_lr']}, first {c['window']} steps", fontsize=10
    )
    left.legend(fontsize=8)
    for name in ("gd", "momentum"):
        lr = result[f"moons_best_lr_{name}"]
        right.semilogy(c["costs"][name], label=f"{name} (lr {lr:g})")
    right.axhline(result["moons_target_cost"], color="k", ls="--", lw=1)
    right.set_xlabel("iteration")
    right.set_ylabel("cost J")
    right.set_title("Two moons, best lr each", fontsize=10)
    right.legend(fontsize=8)


EXPERIMENT = Experiment(
    name="momentum",
    title="Momentum",
    claim="Momentum (beta 0.9) damps the oscillation in the steep direction and moves "
    "faster along the flat one, reaching a target cost in fewer iterations than "
    "gradient descent.",
    run=run,
    figure=figure,
)
