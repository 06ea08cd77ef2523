"""What the subcommands share: exit statuses, the one-line error, optional modules, output
folders, and reading DATA the way a model file expects it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np

from .. import readers
from ..errors import GlassnetError
from ..files.model import Model

EXIT_NOT_CONFIRMED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
MAX_SHOWN_CLASSES = 20  # classes listed on one line


def fail(message: str) -> int:
    """Print ``glassnet: error: MESSAGE`` as one line on stderr; return the user-error status."""
    sys.stdout.flush()
    print(f"glassnet: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USER_ERROR


def optional_module(name: str, command: str, extra: str):
    """Import glassnet.<name> for a subcommand, or explain what is missing."""
    try:
        return importlib.import_module(f"glassnet.{name}")
    except ModuleNotFoundError as e:
        if e.name is not None and e.name.startswith("glassnet"):
            raise GlassnetError(
                f"'glassnet {command}' is not available in this installation "
                f"(glassnet.{name} is missing); update glassnet"
            ) from None
        raise GlassnetError(
            f"'glassnet {command}' needs the package {e.name}: pip install \"glassnet[{extra}]\""
        ) from None


def check_folder(path: str | None) -> None:
    """Refuse an output path whose folder does not exist before any work is done."""
    if path is not None and not Path(path).resolve().parent.is_dir():
        raise GlassnetError(
            f"cannot write {path}: the folder {Path(path).parent} does not exist; create it first"
        )


def read_for_model(model: Model, data: str, target: str | None, labels: bool) -> readers.Dataset:
    """Read DATA as the model expects it: same task, classes, image size and label column."""
    net = model.network
    output, units = net.output.name, net.n_outputs
    if not (output == "softmax" or (output in ("sigmoid", "identity") and units == 1)):
        raise GlassnetError(
            f"the glassnet command handles classifiers (one sigmoid unit, or a softmax) and "
            f"regression with one target (one identity unit); this model has a {output} output "
            f"with {units} unit(s): use it from Python"
        )
    about = model.metadata.get("data")
    about = about if isinstance(about, dict) else {}  # metadata written by glassnet train
    shape = about.get("images_shape")
    size = (64, 64)
    if isinstance(shape, list) and len(shape) >= 2 and all(isinstance(n, int) for n in shape):
        size = (shape[0], shape[1])
    regression = output == "identity"
    dataset = readers.read(
        data,
        target=target,
        positive=None if regression else about.get("positive"),
        classes=None if regression else model_classes(model),
        n_features=model.n_features,
        image_size=size,
        labels=labels,
        target_hint=about.get("target"),
        task="regression" if regression else "classification",
    )
    if dataset.X_test is not None:  # the held-out set that came with the data
        dataset.X, dataset.y = dataset.X_test, dataset.y_test
        dataset.source, dataset.sample_names = dataset.test_source, None
    return dataset


def model_classes(model: Model) -> np.ndarray:
    """The model's class labels; indices 0..K-1 when it has none."""
    if model.classes is not None:
        return model.classes
    return np.arange(max(2, model.network.n_outputs))


def class_list(classes) -> str:
    """'0: no, 1: yes', the first few of many classes and how many more."""
    names = [f"{i}: {c}" for i, c in enumerate(classes.tolist())]
    if len(names) > MAX_SHOWN_CLASSES:
        names = [*names[:MAX_SHOWN_CLASSES], f"... ({len(classes)} classes)"]
    return ", ".join(names)
