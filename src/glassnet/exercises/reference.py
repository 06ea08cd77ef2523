"""The lecture's formulas in the course's layout: glassnet's reference solutions of the exercises.

Samples are columns here, as in the lecture and the well-known deep-learning course: X has shape
(n_0, m), A[l] (n_l, m), W[l] (n_l, n_{l-1}), b[l] (n_l, 1), and the functions have the course's
names and signatures, caches included (``linear_forward`` keeps (A, W, b), an activation keeps
Z). glassnet itself keeps samples as rows; ``tests/test_exercises.py`` proves these functions
compute what ``glassnet.Network`` computes, transposed.

Each function's docstring is the stub a student sees (formula and shapes); its body is the
solution that ``glassnet exercises --solutions`` writes between nbgrader's solution markers.
"""

from __future__ import annotations

import numpy as np

# ---- activations and their derivatives ------------------------------------------------------


def sigmoid(Z):
    """A = sigma(Z) = 1 / (1 + e^-Z), element-wise.

    Z: (n, m). Returns (A, cache): A (n, m) and cache = Z.
    Mind large |Z|: e^-Z overflows for Z < -709; for Z < 0 use the equal form e^Z / (1 + e^Z).
    """
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, 1.0, E) / (1.0 + E)
    cache = Z
    return A, cache


def relu(Z):
    """A = max(0, Z), element-wise.

    Z: (n, m). Returns (A, cache): A (n, m) and cache = Z.
    """
    A = np.maximum(0, Z)
    cache = Z
    return A, cache


def tanh(Z):
    """A = tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z), element-wise.

    Z: (n, m). Returns (A, cache): A (n, m) and cache = Z.
    """
    A = np.tanh(Z)
    cache = Z
    return A, cache


def sigmoid_backward(dA, cache):
    """dZ = dA * sigma'(Z), with sigma'(Z) = s (1 - s) where s = sigma(Z).

    dA: (n, m); cache = Z: (n, m). Returns dZ (n, m). Do not change dA.
    """
    Z = cache
    s = 1 / (1 + np.exp(-np.clip(Z, -500, 500)))
    dZ = dA * s * (1 - s)
    return dZ


def relu_backward(dA, cache):
    """dZ = dA * g'(Z), with g'(Z) = 1 where Z > 0 and 0 elsewhere.

    dA: (n, m); cache = Z: (n, m). Returns dZ (n, m). Do not change dA: work on a copy.
    """
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)^2).

    dA: (n, m); cache = Z: (n, m). Returns dZ (n, m). Do not change dA.
    """
    Z = cache
    t = np.tanh(Z)
    dZ = dA * (1 - t**2)
    return dZ


# ---- the forward pass ------------------------------------------------------------------------


def linear_forward(A, W, b):
    """Z = W A + b (b broadcast over the m columns).

    A: (n_prev, m), W: (n, n_prev), b: (n, 1). Returns (Z, cache): Z (n, m) and
    cache = (A, W, b).
    """
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b), with g = "sigmoid", "relu" or "tanh" (``activation``).

    A_prev: (n_prev, m), W: (n, n_prev), b: (n, 1). Returns (A, cache): A (n, m) and
    cache = (linear_cache, activation_cache) = ((A_prev, W, b), Z).
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    else:
        A, activation_cache = tanh(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


def L_model_forward(X, parameters):
    """The L-layer forward pass: A[0] = X, A[l] = relu(W[l] A[l-1] + b[l]) for l < L, and
    AL = A[L] = sigma(W[L] A[L-1] + b[L]).

    X: (n_0, m); parameters: {"W1": (n_1, n_0), "b1": (n_1, 1), ..., "WL", "bL"}.
    Returns (AL, caches): AL (n_L, m) and the L caches of ``linear_activation_forward``, in order.
    """
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(
            A, parameters["W" + str(l)], parameters["b" + str(l)], "relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    """J = -(1/m) sum_i [y_i log(a_i) + (1 - y_i) log(1 - a_i)], the binary cross-entropy.

    AL: (1, m), probabilities; Y: (1, m), labels 0 or 1. Returns the cost, a number.
    AL can be exactly 0 or 1 where the network is sure (and right): take each log only where it
    applies (log(a) where y = 1, log(1 - a) where y = 0), so that no log(0) is ever taken.
    """
    m = Y.shape[1]
    cost = -(1 / m) * np.sum(np.log(np.where(Y == 1, AL, 1 - AL)))
    cost = float(np.squeeze(cost))
    return cost


# ---- the backward pass -----------------------------------------------------------------------


def linear_backward(dZ, cache):
    """dW = (1/m) dZ A_prev^T, db = (1/m) sum of dZ over the samples, dA_prev = W^T dZ.

    dZ: (n, m); cache = (A_prev, W, b): A_prev (n_prev, m), W (n, n_prev), b (n, 1).
    Returns (dA_prev, dW, db): dA_prev (n_prev, m), dW (n, n_prev), db (n, 1).
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """dZ = dA * g'(Z), then ``linear_backward(dZ, linear_cache)``.

    dA: (n, m); cache = ((A_prev, W, b), Z) from ``linear_activation_forward``; activation:
    "sigmoid", "relu" or "tanh". Returns (dA_prev, dW, db): (n_prev, m), (n, n_prev), (n, 1).
    """
    linear_cache, activation_cache = cache
    if activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    elif activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = tanh_backward(dA, activation_cache)
    dA_prev, dW, db = linear_backward(dZ, linear_cache)
    return dA_prev, dW, db


def L_model_backward(AL, Y, caches):
    """The L-layer backward pass: dAL = -(Y / AL - (1 - Y) / (1 - AL)), then layer L with the
    sigmoid and layers L-1 ... 1 with ReLU through ``linear_activation_backward``.

    AL: (1, m); Y: (1, m); caches: the L caches of ``L_model_forward``.
    Returns grads: {"dW1": (n_1, n_0), "db1": (n_1, 1), ..., "dWL", "dbL"} and
    grads["dA" + str(l - 1)] = dA[l-1] for each layer l.
    """
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = dA_prev, dW, db
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads


# ---- updates ---------------------------------------------------------------------------------


def update_parameters(parameters, grads, learning_rate):
    """Gradient descent: W[l] = W[l] - alpha dW[l], b[l] = b[l] - alpha db[l] for every layer.

    parameters: {"W1", "b1", ...}; grads: {"dW1", "db1", ...}; learning_rate: alpha.
    Returns the updated parameters (a dictionary with the same keys and shapes).
    """
    parameters = dict(parameters)
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


# ---- initialization --------------------------------------------------------------------------


def initialize_parameters_lecun(layers_dims, seed=3):
    """LeCun: W[l] = randn(n_l, n_{l-1}) * sqrt(1 / n_{l-1}), b[l] = zeros (n_l, 1).

    layers_dims: [n_0, n_1, ..., n_L]. Call np.random.seed(seed) once, then draw W1, W2, ...
    in order with np.random.randn. Returns {"W1": (n_1, n_0), "b1": (n_1, 1), ...}.
    """
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(
            1 / layers_dims[l - 1]
        )
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims, seed=3):
    """He: W[l] = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}), b[l] = zeros (n_l, 1).

    layers_dims: [n_0, n_1, ..., n_L]. Call np.random.seed(seed) once, then draw W1, W2, ...
    in order with np.random.randn. Returns {"W1": (n_1, n_0), "b1": (n_1, 1), ...}.
    """
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(
            2 / layers_dims[l - 1]
        )
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_glorot(layers_dims, seed=3):
    """Glorot (Xavier): W[l] = randn(n_l, n_{l-1}) * sqrt(2 / (n_{l-1} + n_l)), b[l] = zeros.

    layers_dims: [n_0, n_1, ..., n_L]. Call np.random.seed(seed) once, then draw W1, W2, ...
    in order with np.random.randn. Returns {"W1": (n_1, n_0), "b1": (n_1, 1), ...}.
    """
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(
            2 / (layers_dims[l - 1] + layers_dims[l])
        )
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


# ---- data ------------------------------------------------------------------------------------


def normalize(X_train, X_test):
    """x = (x - mu) / sigma per feature, with the TRAINING set's mu = (1/m) sum_i x_i and
    sigma^2 = (1/m) sum_i (x_i - mu)^2 applied to both sets.

    X_train: (n_0, m_train), X_test: (n_0, m_test). Returns (X_train_norm, X_test_norm) of the
    same shapes. Do not change X_train or X_test.
    """
    mu = np.mean(X_train, axis=1, keepdims=True)
    sigma = np.sqrt(np.mean((X_train - mu) ** 2, axis=1, keepdims=True))
    X_train_norm = (X_train - mu) / sigma
    X_test_norm = (X_test - mu) / sigma
    return X_train_norm, X_test_norm


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle the columns of (X, Y) with one permutation, then cut them into mini-batches of
    ``mini_batch_size`` columns; the last one holds the m mod size columns left, if any.

    X: (n_0, m), Y: (1, m). Call np.random.seed(seed), then permutation = np.random.permutation(m).
    Returns a list of ceil(m / size) pairs (mini_batch_X (n_0, size), mini_batch_Y (1, size)).
    """
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    mini_batches = []
    num_complete = m // mini_batch_size
    for k in range(num_complete):
        start = k * mini_batch_size
        end = start + mini_batch_size
        mini_batches.append((shuffled_X[:, start:end], shuffled_Y[:, start:end]))
    if m % mini_batch_size != 0:
        start = num_complete * mini_batch_size
        mini_batches.append((shuffled_X[:, start:], shuffled_Y[:, start:]))
    return mini_batches


# ---- momentum --------------------------------------------------------------------------------


def initialize_velocity(parameters):
    """V_dW[l] = 0 and V_db[l] = 0, of the shapes of W[l] and b[l].

    parameters: {"W1", "b1", ...}. Returns v: {"dW1": zeros like W1, "db1": zeros like b1, ...}.
    """
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros_like(parameters["W" + str(l)])
        v["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """Momentum: V_dW = beta V_dW + (1 - beta) dW, W = W - alpha V_dW (and the same for b).

    parameters {"W1", "b1", ...}, grads {"dW1", "db1", ...}, v {"dW1", "db1", ...};
    beta: the momentum, learning_rate: alpha. Returns (parameters, v), both updated.
    """
    parameters, v = dict(parameters), dict(v)
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = p + str(l)
            v["d" + key] = beta * v["d" + key] + (1 - beta) * grads["d" + key]
            parameters[key] = parameters[key] - learning_rate * v["d" + key]
    return parameters, v
