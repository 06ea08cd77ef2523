"""The L-layer fully connected network: forward with caches, backward by the chain rule.

Samples are rows. For a batch X of shape (m, n_0), with A[0] = X and the lecture's W[l] of shape
(n_l, n_{l-1}):

    forward    Z[l] = A[l-1] W[l]^T + b[l]          A[l] = g[l](Z[l])
    output     dZ[L] = A[L] - Y                     (sigmoid + cross-entropy, softmax +
                                                     categorical cross-entropy, identity + MSE)
    backward   dW[l] = (1/m) dZ[l]^T A[l-1]         db[l] = (1/m) sum_i dZ[l]_i
               dA[l-1] = dZ[l] W[l]                 dZ[l-1] = dA[l-1] * g'[l-1](Z[l-1])

These are the lecture's column-vector formulas (dW[l] = (1/m) dZ[l] A[l-1]^T) transposed: a row
of X here is a column of X there. No gradient is computed for the input X.

Beyond the lecture, four options regularize and normalize. L2 regularization (``l2``: the cost
gains (lambda / 2m) sum_l ||W[l]||^2 and dW[l] gains (lambda / m) W[l]) and L1 regularization
(``l1``: the cost gains (lambda1 / m) sum_l sum_jk |W[l]_jk| and dW[l] gains
(lambda1 / m) sign(W[l]), with sign(0) = 0, the subgradient that leaves a zero weight at zero)
act on the weights of every layer and combine by adding; inverted dropout (``dropout``: the
probability of dropping a hidden unit while training) and batch normalization (``batch_norm``:
Z is normalized over the batch, then scaled by gamma and shifted by beta) act on the hidden
layers. L2 shrinks every weight in proportion to its size; L1 pulls each one towards zero by the
same step, which drives the weights that matter little to exactly zero (a sparse network).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from . import activations, engine, initializers
from .activations import Activation
from .errors import GlassnetError
from .losses import FOR_OUTPUT, Loss
from .validation import check_fraction, check_layer_sizes, check_targets, check_X


@dataclass
class BatchNorm:
    """Batch normalization (Ioffe and Szegedy 2015) of a layer's Z, unit by unit:

        mu = mean_i Z_i    var = mean_i (Z_i - mu)^2    Z_norm = (Z - mu) / sqrt(var + epsilon)
        Z_tilde = gamma Z_norm + beta

    Training uses the batch's mu and var and updates the running averages
    running = momentum running + (1 - momentum) batch; prediction uses the running averages.
    Backward, with dZ~ the per-sample error and means over the batch:

        dgamma = mean(dZ~ Z_norm)    dbeta = mean(dZ~)
        dZ = (gamma / sqrt(var + eps)) (dZ~ - mean(dZ~) - Z_norm mean(dZ~ Z_norm))
    """

    gamma: np.ndarray
    beta: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    momentum: float = 0.9
    epsilon: float = 1e-5
    Z_norm: np.ndarray | None = field(default=None, repr=False)
    inv_std: np.ndarray | None = field(default=None, repr=False)
    dgamma: np.ndarray | None = field(default=None, repr=False)
    dbeta: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of_size(cls, n: int, dtype) -> BatchNorm:
        one, zero = np.ones(n, dtype=dtype), np.zeros(n, dtype=dtype)
        return cls(one, zero.copy(), zero.copy(), one.copy())

    def forward(self, Z: np.ndarray, training: bool) -> np.ndarray:
        if training:
            mu, var = Z.mean(axis=0), Z.var(axis=0)
            self.running_mean *= self.momentum
            self.running_mean += (1 - self.momentum) * mu
            self.running_var *= self.momentum
            self.running_var += (1 - self.momentum) * var
        else:
            mu, var = self.running_mean, self.running_var
        self.inv_std = 1.0 / np.sqrt(var + self.epsilon)
        self.Z_norm = (Z - mu) * self.inv_std
        return self.gamma * self.Z_norm + self.beta

    def apply(self, Z: np.ndarray) -> np.ndarray:
        """gamma (Z - running_mean) / sqrt(running_var + epsilon) + beta, keeping nothing: the
        prediction-mode forward of a pass that leaves the layer untouched."""
        dtype = Z.dtype
        inv_std = (1.0 / np.sqrt(self.running_var + self.epsilon)).astype(dtype, copy=False)
        Z_norm = (Z - self.running_mean.astype(dtype, copy=False)) * inv_std
        return self.gamma.astype(dtype, copy=False) * Z_norm + self.beta.astype(dtype, copy=False)

    def backward(self, dZ_tilde: np.ndarray) -> np.ndarray:
        self.dgamma = (dZ_tilde * self.Z_norm).mean(axis=0)
        self.dbeta = dZ_tilde.mean(axis=0)
        return (self.gamma * self.inv_std) * (dZ_tilde - self.dbeta - self.Z_norm * self.dgamma)

    def copy(self, dtype) -> BatchNorm:
        return BatchNorm(
            *(
                a.astype(dtype)
                for a in (self.gamma, self.beta, self.running_mean, self.running_var)
            ),
            momentum=self.momentum,
            epsilon=self.epsilon,
        )


@dataclass
class Dense:
    """One layer: parameters W (n_out, n_in) and b (n_out,), and the caches of the last pass.

    After ``forward``: ``A_prev`` (its input), ``Z`` and ``A`` = g(Z) (before any dropout; the
    next layer's ``A_prev`` is the dropped-out version). After ``backward``: ``dZ``, ``dW``, ``db``.
    ``norm`` is the layer's BatchNorm, if any; ``mask`` its last dropout mask, if any.
    """

    W: np.ndarray
    b: np.ndarray
    activation: Activation
    norm: BatchNorm | None = None
    A_prev: np.ndarray | None = field(default=None, repr=False)
    Z: np.ndarray | None = field(default=None, repr=False)
    A: np.ndarray | None = field(default=None, repr=False)
    mask: np.ndarray | None = field(default=None, repr=False)
    dZ: np.ndarray | None = field(default=None, repr=False)
    dW: np.ndarray | None = field(default=None, repr=False)
    db: np.ndarray | None = field(default=None, repr=False)

    def parameters(self) -> tuple[np.ndarray, ...]:
        """(W, b), or (W, b, gamma, beta) with batch normalization."""
        if self.norm is None:
            return (self.W, self.b)
        return (self.W, self.b, self.norm.gamma, self.norm.beta)

    def gradients(self) -> tuple[np.ndarray, ...]:
        """The gradients of ``parameters()``, in the same order."""
        if self.norm is None:
            return (self.dW, self.db)
        return (self.dW, self.db, self.norm.dgamma, self.norm.dbeta)

    def forward(self, A_prev: np.ndarray, training: bool = False) -> np.ndarray:
        """Z = A_prev W^T + b, A = g(Z) (or g(BN(Z))); all kept."""
        self.A_prev = A_prev
        self.Z = A_prev @ self.W.T + self.b
        Z = self.Z if self.norm is None else self.norm.forward(self.Z, training)
        self.A = self.activation.forward(Z)
        return self.A

    def apply(self, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Z, A) of ``forward`` in prediction mode, computed in A_prev's dtype and kept nowhere,
        so that the layer is left untouched."""
        dtype = A_prev.dtype
        Z = A_prev @ self.W.T.astype(dtype, copy=False) + self.b.astype(dtype, copy=False)
        return Z, self.activation.forward(Z if self.norm is None else self.norm.apply(Z))

    def backward(self, dZ: np.ndarray) -> None:
        """dW = (1/m) dZ^T A_prev, db = (1/m) sum_i dZ_i; all three kept.

        With batch normalization the incoming error is that of Z~ and goes through BN first.
        """
        if self.norm is not None:
            dZ = self.norm.backward(dZ)
        m = dZ.shape[0]
        self.dZ = dZ
        self.dW = (dZ.T @ self.A_prev) / m
        self.db = dZ.sum(axis=0) / m


class Network:
    """An L-layer fully connected network, e.g. ``Network([12288, 20, 7, 5, 1])``.

    ``sizes`` are the units per layer, input first. ``hidden`` is the activation of every hidden
    layer, ``output`` that of the last layer: "sigmoid" for binary classification with
    cross-entropy, "softmax" for several classes with categorical cross-entropy, "identity" for
    regression with mean squared error. ``init`` names the initializer ("auto": he for ReLU, lecun
    otherwise). ``seed`` fixes the initial weights and the dropout masks. ``l2`` and ``l1`` penalize
    the weights, ``dropout`` and ``batch_norm`` regularize and normalize the hidden layers (see
    the module docstring).
    """

    def __init__(
        self,
        sizes: list[int],
        hidden: str | Activation = "relu",
        output: str | Activation = "sigmoid",
        init: str | initializers.Initializer = "auto",
        seed: int | None = None,
        dtype=np.float32,
        l2: float = 0.0,
        dropout: float = 0.0,
        batch_norm: bool = False,
        l1: float = 0.0,
    ) -> None:
        self.sizes = check_layer_sizes(sizes)
        self.hidden = activations.get(hidden)
        self.output = activations.get(output)
        if self.output.name not in FOR_OUTPUT:
            raise GlassnetError(
                f"output activation {self.output.name!r} has no matching loss; "
                f"choose one of: {', '.join(sorted(FOR_OUTPUT))}"
            )
        if self.hidden.name == "softmax":
            raise GlassnetError("softmax can only be the output activation, not a hidden one")
        if self.output.name == "softmax" and self.sizes[-1] < 2:
            raise GlassnetError("a softmax output needs at least 2 units (one per class)")
        self.loss: Loss = FOR_OUTPUT[self.output.name]
        self.init = initializers.get(init, self.hidden.name)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise GlassnetError(f"dtype must be float32 or float64, got {self.dtype}")
        for name, value in (("l2", l2), ("l1", l1)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise GlassnetError(f"{name} must be a number >= 0, got {value!r}")
        self.l2 = float(l2)
        self.l1 = float(l1)
        self.dropout = check_fraction(dropout, "dropout")
        self.batch_norm = bool(batch_norm)
        self.seed = seed
        rng = np.random.default_rng(seed)
        L = len(self.sizes) - 1
        self.layers: list[Dense] = []
        for l in range(1, L + 1):
            n_in, n_out = self.sizes[l - 1], self.sizes[l]
            W = self.init(n_in, n_out, rng, self.dtype)
            b = np.zeros(n_out, dtype=self.dtype)
            last = l == L
            norm = BatchNorm.of_size(n_out, self.dtype) if batch_norm and not last else None
            self.layers.append(Dense(W, b, self.output if last else self.hidden, norm))
        self.dropout_rng = rng  # the dropout masks' generator (seeded by ``seed``)

    # ---- structure -------------------------------------------------------------------------

    @property
    def n_features(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    @property
    def is_plain(self) -> bool:
        """True for the lecture's network: no L2, L1, dropout or batch normalization, and a
        sigmoid or identity output (the fused engine runs every network, plain or not)."""
        extras = self.l2 or self.l1 or self.dropout or self.batch_norm
        return not extras and self.output.name in ("sigmoid", "identity")

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...] (with gamma, beta after b for batch-normalized layers): the
        arrays an optimizer updates in place."""
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last backward pass, in the order of ``parameters()``."""
        return [g for layer in self.layers for g in layer.gradients()]

    def buffers(self) -> list[np.ndarray]:
        """State that training changes but no optimizer updates: batch normalization's running
        mean and variance, [running_mean1, running_var1, ...] (empty without batch norm)."""
        return [
            a
            for layer in self.layers
            if layer.norm is not None
            for a in (layer.norm.running_mean, layer.norm.running_var)
        ]

    def config(self) -> dict:
        """The architecture as plain JSON-able data (weights are kept apart)."""
        return {
            "sizes": list(self.sizes),
            "hidden": self.hidden.name,
            "output": self.output.name,
            "init": self.init.name,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "l2": self.l2,
            "l1": self.l1,
            "dropout": self.dropout,
            "batch_norm": self.batch_norm,
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
            l2=config.get("l2", 0.0),
            dropout=config.get("dropout", 0.0),
            batch_norm=config.get("batch_norm", False),
            l1=config.get("l1", 0.0),
        )

    def copy(self, dtype=None) -> Network:
        """An independent copy, converted to ``dtype`` when given (e.g. float64 for checking)."""
        clone = Network.__new__(Network)
        clone.__dict__.update(self.__dict__)
        clone.dtype = self.dtype if dtype is None else np.dtype(dtype)
        clone.layers = [
            Dense(
                layer.W.astype(clone.dtype),
                layer.b.astype(clone.dtype),
                layer.activation,
                None if layer.norm is None else layer.norm.copy(clone.dtype),
            )
            for layer in self.layers
        ]
        clone.dropout_rng = copy.deepcopy(self.dropout_rng)
        return clone

    def __repr__(self) -> str:
        extras = "".join(
            f", {k}={v!r}"
            for k, v in (
                ("l2", self.l2),
                ("l1", self.l1),
                ("dropout", self.dropout),
                ("batch_norm", self.batch_norm),
            )
            if v
        )
        return (
            f"Network({self.sizes}, hidden={self.hidden.name!r}, output={self.output.name!r}, "
            f"init={self.init.name!r}, dtype={self.dtype.name}{extras})"
        )

    # ---- public computations on raw input: validate once, then compute -------------------

    def forward(self, X, training: bool = False) -> np.ndarray:
        """A[L] for a batch X of shape (m, n_0); every layer keeps its Z and A. Prediction mode
        by default (no dropout, batch norm's running averages); ``training=True`` draws dropout
        masks and uses (and updates) the batch statistics, as a training step does."""
        return self.propagate(self.check_X(X), training)

    def cost(self, X, y) -> float:
        """J = (1/m) sum_i L(i) (+ the L2 and L1 terms) at the current weights, in prediction
        mode."""
        return self.batch_cost(*self.check_data(X, y))

    def cost_and_gradients(self, X, y) -> tuple[float, list[tuple[np.ndarray, ...]]]:
        """J and [(dW[1], db[1]), ..., (dW[L], db[L])] by backpropagation, in training mode
        (batch-normalized layers add their dgamma, dbeta to their tuple)."""
        return self.backprop(*self.check_data(X, y))

    def logits(self, X, dtype=None) -> np.ndarray:
        """Z[L] for a batch X in prediction mode, keeping no cache: the network is left untouched,
        so several threads may predict with it at once. Computed in ``dtype`` (default: the
        network's; scikit-learn's estimators predict float64 input in float64), by the compiled
        forward pass when that is the network's dtype and the engine covers the network."""
        if dtype is None or np.dtype(dtype) == self.dtype:
            Z = engine.compiled(self, X, logits=True)
            if Z is not None:
                return Z
        X = check_X(X, n_features=self.n_features, dtype=dtype or self.dtype)
        Z = A = X
        for layer in self.layers:
            Z, A = layer.apply(A)
        return Z

    def outputs(self, X) -> np.ndarray:
        """A[L] for a batch X, shape (m, n_L), in prediction mode, computed by the fastest engine
        without keeping the layer caches (``glassnet.engine.forward``)."""
        return engine.forward(self, X)

    def predict_proba(self, X) -> np.ndarray:
        """P(class 1 | x) for a sigmoid output: shape (m,), or (m, n_L) for several units;
        P(class k | x) for a softmax output: shape (m, K). Computed by the fastest engine
        without keeping the layer caches (``glassnet.engine.forward``)."""
        return engine.predict_proba(self, X)

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        """Class labels: 1 where P(class 1) > ``threshold`` (sigmoid), the most probable class
        (softmax); the output A itself for an identity output (regression)."""
        if self.output.name == "softmax":
            return engine.forward(self, X).argmax(axis=1)
        if self.output.name != "sigmoid":
            return self.predict_proba(X)
        return (self.predict_proba(X) > threshold).astype(np.int64)

    def scale_output(self, mean, std) -> None:
        """Make an identity output that predicts y' = (y - mean) / std predict y itself.

        The last layer is affine: a = A[L-1] W[L]^T + b[L] predicts y', so
        std a + mean = A[L-1] (std W[L])^T + (std b[L] + mean): W[L] <- std W[L] (row by row, one
        std per output unit), b[L] <- std b[L] + mean, computed in float64.
        """
        if self.output.name != "identity":
            raise GlassnetError("only an identity (regression) output can absorb a target scaling")
        last = self.layers[-1]
        mean = np.broadcast_to(np.asarray(mean, np.float64), last.b.shape)
        std = np.broadcast_to(np.asarray(std, np.float64), last.b.shape)
        last.W[...] = std[:, None] * last.W.astype(np.float64)
        last.b[...] = std * last.b.astype(np.float64) + mean

    # ---- the contract with engines and front ends: checked inputs, no validation ----------
    # check_X / check_targets / check_data validate at the boundary; propagate, batch_cost,
    # backprop and backward trust what they are given (C-contiguous arrays of the network's
    # dtype, targets of shape (m, n_L)), so that a training step validates nothing.

    def check_X(self, X, name: str = "X") -> np.ndarray:
        """X as a finite C-contiguous (m, n_0) array of the network's dtype, or a GlassnetError."""
        return check_X(X, n_features=self.n_features, dtype=self.dtype, name=name)

    def check_targets(self, y, m: int, name: str = "y") -> np.ndarray:
        """y as the (m, n_L) targets the loss expects (0/1, one-hot rows, or numbers)."""
        Y = check_targets(y, m, self.n_outputs, kind=self.loss.targets, name=name)
        return Y.astype(self.dtype, copy=False)

    def check_data(self, X, y, names: tuple[str, str] = ("X", "y")):
        """(X, Y) checked together: ``check_X`` and ``check_targets`` with the same m."""
        X = self.check_X(X, names[0])
        return X, self.check_targets(y, X.shape[0], names[1])

    def propagate(self, X: np.ndarray, training: bool = False, reuse_masks: bool = False):
        """The forward pass on checked X, keeping every layer's caches. ``training`` turns on
        dropout and batch statistics; ``reuse_masks`` keeps the last dropout masks (for
        finite-difference checks of a training pass)."""
        A = X
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            A = layer.forward(A, training)
            if training and self.dropout and l < last:
                keep = 1.0 - self.dropout
                if not reuse_masks or layer.mask is None or layer.mask.shape != A.shape:
                    layer.mask = (self.dropout_rng.random(A.shape) < keep).astype(self.dtype)
                A = A * layer.mask / keep  # inverted dropout: E[A] is unchanged
        return A

    def penalty(self, m: int) -> float:
        """The weights' terms of the cost of a batch of m samples, summed in float64:
        L2 (lambda / 2m) sum_l ||W[l]||^2 plus L1 (lambda1 / m) sum_l sum_jk |W[l]_jk|."""
        J, Ws = 0.0, [layer.W for layer in self.layers]
        if self.l2:
            J += self.l2 / (2 * m) * sum(float(np.square(W, dtype=np.float64).sum()) for W in Ws)
        if self.l1:
            J += self.l1 / m * sum(float(np.abs(W).sum(dtype=np.float64)) for W in Ws)
        return J

    def batch_cost(self, X: np.ndarray, Y: np.ndarray, training: bool = False) -> float:
        """J of checked (X, Y); in training mode with the last dropout masks reused."""
        A = self.propagate(X, training, reuse_masks=training)
        return self.loss.cost(self.layers[-1].Z, A, Y) + self.penalty(X.shape[0])

    def backward(self, dZ: np.ndarray, penalize: bool = True) -> list[tuple[np.ndarray, ...]]:
        """Backpropagate the output error dZ[L] through the cached Z and A of every layer; the
        penalties add dW[l] += (lambda / m) W[l] (L2) and (lambda1 / m) sign(W[l]) (L1)
        (``penalize=False``: the data's gradient alone, ``add_penalty`` adds them later)."""
        m = dZ.shape[0]
        keep = 1.0 - self.dropout
        for l in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[l]
            layer.backward(dZ)
            if penalize:
                self.add_penalty(layer.dW, layer.W, m)
            if l > 0:  # dA[l-1] = dZ[l] W[l], then dZ[l-1] = dA[l-1] * g'(Z[l-1])
                below = self.layers[l - 1]
                dA = layer.dZ @ layer.W
                if below.mask is not None and self.dropout:
                    dA = dA * below.mask / keep
                dZ = below.activation.backward(dA, below.A)
        return [layer.gradients() for layer in self.layers]

    def add_penalty(self, dW: np.ndarray, W: np.ndarray, m: int) -> None:
        """dW += (lambda / m) W (L2) + (lambda1 / m) sign(W) (L1), in place, for a batch of m."""
        if self.l2:
            dW += (self.l2 / m) * W
        if self.l1:  # sign(0) = 0: the subgradient that keeps a zero weight at zero
            dW += (self.l1 / m) * np.sign(W)

    def backprop(self, X: np.ndarray, Y: np.ndarray, penalize: bool = True):
        """One training step's J and gradients on checked (X, Y): forward in training mode,
        dZ[L] = A[L] - Y, then ``backward`` (``penalize=False``: J and the gradients of the
        data alone, without the L2 and L1 terms, as a data-parallel shard needs them)."""
        A = self.propagate(X, training=True)
        J = self.loss.cost(self.layers[-1].Z, A, Y)
        if penalize:
            J += self.penalty(X.shape[0])
        return J, self.backward(self.loss.output_delta(A, Y), penalize)

    def _repr_html_(self) -> str:
        """The layers as an HTML table, for a notebook: the shapes of W[l], b[l], Z[l] and A[l]
        for a batch of m rows (rows are samples: the lecture's Z[l] is (n_l, m), this one
        transposed), the activation, the initializer and the parameter count, and after a
        forward pass (its m filled in) the mean and standard deviation of each A[l]."""
        from html import escape

        caches = [layer.A for layer in self.layers]
        seen = all(A is not None for A in caches)
        m = str(caches[-1].shape[0]) if seen else "m"
        head = ["l", "W[l]", "b[l]", "Z[l], A[l]", "activation", "initializer", "parameters"]
        head += ["mean A[l]", "std A[l]"] if seen else []
        rows = [f"<tr><td>0 (input)</td><td></td><td></td><td>({m}, {self.sizes[0]})</td>"
                + "<td></td>" * (len(head) - 4) + "</tr>"]  # fmt: skip
        for l, layer in enumerate(self.layers, start=1):
            n_out, n_in = layer.W.shape
            cells = [
                str(l), f"({n_out}, {n_in})", f"({n_out},)", f"({m}, {n_out})",
                escape(layer.activation.name) + (" + batch norm" if layer.norm else ""),
                escape(self.init.name), f"{sum(p.size for p in layer.parameters()):,}",
            ]  # fmt: skip
            if seen:
                A = layer.A.astype(np.float64)
                cells += [f"{A.mean():.4g}", f"{A.std():.4g}"]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        extras = ", ".join(
            f"{k} {v}" for k, v in (("l2", self.l2), ("l1", self.l1), ("dropout", self.dropout))
            if v
        )  # fmt: skip
        caption = (
            f"Network {self.sizes}: {len(self.layers)} layers, {self.n_parameters:,} "
            f"parameters, {self.dtype.name}, loss {self.loss.name}"
            + (f", {extras}" if extras else "")
            + ("" if seen else "; statistics of A[l] after a forward pass")
        )
        return (
            f'<table class="glassnet-network"><caption>{escape(caption)}</caption><thead><tr>'
            + "".join(f"<th>{h}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
