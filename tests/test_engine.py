"""The fused numba engine computes the same training run as the reference NumPy engine."""

import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import engine as engines
from glassnet.data import batch_slices

numba = pytest.importorskip("numba", reason="the fused engine needs numba (glassnet[fast])")
pytest.importorskip("scipy", reason="the fused engine calls BLAS through scipy")
from glassnet.engine import epoch as compiled_epoch  # noqa: E402
from glassnet.engine import fused, kernels, steps, workspace  # noqa: E402

M = 60  # 60 = 3 x 16 + 12: batch_size 16 leaves a partial last batch, 20 does not

# After a few epochs of float32 training the engines differ by rounding only: sums are taken
# in another order (BLAS, SIMD), which perturbs the last bits at every step.
TOLERANCE = {np.float32: {"rtol": 1e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-11, "atol": 1e-12}}


def data(rng, n_features, output="sigmoid", m=M, n_outputs=1):
    X = rng.standard_normal((m, n_features))
    if output == "sigmoid":
        return X, (X[:, 0] - X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    if output == "softmax":  # n_outputs classes as integer labels
        return X, np.digitize(X[:, 0] - 0.5 * X[:, 1], np.linspace(-1, 1, n_outputs - 1))
    y = np.tanh(X[:, 0]) - 0.5 * X[:, 1]
    return X, (y if n_outputs == 1 else np.stack([y / (k + 1) for k in range(n_outputs)], 1))


def compiled_calls(monkeypatch) -> list[bool]:
    """The list that every call of the compiled forward pass (fused.Predictor) appends its
    ``logits`` flag to."""
    calls, compiled = [], fused.Predictor.__call__

    def counted(self, net, X, logits=False):
        calls.append(logits)
        return compiled(self, net, X, logits)

    monkeypatch.setattr(fused.Predictor, "__call__", counted)
    return calls


def train_both(sizes, hidden, output, make_optimizer, batch_size, dtype, epochs=3, seed=7,
               shuffle=True, **options):  # fmt: skip
    """Train the same network from the same seed with each engine; return both runs.
    ``options`` go to the Network (l2, l1, dropout, batch_norm)."""
    X, y = data(np.random.default_rng(seed), sizes[0], output, n_outputs=sizes[-1])
    runs = {}
    for engine in ("numpy", "numba"):
        net = gn.Network(sizes, hidden=hidden, output=output, seed=1, dtype=dtype, **options)
        initial = [p.copy() for p in net.parameters()]
        optimizer = make_optimizer()
        history = gn.train(
            net, X, y, optimizer, epochs=epochs, batch_size=batch_size, seed=3, engine=engine,
            shuffle=shuffle,
        )
        runs[engine] = (net, optimizer, history)
        moved = max(np.abs(p - q).max() for p, q in zip(net.parameters(), initial))
        assert moved > 1e-3  # training really changed the weights
    return runs


def assert_same_run(runs, dtype, tol=None):
    """Weights, batch-norm buffers, every optimizer slot, step counts, costs, and the state of
    the dropout generator are those of the reference run."""
    (net_a, opt_a, hist_a), (net_b, opt_b, hist_b) = runs["numpy"], runs["numba"]
    tol = tol or TOLERANCE[dtype]
    for a, b in zip(net_a.parameters() + net_a.buffers(), net_b.parameters() + net_b.buffers()):
        assert b.dtype == a.dtype
        np.testing.assert_allclose(b, a, **tol)
    assert opt_b.t == opt_a.t == hist_a.iterations
    assert opt_b.state.lr == opt_a.state.lr and opt_b.state.epoch == opt_a.state.epoch
    assert sorted(opt_b.state.slots) == sorted(opt_a.state.slots) == sorted(opt_a.slots)
    for name in opt_a.slots:
        assert len(opt_b.state.slots[name]) == len(opt_a.state.slots[name])
        for a, b in zip(opt_a.state.slots[name], opt_b.state.slots[name]):
            np.testing.assert_allclose(b, a, **tol)
    np.testing.assert_allclose(hist_b.costs, hist_a.costs, rtol=tol["rtol"], atol=tol["atol"])
    assert net_a.dropout_rng.bit_generator.state == net_b.dropout_rng.bit_generator.state


OPTIMIZERS = {
    "gd": lambda: gn.GradientDescent(lr=0.1),
    "momentum": lambda: gn.Momentum(lr=0.1, beta=0.9),
    "nesterov": lambda: gn.Nesterov(lr=0.01, beta=0.9),
    "rmsprop": lambda: gn.RMSProp(lr=0.01),
    "adam": lambda: gn.Adam(lr=0.01),
    "adamw": lambda: gn.AdamW(lr=0.01, weight_decay=0.1),
    "adagrad": lambda: gn.Adagrad(lr=0.05),
}


def test_every_optimizer_has_a_kernel_and_is_proven_here():
    """Every optimizer that optimizers.OPTIMIZERS names has its kernel in steps.STEPS, and a
    run of it in OPTIMIZERS above, which the tests below compare with the reference engine."""
    names = {cls.name for cls in gn.optimizers.OPTIMIZERS.values()}
    assert names == set(steps.STEPS) == set(OPTIMIZERS)
    for name, cls in gn.optimizers.OPTIMIZERS.items():
        assert steps.kernel(cls()) is steps.STEPS[cls.name], name


def test_step_calls_every_registered_kernel_by_its_code():
    """``step`` dispatches on the code, the kernel's place in KERNELS: each registered kernel is
    reached, and only its own (Adagrad's first step differs from RMSProp's, Adam's from both)."""
    moved = {}
    for name, entry in steps.STEPS.items():
        optimizer = gn.optimizers.get(name)
        h = np.zeros(8)
        h[: 1 + len(entry.hyperparameters)] = [optimizer.lr] + [
            getattr(optimizer, hyperparameter) for hyperparameter in entry.hyperparameters
        ]
        P, G = np.ones(4), np.full(4, 0.5)
        steps.step(entry.code, P, G, np.zeros(4), np.zeros(4), h, 1, np.zeros(12))
        direct = np.ones(4)
        entry.kernel(direct, G, np.zeros(4), np.zeros(4), h, 1, np.zeros(12))
        assert (P < 1).all() and np.array_equal(P, direct), name
        moved[name] = P[0]
    assert len({moved[n] for n in ("gd", "momentum", "rmsprop", "adam", "adagrad")}) == 5
    assert steps.KERNELS[steps.MOMENTUM] is steps.momentum_step


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [1, 16, 20, None])
@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "identity"])
def test_engines_agree(hidden, optimizer, batch_size, dtype):
    # [20, 32, 16, 1]: with 16 or more rows the two hidden layers go through BLAS, with one row
    # (and always the 16 -> 1 output layer) through the compiled loops.
    runs = train_both([20, 32, 16, 1], hidden, "sigmoid", OPTIMIZERS[optimizer], batch_size, dtype)
    assert_same_run(runs, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [1, 16])
@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_engines_agree_on_regression(hidden, batch_size, dtype):
    """Identity output with J = (1/m) sum 1/2 ||a - y||^2, two output units."""
    runs = {}
    X, y = data(np.random.default_rng(5), 6, "identity")
    Y = np.stack([y, -y], axis=1)
    for engine in ("numpy", "numba"):
        net = gn.Network([6, 12, 2], hidden=hidden, output="identity", seed=2, dtype=dtype)
        opt = gn.Momentum(lr=0.05)
        history = gn.train(net, X, Y, opt, epochs=3, batch_size=batch_size, engine=engine)
        runs[engine] = (net, opt, history)
    assert_same_run(runs, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [1, 16, None])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_agrees(optimizer, batch_size, dtype):
    runs = train_both([20, 32, 16, 1], "tanh", "sigmoid", OPTIMIZERS[optimizer], batch_size, dtype)
    assert_same_run(runs, dtype)


# (sizes, output): softmax over 4 classes, several sigmoid units, one and three regression targets
OUTPUTS = {
    "softmax": ([10, 24, 4], "softmax"),
    "sigmoids": ([10, 24, 3], "sigmoid"),
    "identity": ([10, 24, 16, 1], "identity"),
    "identities": ([10, 24, 3], "identity"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [1, 16])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_every_output_agrees(output, optimizer, batch_size, dtype):
    sizes, activation = OUTPUTS[output]
    if output == "sigmoids":  # three 0/1 targets per row
        X = np.random.default_rng(7).standard_normal((M, sizes[0]))
        y = (X[:, :3] > 0).astype(int)
        runs = {}
        for engine in ("numpy", "numba"):
            net = gn.Network(sizes, output="sigmoid", seed=1, dtype=dtype)
            opt = OPTIMIZERS[optimizer]()
            h = gn.train(net, X, y, opt, epochs=3, batch_size=batch_size, seed=3, engine=engine)
            runs[engine] = (net, opt, h)
    else:
        runs = train_both(sizes, "relu", activation, OPTIMIZERS[optimizer], batch_size, dtype)
    assert_same_run(runs, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_l2_agrees(optimizer, dtype):
    runs = train_both([20, 32, 16, 1], "relu", "sigmoid", OPTIMIZERS[optimizer], 16, dtype, l2=0.5)
    assert_same_run(runs, dtype)
    plain = train_both([20, 32, 16, 1], "relu", "sigmoid", OPTIMIZERS[optimizer], 16, dtype)
    assert runs["numba"][2].costs[0] > plain["numba"][2].costs[0]  # the L2 term is in J


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_l1_agrees(l2, optimizer, dtype):
    """L1 alone and with L2: the sign kernel and the |W| term, and GD and momentum off the folded
    path (which has no room for a penalty's gradient)."""
    make = OPTIMIZERS[optimizer]
    runs = train_both([20, 32, 16, 1], "relu", "sigmoid", make, 16, dtype, l1=0.2, l2=l2)
    assert_same_run(runs, dtype)
    plain = train_both([20, 32, 16, 1], "relu", "sigmoid", make, 16, dtype, l2=l2)
    # the first batch's cost is the one without L1 plus (lambda1 / m) sum |W| at the initial
    # weights, on both engines
    initial = gn.Network([20, 32, 16, 1], seed=1, dtype=dtype)
    sizes = sum(np.abs(W).sum(dtype=np.float64) for W in initial.parameters()[::2])
    for engine in ("numpy", "numba"):
        added = runs[engine][2].costs[0] - plain[engine][2].costs[0]
        np.testing.assert_allclose(added, 0.2 / 16 * sizes, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [1, 16, None])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_dropout_agrees(optimizer, batch_size, dtype):
    """The same masks from net.dropout_rng: the generators end in the same state, too."""
    runs = train_both([20, 32, 16, 1], "relu", "sigmoid", OPTIMIZERS[optimizer], batch_size,
                      dtype, dropout=0.3)  # fmt: skip
    assert_same_run(runs, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [16, None])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_batch_norm_agrees(optimizer, batch_size, dtype):
    make = BATCH_NORM_OPTIMIZERS.get(optimizer, OPTIMIZERS[optimizer])
    runs = train_both([20, 32, 16, 1], "relu", "sigmoid", make, batch_size, dtype,
                      batch_norm=True)  # fmt: skip
    assert_same_run(runs, dtype)


# Under batch norm, b[l] of a normalized layer has no effect on the output: its gradient is
# rounding noise around 0 (about 1e-9 in float32, 1e-17 in float64), different on each engine.
# Adam divides a gradient by its own size, sqrt(S) + epsilon: with epsilon = 1e-8 that noise
# becomes steps of up to lr on b and on the running mean, different on each engine, while
# everything that matters agrees to rounding. An epsilon above the noise keeps it out.
BATCH_NORM_OPTIMIZERS = {"adam": lambda: gn.Adam(lr=0.01, epsilon=1e-3)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threshold", [0, 1 << 40])
def test_everything_at_once_agrees(threshold, dtype, monkeypatch):
    """Softmax, L2, L1, dropout, batch norm, AdamW and a learning-rate schedule, every layer through
    BLAS (threshold 0), then through the loops; dropout's uniforms drawn a few batches at a time."""
    monkeypatch.setattr(workspace, "BLAS_THRESHOLD", threshold)
    monkeypatch.setattr(fused, "UNIFORMS", 1000)
    X, y = data(np.random.default_rng(4), 10, "softmax", n_outputs=3)
    runs = {}
    for engine in ("numpy", "numba"):
        net = gn.Network([10, 24, 12, 3], output="softmax", seed=1, dtype=dtype, l2=0.1,
                         l1=0.02, dropout=0.25, batch_norm=True)  # fmt: skip
        opt = gn.AdamW(lr=0.01, epsilon=1e-3, weight_decay=0.05,
                       schedule=gn.schedules.CosineDecay(epochs=4))  # fmt: skip
        h = gn.train(net, X, y, opt, epochs=4, batch_size=8, seed=3, engine=engine)
        runs[engine] = (net, opt, h)
    assert_same_run(runs, dtype)
    assert runs["numba"][1].state.lr != 0.01  # the schedule moved lr between epochs


@pytest.mark.parametrize("first, then", [("numba", "numpy"), ("numpy", "numba")])
def test_resuming_a_checkpoint_with_the_other_engine_continues_the_run(first, then, tmp_path):
    """2 epochs on one engine, checkpointed, then 2 more on the other = 4 on the reference."""
    X, y = data(np.random.default_rng(2), 10, "softmax", n_outputs=3)

    def run(epochs, engine, **kwargs):
        net = gn.Network([10, 16, 3], output="softmax", seed=5, dtype=np.float64, dropout=0.2,
                         batch_norm=True, l2=0.05)  # fmt: skip
        opt = gn.Adam(lr=0.01, epsilon=1e-3, schedule=gn.schedules.CosineDecay(epochs=4))
        h = gn.train(net, X, y, opt, epochs=epochs, batch_size=16, seed=1, engine=engine,
                     **kwargs)  # fmt: skip  (epsilon: see BATCH_NORM_OPTIMIZERS)
        return net, opt, h

    whole = run(4, "numpy")
    run(2, first, checkpoint=tmp_path / "c")
    resumed = run(4, then, resume=tmp_path / "c")
    assert_same_run({"numpy": whole, "numba": resumed}, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_size", [16, None])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
@pytest.mark.parametrize("options", [{}, {"dropout": 0.2, "l2": 0.1}, {"batch_norm": True}])
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_in_the_rows_order_are_read_in_place(shuffle, options, optimizer, batch_size,
                                                     dtype):  # fmt: skip
    """Without shuffling, or with one batch of the whole set (which training never shuffles),
    the fused engine reads each batch as a slice of X instead of gathering it into its buffer:
    the same run as the reference engine, and the gather buffer never written."""
    make = BATCH_NORM_OPTIMIZERS.get(optimizer, OPTIMIZERS[optimizer])
    runs = train_both([6, 10, 1], "relu", "sigmoid", make, batch_size, dtype, shuffle=shuffle,
                      **options)  # fmt: skip
    assert_same_run(runs, dtype)
    gathered = workspace.WORKSPACES[runs["numba"][0]].buffers.A[0]
    assert gathered.any() == (shuffle and batch_size is not None)
    assert compiled_epoch.in_order(np.arange(5))
    assert not compiled_epoch.in_order(np.array([0, 2, 1]))


@pytest.mark.parametrize("threshold", [0, 1 << 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop"])
@pytest.mark.parametrize("batch_size", [1, 16])
def test_blas_and_loop_paths_agree_with_the_reference(
    threshold, dtype, optimizer, batch_size, monkeypatch
):
    """Every layer through BLAS (threshold 0), then every layer through the loops."""
    monkeypatch.setattr(workspace, "BLAS_THRESHOLD", threshold)
    runs = train_both([12, 24, 8, 1], "relu", "sigmoid", OPTIMIZERS[optimizer], batch_size, dtype,
                      dropout=0.1)  # fmt: skip
    use_blas = workspace.WORKSPACES[runs["numba"][0]].use_blas
    assert use_blas.all() if threshold == 0 else not use_blas.any()
    assert_same_run(runs, dtype)


def test_same_seed_gives_bit_identical_weights():
    runs = [
        train_both([20, 32, 16, 1], "relu", "sigmoid", OPTIMIZERS["momentum"], 16, np.float32)
        for _ in range(2)
    ]
    for a, b in zip(runs[0]["numba"][0].parameters(), runs[1]["numba"][0].parameters()):
        np.testing.assert_array_equal(a, b)


def test_mixing_engines_continues_the_same_run():
    """Velocities and step counts are shared state: 2 epochs numba + 2 numpy = 4 numpy."""
    X, y = data(np.random.default_rng(0), 8)
    nets, opts = [], []
    for engines_used in (["numba", "numpy"], ["numpy", "numpy"]):
        net = gn.Network([8, 10, 1], seed=4)
        opt = gn.Momentum(lr=0.1)
        for seed, engine in enumerate(engines_used):
            gn.train(net, X, y, opt, epochs=2, batch_size=16, seed=seed, engine=engine)
        nets.append(net)
        opts.append(opt)
    assert opts[0].t == opts[1].t == 4 * 4
    for a, b in zip(
        nets[0].parameters() + opts[0].velocities, nets[1].parameters() + opts[1].velocities
    ):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_divergence_stops_with_finite_weights(engine):
    X, y = data(np.random.default_rng(1), 5, m=200)
    net = gn.Network([5, 16, 16, 1], hidden="identity", seed=0)
    opt = gn.GradientDescent(lr=10.0)
    with pytest.raises(gn.DivergenceError, match=r"diverged at epoch \d+, iteration \d+"):
        gn.train(net, X * 1e4, y, opt, epochs=50, batch_size=32, engine=engine)
    assert all(np.isfinite(p).all() for p in net.parameters())


def test_a_first_nonfinite_cost_takes_no_step():
    """Like the reference: the cost is computed, found non-finite, and nothing is updated."""
    X, y = data(np.random.default_rng(2), 4)
    X = np.abs(X).astype(np.float32) * np.float32(1e38)  # finite inputs, infinite logits
    Y = y.reshape(-1, 1).astype(np.float32)
    for engine in ("numpy", "numba"):
        net = gn.Network([4, 3, 1], hidden="identity", seed=0)
        for p in net.parameters():
            p[...] = 1
        before = [p.copy() for p in net.parameters()]
        opt = gn.Momentum()
        run_epoch = engines.select(engine, net, opt)
        with np.errstate(all="ignore"):
            costs = run_epoch(net, opt, X, Y, np.arange(M), batch_slices(M, 20))
        assert len(costs) == 1 and not np.isfinite(costs[0])
        assert opt.t == 0 and opt.velocities is None
        for p, q in zip(before, net.parameters()):
            np.testing.assert_array_equal(p, q)


def test_auto_picks_numba_and_falls_back_to_numpy():
    net = gn.Network([3, 4, 1])
    assert engines.select("auto", net, gn.Momentum()) is engines.numba_epoch
    assert engines.select("numba", net, gn.GradientDescent()) is engines.numba_epoch
    assert engines.select("numpy", net, gn.Momentum()) is engines.reference.epoch
    covered = [
        gn.Network([3, 4, 1], l2=0.1),
        gn.Network([3, 4, 1], l1=0.1),
        gn.Network([3, 4, 1], dropout=0.2),
        gn.Network([3, 4, 1], batch_norm=True),
        gn.Network([3, 4, 2], output="softmax"),
        gn.Network([3, 4, 2], output="identity", dtype=np.float64),
    ]
    for other in covered:
        for optimizer in OPTIMIZERS.values():
            assert engines.select("auto", other, optimizer()) is engines.numba_epoch

    class Halving(gn.GradientDescent):  # a custom optimizer the fused loop cannot know
        def step(self, params, grads):
            super().step(params, [g / 2 for g in grads])

    engines.NOTED.discard(Halving)
    with pytest.warns(UserWarning, match=r'engine="auto" trains with the NumPy engine.*Halving'):
        assert engines.select("auto", net, Halving()) is engines.reference.epoch
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per class: the second time says nothing
        assert engines.select("auto", net, Halving()) is engines.reference.epoch
    with pytest.raises(gn.GlassnetError, match=r'engine="numba" cannot train.*Halving'):
        engines.select("numba", net, Halving())

    class Traced(gn.Network):  # a network that changes the forward pass
        def propagate(self, X, training=False, reuse_masks=False):
            return super().propagate(X, training, reuse_masks)

    custom = gn.Network([3, 4, 1])
    custom.layers[0].activation = gn.activations.Activation("relu", np.abs, np.sign)
    for other in (custom, Traced([3, 4, 1])):
        assert engines.select("auto", other, gn.Momentum()) is engines.reference.epoch
    with pytest.raises(gn.GlassnetError, match="custom activation"):
        engines.select("numba", custom, gn.Momentum())
    used = gn.Adam()  # moments of another network: the reference engine reports it
    used.moments = used.squares = [np.zeros((2, 2), np.float32)] * 4
    assert engines.select("auto", net, used) is engines.reference.epoch


def test_without_numba_auto_uses_numpy_and_numba_names_the_extra(monkeypatch):
    monkeypatch.delattr(engines, "fused", raising=False)
    monkeypatch.setitem(sys.modules, "glassnet.engine.fused", None)  # as if numba were missing
    net = gn.Network([3, 4, 1])
    assert engines.select("auto", net, gn.Momentum()) is engines.reference.epoch
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[fast\]"'):
        engines.select("numba", net, gn.Momentum())


def test_unknown_engine_lists_the_valid_names():
    X, y = data(np.random.default_rng(0), 3, m=10)
    with pytest.raises(
        gn.GlassnetError, match="unknown engine 'cuda'; choose one of: auto, numba, numpy"
    ):
        gn.train(gn.Network([3, 2, 1]), X, y, engine="cuda")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "identity"])
def test_fused_forward_equals_the_network_forward(hidden, dtype):
    X = np.random.default_rng(3).standard_normal((40, 20))
    outputs = (("sigmoid", [20, 32, 16, 1]), ("identity", [20, 32, 3]), ("softmax", [20, 8, 3]))
    for output, sizes in outputs:
        net = gn.Network(sizes, hidden=hidden, output=output, seed=0, dtype=dtype)
        for m in (1, 7, 40):  # one row (gemv), a few (loops and gemm), all
            A = engines.forward(net, X[:m])
            assert A.dtype == net.dtype and A.shape == (m, sizes[-1])
            np.testing.assert_allclose(A, net.forward(X[:m]), **TOLERANCE[dtype])
        proba = net.forward(X)
        np.testing.assert_allclose(net.predict_proba(X), proba[:, 0] if output == "sigmoid"
                                   else proba, **TOLERANCE[dtype])  # fmt: skip
        if output == "softmax":
            np.testing.assert_array_equal(net.predict(X), engines.forward(net, X).argmax(axis=1))
    with pytest.raises(gn.GlassnetError, match="features"):
        engines.forward(net, X[:, :5])
    net.layers[0].activation = gn.activations.Activation("relu", np.abs, np.sign)  # noticed
    np.testing.assert_array_equal(engines.forward(net, X), net.forward(X))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_prediction_in_blocks_equals_the_network_forward(batch_norm, monkeypatch):
    """A large X goes through the layers BLOCK rows at a time (the last block partial); batch
    norm in one pass."""
    monkeypatch.setattr(fused, "BLOCK", 16)
    X = np.random.default_rng(4).standard_normal((40, 12))
    networks = (("sigmoid", [12, 24, 1]), ("softmax", [12, 24, 8, 3]), ("identity", [12, 2]))
    for output, sizes in networks:
        net = gn.Network(sizes, output=output, seed=0, dtype=np.float64, batch_norm=batch_norm)
        for m in (40, 16, 15, 1):
            np.testing.assert_allclose(engines.forward(net, X[:m]), net.forward(X[:m]),
                                       **TOLERANCE[np.float64])  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_prediction_refuses_nan_and_infinity_by_row_in_any_input_form(dtype, batch_norm):
    """The compiled pass checks finiteness itself for an input it takes as it is; every form of
    input (the network's dtype or not, contiguous or not, a list) gets check_X's error."""
    net = gn.Network([3, 4, 1], seed=0, dtype=dtype, batch_norm=batch_norm)
    for bad, kind in ((np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")):
        X = np.ones((5, 3), dtype)
        X[3, 1] = bad
        for form in (X, X.astype(np.float64 if dtype == np.float32 else np.float32),
                     np.asfortranarray(X), X.tolist()):  # fmt: skip
            with pytest.raises(gn.GlassnetError, match=f"1 {kind} value.*first in row 3"):
                net.predict_proba(form)
    X = np.ones((5, 3), dtype)
    np.testing.assert_allclose(net.predict_proba(X.tolist()), net.forward(X)[:, 0],
                               **TOLERANCE[dtype])  # fmt: skip


@pytest.mark.parametrize("batch_norm", [False, True])
def test_compiled_logits_are_the_reference_logits(batch_norm, monkeypatch):
    """Network.logits (what the estimators' decision_function and predict_proba read) runs the
    compiled pass in the network's dtype, with the output's activation left out; another dtype
    goes through the NumPy pass."""
    X = np.random.default_rng(5).standard_normal((30, 6))
    calls = compiled_calls(monkeypatch)
    for output, sizes in (("sigmoid", [6, 9, 1]), ("softmax", [6, 9, 4]), ("identity", [6, 2])):
        net = gn.Network(sizes, output=output, seed=0, dtype=np.float64, batch_norm=batch_norm)
        expected = X.copy()
        for layer in net.layers:
            Z, expected = layer.apply(expected)
        calls.clear()
        np.testing.assert_allclose(net.logits(X), Z, **TOLERANCE[np.float64])
        assert calls == [True]
        np.testing.assert_allclose(net.logits(X, dtype=np.float32), Z, rtol=1e-5, atol=1e-6)
        assert calls == [True]  # float32 from a float64 network: the NumPy pass


def test_the_estimators_predict_float32_input_with_the_compiled_pass(monkeypatch):
    from glassnet.sklearn import GlassClassifier

    X, y = data(np.random.default_rng(6), 5, "softmax", m=120, n_outputs=3)
    clf = GlassClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    reference = clf.predict_proba(X)  # float64 input: predicted in float64 by the NumPy pass
    calls = compiled_calls(monkeypatch)
    fast = clf.predict_proba(X.astype(np.float32))
    assert calls == [True]
    np.testing.assert_allclose(fast, reference, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X.astype(np.float32)), reference.argmax(axis=1))


# equivalent: engine:95:26 0 -> 1 -- a one-row X then goes through check_X first, which returns
# it as it is: the same answer, only slower (W5's latency measures it)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_refuses_a_wrong_shape_even_in_the_networks_own_dtype(dtype):
    """Arrays the compiled pass could take as they are (C-contiguous, the network's dtype) but
    of a shape it must not: check_X's errors, never a pass over memory that is not there."""
    net = gn.Network([3, 4, 2], output="softmax", seed=0, dtype=dtype)
    cases = {
        (3,): "2-D", (2, 3, 1): "2-D", (0, 3): "empty", (5, 4): "4 features",
        (5, 2): "2 features", (5, 0): "no features",
    }  # fmt: skip
    for shape, message in cases.items():
        X = np.ones(shape, dtype)
        assert X.flags.c_contiguous
        for call in (net.predict_proba, net.predict, net.logits, net.outputs):
            with pytest.raises(gn.GlassnetError, match=message):
                call(X)


def test_prediction_follows_a_replaced_weight_array():
    net = gn.Network([3, 4, 1], seed=0)
    X = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    before = net.predict_proba(X)
    predictor = engines._predictor(net)
    assert engines._predictor(net) is predictor  # made once while nothing is replaced
    net.layers[0].W = net.layers[0].W * -1  # a new array, as a user (or a loader) may assign
    assert engines._predictor(net) is not predictor
    after = net.predict_proba(X)
    np.testing.assert_allclose(after, net.forward(X)[:, 0], **TOLERANCE[np.float32])
    assert np.abs(after - before).max() > 1e-3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_is_compiled_and_leaves_the_caches_alone(dtype, monkeypatch):
    """predict_proba and predict run the compiled pass, in prediction mode (batch norm's
    running averages, no dropout), and keep no layer cache; forward keeps them."""
    X, y = data(np.random.default_rng(1), 10, "softmax", n_outputs=3)
    net = gn.Network([10, 16, 8, 3], output="softmax", seed=0, dtype=dtype, dropout=0.5,
                     batch_norm=True)  # fmt: skip
    gn.train(net, X, y, gn.Adam(lr=0.01), epochs=2, batch_size=16, engine="numba")
    state = net.dropout_rng.bit_generator.state
    for layer in net.layers:
        layer.Z = layer.A = None
    calls = compiled_calls(monkeypatch)
    proba = net.predict_proba(X)
    labels = net.predict(X)
    assert calls == [False, False] and all(layer.Z is None for layer in net.layers)
    assert net.dropout_rng.bit_generator.state == state  # no mask drawn
    expected = net.forward(X)
    np.testing.assert_allclose(proba, expected, **TOLERANCE[dtype])
    np.testing.assert_array_equal(labels, expected.argmax(axis=1))
    assert all(layer.Z is not None for layer in net.layers)  # forward keeps its caches


def test_predicting_from_several_threads_at_once_gives_each_its_own_answer():
    from concurrent.futures import ThreadPoolExecutor

    net = gn.Network([20, 64, 64, 3], output="softmax", seed=0)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((100, 20), dtype=np.float32) for _ in range(16)]
    expected = [net.forward(X) for X in batches]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            got = list(pool.map(net.predict_proba, batches))
            for a, b in zip(got, expected):
                np.testing.assert_allclose(a, b, **TOLERANCE[np.float32])


@pytest.mark.parametrize("kernel", ["gd_step", "momentum_step", "nesterov_step", "rmsprop_step",
                                    "adam_step", "adagrad_step", "drop", "activation"])  # fmt: skip
def test_the_elementwise_kernels_compile_to_vector_code(kernel):
    """Each optimizer step (and dropout, softmax) is one loop that the compiler turns into SIMD
    code on float32: with numba's default division check (error_model "python") or without
    fastmath the loops with a division stay scalar, and Adam's step takes several times as long."""
    function = getattr(steps if kernel.endswith("_step") else kernels, kernel).py_func
    compiled = numba.njit(**{**kernels.LOOPS, "cache": False})(function)
    f32, f64 = np.zeros(64, np.float32), np.zeros(8)
    arguments = {
        **{name: (f32, f32, f32, f32, f64, 1, f32) for name in (  # one signature: steps.py
            "gd_step", "momentum_step", "nesterov_step", "rmsprop_step", "adam_step",
            "adagrad_step")},
        "drop": (f32.reshape(8, 8), f32.reshape(8, 8), f64, 0, 0.5, np.float32(0.5),
                 np.float32(1), np.float32(0)),
        "activation": (f32.reshape(8, 8), kernels.SOFTMAX, np.float32(1), np.float32(0)),
    }[kernel]  # fmt: skip
    compiled(*arguments)
    (ir,) = compiled.inspect_llvm().values()
    assert "x float>" in ir  # a vector of float32 lanes, e.g. <8 x float>


def test_the_compiled_loops_keep_no_reference_counts():
    """The engine compiles without numba's runtime (``_nrt=False``: it allocates nothing): with
    it, every array a step slices or passes on is counted up and down with atomic instructions,
    which took much of W4's time."""
    net = gn.Network([8, 8, 1], seed=0)
    X = np.zeros((4, 8), np.float32)
    ws = workspace.Workspace(net, 4, training=False)
    arguments = (X, np.zeros((4, 1), np.float32), workspace.layers(net), ws.buffers,
                 kernels.SIGMOID, 4)  # fmt: skip
    for options, counted in ((kernels.EXACT, False), ({**kernels.EXACT, "_nrt": True}, True)):
        predict = numba.njit(**{**options, "cache": False})(compiled_epoch.predict.py_func)
        predict(*arguments)
        (ir,) = predict.inspect_llvm().values()
        assert ("NRT_incref" in ir) is counted  # (and with the runtime, the test would see it)
    assert kernels.LOOPS["_nrt"] is False


def test_an_epoch_releases_the_interpreter_lock():
    """While one thread runs a compiled epoch of several seconds, another thread keeps running:
    it wakes up every millisecond all along (with the lock held it would not run at all)."""
    import threading
    import time

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 256), dtype=np.float32)
    Y = (X[:, :3].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    net = gn.Network([256, 512, 512, 1], seed=0, dropout=0.1)
    opt = gn.Adam()
    fused.epoch(net, opt, X, Y, np.arange(64), batch_slices(64, 1))  # compiled, buffers made
    order = np.tile(np.arange(4096), 2)
    slices = batch_slices(order.size, 1)  # one sample per step: seconds of compiled loops
    done = threading.Event()
    span = {}

    def train():
        span["start"] = time.perf_counter()
        fused.epoch(net, opt, X, Y, order, slices)
        span["stop"] = time.perf_counter()
        done.set()

    worker = threading.Thread(target=train)
    wakeups = []
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        wakeups.append(time.perf_counter())
    worker.join()
    inside = [w for w in wakeups if span["start"] < w < span["stop"]]
    seconds = span["stop"] - span["start"]
    assert seconds > 0.5, "the epoch was too short to tell"
    assert len(inside) > 50 * seconds  # at least one wake-up per 20 ms of the epoch
    gaps = np.diff(inside)
    assert gaps.max() < 0.25  # never shut out for long


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_a_nonfinite_cost_leaves_the_dropout_generator_where_the_reference_does(engine):
    X, y = data(np.random.default_rng(2), 4)
    X[40] = np.inf  # batch 3 of 4 (16 rows each) has a non-finite cost
    Y = y.reshape(-1, 1).astype(np.float64)
    net = gn.Network([4, 8, 1], hidden="identity", seed=0, dtype=np.float64, dropout=0.5)
    before = net.dropout_rng.bit_generator.state
    opt = gn.Adam()
    with np.errstate(all="ignore"):
        costs = engines.select(engine, net, opt)(net, opt, X, Y, np.arange(M), batch_slices(M, 16))
    assert len(costs) == 3 and not np.isfinite(costs[-1]) and opt.t == 2
    expected = np.random.default_rng(0)
    expected.bit_generator.state = before
    expected.random(3 * 16 * 8)  # three batches' masks, drawn as the reference engine draws them
    assert net.dropout_rng.bit_generator.state == expected.bit_generator.state


@pytest.mark.parametrize(
    "case",
    [
        # W3's shapes ([784, 1024, 1024, 1], batch 256) with Momentum: the folded gemm path
        ([784, 1024, 1024, 1], "sigmoid", {}, gn.Momentum),
        # Adam on a softmax output with dropout: gradients in buffers, masks from uniforms
        ([784, 512, 512, 10], "softmax", {"dropout": 0.2}, gn.Adam),
    ],
    ids=["w3-momentum", "adam-softmax-dropout"],
)
def test_an_epoch_allocates_nothing_per_step(case):
    """After a first epoch made the buffers, an epoch allocates no NumPy array per step
    (tracemalloc) and nothing per step in numba's runtime, for 2 steps as for 8: only the
    returned list of costs grows with the steps."""
    from numba.core.runtime import _nrt_python, rtsys

    sizes, output, options, make_optimizer = case
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2048, sizes[0]), dtype=np.float32)
    if output == "softmax":
        Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], 2048)]
    else:
        Y = (X[:, :3].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    net = gn.Network(sizes, output=output, seed=0, **options)
    opt = make_optimizer()
    fused.epoch(net, opt, X, Y, np.arange(2048), batch_slices(2048, 256))  # makes the buffers
    _nrt_python.memsys_enable_stats()
    growth, nrt = {}, {}
    try:
        for m in (512, 2048):
            order = rng.permutation(2048)[:m]
            slices = batch_slices(m, 256)
            nrt_before = rtsys.get_allocation_stats()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            costs = fused.epoch(net, opt, X, Y, order, slices)
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            nrt_after = rtsys.get_allocation_stats()
            assert len(costs) == len(slices) and np.isfinite(costs).all()
            growth[len(slices)] = peak
            nrt[len(slices)] = nrt_after.alloc - nrt_before.alloc
    finally:
        _nrt_python.memsys_disable_stats()
    # numba wraps each array argument of the one call (some hundred, in tuples of views): as
    # many for 2 steps as for 8
    assert nrt[8] == nrt[2] <= 160
    one_batch_array = 256 * 512 * 4  # what any per-step temporary would weigh
    assert max(growth.values()) < one_batch_array / 16
    assert growth[8] - growth[2] < 1024  # six more steps: a few more floats in the costs list


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_repeated_predictions_call_the_compiled_entry_point(dtype):
    """After a first call through numba's dispatcher, the Predictor calls compiled.predict's
    entry point directly: the same numbers as the dispatcher and the NumPy pass, for one row and
    many, a read-only X (its own entry), and a NaN still refused with its row."""
    rng = np.random.default_rng(0)
    net = gn.Network([6, 8, 1], seed=0, dtype=dtype)
    X = rng.standard_normal((50, 6)).astype(dtype)
    expected = net.forward(X)[:, 0]
    tol = TOLERANCE[dtype]
    for _ in range(2):
        np.testing.assert_allclose(net.predict_proba(X[:1]), expected[:1], **tol)
        np.testing.assert_allclose(net.predict_proba(X), expected, **tol)
    predictor = engines._predictor(net)
    assert len(predictor.entries) == 2  # one per buffers (1 row, 50 rows)
    frozen = X.copy()
    frozen.flags.writeable = False
    for _ in range(2):
        np.testing.assert_allclose(net.predict_proba(frozen), expected, **tol)
    assert len(predictor.entries) == 3
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(gn.GlassnetError, match="row 3|line 4|NaN"):
        net.predict_proba(bad)
