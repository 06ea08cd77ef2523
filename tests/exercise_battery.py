"""Wrong solutions a student could write, each with the known mistake it should be diagnosed as;
and the course-style correct solutions. Used by tests/test_exercises.py."""

import numpy as np

WRONG = []  # (exercise, known mistake's name, function)


def wrong(exercise, mistake):
    def register(function):
        WRONG.append((exercise, mistake, function))
        return function

    return register


# ---- activations -------------------------------------------------------------------------------


@wrong("sigmoid", "wrong sign")
def sigmoid_plus(Z):
    A = 1 / (1 + np.exp(Z))
    return A, Z


@wrong("sigmoid", "cache is A")
def sigmoid_cache_a(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = A
    return A, cache


@wrong("relu", "cache is A")
def relu_cache_a(Z):
    A = np.maximum(0, Z)
    return A, A


@wrong("relu", "wrong sign")
def relu_min(Z):
    A = -np.minimum(0, Z)
    return A, Z


@wrong("tanh", "cache is A")
def tanh_cache_a(Z):
    A = (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z))
    A = np.tanh(Z)
    return A, A


@wrong("tanh", "sigmoid")
def tanh_is_sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


@wrong("sigmoid_backward", "derivative from Z")
def sigmoid_backward_from_z(dA, cache):
    Z = cache
    return dA * Z * (1 - Z)


@wrong("sigmoid_backward", "wrong sign")
def sigmoid_backward_sign(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (s - 1)


@wrong("sigmoid_backward", "dA missing")
def sigmoid_backward_no_da(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return s * (1 - s)


@wrong("relu_backward", "in place")
def relu_backward_in_place(dA, cache):
    Z = cache
    dZ = dA
    dZ[Z <= 0] = 0
    return dZ


@wrong("relu_backward", "dA missing")
def relu_backward_mask_only(dA, cache):
    return np.where(cache > 0, 1.0, 0.0)


@wrong("relu_backward", "wrong side")
def relu_backward_negative(dA, cache):
    dZ = np.array(dA, copy=True)
    dZ[cache >= 0] = 0
    return dZ


@wrong("tanh_backward", "derivative from Z")
def tanh_backward_from_z(dA, cache):
    return dA * (1 - np.power(cache, 2))


@wrong("tanh_backward", "wrong sign")
def tanh_backward_sign(dA, cache):
    return dA * (np.tanh(cache) ** 2 - 1)


# ---- forward ----------------------------------------------------------------------------------


@wrong("linear_forward", "transposed")
def linear_forward_transposed(A, W, b):
    Z = A.T @ W.T + b.T
    return Z, (A, W, b)


@wrong("linear_forward", "b missing")
def linear_forward_no_b(A, W, b):
    return W @ A, (A, W, b)


@wrong("linear_activation_forward", "activation swapped")
def laf_swapped(A_prev, W, b, activation):
    Z = W @ A_prev + b
    if activation == "relu":
        A = 1 / (1 + np.exp(-Z))
    elif activation == "sigmoid":
        A = np.maximum(0, Z)
    else:
        A = np.tanh(Z)
    return A, ((A_prev, W, b), Z)


@wrong("linear_activation_forward", "activation missing")
def laf_linear(A_prev, W, b, activation):
    Z = np.dot(W, A_prev) + b
    return Z, ((A_prev, W, b), Z)


def _forward(X, parameters, hidden, output, keep_last=True):
    caches, A = [], X
    L = len(parameters) // 2
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        cache = ((A, W, b), Z)
        A = output(Z) if l == L else hidden(Z)
        if l < L or keep_last:
            caches.append(cache)
    return A, caches


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def _relu(Z):
    return np.maximum(0, Z)


@wrong("L_model_forward", "relu output")
def l_model_forward_relu_out(X, parameters):
    return _forward(X, parameters, _relu, _relu)


@wrong("L_model_forward", "sigmoid everywhere")
def l_model_forward_sigmoid(X, parameters):
    return _forward(X, parameters, _sigmoid, _sigmoid)


@wrong("L_model_forward", "last cache missing")
def l_model_forward_no_last_cache(X, parameters):
    return _forward(X, parameters, _relu, _sigmoid, keep_last=False)


# ---- cost -------------------------------------------------------------------------------------


@wrong("compute_cost", "sum")
def cost_sum(AL, Y):
    AL = np.clip(AL, 1e-300, 1 - 1e-16)
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))


@wrong("compute_cost", "log of 0")
def cost_log0(AL, Y):
    m = Y.shape[1]
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(cost)


@wrong("compute_cost", "wrong sign")
def cost_positive(AL, Y):
    m = Y.shape[1]
    return float(np.sum(np.log(np.where(Y == 1, AL, 1 - AL))) / m)


# ---- backward ---------------------------------------------------------------------------------


@wrong("linear_backward", "transposed dW")
def linear_backward_transposed(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = A_prev @ dZ.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    return W.T @ dZ, dW, db


@wrong("linear_backward", "missing 1/m")
def linear_backward_sum(dZ, cache):
    A_prev, W, b = cache
    return W.T @ dZ, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)


@wrong("linear_backward", "missing 1/m in db")
def linear_backward_db_sum(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True)


@wrong("linear_backward", "1/m in dA_prev")
def linear_backward_da_mean(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return (1 / m) * W.T @ dZ, (1 / m) * dZ @ A_prev.T, (1 / m) * dZ.sum(axis=1, keepdims=True)


@wrong("linear_backward", "db wrong axis")
def linear_backward_db_axis0(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ, axis=0, keepdims=True) / m


@wrong("linear_backward", "db 1-D")
def linear_backward_db_flat(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.mean(dZ, axis=1)


@wrong("linear_backward", "db all")
def linear_backward_db_all(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, np.sum(dZ) / m


@wrong("linear_backward", "wrong sign")
def linear_backward_negative(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return -(W.T @ dZ), -(dZ @ A_prev.T) / m, -dZ.sum(axis=1, keepdims=True) / m


def _linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


@wrong("linear_activation_backward", "derivative missing")
def lab_no_derivative(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = dA
    return _linear_backward(dZ, linear_cache)


@wrong("linear_activation_backward", "derivative from Z")
def lab_from_z(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "sigmoid":
        dZ = dA * Z * (1 - Z)
    elif activation == "relu":
        dZ = dA * (Z > 0)
    else:
        dZ = dA * (1 - Z * Z)
    return _linear_backward(dZ, linear_cache)


@wrong("linear_activation_backward", "activation swapped")
def lab_swapped(dA, cache, activation):
    linear_cache, Z = cache
    s = 1 / (1 + np.exp(-Z))
    if activation == "relu":
        dZ = dA * s * (1 - s)
    elif activation == "sigmoid":
        dZ = dA * (Z > 0)
    else:
        dZ = dA * (1 - np.tanh(Z) ** 2)
    return _linear_backward(dZ, linear_cache)


def _backward(AL, Y, caches, sign=1.0, hidden="relu"):
    grads, L = {}, len(caches)
    dA = sign * -(Y / AL - (1 - Y) / (1 - AL))
    for l in reversed(range(L)):
        (A_prev, W, b), Z = caches[l]
        if l == L - 1 or hidden == "sigmoid":
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        elif hidden == "none":
            dZ = dA
        else:
            dZ = dA * (Z > 0)
        dA_prev, dW, db = _linear_backward(dZ, (A_prev, W, b))
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
        dA = dA_prev
    return grads


@wrong("L_model_backward", "wrong sign")
def l_model_backward_sign(AL, Y, caches):
    return _backward(AL, Y, caches, sign=-1.0)


@wrong("L_model_backward", "sigmoid hidden")
def l_model_backward_sigmoid(AL, Y, caches):
    return _backward(AL, Y, caches, hidden="sigmoid")


@wrong("L_model_backward", "derivative missing")
def l_model_backward_no_derivative(AL, Y, caches):
    return _backward(AL, Y, caches, hidden="none")


# ---- updates ----------------------------------------------------------------------------------


@wrong("update_parameters", "wrong sign")
def update_plus(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] + learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] + learning_rate * grads["db" + str(l)]
    return parameters


@wrong("update_parameters", "in place")
def update_in_place(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] -= learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return parameters


@wrong("update_parameters", "b not updated")
def update_w_only(parameters, grads, learning_rate):
    new = dict(parameters)
    for key in parameters:
        if key[0] == "W":
            new[key] = parameters[key] - learning_rate * grads["d" + key]
    return new


# ---- initialization ---------------------------------------------------------------------------


def _init(layers_dims, seed, scale):
    np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layers_dims)):
        W = np.random.randn(layers_dims[l], layers_dims[l - 1])
        parameters["W" + str(l)] = W * scale(layers_dims[l - 1], layers_dims[l])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


@wrong("initialize_parameters_he", "LeCun's scale")
def he_with_lecun(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(1 / n_prev))


@wrong("initialize_parameters_he", "fan of the wrong layer")
def he_wrong_fan(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(2 / n))


@wrong("initialize_parameters_lecun", "He's scale")
def lecun_with_he(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(2 / n_prev))


@wrong("initialize_parameters_lecun", "fan of the wrong layer")
def lecun_wrong_fan(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: 1 / np.sqrt(n))


@wrong("initialize_parameters_glorot", "no 2")
def glorot_one(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(1 / (n_prev + n)))


@wrong("initialize_parameters_glorot", "He's scale")
def glorot_he(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(2 / n_prev))


# ---- data -------------------------------------------------------------------------------------


@wrong("normalize", "test statistics")
def normalize_each(X_train, X_test):
    def scale(X):
        mu = np.mean(X, axis=1, keepdims=True)
        return (X - mu) / np.std(X, axis=1, keepdims=True)

    return scale(X_train), scale(X_test)


@wrong("normalize", "no square root")
def normalize_variance(X_train, X_test):
    mu = np.mean(X_train, axis=1, keepdims=True)
    sigma2 = np.mean((X_train - mu) ** 2, axis=1, keepdims=True)
    return (X_train - mu) / sigma2, (X_test - mu) / sigma2


@wrong("normalize", "in place")
def normalize_in_place(X_train, X_test):
    mu = np.mean(X_train, axis=1, keepdims=True)
    sigma = np.std(X_train, axis=1, keepdims=True)
    for X in (X_train, X_test):
        X -= mu
        X /= sigma
    return X_train, X_test


def _shuffled(X, Y, seed):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    return X[:, permutation], Y[:, permutation].reshape((1, m)), m


@wrong("random_mini_batches", "last dropped")
def batches_dropped(X, Y, mini_batch_size=64, seed=0):
    X, Y, m = _shuffled(X, Y, seed)
    return [(X[:, k * mini_batch_size : (k + 1) * mini_batch_size],
             Y[:, k * mini_batch_size : (k + 1) * mini_batch_size])
            for k in range(m // mini_batch_size)]  # fmt: skip


@wrong("random_mini_batches", "last duplicated")
def batches_duplicated(X, Y, mini_batch_size=64, seed=0):
    X, Y, m = _shuffled(X, Y, seed)
    batches = []
    for k in range(m // mini_batch_size + 1):
        batches.append((X[:, k * mini_batch_size : (k + 1) * mini_batch_size],
                        Y[:, k * mini_batch_size : (k + 1) * mini_batch_size]))  # fmt: skip
    if m % mini_batch_size != 0:
        batches.append((X[:, (m // mini_batch_size) * mini_batch_size :],
                        Y[:, (m // mini_batch_size) * mini_batch_size :]))  # fmt: skip
    return [b for b in batches if b[0].shape[1] > 0]


@wrong("random_mini_batches", "not shuffled")
def batches_in_order(X, Y, mini_batch_size=64, seed=0):
    m = X.shape[1]
    return [(X[:, k : k + mini_batch_size], Y[:, k : k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]  # fmt: skip


# ---- momentum ---------------------------------------------------------------------------------


@wrong("initialize_velocity", "starts at W")
def velocity_from_w(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = parameters["W" + str(l)].copy()
        v["db" + str(l)] = parameters["b" + str(l)].copy()
    return v


@wrong("update_parameters_with_momentum", "no 1 - beta")
def momentum_no_one_minus_beta(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + grads["dW" + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


@wrong("update_parameters_with_momentum", "W with dW")
def momentum_steps_with_gradient(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters, v


@wrong("update_parameters_with_momentum", "beta swapped")
def momentum_swapped(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in "Wb":
            key = p + str(l)
            v["d" + key] = (1 - beta) * v["d" + key] + beta * grads["d" + key]
            parameters[key] = parameters[key] - learning_rate * v["d" + key]
    return parameters, v


@wrong("update_parameters_with_momentum", "in place")
def momentum_in_place(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in "Wb":
            key = p + str(l)
            v["d" + key] = beta * v["d" + key] + (1 - beta) * grads["d" + key]
            parameters[key] -= learning_rate * v["d" + key]
    return parameters, v


# ---- the course-style correct solutions -------------------------------------------------------

CORRECT = {}


def correct(function):
    CORRECT[function.__name__] = function
    return function


@correct
def sigmoid(Z):
    A = 1 / (1 + np.exp(-Z))
    cache = Z
    return A, cache


@correct
def relu(Z):
    A = np.maximum(0, Z)
    assert A.shape == Z.shape
    cache = Z
    return A, cache


@correct
def tanh(Z):
    return np.tanh(Z), Z


@correct
def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    dZ = dA * s * (1 - s)
    assert dZ.shape == Z.shape
    return dZ


@correct
def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    assert dZ.shape == Z.shape
    return dZ


@correct
def tanh_backward(dA, cache):
    return dA * (1 - np.tanh(cache) ** 2)


@correct
def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    cache = (A, W, b)
    return Z, cache


@correct
def linear_activation_forward(A_prev, W, b, activation):
    if activation == "sigmoid":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)
    elif activation == "relu":
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)
    else:
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = tanh(Z)
    cache = (linear_cache, activation_cache)
    return A, cache


@correct
def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A_prev = A
        A, cache = linear_activation_forward(
            A_prev, parameters["W" + str(l)], parameters["b" + str(l)], activation="relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], activation="sigmoid"
    )
    caches.append(cache)
    return AL, caches


@correct
def compute_cost(AL, Y):
    m = Y.shape[1]
    AL = np.clip(AL, 1e-15, 1 - 1e-15)
    cost = -1 / m * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    cost = np.squeeze(cost)
    return cost


@correct
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


@correct
def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache)
    else:
        dZ = tanh_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


@correct
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dAL, current_cache, "sigmoid")
    grads["dA" + str(L - 1)] = dA_prev_temp
    grads["dW" + str(L)] = dW_temp
    grads["db" + str(L)] = db_temp
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(
            grads["dA" + str(l + 1)], current_cache, "relu"
        )
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


@correct
def update_parameters(params, grads, learning_rate):
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = (
            parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        )
        parameters["b" + str(l + 1)] = (
            parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
        )
    return parameters


@correct
def initialize_parameters_lecun(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(1 / n_prev))


@correct
def initialize_parameters_he(layers_dims, seed=3):
    np.random.seed(seed)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(
            2.0 / layers_dims[l - 1]
        )
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


@correct
def initialize_parameters_glorot(layers_dims, seed=3):
    return _init(layers_dims, seed, lambda n_prev, n: np.sqrt(2 / (n_prev + n)))


@correct
def normalize(X_train, X_test):
    mu = np.mean(X_train, axis=1, keepdims=True)
    sigma = np.std(X_train, axis=1, keepdims=True)
    return (X_train - mu) / sigma, (X_test - mu) / sigma


@correct
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = m // mini_batch_size
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size : (k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size : (k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size :]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size :]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


@correct
def initialize_velocity(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


@correct
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]
        v["db" + str(l)] = beta * v["db" + str(l)] + (1 - beta) * grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v
