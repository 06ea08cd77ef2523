"""The bank of known mistakes: what students get wrong in each exercise, and how to say so.

Each ``Mistake`` is an exercise's name, a short name, a one-sentence diagnosis that names the
mistake and its fix, and a function with the exercise's signature that makes the mistake. The
grader runs every mistake of an exercise on the student's cases; the one whose outputs (and
whose changes to its inputs) match the student's on the failing cases is the diagnosis.
``SHAPE_HINTS`` says what a transposed or flattened result suggests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import reference as ref


@dataclass(frozen=True)
class Mistake:
    """One known mistake: ``function`` makes it; ``diagnosis`` names it with the fix."""

    exercise: str
    name: str
    diagnosis: str
    function: Callable


BANK: list[Mistake] = []


def mistake(exercise: str, name: str, diagnosis: str):
    """Register the decorated function as a known mistake of ``exercise``."""

    def register(function: Callable) -> Callable:
        BANK.append(Mistake(exercise, name, diagnosis, function))
        return function

    return register


def of(exercise: str) -> list[Mistake]:
    """The known mistakes of one exercise, in the bank's order."""
    return [m for m in BANK if m.exercise == exercise]


def _sigma(Z):
    return ref.sigmoid(Z)[0]


# ---- activations -------------------------------------------------------------------------------


@mistake("sigmoid", "wrong sign", "a wrong sign: you computed 1 / (1 + e^Z), which is "
         "1 - sigma(Z); the lecture's sigmoid is 1 / (1 + e^-Z).")  # fmt: skip
def _sigmoid_sign(Z):
    return 1 - _sigma(Z), Z


@mistake("sigmoid", "cache is A", "the cache holds A; the lecture keeps Z "
         "(return A, Z), which the backward pass needs.")  # fmt: skip
def _sigmoid_cache(Z):
    A = _sigma(Z)
    return A, A


@mistake("relu", "cache is A", "the cache holds A; the lecture keeps Z (return A, Z).")
def _relu_cache(Z):
    A = np.maximum(0, Z)
    return A, A


@mistake("relu", "wrong sign", "a wrong sign: you kept the negative part, max(0, -Z) or "
         "min(0, Z); ReLU is max(0, Z).")  # fmt: skip
def _relu_sign(Z):
    return np.maximum(0, -Z), Z


@mistake("tanh", "cache is A", "the cache holds A; the lecture keeps Z (return A, Z).")
def _tanh_cache(Z):
    A = np.tanh(Z)
    return A, A


@mistake("tanh", "sigmoid", "you computed sigma(Z); tanh is (e^Z - e^-Z) / (e^Z + e^-Z) "
         "(np.tanh), which is 2 sigma(2Z) - 1.")  # fmt: skip
def _tanh_sigmoid(Z):
    return _sigma(Z), Z


@mistake("sigmoid_backward", "derivative from Z", "the derivative taken from Z as if it were "
         "A: Z (1 - Z); take s = sigma(Z) from the cache, then dZ = dA * s (1 - s).")  # fmt: skip
def _sigmoid_from_z(dA, Z):
    return dA * Z * (1 - Z)


@mistake("sigmoid_backward", "wrong sign", "a wrong sign: sigma' = s (1 - s), not s (s - 1); "
         "dZ = dA * s * (1 - s).")  # fmt: skip
def _sigmoid_backward_sign(dA, Z):
    s = _sigma(Z)
    return -dA * s * (1 - s)


@mistake("sigmoid_backward", "dA missing", "dA is missing: you returned g'(Z) alone; the chain "
         "rule multiplies it by dA, dZ = dA * s (1 - s).")  # fmt: skip
def _sigmoid_backward_no_da(dA, Z):
    s = _sigma(Z)
    return s * (1 - s)


@mistake("relu_backward", "in place", "dA changed in place: dZ = dA is the same array, so "
         "dZ[Z <= 0] = 0 also zeroes the caller's dA; copy it first, "
         "dZ = np.array(dA, copy=True).")  # fmt: skip
def _relu_backward_in_place(dA, Z):
    dZ = dA
    dZ[Z <= 0] = 0
    return dZ


@mistake("relu_backward", "dA missing", "dA is missing: you returned g'(Z) = 1[Z > 0] alone; "
         "dZ = dA * 1[Z > 0].")  # fmt: skip
def _relu_backward_no_da(dA, Z):
    return (Z > 0).astype(float)


@mistake("relu_backward", "wrong side", "the derivative kept where Z < 0 instead of Z > 0 "
         "(a wrong sign in the mask); ReLU passes dA where Z > 0.")  # fmt: skip
def _relu_backward_side(dA, Z):
    return dA * (Z < 0)


@mistake("tanh_backward", "derivative from Z", "the derivative taken from Z as if it were A: "
         "1 - Z^2; it is 1 - tanh(Z)^2, dZ = dA * (1 - np.tanh(Z) ** 2).")  # fmt: skip
def _tanh_from_z(dA, Z):
    return dA * (1 - Z**2)


@mistake("tanh_backward", "wrong sign", "a wrong sign: tanh' = 1 - tanh^2, not tanh^2 - 1.")
def _tanh_backward_sign(dA, Z):
    return -dA * (1 - np.tanh(Z) ** 2)


# ---- forward ----------------------------------------------------------------------------------


@mistake("linear_forward", "transposed", "a transposed product or result: Z = W A + b has "
         "shape (n, m), W (n, n_prev) times A (n_prev, m); use np.dot(W, A) + b.")  # fmt: skip
def _linear_forward_transposed(A, W, b):
    return (np.dot(A.T, W.T) + b.T), (A, W, b)


@mistake("linear_forward", "b missing", "b is missing: Z = W A + b, with b (n, 1) broadcast "
         "over the m columns.")  # fmt: skip
def _linear_forward_no_b(A, W, b):
    return np.dot(W, A), (A, W, b)


@mistake("linear_activation_forward", "activation swapped", "the activations swapped: use "
         "sigmoid where activation == 'sigmoid' and relu where it is 'relu'.")  # fmt: skip
def _laf_swapped(A_prev, W, b, activation):
    other = {"sigmoid": "relu", "relu": "sigmoid"}.get(activation, activation)
    return ref.linear_activation_forward(A_prev, W, b, other)


@mistake("linear_activation_forward", "activation missing", "the activation is missing: you "
         "returned Z; A = g(Z) with g = sigmoid, relu or tanh.")  # fmt: skip
def _laf_no_activation(A_prev, W, b, activation):
    Z, linear_cache = ref.linear_forward(A_prev, W, b)
    return Z, (linear_cache, Z)


@mistake("L_model_forward", "relu output", "the output layer uses ReLU; the last layer L is "
         "linear -> sigmoid, only layers 1 to L-1 use ReLU.")  # fmt: skip
def _lmf_relu_out(X, parameters):
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L + 1):
        A, cache = ref.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"],
                                                 "relu")  # fmt: skip
        caches.append(cache)
    return A, caches


@mistake("L_model_forward", "sigmoid everywhere", "the hidden layers use the sigmoid; the "
         "lecture's network uses ReLU in layers 1 to L-1, the sigmoid in layer L.")  # fmt: skip
def _lmf_sigmoid(X, parameters):
    caches, A, L = [], X, len(parameters) // 2
    for l in range(1, L + 1):
        A, cache = ref.linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"],
                                                 "sigmoid")  # fmt: skip
        caches.append(cache)
    return A, caches


@mistake("L_model_forward", "last cache missing", "the last layer's cache is missing: append "
         "the cache of layer L too: caches holds L caches for the backward pass.")  # fmt: skip
def _lmf_last_cache(X, parameters):
    AL, caches = ref.L_model_forward(X, parameters)
    return AL, caches[:-1]


# ---- the cost ----------------------------------------------------------------------------------


def _log_terms(AL, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return Y * np.log(AL) + (1 - Y) * np.log(1 - AL)


@mistake("compute_cost", "sum", "the cost without the mean: a sum over the samples; "
         "J = -(1/m) sum(...), divide by m = Y.shape[1].")  # fmt: skip
def _cost_sum(AL, Y):
    return -np.sum(np.log(np.where(Y == 1, AL, 1 - AL)))


@mistake("compute_cost", "log of 0", "log of 0: where a = y exactly, y log(a) + (1 - y) "
         "log(1 - a) takes 0 * log(0) = nan; take each log only where it applies, "
         "np.log(np.where(Y == 1, AL, 1 - AL)).")  # fmt: skip
def _cost_log0(AL, Y):
    return -np.mean(_log_terms(AL, Y))


@mistake("compute_cost", "wrong sign", "a wrong sign: J = -(1/m) sum[y log a + (1 - y) "
         "log(1 - a)] is positive; you dropped the minus.")  # fmt: skip
def _cost_sign(AL, Y):
    return np.mean(np.log(np.where(Y == 1, AL, 1 - AL)))


# ---- backward ---------------------------------------------------------------------------------


@mistake("linear_backward", "transposed dW", "did you multiply A_prev @ dZ.T? That is dW "
         "transposed (a transposed product); dW = (1/m) np.dot(dZ, A_prev.T).")  # fmt: skip
def _lb_transposed(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(A_prev, dZ.T) / m, np.sum(dZ, axis=1, keepdims=True) / m


@mistake("linear_backward", "missing 1/m", "a missing 1/m, a sum instead of a mean: "
         "dW = (1/m) dZ A_prev^T and db = (1/m) sum(dZ, axis=1, keepdims=True).")  # fmt: skip
def _lb_no_mean(dZ, cache):
    A_prev, W, b = cache
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T), np.sum(dZ, axis=1, keepdims=True)


@mistake("linear_backward", "missing 1/m in db", "db is a sum instead of a mean (a missing "
         "1/m): db = (1/m) np.sum(dZ, axis=1, keepdims=True).")  # fmt: skip
def _lb_db_sum(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True)


@mistake("linear_backward", "1/m in dA_prev", "dA_prev divided by m: the 1/m belongs to dW and "
         "db only; dA_prev = W^T dZ.")  # fmt: skip
def _lb_da_mean(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ) / m, np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m


@mistake("linear_backward", "db wrong axis", "db summed over the wrong axis: sum over the "
         "samples (the columns), np.sum(dZ, axis=1, keepdims=True) / m.")  # fmt: skip
def _lb_db_axis(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=0, keepdims=True) / m


@mistake("linear_backward", "db 1-D", "db not kept 2-D: np.sum(dZ, axis=1) drops the axis; "
         "keep db of b's shape (n, 1) with keepdims=True.")  # fmt: skip
def _lb_db_flat(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1) / m


@mistake("linear_backward", "db all", "db summed over every entry, np.sum(dZ) / m: sum over "
         "the samples only, np.sum(dZ, axis=1, keepdims=True) / m.")  # fmt: skip
def _lb_db_all(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ) / m


@mistake("linear_backward", "wrong sign", "a wrong sign: dW = (1/m) dZ A_prev^T, "
         "db = (1/m) sum dZ, dA_prev = W^T dZ, all with a plus sign.")  # fmt: skip
def _lb_sign(dZ, cache):
    return tuple(-g for g in ref.linear_backward(dZ, cache))


@mistake("linear_activation_backward", "derivative missing", "the activation derivative is "
         "missing from dZ: dZ = dA * g'(Z) (sigmoid_backward, relu_backward), not dA.")  # fmt: skip
def _lab_no_derivative(dA, cache, activation):
    linear_cache, Z = cache
    return ref.linear_backward(dA, linear_cache)


@mistake("linear_activation_backward", "derivative from Z", "the derivative taken from Z "
         "where the lecture writes it from A: with the cache's Z, sigma'(Z) = a (1 - a) for "
         "a = sigma(Z), and tanh' = 1 - tanh(Z)^2, not Z (1 - Z) or 1 - Z^2.")  # fmt: skip
def _lab_from_z(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "sigmoid":
        dZ = dA * Z * (1 - Z)
    elif activation == "tanh":
        dZ = dA * (1 - Z**2)
    else:
        dZ = ref.relu_backward(dA, Z)
    return ref.linear_backward(dZ, linear_cache)


@mistake("linear_activation_backward", "activation swapped", "the activations swapped: use "
         "sigmoid_backward where activation == 'sigmoid' and relu_backward where it is "
         "'relu'.")  # fmt: skip
def _lab_swapped(dA, cache, activation):
    other = {"sigmoid": "relu", "relu": "sigmoid"}.get(activation, activation)
    return ref.linear_activation_backward(dA, cache, other)


@mistake("L_model_backward", "wrong sign", "a wrong sign in dAL: dAL = -(Y / AL - (1 - Y) / "
         "(1 - AL)) (minus the derivative of y log a + (1 - y) log(1 - a)).")  # fmt: skip
def _lmb_sign(AL, Y, caches):
    grads = ref.L_model_backward(AL, Y, caches)
    return {k: -v for k, v in grads.items()}


@mistake("L_model_backward", "sigmoid hidden", "the hidden layers go back through the sigmoid: "
         "layer L uses sigmoid_backward, layers L-1 ... 1 relu_backward.")  # fmt: skip
def _lmb_sigmoid(AL, Y, caches):
    grads, L = {}, len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for l in reversed(range(L)):
        dA_prev, dW, db = ref.linear_activation_backward(dA, caches[l], "sigmoid")
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


@mistake("L_model_backward", "derivative missing", "the activation derivative is missing from "
         "dZ in the hidden layers: each goes through linear_activation_backward(dA, cache, "
         "'relu'), dZ = dA * g'(Z).")  # fmt: skip
def _lmb_no_derivative(AL, Y, caches):
    grads, L = {}, len(caches)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    dA_prev, dW, db = ref.linear_activation_backward(dA, caches[L - 1], "sigmoid")
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = ref.linear_backward(grads[f"dA{l + 1}"], caches[l][0])
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
    return grads


# ---- updates ----------------------------------------------------------------------------------


@mistake("update_parameters", "wrong sign", "a wrong sign: gradient descent steps against the "
         "gradient, W = W - alpha dW (you added it).")  # fmt: skip
def _update_sign(parameters, grads, learning_rate):
    return ref.update_parameters(parameters, grads, -learning_rate)


@mistake("update_parameters", "in place", "an input changed in place: W -= alpha dW writes into "
         "the caller's arrays; write W = W - alpha dW (a new array) instead.")  # fmt: skip
def _update_in_place(parameters, grads, learning_rate):
    for k in parameters:
        parameters[k] -= learning_rate * grads["d" + k]
    return parameters


@mistake("update_parameters", "b not updated", "b is not updated: update b[l] = b[l] - alpha "
         "db[l] too, for every layer.")  # fmt: skip
def _update_no_b(parameters, grads, learning_rate):
    new = dict(parameters)
    for k in parameters:
        if k.startswith("W"):
            new[k] = parameters[k] - learning_rate * grads["d" + k]
    return new


# ---- initialization ---------------------------------------------------------------------------


def _init(layers_dims, seed, variance):
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        n_prev, n = layers_dims[l - 1], layers_dims[l]
        parameters[f"W{l}"] = np.random.randn(n, n_prev) * np.sqrt(variance(n_prev, n))
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


@mistake("initialize_parameters_he", "LeCun's scale", "He's sqrt(2/n) and LeCun's sqrt(1/n) "
         "swapped: He initialization scales by sqrt(2 / n_{l-1}).")  # fmt: skip
def _he_lecun(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 1 / n_prev)


@mistake("initialize_parameters_he", "fan of the wrong layer", "the fan of the wrong layer: He "
         "divides by n_{l-1} = layers_dims[l - 1], the inputs of layer l, not n_l.")  # fmt: skip
def _he_fan(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 2 / n)


@mistake("initialize_parameters_lecun", "He's scale", "He's sqrt(2/n) and LeCun's sqrt(1/n) "
         "swapped: LeCun initialization scales by sqrt(1 / n_{l-1}).")  # fmt: skip
def _lecun_he(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 2 / n_prev)


@mistake("initialize_parameters_lecun", "fan of the wrong layer", "the fan of the wrong layer: "
         "LeCun divides by n_{l-1} = layers_dims[l - 1], layer l's inputs, not n_l.")  # fmt: skip
def _lecun_fan(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 1 / n)


@mistake("initialize_parameters_glorot", "no 2", "Glorot's numerator is 2: "
         "sqrt(2 / (n_{l-1} + n_l)), not sqrt(1 / (n_{l-1} + n_l)).")  # fmt: skip
def _glorot_one(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 1 / (n_prev + n))


@mistake("initialize_parameters_glorot", "He's scale", "He's scale instead of Glorot's: Glorot "
         "averages the fans of both layers, sqrt(2 / (n_{l-1} + n_l)).")  # fmt: skip
def _glorot_he(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 2 / n_prev)


# ---- data -------------------------------------------------------------------------------------


@mistake("normalize", "test statistics", "normalization with the test set's statistics: compute "
         "mu and sigma on X_train only and apply those same numbers to X_test.")  # fmt: skip
def _normalize_test_stats(X_train, X_test):
    def standardize(X):
        return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)

    with np.errstate(divide="ignore", invalid="ignore"):
        return standardize(X_train), standardize(X_test)


@mistake("normalize", "no square root", "normalization without the square root: you divided "
         "by the variance sigma^2; divide by sigma = np.sqrt(variance).")  # fmt: skip
def _normalize_variance(X_train, X_test):
    mu = X_train.mean(axis=1, keepdims=True)
    var = ((X_train - mu) ** 2).mean(axis=1, keepdims=True)
    return (X_train - mu) / var, (X_test - mu) / var


@mistake("normalize", "in place", "an input changed in place: X_train -= mu writes into the "
         "caller's array; compute (X_train - mu) / sigma as a new array.")  # fmt: skip
def _normalize_in_place(X_train, X_test):
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = X_train.std(axis=1, keepdims=True)
    X_train -= mu
    X_train /= sigma
    X_test -= mu
    X_test /= sigma
    return X_train, X_test


def _batches(X, Y, size, seed, last: str):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    X, Y = X[:, permutation], Y[:, permutation]
    batches = [(X[:, k : k + size], Y[:, k : k + size]) for k in range(0, m - m % size, size)]
    if m % size and last != "dropped":
        batches.append((X[:, m - m % size :], Y[:, m - m % size :]))
        if last == "duplicated":
            batches.append(batches[-1])
    return batches


@mistake("random_mini_batches", "last dropped", "the last mini-batch dropped: when m is not a "
         "multiple of the size, the m mod size columns left make one more batch.")  # fmt: skip
def _batches_dropped(X, Y, mini_batch_size=64, seed=0):
    return _batches(X, Y, mini_batch_size, seed, "dropped")


@mistake("random_mini_batches", "last duplicated", "the last mini-batch duplicated: add the "
         "smaller last batch once, only when m % size != 0.")  # fmt: skip
def _batches_duplicated(X, Y, mini_batch_size=64, seed=0):
    return _batches(X, Y, mini_batch_size, seed, "duplicated")


@mistake("random_mini_batches", "not shuffled", "the columns are not shuffled: permute them "
         "first, X[:, permutation] and Y[:, permutation] with the same permutation.")  # fmt: skip
def _batches_unshuffled(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[1]
    return [(X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]  # fmt: skip


# ---- momentum ---------------------------------------------------------------------------------


@mistake("initialize_velocity", "starts at W", "the velocity starts at the parameters; it "
         "starts at zero, v['dW1'] = np.zeros_like(parameters['W1']).")  # fmt: skip
def _velocity_w(parameters):
    return {"d" + k: np.array(v, copy=True) for k, v in parameters.items()}


@mistake("update_parameters_with_momentum", "no 1 - beta", "momentum without (1 - beta): "
         "V = beta V + (1 - beta) dW, an average of the gradients, not beta V + dW.")  # fmt: skip
def _momentum_no_one_minus(parameters, grads, v, beta, learning_rate):
    parameters, v = dict(parameters), dict(v)
    for k in grads:
        v[k] = beta * v[k] + grads[k]
        parameters[k[1:]] = parameters[k[1:]] - learning_rate * v[k]
    return parameters, v


@mistake("update_parameters_with_momentum", "W with dW", "W updated with dW instead of V: after "
         "V = beta V + (1 - beta) dW, step with the velocity, W = W - alpha V.")  # fmt: skip
def _momentum_dw(parameters, grads, v, beta, learning_rate):
    parameters, v = dict(parameters), dict(v)
    for k in grads:
        v[k] = beta * v[k] + (1 - beta) * grads[k]
        parameters[k[1:]] = parameters[k[1:]] - learning_rate * grads[k]
    return parameters, v


@mistake("update_parameters_with_momentum", "beta swapped", "beta and 1 - beta swapped: the "
         "velocity keeps beta of itself, V = beta V + (1 - beta) dW.")  # fmt: skip
def _momentum_swapped(parameters, grads, v, beta, learning_rate):
    return ref.update_parameters_with_momentum(parameters, grads, v, 1 - beta, learning_rate)


@mistake("update_parameters_with_momentum", "in place", "an input changed in place: W -= ... "
         "writes into the caller's arrays; assign new arrays, W = W - alpha V.")  # fmt: skip
def _momentum_in_place(parameters, grads, v, beta, learning_rate):
    for k in grads:
        v[k] = beta * v[k] + (1 - beta) * grads[k]
        parameters[k[1:]] -= learning_rate * v[k]
    return parameters, v


# what a transposed result suggests: (exercise, output) -> the likely product
TRANSPOSED_HINTS = {
    ("linear_forward", "Z"): "did you multiply A.T @ W.T? Z = np.dot(W, A) + b",
    ("linear_backward", "dW"): "did you multiply A_prev @ dZ.T? dW = (1/m) np.dot(dZ, A_prev.T)",
    ("linear_backward", "dA_prev"): "did you multiply dZ.T @ W? dA_prev = np.dot(W.T, dZ)",
}
# what another wrong shape suggests
SHAPE_HINTS = {
    ("linear_backward", "db"): "sum over the samples, axis=1, with keepdims=True",
    ("linear_activation_backward", "db"): "sum over the samples, axis=1, with keepdims=True",
}
