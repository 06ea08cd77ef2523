"""``glassnet predict MODEL DATA``: one CSV row per sample, with the probabilities and the label
of a classifier or the estimate of a regression; printed, or written atomically with --out."""

from __future__ import annotations

import csv
import io
import sys

from .. import readers
from ..files.archive import atomic_write
from ..files.model import load
from .common import check_folder, model_classes


def run(args) -> int:
    check_folder(args.out)
    model = load(args.model)
    data = readers.for_model(model, args.data, args.target, labels=False)
    output = model.network.output.name
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    first = "file" if data.sample_names else "row"
    names = data.sample_names or range(len(data.X))
    if output == "identity":
        predictions = model.predict(data.X)
        writer.writerow([first, "prediction"])
        for name, value in zip(names, predictions.tolist(), strict=True):
            writer.writerow([name, f"{value:.9g}"])
        about = "prediction = the model's estimate of the target, in its units"
    elif output == "softmax":
        classes = [str(c) for c in model_classes(model).tolist()]
        probabilities = model.predict_proba(data.X)
        labels = model.predict(data.X)
        writer.writerow([first, *(f"probability_{c}" for c in classes), "label"])
        for name, row, label in zip(names, probabilities.tolist(), labels.tolist(), strict=True):
            writer.writerow([name, *(f"{p:.6f}" for p in row), label])
        about = "probability_C = P(label = C)"
    else:
        probabilities = model.predict_proba(data.X)
        labels = model.predict(data.X)
        writer.writerow([first, "probability", "label"])
        for name, p, label in zip(names, probabilities.tolist(), labels.tolist(), strict=True):
            writer.writerow([name, f"{p:.6f}", label])
        positive = "1" if model.classes is None else str(model.classes[1])
        about = f"probability = P(label = {positive})"
    if args.out is None:
        sys.stdout.write(text.getvalue())
        return 0
    atomic_write(args.out, lambda f: f.write(text.getvalue().encode("utf-8")))
    print(f"wrote {len(data.X)} predictions to {args.out} ({about})")
    return 0
