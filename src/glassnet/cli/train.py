"""``glassnet train DATA``: the options become a ``Recipe``, ``recipe.fit`` trains it, and the
model file is written.

What the recipe builds for the data (``recipe.output_layer``): two classes give one sigmoid unit
(binary cross-entropy), K > 2 classes a softmax of K units (categorical cross-entropy), and
``--task regression`` one identity unit (mean squared error). ``--validation-split`` holds out
rows with ``data.split_rows`` (seeded with --seed, stratified by class; 0: no validation data).
For regression the target is standardized with the training rows' mean mu_y and std sigma_y
while training, y' = (y - mu_y) / sigma_y, and afterwards the inverse map is folded into the
last, affine layer (``Fitted.fold_target_scaling``):

    a = W[L] A[L-1] + b[L] predicts y'   =>   sigma_y a + mu_y = (sigma_y W[L]) A[L-1]
                                                               + (sigma_y b[L] + mu_y)

so the saved model predicts in the target's units with no change to the model file.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import engine as engines
from .. import metrics, optimizers, readers
from ..errors import GlassnetError
from ..files.model import save
from ..network import Network
from ..recipe import (
    Recipe,
    class_of_rows,
    fit,
    holdout,
    make_network,
    make_optimizer,
    output_layer,
)
from ..validation import check_count, check_fraction, check_layer_sizes
from .common import check_folder, class_list, optional_module

MAX_STORED_NAMES = 1000  # feature names kept in the model's metadata (not 12288 pixel names)
_SCORE_NAMES = {"r2": "R^2", "rmse": "RMSE"}


def run(args) -> int:
    recipe = _recipe(args)
    optimizer = make_optimizer(recipe)  # a bad --lr, --beta or --optimizer fails before reading
    hidden_layers = _layers(args.layers)
    image_size = check_count(args.image_size, "image_size")
    checkpoint_every = check_count(args.checkpoint_every, "checkpoint_every")
    for output in (args.out, args.plot, args.checkpoint):
        check_folder(output)
    plots = optional_module("plots", "train --plot", "demo") if args.plot else None
    comm = None
    if args.distributed:
        comm = optional_module("distributed", "train", "mpi").require_mpi().COMM_WORLD
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
    n_outputs = 1 if data.task == "regression" else len(data.classes)
    # the sizes are checked with the data's input and output, so the message shows them all
    units, _ = output_layer(data.task, n_outputs)
    check_layer_sizes([data.n_features, *hidden_layers, units])
    recipe = recipe.replace(hidden_layers=tuple(hidden_layers))
    # the network fit will build, to describe it before training (and refuse an unknown engine)
    net = make_network(recipe, data.n_features, data.task, n_outputs)
    engines.select(recipe.engine, net, optimizer)
    train_rows, val_rows = holdout(recipe, len(data.X), class_of_rows(data.task, data.y))
    scaling = None
    if data.task == "regression":
        scaling = _target_statistics(np.mean(data.y[train_rows]), np.std(data.y[train_rows]))
    n_val = 0 if val_rows is None else len(val_rows)
    for name, value in _configuration(args, data, net, optimizer, len(train_rows), n_val, scaling):
        say(f"  {name:<10} {value}" if name else value)
    sys.stdout.flush()

    def fitted_with(callbacks):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is an error of its own
            return fit(
                recipe,
                data.X,
                data.y,
                data.task,
                n_outputs=n_outputs,
                callbacks=callbacks,
                checkpoint=args.checkpoint,
                checkpoint_every=checkpoint_every,
                resume=args.resume,
                comm=comm,
            )

    if args.no_progress or quiet:
        fitted = fitted_with([])
    else:
        progress = optional_module("progress", "train", "demo")
        with progress.ProgressBar(recipe.epochs, desc="training") as bar:
            fitted = fitted_with([bar])
    if quiet:
        return 0
    if fitted.target_scaler is not None:  # the mu_y and sigma_y that are folded
        scaling = _target_statistics(fitted.target_scaler.mean_[0], fitted.target_scaler.std_[0])
    fitted.fold_target_scaling()  # the saved network predicts in the target's units
    net, history = fitted.network, fitted.history
    results = {}
    parts = {"train": fitted.train_rows, "validation": fitted.val_rows}
    for part, rows in parts.items():
        if rows is not None:
            results.update(_scores(part, net, fitted.inputs(data.X[rows]), data.y[rows]))
    if data.X_test is not None:
        results.update(_scores("test", net, fitted.inputs(data.X_test), data.y_test))
    metadata = {
        "training": {
            "optimizer": fitted.optimizer.config(),
            "epochs": recipe.epochs,
            "epochs_run": history.epochs,
            "batch_size": recipe.batch_size,
            "seed": recipe.seed,
            "validation_split": args.validation_split,
            "normalize": fitted.standardizer is not None,
            "seconds": history.seconds[-1] if history.seconds else 0.0,
        },
        "data": _data_metadata(data, len(fitted.train_rows), n_val),
        "results": results,
    }
    if scaling is not None:
        metadata["training"]["target_scaling"] = {
            "mean": scaling[0],
            "std": scaling[1],
            "folded": True,
        }
    path = save(args.out, net, fitted.standardizer, data.classes, history, metadata)
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


def _recipe(args) -> Recipe:
    """The recipe the options describe; the hidden layers are set once the data's size is known.

    An option the recipe's optimizer does not take is refused here, in the command's words."""
    if args.beta is not None and "beta" not in optimizers.defaults(args.optimizer):
        raise GlassnetError(
            f"--beta does not apply to --optimizer {args.optimizer}; it is the momentum of "
            "momentum and nesterov"
        )
    split = check_fraction(args.validation_split, "validation_split")
    recipe = Recipe(
        hidden_layers=(),
        activation=args.hidden,
        init=args.init,
        optimizer=args.optimizer,
        lr=args.lr,
        optimizer_options={} if args.beta is None else {"beta": args.beta},
        epochs=check_count(args.epochs, "epochs"),
        batch_size=check_count(args.batch_size, "batch_size"),
        seed=args.seed,
        validation_split=split or None,  # 0: no validation data
        standardize=not args.no_normalize,
        engine=args.engine,
    )
    return recipe


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


def _target_statistics(mean, std) -> tuple[float, float]:
    """(mu_y, sigma_y) as shown and stored: sigma_y = 1 for a constant target, which the
    target scaling then only centers."""
    return float(mean), float(std) if std > 0 else 1.0


def _scores(part: str, net: Network, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """``{part}_accuracy`` for a classifier; ``{part}_r2`` and ``{part}_rmse`` for regression."""
    if net.output.name != "identity":
        return {f"{part}_accuracy": metrics.accuracy(y, net.predict(X))}
    scores = metrics.regression_metrics(y, net.predict(X))
    return {f"{part}_r2": scores["r2"], f"{part}_rmse": scores["rmse"]}


def _score_name(key: str) -> str:
    """'validation_accuracy' -> 'validation accuracy', 'train_r2' -> 'train R^2'."""
    part, _, metric = key.rpartition("_")
    return f"{part} {_SCORE_NAMES.get(metric, metric)}"


def _data_metadata(data: readers.Dataset, n_train: int, n_val: int) -> dict:
    """Where the data came from, kept in the model file (evaluate and predict read it back)."""
    names = data.feature_names
    return {
        "source": data.source,
        "task": data.task,
        "target": data.target,
        "positive": data.positive,
        "feature_names": names if names and len(names) <= MAX_STORED_NAMES else None,
        "images_shape": None if data.images_shape is None else list(data.images_shape),
        "n_train": n_train,
        "n_validation": n_val,
        "n_test": 0 if data.X_test is None else len(data.X_test),
    }


def _configuration(args, data, net, optimizer, n_train: int, n_val: int, scaling) -> list:
    """The lines train prints before it starts: (name, value), or ("", heading)."""
    column = f" (target column {data.target!r})" if data.target else ""
    if scaling is None:
        labels = ("labels", class_list(data.classes) + column)
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
            f"{optimizer!r}, batch size {args.batch_size}, {args.epochs} epochs, seed {args.seed}",
        ),
        ("inputs", "as they are" if args.no_normalize else "standardized (training mean and std)"),
        (
            "samples",
            f"{n_train} training, {n_val} validation, "
            f"{0 if data.X_test is None else len(data.X_test)} test",
        ),
    ]
    if args.checkpoint:
        lines.append(("checkpoint", f"{args.checkpoint} every {args.checkpoint_every} epoch(s)"))
    if args.resume:
        lines.append(("resume", f"from {args.resume}"))
    return lines
