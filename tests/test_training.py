import numpy as np
import pytest

import glassnet as gn
from glassnet.files import checkpoints


def separable(rng, m=200, n=5):
    X = rng.standard_normal((m, n))
    w = rng.standard_normal(n)
    y = (X @ w > 0).astype(int)
    return X, y


def test_training_reduces_cost_and_separates(rng):
    X, y = separable(rng)
    net = gn.Network([5, 8, 1], seed=0)
    J0 = net.cost(X, y)
    history = gn.train(net, X, y, gn.Momentum(lr=0.5, beta=0.9), epochs=60, batch_size=32)
    assert history.epoch_costs[-1] < 0.1 * J0
    assert np.mean(net.predict(X) == y) == 1.0


def test_same_seed_same_weights_bit_for_bit(rng):
    X, y = separable(rng)
    runs = []
    for _ in range(2):
        net = gn.Network([5, 6, 4, 1], seed=7)
        gn.train(net, X, y, gn.Momentum(lr=0.1), epochs=5, batch_size=16, seed=3)
        runs.append(net.parameters())
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
    other = gn.Network([5, 6, 4, 1], seed=7)
    gn.train(other, X, y, gn.Momentum(lr=0.1), epochs=5, batch_size=16, seed=4)
    assert not np.array_equal(other.layers[0].W, runs[0][0])


def test_epoch_is_the_lecture_loop_with_a_partial_last_batch(rng):
    """One epoch of train() equals: permute, slice, backprop, update, for every batch.
    The last batch (10 % 4 = 2 samples) is averaged over its own size."""
    X, y = separable(rng, m=10, n=3)
    net = gn.Network([3, 4, 1], hidden="tanh", seed=1, dtype=np.float64)
    by_hand = net.copy()
    history = gn.train(net, X, y, gn.GradientDescent(lr=0.3), epochs=1, batch_size=4, seed=9)
    order = np.random.default_rng(9).permutation(10)
    costs = []
    for batch in (order[0:4], order[4:8], order[8:10]):
        J, grads = by_hand.cost_and_gradients(X[batch], y[batch])
        costs.append(J)
        for layer, (dW, db) in zip(by_hand.layers, grads):
            layer.W -= 0.3 * dW
            layer.b -= 0.3 * db
    assert np.allclose(history.costs, costs)
    assert history.iterations == 3 and history.epochs == 1
    assert np.isclose(history.epoch_costs[0], (4 * costs[0] + 4 * costs[1] + 2 * costs[2]) / 10)
    assert all(np.allclose(a, b) for a, b in zip(net.parameters(), by_hand.parameters()))


def test_full_batch_when_batch_size_is_none_or_large(rng):
    X, y = separable(rng, m=30)
    a, b = gn.Network([5, 3, 1], seed=0), gn.Network([5, 3, 1], seed=0)
    ha = gn.train(a, X, y, gn.GradientDescent(lr=0.1), epochs=4, batch_size=None)
    hb = gn.train(b, X, y, gn.GradientDescent(lr=0.1), epochs=4, batch_size=1000)
    assert ha.iterations == 4 and ha.costs == hb.costs
    # full batch GD never shuffles anything that matters: the cost decreases every step
    assert all(np.diff(ha.costs) < 0)


def test_validation_metrics_and_callbacks(rng):
    X, y = separable(rng, m=300)
    seen = []

    def stop_after_three(history):
        seen.append(history.epochs)
        history.stop_training = history.epochs == 3

    net = gn.Network([5, 8, 1], seed=0)
    history = gn.train(
        net,
        X[:200],
        y[:200],
        epochs=50,
        validation_data=(X[200:], y[200:]),
        callbacks=[stop_after_three],
    )
    assert seen == [1, 2, 3] and history.epochs == 3
    assert len(history.val_costs) == len(history.val_accuracies) == 3
    expected = np.mean(net.predict(X[200:]) == y[200:])
    assert history.val_accuracies[-1] == pytest.approx(expected)
    assert history.val_costs[-1] == pytest.approx(net.cost(X[200:], y[200:]), rel=1e-6)


def test_divergence_stops_with_finite_weights(rng):
    X, y = separable(rng)
    X = X * 1e4  # unnormalized, huge inputs
    net = gn.Network([5, 16, 16, 1], hidden="identity", seed=0)
    with pytest.raises(gn.DivergenceError, match=r"diverged at epoch \d+, iteration \d+.*smaller"):
        gn.train(net, X, y, gn.GradientDescent(lr=10.0), epochs=50, batch_size=32)
    assert all(np.isfinite(p).all() for p in net.parameters())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"validation_data": (np.zeros((3, 4)), [0, 1, 0])}, "X_val has 4 features"),
    ],
)
def test_bad_training_arguments(kwargs, message, rng):
    X, y = separable(rng, m=20)
    with pytest.raises(gn.GlassnetError, match=message):
        gn.train(gn.Network([5, 2, 1]), X, y, **kwargs)


def test_validation_split_is_seeded_and_disjoint(rng):
    X, y = separable(rng, m=100)
    net = gn.Network([5, 4, 1], seed=0)
    h = gn.train(net, X, y, epochs=2, validation_split=0.2, seed=5)
    assert len(h.val_costs) == 2 and h.iterations == 2 * 2  # 80 training rows, batches of 64
    train_rows, val_rows = gn.data.split_rows(100, 0.2, 5, labels=y)
    Xt, Xv = X[train_rows], X[val_rows]
    assert len(Xv) == 20 and len(Xt) == 80
    rows = {tuple(r) for r in Xt} | {tuple(r) for r in Xv}
    assert len(rows) == 100
    # the history is that of training on exactly these rows, validated on the others
    again = gn.train(gn.Network([5, 4, 1], seed=0), Xt, y[train_rows], epochs=2, seed=5,
                     validation_data=(Xv, y[val_rows]))  # fmt: skip
    assert again.costs == h.costs and again.val_costs == h.val_costs
    with pytest.raises(gn.GlassnetError, match="not both"):
        gn.train(net, X, y, validation_split=0.2, validation_data=(X, y))
    with pytest.raises(gn.GlassnetError, match=r"validation_split must be in \(0, 1\)"):
        gn.train(net, X, y, validation_split=1.5)


def test_early_stopping_and_restore_best(rng):
    """Noisy labels and a large network: the validation cost bottoms out, then rises."""
    X = rng.standard_normal((120, 10))
    y = (X[:, 0] + 1.5 * rng.standard_normal(120) > 0).astype(int)
    Xv = rng.standard_normal((200, 10))
    yv = (Xv[:, 0] > 0).astype(int)
    net = gn.Network([10, 64, 64, 1], seed=0)
    h = gn.train(
        net,
        X,
        y,
        gn.Adam(lr=0.01),
        epochs=300,
        batch_size=16,
        validation_data=(Xv, yv),
        early_stopping=5,
        restore_best=True,
    )
    best = int(np.argmin(h.val_costs))
    assert h.epochs == best + 1 + 5 < 300  # stopped 5 epochs after the best one
    assert net.cost(Xv, yv) == pytest.approx(h.val_costs[best], rel=1e-5)


def test_resume_from_checkpoint_is_bit_identical(rng, tmp_path):
    X, y = separable(rng, m=90)
    for optimizer in (lambda: gn.Momentum(lr=0.1), lambda: gn.Adam(lr=0.01)):
        whole = gn.Network([5, 6, 1], seed=2)
        h_whole = gn.train(whole, X, y, optimizer(), epochs=6, batch_size=16, seed=3)
        path = tmp_path / "run.ckpt"
        first = gn.Network([5, 6, 1], seed=2)
        gn.train(first, X, y, optimizer(), epochs=3, batch_size=16, seed=3, checkpoint=path)
        resumed = gn.Network([5, 6, 1], seed=99)  # weights come from the checkpoint
        h = gn.train(resumed, X, y, optimizer(), epochs=6, batch_size=16, seed=3, resume=path)
        assert all(np.array_equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))
        assert h.costs == h_whole.costs and h.epochs == 6


def test_ctrl_c_saves_a_checkpoint_that_resumes_exactly(rng, tmp_path, monkeypatch):
    X, y = separable(rng, m=90)
    whole = gn.Network([5, 6, 1], seed=2)
    gn.train(whole, X, y, gn.Momentum(lr=0.1), epochs=6, batch_size=16, seed=3)

    calls = {"n": 0}
    real_select = gn.engine.select

    def interrupting_select(name, net, optimizer):
        run = real_select(name, net, optimizer)

        def epoch(*args):
            calls["n"] += 1
            if calls["n"] == 4:  # Ctrl-C in the middle of epoch 4
                run(*args)  # the weights have moved: they must be rolled back
                raise KeyboardInterrupt
            return run(*args)

        return epoch

    monkeypatch.setattr(gn.engine, "select", interrupting_select)
    path = tmp_path / "run.ckpt"
    net = gn.Network([5, 6, 1], seed=2)
    with pytest.raises(gn.TrainingInterrupted, match="after epoch 3 is saved"):
        gn.train(
            net,
            X,
            y,
            gn.Momentum(lr=0.1),
            epochs=6,
            batch_size=16,
            seed=3,
            checkpoint=path,
            checkpoint_every=100,
        )
    monkeypatch.setattr(gn.engine, "select", real_select)
    resumed = gn.Network([5, 6, 1], seed=2)
    gn.train(resumed, X, y, gn.Momentum(lr=0.1), epochs=6, batch_size=16, seed=3, resume=path)
    assert all(np.array_equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))


def test_resume_refuses_another_architecture_or_optimizer(rng, tmp_path):
    X, y = separable(rng, m=40)
    path = tmp_path / "run.ckpt"
    gn.train(gn.Network([5, 6, 1], seed=2), X, y, gn.Momentum(), epochs=1, checkpoint=path)
    with pytest.raises(gn.GlassnetError, match="same architecture"):
        gn.train(gn.Network([5, 7, 1]), X, y, gn.Momentum(), epochs=2, resume=path)
    with pytest.raises(gn.GlassnetError, match="same optimizer"):
        gn.train(gn.Network([5, 6, 1]), X, y, gn.Adam(), epochs=2, resume=path)


def _interrupt_after(epochs_done):
    """A callback that presses Ctrl-C once ``epochs_done`` epochs are complete."""

    def callback(history):
        if history.epochs == epochs_done:
            raise KeyboardInterrupt

    return callback


@pytest.mark.parametrize(
    "options",
    [
        {"net": {"dropout": 0.3}},
        {"net": {"batch_norm": True}},
        {"train": {"early_stopping": 3, "restore_best": True, "validation_split": 0.3}},
    ],
    ids=["dropout", "batch_norm", "early_stopping"],
)
def test_resume_is_bit_identical_with_every_kind_of_state(options, rng, tmp_path):
    """Dropout masks, batch-norm statistics and the best epoch are part of the state too."""
    X = rng.standard_normal((80, 5))
    y = (X[:, 0] + 0.8 * rng.standard_normal(80) > 0).astype(int)
    net_options, train_options = options.get("net", {}), options.get("train", {})

    def run(**more):
        net = gn.Network([5, 16, 1], seed=2, **net_options)
        h = gn.train(
            net, X, y, gn.Adam(lr=0.05), epochs=12, batch_size=16, seed=3, **train_options, **more
        )
        return net, h

    whole, h_whole = run()
    path = tmp_path / "run.ckpt"
    with pytest.raises(gn.TrainingInterrupted):
        run(checkpoint=path, callbacks=[_interrupt_after(4)])
    resumed, h = run(resume=path)
    assert h.costs == h_whole.costs and h.epochs == h_whole.epochs
    pairs = zip(whole.parameters() + whole.buffers(), resumed.parameters() + resumed.buffers())
    assert all(np.array_equal(a, b) for a, b in pairs)


def test_restore_best_puts_back_the_batch_norm_statistics_too(rng):
    X = rng.standard_normal((60, 5))
    y = (X[:, 0] + rng.standard_normal(60) > 0).astype(int)
    Xv, yv = rng.standard_normal((100, 5)), rng.integers(0, 2, 100)
    net = gn.Network([5, 32, 1], seed=0, batch_norm=True)
    h = gn.train(
        net,
        X,
        y,
        gn.Adam(lr=0.05),
        epochs=30,
        batch_size=16,
        validation_data=(Xv, yv),
        restore_best=True,
    )
    assert net.cost(Xv, yv) == pytest.approx(min(h.val_costs), rel=1e-5)


def test_a_passed_history_that_had_stopped_trains_again(rng):
    X, y = separable(rng, m=40)
    net = gn.Network([5, 3, 1], seed=0)
    h = gn.train(net, X, y, epochs=5, callbacks=[lambda h: setattr(h, "stop_training", True)])
    assert h.epochs == 1
    gn.train(net, X, y, epochs=4, history=h)
    assert h.epochs == 5


@pytest.mark.parametrize("validation", [False, True])
def test_divergence_in_the_last_step_of_an_epoch_keeps_finite_weights(validation, rng, tmp_path):
    """Full batch: every epoch is one step, so the step that overflows the weights ends an epoch
    whose cost was still finite."""
    X, y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    net = gn.Network([3, 4, 1], output="identity", seed=0)
    options = {"validation_split": 0.25} if validation else {}
    with pytest.raises(gn.DivergenceError, match="diverged at epoch"):
        gn.train(
            net,
            X,
            y,
            gn.GradientDescent(lr=3e38),
            epochs=5,
            batch_size=None,
            checkpoint=tmp_path / "c",
            **options,
        )
    assert all(np.isfinite(p).all() for p in net.parameters())
    if (tmp_path / "c").exists():  # what was saved before the divergence is finite and loads
        saved = checkpoints.load(tmp_path / "c").network
        assert all(np.isfinite(p).all() for p in saved.parameters())
