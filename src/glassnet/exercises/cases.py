"""The cases each exercise is graded on: seeded, in the lecture's layout (samples as columns).

``generate(name, seed)`` returns a list of ``(kind, args)``: ``kind`` says what the case tests
("random shapes", "one sample" (m = 1), "one unit" (n = 1), "large values", "tiny values", and a
few per exercise: "exact zeros" for ReLU, "saturated" for the cost, "m divisible by the size"
for mini-batches); ``args`` are the arguments in the order of the course's signature, passed
positionally. The random shapes keep n_prev, n and m different from each other, so that a
transposed product or result shows in the shape; "one sample" is where a missing 1/m cannot be
seen, so every exercise has several cases with m > 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import reference

Args = tuple
KINDS = ("random shapes", "random shapes", "random shapes", "one sample", "one unit",
         "large values", "tiny values")  # fmt: skip
SCALES = {"large values": 1e3, "tiny values": 1e-6}
ACTIVATIONS = ("sigmoid", "relu", "tanh")


def _dims(rng: np.random.Generator, kind: str) -> tuple[int, int, int]:
    """(n_prev, n, m), three different numbers, except m = 1 or n = 1 where the kind says so."""
    n_prev, n, m = (int(v) for v in rng.choice(np.arange(2, 10), size=3, replace=False))
    if kind == "one sample":
        m = 1
    elif kind == "one unit":
        n = 1
    return n_prev, n, m


def _scale(kind: str, large: float = 1e3) -> float:
    return {"large values": large, "tiny values": 1e-6}.get(kind, 1.0)


def _normal(rng: np.random.Generator, shape, scale: float = 1.0) -> np.ndarray:
    return rng.standard_normal(shape) * scale


def _layers(rng: np.random.Generator, kind: str) -> list[int]:
    """[n_0, n_1, ..., n_L = 1] with 1 to 3 hidden layers of different sizes."""
    depth = int(rng.integers(2, 5))
    dims = [int(v) for v in rng.choice(np.arange(2, 10), size=depth, replace=False)]
    if kind == "one unit":
        dims[1] = 1
    return [*dims, 1]


def _parameters(rng: np.random.Generator, dims: list[int], scale: float = 1.0) -> dict:
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = _normal(rng, (dims[l], dims[l - 1]), scale / np.sqrt(dims[l - 1]))
        parameters[f"b{l}"] = _normal(rng, (dims[l], 1), 0.1 * scale)
    return parameters


def _labels(rng: np.random.Generator, m: int) -> np.ndarray:
    Y = (rng.random((1, m)) < 0.5).astype(float)
    if m > 1:  # both classes
        Y[0, 0], Y[0, 1] = 0.0, 1.0
    return Y


def _activation(rng, kind):
    n_prev, n, m = _dims(rng, kind)
    Z = _normal(rng, (n, m), _scale(kind))
    if kind == "random shapes":
        Z[Z < -1] = 0.0  # exact zeros: where max(0, z) and its derivative choose a side
    return (Z,)


def _activation_backward(rng, kind):
    n_prev, n, m = _dims(rng, kind)
    return (_normal(rng, (n, m), _scale(kind)), _normal(rng, (n, m), _scale(kind, 30.0)))


def _linear_forward(rng, kind):
    n_prev, n, m = _dims(rng, kind)
    s = _scale(kind)
    return (_normal(rng, (n_prev, m), s), _normal(rng, (n, n_prev), s), _normal(rng, (n, 1), s))


def _linear_activation_forward(rng, kind, index):
    return (*_linear_forward(rng, kind), ACTIVATIONS[index % 3])


def _l_model_forward(rng, kind):
    dims = _layers(rng, kind)
    m = 1 if kind == "one sample" else int(rng.integers(3, 9))
    s = _scale(kind, 10.0)
    return (_normal(rng, (dims[0], m), s), _parameters(rng, dims))


def _compute_cost(rng, kind):
    m = 1 if kind == "one sample" else int(rng.integers(3, 12))
    Y = _labels(rng, m)
    AL = 1 / (1 + np.exp(-rng.standard_normal((1, m)) * 2))
    if kind == "large values":  # sure and right: a = y exactly on some samples
        AL = np.where(rng.random((1, m)) < 0.5, Y, AL)
        AL[0, 0] = Y[0, 0]
    elif kind == "tiny values":
        AL = 0.5 + rng.standard_normal((1, m)) * 1e-6
    return (AL, Y)


def _linear_backward(rng, kind):
    n_prev, n, m = _dims(rng, kind)
    s = _scale(kind)
    A_prev, W, b = (_normal(rng, (n_prev, m), s), _normal(rng, (n, n_prev), s),
                    _normal(rng, (n, 1), s))  # fmt: skip
    return (_normal(rng, (n, m), s), (A_prev, W, b))


def _linear_activation_backward(rng, kind, index):
    n_prev, n, m = _dims(rng, kind)
    s = _scale(kind)
    A_prev, W, b = (_normal(rng, (n_prev, m), s), _normal(rng, (n, n_prev), s),
                    _normal(rng, (n, 1), s))  # fmt: skip
    Z = _normal(rng, (n, m), _scale(kind, 30.0))
    return (_normal(rng, (n, m), s), ((A_prev, W, b), Z), ACTIVATIONS[index % 3])


def _l_model_backward(rng, kind):
    X, parameters = _l_model_forward(rng, kind if kind != "large values" else "random shapes")
    if kind == "large values":
        X = X * 3
    AL, caches = reference.L_model_forward(X, parameters)
    AL = np.clip(AL, 1e-6, 1 - 1e-6)  # dAL = -(y/a - (1-y)/(1-a)) stays finite
    return (AL, _labels(rng, AL.shape[1]), caches)


def _update_parameters(rng, kind):
    dims = _layers(rng, kind)
    s = _scale(kind)
    parameters = _parameters(rng, dims, s)
    grads = {f"d{k}": _normal(rng, v.shape, s) for k, v in parameters.items()}
    return (parameters, grads, float(rng.uniform(0.01, 0.5)))


def _initialize(rng, kind):
    dims = _layers(rng, kind)
    if kind == "large values":
        dims = [int(rng.integers(300, 500)), int(rng.integers(20, 60)), 1]
    elif kind == "tiny values":
        dims = [2, 3, 1]
    return (dims, int(rng.integers(0, 1000)))


def _normalize(rng, kind):
    n_prev, n, m = _dims(rng, kind)
    s = _scale(kind)
    n_features = 1 if kind == "one unit" else n
    m_train = max(m, 3)
    m_test = 1 if kind == "one sample" else int(rng.integers(2, 8))
    mean = rng.uniform(-3, 3, (n_features, 1)) * s
    std = rng.uniform(0.5, 4, (n_features, 1)) * s
    X_train = mean + std * rng.standard_normal((n_features, m_train))
    X_test = mean + 2 * std * (rng.standard_normal((n_features, m_test)) + 0.5)
    return (X_train, X_test)


def _random_mini_batches(rng, kind, index):
    size = int(rng.integers(2, 6))
    complete = int(rng.integers(1, 4))
    if kind == "random shapes" and index == 0:
        m = size * complete  # no last, smaller batch
    elif kind == "one sample":
        m, size = 1, 1
    else:
        m = size * complete + int(rng.integers(1, size))
    n = 1 if kind == "one unit" else int(rng.integers(2, 6))
    X = _normal(rng, (n, m), _scale(kind))
    return (X, _labels(rng, m), size, int(rng.integers(0, 1000)))


def _initialize_velocity(rng, kind):
    return (_parameters(rng, _layers(rng, kind), _scale(kind)),)


def _momentum(rng, kind):
    parameters, grads, lr = _update_parameters(rng, kind)
    v = {k: _normal(rng, g.shape, _scale(kind)) for k, g in grads.items()}
    return (parameters, grads, v, float(rng.uniform(0.5, 0.95)), lr)


GENERATORS: dict[str, Callable] = {
    "sigmoid": _activation,
    "relu": _activation,
    "tanh": _activation,
    "sigmoid_backward": _activation_backward,
    "relu_backward": _activation_backward,
    "tanh_backward": _activation_backward,
    "linear_forward": _linear_forward,
    "linear_activation_forward": _linear_activation_forward,
    "L_model_forward": _l_model_forward,
    "compute_cost": _compute_cost,
    "linear_backward": _linear_backward,
    "linear_activation_backward": _linear_activation_backward,
    "L_model_backward": _l_model_backward,
    "update_parameters": _update_parameters,
    "initialize_parameters_lecun": _initialize,
    "initialize_parameters_he": _initialize,
    "initialize_parameters_glorot": _initialize,
    "normalize": _normalize,
    "random_mini_batches": _random_mini_batches,
    "initialize_velocity": _initialize_velocity,
    "update_parameters_with_momentum": _momentum,
}
# generators that also take the case's index (to cycle through activations or batch layouts)
_INDEXED = {_linear_activation_forward, _linear_activation_backward, _random_mini_batches}


def generate(name: str, seed: int = 0) -> list[tuple[str, Args]]:
    """The graded cases of exercise ``name``: [(kind, args)], the same for the same seed."""
    make = GENERATORS[name]
    rng = np.random.default_rng([seed, sorted(GENERATORS).index(name)])
    kinds = KINDS
    if make in (_linear_activation_forward, _linear_activation_backward):
        kinds = (*KINDS, "random shapes", "random shapes")  # each activation at least 3 times
    elif make is _random_mini_batches:
        kinds = (*KINDS, "random shapes")
    cases = []
    for index, kind in enumerate(kinds):
        args = make(rng, kind, index) if make in _INDEXED else make(rng, kind)
        cases.append((kind, args))
    return cases
