"""The demo: the lecture's cat classifier, trained from scratch on cats glassnet draws itself.

``run()`` draws the built-in cat data (``datasets.cats``), flattens each 64x64x3 image to 12288
features x = pixels / 255, standardizes them with the training set's mu and sigma, and trains
the lecture's 4-layer network [12288, 20, 7, 5, 1] (ReLU, sigmoid output, He initialization)
with mini-batches and momentum, V = beta V + (1 - beta) dW, W = W - alpha V. A separately
drawn validation set (its own random stream) is scored after every epoch; the test set is used
only at the end. For comparison it also trains a linear model (logistic regression,
[12288, 1]) on the same inputs.
The network and its training are one ``Recipe``, ``LECTURE`` (``LINEAR`` for the comparison),
built by the setup layer (``recipe.make_network``, ``recipe.make_optimizer``).
It writes the model file, the cost curve and a grid of labelled test images to ``out_dir``.
The default run takes well under 60 s on two CPU cores (measurements in the README).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import datasets, plots
from . import recipe as setup
from .data import Standardizer
from .errors import GlassnetError
from .files import model as model_file
from .plots import figure_class as _require_matplotlib
from .progress import ProgressBar
from .progress import tqdm_module as _require_tqdm
from .recipe import make_network, make_optimizer
from .training import train
from .validation import check_count

N_FEATURES = 64 * 64 * 3
N_TRAIN, N_VALIDATION, N_TEST = 3000, 300, 600
# The lecture's network and its training; ``seed`` is the run's (``run(seed=...)``). The inputs
# are standardized here with the training images' statistics, and the validation images are
# drawn separately (no split of the training set).
LECTURE = setup.LECTURE.replace(epochs=25, seed=0)  # the lecture's recipe, 25 epochs
# logistic regression on the same inputs; lr 0.002 is the best of 0.0005 ... 0.005 for it
LINEAR = LECTURE.replace(hidden_layers=(), lr=0.002)
LAYERS = [N_FEATURES, *LECTURE.hidden_layers, 1]
GRID_IMAGES = 12

MODEL_FILE, COST_PLOT, GRID_PLOT = "cats.glassnet", "cost.png", "predictions.png"


def run(
    out_dir="glassnet-demo",
    epochs: int | None = None,
    seed: int = 0,
    progress: bool = True,
    echo: Callable[[str], object] = print,
    linear: bool = True,
    n_train: int = N_TRAIN,
    n_validation: int = N_VALIDATION,
    n_test: int = N_TEST,
) -> dict:
    """Train the cat classifier and write ``cats.glassnet``, ``cost.png`` and
    ``predictions.png`` into ``out_dir`` (created if needed).

    ``epochs`` defaults to 25; ``seed`` fixes the data, the initial weights and the shuffling;
    ``progress`` shows a progress bar (on stderr); ``echo`` receives each line of the report;
    ``linear`` also trains logistic regression for comparison; ``n_train``, ``n_validation``
    and ``n_test`` are the numbers of images drawn for each set. Returns a dict with
    ``train_accuracy``, ``test_accuracy``, ``linear_test_accuracy`` (None when ``linear`` is
    False), ``seconds`` (wall time of the whole run), ``epochs``, ``model_path``, ``cost_plot``
    and ``grid_plot``.
    """
    start = time.perf_counter()
    epochs = LECTURE.epochs if epochs is None else check_count(epochs, "epochs")
    seed = check_count(seed, "seed", minimum=0)
    recipe = LECTURE.replace(epochs=epochs, seed=seed)
    n_train, n_validation, n_test = (
        check_count(n_train, "n_train", minimum=2),
        check_count(n_validation, "n_validation", minimum=2),
        check_count(n_test, "n_test", minimum=2),
    )
    _require_matplotlib()  # a missing extra is reported now, not after the training
    if progress:
        _require_tqdm()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise GlassnetError(f"the output folder {out} is a file; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)

    echo(
        f"drawing {n_train} training, {n_validation} validation and {n_test} test images "
        f"of cats and non-cats (64x64 RGB, seed {seed})"
    )
    images_train, y_train, images_test, y_test = datasets.cats(n_train, n_test, seed)
    images_val, y_val = datasets.draw_cats(n_validation, np.random.default_rng([seed, 2]))
    standardizer = Standardizer().fit(datasets.image_features(images_train))
    X_train, X_val, X_test = (
        standardizer.transform(datasets.image_features(images))
        for images in (images_train, images_val, images_test)
    )

    beta = recipe.optimizer_options["beta"]
    echo(
        f"network {LAYERS}, {recipe.activation} hidden layers, sigmoid output; "
        f"{recipe.optimizer} lr={recipe.lr} beta={beta}, "
        f"mini-batches of {recipe.batch_size}, {recipe.epochs} epochs"
    )
    net = make_network(recipe, N_FEATURES, "classification", 2)
    with ProgressBar(epochs, desc="training", disable=not progress) as bar:
        history = train(
            net,
            X_train,
            y_train,
            make_optimizer(recipe),
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            seed=recipe.seed,
            validation_data=(X_val, y_val),
            callbacks=[bar],
        )
    train_accuracy = float(np.mean(net.predict(X_train) == y_train))
    probabilities = net.predict_proba(X_test)
    predictions = (probabilities > 0.5).astype(np.int64)
    test_accuracy = float(np.mean(predictions == y_test))
    echo(f"train accuracy {train_accuracy:.3f}")
    echo(f"test accuracy  {test_accuracy:.3f}  ({len(y_test)} images never seen in training)")

    linear_test_accuracy = None
    if linear:
        linear_recipe = LINEAR.replace(epochs=epochs, seed=seed)
        logistic = make_network(linear_recipe, N_FEATURES, "classification", 2)
        train(
            logistic,
            X_train,
            y_train,
            make_optimizer(linear_recipe),
            epochs=linear_recipe.epochs,
            batch_size=linear_recipe.batch_size,
            seed=linear_recipe.seed,
        )
        linear_test_accuracy = float(np.mean(logistic.predict(X_test) == y_test))
        echo(
            f"a linear model (logistic regression, [12288, 1]) on the same inputs: test "
            f"accuracy {linear_test_accuracy:.3f}"
        )

    metadata = {
        "data": "builtin:cats",
        "seed": seed,
        "n_train": n_train,
        "n_validation": n_validation,
        "n_test": n_test,
        "input": "64x64x3 uint8 pixels flattened to 12288 features and divided by 255",
        "optimizer": {"name": recipe.optimizer, "lr": recipe.lr, "beta": beta},
        "batch_size": recipe.batch_size,
        "epochs": epochs,
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
    }
    model_path = model_file.save(
        out / MODEL_FILE,
        net,
        standardizer=standardizer,
        classes=list(datasets.CAT_CLASSES),
        history=history,
        metadata=metadata,
    )
    cost_plot = plots.cost_curve(
        history, out / COST_PLOT, title=f"cat vs non-cat, network {LAYERS}"
    )
    shown = slice(0, GRID_IMAGES)
    grid_plot = plots.image_grid(
        images_test[shown],
        y_test[shown],
        predictions[shown],
        probabilities[shown],
        out / GRID_PLOT,
        class_names=datasets.CAT_CLASSES,
        title=f"test images: predicted class and its probability (test accuracy "
        f"{test_accuracy:.3f}); wrong ones in red",
    )
    seconds = time.perf_counter() - start
    echo(f"wrote {model_path}, {cost_plot} and {grid_plot}")
    echo(f"done in {seconds:.1f} s")
    return {
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "linear_test_accuracy": linear_test_accuracy,
        "seconds": seconds,
        "epochs": epochs,
        "model_path": model_path,
        "cost_plot": cost_plot,
        "grid_plot": grid_plot,
    }
