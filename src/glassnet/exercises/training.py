"""The student's network trains: the lecture's cat network, trained with the student's functions
next to glassnet's own training, from the same initial weights on the same batches.

``train_with(functions)`` draws cats (``datasets.cats``), standardizes the pixels with the
training images' mu and sigma, and builds the lecture's network [12288, 20, 7, 5, 1] (ReLU,
sigmoid output, He initialization) from ``recipe.LECTURE`` with full-batch gradient descent, or
momentum V = beta V + (1 - beta) dW when the student defines ``initialize_velocity`` and
``update_parameters_with_momentum``. glassnet trains it (rows layout); the student's
``L_model_forward``, ``L_model_backward`` and update functions train a copy of the same initial
weights in the lecture's layout (W as is, b as a column, X transposed). With correct functions
the two test accuracies are equal and the weights agree to rounding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape

import numpy as np

from .. import datasets
from .. import recipe as setup
from ..data import Standardizer
from ..training import train
from .grader import ExerciseFailed

N_FEATURES = 64 * 64 * 3
NEEDED = ("L_model_forward", "L_model_backward")


@dataclass
class Comparison:
    """Two trainings of the cat network from the same initial weights: the student's functions
    and glassnet's. ``weight_difference`` is the largest |W_student - W_glassnet| at the end."""

    optimizer: str
    epochs: int
    n_train: int
    n_test: int
    test_accuracy: float
    glassnet_test_accuracy: float
    train_accuracy: float
    glassnet_train_accuracy: float
    weight_difference: float
    seconds: float

    @property
    def equal(self) -> bool:
        """True when both runs classify the test images alike (to rounding)."""
        return abs(self.test_accuracy - self.glassnet_test_accuracy) < 1e-9

    def __str__(self) -> str:
        return (
            f"the cat network [12288, 20, 7, 5, 1], {self.optimizer}, {self.epochs} epochs on "
            f"{self.n_train} drawn images ({self.seconds:.1f} s):\n"
            f"  your functions: test accuracy {self.test_accuracy:.3f} "
            f"(training {self.train_accuracy:.3f})\n"
            f"  glassnet:       test accuracy {self.glassnet_test_accuracy:.3f} "
            f"(training {self.glassnet_train_accuracy:.3f})\n"
            f"  same initial weights; the final weights differ by up to "
            f"{self.weight_difference:.2g}"
        )

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{who}</td><td>{test:.3f}</td><td>{training:.3f}</td></tr>"
            for who, test, training in (
                ("your functions", self.test_accuracy, self.train_accuracy),
                ("glassnet", self.glassnet_test_accuracy, self.glassnet_train_accuracy),
            )
        )
        return (
            f"<p>The cat network, {escape(self.optimizer)}, {self.epochs} epochs on "
            f"{self.n_train} drawn images; the final weights differ by up to "
            f"{self.weight_difference:.2g}.</p><table><thead><tr><th></th><th>test accuracy"
            f"</th><th>training accuracy</th></tr></thead><tbody>{rows}</tbody></table>"
        )


def _functions(module_or_functions) -> dict:
    if isinstance(module_or_functions, dict):
        return module_or_functions
    return {n: getattr(module_or_functions, n) for n in dir(module_or_functions)}


def _call(functions: dict, name: str, *args):
    try:
        return functions[name](*args)
    except NotImplementedError:
        raise ExerciseFailed(f"train_with: {name} is not implemented yet") from None
    except Exception as e:
        raise ExerciseFailed(f"train_with: your {name} raised {type(e).__name__}: {e}") from None


def train_with(
    module_or_functions: object,
    n_train: int = 200,
    n_test: int = 100,
    epochs: int = 30,
    lr: float = 0.01,
    seed: int = 0,
) -> Comparison:
    """Train the lecture's cat network with the student's functions (a module, or a dict such as
    ``globals()``) and with glassnet, from the same initial weights; return both accuracies.

    Needs ``L_model_forward`` and ``L_model_backward``, and ``update_parameters`` or
    ``initialize_velocity`` with ``update_parameters_with_momentum`` (momentum, beta 0.9, when
    both are there). Full-batch training, so both runs see the same batch each epoch.
    """
    start = time.perf_counter()
    functions = _functions(module_or_functions)
    momentum = all(callable(functions.get(n)) for n in
                   ("initialize_velocity", "update_parameters_with_momentum"))  # fmt: skip
    needed = (*NEEDED, *(() if momentum else ("update_parameters",)))
    missing = [n for n in needed if not callable(functions.get(n))]
    if missing:
        raise ExerciseFailed(f"train_with needs {', '.join(missing)}: define them first")
    recipe = setup.LECTURE.replace(
        epochs=epochs, batch_size=None, dtype="float64", lr=lr, seed=seed,
        optimizer="momentum" if momentum else "gd",
        optimizer_options={"beta": 0.9} if momentum else {},
    )  # fmt: skip
    images_train, y_train, images_test, y_test = datasets.cats(n_train, n_test, seed)
    standardizer = Standardizer().fit(datasets.image_features(images_train))
    X_train = standardizer.transform(datasets.image_features(images_train)).astype(np.float64)
    X_test = standardizer.transform(datasets.image_features(images_test)).astype(np.float64)

    net = setup.make_network(recipe, N_FEATURES, "classification", 2)
    parameters = {}
    for l, layer in enumerate(net.layers, start=1):  # the lecture's layout: b is a column
        parameters[f"W{l}"] = layer.W.copy()
        parameters[f"b{l}"] = layer.b.reshape(-1, 1).copy()
    train(net, X_train, y_train, setup.make_optimizer(recipe), epochs=epochs, batch_size=None,
          seed=seed, engine="numpy")  # fmt: skip

    X, Y = X_train.T, y_train.reshape(1, -1).astype(np.float64)
    v = _call(functions, "initialize_velocity", parameters) if momentum else None
    for _ in range(epochs):
        AL, caches = _call(functions, "L_model_forward", X, parameters)
        grads = _call(functions, "L_model_backward", AL, Y, caches)
        if momentum:
            parameters, v = _call(functions, "update_parameters_with_momentum", parameters,
                                  grads, v, 0.9, lr)  # fmt: skip
        else:
            parameters = _call(functions, "update_parameters", parameters, grads, lr)

    def accuracy(X_rows, y) -> float:
        AL, _ = _call(functions, "L_model_forward", X_rows.T, parameters)
        return float(np.mean((np.asarray(AL).reshape(-1) > 0.5) == y))

    difference = max(
        float(np.max(np.abs(np.asarray(parameters[f"W{l}"]) - layer.W)))
        for l, layer in enumerate(net.layers, start=1)
    )
    return Comparison(
        optimizer=f"momentum (beta 0.9), lr {lr}" if momentum else f"gradient descent, lr {lr}",
        epochs=epochs,
        n_train=n_train,
        n_test=n_test,
        test_accuracy=accuracy(X_test, y_test),
        glassnet_test_accuracy=float(np.mean(net.predict(X_test) == y_test)),
        train_accuracy=accuracy(X_train, y_train),
        glassnet_train_accuracy=float(np.mean(net.predict(X_train) == y_train)),
        weight_difference=difference,
        seconds=time.perf_counter() - start,
    )
