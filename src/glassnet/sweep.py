"""Hyper-parameter sweeps: every combination of a grid, trained in parallel on a Dask cluster.

``grid(["lr=0.1,0.01", "layers=20,7,5:64,64"])`` expands to the 4 combinations; ``run`` trains
each one (on a held-out split, or with k-fold cross-validation) as one Dask task and returns the
results ranked by validation accuracy, then cost (classifiers: two or K classes). Each task is
deterministic (fixed seeds, standardization fitted on its own training part), so a sweep on a
cluster gives the same numbers as a sequential one.

A combination is a ``glassnet.recipe.Recipe`` (``recipe_of``), trained on each part by
``recipe.fit``; the hold-out is ``data.split_rows`` (stratified by class) and the folds
``data.kfold_rows``, so a sweep validates on the rows ``gn.train(validation_split=f, seed=s)``
would.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from . import optimizers, recipe
from .data import kfold_rows
from .errors import GlassnetError
from .metrics import output_accuracy
from .recipe import Recipe
from .tables import Table

# name -> how a value is read from the command line
PARAMETERS = {
    "lr": float,
    "beta": float,
    "layers": lambda text: [int(n) for n in text.split(",")],
    "hidden": str,
    "init": str,
    "optimizer": str,
    "batch_size": int,
    "epochs": int,
    "l2": float,
    "l1": float,
    "dropout": float,
}
DEFAULTS = {
    "lr": 0.01,
    "beta": 0.9,
    "layers": [20, 7, 5],
    "hidden": "relu",
    "init": "auto",
    "optimizer": "momentum",
    "batch_size": 64,
    "epochs": 50,
    "l2": 0.0,
    "l1": 0.0,
    "dropout": 0.0,
}


@dataclass
class Result:
    """One combination's parameters and its mean validation cost and accuracy over the folds."""

    params: dict
    val_cost: float
    val_accuracy: float | None
    fold_costs: list[float]


def grid(specs: list[str]) -> list[dict]:
    """Expand ``NAME=V1,V2`` specs (layers use ':' between values: ``layers=20,7:64``) into the
    list of all combinations, each a dict of the varied parameters."""
    axes = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not values:
            raise GlassnetError(f"a grid is NAME=VALUES, e.g. lr=0.1,0.01; got {spec!r}")
        if name not in PARAMETERS:
            raise GlassnetError(
                f"unknown grid parameter {name!r}; choose among: {', '.join(sorted(PARAMETERS))}"
            )
        texts = values.split(":") if name == "layers" else values.split(",")
        try:
            axes[name] = [PARAMETERS[name](t.strip()) for t in texts]
        except ValueError:
            raise GlassnetError(
                f"grid {name!r} has a value that is not valid: {values!r}"
            ) from None
    return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]


def recipe_of(params: dict, seed: int = 0) -> Recipe:
    """The Recipe of one combination (missing parameters from ``DEFAULTS``): layers, hidden,
    init, l2, l1, dropout, optimizer, lr, batch_size and epochs are the Recipe's fields of those
    names (``hidden_layers``, ``activation``); the default ``beta`` goes only to an optimizer
    that takes one, and a ``beta`` in the grid for one that does not is refused
    (``recipe.customized``, as the command and the estimators refuse it)."""
    settings = {**DEFAULTS, **params}
    name = settings["optimizer"]
    options = {"beta": settings["beta"]} if "beta" in optimizers.defaults(name) else {}
    base = Recipe(
        hidden_layers=tuple(settings["layers"]),
        activation=settings["hidden"],
        init=settings["init"],
        optimizer=name,
        lr=settings["lr"],
        optimizer_options=options,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        l2=settings["l2"],
        l1=settings["l1"],
        dropout=settings["dropout"],
        seed=seed,
    )
    return recipe.customized(base, beta=params.get("beta"))


def evaluate(
    X, y, params: dict, folds: int | None = None, seed: int = 0, validation_split: float = 0.2
) -> Result:
    """Train one combination and measure it: k-fold cross-validation when ``folds`` is given
    (``data.kfold_rows``), else a seeded hold-out of ``validation_split`` of the rows
    (``data.split_rows``, stratified by class). Inputs are standardized with each training
    part's statistics.

    ``y`` holds class indices 0..K-1: K = 2 gives one sigmoid output unit (binary
    cross-entropy), K > 2 a softmax output of K units (categorical cross-entropy), as
    ``recipe.output_layer`` says.
    """
    if folds is not None and folds < 2:
        raise GlassnetError(f"cross-validation needs at least 2 folds, got {folds}")
    plan = recipe_of(params, seed)
    X, y = (X if isinstance(X, Table) else np.asarray(X)), np.asarray(y)
    n_classes = max(2, int(np.max(y)) + 1 if y.size else 2)
    if folds:
        parts = kfold_rows(len(X), folds, seed)
    else:  # data.split_rows, stratified by class
        labels = recipe.class_of_rows("classification", y)
        parts = [recipe.holdout(plan, len(X), labels, fraction=validation_split)]
    costs, accuracies = [], []
    for rows, val_rows in parts:
        fitted = recipe.fit(plan, _rows(X, rows), y[rows], "classification", n_outputs=n_classes)
        net = fitted.network
        X_val = net.check_X(fitted.inputs(_rows(X, val_rows)))
        Y_val = net.check_targets(y[val_rows], len(val_rows))
        costs.append(net.batch_cost(X_val, Y_val))
        accuracies.append(output_accuracy(net.propagate(X_val), Y_val, net.output.name))
    return Result(params, float(np.mean(costs)), float(np.mean(accuracies)), costs)


def run(
    X,
    y,
    combinations: list[dict],
    folds: int | None = None,
    seed: int = 0,
    scheduler=None,
    validation_split: float = 0.2,
) -> list[Result]:
    """Evaluate every combination as a Dask task and return the results, best first
    (``evaluate``'s ``folds``, ``seed`` and ``validation_split`` for each).

    ``scheduler`` is a ``dask.distributed.Client``, the address of a running scheduler
    ("tcp://host:8786"), or None for a new LocalCluster on this machine.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise GlassnetError('sweeps run on Dask: pip install "glassnet[dask]"') from None
    if not combinations:
        raise GlassnetError("the grid is empty: give at least one --grid NAME=VALUES")
    own = None
    if isinstance(scheduler, Client):
        client = scheduler
    elif scheduler is None:
        own = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
        client = Client(own)
    else:
        client = Client(scheduler)
    if isinstance(X, Table):  # its columns travel; where each row came from stays here
        X = Table(X.names, X.columns)
    try:
        data = client.scatter((X, y), broadcast=True)
        futures = [
            client.submit(
                _evaluate_scattered, data, params, folds, seed, validation_split, pure=False
            )
            for params in combinations
        ]
        results = client.gather(futures)
    finally:
        if not isinstance(scheduler, Client):
            client.close()
        if own is not None:
            own.close()
    return rank(results)


def _rows(X, rows):
    """These rows of an array or a table (a CSV file's raw columns)."""
    return X.take(rows) if isinstance(X, Table) else X[rows]


def rank(results: list[Result]) -> list[Result]:
    """Best first: highest validation accuracy, then lowest validation cost."""
    return sorted(results, key=lambda r: (-(r.val_accuracy or 0.0), r.val_cost))


def _evaluate_scattered(data, params, folds, seed, validation_split) -> Result:
    X, y = data
    return evaluate(X, y, params, folds, seed, validation_split)
