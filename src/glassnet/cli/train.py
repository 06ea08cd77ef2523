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

import csv
import importlib.util
import io
import sys

import numpy as np

from .. import callbacks, metrics, optimizers, readers
from .. import engine as engines
from ..errors import GlassnetError
from ..files.archive import atomic_write
from ..files.model import save
from ..network import Network
from ..recipe import (
    DEFAULT,
    RECIPES,
    TOL,
    Recipe,
    build,
    class_of_rows,
    customized,
    holdout,
    make_optimizer,
    monitored,
    named,
    output_layer,
    still_falling,
)
from ..recipe import run as run_recipe
from ..validation import check_count, check_fraction, check_layer_sizes
from .common import check_folder, class_list, na_values, optional_module

MAX_STORED_NAMES = 1000  # feature names kept in the model's metadata (not 12288 pixel names)
_SCORE_NAMES = {"r2": "R^2", "rmse": "RMSE"}


def add_recipe_options(command) -> None:
    """The options that become the Recipe, each showing its default (the named recipe's)."""
    base = RECIPES["default"]
    command.add_argument(
        "--recipe",
        default="default",
        help="the defaults to start from: default (measured on real data, see the README) or "
        "lecture (the lecture's [n, 20, 7, 5, ..] ReLU network, momentum lr 0.01 beta 0.9, "
        "batch 64, 100 epochs); every option below overrides it (default: default)",
    )
    command.add_argument(
        "--task",
        default="auto",
        help="auto (from the target: decimal numbers are regression, few labels are classes; "
        "printed), classification or regression (default auto)",
    )
    layers = ",".join(str(n) for n in base.hidden_layers)
    command.add_argument(
        "--layers", default=None, help=f"hidden layer sizes, e.g. 20,7,5 (default {layers})"
    )
    command.add_argument(
        "--hidden", default=None, help=f"relu, tanh or sigmoid (default {base.activation})"
    )
    command.add_argument(
        "--init", default=None, help=f"auto, he, lecun, glorot or normal(s) (default {base.init})"
    )
    command.add_argument(
        "--optimizer",
        default=None,
        help=f"{', '.join(optimizers.OPTIMIZERS)}; each one's default hyper-parameters are "
        f"listed below (default {base.optimizer})",
    )
    command.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"learning rate (default {base.lr} for {base.optimizer}; another optimizer's own "
        "default, listed below)",
    )
    command.add_argument(
        "--beta", type=float, default=None, help="momentum of momentum and nesterov (default 0.9)"
    )
    command.add_argument("--batch-size", type=int, default=None, help=f"default {base.batch_size}")
    command.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"the most epochs trained (default {base.epochs}; early stopping may end sooner)",
    )
    command.add_argument("--l2", type=float, default=None, help=f"L2 penalty (default {base.l2})")
    command.add_argument(
        "--l1",
        type=float,
        default=None,
        help=f"L1 penalty: J + (lambda1 / m) sum |W|, drives unneeded weights to zero "
        f"(default {base.l1}; combines with --l2)",
    )
    command.add_argument(
        "--scaling",
        default=None,
        help=f"a table's number columns: robust (median and interquartile range, then smooth "
        f"clipping x / sqrt(1 + (x/3)^2)) or standard (mean and std) (default {base.scaling})",
    )
    command.add_argument(
        "--keep",
        default=None,
        metavar="COLUMNS",
        help="a table's columns to use even where they look like ids or free text, comma "
        "separated (default: none; train says which columns it dropped and why)",
    )
    command.add_argument(
        "--early-stopping",
        type=int,
        default=None,
        metavar="PATIENCE",
        help=f"stop after this many epochs without a better validation cost (without "
        f"validation data: training cost, by more than {TOL:g}) and keep the best epoch's "
        f"weights; 0: off (default {base.early_stopping} with validation data, else off)",
    )


def optimizer_epilog() -> str:
    """The defaults of every optimizer, for the end of ``glassnet train --help``."""
    lines = ["optimizers and their defaults (--optimizer NAME, --lr, --beta):"]
    for name in optimizers.OPTIMIZERS:
        values = ", ".join(f"{k} {v}" for k, v in optimizers.defaults(name).items())
        lines.append(f"  {name:<9} {values}")
    base = RECIPES["default"]
    lines.append(
        f"the default recipe uses {base.optimizer} with lr {base.lr}; --recipe lecture uses "
        f"{RECIPES['lecture'].optimizer} with lr {RECIPES['lecture'].lr}"
    )
    return "\n".join(lines)


def run(args) -> int:
    recipe = _recipe(args)
    make_optimizer(recipe)  # a bad --lr, --beta or --optimizer fails before reading
    hidden_layers = list(recipe.hidden_layers) if args.layers is None else _layers(args.layers)
    image_size = check_count(args.image_size, "image_size")
    checkpoint_every = check_count(args.checkpoint_every, "checkpoint_every")
    for output in (args.out, args.plot, args.checkpoint, args.save_test, args.log_csv):
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
        na_values=na_values(args.na_values),
    )
    n_outputs = 1 if data.task == "regression" else len(data.classes)
    units, _ = output_layer(data.task, n_outputs)
    # the sizes are checked with the data's input (a table's columns) and output, so that the
    # message shows them all; a table's plan sets the network's input size itself
    check_layer_sizes([data.n_features, *hidden_layers, units])
    recipe = recipe.replace(hidden_layers=tuple(hidden_layers))
    # the rows of the test split never reach fit: neither training nor early stopping sees them
    inputs = data.table if data.table is not None else data.X
    X, y, test_rows = inputs, data.y, None
    test_split = check_fraction(args.test_split, "test_split")
    if test_split:
        if data.X_test is not None:
            raise GlassnetError(
                f"{data.source} comes with its own test set ({data.test_source}); drop --test-split"
            )
        rows, test_rows = holdout(recipe, data.n_samples, class_of_rows(data.task, y), test_split)
        X, y = _rows(X, rows), y[rows]
    if args.save_test:
        _save_test(args.save_test, data, test_rows)
    # what the setup layer builds is what is described, then trained
    fitted = build(recipe, X, y, data.task, n_outputs=n_outputs, target=data.target)
    net = fitted.network
    check_layer_sizes(net.sizes)
    engines.select(recipe.engine, net, fitted.optimizer)
    scaling = None
    if fitted.target_scaler is not None:  # the mu_y and sigma_y that are folded
        scaling = _target_statistics(fitted.target_scaler.mean_[0], fitted.target_scaler.std_[0])
    n_val = 0 if fitted.val_rows is None else len(fitted.val_rows)
    n_test = len(test_rows) if test_rows is not None else 0
    if data.X_test is not None:
        n_test = len(data.X_test)
    counts = (len(fitted.train_rows), n_val, n_test)
    for name, value in _configuration(args, fitted, data, counts, scaling):
        say(f"  {name:<10} {value}" if name else value)
    sys.stdout.flush()

    loggers = _loggers(args, fitted)

    def trained_with(callbacks):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is an error of its own
            return run_recipe(
                fitted,
                callbacks=[*loggers, *callbacks],
                checkpoint=args.checkpoint,
                checkpoint_every=checkpoint_every,
                resume=args.resume,
                comm=comm,
            )

    if args.no_progress or quiet:
        fitted = trained_with([])
    else:
        progress = optional_module("progress", "train", "demo")
        with progress.ProgressBar(recipe.epochs, desc="training") as bar:
            fitted = trained_with([bar])
    if quiet:
        return 0
    fitted.fold_target_scaling()  # the saved network predicts in the target's units
    net, history = fitted.network, fitted.history
    results = {}
    parts = {"train": fitted.train_rows, "validation": fitted.val_rows}
    for part, rows in parts.items():
        if rows is not None:
            results.update(_scores(part, net, fitted.inputs(_rows(X, rows)), y[rows]))
    if test_rows is not None:
        test_inputs = fitted.inputs(_rows(inputs, test_rows))
        results.update(_scores("test", net, test_inputs, data.y[test_rows]))
    elif data.X_test is not None:
        results.update(_scores("test", net, fitted.inputs(data.X_test), data.y_test))
    metadata = {
        "training": {
            "recipe": args.recipe,
            "optimizer": fitted.optimizer.config(),
            "epochs": recipe.epochs,
            "epochs_run": history.epochs,
            "weights_of_epoch": _kept_epoch(recipe, history, fitted.val_rows is not None),
            "batch_size": recipe.batch_size,
            "seed": recipe.seed,
            "l2": recipe.l2,
            "l1": recipe.l1,
            "early_stopping": recipe.early_stopping,
            "validation_split": args.validation_split,
            "test_split": test_split,
            "normalize": fitted.standardizer is not None,
            "scaling": recipe.scaling if fitted.plan is not None else None,
            "seconds": history.seconds[-1] if history.seconds else 0.0,
        },
        "data": _data_metadata(data, len(fitted.train_rows), n_val, n_test, fitted.inputs(X)),
        "results": results,
    }
    if scaling is not None:
        metadata["training"]["target_scaling"] = {
            "mean": scaling[0],
            "std": scaling[1],
            "folded": True,
        }
    path = save(
        args.out, net, fitted.standardizer, data.classes, history, metadata, plan=fitted.plan
    )
    say(
        f"done: {history.epochs} epochs in {metadata['training']['seconds']:.2f} s, "
        f"final cost {history.epoch_costs[-1]:.4f}"
        + (" (on the standardized target)" if scaling is not None else "")
    )
    for line in _stopping(recipe, history, fitted.val_rows is not None):
        say(line)
    for name, value in results.items():
        say(f"  {_score_name(name):<20} {value:.4f}")
    say(f"saved the model to {path}")
    if args.save_test:
        say(f"saved the {n_test} test rows to {args.save_test} (score them with glassnet evaluate)")
    if plots is not None:
        plots.cost_curve(history, args.plot)
        say(f"saved the cost curve to {args.plot}")
    return 0


def _loggers(args, fitted) -> list:
    """The callbacks --log-csv and --tensorboard ask for; TensorBoard's gradient norms are
    measured on up to 256 training rows."""
    loggers = []
    if args.log_csv:
        loggers.append(callbacks.CSVLogger(args.log_csv, append=args.resume is not None))
    if args.tensorboard:
        if importlib.util.find_spec("tensorboardX") is None:
            raise GlassnetError(
                "train --tensorboard needs tensorboardX: pip install \"glassnet[tensorboard]\""
            )
        X, Y = fitted.training
        loggers.append(callbacks.TensorBoard(args.tensorboard, data=(X[:256], Y[:256])))
    return loggers


def _rows(X, rows):
    """These rows of an array or a table."""
    return X.take(rows) if hasattr(X, "take") and not isinstance(X, np.ndarray) else X[rows]


def _save_test(path: str, data: readers.Dataset, test_rows) -> None:
    """The test split's rows as the file had them (header and cells), atomically."""
    if test_rows is None or data.records is None:
        raise GlassnetError(
            "--save-test writes the rows of --test-split from a CSV file; give both a CSV file "
            "and --test-split"
        )
    header, cells = data.records
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for i in sorted(int(r) for r in test_rows):
        writer.writerow(cells[i])
    atomic_write(path, lambda f: f.write(text.getvalue().encode("utf-8")))


def _recipe(args) -> Recipe:
    """The recipe the options describe: the named recipe (--recipe) with the options given; the
    hidden layers of --layers are set once the data's size is known (to check them with it).

    An option the recipe's optimizer does not take is refused here, in the command's words."""
    base = named(args.recipe)
    name = args.optimizer or base.optimizer
    if args.beta is not None and "beta" not in optimizers.defaults(name):
        raise GlassnetError(
            f"--beta does not apply to --optimizer {name}; it is the momentum of "
            "momentum and nesterov"
        )
    split = check_fraction(args.validation_split, "validation_split")
    patience = args.early_stopping
    if patience is not None:
        patience = check_count(patience, "early_stopping", minimum=0)
        base = base.replace(early_stopping=patience or None, restore_best=patience > 0)
    elif not split:  # without validation data, early stopping only when asked for
        base = base.replace(early_stopping=None, restore_best=False)
    return customized(
        base,
        beta=args.beta,
        activation=args.hidden,
        init=args.init,
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=None if args.epochs is None else check_count(args.epochs, "epochs"),
        batch_size=None if args.batch_size is None else check_count(args.batch_size, "batch_size"),
        l2=args.l2,
        l1=args.l1,
        seed=args.seed,
        validation_split=split or None,  # 0: no validation data
        standardize=not args.no_normalize,
        engine=args.engine,
        scaling=_scaling(args),
        keep=None if args.keep is None else tuple(na_values(args.keep)),
    )


def _scaling(args) -> str | None:
    """A table's scaling: --scaling, or none with --no-normalize (which says the same)."""
    if not args.no_normalize:
        return args.scaling
    if args.scaling not in (None, "none"):
        raise GlassnetError(
            f"--no-normalize leaves the inputs as they are, but --scaling {args.scaling} scales "
            "them; give one of the two"
        )
    return "none"


def _stopping(recipe: Recipe, history, validated: bool) -> list[str]:
    """How training ended: stopped early (and which epoch's weights it kept), or a note to raise
    --epochs when the validation cost was still falling at the cap."""
    watched = "validation cost" if validated else "training cost"
    costs = history.val_costs if validated else history.epoch_costs
    lines = []
    if history.stop_training and recipe.early_stopping and costs:
        best = int(np.argmin(costs)) + 1
        lines.append(
            f"  stopped early after epoch {history.epochs}: no better {watched} for "
            f"{recipe.early_stopping} epochs; kept the weights of epoch {best}"
        )
    if still_falling(history, recipe.early_stopping or DEFAULT.early_stopping):
        lines.append(
            f"  note: the {monitored(history)} cost was still falling after the last of "
            f"{recipe.epochs} epochs; raise --epochs (e.g. --epochs {2 * recipe.epochs}) for a "
            "better model"
        )
    return lines


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


def _data_metadata(data: readers.Dataset, n_train: int, n_val: int, n_test: int, X) -> dict:
    """Where the data came from, kept in the model file (evaluate and predict read it back;
    a table's columns and their encoding are the model's plan): a fingerprint of the rows
    training and early stopping saw (``readers.fingerprint``, of the network's inputs), so
    that evaluate can tell when it is shown them again."""
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
        "n_test": n_test,
        "fingerprint": readers.fingerprint(X),
    }


def _kept_epoch(recipe: Recipe, history, validated: bool) -> int:
    """The epoch whose weights training kept: the best monitored one when early stopping
    restores it, else the last."""
    costs = history.val_costs if validated else history.epoch_costs
    if recipe.restore_best and costs:
        return int(np.argmin(costs)) + 1
    return history.epochs


def _configuration(args, fitted, data, counts, scaling) -> list:
    """The lines train prints before it starts: (name, value), or ("", heading), all read from
    what the setup layer built (``fitted``)."""
    recipe, net, optimizer = fitted.recipe, fitted.network, fitted.optimizer
    n_train, n_val, n_test = counts
    column = f" (target column {data.target!r})" if data.target else ""
    if scaling is not None:
        labels = (
            "target",
            f"regression{column}, standardized for training (mean {scaling[0]:.4g}, std "
            f"{scaling[1]:.4g}), folded into the last layer afterwards",
        )
    else:
        labels = ("labels", class_list(data.classes) + column)
    stopping = "no early stopping: every epoch is trained"
    if recipe.early_stopping:
        watched = "validation cost" if n_val else f"training cost (by more than {TOL:g})"
        stopping = (
            f"early stopping after {recipe.early_stopping} epochs without a better {watched}, "
            "keeping the best epoch"
        )
    lines = [
        ("", "glassnet train"),
        ("data", data.describe()),
        ("task", data.task_reason or data.task),
        labels,
        (
            "network",
            f"{net.sizes}, hidden {net.hidden.name}, output {net.output.name}, init "
            f"{net.init.name}, {net.dtype.name}, {net.n_parameters} parameters"
            + (f", L2 {recipe.l2:g}" if recipe.l2 else "")
            + (f", L1 {recipe.l1:g}" if recipe.l1 else ""),
        ),
        (
            "optimizer",
            f"{optimizer!r}, batch size {recipe.batch_size}, up to {recipe.epochs} epochs "
            f"({stopping}), seed {recipe.seed}, recipe {args.recipe}",
        ),
    ]
    if fitted.plan is not None:  # a table: what the plan does with every column, a line each
        notes = fitted.plan.notes()
        lines.append(("inputs", notes[0]))
        lines += [("", " " * 13 + note) for note in notes[1:]]
    else:
        standardized = "standardized (training mean and std)"
        lines.append(("inputs", "as they are" if args.no_normalize else standardized))
    lines.append(("samples", f"{n_train} training, {n_val} validation, {n_test} test"))
    if data.notes:
        lines.insert(2, ("read", "; ".join(data.notes)))
    if args.checkpoint:
        lines.append(("checkpoint", f"{args.checkpoint} every {args.checkpoint_every} epoch(s)"))
    if args.resume:
        lines.append(("resume", f"from {args.resume}"))
    return lines
