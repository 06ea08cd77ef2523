"""Checks and diagnostics: gradient checking, per-layer gradient norms, the affine collapse."""

from __future__ import annotations

import numpy as np

from .errors import GlassnetError
from .network import Network


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), the lecture's measure; 0 when both are zero."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def numerical_gradients(net: Network, X, y, epsilon: float = 3e-5) -> list[tuple]:
    """Centered differences (J(theta + eps) - J(theta - eps)) / (2 eps), one parameter at a time.

    ``net`` should be float64 (``gradient_check`` makes that copy); the network is restored.
    The cost is the training cost of ``cost_and_gradients``: batch statistics for batch
    normalization and the dropout masks of the last training pass, reused.
    """
    X, Y = net.check_data(X, y)
    result = []
    for layer in net.layers:
        pair = []
        for p in layer.parameters():
            grad = np.zeros_like(p)
            flat, flat_grad = p.reshape(-1), grad.reshape(-1)
            for i in range(flat.size):
                original = flat[i]
                flat[i] = original + epsilon
                J_plus = net.batch_cost(X, Y, training=True)
                flat[i] = original - epsilon
                J_minus = net.batch_cost(X, Y, training=True)
                flat[i] = original
                flat_grad[i] = (J_plus - J_minus) / (2 * epsilon)
            pair.append(grad)
        result.append(tuple(pair))
    return result


def gradient_errors(net: Network, X, y, epsilon: float = 3e-5) -> list[tuple[float, ...]]:
    """Per layer, (relative error of dW, relative error of db) (and of dgamma, dbeta with batch
    normalization): backprop against centered finite differences, on a float64 copy of ``net``.

    With batch normalization db is zero by construction; its entry is the gap between the two
    db measured against the size of dW."""
    net64 = net.copy(np.float64)
    _, grads = net64.cost_and_gradients(X, y)
    grads = [tuple(g.copy() for g in layer) for layer in grads]
    approx = numerical_gradients(net64, X, y, epsilon)
    errors = []
    for layer, exact, numeric in zip(net64.layers, grads, approx, strict=True):
        pair = [relative_error(g, a) for g, a in zip(exact, numeric, strict=True)]
        if layer.norm is not None:
            # db of a batch-normalized layer is zero by construction (BN subtracts the mean), so
            # both sides are rounding noise: measure their gap against the size of dW instead
            scale = np.linalg.norm(exact[0]) + np.linalg.norm(numeric[0])
            pair[1] = 0.0 if scale == 0 else float(np.linalg.norm(exact[1] - numeric[1]) / scale)
        errors.append(tuple(pair))
    return errors


def gradient_check(net: Network, X, y, epsilon: float = 3e-5) -> float:
    """The largest relative error between backprop and finite differences (float64 copy).

    Under 1e-7 means backprop is right; around 1e-3 or more means a bug.
    """
    return max(max(pair) for pair in gradient_errors(net, X, y, epsilon))


def gradient_norms(net: Network, X, y) -> np.ndarray:
    """||dW[l]|| (Frobenius) for l = 1..L: vanishing gradients shrink toward the input layer,
    exploding ones grow. It is one training pass of ``net``: the layers keep its caches (and
    with dropout or batch normalization its masks and running statistics move, as in training)."""
    _, grads = net.cost_and_gradients(X, y)  # a training pass: the layers keep its caches
    return np.array([np.linalg.norm(dW) for dW, *_ in grads])


def collapse(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """The single affine map (W, B) of a network whose hidden activations are the identity.

    Z[L] = X W^T + B with W = W[L] ... W[2] W[1] and B = W[L](...(W[2] b[1] + b[2])...) + b[L].
    With an identity output this is the whole network; with a sigmoid output the network is
    sigma(X W^T + B): logistic regression, however deep. Computed in float64.
    """
    nonlinear = [
        f"layer {l} ({layer.activation.name})"
        for l, layer in enumerate(net.layers[:-1], start=1)
        if layer.activation.name != "identity"
    ]
    if nonlinear:
        raise GlassnetError(
            "only a network with identity hidden activations collapses to one affine map; "
            f"this one has non-linear {', '.join(nonlinear)}"
        )
    W = np.eye(net.n_features)
    B = np.zeros(net.n_features)
    for layer in net.layers:
        W = layer.W.astype(np.float64) @ W
        B = layer.W.astype(np.float64) @ B + layer.b
    return W, B
