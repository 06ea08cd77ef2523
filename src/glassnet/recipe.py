"""The setup layer: one plain description of a training run, and the functions that carry it out.

Every front end (the ``glassnet`` command, the scikit-learn estimators, the sweep, the
playground, the demo) translates its own inputs into a ``Recipe`` and hands it to these
functions; none of them builds an optimizer, a split or an output layer itself:

    output_layer(task, n)        (units, activation) of the last layer: one sigmoid unit for two
                                 classes, K softmax units for K > 2, identity units for regression
    make_network(recipe, ...)    the Network the recipe describes, for that input and output
    make_optimizer(recipe)       the optimizer it names, with its hyper-parameters and schedule
    holdout(recipe, m, labels)   the rows it trains on and the rows it validates on
    build(recipe, X, Y, ...)     all of the above, with a table's plan: a ``Fitted``, untrained
    run(fitted, ...)             ``train`` it
    fit(recipe, X, Y, ...)       build, then run: a ``Fitted`` model

Two named recipes (``RECIPES``, ``named(name)``): ``DEFAULT``, the defaults of the command and
the estimators, chosen by measurement (``benchmarks/defaults.py``: 5-fold cross-validation
against scikit-learn's MLP defaults on real data sets), and ``LECTURE``, the lecture's network
[n, 20, 7, 5, ..] with ReLU, momentum lr 0.01 beta 0.9 and batches of 64, which the demo trains.

Inputs are standardized with the training rows' statistics (``standardize``); regression
targets likewise (``scale_targets``: y' = (y - mu_y) / sigma_y while training, mapped back by
``Fitted.predict`` or folded into the last layer by ``Fitted.fold_target_scaling``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType

import numpy as np

from . import activations, initializers, optimizers
from .data import Standardizer, split_rows
from .engine import select
from .errors import GlassnetError
from .history import Callback, History, epochs_without_progress
from .network import Network
from .optimizers import Optimizer
from .tables import SCALINGS, Plan, Table, check_columns
from .training import TOL, train
from .validation import check_count, check_fraction

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Recipe:
    """A training run as plain data: what to build, how to train it, how to prepare the data.

    Network: ``hidden_layers`` (units per hidden layer; () is a linear model), ``activation``
    (of the hidden layers), ``init``, ``l2`` and ``l1`` (the penalties' lambda, combinable),
    ``dropout``, ``batch_norm``, ``dtype``.
    Optimizer: ``optimizer`` (a name of ``glassnet.optimizers``), ``lr`` (None: the optimizer's
    own default), ``optimizer_options`` (its other hyper-parameters, e.g. {"beta": 0.9}),
    ``schedule`` (a ``glassnet.schedules`` object or None).
    Training: ``epochs``, ``batch_size`` (None: full batch), ``seed`` (the initial weights, the
    shuffling and the split), ``validation_split`` (None: no validation data),
    ``early_stopping`` (patience in epochs, or None), ``restore_best``, ``engine``.
    Data: ``standardize`` (the inputs), ``scale_targets`` (regression targets); for a table
    (``glassnet.tables.Table``: a CSV file or a DataFrame) the fitted ``Plan`` prepares the
    inputs instead, with ``scaling`` ("robust" or "standard") for its number columns and
    ``keep`` the columns it uses even where it would drop them (ids, free text).
    """

    hidden_layers: tuple[int, ...] = (20, 7, 5)
    activation: str = "relu"
    init: str = "auto"
    optimizer: str = "momentum"
    lr: float | None = None
    optimizer_options: Mapping[str, float] = field(default_factory=dict)
    schedule: object | None = None
    epochs: int = 100
    batch_size: int | None = 64
    seed: int | None = 0
    validation_split: float | None = None
    early_stopping: int | None = None
    restore_best: bool = False
    standardize: bool = True
    scale_targets: bool = True
    l2: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False
    engine: str = "auto"
    dtype: str = "float32"
    scaling: str = "robust"
    keep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        layers = self.hidden_layers
        layers = (layers,) if isinstance(layers, int) else tuple(layers)
        for n in layers:
            check_count(n, "hidden layer size")
        object.__setattr__(self, "hidden_layers", layers)
        options = MappingProxyType(dict(self.optimizer_options))
        object.__setattr__(self, "optimizer_options", options)
        object.__setattr__(self, "keep", tuple(self.keep))
        if self.scaling not in SCALINGS:
            raise GlassnetError(
                f"unknown scaling {self.scaling!r}; choose one of: {', '.join(SCALINGS)}"
            )
        check_count(self.epochs, "epochs")
        if self.batch_size is not None:
            check_count(self.batch_size, "batch_size")
        if self.validation_split is not None:
            check_fraction(self.validation_split, "validation_split", closed_low=False)
        if self.early_stopping is not None:
            check_count(self.early_stopping, "early_stopping")
        if self.seed is not None:
            check_count(self.seed, "seed", minimum=0)
        activations.get(self.activation)  # an unknown name fails here, with the valid names
        initializers.get(self.init, "relu")

    def replace(self, **changes) -> Recipe:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The recipe as JSON-able data (a schedule as its config), e.g. for a model file."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["hidden_layers"] = list(self.hidden_layers)
        data["optimizer_options"] = dict(self.optimizer_options)
        data["keep"] = list(self.keep)
        data["schedule"] = make_optimizer(self).config().get("schedule")
        return data


# The defaults, measured (benchmarks/defaults.py, table in the README): one hidden layer of 100
# ReLU units with Glorot's initialization (scikit-learn's MLP's width and initialization), Adam
# at lr 0.0015 with batches of 128, L2 1e-4, at most 200 epochs, stopping after 11 epochs
# without progress (on the validation cost when there is validation data, else on the training
# cost by more than TOL, as scikit-learn does with its tol) and keeping the best epoch's
# weights. Measured against the alternatives (5-fold accuracy, `benchmarks/defaults.py
# --glassnet early_stopping=N`): a patience of 10 tied digits (0.977188 against scikit-learn's
# 0.977191, one test sample), 12 and 14 tied the affairs survey (0.714417 against 0.714418),
# 13 and 15 lost it (0.715 and 0.712 against 0.714: 15 also loses it with L2 3e-4); 11 wins
# every set (digits 0.9777, affairs 0.7157). lr 0.002 lost the affairs
# survey (0.709 against scikit-learn's 0.714), lr 0.001 lost iris (0.940 against 0.947) and
# MNIST (0.929 against 0.930); batches of 64 scored as well but trained MNIST 2x slower than
# scikit-learn; He's initialization lost wine by two samples; tanh won iris by one sample but
# lost digits, MNIST and the faces.
DEFAULT = Recipe(
    hidden_layers=(100,),
    activation="relu",
    init="glorot",
    optimizer="adam",
    lr=0.0015,
    batch_size=128,
    epochs=200,
    l2=1e-4,
    early_stopping=11,
    restore_best=True,
)
# The lecture's procedure: its network, momentum V = beta V + (1 - beta) dW with lr 0.01 and
# beta 0.9, mini-batches of 64, no regularization, no early stopping.
LECTURE = Recipe(
    hidden_layers=(20, 7, 5),
    activation="relu",
    init="auto",
    optimizer="momentum",
    lr=0.01,
    optimizer_options={"beta": 0.9},
    batch_size=64,
    epochs=100,
)
RECIPES = MappingProxyType({"default": DEFAULT, "lecture": LECTURE})


def named(name: str) -> Recipe:
    """The recipe of that name in ``RECIPES`` ("default" or "lecture")."""
    if name not in RECIPES:
        raise GlassnetError(f"unknown recipe {name!r}; choose one of: {', '.join(RECIPES)}")
    return RECIPES[name]


def customized(base: Recipe, *, beta: float | None = None, **changes) -> Recipe:
    """``base`` with the ``changes`` that are not None (the options a user gave).

    An ``optimizer`` other than the base's starts from its own published defaults (its lr and
    other hyper-parameters, ``optimizers.defaults``), not the base's; ``beta`` is added to the
    optimizer's options (it must take one)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    name = changes.get("optimizer", base.optimizer)
    if name != base.optimizer:
        changes.setdefault("lr", None)
        changes.setdefault("optimizer_options", {})
    if beta is not None:
        if "beta" not in optimizers.defaults(name):
            raise GlassnetError(
                f"beta does not apply to the optimizer {name!r}; it is the momentum of "
                "momentum and nesterov"
            )
        options = dict(changes.get("optimizer_options", base.optimizer_options))
        changes["optimizer_options"] = {**options, "beta": beta}
    return base.replace(**changes)


def still_falling(history: History, patience: int) -> bool:
    """Whether the monitored cost was still falling when training ended: the run went to its
    last epoch without stopping early, and its best cost is one of the last ``patience``
    epochs: the validation cost where there is one, else the training cost, which must have
    fallen by more than ``TOL`` (as early stopping counts progress). More epochs would likely
    have helped."""
    if history.stop_training:
        return False
    costs, tol = history.val_costs, 0.0
    if not costs:
        costs, tol = history.epoch_costs, TOL
    return len(costs) > 1 and epochs_without_progress(costs, tol) < patience


def monitored(history: History) -> str:
    """Which cost ``still_falling`` and early stopping watch: "validation" or "training"."""
    return "validation" if history.val_costs else "training"


def output_layer(task: str, n_outputs: int) -> tuple[int, str]:
    """(units, activation) of the last layer, the loss coming with the activation.

    ``task="classification"`` with ``n_outputs`` classes: 1 sigmoid unit (binary cross-entropy)
    for 2 classes, K softmax units (categorical cross-entropy) for K > 2.
    ``task="regression"`` with ``n_outputs`` targets: that many identity units (mean squared
    error).
    """
    if task == "regression":
        return check_count(n_outputs, "n_targets"), "identity"
    if task != "classification":
        raise GlassnetError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if check_count(n_outputs, "n_classes") < 2:
        raise GlassnetError(f"classification needs at least 2 classes, got {n_outputs}")
    return (1, "sigmoid") if n_outputs == 2 else (n_outputs, "softmax")


def make_network(recipe: Recipe, n_features: int, task: str, n_outputs: int) -> Network:
    """The Network of the recipe for ``n_features`` inputs and the task's output layer."""
    units, output = output_layer(task, n_outputs)
    return Network(
        [n_features, *recipe.hidden_layers, units],
        hidden=recipe.activation,
        output=output,
        init=recipe.init,
        seed=recipe.seed,
        dtype=recipe.dtype,
        l2=recipe.l2,
        l1=recipe.l1,
        dropout=recipe.dropout,
        batch_norm=recipe.batch_norm,
    )


def make_optimizer(recipe: Recipe) -> Optimizer:
    """The optimizer the recipe names, with ``lr`` (when given), its options and its schedule."""
    options = dict(recipe.optimizer_options)
    if recipe.lr is not None:
        options["lr"] = recipe.lr
    return optimizers.get(recipe.optimizer, schedule=recipe.schedule, **options)


def holdout(
    recipe: Recipe, m: int, labels=None, fraction: float | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """(training rows, validation rows) of m rows: ``split_rows`` with the recipe's fraction (or
    ``fraction``) and seed, stratified by ``labels`` (see ``class_of_rows``) when given; (all
    rows, None) without a validation split."""
    fraction = recipe.validation_split if fraction is None else fraction
    if fraction is None:
        return np.arange(m), None
    return split_rows(m, fraction, recipe.seed, labels)


def class_of_rows(task: str, Y) -> np.ndarray | None:
    """The class of every row, which a stratified split keeps in proportion, as ``train`` reads
    it from a network's targets: class indices themselves, the index of one-hot rows, the label
    of a 0/1 column; None for regression."""
    if task != "classification":
        return None
    Y = np.asarray(Y)
    if Y.ndim == 1:
        return Y
    return Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]


@dataclass
class Fitted:
    """A trained model and everything needed to feed it: the result of ``fit``.

    ``plan`` maps a raw table to the network's inputs (``glassnet.tables.Plan``; None for
    arrays); ``standardizer`` maps raw input arrays to the network's (None: used as they are);
    ``target_scaler`` maps the network's regression outputs back to the targets' units (None:
    not scaled). ``train_rows`` and ``val_rows`` say which rows of the data trained and
    validated it.
    """

    recipe: Recipe
    network: Network
    optimizer: Optimizer
    history: History
    standardizer: Standardizer | None = None
    target_scaler: Standardizer | None = None
    train_rows: np.ndarray | None = None
    val_rows: np.ndarray | None = None
    plan: Plan | None = None
    training: tuple | None = field(default=None, repr=False)  # (X, Y) prepared by build
    validation: tuple | None = field(default=None, repr=False)

    def inputs(self, X) -> np.ndarray:
        """The network's input for raw rows X: a table through the plan, an array
        standardized when the recipe says so."""
        if self.plan is not None:
            return self.plan.transform(X)[0]
        return X if self.standardizer is None else self.standardizer.transform(X)

    def targets(self, Y) -> np.ndarray:
        """The network's targets for raw regression targets Y (m, n) (scaled when it says so)."""
        return Y if self.target_scaler is None else self.target_scaler.transform(Y)

    def outputs(self, X) -> np.ndarray:
        """A[L] for raw rows X, with regression outputs mapped back to the targets' units."""
        A = self.network.outputs(self.inputs(X))
        return A if self.target_scaler is None else self.target_scaler.inverse_transform(A)

    def fold_target_scaling(self) -> None:
        """Fold the target scaling into the last layer (``Network.scale_output``), so that the
        network alone predicts in the targets' units (as a model file stores it)."""
        if self.target_scaler is not None:
            scale = np.where(self.target_scaler.std_ > 0, self.target_scaler.std_, 1.0)
            self.network.scale_output(self.target_scaler.mean_, scale)
            self.target_scaler = None


def fit(
    recipe: Recipe,
    X,
    Y,
    task: str,
    *,
    n_outputs: int | None = None,
    validation_data: tuple | None = None,
    callbacks: Sequence[Callback] = (),
    previous: Fitted | None = None,
    epochs: int | None = None,
    shuffle_seed: int | None = None,
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    comm=None,
    target: str | None = None,
) -> Fitted:
    """Carry the recipe out on (X, Y) and return the ``Fitted`` model: ``build`` it, then
    ``run`` it (both below; a front end that says what it built before training calls them
    one after the other).

    ``X`` (m, n) holds raw inputs, or a ``tables.Table`` of raw columns (a plan is fitted on
    its training rows); ``Y`` the targets: class indices 0..K-1 (m,) or a 0/1 column for
    classification, numbers (m,) or (m, n_targets) for regression. ``n_outputs`` is the number
    of classes (default: max(Y) + 1) or targets. The recipe's validation split is held out
    (stratified by class) unless ``validation_data`` (raw X_val, Y_val) is given. ``previous``
    continues a fitted model: its network, optimizer state (a fresh optimizer if the recipe's
    hyper-parameters changed), history and scalers, trained ``epochs`` more epochs (default:
    the recipe's) with ``shuffle_seed`` (default: the recipe's seed). ``checkpoint``,
    ``resume`` and ``comm`` are those of ``train``.
    """
    fitted = build(
        recipe, X, Y, task, n_outputs=n_outputs, validation_data=validation_data,
        previous=previous, target=target,
    )  # fmt: skip
    return run(
        fitted, callbacks=callbacks, epochs=epochs, shuffle_seed=shuffle_seed,
        checkpoint=checkpoint, checkpoint_every=checkpoint_every, resume=resume, comm=comm,
    )  # fmt: skip


def build(
    recipe: Recipe,
    X,
    Y,
    task: str,
    *,
    n_outputs: int | None = None,
    validation_data: tuple | None = None,
    previous: Fitted | None = None,
    target: str | None = None,
) -> Fitted:
    """Everything the recipe describes for this data, before any training: the split, the
    plan or the standardizer, the target scaler, the network, the optimizer, and the prepared
    training and validation data (arguments as for ``fit``; ``target`` names a table's target
    column, which the plan then knows is not an input)."""
    table = X if isinstance(X, Table) else None
    X = table if table is not None else np.asarray(X)
    if table is not None and previous is None:
        check_columns(table)  # on every row: the split must not hide a stray text
    Y = np.asarray(Y)
    if task == "regression" and Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if n_outputs is None:
        n_outputs = Y.shape[1] if task == "regression" else int(np.max(Y)) + 1 if Y.size else 2
    rows, val_rows = np.arange(len(X)), None
    if validation_data is None:
        rows, val_rows = holdout(recipe, len(X), class_of_rows(task, Y))
    if previous is None:
        plan = standardizer = None
        if table is not None:  # the plan learns from the training rows only
            plan = Plan.fit(
                table.take(rows), scaling=recipe.scaling, keep=recipe.keep, target=target
            )
        elif recipe.standardize:
            standardizer = Standardizer().fit(X[rows])
        scaler = None
        if task == "regression" and recipe.scale_targets:
            scaler = Standardizer().fit(Y[rows])
        n_features = plan.n_features if plan is not None else X.shape[1]
        network = make_network(recipe, n_features, task, n_outputs)
        optimizer = make_optimizer(recipe)
        fitted = Fitted(recipe, network, optimizer, History(), standardizer, scaler, plan=plan)
    else:
        fitted = previous
        wanted = make_optimizer(recipe)
        if wanted.config() != fitted.optimizer.config():  # new hyper-parameters, new state
            fitted.optimizer = wanted
        fitted.recipe = recipe
    fitted.train_rows, fitted.val_rows = rows, val_rows
    select(recipe.engine, fitted.network, fitted.optimizer)  # an unknown engine fails now

    def prepare(A, T):
        T = fitted.targets(T) if task == "regression" else T
        return fitted.inputs(A), T

    fitted.validation = None
    if validation_data is not None:
        X_val, Y_val = validation_data
        Y_val = np.asarray(Y_val)
        if task == "regression" and Y_val.ndim == 1:
            Y_val = Y_val.reshape(-1, 1)
        fitted.validation = prepare(X_val if table is not None else np.asarray(X_val), Y_val)
    elif val_rows is not None:
        fitted.validation = prepare(_rows(X, val_rows), Y[val_rows])
    fitted.training = prepare(_rows(X, rows), Y[rows])
    return fitted


def run(
    fitted: Fitted,
    *,
    callbacks: Sequence[Callback] = (),
    epochs: int | None = None,
    shuffle_seed: int | None = None,
    checkpoint=None,
    checkpoint_every: int = 1,
    resume=None,
    comm=None,
) -> Fitted:
    """Train what ``build`` built (arguments as for ``fit``) and return it."""
    recipe = fitted.recipe
    fitted.history = train(  # on resume, the checkpoint's history continues
        fitted.network,
        *fitted.training,
        optimizer=fitted.optimizer,
        epochs=recipe.epochs if epochs is None else epochs,
        batch_size=recipe.batch_size,
        seed=recipe.seed if shuffle_seed is None else shuffle_seed,
        validation_data=fitted.validation,
        callbacks=callbacks,
        history=fitted.history,
        engine=recipe.engine,
        early_stopping=recipe.early_stopping,
        restore_best=recipe.restore_best,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        resume=resume,
        comm=comm,
    )
    fitted.training = fitted.validation = None  # the prepared copies are not kept
    return fitted


def _rows(X, rows):
    """These rows of an array or a table."""
    return X.take(rows) if isinstance(X, Table) else X[rows]


__all__ = [
    "DEFAULT",
    "LECTURE",
    "RECIPES",
    "TOL",
    "TASKS",
    "Fitted",
    "build",
    "Recipe",
    "class_of_rows",
    "customized",
    "fit",
    "holdout",
    "make_network",
    "make_optimizer",
    "monitored",
    "named",
    "output_layer",
    "run",
    "still_falling",
]
