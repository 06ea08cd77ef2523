"""``glassnet info MODEL``: what a model file holds: the layers, activations, parameters,
classes or target, input standardization, training history, optimizer and data."""

from __future__ import annotations

import numpy as np

from ..data import Standardizer
from ..files.model import load
from .common import class_list


def run(args) -> int:
    model = load(args.model)
    net = model.network
    meta = model.metadata
    training = meta.get("training", {}) if isinstance(meta.get("training"), dict) else {}
    about = meta.get("data", {}) if isinstance(meta.get("data"), dict) else {}
    shapes = ", ".join(f"W{l} {layer.W.shape}" for l, layer in enumerate(net.layers, start=1))
    pairs = (("l2", net.l2), ("l1", net.l1), ("dropout", net.dropout))
    extras = [f"{k} {v}" for k, v in pairs if v]
    extras += ["batch normalization"] if net.batch_norm else []
    lines = [
        ("model file", f"{args.model} (written by glassnet {model.version})"),
        ("layers", f"{net.sizes}: {len(net.sizes) - 2} hidden layer(s), {net.dtype.name}"),
        ("activations", f"hidden {net.hidden.name}, output {net.output.name}"),
        ("initializer", net.init.name),
        ("parameters", f"{net.n_parameters} ({shapes})"),
    ]
    if extras:
        lines.append(("regularized", ", ".join(extras)))
    if model.classes is not None:
        lines.append(("classes", class_list(model.classes)))
    if net.output.name == "identity":
        lines.append(("target", _target_summary(about, training)))
    if model.plan is not None:
        plan = model.plan
        lines.append(("inputs", f"{plan.n_features} network inputs from the table's columns by a "
                      f"fitted plan ({plan.scaling} scaling of numbers):"))  # fmt: skip
        lines += [("", f"  {line}") for line in plan.describe()]
        if plan.id_column is not None:
            lines.append(("", f"  (predict writes {plan.id_column!r} beside each prediction)"))
    else:
        lines.append(("inputs", _normalization_summary(model.standardizer)))
    history = _history_summary(model.history)
    if net.output.name == "identity" and isinstance(training.get("target_scaling"), dict):
        history += " (costs on the standardized target)"
    lines.append(("training", history))
    if training:
        optimizer = training.get("optimizer")
        if isinstance(optimizer, dict):
            optimizer = ", ".join(
                [str(optimizer.get("name"))]
                + [f"{k} {v}" for k, v in optimizer.items() if k != "name"]
            )
        lines.append(
            (
                "optimizer",
                f"{optimizer}; batch size {training.get('batch_size')}, "
                f"{training.get('epochs_run')} epochs, seed {training.get('seed')}",
            )
        )
        kept = training.get("weights_of_epoch")
        if kept is not None:
            lines.append(("weights", f"of epoch {kept} of {training.get('epochs_run')}"))
    if about:
        lines.append(
            (
                "data",
                f"{about.get('source')}: {about.get('n_train')} training, "
                f"{about.get('n_validation')} validation, {about.get('n_test')} test samples",
            )
        )
    for name, value in lines:
        print(f"{name:<12} {value}")
    return 0


def _target_summary(about: dict, training: dict) -> str:
    """Regression: the target column and how its scaling was folded into the last layer."""
    target = about.get("target")
    text = "regression" + (f" of {target!r}" if isinstance(target, str) else "")
    scaling = training.get("target_scaling")
    if isinstance(scaling, dict) and all(
        isinstance(scaling.get(k), int | float) for k in ("mean", "std")
    ):
        text += (
            f"; standardized for training (mean {scaling['mean']:.4g}, std {scaling['std']:.4g}), "
            "folded into the last layer: predictions are in the target's units"
        )
    return text


def _normalization_summary(scaler: Standardizer | None) -> str:
    if scaler is None:
        return "not standardized"
    mean, std = scaler.mean_, scaler.std_
    return (
        f"standardized: {len(mean)} features, mean in [{mean.min():.4g}, {mean.max():.4g}], "
        f"std in [{std.min():.4g}, {std.max():.4g}] ({int(np.sum(std == 0))} constant)"
    )


def _history_summary(history) -> str:
    if history is None or not history.epoch_costs:
        return "no history"
    text = (
        f"{history.epochs} epochs, {history.iterations} iterations, cost "
        f"{history.epoch_costs[0]:.4f} -> {history.epoch_costs[-1]:.4f}"
    )
    if history.val_accuracies:
        best = int(np.argmax(history.val_accuracies))
        text += (
            f", validation accuracy {history.val_accuracies[-1]:.4f} (best "
            f"{history.val_accuracies[best]:.4f} at epoch {best + 1})"
        )
    elif history.val_costs:
        best = int(np.argmin(history.val_costs))
        text += (
            f", validation cost {history.val_costs[-1]:.4f} (best {history.val_costs[best]:.4f} "
            f"at epoch {best + 1})"
        )
    if history.seconds:
        text += f", {history.seconds[-1]:.2f} s"
    return text
