import numpy as np
import pytest

import glassnet as gn
from glassnet.files import checkpoints
from glassnet.training import Trainer


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


def _fixed_epochs(monkeypatch, costs_of_epoch, change=None):
    """Replace the epoch engine: epoch k (1, 2, ...) returns ``costs_of_epoch[k - 1]`` and calls
    ``change(net, k)``, so that a test knows exactly what every epoch reports."""
    calls = {"n": 0}

    def select(name, net, optimizer):
        def epoch(net, optimizer, X, Y, order, slices):
            calls["n"] += 1
            if change is not None:
                change(net, calls["n"])
            return list(costs_of_epoch[calls["n"] - 1])

        return epoch

    monkeypatch.setattr(gn.engine, "select", select)


def test_the_defaults_are_those_documented(rng):
    """Momentum(0.01, 0.9), 100 epochs, batches of 64 (130 rows: 64, 64, 2), shuffled with seed 0,
    no best-epoch restore: the same bits as every default given explicitly."""
    X, y = separable(rng, m=130)
    a, b = gn.Network([5, 3, 1], seed=0), gn.Network([5, 3, 1], seed=0)
    h = gn.train(a, X, y)
    explicit = gn.train(
        b, X, y, gn.Momentum(lr=0.01, beta=0.9), epochs=100, batch_size=64, shuffle=True, seed=0,
        restore_best=False, early_stopping=None,
    )  # fmt: skip
    assert h.epochs == 100 and h.iterations == 300 and h.costs == explicit.costs
    assert all(np.array_equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not h.stop_training


def test_restore_best_is_off_by_default_and_puts_back_the_best_training_epoch(rng):
    """Without validation data the monitored cost is the epoch's training cost. Full-batch
    gradient descent with too large a learning rate: the cost rises after the first epochs."""
    X = rng.standard_normal((40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    options = {"epochs": 8, "batch_size": None}

    def run(**more):
        net = gn.Network([3, 4, 1], output="identity", hidden="tanh", seed=1, dtype=np.float64)
        return net, gn.train(net, X, y, gn.GradientDescent(lr=1.2), **options, **more)

    last, h = run()
    best = int(np.argmin(h.epoch_costs))
    assert best < len(h.epoch_costs) - 1  # the last epoch is not the best one
    restored, h_restored = run(restore_best=True)
    assert h_restored.epoch_costs == h.epoch_costs
    net_best = gn.Network([3, 4, 1], output="identity", hidden="tanh", seed=1, dtype=np.float64)
    gn.train(net_best, X, y, gn.GradientDescent(lr=1.2), epochs=best + 1, batch_size=None)
    assert all(np.array_equal(p, q) for p, q in zip(restored.parameters(), net_best.parameters()))
    assert not np.array_equal(last.layers[0].W, restored.layers[0].W)


def test_early_stopping_alone_keeps_the_last_weights(rng, monkeypatch):
    """Patience 2 on the training cost: epoch costs 5, 3, 4, 6 -> the best is epoch 2, and
    training stops after epoch 4 (2 epochs without improvement), keeping epoch 4's weights."""
    costs = [[5.0], [3.0], [4.0], [6.0], [1.0], [1.0]]
    _fixed_epochs(monkeypatch, costs, change=lambda net, k: net.layers[0].b.fill(k))
    X, y = separable(rng, m=20)
    net = gn.Network([5, 2, 1], seed=0)
    h = gn.train(net, X, y, epochs=6, batch_size=None, early_stopping=2)
    assert h.epoch_costs == [5.0, 3.0, 4.0, 6.0] and h.stop_training
    assert np.all(net.layers[0].b == 4)  # not restored to epoch 2


def test_early_stopping_with_a_patience_of_one(rng, monkeypatch):
    # an equal cost is no improvement: 3, 3 stops after the second epoch
    _fixed_epochs(monkeypatch, [[3.0], [3.0], [1.0]])
    X, y = separable(rng, m=20)
    h = gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=3, early_stopping=1)
    assert h.epoch_costs == [3.0, 3.0]


def test_shuffle_false_takes_the_rows_in_order(rng):
    X, y = separable(rng, m=10, n=3)
    net = gn.Network([3, 4, 1], hidden="tanh", seed=1, dtype=np.float64)
    by_hand = net.copy()
    h = gn.train(net, X, y, gn.GradientDescent(lr=0.3), epochs=2, batch_size=4, shuffle=False)
    costs = []
    for _ in range(2):
        for batch in (slice(0, 4), slice(4, 8), slice(8, 10)):
            J, grads = by_hand.cost_and_gradients(X[batch], y[batch])
            costs.append(J)
            for layer, (dW, db) in zip(by_hand.layers, grads):
                layer.W -= 0.3 * dW
                layer.b -= 0.3 * db
    assert np.allclose(h.costs, costs, rtol=1e-12)
    assert all(np.allclose(a, b) for a, b in zip(net.parameters(), by_hand.parameters()))


def test_the_default_seed_is_zero(rng):
    X, y = separable(rng, m=50)
    runs = []
    for seed in ({}, {"seed": 0}, {"seed": 1}):
        net = gn.Network([5, 3, 1], seed=0)
        runs.append(gn.train(net, X, y, epochs=2, batch_size=8, **seed).costs)
    assert runs[0] == runs[1] != runs[2]


def test_seconds_run_on_from_a_continued_history(rng, monkeypatch):
    # a clock that ticks 10 s per reading: epochs end at 10, 20, 30 s; a continued run starts its
    # clock where the history left off
    ticks = iter(range(10, 1000, 10))
    monkeypatch.setattr(gn.training.time, "perf_counter", lambda: float(next(ticks)))
    X, y = separable(rng, m=20)
    net = gn.Network([5, 2, 1], seed=0)
    h = gn.train(net, X, y, epochs=3, engine="numpy")
    assert h.seconds == [10.0, 20.0, 30.0]
    gn.train(net, X, y, epochs=2, engine="numpy", history=h)
    assert h.seconds == [10.0, 20.0, 30.0, 40.0, 50.0] and h.epochs == 5


def test_a_schedule_given_to_train_or_to_the_optimizer(rng):
    X, y = separable(rng, m=20)
    halve = gn.schedules.StepDecay(step=1, factor=0.5)
    opt = gn.GradientDescent(lr=0.8, schedule=halve)
    gn.train(gn.Network([5, 2, 1], seed=0), X, y, opt, epochs=3)  # the optimizer's own schedule
    assert opt.lr == 0.2 and opt.schedule is halve
    # train(schedule=) trains a copy with the schedule: the same run, the caller's optimizer as
    # it was (its schedule, its lr, its state)
    other = gn.GradientDescent(lr=0.8)
    net = gn.Network([5, 2, 1], seed=0)
    gn.train(net, X, y, other, epochs=3, schedule=halve)
    assert other.schedule is None and other.lr == 0.8 and other.t == 0 and other.state.epoch == 0
    own = gn.Network([5, 2, 1], seed=0)
    gn.train(own, X, y, gn.GradientDescent(lr=0.8, schedule=halve), epochs=3)
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), own.parameters()))
    trainer = gn.training.Trainer(gn.Network([5, 2, 1], seed=0), X, y, other, epochs=3,
                                  schedule=halve)  # fmt: skip
    trainer.run()
    assert trainer.optimizer is not other and trainer.optimizer.schedule is halve
    assert trainer.optimizer.lr == 0.2 and trainer.optimizer.t == other.t + 3


def test_checkpoints_every_epoch_by_default_and_at_the_end(rng, tmp_path):
    """The checkpoint is written after the callbacks, so a callback sees the previous one."""
    X, y = separable(rng, m=20)
    path = tmp_path / "c"

    def saved_epochs(**options):
        seen = []

        def look(history):
            seen.append(checkpoints.load(path).epoch if path.exists() else None)

        gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=5, checkpoint=path,
                 callbacks=[look], **options)  # fmt: skip
        final = checkpoints.load(path).epoch
        path.unlink()
        return seen, final

    assert saved_epochs() == ([None, 1, 2, 3, 4], 5)
    assert saved_epochs(checkpoint_every=2) == ([None, None, 2, 2, 4], 5)
    assert saved_epochs(checkpoint_every=3) == ([None, None, None, 3, 3], 5)
    # early stopping ends the run: that epoch is saved, whatever checkpoint_every says
    stop = lambda h: setattr(h, "stop_training", h.epochs == 2)  # noqa: E731
    gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=5, checkpoint=path, checkpoint_every=100,
             callbacks=[stop])  # fmt: skip
    assert checkpoints.load(path).epoch == 2


def test_ctrl_c_after_a_complete_epoch_saves_that_epoch(rng, tmp_path):
    X, y = separable(rng, m=20)
    path = tmp_path / "c"
    with pytest.raises(gn.TrainingInterrupted) as error:
        gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=6, checkpoint=path,
                 checkpoint_every=100, callbacks=[_interrupt_after(4)])  # fmt: skip
    assert str(error.value) == (
        f"training interrupted in epoch 4; the state after epoch 4 is saved in {path}: resume "
        f"with resume={str(path)!r} (glassnet train ... --resume {path})"
    )
    assert checkpoints.load(path).epoch == 4 and checkpoints.load(path).history.epochs == 4


def test_ctrl_c_without_a_checkpoint_is_a_plain_keyboard_interrupt(rng):
    X, y = separable(rng, m=20)
    with pytest.raises(KeyboardInterrupt) as error:
        gn.train(gn.Network([5, 2, 1]), X, y, epochs=6, callbacks=[_interrupt_after(2)])
    assert type(error.value) is KeyboardInterrupt


def test_regression_validation_has_costs_and_no_accuracies(rng):
    X = rng.standard_normal((30, 3))
    y = X[:, 0]
    net = gn.Network([3, 4, 1], output="identity", seed=0)
    h = gn.train(net, X[:20], y[:20], epochs=3, validation_data=(X[20:], y[20:]))
    assert len(h.val_costs) == 3 and h.val_accuracies == []
    assert h.val_costs[-1] == pytest.approx(net.cost(X[20:], y[20:]), rel=1e-6)


def test_validation_data_must_be_a_pair(rng):
    X, y = separable(rng, m=20)
    with pytest.raises(gn.GlassnetError, match=r"validation_data must be a pair \(X_val, y_val\)"):
        gn.train(gn.Network([5, 2, 1]), X, y, validation_data=(X, y, y))
    with pytest.raises(gn.GlassnetError, match="y_val"):
        gn.train(gn.Network([5, 2, 1]), X, y, validation_data=(X[:5], y[:4]))


def test_class_labels_of_each_output_layer():
    from glassnet.training import class_labels

    Y = np.eye(3)[[2, 0, 1, 2]]
    assert class_labels(gn.Network([2, 3], output="softmax"), Y).tolist() == [2, 0, 1, 2]
    Y1 = np.array([[1.0], [0.0], [1.0]])
    assert class_labels(gn.Network([2, 1]), Y1).tolist() == [1.0, 0.0, 1.0]
    assert class_labels(gn.Network([2, 2]), np.eye(2)) is None  # two independent sigmoids
    assert class_labels(gn.Network([2, 1], output="identity"), Y1) is None


def test_a_nonfinite_cost_names_its_iteration_and_keeps_the_finite_costs(rng, monkeypatch):
    nan = float("nan")
    _fixed_epochs(monkeypatch, [[1.0, 2.0, 3.0], [4.0, nan, 5.0]],
                  change=lambda net, k: net.layers[0].W.fill(k))  # fmt: skip
    X, y = separable(rng, m=20)
    net = gn.Network([5, 2, 1], seed=0)
    history = gn.History()
    with pytest.raises(gn.DivergenceError) as error:
        gn.train(net, X, y, gn.GradientDescent(lr=0.25), epochs=3, batch_size=8, history=history)
    assert str(error.value) == (
        "training diverged at epoch 2, iteration 2 of that epoch (5 overall): the cost became nan."
        " The network keeps its weights from the start of that epoch. Try a smaller learning "
        "rate (it is 0.25) or standardized inputs."
    )
    assert history.costs == [1.0, 2.0, 3.0, 4.0] and history.epochs == 1
    assert history.stop_training and np.all(net.layers[0].W == 1)


def test_nonfinite_weights_with_finite_costs_are_divergence_too(rng, monkeypatch):
    def change(net, k):
        net.layers[-1].W[0, 0] = np.inf if k == 2 else 1.0

    _fixed_epochs(monkeypatch, [[1.0, 2.0], [3.0, 4.0]], change=change)
    X, y = separable(rng, m=20)
    net = gn.Network([5, 2, 1], seed=0)
    history = gn.History()
    with pytest.raises(gn.DivergenceError, match="^training diverged at epoch 2, its last step "
                       "made the weights infinite or NaN. The network keeps"):  # fmt: skip
        gn.train(net, X, y, gn.GradientDescent(lr=0.5), epochs=3, batch_size=10, history=history)
    assert history.costs == [1.0, 2.0, 3.0, 4.0] and net.layers[-1].W[0, 0] == 1.0


def test_a_nonfinite_validation_cost_is_divergence(rng, monkeypatch):
    X, y = separable(rng, m=20)
    net = gn.Network([5, 2, 1], seed=0)
    net.batch_cost = lambda X, Y, training=False: np.inf
    history = gn.History()
    with pytest.raises(gn.DivergenceError, match="^training diverged at epoch 1, the validation "
                       "cost became inf. The network"):  # fmt: skip
        gn.train(net, X, y, epochs=3, batch_size=8, validation_data=(X, y), history=history)
    assert history.iterations == 3 and history.epochs == 0


class _FakeComm:
    """Two ranks whose allreduce does nothing: enough to see what one rank does alone."""

    def __init__(self, rank):
        self.rank = rank

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return 2

    def Bcast(self, array, root=0):
        pass

    def Allreduce(self, send, receive, op=None):
        pass


@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_zero_writes_the_checkpoint(rank, rng, tmp_path):
    pytest.importorskip("mpi4py")
    X, y = separable(rng, m=20)
    path = tmp_path / "c"
    gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=2, checkpoint=path, comm=_FakeComm(rank))
    assert path.exists() == (rank == 0)


def test_an_optimizer_by_name_or_class_is_that_optimizer_with_its_defaults():
    from glassnet import datasets

    X, y = datasets.two_moons(100, seed=0)
    runs = {}
    for spec in ("adam", gn.Adam, gn.Adam()):
        net = gn.Network([2, 6, 1], seed=0)
        gn.train(net, X, y, spec, epochs=3, batch_size=32, engine="numpy")
        runs[repr(spec)] = net.layers[0].W.copy()
    first, *others = runs.values()
    assert all(np.array_equal(first, w) for w in others)  # the same run three ways
    with pytest.raises(gn.GlassnetError, match="unknown optimizer 'adamm'"):
        gn.train(gn.Network([2, 1]), X, y, "adamm", epochs=1)
    with pytest.raises(TypeError, match="optimizer must be an optimizer .* got int"):
        gn.train(gn.Network([2, 1]), X, y, 3, epochs=1)


def test_a_transposed_X_is_named_as_such():
    net = gn.Network([2, 4, 1])
    X = np.zeros((200, 2))
    with pytest.raises(gn.GlassnetError) as error:
        gn.train(net, X.T, np.zeros(200), epochs=1)
    assert "X of shape (2, 200) looks transposed" in str(error.value)
    assert "so pass X.T" in str(error.value)
    with pytest.raises(gn.GlassnetError) as error:
        net.predict(np.zeros((5, 3)))  # wrong width, not transposed: no such hint
    assert "transposed" not in str(error.value)


def test_a_trainer_stepped_a_few_batches_at_a_time_is_train_bit_for_bit(rng):
    """The Trainer's steps, driven as a front end drives them (4 batches at a time, with a
    partial last chunk), give train()'s weights, costs and validation, bit for bit."""
    X, y = separable(rng, m=230)
    X_val, y_val = separable(rng, m=40)
    options = {"epochs": 4, "batch_size": 16, "seed": 5, "validation_data": (X_val, y_val)}
    whole = gn.Network([5, 6, 1], seed=2)
    history = gn.train(whole, X, y, gn.Adam(lr=0.01), **options)
    stepped = gn.Network([5, 6, 1], seed=2)
    trainer = Trainer(stepped, X, y, gn.Adam(lr=0.01), **options)
    trainer.begin()
    chunks = 0
    while not trainer.finished:
        trainer.begin_epoch()
        while not trainer.epoch_done:  # 15 batches: 4, 4, 4 and 3
            first = trainer.next_batch
            assert len(trainer.run_batches(4)) == min(4, 15 - first)
            chunks += 1
        trainer.end_epoch()
    assert trainer.end() is trainer.history and chunks == 4 * 4
    for mine, theirs in zip(stepped.parameters(), whole.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert trainer.history.costs == history.costs and trainer.state.epoch == 4
    assert trainer.history.val_costs == history.val_costs
    assert trainer.history.val_accuracies == history.val_accuracies


def test_a_trainer_rolls_back_the_whole_epoch_when_a_later_chunk_diverges(rng):
    X, y = separable(rng, m=64)
    net = gn.Network([5, 4, 1], seed=0)
    trainer = Trainer(net, X, y, gn.GradientDescent(lr=0.1), batch_size=8)
    trainer.begin()
    trainer.begin_epoch()
    start = [p.copy() for p in net.parameters()]
    trainer.run_batches(2)
    net.layers[0].W[0, 0] = np.inf  # the weights go bad between two chunks
    with pytest.raises(gn.DivergenceError, match=r"epoch 1, iteration 3 of that epoch"):
        trainer.run_batches(2, epoch=lambda net, *args: [float("nan")])
    for now, then in zip(net.parameters(), start, strict=True):
        np.testing.assert_array_equal(now, then)
    assert not trainer.in_epoch and trainer.history.iterations == 2  # the finite costs stay
    assert trainer.history.stop_training and trainer.finished


def test_one_batch_of_the_whole_set_is_never_shuffled(rng):
    """The rows keep their order when one batch is the whole set (as the course's full-batch
    loop takes them), and are permuted every epoch from two batches on."""
    X, y = separable(rng, m=20)
    orders = {}
    for batch_size in (None, 20, 10, 7):
        trainer = gn.training.Trainer(gn.Network([5, 2, 1], seed=0), X, y, epochs=2,
                                      batch_size=batch_size)  # fmt: skip
        trainer.begin()
        trainer.begin_epoch()
        orders[batch_size] = trainer.order.copy()
    assert np.array_equal(orders[None], np.arange(20)) and np.array_equal(orders[20], orders[None])
    for batch_size in (10, 7):
        assert sorted(orders[batch_size]) == list(range(20))
        assert not np.array_equal(orders[batch_size], np.arange(20))


def test_callbacks_hear_each_epoch_begin_by_its_number(rng):
    X, y = separable(rng, m=20)
    begun = []

    class Begun(gn.callbacks.Callback):
        def on_epoch_begin(self, state, epoch):
            begun.append((epoch, state.epoch))

    gn.train(gn.Network([5, 2, 1], seed=0), X, y, epochs=3, callbacks=[Begun()])
    assert begun == [(1, 0), (2, 1), (3, 2)]


def test_finite_looks_at_every_entry():
    finite = gn.training.finite
    assert finite(np.zeros(0)) and finite(np.array([1.0, -2.0])) and finite(np.zeros((2, 3)))
    for bad in (np.nan, np.inf, -np.inf):
        assert not finite(np.array([bad]))
        assert not finite(np.array([[0.0, 1.0], [bad, 2.0]]))
