"""7. Mini-batch gradient descent: full batch against mini-batches of several sizes."""

from __future__ import annotations

import time

import numpy as np

from .. import datasets
from ..data import Standardizer
from ..history import History
from ..network import Network
from ..optimizers import GradientDescent
from ..training import train
from .common import first_below, fmt_iterations
from .experiment import Experiment


class _FullCost:
    """A training callback: after each epoch, J on all the training data and the training time
    so far (the time spent evaluating excluded); stops training once J < target."""

    def __init__(self, net: Network, X, y, target: float) -> None:
        self.net, self.X, self.y, self.target = net, X, y, target
        self.costs: list[float] = []
        self.seconds: list[float] = []
        self.start, self.evaluating = time.perf_counter(), 0.0

    def __call__(self, history: History) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self.start - self.evaluating)
        self.costs.append(self.net.cost(self.X, self.y))
        self.evaluating += time.perf_counter() - now
        if self.costs[-1] < self.target:
            history.stop_training = True


def run(seed: int) -> dict:
    """Full batch vs batch sizes 256, 64, 16: noise per iteration, epochs and time to target."""
    X, y = datasets.two_moons(1024, 0.15, seed=seed)
    X = Standardizer().fit_transform(X)
    target, max_epochs = 0.1, 400
    sizes = (len(X), 256, 64, 16)
    runs, table = {}, []
    for size in sizes:
        net = Network([2, 16, 16, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
        evaluate = _FullCost(net, X, y, target)
        history = train(
            net,
            X,
            y,
            optimizer=GradientDescent(lr=0.3),
            epochs=max_epochs,
            batch_size=size,
            seed=seed,
            callbacks=[evaluate],
        )
        costs = np.array(history.costs)
        steps = np.diff(costs)
        full, seconds = evaluate.costs, evaluate.seconds
        epochs = first_below(full, target)
        run_ = {
            "iterations": len(costs),
            "noise": float(np.std(steps) / np.mean(costs)),
            "share_up": float(np.mean(steps > 0)),
            "epochs_to_target": None if epochs is None else epochs + 1,
            "seconds_to_target": None if epochs is None else seconds[epochs],
            "costs": costs,
            "epoch_costs": np.array(full),
        }
        runs[size] = run_
        table.append(
            {
                "batch size": "full (1024)" if size == len(X) else size,
                "iterations run": run_["iterations"],
                "noise std(dJ)/mean(J)": f"{run_['noise']:.3f}",
                "share of steps J went up": f"{run_['share_up']:.0%}",
                "epochs to J < 0.1": fmt_iterations(run_["epochs_to_target"], max_epochs),
                "seconds to J < 0.1": "-" if epochs is None else f"{run_['seconds_to_target']:.3f}",
            }
        )

    full_run = runs[len(X)]
    mini = [runs[s] for s in sizes[1:]]
    reached = [r["epochs_to_target"] for r in mini if r["epochs_to_target"] is not None]
    full_epochs = full_run["epochs_to_target"]
    fastest = min(sizes[1:], key=lambda s: runs[s]["seconds_to_target"] or np.inf)
    return {
        "measured": f"noise std(dJ)/mean(J): full {full_run['noise']:.3f} (J went up in "
        f"{full_run['share_up']:.0%} of steps), batch 256/64/16: "
        + "/".join(f"{r['noise']:.2f}" for r in mini)
        + f" (up in {mini[-1]['share_up']:.0%} of steps at 16); epochs to J < {target}: full "
        f"{fmt_iterations(full_epochs, max_epochs)}, 256/64/16: "
        + "/".join(fmt_iterations(r["epochs_to_target"], max_epochs) for r in mini)
        + f"; seconds: full {full_run['seconds_to_target'] or float('nan'):.2f}, batch {fastest} "
        f"{runs[fastest]['seconds_to_target'] or float('nan'):.2f}",
        "verdict": full_run["share_up"] < 0.05
        and all(r["noise"] > full_run["noise"] for r in mini)
        and bool(reached)
        and (full_epochs is None or min(reached) < full_epochs),
        "target_cost": target,
        **{f"noise_{s if s != len(X) else 'full'}": r["noise"] for s, r in runs.items()},
        **{f"share_up_{s if s != len(X) else 'full'}": r["share_up"] for s, r in runs.items()},
        **{
            f"epochs_to_target_{s if s != len(X) else 'full'}": r["epochs_to_target"]
            for s, r in runs.items()
        },
        **{
            f"seconds_to_target_{s if s != len(X) else 'full'}": r["seconds_to_target"]
            for s, r in runs.items()
        },
        "table": table,
        "curves": {"runs": runs, "full": len(X)},
    }


def figure(fig, result: dict) -> None:
    left, middle, right = fig.subplots(1, 3)
    runs, full = result["curves"]["runs"], result["curves"]["full"]
    colors = dict(zip(sorted(runs), ("tab:blue", "tab:orange", "tab:green", "k")))
    for size, r in sorted(runs.items()):
        label = "full batch" if size == full else f"batch {size}"
        width = 2 if size == full else 0.8
        left.plot(r["costs"][:200], label=label, color=colors[size], lw=width)
        epochs = np.arange(1, len(r["epoch_costs"]) + 1)
        middle.semilogy(epochs, r["epoch_costs"], ".-", label=label, color=colors[size])
    left.set_xlabel("iteration")
    left.set_ylabel("J{t} of the mini-batch")
    left.set_title("Cost per iteration (first 200)", fontsize=10)
    middle.set_xscale("log")
    middle.axhline(result["target_cost"], color="k", ls="--", lw=1)
    middle.set_xlabel("epoch")
    middle.set_ylabel("J on all the training data")
    middle.set_title("Cost per epoch, until J < target", fontsize=10)
    for ax in (left, middle):
        ax.legend(fontsize=8)
    labels = ["full" if size == full else str(size) for size in sorted(runs, reverse=True)]
    seconds = [runs[size]["seconds_to_target"] or np.nan for size in sorted(runs, reverse=True)]
    right.bar(labels, seconds, color=[colors[size] for size in sorted(runs, reverse=True)])
    right.set_xlabel("batch size")
    right.set_ylabel("seconds")
    right.set_title("Training time to J < target", fontsize=10)


EXPERIMENT = Experiment(
    name="minibatch",
    title="Mini-batch gradient descent",
    claim="Mini-batch gradient descent has a noisy cost per iteration where full-batch "
    "descent is smooth, and reaches a target cost in fewer epochs (wall time measured too).",
    run=run,
    figure=figure,
)
