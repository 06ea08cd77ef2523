"""The systems compared: glassnet's two engines and the peers, each training one workload.

Each system has ``train(workload, X, y, epochs) -> list[float]``, the wall seconds of each epoch
(the first one is the warm-up, compilation included), and ``predictor(workload) -> f`` with
f(X) = P(y = 1 | X) for W5. All train the same network: He-initialised ReLU layers, a sigmoid
output with binary cross-entropy, mini-batch momentum SGD, a new permutation every epoch.
Peers are imported only when used; ``missing()`` says why a system cannot run here.
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

    def missing(self) -> str | None:
        return _missing(*self.modules)

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

    def train(self, workload, X, y, epochs):
        import glassnet as gn

        net = gn.Network(list(workload.sizes), seed=0, dtype=np.float32)
        history = gn.train(
            net,
            X,
            y,
            gn.Momentum(lr=LR, beta=BETA),
            epochs=epochs,
            batch_size=workload.batch_size,
            seed=0,
            engine=self.engine,
        )
        return list(np.diff([0.0, *history.seconds]))

    def predictor(self, workload):
        import glassnet as gn

        net = gn.Network(list(workload.sizes), seed=0, dtype=np.float32)
        if self.engine == "numba":  # the fused forward pass
            return lambda X: gn.engine.predict_proba(net, X)
        return net.predict_proba  # Network's own NumPy forward pass


class TextbookNumpy(System):
    """The loop a course writes: X[idx] copies, @, fresh arrays for every intermediate."""

    name = "textbook NumPy"

    def train(self, workload, X, y, epochs):
        Ws, bs = _he(workload.sizes)
        VW = [np.zeros_like(W) for W in Ws]
        Vb = [np.zeros_like(b) for b in bs]
        Y = y.reshape(-1, 1)
        rng = np.random.default_rng(0)
        m, size, L = X.shape[0], workload.batch_size, len(Ws)
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = rng.permutation(m)
            for s in range(0, m, size):
                idx = order[s : s + size]
                A, Yb = X[idx], Y[idx]
                cache = [A]
                for l in range(L):
                    Z = A @ Ws[l].T + bs[l]
                    A = np.maximum(Z, 0) if l < L - 1 else 1 / (1 + np.exp(-Z))
                    cache.append(A)
                dZ = A - Yb
                for l in range(L - 1, -1, -1):
                    dW = dZ.T @ cache[l] / len(idx)
                    db = dZ.sum(axis=0) / len(idx)
                    if l > 0:
                        dZ = (dZ @ Ws[l]) * (cache[l] > 0)
                    VW[l] = BETA * VW[l] + (1 - BETA) * dW
                    Vb[l] = BETA * Vb[l] + (1 - BETA) * db
                    Ws[l] -= LR * VW[l]
                    bs[l] -= LR * Vb[l]
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
    """nn.Sequential, BCEWithLogitsLoss, SGD(momentum=0.9, dampening=0.9): the EMA form."""

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

        model = self._model(workload)
        # dampening = momentum gives buf = 0.9 buf + 0.1 g (torch starts buf at g, not 0.1 g)
        opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=BETA, dampening=BETA)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        Xt, Yt = torch.from_numpy(X), torch.from_numpy(y.reshape(-1, 1))
        generator = torch.Generator().manual_seed(0)
        m, size = X.shape[0], workload.batch_size
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(m, generator=generator)
            for s in range(0, m, size):
                idx = order[s : s + size]
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


def _jax_functions(workload):
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
        return jnp.mean(jnp.maximum(Z, 0) - Z * Y + jnp.log1p(jnp.exp(-jnp.abs(Z))))

    def step(params, velocities, X, Y):
        J, grads = jax.value_and_grad(cost)(params, X, Y)
        velocities = jax.tree_util.tree_map(
            lambda v, g: BETA * v + (1 - BETA) * g, velocities, grads
        )
        params = jax.tree_util.tree_map(lambda p, v: p - LR * v, params, velocities)
        return params, velocities, J

    Ws, bs = _he(workload.sizes)
    params = [(jnp.asarray(W.T), jnp.asarray(b)) for W, b in zip(Ws, bs)]
    velocities = jax.tree_util.tree_map(jnp.zeros_like, params)
    return forward, step, params, velocities


class JaxScan(System):
    """The whole epoch as one jitted lax.scan over the mini-batches (gathered inside)."""

    name = "JAX scan"
    modules = ("jax",)

    def train(self, workload, X, y, epochs):
        import jax
        import jax.numpy as jnp

        _, step, params, velocities = _jax_functions(workload)
        size = workload.batch_size

        def epoch(params, velocities, X, Y, order):
            def body(carry, idx):
                params, velocities = carry
                params, velocities, J = step(params, velocities, X[idx], Y[idx])
                return (params, velocities), J

            (params, velocities), costs = jax.lax.scan(
                body, (params, velocities), order.reshape(-1, size)
            )
            return params, velocities, costs

        epoch = jax.jit(epoch, donate_argnums=(0, 1))
        Xd, Yd = jnp.asarray(X), jnp.asarray(y.reshape(-1, 1))
        rng = np.random.default_rng(0)
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = jnp.asarray(rng.permutation(X.shape[0]).astype(np.int32))
            params, velocities, costs = epoch(params, velocities, Xd, Yd, order)
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
        import jax.numpy as jnp

        _, step, params, velocities = _jax_functions(workload)
        jstep = jax.jit(lambda p, v, X, Y, idx: step(p, v, X[idx], Y[idx]), donate_argnums=(0, 1))
        Xd, Yd = jnp.asarray(X), jnp.asarray(y.reshape(-1, 1))
        rng = np.random.default_rng(0)
        m, size = X.shape[0], workload.batch_size
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            order = rng.permutation(m).astype(np.int32)
            for s in range(0, m, size):
                params, velocities, J = jstep(params, velocities, Xd, Yd, order[s : s + size])
            jax.block_until_ready(params)
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        return JaxScan().predictor(workload)


class SklearnMLP(System):
    """MLPClassifier(solver="sgd", momentum=0.9, nesterovs_momentum=False), one partial_fit per
    epoch, float32 input. Its momentum is V = 0.9 V - lr dW, W = W + V (not the EMA form)."""

    name = "scikit-learn"
    modules = ("sklearn",)
    note = "momentum in sklearn's form V = 0.9 V - lr dW (same cost per step as the EMA form)"

    def _model(self, workload):
        from sklearn.neural_network import MLPClassifier

        return MLPClassifier(
            hidden_layer_sizes=workload.sizes[1:-1],
            activation="relu",
            solver="sgd",
            alpha=0.0,
            batch_size=workload.batch_size,
            learning_rate_init=LR,
            momentum=BETA,
            nesterovs_momentum=False,
            shuffle=True,
            random_state=0,
        )

    def train(self, workload, X, y, epochs):
        model = self._model(workload)
        labels = y.astype(np.int64)
        times = []
        for e in range(epochs):
            start = time.perf_counter()
            model.partial_fit(X, labels, classes=[0, 1] if e == 0 else None)
            times.append(time.perf_counter() - start)
        return times

    def predictor(self, workload):
        from .workloads import make_data

        model = self._model(workload)
        X, y = make_data(workload, samples=64)
        model.partial_fit(X, y.astype(np.int64), classes=[0, 1])
        return lambda X: model.predict_proba(X)[:, 1]


SYSTEMS = [
    Glassnet("numba"),
    Glassnet("numpy"),
    TextbookNumpy(),
    TorchEager(),
    JaxScan(),
    JaxStep(),
    SklearnMLP(),
]
GLASSNET = "glassnet numba"
OWN = ("glassnet numba", "glassnet numpy")  # not peers
