"""The command line of glassnet: every subcommand, its options, and the module that runs it
(``args.handler``, the module's ``run``)."""

from __future__ import annotations

import argparse

from ..version import __version__
from . import (
    check,
    demo,
    evaluate,
    exercises,
    explain,
    export,
    info,
    lecture,
    playground,
    predict,
    sweep,
    train,
)


def build() -> argparse.ArgumentParser:
    """The argparse parser of the glassnet command."""
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Train, evaluate and use fully connected networks from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    command = commands.add_parser("demo", help="train the cat classifier on drawn cats")
    command.add_argument("--epochs", type=int, default=None, help="default: the demo's own")
    command.add_argument("--seed", type=int, default=0)
    command.add_argument("--out", default="glassnet-demo", help="folder for the model and pictures")
    command.add_argument("--no-progress", action="store_true", help="no progress bar")
    command.set_defaults(handler=demo.run)

    command = commands.add_parser(
        "train",
        help="train a network on DATA and save the model",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=train.optimizer_epilog(),
    )
    command.add_argument(
        "data", metavar="DATA", help="CSV, .npz, .h5, image folder or builtin:NAME"
    )
    _data_options(command)
    train.add_recipe_options(command)
    command.add_argument(
        "--seed", type=int, default=0, help="initial weights, shuffling, splits (default 0)"
    )
    command.add_argument(
        "--no-normalize", action="store_true", help="do not standardize inputs (default: do)"
    )
    command.add_argument(
        "--validation-split",
        type=float,
        default=0.2,
        help="fraction held out for early stopping (default 0.2; 0: no validation data)",
    )
    command.add_argument(
        "--test-split",
        type=float,
        default=0.0,
        help="fraction held out for the test metrics, never trained on (default 0: none)",
    )
    command.add_argument(
        "--out", default="model.glassnet", help="model file (default model.glassnet)"
    )
    command.add_argument(
        "--save-test",
        default=None,
        metavar="FILE",
        help="write the --test-split rows of a CSV here, as the file had them, for evaluate "
        "(default: none)",
    )
    command.add_argument(
        "--plot", default=None, help="save the cost curve as this PNG (default: none)"
    )
    command.add_argument(
        "--no-progress", action="store_true", help="no progress bar (default: a bar)"
    )
    command.add_argument(
        "--engine",
        default="auto",
        help="auto (the fastest available), numpy or numba (default auto)",
    )
    command.add_argument(
        "--log-csv", default=None, metavar="FILE",
        help="write one CSV row per epoch here: cost, validation cost and accuracy, lr, seconds "
        "(default: none)",
    )  # fmt: skip
    command.add_argument(
        "--tensorboard", default=None, metavar="DIR",
        help="write TensorBoard logs here (tensorboard --logdir DIR): costs, accuracy, lr, "
        "per-layer gradient norms, weight histograms (default: none)",
    )  # fmt: skip
    command.add_argument(
        "--checkpoint", default=None, help="write the training state here (default: none)"
    )
    command.add_argument(
        "--checkpoint-every", type=int, default=1, help="epochs between checkpoints (default 1)"
    )
    command.add_argument(
        "--resume", default=None, help="continue from this checkpoint (default: none)"
    )
    command.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel over MPI (under mpirun; default: one process)",
    )
    command.set_defaults(handler=train.run)

    command = commands.add_parser(
        "evaluate", help="accuracy, precision, recall, F1, cost (R^2, RMSE, MAE for regression)"
    )
    command.add_argument("model", metavar="MODEL")
    command.add_argument("data", metavar="DATA")
    command.add_argument("--target", default=None, help="label column of a CSV")
    _table_options(command)
    command.set_defaults(handler=evaluate.run)

    command = commands.add_parser("predict", help="probabilities and labels for DATA")
    command.add_argument("model", metavar="MODEL")
    command.add_argument("data", metavar="DATA")
    command.add_argument("--target", default=None, help="label column of a CSV, if it has one")
    command.add_argument("--out", default=None, help="write a CSV here instead of printing it")
    command.add_argument(
        "--id",
        default=None,
        metavar="COLUMN",
        help="a column of DATA written beside each prediction (default: the id column train "
        "detected, when DATA has it; else the row number)",
    )
    _table_options(command)
    command.set_defaults(handler=predict.run)

    command = commands.add_parser("info", help="what a model file holds")
    command.add_argument("model", metavar="MODEL")
    command.set_defaults(handler=info.run)

    command = commands.add_parser(
        "sweep", help="train every combination of a hyper-parameter grid on Dask, ranked"
    )
    command.add_argument("data", metavar="DATA", help="as for train")
    _data_options(command)
    command.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="NAME=VALUES",
        help="e.g. lr=0.1,0.01 or layers=20,7,5:64,64 (repeat for more parameters)",
    )
    command.add_argument(
        "--cv", type=int, default=None, help="K-fold cross-validation (default: 80/20 hold-out)"
    )
    command.add_argument("--seed", type=int, default=0, help="weights, shuffling and the folds")
    command.add_argument(
        "--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster)"
    )
    command.set_defaults(handler=sweep.run)

    command = commands.add_parser("lecture", help="run the lecture's experiments")
    command.add_argument("--out", default="glassnet-lecture", help="folder for the figures")
    command.add_argument("--only", default=None, help="run only this experiment")
    command.add_argument(
        "--notebook",
        default=None,
        metavar="PATH",
        help="write the report as this Jupyter notebook (.ipynb) instead (default: report.md)",
    )
    command.set_defaults(handler=lecture.run)

    command = commands.add_parser(
        "exercises", help="write the lecture as exercises: a notebook (nbgrader) and a module"
    )
    command.add_argument(
        "--out", default="glassnet-exercises", help="folder for exercises.ipynb and exercises.py"
    )
    command.add_argument(
        "--solutions", action="store_true", help="fill in the solutions (the teacher's version)"
    )
    command.set_defaults(handler=exercises.run)

    command = commands.add_parser(
        "check",
        help="grade students' exercises (a module or a folder of them); runs their code",
        description="Grade every exercise found in a student's module, or in each .py file of a "
        "folder, and print a table per student. Loading a module RUNS ITS CODE: each "
        "submission runs in its own Python process with a time limit (--timeout), so grade "
        "only files you would run yourself, in a folder or container you can spare.",
    )
    command.add_argument("path", metavar="PATH", help="a student's .py file or a folder of them")
    command.add_argument(
        "--json", default=None, metavar="FILE", help="also write the grades here (a gradebook)"
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=check.DEFAULT_TIMEOUT_S,
        help=f"seconds per submission (default {check.DEFAULT_TIMEOUT_S:g})",
    )
    command.set_defaults(handler=check.run)

    command = commands.add_parser(
        "explain", help="walk the first rows of DATA through backprop, layer by layer"
    )
    command.add_argument("model", metavar="MODEL")
    command.add_argument("data", metavar="DATA", help="labelled data, read as for evaluate")
    command.add_argument("--target", default=None, help="label column of a CSV (default: last)")
    command.add_argument("--rows", type=int, default=8, help="the batch: first N rows (default 8)")
    command.add_argument("--values", type=int, default=4, help="values per row shown (default 4)")
    command.set_defaults(handler=explain.run)

    command = commands.add_parser("export", help="export a model file to ONNX")
    command.add_argument("model", metavar="MODEL")
    command.add_argument("--onnx", required=True, metavar="OUT", help="the .onnx file to write")
    command.set_defaults(handler=export.run)

    command = commands.add_parser("playground", help="the interactive playground in a browser")
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=8765)
    command.add_argument("--open", action="store_true", help="open a browser")
    command.set_defaults(handler=playground.run)
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
    """The options train and sweep share for reading DATA."""
    parser.add_argument("--target", default=None, help="label column of a CSV (default: last)")
    parser.add_argument(
        "--positive",
        default=None,
        help="the positive label (one against the rest if needed; default: none)",
    )
    parser.add_argument(
        "--image-size", type=int, default=64, help="image folders: resize to N x N (default 64)"
    )
    parser.add_argument(
        "--na-values",
        default=None,
        metavar="TEXTS",
        help="more texts that mark a missing cell in a CSV, comma separated (default: none; "
        "pandas' own are always missing: empty, NA, NaN, n/a, null, ...)",
    )


def _table_options(parser: argparse.ArgumentParser) -> None:
    """How evaluate and predict read a table for a model with a plan."""
    parser.add_argument(
        "--na-values", default=None, metavar="TEXTS", help="as for train (default: pandas' own)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse a category never seen in training, or a missing value where training had "
        "none (default: encode it as no known level, fill it, and report how many)",
    )
