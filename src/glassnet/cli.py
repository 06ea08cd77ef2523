"""The glassnet command: demo, train, evaluate, predict, info, sweep (and lecture, export,
playground).

``train`` builds the network the data asks for: two classes give one sigmoid unit (binary
cross-entropy), K > 2 classes a softmax of K units (categorical cross-entropy), and
``--task regression`` one identity unit (mean squared error). For regression the target is
standardized with the training rows' mean mu_y and std sigma_y while training, y' = (y - mu_y) /
sigma_y, and afterwards the inverse map is folded into the last, affine layer:

    a = W[L] A[L-1] + b[L] predicts y'   =>   sigma_y a + mu_y = (sigma_y W[L]) A[L-1]
                                                               + (sigma_y b[L] + mu_y)

so the saved model predicts in the target's units with no change to the model file.

Every user error ends with one line ``glassnet: error: ...`` on stderr and exit status 2, never a
traceback; Ctrl-C exits with status 130; ``lecture`` exits with status 1 when a claim is not
confirmed. Option values are checked by the same core functions the Python API uses, so the
messages are the API's.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import __version__, activations, initializers, optimizers, readers
from . import engine as engines
from .data import Standardizer
from .errors import GlassnetError
from .files.archive import atomic_write
from .files.model import Model, load, save
from .network import Network
from .training import train
from .validation import check_count, check_fraction

EXIT_NOT_CONFIRMED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
_MAX_STORED_NAMES = 1000  # feature names kept in the model's metadata (not 12288 pixel names)
_MAX_SHOWN_CLASSES = 20  # classes listed on one line
_MAX_CONFUSION = 50  # classes up to which evaluate prints the K x K confusion matrix


def main(argv: list[str] | None = None) -> int:
    """Run the glassnet command on ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors (status 2) from argparse
        return e.code if isinstance(e.code, int) else EXIT_USER_ERROR
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt as e:  # with a checkpoint, the message says how to resume
        print(f"\nglassnet: {str(e) or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except GlassnetError as e:
        return _fail(str(e))
    except BrokenPipeError:  # the reader went away (e.g. `glassnet predict ... | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a file that cannot be read or written
        name = f" {e.filename}" if e.filename else ""
        return _fail(f"{e.strerror or e}:{name}")


def _fail(message: str) -> int:
    sys.stdout.flush()
    print(f"glassnet: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USER_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassnet",
        description="Train, evaluate and use fully connected networks from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="train the cat classifier on drawn cats")
    demo.add_argument("--epochs", type=int, default=None, help="default: the demo's own")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="glassnet-demo", help="folder for the model and pictures")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(handler=_demo)

    fit = commands.add_parser("train", help="train a network on DATA and save the model")
    fit.add_argument("data", metavar="DATA", help="CSV, .npz, .h5, image folder or builtin:NAME")
    _data_options(fit)
    fit.add_argument(
        "--task",
        default="classification",
        help="classification (2 or more classes) or regression (a numeric target)",
    )
    fit.add_argument("--layers", default="20,7,5", help="hidden layer sizes (default 20,7,5)")
    fit.add_argument("--hidden", default="relu", help="relu, tanh or sigmoid (default relu)")
    fit.add_argument(
        "--init", default="auto", help="auto, he, lecun, glorot or normal(s) (default auto)"
    )
    fit.add_argument("--optimizer", default="momentum", help="gd or momentum (default momentum)")
    fit.add_argument("--lr", type=float, default=None, help="learning rate")
    fit.add_argument("--beta", type=float, default=None, help="momentum (default 0.9)")
    fit.add_argument("--batch-size", type=int, default=64, help="default 64")
    fit.add_argument("--epochs", type=int, default=100, help="default 100")
    fit.add_argument("--seed", type=int, default=0, help="initial weights, shuffling, split")
    fit.add_argument("--no-normalize", action="store_true", help="do not standardize inputs")
    fit.add_argument(
        "--validation-split", type=float, default=0.2, help="fraction held out (default 0.2)"
    )
    fit.add_argument("--out", default="model.glassnet", help="model file (default model.glassnet)")
    fit.add_argument("--plot", default=None, help="save the cost curve as this PNG")
    fit.add_argument("--no-progress", action="store_true", help="no progress bar")
    fit.add_argument(
        "--engine", default="auto", help="auto (the fastest available), numpy or numba"
    )
    fit.add_argument("--checkpoint", default=None, help="write the training state here")
    fit.add_argument(
        "--checkpoint-every", type=int, default=1, help="epochs between checkpoints (default 1)"
    )
    fit.add_argument("--resume", default=None, help="continue from this checkpoint")
    fit.add_argument(
        "--distributed", action="store_true", help="data-parallel over MPI (under mpirun)"
    )
    fit.set_defaults(handler=_train)

    evaluate = commands.add_parser(
        "evaluate", help="accuracy, precision, recall, F1, cost (R^2, RMSE, MAE for regression)"
    )
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("data", metavar="DATA")
    evaluate.add_argument("--target", default=None, help="label column of a CSV")
    evaluate.set_defaults(handler=_evaluate)

    predict = commands.add_parser("predict", help="probabilities and labels for DATA")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA")
    predict.add_argument("--target", default=None, help="label column of a CSV, if it has one")
    predict.add_argument("--out", default=None, help="write a CSV here instead of printing it")
    predict.set_defaults(handler=_predict)

    info = commands.add_parser("info", help="what a model file holds")
    info.add_argument("model", metavar="MODEL")
    info.set_defaults(handler=_info)

    search = commands.add_parser(
        "sweep", help="train every combination of a hyper-parameter grid on Dask, ranked"
    )
    search.add_argument("data", metavar="DATA", help="as for train")
    _data_options(search)
    search.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="NAME=VALUES",
        help="e.g. lr=0.1,0.01 or layers=20,7,5:64,64 (repeat for more parameters)",
    )
    search.add_argument(
        "--cv", type=int, default=None, help="K-fold cross-validation (default: 80/20 hold-out)"
    )
    search.add_argument("--seed", type=int, default=0, help="weights, shuffling and the folds")
    search.add_argument(
        "--scheduler", default=None, help="a Dask scheduler address (default: a LocalCluster)"
    )
    search.set_defaults(handler=_sweep)

    lecture = commands.add_parser("lecture", help="run the lecture's experiments")
    lecture.add_argument("--out", default="glassnet-lecture", help="folder for the figures")
    lecture.add_argument("--only", default=None, help="run only this experiment")
    lecture.set_defaults(handler=_lecture)

    export = commands.add_parser("export", help="export a model file to ONNX")
    export.add_argument("model", metavar="MODEL")
    export.add_argument("--onnx", required=True, metavar="OUT", help="the .onnx file to write")
    export.set_defaults(handler=_export)

    playground = commands.add_parser("playground", help="the interactive playground in a browser")
    playground.add_argument("--host", default="127.0.0.1")
    playground.add_argument("--port", type=int, default=8765)
    playground.add_argument("--open", action="store_true", help="open a browser")
    playground.set_defaults(handler=_playground)
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", default=None, help="label column of a CSV (default: last)")
    parser.add_argument(
        "--positive", default=None, help="the positive label (one against the rest if needed)"
    )
    parser.add_argument(
        "--image-size", type=int, default=64, help="image folders: resize to N x N (default 64)"
    )


def _optional_module(name: str, command: str, extra: str):
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


# ---- demo, lecture, export, playground --------------------------------------------------------


def _demo(args) -> int:
    demo = _optional_module("demo", "demo", "demo")
    if args.epochs is not None:
        check_count(args.epochs, "epochs")
    demo.run(
        out_dir=args.out,
        epochs=args.epochs,
        seed=args.seed,
        progress=not args.no_progress,
        echo=print,
    )
    return 0


def _lecture(args) -> int:
    lecture = _optional_module("lecture", "lecture", "demo")
    results = lecture.report(Path(args.out), args.only)
    return 0 if all(bool(r["verdict"]) for r in results) else EXIT_NOT_CONFIRMED


def _export(args) -> int:
    export = _optional_module("files.onnx", "export", "onnx")
    path = export.to_onnx(load(args.model), args.onnx)
    print(f"wrote {path}")
    return 0


def _playground(args) -> int:
    playground = _optional_module("playground", "playground", "playground")
    playground.serve(args.host, args.port, args.open)
    return 0


# ---- train ----------------------------------------------------------------------------------


def _train(args) -> int:
    optimizer = _optimizer(args.optimizer, args.lr, args.beta)
    epochs = check_count(args.epochs, "epochs")
    batch_size = check_count(args.batch_size, "batch_size")
    split = check_fraction(args.validation_split, "validation_split")
    hidden = activations.get(args.hidden)
    init = initializers.get(args.init, hidden.name)
    hidden_sizes = _layers(args.layers)
    image_size = check_count(args.image_size, "image_size")
    checkpoint_every = check_count(args.checkpoint_every, "checkpoint_every")
    for output in (args.out, args.plot, args.checkpoint):
        _check_folder(output)
    plots = _optional_module("plots", "train --plot", "demo") if args.plot else None
    comm = None
    if args.distributed:
        comm = _optional_module("distributed", "train", "mpi").require_mpi().COMM_WORLD
    quiet = comm is not None and comm.Get_rank() != 0  # rank 0 alone prints and writes
    say = (lambda *_: None) if quiet else print

    data = readers.read(
        args.data,
        target=args.target,
        positive=args.positive,
        image_size=(image_size, image_size),
        seed=args.seed,
        task=args.task,
    )
    n_outputs, output = _output_layer(data)
    net = Network([data.n_features, *hidden_sizes, n_outputs], hidden, output, init, seed=args.seed)
    engines.select(args.engine, net, optimizer)  # an unknown engine fails before training starts
    X, y, X_val, y_val = _split(data.X, data.y, split, args.seed)
    scaler = None if args.no_normalize else Standardizer().fit(X)
    scaling = _target_scaling(y) if data.task == "regression" else None

    def inputs(A):
        return A if scaler is None or A is None else scaler.transform(A)

    def targets(t):
        return t if scaling is None or t is None else (t - scaling[0]) / scaling[1]

    lines = _configuration(args, data, net, optimizer, batch_size, len(X), X_val, scaling)
    for name, value in lines:
        say(f"  {name:<10} {value}" if name else value)
    sys.stdout.flush()

    def fit(callbacks):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is an error of its own
            return train(
                net,
                inputs(X),
                targets(y),
                optimizer,
                epochs=epochs,
                batch_size=batch_size,
                seed=args.seed,
                validation_data=None if X_val is None else (inputs(X_val), targets(y_val)),
                callbacks=callbacks,
                checkpoint=args.checkpoint,
                checkpoint_every=checkpoint_every,
                resume=args.resume,
                comm=comm,
                engine=args.engine,
            )

    if args.no_progress or quiet:
        history = fit([])
    else:
        progress = _optional_module("progress", "train", "demo")
        with progress.ProgressBar(epochs, desc="training") as bar:
            history = fit([bar])
    if quiet:
        return 0
    if scaling is not None:
        _fold_target_scaling(net, *scaling)
    results = {}
    for part, (A, t) in {
        "train": (X, y),
        "validation": (X_val, y_val),
        "test": (data.X_test, data.y_test),
    }.items():
        if A is not None:
            results.update(_scores(part, net, inputs(A), t))
    metadata = {
        "training": {
            "optimizer": optimizer.config(),
            "epochs": epochs,
            "epochs_run": history.epochs,
            "batch_size": batch_size,
            "seed": args.seed,
            "validation_split": split,
            "normalize": scaler is not None,
            "seconds": history.seconds[-1] if history.seconds else 0.0,
        },
        "data": _data_metadata(data, len(X), X_val),
        "results": results,
    }
    if scaling is not None:
        metadata["training"]["target_scaling"] = {
            "mean": scaling[0],
            "std": scaling[1],
            "folded": True,
        }
    path = save(args.out, net, scaler, data.classes, history, metadata)
    say(
        f"done: {history.epochs} epochs in {metadata['training']['seconds']:.2f} s, "
        f"final cost {history.epoch_costs[-1]:.4f}"
        + (" (on the standardized target)" if scaling is not None else "")
    )
    for name, value in results.items():
        say(f"  {_score_name(name):<20} {value:.4f}")
    say(f"saved the model to {path}")
    if plots is not None:
        plots.cost_curve(history, args.plot)
        say(f"saved the cost curve to {args.plot}")
    return 0


def _output_layer(data: readers.Dataset) -> tuple[int, str]:
    """(units, activation) of the last layer: 1 identity unit for regression, 1 sigmoid unit
    for two classes, K softmax units for K > 2 classes."""
    if data.task == "regression":
        return 1, "identity"
    n_classes = len(data.classes)
    return (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")


def _target_scaling(y: np.ndarray) -> tuple[float, float]:
    """(mu_y, sigma_y) of the training targets; sigma_y = 1 for a constant target, which is then
    only centered (as the Standardizer does with a constant feature)."""
    mean, std = float(np.mean(y)), float(np.std(y))
    return mean, std if std > 0 else 1.0


def _fold_target_scaling(net: Network, mean: float, std: float) -> None:
    """Make ``net``, trained on y' = (y - mean) / std, predict y itself, exactly.

    The last layer is affine (identity output): a = A[L-1] W[L]^T + b[L] predicts y', so
    std a + mean = A[L-1] (std W[L])^T + (std b[L] + mean):  W[L] <- std W[L],
    b[L] <- std b[L] + mean (in float64, then back to the network's dtype).
    """
    last = net.layers[-1]
    if net.output.name != "identity":
        raise GlassnetError("only an identity (regression) output can absorb the target scaling")
    last.W[...] = std * last.W.astype(np.float64)
    last.b[...] = std * last.b.astype(np.float64) + mean


def _scores(part: str, net: Network, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """``{part}_accuracy`` for a classifier; ``{part}_r2`` and ``{part}_rmse`` for regression."""
    if net.output.name != "identity":
        return {f"{part}_accuracy": _accuracy(net, X, y)}
    fit = _regression_metrics(y, net.predict(X))
    return {f"{part}_r2": fit["r2"], f"{part}_rmse": fit["rmse"]}


_SCORE_NAMES = {"r2": "R^2", "rmse": "RMSE"}


def _score_name(key: str) -> str:
    """'validation_accuracy' -> 'validation accuracy', 'train_r2' -> 'train R^2'."""
    part, _, metric = key.rpartition("_")
    return f"{part} {_SCORE_NAMES.get(metric, metric)}"


def _data_metadata(data: readers.Dataset, n_train: int, X_val) -> dict:
    """Where the data came from, kept in the model file (evaluate and predict read it back)."""
    names = data.feature_names
    return {
        "source": data.source,
        "task": data.task,
        "target": data.target,
        "positive": data.positive,
        "feature_names": names if names and len(names) <= _MAX_STORED_NAMES else None,
        "images_shape": None if data.images_shape is None else list(data.images_shape),
        "n_train": n_train,
        "n_validation": 0 if X_val is None else len(X_val),
        "n_test": 0 if data.X_test is None else len(data.X_test),
    }


def _check_folder(path: str | None) -> None:
    """Refuse an output path whose folder does not exist before any work is done."""
    if path is not None and not Path(path).resolve().parent.is_dir():
        raise GlassnetError(
            f"cannot write {path}: the folder {Path(path).parent} does not exist; create it first"
        )


def _optimizer(name: str, lr: float | None, beta: float | None):
    hyperparameters = {} if lr is None else {"lr": lr}
    if beta is not None:
        hyperparameters["beta"] = beta
    if beta is not None and "beta" not in optimizers.defaults(name):
        raise GlassnetError(
            f"--beta does not apply to --optimizer {name}; it is the momentum of momentum and "
            "nesterov"
        )
    return optimizers.get(name, **hyperparameters)


def _layers(text: str) -> list[int]:
    """'20,7,5' -> [20, 7, 5]; '' or 'none' -> [] (no hidden layer: logistic regression)."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise GlassnetError(
            f"--layers must be comma-separated integers such as 20,7,5 (or 'none' for no hidden "
            f"layer); got {text!r}"
        ) from None


def _split(X: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """A random validation set of round(fraction m) samples (at least one when fraction > 0)."""
    if fraction == 0:
        return X, y, None, None
    m = len(X)
    n_val = max(1, round(fraction * m))
    if n_val >= m:
        raise GlassnetError(
            f"--validation-split {fraction} of {m} samples leaves none for training; use a "
            "smaller split or more data"
        )
    order = np.random.default_rng(seed).permutation(m)
    val, fit = order[:n_val], order[n_val:]
    return X[fit], y[fit], X[val], y[val]


def _accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(net.predict(X) == y))


def _class_list(classes) -> str:
    """'0: no, 1: yes', the first few of many classes and how many more."""
    names = [f"{i}: {c}" for i, c in enumerate(classes.tolist())]
    if len(names) > _MAX_SHOWN_CLASSES:
        names = [*names[:_MAX_SHOWN_CLASSES], f"... ({len(classes)} classes)"]
    return ", ".join(names)


def _configuration(args, data, net, optimizer, batch_size, n_train, X_val, scaling) -> list:
    """The lines train prints before it starts: (name, value), or ("", heading)."""
    column = f" (target column {data.target!r})" if data.target else ""
    if scaling is None:
        labels = ("labels", _class_list(data.classes) + column)
    else:
        labels = (
            "target",
            f"regression{column}, standardized for training (mean {scaling[0]:.4g}, std "
            f"{scaling[1]:.4g}), folded into the last layer afterwards",
        )
    lines = [
        ("", "glassnet train"),
        ("data", data.describe()),
        labels,
        (
            "network",
            f"{net.sizes}, hidden {net.hidden.name}, output {net.output.name}, init "
            f"{net.init.name}, {net.dtype.name}, {net.n_parameters} parameters",
        ),
        (
            "optimizer",
            f"{optimizer!r}, batch size {batch_size}, {args.epochs} epochs, seed {args.seed}",
        ),
        ("inputs", "as they are" if args.no_normalize else "standardized (training mean and std)"),
        (
            "samples",
            f"{n_train} training, {0 if X_val is None else len(X_val)} validation, "
            f"{0 if data.X_test is None else len(data.X_test)} test",
        ),
    ]
    if args.checkpoint:
        lines.append(("checkpoint", f"{args.checkpoint} every {args.checkpoint_every} epoch(s)"))
    if args.resume:
        lines.append(("resume", f"from {args.resume}"))
    return lines


# ---- evaluate, predict, info ----------------------------------------------------------------


def _read_for(model: Model, data: str, target: str | None, labels: bool) -> readers.Dataset:
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
        classes=None if regression else _model_classes(model),
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


def _model_classes(model: Model) -> np.ndarray:
    """The model's class labels; indices 0..K-1 when it has none."""
    if model.classes is not None:
        return model.classes
    return np.arange(max(2, model.network.n_outputs))


def _evaluate(args) -> int:
    model = load(args.model)
    data = _read_for(model, args.data, args.target, labels=True)
    output = model.network.output.name
    if output == "identity":
        return _evaluate_regression(args.model, model, data)
    if output == "softmax":
        return _evaluate_multiclass(args.model, model, data)
    classes = _model_classes(model)
    inputs = model.transform(data.X)
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = _binary_metrics(data.y, predicted)
    names = [str(c) for c in classes.tolist()]
    print(f"model      {args.model}: {model.network.sizes}, classes {', '.join(names)}")
    print(f"data       {data.source}: {len(data.X)} samples")
    print(f"accuracy   {m['accuracy']:.4f}")
    print(f"precision  {m['precision']:.4f}   (positive class: {names[1]})")
    print(f"recall     {m['recall']:.4f}")
    print(f"F1         {m['f1']:.4f}")
    print(f"cost       {cost:.4f}   (binary cross-entropy)")
    _print_confusion(names, m["confusion"])
    return 0


def _print_confusion(names: list[str], confusion) -> None:
    width = max(8, *(len(n) + 2 for n in names))
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for i, name in enumerate(names):
        print(f"{name:<{width}}" + "".join(f"{n:>{width}}" for n in confusion[i]))


def _binary_metrics(y: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, precision TP/(TP+FP), recall TP/(TP+FN), F1 = 2PR/(P+R), confusion [[TN, FP],
    [FN, TP]]; a ratio with a zero denominator is 0."""
    tp = int(np.sum((predicted == 1) & (y == 1)))
    fp = int(np.sum((predicted == 1) & (y == 0)))
    fn = int(np.sum((predicted == 0) & (y == 1)))
    tn = int(np.sum((predicted == 0) & (y == 0)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "accuracy": (tp + tn) / len(y),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "confusion": [[tn, fp], [fn, tp]],
    }


def _evaluate_multiclass(path: str, model: Model, data: readers.Dataset) -> int:
    names = [str(c) for c in _model_classes(model).tolist()]
    inputs = model.transform(data.X)
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = _class_metrics(data.y, predicted, len(names))
    print(f"model      {path}: {model.network.sizes}, {len(names)} classes")
    print(f"data       {data.source}: {len(data.X)} samples")
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
    if len(names) <= _MAX_CONFUSION:
        _print_confusion(names, m["confusion"])
    else:
        print(f"confusion matrix not printed: {len(names)} classes (more than {_MAX_CONFUSION})")
    return 0


def _class_metrics(y: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict:
    """Per class k, from the confusion matrix C[true, predicted]: precision C[k,k] / sum_i C[i,k],
    recall C[k,k] / sum_j C[k,j], F1 = 2PR/(P+R) (0 for a zero denominator), support sum_j C[k,j];
    the macro average is their plain mean over the classes that occur in y or in the
    predictions (scikit-learn's convention); accuracy = trace(C) / m."""
    C = np.bincount(y * n_classes + predicted, minlength=n_classes**2).reshape(n_classes, -1)
    correct = np.diag(C).astype(np.float64)
    predicted_as, support = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(correct, predicted_as, out=np.zeros(n_classes), where=predicted_as > 0)
    recall = np.divide(correct, support, out=np.zeros(n_classes), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(n_classes), where=both > 0)
    seen = (support > 0) | (predicted_as > 0)
    return {
        "accuracy": float(correct.sum() / len(y)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "macro": {
            "precision": float(precision[seen].mean()),
            "recall": float(recall[seen].mean()),
            "f1": float(f1[seen].mean()),
        },
        "confusion": C.tolist(),
    }


def _evaluate_regression(path: str, model: Model, data: readers.Dataset) -> int:
    inputs = model.transform(data.X)
    predicted = model.network.predict(inputs)
    cost = model.network.cost(inputs, data.y)
    m = _regression_metrics(data.y, predicted)
    about = model.metadata.get("data")
    target = about.get("target") if isinstance(about, dict) else None
    named = f" of {target!r}" if target else ""
    print(f"model      {path}: {model.network.sizes}, regression{named}")
    print(f"data       {data.source}: {len(data.X)} samples")
    print(f"cost       {cost:.6g}   (mean squared error (1/m) sum 1/2 (a - y)^2)")
    print(f"RMSE       {m['rmse']:.6g}")
    print(f"MAE        {m['mae']:.6g}")
    print(f"R^2        {m['r2']:.4f}")
    return 0


def _regression_metrics(y: np.ndarray, predicted: np.ndarray) -> dict:
    """RMSE = sqrt(mean (a - y)^2), MAE = mean |a - y|, R^2 = 1 - sum (y - a)^2 / sum (y - y_bar)^2
    (for a constant y: 1 if every prediction is exact, else 0, as scikit-learn does)."""
    y = np.asarray(y, dtype=np.float64)
    error = np.asarray(predicted, dtype=np.float64) - y
    residual = float(np.sum(error**2))
    total = float(np.sum((y - y.mean()) ** 2))
    if total > 0:
        r2 = 1.0 - residual / total
    else:
        r2 = 1.0 if residual == 0 else 0.0
    return {
        "rmse": float(np.sqrt(residual / len(y))),
        "mae": float(np.mean(np.abs(error))),
        "r2": r2,
    }


def _predict(args) -> int:
    _check_folder(args.out)
    model = load(args.model)
    data = _read_for(model, args.data, args.target, labels=False)
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
        classes = [str(c) for c in _model_classes(model).tolist()]
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


def _info(args) -> int:
    model = load(args.model)
    net = model.network
    meta = model.metadata
    training = meta.get("training", {}) if isinstance(meta.get("training"), dict) else {}
    about = meta.get("data", {}) if isinstance(meta.get("data"), dict) else {}
    shapes = ", ".join(f"W{l} {layer.W.shape}" for l, layer in enumerate(net.layers, start=1))
    extras = [f"{k} {v}" for k, v in (("l2", net.l2), ("dropout", net.dropout)) if v]
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
        lines.append(("classes", _class_list(model.classes)))
    if net.output.name == "identity":
        lines.append(("target", _target_summary(about, training)))
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


# ---- sweep ----------------------------------------------------------------------------------


def _sweep(args) -> int:
    sweeps = _optional_module("sweep", "sweep", "dask")
    try:
        from dask.distributed import Client
    except ImportError:
        raise GlassnetError('glassnet sweep runs on Dask: pip install "glassnet[dask]"') from None
    combinations = sweeps.grid(args.grid)
    image_size = check_count(args.image_size, "image_size")
    folds = None if args.cv is None else check_count(args.cv, "cv", minimum=2)
    data = readers.read(
        args.data,
        target=args.target,
        positive=args.positive,
        image_size=(image_size, image_size),
        seed=args.seed,
    )
    if folds is not None and folds > len(data.X):
        raise GlassnetError(
            f"--cv {folds} needs at least {folds} samples; {data.source} has {len(data.X)}"
        )
    validation = f"{folds}-fold cross-validation" if folds else "a seeded 80/20 hold-out"
    where = args.scheduler or "a new local Dask cluster"
    print("glassnet sweep")
    print(f"  data       {data.describe()}")
    print(f"  grid       {len(combinations)} combination(s) of {', '.join(combinations[0])}")
    print(f"  measured   on {validation}, seed {args.seed}, on {where}")
    sys.stdout.flush()
    start = time.perf_counter()
    if args.scheduler is None:
        results = sweeps.run(data.X, data.y, combinations, folds=folds, seed=args.seed)
    else:
        try:
            client = Client(args.scheduler)
        except (OSError, ValueError, TypeError) as e:
            raise GlassnetError(
                f"cannot reach the Dask scheduler at {args.scheduler} ({e}); check the address "
                "(e.g. tcp://host:8786) and that the scheduler is running"
            ) from None
        with client:
            results = sweeps.run(
                data.X, data.y, combinations, folds=folds, seed=args.seed, scheduler=client
            )
    print(f"done: {len(results)} combination(s) in {time.perf_counter() - start:.1f} s")
    print()
    print(_ranking(results, list(combinations[0])))
    return 0


def _ranking(results: list, names: list[str]) -> str:
    """The ranked table: rank, the varied parameters, validation accuracy and cost."""
    header = ["rank", *names, "validation accuracy", "validation cost"]
    rows = [
        [
            str(rank),
            *(_parameter_text(r.params[name]) for name in names),
            "-" if r.val_accuracy is None else f"{r.val_accuracy:.4f}",
            f"{r.val_cost:.4f}",
        ]
        for rank, r in enumerate(results, start=1)
    ]
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if j <= len(names) else cell.rjust(w)
            for j, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    )


def _parameter_text(value) -> str:
    """A grid value as it is written on the command line: layers [20, 7, 5] -> 20,7,5."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
