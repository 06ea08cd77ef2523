"""What the subcommands share: exit statuses, the one-line error, optional modules, output
folders, and reading DATA the way a model file expects it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np

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


def na_values(text: str | None) -> list[str]:
    """A comma-separated option: --na-values "?,-" -> ["?", "-"]."""
    return [] if not text else [v.strip() for v in text.split(",") if v.strip()]


def prepared(model: Model, data, strict: bool) -> np.ndarray:
    """The network's inputs for DATA read for the model (``readers.for_model``): a table
    through the model's plan, with what the plan met in the new rows said on stderr (levels
    never seen in training, gaps it filled, columns it ignored); ``strict`` refuses those."""
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    inputs, report = model.prepare(data.table if data.table is not None else data.X,
                                   strict=strict)  # fmt: skip
    for line in report.lines():
        print(f"note: {line}", file=sys.stderr)
    return inputs
