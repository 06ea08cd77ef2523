"""The fused numba engine computes the same training run as the reference NumPy engine."""

import sys
import tracemalloc

import numpy as np
import pytest

import glassnet as gn
from glassnet import engine as engines
from glassnet.data import batch_slices

numba = pytest.importorskip("numba", reason="the fused engine needs numba (glassnet[fast])")
pytest.importorskip("scipy", reason="the fused engine calls BLAS through scipy")
from glassnet.engine import fused  # noqa: E402

M = 60  # 60 = 3 x 16 + 12: batch_size 16 leaves a partial last batch, 20 does not

# After a few epochs of float32 training the engines differ by rounding only: sums are taken
# in another order (BLAS, SIMD), which perturbs the last bits at every step.
TOLERANCE = {np.float32: {"rtol": 1e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-11, "atol": 1e-12}}


def data(rng, n_features, output="sigmoid", m=M):
    X = rng.standard_normal((m, n_features))
    if output == "sigmoid":
        return X, (X[:, 0] - X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    return X, np.tanh(X[:, 0]) - 0.5 * X[:, 1]


def train_both(sizes, hidden, output, make_optimizer, batch_size, dtype, epochs=3, seed=7):
    """Train the same network from the same seed with each engine; return both runs."""
    X, y = data(np.random.default_rng(seed), sizes[0], output)
    runs = {}
    for engine in ("numpy", "numba"):
        net = gn.Network(sizes, hidden=hidden, output=output, seed=1, dtype=dtype)
        initial = [p.copy() for p in net.parameters()]
        optimizer = make_optimizer()
        history = gn.train(
            net, X, y, optimizer, epochs=epochs, batch_size=batch_size, seed=3, engine=engine
        )
        runs[engine] = (net, optimizer, history)
        moved = max(np.abs(p - q).max() for p, q in zip(net.parameters(), initial))
        assert moved > 1e-3  # training really changed the weights
    return runs


def assert_same_run(runs, dtype):
    (net_a, opt_a, hist_a), (net_b, opt_b, hist_b) = runs["numpy"], runs["numba"]
    tol = TOLERANCE[dtype]
    for a, b in zip(net_a.parameters(), net_b.parameters()):
        assert b.dtype == a.dtype
        np.testing.assert_allclose(b, a, **tol)
    assert opt_b.t == opt_a.t == hist_a.iterations
    if isinstance(opt_a, gn.Momentum):
        assert len(opt_b.velocities) == len(opt_a.velocities)
        for a, b in zip(opt_a.velocities, opt_b.velocities):
            np.testing.assert_allclose(b, a, **tol)
    np.testing.assert_allclose(hist_b.costs, hist_a.costs, rtol=tol["rtol"], atol=tol["atol"])


OPTIMIZERS = {
    "gd": lambda: gn.GradientDescent(lr=0.1),
    "momentum": lambda: gn.Momentum(lr=0.1, beta=0.9),
}


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


@pytest.mark.parametrize("threshold", [0, 1 << 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
@pytest.mark.parametrize("batch_size", [1, 16])
def test_blas_and_loop_paths_agree_with_the_reference(
    threshold, dtype, optimizer, batch_size, monkeypatch
):
    """Every layer through BLAS (threshold 0), then every layer through the loops."""
    monkeypatch.setattr(fused, "BLAS_THRESHOLD", threshold)
    runs = train_both([12, 24, 8, 1], "relu", "sigmoid", OPTIMIZERS[optimizer], batch_size, dtype)
    use_blas = fused._workspaces[runs["numba"][0]].use_blas
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

    class Halving(gn.GradientDescent):  # a custom optimizer the fused loop cannot know
        def step(self, params, grads):
            super().step(params, [g / 2 for g in grads])

    assert engines.select("auto", net, Halving()) is engines.reference.epoch
    with pytest.raises(gn.GlassnetError, match=r'engine="numba" cannot train.*Halving'):
        engines.select("numba", net, Halving())
    custom = gn.Network([3, 4, 1])
    custom.layers[0].activation = gn.activations.Activation("relu", np.abs, np.sign)
    others = [
        custom,
        gn.Network([3, 4, 1], l2=0.1),
        gn.Network([3, 4, 1], dropout=0.2),
        gn.Network([3, 4, 1], batch_norm=True),
        gn.Network([3, 4, 2], output="softmax"),
    ]
    for other in others:
        assert engines.select("auto", other, gn.Momentum()) is engines.reference.epoch
    with pytest.raises(gn.GlassnetError, match="l2, dropout or batch_norm"):
        engines.select("numba", others[1], gn.Momentum())
    used = gn.Momentum()  # velocities of another network: the reference engine reports it
    used.velocities = [np.zeros((2, 2), np.float32)] * 4
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
    for output, sizes in (("sigmoid", [20, 32, 16, 1]), ("identity", [20, 32, 3])):
        net = gn.Network(sizes, hidden=hidden, output=output, seed=0, dtype=dtype)
        for m in (1, 7, 40):  # one row (gemv), a few (loops and gemm), all
            A = engines.forward(net, X[:m])
            assert A.dtype == net.dtype and A.shape == (m, sizes[-1])
            np.testing.assert_allclose(A, net.forward(X[:m]), **TOLERANCE[dtype])
        if output == "sigmoid":
            np.testing.assert_allclose(
                engines.predict_proba(net, X), net.predict_proba(X), **TOLERANCE[dtype]
            )
    with pytest.raises(gn.GlassnetError, match="features"):
        engines.forward(net, X[:, :5])
    softmax = gn.Network([20, 8, 3], output="softmax", seed=0)  # not fused: the network's pass
    np.testing.assert_array_equal(engines.forward(softmax, X), softmax.forward(X))
    net.layers[0].activation = gn.activations.Activation("relu", np.abs, np.sign)  # noticed
    np.testing.assert_array_equal(engines.forward(net, X), net.forward(X))


def test_w3_allocates_nothing_per_step():
    """W3's shapes ([784, 1024, 1024, 1], batch 256): after a first epoch made the buffers, an
    epoch allocates no NumPy array (tracemalloc) and nothing per step in numba's runtime, for 2
    steps as for 8: only the returned list of costs grows with the steps."""
    from numba.core.runtime import _nrt_python, rtsys

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2048, 784), dtype=np.float32)
    Y = (X[:, :3].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    net = gn.Network([784, 1024, 1024, 1], seed=0)
    opt = gn.Momentum()
    fused.epoch(net, opt, X, Y, np.arange(512), batch_slices(512, 256))  # makes the buffers
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
    # numba wraps each array argument of the one call (some thirty): as many for 2 steps as for 8
    assert nrt[8] == nrt[2] <= 64
    one_batch_array = 256 * 1024 * 4  # what any per-step temporary would weigh
    assert max(growth.values()) < one_batch_array / 16
    assert growth[8] - growth[2] < 1024  # six more steps: a few more floats in the costs list
