"""The systems compared: glassnet's two engines and the peers, each training one workload.

Each system has ``train(workload, X, y, epochs) -> list[float]``, the wall seconds of each epoch
(the first one is the warm-up, compilation included), and ``predictor(workload) -> f`` with
f(X) = P(y = 1 | X) for W5. All train the same network: He-initialised ReLU layers, the
workload's output and loss (sigmoid + binary cross-entropy, softmax + cross-entropy, identity +
MSE) and optimizer (momentum SGD in the EMA form, or Adam), a new permutation every epoch.
Peers are imported only when used; ``missing()`` says why a system cannot run here, and
``unsupported(workload)`` why it does not run that workload.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np

from .workloads import BETA, LR, Workload


def _missing(*modules: str) -> str | None:
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    return f"not installed: {', '.join(absent)}" if absent else None


def _he(sizes, seed=0):
    """Ws (n_out, n_in) ~ N(0, 2 / n_in) in float32 and zero biases, for the hand-written peers."""
    rng = np.random.default_rng(seed)
    Ws = [
        (rng.standard_normal((b, a)) * np.sqrt(2.0 / a)).astype(np.float32)
        for a, b in zip(sizes, sizes[1:])
    ]
    return Ws, [np.zeros(b, np.float32) for b in sizes[1:]]


class System:
    name = ""
    note = ""
    modules: tuple[str, ...] = ()
    trains = True  # False: an inference runtime, in W5 only

    def missing(self) -> str | None:
        return _missing(*self.modules)

    def unsupported(self, workload: Workload) -> str | None:
        """Why this system does not train ``workload`` (None when it does)."""
        if not self.trains:
            return "inference only"
        return None if workload.peers else "glassnet only"

    def train(self, workload: Workload, X, y, epochs: int) -> list[float]:
        raise NotImplementedError

    def predictor(self, workload: Workload):
        raise NotImplementedError


class Glassnet(System):
    """gn.train with one engine; per-epoch times from History.seconds (after input validation)."""

    modules = ("glassnet",)

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.name = f"glassnet {engine}"
        if engine == "numba":
            self.modules = ("glassnet", "numba", "scipy")

    def unsupported(self, workload):
        return None

    def train(self, workload, X, y, epochs):
        import glassnet as gn

        net = gn.Network(list(workload.sizes), output=workload.output, seed=0,
                         dtype=workload.dtype, dropout=workload.dropout)  # fmt: skip
        if workload.optimizer == "adam":
            optimizer = gn.Adam(lr=workload.lr)
        elif workload.optimizer == "gd":
            optimizer = gn.GradientDescent(lr=workload.lr)
        else:
            optimizer = gn.Momentum(lr=LR, beta=BETA)
        history = gn.train(
            net,
            X,
            y,
            optimizer,
            epochs=epochs,
            batch_size=workload.batch_size,
            shuffle=workload.shuffle,
            seed=0,
            engine=self.engine,
        )
        return list(np.diff([0.0, *history.seconds]))

    def predictor(self, workload):
        import glassnet as gn

        net = gn.Network(list(workload.sizes), seed=0, dtype=np.float32)
        if self.engine == "numba":  # the fused forward pass, what predict_proba runs
            return net.predict_proba
        return lambda X: net.forward(X)[:, 0]  # Network's own NumPy forward pass


class TextbookNumpy(System):
    """The loop a course writes: X[idx] copies, @, fresh arrays for every intermediate; on one
    batch of the whole set (W0) the course's loop itself: the rows in their order, no copy."""

    name = "textbook NumPy"

    def unsupported(self, workload):
        if workload.output != "sigmoid" or workload.optimizer not in ("momentum", "gd"):
            return "written for W0-W4 only (sigmoid output, gradient descent or momentum)"
        return super().unsupported(workload)

    def train(self, workload, X, y, epochs):
        Ws, bs = _he(workload.sizes)
        Ws = [W.astype(workload.dtype) for W in Ws]
        bs = [b.astype(workload.dtype) for b in bs]
        VW = [np.zeros_like(W) for W in Ws]
        Vb = [np.zeros_like(b) for b in bs]
        Y = y.reshape(-1, 1)
        rng = np.random.default_rng(0)
        m, size, L = X.shape[0], workload.batch_size, len(Ws)
        lr, momentum = workload.lr, workload.optimizer == "momentum"
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = rng.permutation(m) if workload.shuffle else None
            for s in range(0, m, size):
                if order is None:
                    A, Yb = X[s : s + size], Y[s : s + size]
                else:
                    idx = order[s : s + size]
                    A, Yb = X[idx], Y[idx]
                cache = [A]
                for l in range(L):
                    Z = A @ Ws[l].T + bs[l]
                    A = np.maximum(Z, 0) if l < L - 1 else 1 / (1 + np.exp(-Z))
                    cache.append(A)
                dZ = A - Yb
                for l in range(L - 1, -1, -1):
                    dW = dZ.T @ cache[l] / len(A)
                    db = dZ.sum(axis=0) / len(A)
                    if l > 0:
                        dZ = (dZ @ Ws[l]) * (cache[l] > 0)
                    if momentum:
                        VW[l] = BETA * VW[l] + (1 - BETA) * dW
                        Vb[l] = BETA * Vb[l] + (1 - BETA) * db
                        dW, db = VW[l], Vb[l]
                    Ws[l] -= lr * dW
                    bs[l] -= lr * db
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        Ws, bs = _he(workload.sizes)

        def predict(X):
            A = X
            for l in range(len(Ws)):
                Z = A @ Ws[l].T + bs[l]
                A = np.maximum(Z, 0) if l < len(Ws) - 1 else 1 / (1 + np.exp(-Z))
            return A[:, 0]

        return predict


class TorchEager(System):
    """nn.Sequential with BCEWithLogitsLoss, CrossEntropyLoss or MSELoss; SGD(momentum=0.9,
    dampening=0.9) (the EMA form), SGD (gradient descent) or Adam."""

    name = "PyTorch eager"
    modules = ("torch",)

    def _model(self, workload):
        import torch

        torch.manual_seed(0)
        layers = []
        for a, b in zip(workload.sizes, workload.sizes[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        return torch.nn.Sequential(*layers[:-1])

    def train(self, workload, X, y, epochs):
        import torch

        model = self._model(workload).to(getattr(torch, workload.dtype))
        if workload.optimizer == "adam":
            opt = torch.optim.Adam(model.parameters(), lr=workload.lr)
        elif workload.optimizer == "gd":
            opt = torch.optim.SGD(model.parameters(), lr=workload.lr)
        else:  # dampening = momentum: buf = 0.9 buf + 0.1 g (torch starts buf at g, not 0.1 g)
            opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=BETA, dampening=BETA)
        Xt = torch.from_numpy(X)
        if workload.output == "softmax":
            loss_fn, Yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(y)
        elif workload.output == "identity":
            loss_fn, Yt = torch.nn.MSELoss(), torch.from_numpy(y.reshape(-1, 1))
        else:
            loss_fn, Yt = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(y.reshape(-1, 1))
        generator = torch.Generator().manual_seed(0)
        m, size = X.shape[0], workload.batch_size
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(m, generator=generator) if workload.shuffle else None
            for s in range(0, m, size):
                idx = slice(s, s + size) if order is None else order[s : s + size]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[idx]), Yt[idx])
                loss.backward()
                opt.step()
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        import torch

        model = self._model(workload).eval()

        def predict(X):
            with torch.inference_mode():
                return torch.sigmoid(model(torch.from_numpy(X)))[:, 0].numpy()

        return predict


ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON = 0.9, 0.999, 1e-8


def _jax_functions(workload):
    """forward, step(params, state, X, Y) -> (params, state, J), params and the optimizer's
    state: the velocities for momentum, (M, S, t) for Adam, written out."""
    import jax
    import jax.numpy as jnp

    def forward(params, X):
        A = X
        for W, b in params[:-1]:
            A = jax.nn.relu(A @ W + b)
        W, b = params[-1]
        return A @ W + b

    def cost(params, X, Y):
        Z = forward(params, X)
        if workload.output == "softmax":  # Y one-hot
            return jnp.mean(jax.nn.logsumexp(Z, axis=1) - jnp.sum(Z * Y, axis=1))
        if workload.output == "identity":
            return 0.5 * jnp.mean(jnp.sum((Z - Y) ** 2, axis=1))
        return jnp.mean(jnp.maximum(Z, 0) - Z * Y + jnp.log1p(jnp.exp(-jnp.abs(Z))))

    tree_map = jax.tree_util.tree_map

    def momentum_step(params, velocities, X, Y):
        J, grads = jax.value_and_grad(cost)(params, X, Y)
        velocities = tree_map(lambda v, g: BETA * v + (1 - BETA) * g, velocities, grads)
        params = tree_map(lambda p, v: p - LR * v, params, velocities)
        return params, velocities, J

    def gd_step(params, state, X, Y):
        J, grads = jax.value_and_grad(cost)(params, X, Y)
        return tree_map(lambda p, g: p - workload.lr * g, params, grads), state, J

    def adam_step(params, state, X, Y):
        M, S, t = state
        J, grads = jax.value_and_grad(cost)(params, X, Y)
        t = t + 1
        M = tree_map(lambda m, g: ADAM_BETA1 * m + (1 - ADAM_BETA1) * g, M, grads)
        S = tree_map(lambda s, g: ADAM_BETA2 * s + (1 - ADAM_BETA2) * g * g, S, grads)
        c1, c2 = 1 - ADAM_BETA1**t, 1 - ADAM_BETA2**t
        params = tree_map(
            lambda p, m, s: p - workload.lr * (m / c1) / (jnp.sqrt(s / c2) + ADAM_EPSILON),
            params, M, S,
        )  # fmt: skip
        return params, (M, S, t), J

    Ws, bs = _he(workload.sizes)
    params = [
        (jnp.asarray(W.T.astype(workload.dtype)), jnp.asarray(b.astype(workload.dtype)))
        for W, b in zip(Ws, bs)
    ]
    zeros = tree_map(jnp.zeros_like, params)
    if workload.optimizer == "gd":
        return forward, gd_step, params, ()
    if workload.optimizer == "adam":
        return forward, adam_step, params, (zeros, tree_map(jnp.zeros_like, params), 0.0)
    return forward, momentum_step, params, zeros


def _targets(workload, y):
    """Y as the (m, n_L) array of the workload's dtype that the JAX cost takes (one-hot for
    softmax)."""
    if workload.output == "softmax":
        return np.eye(workload.sizes[-1], dtype=workload.dtype)[y]
    return y.reshape(-1, 1).astype(workload.dtype)


def _orders(workload, m: int):
    """Each epoch's row order: a new permutation (seed 0), or the rows in order (W0)."""
    rng = np.random.default_rng(0)
    while True:
        yield rng.permutation(m) if workload.shuffle else np.arange(m)


class JaxScan(System):
    """The whole epoch as one jitted lax.scan over the mini-batches (gathered inside)."""

    name = "JAX scan"
    modules = ("jax",)

    def train(self, workload, X, y, epochs):
        import jax

        with jax.enable_x64(workload.dtype == "float64"):
            return self._train(workload, X, y, epochs)

    def _train(self, workload, X, y, epochs):
        import jax
        import jax.numpy as jnp

        _, step, params, state = _jax_functions(workload)
        size = workload.batch_size

        def epoch(params, state, X, Y, order):
            def body(carry, idx):
                params, state = carry
                params, state, J = step(params, state, X[idx], Y[idx])
                return (params, state), J

            (params, state), costs = jax.lax.scan(body, (params, state), order.reshape(-1, size))
            return params, state, costs

        epoch = jax.jit(epoch, donate_argnums=(0, 1))
        Xd, Yd = jnp.asarray(X), jnp.asarray(_targets(workload, y))
        orders = _orders(workload, X.shape[0])
        m = X.shape[0] - X.shape[0] % size  # scan needs whole batches
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = jnp.asarray(next(orders)[:m].astype(np.int32))
            params, state, costs = epoch(params, state, Xd, Yd, order)
            jax.block_until_ready((params, costs))
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        import jax

        forward, _, params, _ = _jax_functions(workload)
        f = jax.jit(lambda X: jax.nn.sigmoid(forward(params, X))[:, 0])
        return lambda X: np.asarray(f(X))


class JaxStep(System):
    """A Python loop over the mini-batches calling one jitted step (gather inside the jit)."""

    name = "JAX step"
    modules = ("jax",)

    def train(self, workload, X, y, epochs):
        import jax

        with jax.enable_x64(workload.dtype == "float64"):
            return self._train(workload, X, y, epochs)

    def _train(self, workload, X, y, epochs):
        import jax
        import jax.numpy as jnp

        _, step, params, state = _jax_functions(workload)
        jstep = jax.jit(lambda p, v, X, Y, idx: step(p, v, X[idx], Y[idx]), donate_argnums=(0, 1))
        Xd, Yd = jnp.asarray(X), jnp.asarray(_targets(workload, y))
        orders = _orders(workload, X.shape[0])
        m, size = X.shape[0], workload.batch_size
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = next(orders).astype(np.int32)
            for s in range(0, m, size):
                params, state, J = jstep(params, state, Xd, Yd, order[s : s + size])
            jax.block_until_ready(params)
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        return JaxScan().predictor(workload)


class SklearnMLP(System):
    """MLPClassifier (MLPRegressor for an identity output), one partial_fit per epoch, float32
    input: solver="adam", or solver="sgd" with momentum=0.9, nesterovs_momentum=False, whose
    momentum is V = 0.9 V - lr dW, W = W + V (not the EMA form)."""

    name = "scikit-learn"
    modules = ("sklearn",)
    note = "momentum in sklearn's form V = 0.9 V - lr dW (same cost per step as the EMA form)"

    def _model(self, workload):
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        common = dict(
            hidden_layer_sizes=workload.sizes[1:-1],
            activation="relu",
            alpha=0.0,
            batch_size=workload.batch_size,
            learning_rate_init=workload.lr,
            shuffle=True,
            random_state=0,
        )
        if workload.optimizer == "adam":
            common["solver"] = "adam"
        elif workload.optimizer == "gd":
            common.update(solver="sgd", momentum=0.0, shuffle=workload.shuffle)
        else:
            common.update(solver="sgd", momentum=BETA, nesterovs_momentum=False)
        return (MLPRegressor if workload.output == "identity" else MLPClassifier)(**common)

    def train(self, workload, X, y, epochs):
        model = self._model(workload)
        classes = list(range(max(2, workload.sizes[-1])))
        times = []
        for e in range(epochs):
            start = time.perf_counter()
            if workload.output == "identity":
                model.partial_fit(X, y)
            else:
                model.partial_fit(X, y.astype(np.int64), classes=classes if e == 0 else None)
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        from .workloads import make_data

        model = self._model(workload)
        X, y = make_data(workload, samples=64)
        model.partial_fit(X, y.astype(np.int64), classes=[0, 1])
        return lambda X: model.predict_proba(X)[:, 1]


class OnnxRuntime(System):
    """The network exported by glassnet.files.onnx.to_onnx, run by an onnxruntime
    InferenceSession on as many threads as the other systems (W5 only)."""

    name = "onnxruntime"
    modules = ("onnxruntime", "onnx", "glassnet")
    trains = False

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads

    def predictor(self, workload):
        import tempfile
        from pathlib import Path

        import onnxruntime

        import glassnet as gn
        from glassnet.files.onnx import to_onnx

        net = gn.Network(list(workload.sizes), seed=0, dtype=np.float32)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        with tempfile.TemporaryDirectory() as folder:
            path = to_onnx(net, Path(folder) / "net.onnx")
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        name = session.get_inputs()[0].name
        return lambda X: session.run(None, {name: X})[0][:, 0]


SYSTEMS = [
    Glassnet("numba"),
    Glassnet("numpy"),
    TextbookNumpy(),
    TorchEager(),
    JaxScan(),
    JaxStep(),
    SklearnMLP(),
    OnnxRuntime(),
]
GLASSNET = "glassnet numba"
OWN = ("glassnet numba", "glassnet numpy")  # not peers


def estimator_fit_times(workload: Workload, X, y, epochs: int) -> dict[str, float | str]:
    """Seconds of one fit of ``epochs`` epochs: glassnet's GlassClassifier against scikit-learn's
    MLPClassifier(solver="adam"), same layers, lr, batch size; a missing one says why."""
    hidden = tuple(workload.sizes[1:-1])
    results: dict[str, float | str] = {}
    reason = _missing("glassnet", "sklearn")
    if reason:
        return {"GlassClassifier": reason, "MLPClassifier": reason}
    from sklearn.neural_network import MLPClassifier

    from glassnet.sklearn import GlassClassifier

    fits = {
        "GlassClassifier": lambda: GlassClassifier(
            hidden_layer_sizes=hidden, optimizer="adam", learning_rate=workload.lr,
            batch_size=workload.batch_size, epochs=epochs, random_state=0,
        ),
        "MLPClassifier": lambda: MLPClassifier(
            hidden_layer_sizes=hidden, solver="adam", learning_rate_init=workload.lr, alpha=0.0,
            batch_size=workload.batch_size, max_iter=epochs, n_iter_no_change=epochs + 1,
            tol=0.0, random_state=0,
        ),
    }  # fmt: skip
    import warnings

    for name, make in fits.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLPClassifier: "did not converge" after max_iter
            try:
                make().fit(X[:256], y[:256])  # warm: compilation, imports
                start = time.perf_counter()
                make().fit(X, y)
            except Exception as error:  # noqa: BLE001  (an estimator whose API moved: say so)
                results[name] = f"failed: {error}"
                continue
            results[name] = time.perf_counter() - start
    return results
