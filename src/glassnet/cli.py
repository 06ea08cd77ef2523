"""The glassnet command: demo, train, evaluate, predict, info (and lecture, export, playground).

Every user error ends with one line ``glassnet: error: ...`` on stderr and exit status 2, never a
traceback; Ctrl-C exits with status 130. Option values are checked by the same core functions the
Python API uses, so the messages are the API's.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import sys
from pathlib import Path

import numpy as np

from . import __version__, activations, initializers, optimizers, readers
from . import engine as engines
from .data import Standardizer
from .errors import GlassnetError
from .io import Model, atomic_write, load, save
from .network import Network
from .training import train
from .validation import check_count, check_fraction

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
_MAX_STORED_NAMES = 1000  # feature names kept in the model's metadata (not 12288 pixel names)


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

    evaluate = commands.add_parser("evaluate", help="accuracy, precision, recall, F1, cost")
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
    lecture.report(Path(args.out), args.only)
    return 0


def _export(args) -> int:
    export = _optional_module("export", "export", "onnx")
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
    )
    net = Network([data.n_features, *hidden_sizes, 1], hidden, "sigmoid", init, seed=args.seed)
    engines.select(args.engine, net, optimizer)  # an unknown engine fails before training starts
    X, y, X_val, y_val = _split(data.X, data.y, split, args.seed)
    scaler = None if args.no_normalize else Standardizer().fit(X)

    def inputs(A):
        return A if scaler is None or A is None else scaler.transform(A)

    for name, value in _configuration(args, data, net, optimizer, batch_size, len(X), X_val):
        say(f"  {name:<10} {value}" if name else value)
    sys.stdout.flush()

    def fit(callbacks):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is an error of its own
            return train(
                net,
                inputs(X),
                y,
                optimizer,
                epochs=epochs,
                batch_size=batch_size,
                seed=args.seed,
                validation_data=None if X_val is None else (inputs(X_val), y_val),
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
    results = {"train_accuracy": _accuracy(net, inputs(X), y)}
    if X_val is not None:
        results["validation_accuracy"] = _accuracy(net, inputs(X_val), y_val)
    if data.X_test is not None:
        results["test_accuracy"] = _accuracy(net, inputs(data.X_test), data.y_test)
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
    path = save(args.out, net, scaler, data.classes, history, metadata)
    say(
        f"done: {history.epochs} epochs in {metadata['training']['seconds']:.2f} s, "
        f"final cost {history.epoch_costs[-1]:.4f}"
    )
    for name, value in results.items():
        say(f"  {name.replace('_', ' '):<20} {value:.4f}")
    say(f"saved the model to {path}")
    if plots is not None:
        plots.cost_curve(history, args.plot)
        say(f"saved the cost curve to {args.plot}")
    return 0


def _data_metadata(data: readers.Dataset, n_train: int, X_val) -> dict:
    """Where the data came from, kept in the model file (evaluate and predict read it back)."""
    names = data.feature_names
    return {
        "source": data.source,
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
    try:
        return optimizers.get(name, **hyperparameters)
    except GlassnetError:
        raise
    except TypeError:  # an optimizer without momentum was given --beta
        raise GlassnetError(
            f"--beta does not apply to --optimizer {name}; it is the momentum of momentum and "
            "nesterov"
        ) from None


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


def _configuration(args, data, net, optimizer, batch_size, n_train, X_val) -> list:
    """The lines train prints before it starts: (name, value), or ("", heading)."""
    classes = ", ".join(f"{i}: {c}" for i, c in enumerate(data.classes.tolist()))
    lines = [
        ("", "glassnet train"),
        ("data", data.describe()),
        ("labels", classes + (f" (target column {data.target!r})" if data.target else "")),
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
    """Read DATA as the model expects it: same classes, image size and label column."""
    net = model.network
    if net.output.name != "sigmoid" or net.n_outputs != 1:
        raise GlassnetError(
            f"the glassnet command handles binary classifiers (one sigmoid output); this model "
            f"has a {net.output.name} output with {net.n_outputs} unit(s): use it from Python"
        )
    about = model.metadata.get("data")
    about = about if isinstance(about, dict) else {}  # metadata written by glassnet train
    shape = about.get("images_shape")
    size = (64, 64)
    if isinstance(shape, list) and len(shape) >= 2 and all(isinstance(n, int) for n in shape):
        size = (shape[0], shape[1])
    classes = model.classes if model.classes is not None else np.array([0, 1])
    dataset = readers.read(
        data,
        target=target,
        positive=about.get("positive"),
        classes=classes,
        n_features=model.n_features,
        image_size=size,
        labels=labels,
        target_hint=about.get("target"),
    )
    if dataset.X_test is not None:  # the held-out set that came with the data
        dataset.X, dataset.y = dataset.X_test, dataset.y_test
        dataset.source, dataset.sample_names = dataset.test_source, None
    return dataset


def _evaluate(args) -> int:
    model = load(args.model)
    data = _read_for(model, args.data, args.target, labels=True)
    classes = model.classes if model.classes is not None else np.array([0, 1])
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
    width = max(8, *(len(n) + 2 for n in names))
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * width + "".join(f"{n:>{width}}" for n in names))
    for i, name in enumerate(names):
        print(f"{name:<{width}}" + "".join(f"{m['confusion'][i][j]:>{width}}" for j in range(2)))
    return 0


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


def _predict(args) -> int:
    _check_folder(args.out)
    model = load(args.model)
    data = _read_for(model, args.data, args.target, labels=False)
    probabilities = model.predict_proba(data.X)
    labels = model.predict(data.X)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    first = "file" if data.sample_names else "row"
    writer.writerow([first, "probability", "label"])
    names = data.sample_names or range(len(data.X))
    for name, p, label in zip(names, probabilities.tolist(), labels.tolist(), strict=True):
        writer.writerow([name, f"{p:.6f}", label])
    if args.out is None:
        sys.stdout.write(text.getvalue())
        return 0
    atomic_write(args.out, lambda f: f.write(text.getvalue().encode("utf-8")))
    positive = "1" if model.classes is None else str(model.classes[1])
    print(f"wrote {len(data.X)} predictions to {args.out} (probability = P(label = {positive}))")
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
        lines.append(("classes", ", ".join(f"{i}: {c}" for i, c in enumerate(model.classes))))
    lines.append(("inputs", _normalization_summary(model.standardizer)))
    lines.append(("training", _history_summary(model.history)))
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
    if history.seconds:
        text += f", {history.seconds[-1]:.2f} s"
    return text


if __name__ == "__main__":
    raise SystemExit(main())
