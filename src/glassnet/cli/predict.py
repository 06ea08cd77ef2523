"""``glassnet predict MODEL DATA``: one CSV row per sample, in DATA's order, with the
probabilities and the label of a classifier or the estimate of a regression; printed, or
written atomically with --out. The first column names the row: ``--id COLUMN`` of DATA, else
the id column ``glassnet train`` detected and dropped (when DATA has it), else the image file,
else the row number."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np

from .. import readers
from ..errors import GlassnetError
from ..files.archive import atomic_write
from ..files.model import load
from .common import check_folder, model_classes, na_values, prepared


def run(args) -> int:
    check_folder(args.out)
    model = load(args.model)
    data = readers.for_model(
        model, args.data, args.target, labels=False, na_values=na_values(args.na_values)
    )
    inputs = prepared(model, data, args.strict)
    net = model.network
    output = net.output.name
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    first, names = _row_names(args, model, data, len(inputs))
    if output == "identity":
        predictions = net.predict(inputs)
        writer.writerow([first, "prediction"])
        for name, value in zip(names, predictions.tolist(), strict=True):
            writer.writerow([name, f"{value:.9g}"])
        about = "prediction = the model's estimate of the target, in its units"
    elif output == "softmax":
        classes = [str(c) for c in model_classes(model).tolist()]
        probabilities = net.predict_proba(inputs)
        labels = np.asarray(classes)[net.predict(inputs)]
        writer.writerow([first, *(f"probability_{c}" for c in classes), "label"])
        for name, row, label in zip(names, probabilities.tolist(), labels.tolist(), strict=True):
            writer.writerow([name, *(f"{p:.6f}" for p in row), label])
        about = "probability_C = P(label = C)"
    else:
        probabilities = net.predict_proba(inputs)
        labels = model_classes(model)[net.predict(inputs)]
        writer.writerow([first, "probability", "label"])
        for name, p, label in zip(names, probabilities.tolist(), labels.tolist(), strict=True):
            writer.writerow([name, f"{p:.6f}", label])
        positive = "1" if model.classes is None else str(model.classes[1])
        about = f"probability = P(label = {positive})"
    if args.out is None:
        sys.stdout.write(text.getvalue())
        return 0
    atomic_write(args.out, lambda f: f.write(text.getvalue().encode("utf-8")))
    print(f"wrote {len(inputs)} predictions to {args.out} ({about})")
    return 0


def _row_names(args, model, data: readers.Dataset, m: int) -> tuple[str, list]:
    """(the first column's name, its values): --id COLUMN, the plan's id column when DATA has
    it, the image files, or the row numbers 0..m-1."""
    plan = model.plan
    wanted = args.id if args.id is not None else (plan.id_column if plan is not None else None)
    if wanted is not None and data.records is not None:
        header, cells = data.records
        if wanted in header:
            j = header.index(wanted)
            return wanted, [row[j] for row in cells]
    if args.id is not None:
        raise GlassnetError(
            f"--id {args.id!r}: {data.source} has no such column"
            + ("" if data.records is not None else " (--id reads CSV files)")
        )
    if data.sample_names:
        return "file", data.sample_names
    return "row", list(range(m))
