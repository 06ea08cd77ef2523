"""``glassnet evaluate MODEL DATA``: accuracy, precision, recall, F1 and the confusion matrix of
a classifier (per class and their macro average for K > 2 classes); cost, RMSE, MAE and R^2 of a
regression. The formulas are those of ``glassnet.metrics``."""

from __future__ import annotations

import numpy as np

from .. import metrics, readers
from ..files.model import Model, load
from .common import model_classes, na_values, prepared

MAX_CONFUSION = 50  # classes up to which evaluate prints the K x K confusion matrix


def run(args) -> int:
    model = load(args.model)
    data = readers.for_model(
        model, args.data, args.target, labels=True, na_values=na_values(args.na_values)
    )
    inputs = prepared(model, data, args.strict)
    _warn_if_trained_on(model, data, inputs)
    output = model.network.output.name
    if output == "identity":
        return _regression(args.model, model, data, inputs)
    if output == "softmax":
        return _multiclass(args.model, model, data, inputs)
    return _binary(args.model, model, data, inputs)


def _warn_if_trained_on(model: Model, data: readers.Dataset, inputs: np.ndarray) -> None:
    """A line when DATA holds rows the model trained or early-stopped on (the fingerprint
    ``glassnet train`` keeps): such metrics overstate how the model does on new data."""
    about = model.metadata.get("data")
    hashes = about.get("fingerprint") if isinstance(about, dict) else None
    seen = readers.seen_rows(inputs, hashes if isinstance(hashes, list) else None)
    if seen:
        print(
            f"warning: {seen} of the {len(inputs)} rows of {data.source} were used to train this "
            "model (training or early stopping); these metrics overstate how it does on new "
            "data: evaluate on held-out rows (glassnet train --test-split 0.2)"
        )


def _binary(path: str, model: Model, data: readers.Dataset, inputs: np.ndarray) -> int:
    names = [str(c) for c in model_classes(model).tolist()]
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = metrics.binary_metrics(data.y, predicted)
    print(f"model      {path}: {model.network.sizes}, classes {', '.join(names)}")
    print(f"data       {data.source}: {len(inputs)} samples")
    print(f"accuracy   {m['accuracy']:.4f}")
    print(f"precision  {m['precision']:.4f}   (positive class: {names[1]})")
    print(f"recall     {m['recall']:.4f}")
    print(f"F1         {m['f1']:.4f}")
    print(f"cost       {cost:.4f}   (binary cross-entropy)")
    _print_confusion(names, m["confusion"])
    return 0


def _multiclass(path: str, model: Model, data: readers.Dataset, inputs: np.ndarray) -> int:
    names = [str(c) for c in model_classes(model).tolist()]
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = metrics.class_metrics(data.y, predicted, len(names))
    print(f"model      {path}: {model.network.sizes}, {len(names)} classes")
    print(f"data       {data.source}: {len(inputs)} samples")
    print(f"accuracy   {m['accuracy']:.4f}")
    print(f"cost       {cost:.4f}   (categorical cross-entropy)")
    width = max(15, *(len(n) + 2 for n in names))
    print(f"{'class':<{width}}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}")
    for k, name in enumerate(names):
        print(
            f"{name:<{width}}{m['precision'][k]:>10.4f}{m['recall'][k]:>10.4f}"
            f"{m['f1'][k]:>10.4f}{m['support'][k]:>10}"
        )
    macro = m["macro"]
    print(
        f"{'macro average':<{width}}{macro['precision']:>10.4f}{macro['recall']:>10.4f}"
        f"{macro['f1']:>10.4f}{len(data.y):>10}"
    )
    if len(names) <= MAX_CONFUSION:
        _print_confusion(names, m["confusion"])
    else:
        print(f"confusion matrix not printed: {len(names)} classes (more than {MAX_CONFUSION})")
    return 0


def _regression(path: str, model: Model, data: readers.Dataset, inputs: np.ndarray) -> int:
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = metrics.regression_metrics(data.y, predicted)
    about = model.metadata.get("data")
    target = about.get("target") if isinstance(about, dict) else None
    named = f" of {target!r}" if target else ""
    print(f"model      {path}: {model.network.sizes}, regression{named}")
    print(f"data       {data.source}: {len(inputs)} samples")
    print(f"cost       {cost:.6g}   (mean squared error (1/m) sum 1/2 (a - y)^2)")
    print(f"RMSE       {m['rmse']:.6g}")
    print(f"MAE        {m['mae']:.6g}")
    print(f"R^2        {m['r2']:.4f}")
    return 0


def _print_confusion(names: list[str], confusion) -> None:
    width = max(8, *(len(n) + 2 for n in names))
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for i, name in enumerate(names):
        print(f"{name:<{width}}" + "".join(f"{n:>{width}}" for n in confusion[i]))
