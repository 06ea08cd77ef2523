"""The lecture's claims, each reproduced as a measured experiment with a figure.

Every experiment runs glassnet's own code (``Network``, ``train``, ``gradient_errors``,
``collapse``, ``gradient_norms``, ``Standardizer``, the optimizers' ``step``) and returns the
numbers it measured together with three summaries:

- ``claim``: the lecture's statement, in one sentence;
- ``measured``: the numbers that test it, in one line;
- ``verdict``: ``True`` when the numbers support the claim, computed from them, never written in.

``run(name)`` runs one experiment, ``figure(name, result, path)`` draws it, and ``report(out_dir)``
runs them all, writes a PNG per experiment and ``report.md``, and prints the table
"claim / what was measured / verdict". Fixed seeds make every number reproducible.

The experiments, in the lecture's order:

1. ``backprop``: backprop against centered finite differences, per layer, on a 3-layer
   cat-shaped network (and on one with a planted bug, to show the check catches it).
2. ``output_layer``: dJ/dW[L] = (1/m)(A[L] - Y) A[L-1]^T against the general chain rule
   dL/dA * sigma'(Z) through ``losses.binary_cross_entropy.dA``.
3. ``saturation``: sigma'(z), tanh'(z) and relu'(z) over z in [-10, 10].
4. ``activations``: an identity network equals its collapse W x + B and cannot fit circles or
   XOR; the same network with ReLU can.
5. ``normalization``: raw features of very different scales against standardized ones.
6. ``initialization``: W = 1.5 I and 0.5 I over 10 layers; 20-layer tanh and ReLU networks under
   five initializers.
7. ``minibatch``: full batch against mini-batches of several sizes.
8. ``momentum``: gradient descent against momentum (beta 0.9) on an elongated quadratic bowl and
   on a classification problem.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import activations, datasets, losses
from .activations import Activation
from .checks import collapse, gradient_errors, gradient_norms, numerical_gradients, relative_error
from .data import Standardizer
from .errors import DivergenceError, GlassnetError
from .network import Network
from .optimizers import Adam, GradientDescent, Momentum, RMSProp
from .training import History, train

EXPERIMENTS = (
    "backprop",
    "output_layer",
    "saturation",
    "activations",
    "normalization",
    "initialization",
    "minibatch",
    "momentum",
    "optimizers",
)

TITLES = {
    "backprop": "Backprop is right",
    "output_layer": "The output-layer formula",
    "saturation": "Saturation",
    "activations": "Why activations",
    "normalization": "Normalizing inputs",
    "initialization": "Vanishing and exploding gradients",
    "minibatch": "Mini-batch gradient descent",
    "momentum": "Momentum",
    "optimizers": "Beyond momentum: RMSProp and Adam",
}

# Keys of a result that are not measured numbers.
_SUMMARY = ("name", "title", "claim", "measured", "verdict", "seconds", "curves", "table")


# ---- the public API ------------------------------------------------------------------------


def run(name: str, seed: int = 0) -> dict:
    """Run the experiment ``name`` (one of ``EXPERIMENTS``) and return what it measured.

    The dict holds the measured numbers, ``claim``, ``measured``, ``verdict`` (a bool computed
    from the numbers), ``seconds`` (wall time), ``table`` (rows for the report, when the
    experiment has one) and ``curves`` (the arrays its figure draws).
    """
    name = _check_name(name)
    start = time.perf_counter()
    result = _RUNNERS[name](int(seed))
    result = {"name": name, "title": TITLES[name], **result}
    result["verdict"] = bool(result["verdict"])
    result["seconds"] = time.perf_counter() - start
    return result


def figure(name: str, result: dict, path) -> Path:
    """Draw the figure of experiment ``name`` from its ``result`` and save it as a PNG."""
    name = _check_name(name)
    Figure = _matplotlib_figure()
    fig = Figure(figsize=(11, 3.8), dpi=90, layout="constrained")
    _FIGURES[name](fig, result)
    path = Path(path)
    fig.savefig(path)
    return path


def report(
    out_dir: Path, only: str | None = None, echo: Callable[[str], object] = print
) -> list[dict]:
    """Run the experiments (or only the one named), write ``out_dir/<name>.png`` for each and
    ``out_dir/report.md``, print the table "claim / what was measured / verdict", and return
    the results. A failing verdict is reported as failing."""
    names = EXPERIMENTS if only is None else (_check_name(only),)
    _matplotlib_figure()  # fail before any experiment runs when matplotlib is missing
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = []
    for number, name in enumerate(names, start=1):
        result = run(name)
        figure(name, result, out_dir / f"{name}.png")
        results.append(result)
        verdict, seconds = _word(result["verdict"]), result["seconds"]
        echo(f"[{number}/{len(names)}] {name}: {verdict} ({seconds:.1f} s)")
    total = time.perf_counter() - start
    (out_dir / "report.md").write_text(_markdown(results, total), encoding="utf-8")
    echo("")
    echo(_text_table(results))
    passed = sum(r["verdict"] for r in results)
    echo(
        f"\n{passed} of {len(results)} claims confirmed in {total:.1f} s; report: "
        f"{out_dir / 'report.md'}"
    )
    return results


def _check_name(name) -> str:
    if not isinstance(name, str) or name.strip().lower() not in EXPERIMENTS:
        raise GlassnetError(
            f"unknown lecture experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}"
        )
    return name.strip().lower()


def _matplotlib_figure():
    """matplotlib's Figure class (the object API: no pyplot, no global backend change)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise GlassnetError(
            'the lecture figures need matplotlib: pip install "glassnet[demo]"'
        ) from None
    return Figure


# ---- shared helpers ------------------------------------------------------------------------


def _first_below(costs, target: float) -> int | None:
    """The first index t with costs[t] < target (the number of updates made before), or None."""
    below = np.flatnonzero(np.asarray(costs, dtype=np.float64) < target)
    return int(below[0]) if below.size else None


def _spread(values: np.ndarray) -> float:
    """max / min of positive values: 1 means constant; inf when a value is zero or not finite."""
    values = np.abs(np.asarray(values, dtype=np.float64))
    if not np.all(np.isfinite(values)) or values.min() == 0:
        return float("inf")
    return float(values.max() / values.min())


def _stop_below(target: float) -> Callable[[History], None]:
    """A callback for full-batch training: stop once the last J is below ``target``."""

    def callback(history: History) -> None:
        if history.costs[-1] < target:
            history.stop_training = True

    return callback


def _iterations_to_target(net_factory, X, y, optimizer, target: float, max_iterations: int):
    """Full-batch training of a fresh network until J < ``target``.

    Returns (the number of updates before J first fell below target, or None when it did not
    within ``max_iterations`` or training diverged; the cost of every iteration)."""
    net = net_factory()
    history = History()
    try:
        train(
            net,
            X,
            y,
            optimizer=optimizer,
            epochs=max_iterations,
            batch_size=None,
            shuffle=False,
            history=history,
            callbacks=[_stop_below(target)],
        )
    except DivergenceError:
        return None, history.costs
    return _first_below(history.costs, target), history.costs


def _fmt_iterations(n: int | None, limit: int) -> str:
    return f"not within {limit}" if n is None else str(n)


def _small_images(m: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """m small RGB images as rows of 8 x 8 x 3 = 192 features in [0, 1], with labels.

    The drawn cats (``datasets.cats``, 64 x 64 x 3) averaged over 8 x 8 pixel blocks when that
    data set exists; otherwise random images with random labels.
    """
    cats = getattr(datasets, "cats", None)
    if cats is not None:
        images, labels, _, _ = cats(n_train=m, n_test=2, seed=seed)
        small = images.reshape(m, 8, 8, 8, 8, 3).mean(axis=(2, 4))  # 8 x 8 blocks of pixels
        return small.reshape(m, -1) / 255.0, labels, "drawn cats shrunk to 8x8x3"
    rng = np.random.default_rng(seed)
    return rng.random((m, 192)), rng.integers(0, 2, m), "random 8x8x3 images"


# ---- 1. backprop is right ------------------------------------------------------------------


def _backprop(seed: int) -> dict:
    """Per layer, ||dW_backprop - dW_numeric|| / (||dW_backprop|| + ||dW_numeric||)."""
    X, y, source = _small_images(16, seed)
    X = Standardizer().fit_transform(X)
    sizes = [X.shape[1], 20, 7, 1]
    net = Network(sizes, hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for layer in net.layers:  # biases off zero: no ReLU sits on its kink during the check
        layer.b[:] = rng.normal(0, 0.1, layer.b.shape)
    errors = gradient_errors(net, X, y)

    # The same network with a planted bug: relu'(z) taken as 1 everywhere.
    wrong = Activation("relu with derivative 1", activations.relu.forward, np.ones_like)
    buggy = Network(sizes, hidden=wrong, output="sigmoid", seed=seed, dtype=np.float64)
    for mine, theirs in zip(buggy.layers, net.layers):
        mine.W[...], mine.b[...] = theirs.W, theirs.b
    buggy_errors = gradient_errors(buggy, X, y)

    worst = max(max(pair) for pair in errors)
    worst_buggy = max(max(pair) for pair in buggy_errors)
    table = [
        {
            "layer": l,
            "W shape": "x".join(map(str, net.layers[l - 1].W.shape)),
            "error dW": f"{ew:.1e}",
            "error db": f"{eb:.1e}",
            "error dW (bug)": f"{bw:.1e}",
            "error db (bug)": f"{bb:.1e}",
        }
        for l, ((ew, eb), (bw, bb)) in enumerate(zip(errors, buggy_errors), start=1)
    ]
    return {
        "claim": "Backpropagation computes the same gradients as centered finite differences "
        "(relative error < 1e-7 in every layer), and gradient checking exposes a wrong "
        "derivative (error > 1e-3).",
        "measured": f"network {sizes} on {len(X)} {source} (input kept small so that "
        f"{net.n_parameters} finite differences stay cheap): largest error {worst:.1e}; "
        f"with relu' = 1 planted: {worst_buggy:.1e}",
        "verdict": worst < 1e-7 and worst_buggy > 1e-3,
        "sizes": sizes,
        "inputs": source,
        "parameters": net.n_parameters,
        "max_error": worst,
        "max_error_with_bug": worst_buggy,
        "table": table,
        "curves": {"errors": np.array(errors), "buggy_errors": np.array(buggy_errors)},
    }


def _figure_backprop(fig, result: dict) -> None:
    ax = fig.subplots()
    errors, buggy = result["curves"]["errors"], result["curves"]["buggy_errors"]
    layers = np.arange(1, len(errors) + 1)
    width = 0.2
    for k, (values, label) in enumerate(
        [
            (errors[:, 0], "dW"),
            (errors[:, 1], "db"),
            (buggy[:, 0], "dW, relu' = 1 planted"),
            (buggy[:, 1], "db, relu' = 1 planted"),
        ]
    ):
        ax.bar(layers + (k - 1.5) * width, np.maximum(values, 1e-16), width, label=label)
    ax.axhline(1e-7, color="k", ls="--", lw=1, label="1e-7")
    ax.set_yscale("log")
    ax.set_xticks(layers, [f"layer {l}" for l in layers])
    ax.set_ylabel("relative error vs finite differences")
    ax.set_title(f"Backprop vs centered finite differences, network {result['sizes']}")
    ax.legend(fontsize=8, ncol=2)


# ---- 2. the output-layer formula -----------------------------------------------------------


def _output_layer(seed: int) -> dict:
    """dW[L] = (1/m)(A[L] - Y)^T A[L-1] (rows as samples) against the chain rule through dL/dA."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((32, 10))
    y = rng.integers(0, 2, 32)
    net = Network([10, 20, 7, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
    for layer in net.layers:
        layer.b[:] = rng.normal(0, 0.1, layer.b.shape)
    _, grads = net.cost_and_gradients(X, y)  # backprop, and the caches of this forward pass
    last = net.layers[-1]
    A, A_prev, Y = last.A, last.A_prev, y.reshape(-1, 1).astype(np.float64)
    m = len(X)

    dW_formula = (A - Y).T @ A_prev / m  # the lecture's shortcut, dZ[L] = A[L] - Y
    dA = losses.binary_cross_entropy.dA(A, Y)  # dL/dA = -y/a + (1 - y)/(1 - a)
    dZ_chain = dA * activations.sigmoid.derivative(A)  # dL/dZ = dL/dA * sigma'(Z)
    dW_chain = dZ_chain.T @ A_prev / m
    dW_numeric = numerical_gradients(net.copy(np.float64), X, y)[-1][0]

    vs_chain = relative_error(dW_formula, dW_chain)
    vs_backprop = relative_error(dW_formula, grads[-1][0])
    vs_numeric = relative_error(dW_formula, dW_numeric)
    dZ_gap = float(np.max(np.abs((A - Y) - dZ_chain)))
    return {
        "claim": "For a sigmoid output with cross-entropy, dJ/dW[L] = (1/m)(A[L] - Y) A[L-1]^T "
        "equals the general chain rule dL/dA * sigma'(Z[L]) (and backprop and finite "
        "differences).",
        "measured": f"relative difference formula vs chain rule {vs_chain:.1e}, vs backprop "
        f"{vs_backprop:.1e}, vs finite differences {vs_numeric:.1e}; max |dZ gap| {dZ_gap:.1e}",
        "verdict": vs_chain < 1e-10 and vs_backprop < 1e-10 and vs_numeric < 1e-7,
        "formula_vs_chain_rule": vs_chain,
        "formula_vs_backprop": vs_backprop,
        "formula_vs_finite_differences": vs_numeric,
        "max_dZ_gap": dZ_gap,
        "curves": {
            "formula": dW_formula.ravel(),
            "chain": dW_chain.ravel(),
            "numeric": dW_numeric.ravel(),
        },
    }


def _figure_output_layer(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2)
    c = result["curves"]
    left.plot(c["formula"], c["chain"], "o", label="chain rule dL/dA * sigma'")
    left.plot(c["formula"], c["numeric"], "x", ms=9, label="finite differences")
    lims = [min(c["formula"].min(), 0), max(c["formula"].max(), 0)]
    left.plot(lims, lims, "k-", lw=0.8)
    left.set_xlabel("(1/m)(A[L] - Y) A[L-1]^T")
    left.set_ylabel("other computation")
    left.set_title("The 7 entries of dW[L]")
    left.legend(fontsize=8)
    names = ["vs chain rule", "vs backprop", "vs finite diff."]
    values = [
        result["formula_vs_chain_rule"],
        result["formula_vs_backprop"],
        result["formula_vs_finite_differences"],
    ]
    floor = 1e-18  # a log axis cannot show 0: bit-identical results sit on the floor
    right.bar(names, np.maximum(values, floor))
    for k, value in enumerate(values):
        right.annotate(f"{value:.1e}", (k, max(value, floor)), ha="center", va="bottom")
    right.axhline(1e-7, color="k", ls="--", lw=1)
    right.set_yscale("log")
    right.set_ylim(floor / 10, 1)
    right.set_ylabel("relative difference")
    right.set_title("The shortcut against each computation")


# ---- 3. saturation -------------------------------------------------------------------------


def _saturation(seed: int) -> dict:
    """g'(z) from glassnet's activations, written from A = g(Z), over z in [-10, 10]."""
    z = np.linspace(-10, 10, 401)
    derivative = {
        name: getattr(activations, name).derivative(getattr(activations, name).forward(z))
        for name in ("sigmoid", "tanh", "relu")
    }
    points = np.array([-10.0, -5.0, 5.0, 10.0])
    at = {
        name: getattr(activations, name).derivative(getattr(activations, name).forward(points))
        for name in ("sigmoid", "tanh", "relu")
    }
    numbers = {f"{name}'({p:g})": float(v) for name in at for p, v in zip(points, at[name])}
    saturated = max(float(np.max(at["sigmoid"])), float(np.max(at["tanh"])))
    saturated_10 = max(float(at["sigmoid"][[0, 3]].max()), float(at["tanh"][[0, 3]].max()))
    relu_positive = float(at["relu"][2:].min())
    return {
        "claim": "Sigmoid and tanh saturate: at |z| = 5 their derivatives are below 1% of "
        "ReLU's derivative for z > 0 (which is 1), and at |z| = 10 below 0.01%.",
        "measured": f"sigma'(5) = {at['sigmoid'][2]:.2e}, tanh'(5) = {at['tanh'][2]:.2e}, "
        f"sigma'(10) = {at['sigmoid'][3]:.2e}, tanh'(10) = {at['tanh'][3]:.2e}, "
        f"relu'(5) = relu'(10) = {relu_positive:g}, relu'(-5) = {at['relu'][1]:g}; "
        f"max sigma' = {derivative['sigmoid'].max():.3f}",
        "verdict": saturated < 0.01 * relu_positive and saturated_10 < 1e-4 * relu_positive,
        **numbers,
        "max_sigmoid_derivative": float(derivative["sigmoid"].max()),
        "curves": {"z": z, **derivative},
    }


def _figure_saturation(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2)
    c = result["curves"]
    for name in ("sigmoid", "tanh", "relu"):
        left.plot(c["z"], c[name], label=f"{name}'(z)")
        right.semilogy(c["z"], np.maximum(c[name], 1e-12), label=f"{name}'(z)")
    for name in ("sigmoid", "tanh"):
        points = [5, 10]
        right.plot(points, [result[f"{name}'({p})"] for p in points], "ko", ms=4)
    for ax in (left, right):
        for x in (-10, -5, 5, 10):
            ax.axvline(x, color="grey", lw=0.5, ls=":")
        ax.set_xlabel("z")
        ax.legend(fontsize=8)
    left.set_title("Derivatives of the activations")
    right.set_title("Same, log scale: saturated gradients")
    right.set_ylim(1e-9, 2)


# ---- 4. why activations --------------------------------------------------------------------


def _activations(seed: int) -> dict:
    """Identity network = its collapse W x + B; identity vs ReLU on circles and XOR."""
    rng = np.random.default_rng(seed)
    linear = Network(
        [4, 6, 5, 3], hidden="identity", output="identity", seed=seed, dtype=np.float64
    )
    for layer in linear.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape)
    X = rng.standard_normal((200, 4))
    W, B = collapse(linear)
    collapse_gap = float(np.max(np.abs(linear.forward(X) - (X @ W.T + B))))

    accuracies, grids, trained_gap = {}, {}, 0.0
    side = np.linspace(-1.6, 1.6, 121)
    G = np.array(np.meshgrid(side, side)).reshape(2, -1).T
    data = {}
    for problem in ("two_circles", "xor"):
        X, y = getattr(datasets, problem)(400, 0.1, seed=seed)
        data[problem] = (X, y)
        for hidden in ("identity", "relu"):
            net = Network(
                [2, 8, 8, 1], hidden=hidden, output="sigmoid", seed=seed, dtype=np.float64
            )
            train(
                net,
                X,
                y,
                optimizer=Momentum(lr=0.1, beta=0.9),
                epochs=150,
                batch_size=32,
                seed=seed,
            )
            accuracies[problem, hidden] = float(np.mean(net.predict(X) == y))
            grids[problem, hidden] = net.predict_proba(G).reshape(len(side), len(side))
            if hidden == "identity":  # the trained sigmoid network is logistic regression
                W, B = collapse(net)
                net.forward(X)
                gap = np.max(np.abs(net.layers[-1].Z - (X @ W.T + B)))
                trained_gap = max(trained_gap, float(gap))

    identity_best = max(accuracies[p, "identity"] for p in ("two_circles", "xor"))
    relu_worst = min(accuracies[p, "relu"] for p in ("two_circles", "xor"))
    return {
        "claim": "Without a non-linear activation a deep network is one affine map W x + B, so it "
        "cannot fit circles or XOR; the same network with ReLU can.",
        "measured": f"max |network - collapse| = {collapse_gap:.1e} (trained sigmoid net: "
        f"logits vs collapse {trained_gap:.1e}); accuracy identity / ReLU: circles "
        f"{accuracies['two_circles', 'identity']:.1%} / {accuracies['two_circles', 'relu']:.1%}, "
        f"XOR {accuracies['xor', 'identity']:.1%} / {accuracies['xor', 'relu']:.1%}",
        "verdict": collapse_gap < 1e-6
        and trained_gap < 1e-6
        and identity_best < 0.75
        and relu_worst > 0.95,
        "collapse_max_difference": collapse_gap,
        "trained_collapse_max_difference": trained_gap,
        **{f"accuracy_{p}_{h}": a for (p, h), a in accuracies.items()},
        "curves": {"side": side, "grids": grids, "data": data},
    }


def _figure_activations(fig, result: dict) -> None:
    c = result["curves"]
    fig.set_size_inches(11, 3.1)
    axes = fig.subplots(1, 4)
    k = 0
    for problem in ("two_circles", "xor"):
        X, y = c["data"][problem]
        for hidden in ("identity", "relu"):
            ax = axes[k]
            ax.contourf(
                c["side"],
                c["side"],
                c["grids"][problem, hidden],
                levels=[0, 0.5, 1],
                colors=["#9ecae1", "#fdae6b"],
                alpha=0.8,
            )
            ax.scatter(X[:, 0], X[:, 1], c=y, s=5, cmap="coolwarm", edgecolors="none")
            accuracy = result[f"accuracy_{problem}_{hidden}"]
            ax.set_title(f"{problem}, {hidden}: {accuracy:.0%}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal")
            k += 1


# ---- 5. normalizing inputs -----------------------------------------------------------------


def _hessian(net: Network, X, y, h: float = 1e-4) -> np.ndarray:
    """d^2 J / dw^2 over the first layer's weights, by centered differences of backprop."""
    W = net.layers[0].W
    flat = W.reshape(-1)
    H = np.zeros((flat.size, flat.size))
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + h
        plus = net.cost_and_gradients(X, y)[1][0][0].reshape(-1).copy()
        flat[j] = original - h
        minus = net.cost_and_gradients(X, y)[1][0][0].reshape(-1).copy()
        flat[j] = original
        H[:, j] = (plus - minus) / (2 * h)
    return (H + H.T) / 2


def _contours(X, y, steps: int = 151) -> dict:
    """The cost J(w1, w2) of a linear model [2, 1] (identity output, squared error) on a grid
    around its minimum, with b held at its optimum; and the Hessian's condition number.

    The whole grid goes through one forward pass of a wide network [2, steps^2] whose k-th
    output unit carries the k-th grid point (w1, w2): J_k = (1/m) sum_i (1/2)(a_ik - y_i)^2.
    """
    net = Network([2, 1], hidden="identity", output="identity", dtype=np.float64)
    Xb = np.column_stack([X, np.ones(len(X))])
    solution = np.linalg.lstsq(Xb, y.astype(np.float64), rcond=None)[0]
    net.layers[0].W[0], net.layers[0].b[0] = solution[:2], solution[2]
    eigenvalues = np.linalg.eigvalsh(_hessian(net, X, y))
    J_min = net.cost(X, y)
    top = 0.05  # the highest contour, above the minimum
    radius = np.sqrt(2 * top / eigenvalues.min())  # the long half-axis of that contour
    w1 = solution[0] + np.linspace(-radius, radius, steps)
    w2 = solution[1] + np.linspace(-radius, radius, steps)
    grid = Network([2, steps * steps], hidden="identity", output="identity", dtype=np.float64)
    grid.layers[0].W[...] = np.array(np.meshgrid(w1, w2)).reshape(2, -1).T
    grid.layers[0].b[...] = solution[2]
    A = grid.forward(X)
    J = 0.5 * np.square(A - y[:, None]).mean(axis=0).reshape(steps, steps) - J_min
    condition = float(eigenvalues.max() / eigenvalues.min())
    return {"w1": w1, "w2": w2, "J": J, "condition": condition, "top": top}


def _normalization(seed: int) -> dict:
    """The same network on raw features (second one 20 times larger) and on standardized ones."""
    X, y = datasets.two_moons(400, 0.15, seed=seed)
    raw = X * np.array([1.0, 20.0])  # the same information, the second feature in other units
    standardized = Standardizer().fit(raw).transform(raw)
    target, limit = 0.1, 300
    rates = (10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01)

    def factory():
        return Network([2, 16, 16, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)

    best, costs, table = {}, {}, []
    for label, inputs in (("raw", raw), ("standardized", standardized)):
        found = []
        for lr in rates:
            n, c = _iterations_to_target(factory, inputs, y, GradientDescent(lr), target, limit)
            table.append(
                {
                    "inputs": label,
                    "lr": lr,
                    "iterations to J < 0.1": _fmt_iterations(n, limit),
                    "lowest J": f"{min(c):.3f}" if c else "-",
                }
            )
            found.append((n if n is not None else np.inf, lr, c))
        n, lr, c = min(found, key=lambda item: (item[0], np.min(item[2]) if item[2] else np.inf))
        if not np.isfinite(n):  # none reached the target: show the lowest-cost run
            n, lr, c = min(found, key=lambda item: np.min(item[2]) if item[2] else np.inf)
        best[label] = (None if not np.isfinite(n) else int(n), lr)
        costs[label] = np.array(c)

    contour = {"raw": _contours(raw, y), "standardized": _contours(standardized, y)}
    cond_raw, cond_std = contour["raw"]["condition"], contour["standardized"]["condition"]
    it_raw, it_std = best["raw"][0], best["standardized"][0]
    return {
        "claim": "Standardized inputs make the cost surface round instead of elongated, so "
        "gradient descent reaches a target cost in fewer iterations than on raw features of "
        "very different scales.",
        "measured": f"Hessian condition number {cond_raw:.0f} raw vs {cond_std:.1f} standardized "
        f"(contour axis ratio {np.sqrt(cond_raw):.1f} vs {np.sqrt(cond_std):.1f}); iterations "
        f"to J < {target} at the best of {len(rates)} learning rates: raw "
        f"{_fmt_iterations(it_raw, limit)}, standardized {_fmt_iterations(it_std, limit)}",
        "verdict": it_std is not None
        and (it_raw is None or it_std < it_raw)
        and cond_raw > 10 * cond_std,
        "feature_std_raw": [float(s) for s in raw.std(axis=0)],
        "condition_raw": cond_raw,
        "condition_standardized": cond_std,
        "axis_ratio_raw": float(np.sqrt(cond_raw)),
        "axis_ratio_standardized": float(np.sqrt(cond_std)),
        "target_cost": target,
        "max_iterations": limit,
        "iterations_raw": it_raw,
        "best_lr_raw": best["raw"][1],
        "iterations_standardized": it_std,
        "best_lr_standardized": best["standardized"][1],
        "table": table,
        "curves": {"costs": costs, "contour": contour},
    }


def _figure_normalization(fig, result: dict) -> None:
    axes = fig.subplots(1, 3)
    contour = result["curves"]["contour"]
    for ax, label in zip(axes[:2], ("raw", "standardized")):
        c = contour[label]
        levels = c["top"] * np.geomspace(0.02, 1, 6)
        ax.contour(c["w1"], c["w2"], c["J"], levels=levels, cmap="viridis")
        ax.set_aspect("equal")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title(f"J(w1, w2), {label} inputs\ncondition {c['condition']:.1f}", fontsize=10)
    ax = axes[2]
    for label in ("raw", "standardized"):
        lr = result[f"best_lr_{label}"]
        ax.semilogy(result["curves"]["costs"][label], label=f"{label} (lr {lr:g})")
    ax.axhline(result["target_cost"], color="k", ls="--", lw=1, label="target")
    ax.set_xlabel("iteration (full batch)")
    ax.set_ylabel("cost J")
    ax.set_title("Same network, best learning rate each", fontsize=10)
    ax.legend(fontsize=8)


# ---- 6. vanishing and exploding gradients --------------------------------------------------

_INITIALIZERS = ("normal(1.0)", "normal(0.01)", "lecun", "he", "glorot")


def _deep_profile(hidden: str, init: str, X, y, depth: int, seed: int) -> dict:
    """Per hidden layer: std of A[l], rms of the backpropagated dZ[l], and ||dW[l]||."""
    width = X.shape[1]
    net = Network(
        [width] * (depth + 1) + [1],
        hidden=hidden,
        output="sigmoid",
        init=init,
        seed=seed,
        dtype=np.float64,
    )
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        norms = gradient_norms(net, X, y)
    hidden_layers = net.layers[:-1]
    activation_std = np.array([layer.A.std() for layer in hidden_layers])
    gradient_rms = np.array([np.sqrt(np.mean(layer.dZ**2)) for layer in hidden_layers])
    return {
        "activation_std": activation_std,
        "gradient_rms": gradient_rms,
        "dW_norm": norms[:-1],
        "spread": max(_spread(activation_std), _spread(gradient_rms)),
    }


def _initialization(seed: int) -> dict:
    """Identity chains W = 1.5 I and 0.5 I; 20-layer tanh and ReLU nets under five initializers."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 4))
    scales = {}
    for w in (1.5, 0.5):
        chain = Network([4] * 11, hidden="identity", output="identity", dtype=np.float64)
        for layer in chain.layers:
            layer.W[...] = w * np.eye(4)
        A = chain.forward(X)
        chain.cost_and_gradients(X, np.zeros_like(X))  # dZ[l-1] = dZ[l] W[l] = w dZ[l]
        dZ = [layer.dZ for layer in chain.layers]
        scales[w] = (
            float(np.linalg.norm(A) / np.linalg.norm(X)),
            float(np.linalg.norm(dZ[0]) / np.linalg.norm(dZ[-1])),
        )

    depth, width = 20, 64
    Xd = rng.standard_normal((128, width))
    yd = rng.integers(0, 2, 128)
    profiles = {
        (h, i): _deep_profile(h, i, Xd, yd, depth, seed)
        for h in ("relu", "tanh")
        for i in _INITIALIZERS
    }
    table = [
        {
            "hidden": h,
            "init": i,
            "std A[1]": f"{p['activation_std'][0]:.2g}",
            f"std A[{depth}]": f"{p['activation_std'][-1]:.2g}",
            "rms dZ[1]": f"{p['gradient_rms'][0]:.2g}",
            f"rms dZ[{depth}]": f"{p['gradient_rms'][-1]:.2g}",
            "spread (max/min)": f"{p['spread']:.3g}",
            "norm of dW max/min": f"{_spread(p['dW_norm']):.3g}",
        }
        for (h, i), p in profiles.items()
    ]
    best = {
        h: min(_INITIALIZERS, key=lambda i, h=h: profiles[h, i]["spread"]) for h in ("relu", "tanh")
    }
    spread = {key: p["spread"] for key, p in profiles.items()}
    scaled = ("lecun", "he", "glorot")
    identity_ok = (
        abs(scales[1.5][0] - 1.5**10) < 1e-9 * 1.5**10
        and abs(scales[0.5][0] - 0.5**10) < 1e-9 * 0.5**10
    )
    relu_ok = (
        spread["relu", "he"] < 10
        and min(spread["relu", "normal(1.0)"], spread["relu", "normal(0.01)"]) > 10
    )
    tanh_ok = (
        best["tanh"] in scaled
        and spread["tanh", best["tanh"]] < 10
        and min(spread["tanh", "normal(1.0)"], spread["tanh", "normal(0.01)"]) > 10
    )
    return {
        "claim": "W = 1.5 I over 10 layers multiplies the output by 1.5^10 and 0.5 I by 0.5^10; "
        "in 20-layer nets N(0, 1) explodes or saturates and N(0, 0.01) vanishes, while a "
        "variance-scaled initializer keeps activations and gradients within a factor of 10 "
        "across the layers (he for ReLU).",
        "measured": f"output scale {scales[1.5][0]:.4f} (1.5^10 = {1.5**10:.4f}) and "
        f"{scales[0.5][0]:.3e} (0.5^10 = {0.5**10:.3e}); max/min over 20 layers of std A and "
        f"rms dZ: ReLU he {spread['relu', 'he']:.2g}, N(0,1) "
        f"{spread['relu', 'normal(1.0)']:.1e}, N(0,0.01) {spread['relu', 'normal(0.01)']:.1e}; "
        f"tanh best {best['tanh']} {spread['tanh', best['tanh']]:.2g}, lecun "
        f"{spread['tanh', 'lecun']:.3g}, N(0,1) {spread['tanh', 'normal(1.0)']:.1e}",
        "verdict": identity_ok and relu_ok and tanh_ok,
        "output_scale_1.5I": scales[1.5][0],
        "output_scale_0.5I": scales[0.5][0],
        "backward_scale_1.5I": scales[1.5][1],
        "backward_scale_0.5I": scales[0.5][1],
        "depth": depth,
        "width": width,
        "best_relu": best["relu"],
        "best_tanh": best["tanh"],
        **{f"spread_{h}_{i}": s for (h, i), s in spread.items()},
        "table": table,
        "curves": {"profiles": profiles},
    }


def _figure_initialization(fig, result: dict) -> None:
    axes = fig.subplots(1, 4)
    profiles = result["curves"]["profiles"]
    for k, hidden in enumerate(("relu", "tanh")):
        for init in _INITIALIZERS:
            p = profiles[hidden, init]
            layers = np.arange(1, len(p["activation_std"]) + 1)
            with np.errstate(divide="ignore"):
                axes[2 * k].semilogy(layers, p["activation_std"], ".-", label=init)
                axes[2 * k + 1].semilogy(layers, p["gradient_rms"], ".-", label=init)
        axes[2 * k].set_title(f"{hidden}: std of A[l]", fontsize=10)
        axes[2 * k + 1].set_title(f"{hidden}: rms of dZ[l] (gradient)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("layer l")
    axes[0].legend(fontsize=7)


# ---- 7. mini-batch gradient descent --------------------------------------------------------


class _FullCost:
    """A training callback: after each epoch, J on all the training data and the training time
    so far (the time spent evaluating excluded); stops training once J < target."""

    def __init__(self, net: Network, X, y, target: float) -> None:
        self.net, self.X, self.y, self.target = net, X, y, target
        self.costs: list[float] = []
        self.seconds: list[float] = []
        self.start, self.evaluating = time.perf_counter(), 0.0

    def __call__(self, history: History) -> None:
        now = time.perf_counter()
        self.seconds.append(now - self.start - self.evaluating)
        self.costs.append(self.net.cost(self.X, self.y))
        self.evaluating += time.perf_counter() - now
        if self.costs[-1] < self.target:
            history.stop_training = True


def _minibatch(seed: int) -> dict:
    """Full batch vs batch sizes 256, 64, 16: noise per iteration, epochs and time to target."""
    X, y = datasets.two_moons(1024, 0.15, seed=seed)
    X = Standardizer().fit_transform(X)
    target, max_epochs = 0.1, 400
    sizes = (len(X), 256, 64, 16)
    runs, table = {}, []
    for size in sizes:
        net = Network([2, 16, 16, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)
        evaluate = _FullCost(net, X, y, target)
        history = train(
            net,
            X,
            y,
            optimizer=GradientDescent(lr=0.3),
            epochs=max_epochs,
            batch_size=size,
            seed=seed,
            callbacks=[evaluate],
        )
        costs = np.array(history.costs)
        steps = np.diff(costs)
        full, seconds = evaluate.costs, evaluate.seconds
        epochs = _first_below(full, target)
        run_ = {
            "iterations": len(costs),
            "noise": float(np.std(steps) / np.mean(costs)),
            "share_up": float(np.mean(steps > 0)),
            "epochs_to_target": None if epochs is None else epochs + 1,
            "seconds_to_target": None if epochs is None else seconds[epochs],
            "costs": costs,
            "epoch_costs": np.array(full),
        }
        runs[size] = run_
        table.append(
            {
                "batch size": "full (1024)" if size == len(X) else size,
                "iterations run": run_["iterations"],
                "noise std(dJ)/mean(J)": f"{run_['noise']:.3f}",
                "share of steps J went up": f"{run_['share_up']:.0%}",
                "epochs to J < 0.1": _fmt_iterations(run_["epochs_to_target"], max_epochs),
                "seconds to J < 0.1": "-" if epochs is None else f"{run_['seconds_to_target']:.3f}",
            }
        )

    full_run = runs[len(X)]
    mini = [runs[s] for s in sizes[1:]]
    reached = [r["epochs_to_target"] for r in mini if r["epochs_to_target"] is not None]
    full_epochs = full_run["epochs_to_target"]
    fastest = min(sizes[1:], key=lambda s: runs[s]["seconds_to_target"] or np.inf)
    return {
        "claim": "Mini-batch gradient descent has a noisy cost per iteration where full-batch "
        "descent is smooth, and reaches a target cost in fewer epochs (wall time measured too).",
        "measured": f"noise std(dJ)/mean(J): full {full_run['noise']:.3f} (J went up in "
        f"{full_run['share_up']:.0%} of steps), batch 256/64/16: "
        + "/".join(f"{r['noise']:.2f}" for r in mini)
        + f" (up in {mini[-1]['share_up']:.0%} of steps at 16); epochs to J < {target}: full "
        f"{_fmt_iterations(full_epochs, max_epochs)}, 256/64/16: "
        + "/".join(_fmt_iterations(r["epochs_to_target"], max_epochs) for r in mini)
        + f"; seconds: full {full_run['seconds_to_target'] or float('nan'):.2f}, batch {fastest} "
        f"{runs[fastest]['seconds_to_target'] or float('nan'):.2f}",
        "verdict": full_run["share_up"] < 0.05
        and all(r["noise"] > full_run["noise"] for r in mini)
        and bool(reached)
        and (full_epochs is None or min(reached) < full_epochs),
        "target_cost": target,
        **{f"noise_{s if s != len(X) else 'full'}": r["noise"] for s, r in runs.items()},
        **{f"share_up_{s if s != len(X) else 'full'}": r["share_up"] for s, r in runs.items()},
        **{
            f"epochs_to_target_{s if s != len(X) else 'full'}": r["epochs_to_target"]
            for s, r in runs.items()
        },
        **{
            f"seconds_to_target_{s if s != len(X) else 'full'}": r["seconds_to_target"]
            for s, r in runs.items()
        },
        "table": table,
        "curves": {"runs": runs, "full": len(X)},
    }


def _figure_minibatch(fig, result: dict) -> None:
    left, middle, right = fig.subplots(1, 3)
    runs, full = result["curves"]["runs"], result["curves"]["full"]
    colors = dict(zip(sorted(runs), ("tab:blue", "tab:orange", "tab:green", "k")))
    for size, r in sorted(runs.items()):
        label = "full batch" if size == full else f"batch {size}"
        width = 2 if size == full else 0.8
        left.plot(r["costs"][:200], label=label, color=colors[size], lw=width)
        epochs = np.arange(1, len(r["epoch_costs"]) + 1)
        middle.semilogy(epochs, r["epoch_costs"], ".-", label=label, color=colors[size])
    left.set_xlabel("iteration")
    left.set_ylabel("J{t} of the mini-batch")
    left.set_title("Cost per iteration (first 200)", fontsize=10)
    middle.set_xscale("log")
    middle.axhline(result["target_cost"], color="k", ls="--", lw=1)
    middle.set_xlabel("epoch")
    middle.set_ylabel("J on all the training data")
    middle.set_title("Cost per epoch, until J < target", fontsize=10)
    for ax in (left, middle):
        ax.legend(fontsize=8)
    labels = ["full" if size == full else str(size) for size in sorted(runs, reverse=True)]
    seconds = [runs[size]["seconds_to_target"] or np.nan for size in sorted(runs, reverse=True)]
    right.bar(labels, seconds, color=[colors[size] for size in sorted(runs, reverse=True)])
    right.set_xlabel("batch size")
    right.set_ylabel("seconds")
    right.set_title("Training time to J < target", fontsize=10)


# ---- 8. momentum ---------------------------------------------------------------------------


def _bowl(optimizer, curvature: np.ndarray, start, steps: int) -> np.ndarray:
    """Minimize J(w) = (1/2) sum_i c_i w_i^2 (gradient c * w) with ``optimizer.step``."""
    w = np.array(start, dtype=np.float64)
    path = [w.copy()]
    for _ in range(steps):
        optimizer.step([w], [curvature * w])
        path.append(w.copy())
    return np.array(path)


def _momentum(seed: int) -> dict:
    """GD vs Momentum(beta 0.9) on J = (w1^2 + 50 w2^2) / 2, then on two moons."""
    curvature = np.array([1.0, 50.0])  # flat along w1, steep along w2
    lr, start, steps, window = 0.036, (-10.0, 1.5), 300, 50
    paths = {
        "gd": _bowl(GradientDescent(lr), curvature, start, steps),
        "momentum": _bowl(Momentum(lr, beta=0.9), curvature, start, steps),
    }
    bowl = {}
    for name, path in paths.items():
        J = 0.5 * (curvature * path**2).sum(axis=1)
        moves = np.diff(path[: window + 1, 1])
        bowl[name] = {
            "reversals": int(np.sum(np.sign(moves[1:]) != np.sign(moves[:-1]))),
            "steep_travel": float(np.abs(moves).sum()),
            "flat_progress": float(1 - abs(path[window, 0]) / abs(start[0])),
            "iterations": _first_below(J, 1e-4 * J[0]),
        }

    rates = (0.3, 1.0, 3.0, 10.0, 30.0)
    target, limit = 0.05, 300
    table, best, curves = _moons_race(
        {"gd": (GradientDescent, rates), "momentum": (lambda r: Momentum(r, beta=0.9), rates)},
        target,
        limit,
        seed,
    )

    gd, mom = bowl["gd"], bowl["momentum"]
    it_gd, it_mom = best["gd"][0], best["momentum"][0]
    return {
        "claim": "Momentum (beta 0.9) damps the oscillation in the steep direction and moves "
        "faster along the flat one, reaching a target cost in fewer iterations than "
        "gradient descent.",
        "measured": f"bowl (curvatures 1 and 50, lr {lr}), first {window} steps: steep-direction "
        f"reversals {gd['reversals']} (GD) vs {mom['reversals']} (momentum), distance travelled "
        f"{gd['steep_travel']:.1f} vs {mom['steep_travel']:.1f}, flat progress "
        f"{gd['flat_progress']:.0%} vs {mom['flat_progress']:.0%}; iterations to 1e-4 J0: "
        f"{gd['iterations']} vs {mom['iterations']}; two moons to J < {target} (best of "
        f"{len(rates)} lr): {_fmt_iterations(it_gd, limit)} (lr {best['gd'][1]:g}) vs "
        f"{_fmt_iterations(it_mom, limit)} (lr {best['momentum'][1]:g})",
        "verdict": mom["reversals"] < gd["reversals"]
        and mom["steep_travel"] < gd["steep_travel"]
        and mom["flat_progress"] > gd["flat_progress"]
        and mom["iterations"] is not None
        and (gd["iterations"] is None or mom["iterations"] < gd["iterations"])
        and it_mom is not None
        and (it_gd is None or it_mom < it_gd),
        "bowl_lr": lr,
        **{f"bowl_{k}_{name}": v for name, b in bowl.items() for k, v in b.items()},
        "moons_target_cost": target,
        "moons_iterations_gd": it_gd,
        "moons_best_lr_gd": best["gd"][1],
        "moons_iterations_momentum": it_mom,
        "moons_best_lr_momentum": best["momentum"][1],
        "table": table,
        "curves": {"paths": paths, "curvature": curvature, "window": window, "costs": curves},
    }


def _figure_momentum(fig, result: dict) -> None:
    left, right = fig.subplots(1, 2, width_ratios=[2, 1])
    c = result["curves"]
    w1, w2 = np.linspace(-11, 2, 200), np.linspace(-2, 2, 120)
    G1, G2 = np.meshgrid(w1, w2)
    J = 0.5 * (c["curvature"][0] * G1**2 + c["curvature"][1] * G2**2)
    left.contour(w1, w2, J, levels=np.geomspace(0.05, 60, 12), colors="grey", linewidths=0.6)
    for name, color in (("gd", "tab:red"), ("momentum", "tab:blue")):
        path = c["paths"][name][: c["window"] + 1]
        left.plot(
            path[:, 0],
            path[:, 1],
            ".-",
            color=color,
            lw=1,
            ms=3,
            label=f"{name} ({result[f'bowl_reversals_{name}']} reversals)",
        )
    left.plot(0, 0, "k*")
    left.set_xlabel("w1 (flat)")
    left.set_ylabel("w2 (steep)")
    left.set_title(
        f"J = (w1^2 + 50 w2^2)/2, lr {result['bowl_lr']}, first {c['window']} steps", fontsize=10
    )
    left.legend(fontsize=8)
    for name in ("gd", "momentum"):
        lr = result[f"moons_best_lr_{name}"]
        right.semilogy(c["costs"][name], label=f"{name} (lr {lr:g})")
    right.axhline(result["moons_target_cost"], color="k", ls="--", lw=1)
    right.set_xlabel("iteration")
    right.set_ylabel("cost J")
    right.set_title("Two moons, best lr each", fontsize=10)
    right.legend(fontsize=8)


def _moons_race(candidates: dict, target: float, limit: int, seed: int):
    """Full-batch training on two moons with each optimizer at each of its learning rates.

    ``candidates`` maps a name to (make(lr) -> optimizer, rates). Returns the table of
    iterations to J < target, each optimizer's (best iterations or None, best lr), and the cost
    curve of its best run."""
    X, y = datasets.two_moons(400, 0.15, seed=seed)

    def factory():
        return Network([2, 16, 16, 1], hidden="relu", output="sigmoid", seed=seed, dtype=np.float64)

    table, best, curves = [], {}, {}
    for name, (make, rates) in candidates.items():
        found = []
        for rate in rates:
            n, costs = _iterations_to_target(factory, X, y, make(rate), target, limit)
            table.append(
                {
                    "optimizer": name,
                    "lr": rate,
                    f"iterations to J < {target:g}": _fmt_iterations(n, limit),
                }
            )
            found.append((np.inf if n is None else n, rate, costs))
        n, rate, costs = min(found, key=lambda item: item[0])
        best[name] = (None if not np.isfinite(n) else int(n), rate)
        curves[name] = np.array(costs)
    return table, best, curves


def _optimizers(seed: int) -> dict:
    """GD, momentum, RMSProp and Adam on the same two moons, each at its best learning rate."""
    target, limit = 0.05, 300
    candidates = {
        "gd": (GradientDescent, (0.3, 1.0, 3.0, 10.0)),
        "momentum": (lambda r: Momentum(r, beta=0.9), (0.3, 1.0, 3.0, 10.0)),
        "rmsprop": (RMSProp, (0.01, 0.03, 0.1, 0.3)),
        "adam": (Adam, (0.01, 0.03, 0.1, 0.3)),
    }
    table, best, curves = _moons_race(candidates, target, limit, seed)
    iterations = {name: n for name, (n, _) in best.items()}
    gd = iterations["gd"]
    faster = [
        name
        for name in ("momentum", "rmsprop", "adam")
        if iterations[name] is not None and (gd is None or iterations[name] < gd)
    ]
    return {
        "claim": "Momentum, RMSProp and Adam each reach a target cost in fewer iterations than "
        "plain gradient descent, every optimizer at its best learning rate.",
        "measured": "two moons, full batch, iterations to J < 0.05 at the best of 4 rates: "
        + ", ".join(
            f"{name} {_fmt_iterations(n, limit)} (lr {best[name][1]:g})"
            for name, n in iterations.items()
        ),
        "verdict": len(faster) == 3,
        **{f"iterations_{name}": n for name, n in iterations.items()},
        **{f"best_lr_{name}": rate for name, (_, rate) in best.items()},
        "target_cost": target,
        "table": table,
        "curves": {"costs": curves},
    }


def _figure_optimizers(fig, result: dict) -> None:
    ax = fig.subplots(1, 1)
    for name, costs in result["curves"]["costs"].items():
        ax.semilogy(costs, label=f"{name} (lr {result[f'best_lr_{name}']:g})")
    ax.axhline(result["target_cost"], color="k", ls="--", lw=1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title("Two moons, full batch, each optimizer at its best learning rate", fontsize=10)
    ax.legend(fontsize=8)


# ---- the report ----------------------------------------------------------------------------


def _word(verdict: bool) -> str:
    return "confirmed" if verdict else "NOT CONFIRMED"


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_number(v) for v in value) + "]"
    return str(value)


def _markdown(results: list[dict], total: float) -> str:
    lines = [
        "# The lecture, reproduced",
        "",
        f"{sum(r['verdict'] for r in results)} of {len(results)} claims confirmed; "
        f"{len(results)} experiments in {total:.1f} s. Every number below was measured by "
        "glassnet's own code with fixed seeds (`glassnet.lecture.run(name)` returns them).",
        "",
        "| # | claim | what was measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    for k, r in enumerate(results, start=1):
        lines.append(
            f"| {k} | **{r['title']}**: {_cell(r['claim'])} | {_cell(r['measured'])} "
            f"| {'confirmed' if r['verdict'] else '**NOT CONFIRMED**'} |"
        )
    for k, r in enumerate(results, start=1):
        lines += [
            "",
            f"## {k}. {r['title']} (`{r['name']}`)",
            "",
            f"**Claim.** {r['claim']}",
            "",
            f"**Measured.** {r['measured']}",
            "",
            f"**Verdict: {_word(r['verdict'])}** ({r['seconds']:.1f} s)",
            "",
            f"![{r['title']}]({r['name']}.png)",
        ]
        if r.get("table"):
            columns = list(r["table"][0])
            lines += [
                "",
                "| " + " | ".join(columns) + " |",
                "| " + " | ".join("---" for _ in columns) + " |",
            ]
            lines += [
                "| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in r["table"]
            ]
        numbers = [(key, value) for key, value in r.items() if key not in _SUMMARY]
        lines += ["", "| number | value |", "| --- | --- |"]
        lines += [f"| {key} | {_cell(_number(value))} |" for key, value in numbers]
    return "\n".join(lines) + "\n"


def _text_table(results: list[dict]) -> str:
    """The table "claim / what was measured / verdict" as plain text for the terminal."""
    rows = []
    for k, r in enumerate(results, start=1):
        rows.append(f"{k}. {r['title']} [{r['name']}]: {_word(r['verdict'])}")
        rows.append(f"   claim:    {r['claim']}")
        rows.append(f"   measured: {r['measured']}")
    return "\n".join(rows)


_RUNNERS = {
    "backprop": _backprop,
    "output_layer": _output_layer,
    "saturation": _saturation,
    "activations": _activations,
    "normalization": _normalization,
    "initialization": _initialization,
    "minibatch": _minibatch,
    "momentum": _momentum,
    "optimizers": _optimizers,
}

_FIGURES = {
    "backprop": _figure_backprop,
    "output_layer": _figure_output_layer,
    "saturation": _figure_saturation,
    "activations": _figure_activations,
    "normalization": _figure_normalization,
    "initialization": _figure_initialization,
    "minibatch": _figure_minibatch,
    "momentum": _figure_momentum,
    "optimizers": _figure_optimizers,
}
