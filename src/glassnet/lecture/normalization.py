"""5. Normalizing inputs: raw features of very different scales against standardized ones."""

from __future__ import annotations

from functools import partial

import numpy as np

from .. import datasets
from ..data import Standardizer
from ..network import Network
from ..optimizers import GradientDescent
from .common import RateRun, fmt_iterations, learning_rate_search, moons_network
from .experiment import Experiment


def _hessian(net: Network, X, y, h: float = 1e-4) -> np.ndarray:
    """d^2 J / dw^2 over the first layer's weights, by centered differences of backprop."""
    W = net.layers[0].W
    flat = W.reshape(-1)
    H = np.zeros((flat.size, flat.size))
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + h
        plus = net.cost_and_gradients(X, y)[1][0][0].reshape(-1).copy()
        flat[j] = original - h
        minus = net.cost_and_gradients(X, y)[1][0][0].reshape(-1).copy()
        flat[j] = original
        H[:, j] = (plus - minus) / (2 * h)
    return (H + H.T) / 2


def _contours(X, y, steps: int = 151) -> dict:
    """The cost J(w1, w2) of a linear model [2, 1] (identity output, squared error) on a grid
    around its minimum, with b held at its optimum; and the Hessian's condition number.

    The whole grid goes through one forward pass of a wide network [2, steps^2] whose k-th
    output unit carries the k-th grid point (w1, w2): J_k = (1/m) sum_i (1/2)(a_ik - y_i)^2.
    """
    net = Network([2, 1], hidden="identity", output="identity", dtype=np.float64)
    Xb = np.column_stack([X, np.ones(len(X))])
    solution = np.linalg.lstsq(Xb, y.astype(np.float64), rcond=None)[0]
    net.layers[0].W[0], net.layers[0].b[0] = solution[:2], solution[2]
    eigenvalues = np.linalg.eigvalsh(_hessian(net, X, y))
    J_min = net.cost(X, y)
    top = 0.05  # the highest contour, above the minimum
    radius = np.sqrt(2 * top / eigenvalues.min())  # the long half-axis of that contour
    w1 = solution[0] + np.linspace(-radius, radius, steps)
    w2 = solution[1] + np.linspace(-radius, radius, steps)
    grid = Network([2, steps * steps], hidden="identity", output="identity", dtype=np.float64)
    grid.layers[0].W[...] = np.array(np.meshgrid(w1, w2)).reshape(2, -1).T
    grid.layers[0].b[...] = solution[2]
    A = grid.forward(X)
    J = 0.5 * np.square(A - y[:, None]).mean(axis=0).reshape(steps, steps) - J_min
    condition = float(eigenvalues.max() / eigenvalues.min())
    return {"w1": w1, "w2": w2, "J": J, "condition": condition, "top": top}


def _lowest_cost(r: RateRun) -> float:
    return np.min(r.costs) if r.costs else np.inf


def _best(runs: list[RateRun]) -> RateRun:
    """The fastest run to the target (the lower cost on a tie); when none got there, the run
    that came lowest."""
    reached = [r for r in runs if r.iterations is not None]
    if reached:
        return min(reached, key=lambda r: (r.iterations, _lowest_cost(r)))
    return min(runs, key=_lowest_cost)


def run(seed: int) -> dict:
    """The same network on raw features (second one 20 times larger) and on standardized ones."""
    X, y = datasets.two_moons(400, 0.15, seed=seed)
    raw = X * np.array([1.0, 20.0])  # the same information, the second feature in other units
    standardized = Standardizer().fit(raw).transform(raw)
    target, limit = 0.1, 300
    rates = (10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01)

    best, costs, table = {}, {}, []
    for label, inputs in (("raw", raw), ("standardized", standardized)):
        runs = learning_rate_search(
            partial(moons_network, seed), inputs, y, GradientDescent, rates, target, limit
        )
        table += [
            {
                "inputs": label,
                "lr": r.lr,
                "iterations to J < 0.1": fmt_iterations(r.iterations, limit),
                "lowest J": f"{min(r.costs):.3f}" if r.costs else "-",
            }
            for r in runs
        ]
        chosen = _best(runs)
        best[label] = (chosen.iterations, chosen.lr)
        costs[label] = np.array(chosen.costs)

    contour = {"raw": _contours(raw, y), "standardized": _contours(standardized, y)}
    cond_raw, cond_std = contour["raw"]["condition"], contour["standardized"]["condition"]
    it_raw, it_std = best["raw"][0], best["standardized"][0]
    return {
        "measured": f"Hessian condition number {cond_raw:.0f} raw vs {cond_std:.1f} standardized "
        f"(contour axis ratio {np.sqrt(cond_raw):.1f} vs {np.sqrt(cond_std):.1f}); iterations "
        f"to J < {target} at the best of {len(rates)} learning rates: raw "
        f"{fmt_iterations(it_raw, limit)}, standardized {fmt_iterations(it_std, limit)}",
        "verdict": it_std is not None
        and (it_raw is None or it_std < it_raw)
        and cond_raw > 10 * cond_std,
        "feature_std_raw": [float(s) for s in raw.std(axis=0)],
        "condition_raw": cond_raw,
        "condition_standardized": cond_std,
        "axis_ratio_raw": float(np.sqrt(cond_raw)),
        "axis_ratio_standardized": float(np.sqrt(cond_std)),
        "target_cost": target,
        "max_iterations": limit,
        "iterations_raw": it_raw,
        "best_lr_raw": best["raw"][1],
        "iterations_standardized": it_std,
        "best_lr_standardized": best["standardized"][1],
        "table": table,
        "curves": {"costs": costs, "contour": contour},
    }


def figure(fig, result: dict) -> None:
    axes = fig.subplots(1, 3)
    contour = result["curves"]["contour"]
    for ax, label in zip(axes[:2], ("raw", "standardized")):
        c = contour[label]
        levels = c["top"] * np.geomspace(0.02, 1, 6)
        ax.contour(c["w1"], c["w2"], c["J"], levels=levels, cmap="viridis")
        ax.set_aspect("equal")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title(f"J(w1, w2), {label} inputs\ncondition {c['condition']:.1f}", fontsize=10)
    ax = axes[2]
    for label in ("raw", "standardized"):
        lr = result[f"best_lr_{label}"]
        ax.semilogy(result["curves"]["costs"][label], label=f"{label} (lr {lr:g})")
    ax.axhline(result["target_cost"], color="k", ls="--", lw=1, label="target")
    ax.set_xlabel("iteration (full batch)")
    ax.set_ylabel("cost J")
    ax.set_title("Same network, best learning rate each", fontsize=10)
    ax.legend(fontsize=8)


EXPERIMENT = Experiment(
    name="normalization",
    title="Normalizing inputs",
    claim="Standardized inputs make the cost surface round instead of elongated, so "
    "gradient descent reaches a target cost in fewer iterations than on raw features of "
    "very different scales.",
    run=run,
    figure=figure,
)
