"""The L-layer fully connected network: forward with caches, backward by the chain rule.

Samples are rows. For a batch X of shape (m, n_0), with A[0] = X and the lecture's W[l] of shape
(n_l, n_{l-1}):

    forward    Z[l] = A[l-1] W[l]^T + b[l]          A[l] = g[l](Z[l])
    output     dZ[L] = A[L] - Y                     (sigmoid + cross-entropy, identity + MSE)
    backward   dW[l] = (1/m) dZ[l]^T A[l-1]         db[l] = (1/m) sum_i dZ[l]_i
               dA[l-1] = dZ[l] W[l]                 dZ[l-1] = dA[l-1] * g'[l-1](Z[l-1])

These are the lecture's column-vector formulas (dW[l] = (1/m) dZ[l] A[l-1]^T) transposed: a row
of X here is a column of X there. No gradient is computed for the input X.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from . import activations, initializers
from .activations import Activation
from .errors import GlassnetError
from .losses import FOR_OUTPUT, Loss
from .validation import check_layer_sizes, check_targets, check_X


@dataclass
class Dense:
    """One layer: parameters W (n_out, n_in) and b (n_out,), and the caches of the last pass.

    After ``forward``: ``A_prev`` (its input), ``Z`` and ``A``. After ``backward``: ``dZ``,
    ``dW`` and ``db``. All are plain arrays, there to be looked at.
    """

    W: np.ndarray
    b: np.ndarray
    activation: Activation
    A_prev: np.ndarray | None = field(default=None, repr=False)
    Z: np.ndarray | None = field(default=None, repr=False)
    A: np.ndarray | None = field(default=None, repr=False)
    dZ: np.ndarray | None = field(default=None, repr=False)
    dW: np.ndarray | None = field(default=None, repr=False)
    db: np.ndarray | None = field(default=None, repr=False)

    def forward(self, A_prev: np.ndarray) -> np.ndarray:
        """Z = A_prev W^T + b, A = g(Z); both kept."""
        self.A_prev = A_prev
        self.Z = A_prev @ self.W.T + self.b
        self.A = self.activation.forward(self.Z)
        return self.A

    def backward(self, dZ: np.ndarray) -> None:
        """dW = (1/m) dZ^T A_prev, db = (1/m) sum_i dZ_i; all three kept."""
        m = dZ.shape[0]
        self.dZ = dZ
        self.dW = (dZ.T @ self.A_prev) / m
        self.db = dZ.sum(axis=0) / m


class Network:
    """An L-layer fully connected network, e.g. ``Network([12288, 20, 7, 5, 1])``.

    ``sizes`` are the units per layer, input first. ``hidden`` is the activation of every hidden
    layer, ``output`` that of the last layer ("sigmoid" for binary classification with
    cross-entropy, "identity" with mean squared error). ``init`` names the initializer ("auto":
    he for ReLU, lecun otherwise). ``seed`` fixes the initial weights.
    """

    def __init__(
        self,
        sizes: list[int],
        hidden: str | Activation = "relu",
        output: str | Activation = "sigmoid",
        init: str | initializers.Initializer = "auto",
        seed: int | None = None,
        dtype=np.float32,
    ) -> None:
        self.sizes = check_layer_sizes(sizes)
        self.hidden = activations.get(hidden)
        self.output = activations.get(output)
        if self.output.name not in FOR_OUTPUT:
            raise GlassnetError(
                f"output activation {self.output.name!r} has no matching loss; "
                f"choose one of: {', '.join(sorted(FOR_OUTPUT))}"
            )
        self.loss: Loss = FOR_OUTPUT[self.output.name]
        self.init = initializers.get(init, self.hidden.name)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise GlassnetError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        rng = np.random.default_rng(seed)
        L = len(self.sizes) - 1
        self.layers: list[Dense] = []
        for l in range(1, L + 1):
            n_in, n_out = self.sizes[l - 1], self.sizes[l]
            W = self.init(n_in, n_out, rng, self.dtype)
            b = np.zeros(n_out, dtype=self.dtype)
            self.layers.append(Dense(W, b, self.output if l == L else self.hidden))

    # ---- structure -------------------------------------------------------------------------

    @property
    def n_features(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_parameters(self) -> int:
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...]: the arrays an optimizer updates in place."""
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def config(self) -> dict:
        """The architecture as plain JSON-able data (weights are kept apart)."""
        return {
            "sizes": list(self.sizes),
            "hidden": self.hidden.name,
            "output": self.output.name,
            "init": self.init.name,
            "dtype": self.dtype.name,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: dict) -> Network:
        return cls(
            config["sizes"],
            hidden=config["hidden"],
            output=config["output"],
            init=config.get("init", "auto"),
            seed=config.get("seed"),
            dtype=config.get("dtype", "float32"),
        )

    def copy(self, dtype=None) -> Network:
        """An independent copy, converted to ``dtype`` when given (e.g. float64 for checking)."""
        clone = copy.copy(self)
        clone.dtype = self.dtype if dtype is None else np.dtype(dtype)
        clone.layers = [
            Dense(layer.W.astype(clone.dtype), layer.b.astype(clone.dtype), layer.activation)
            for layer in self.layers
        ]
        return clone

    def __repr__(self) -> str:
        return (
            f"Network({self.sizes}, hidden={self.hidden.name!r}, output={self.output.name!r}, "
            f"init={self.init.name!r}, dtype={self.dtype.name})"
        )

    # ---- public computations: validate once, then call the trusting internals -------------

    def forward(self, X) -> np.ndarray:
        """A[L] for a batch X of shape (m, n_0); every layer keeps its Z and A."""
        return self._forward(self._check_X(X))

    def cost(self, X, y) -> float:
        """J = (1/m) sum_i L(i) at the current weights."""
        X, Y = self._check_data(X, y)
        return self._cost(X, Y)

    def cost_and_gradients(self, X, y) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """J and [(dW[1], db[1]), ..., (dW[L], db[L])] by backpropagation."""
        X, Y = self._check_data(X, y)
        return self._cost_and_gradients(X, Y)

    def predict_proba(self, X) -> np.ndarray:
        """P(class 1 | x) for a sigmoid output: shape (m,), or (m, n_L) for several units."""
        A = self.forward(X)
        return A[:, 0] if A.shape[1] == 1 else A

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        """Labels: 1 where the probability is above ``threshold`` (sigmoid), else the output A."""
        if self.output.name != "sigmoid":
            return self.predict_proba(X)
        return (self.predict_proba(X) > threshold).astype(np.int64)

    # ---- internals (inputs already checked and cast) --------------------------------------

    def _check_X(self, X) -> np.ndarray:
        return check_X(X, n_features=self.n_features, dtype=self.dtype)

    def _check_data(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_X(X)
        Y = check_targets(y, X.shape[0], self.n_outputs, binary=self.loss.name.startswith("bin"))
        return X, Y.astype(self.dtype, copy=False)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def _cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        A = self._forward(X)
        return self.loss.cost(self.layers[-1].Z, A, Y)

    def _backward(self, dZ: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Backpropagate the output error dZ[L] through the cached Z and A of every layer."""
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            layer.backward(dZ)
            if l > 0:  # dA[l-1] = dZ[l] W[l], then dZ[l-1] = dA[l-1] * g'(Z[l-1])
                below = self.layers[l - 1]
                dZ = below.activation.backward(dZ @ layer.W, below.A)
        return [(layer.dW, layer.db) for layer in self.layers]

    def _cost_and_gradients(self, X: np.ndarray, Y: np.ndarray):
        A = self._forward(X)
        J = self.loss.cost(self.layers[-1].Z, A, Y)
        return J, self._backward(self.loss.output_delta(A, Y))
