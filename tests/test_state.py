"""Optimizer state and training state are plain data: copied, restored, checkpointed exactly."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.files import checkpoints
from glassnet.optimizers import OptimizerState
from glassnet.state import TrainingState

OPTIMIZERS = [gn.GradientDescent, gn.Momentum, gn.Nesterov, gn.RMSProp, gn.Adam, gn.AdamW]


def data(m=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 5))
    return X, (X[:, 0] - X[:, 2] > 0).astype(int)


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_state_holds_all_an_optimizer_changes(cls):
    """Two optimizers stepping from the same state take the same steps: nothing hides outside
    ``state`` (a copy made mid-run and loaded into a fresh optimizer continues identically)."""
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((3, 4)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(6)]
    a = cls(lr=0.05)
    for g in grads[:3]:
        a.step(params, g)
    assert a.state.t == a.t == 3 and set(a.state.slots) == set(cls.slots)
    saved = a.state.copy()
    b = cls(lr=0.05)
    b.load_state(saved)
    p_a, p_b = [p.copy() for p in params], [p.copy() for p in params]
    for g in grads[3:]:
        a.step(p_a, g)
        b.step(p_b, g)
    assert all(np.array_equal(x, y) for x, y in zip(p_a, p_b))
    assert saved.t == 3  # the copy is independent of the optimizers that stepped on
    for slot in cls.slots:
        pairs = zip(saved.slots[slot], a.state.slots[slot])
        assert not any(np.shares_memory(x, y) for x, y in pairs)


def test_load_state_refuses_a_foreign_slot():
    with pytest.raises(gn.GlassnetError, match="velocities"):
        gn.Adam().load_state(OptimizerState(slots={"velocities": [np.zeros(2)]}))


def test_slot_properties_read_and_write_the_state():
    opt = gn.Momentum()
    assert opt.velocities is None and opt.state.slots == {}
    opt.velocities = [np.ones(2)]
    assert opt.state.slots["velocities"][0].tolist() == [1, 1]
    opt.velocities = None
    assert opt.state.slots == {}


def test_the_schedule_is_the_optimizers_and_advances_with_its_state():
    schedule = gn.schedules.StepDecay(step=2, factor=0.5)
    opt = gn.GradientDescent(lr=0.8, schedule=schedule)
    seen = []
    for _ in range(5):
        opt.begin_epoch()
        seen.append(opt.lr)
    assert seen == [0.8, 0.8, 0.4, 0.4, 0.2] and opt.state.epoch == 5
    assert opt.lr0 == 0.8 and opt.config()["schedule"] == {"name": "step", "step": 2, "factor": 0.5}
    again = gn.optimizers.from_config(opt.config())
    assert again.schedule == schedule and again.lr0 == 0.8
    faster = opt.replace(lr=0.1)  # a new optimizer with the schedule's clock where it was
    assert faster.lr0 == faster.state.lr == 0.1 and faster.state.epoch == 5
    faster.begin_epoch()
    assert faster.lr == 0.1 * 0.5**2 and opt.lr0 == 0.8


def test_without_a_schedule_lr_is_constant_and_config_has_none():
    opt = gn.Adam(lr=0.003)
    opt.begin_epoch()
    opt.begin_epoch()
    assert opt.lr == 0.003 and opt.state.epoch == 2 and "schedule" not in opt.config()


def test_a_custom_schedule_is_not_saved_but_still_runs():
    opt = gn.Momentum(lr=1.0, schedule=lambda lr0, e: lr0 / (e + 1))
    opt.begin_epoch()
    opt.begin_epoch()
    assert opt.lr == 0.5 and "schedule" not in opt.config()


def test_get_refuses_a_hyperparameter_the_optimizer_does_not_take():
    with pytest.raises(gn.GlassnetError, match="beta does not apply to the optimizer 'adam'"):
        gn.optimizers.get("adam", beta=0.9)
    assert gn.optimizers.get("nesterov", beta=0.5).beta == 0.5
    assert gn.optimizers.defaults("momentum") == {"lr": 0.01, "beta": 0.9}
    assert gn.optimizers.defaults("gd") == {"lr": 0.0075}


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_a_resumed_scheduled_run_is_bit_identical(tmp_path, optimizer, engine):
    """Stop after 4 of 9 epochs under a cosine schedule, resume from the checkpoint: the weights,
    the optimizer state and the learning rate equal those of one uninterrupted run."""
    X, y = data()

    def run(epochs, **kwargs):
        net = gn.Network([5, 7, 1], seed=3)
        opt = gn.optimizers.get(optimizer, lr=0.05, schedule=gn.schedules.CosineDecay(epochs=9))
        gn.train(net, X, y, opt, epochs=epochs, batch_size=16, seed=4, engine=engine, **kwargs)
        return net, opt

    whole, whole_opt = run(9)
    run(4, checkpoint=tmp_path / "c")
    saved = checkpoints.load(tmp_path / "c")
    assert saved.optimizer.state.epoch == 4 and saved.optimizer.schedule is not None
    resumed, resumed_opt = run(9, resume=tmp_path / "c")
    assert all(np.array_equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))
    assert whole_opt.lr == resumed_opt.lr != 0.05 and whole_opt.t == resumed_opt.t
    for slot in whole_opt.slots:
        for a, b in zip(whole_opt.state.slots[slot], resumed_opt.state.slots[slot]):
            assert np.array_equal(a, b)


def test_resuming_without_a_schedule_trains_a_copy_with_the_checkpoints(tmp_path):
    """The checkpoint's schedule continues (the same weights as one run), in a copy: the
    optimizer passed keeps no schedule."""
    X, y = data()
    cosine = gn.schedules.CosineDecay(epochs=6)
    whole = gn.Network([5, 7, 1], seed=3)
    gn.train(whole, X, y, gn.Momentum(lr=0.05, schedule=cosine), epochs=6, seed=4)
    gn.train(gn.Network([5, 7, 1], seed=3), X, y, gn.Momentum(lr=0.05, schedule=cosine),
             epochs=3, seed=4, checkpoint=tmp_path / "c")  # fmt: skip
    plain = gn.Momentum(lr=0.05)
    resumed = gn.Network([5, 7, 1], seed=3)
    trainer = gn.training.Trainer(resumed, X, y, plain, epochs=6, seed=4, resume=tmp_path / "c")
    trainer.run()
    assert all(np.array_equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))
    assert trainer.optimizer.schedule == cosine and trainer.optimizer.state.epoch == 6
    assert plain.schedule is None and plain.t == 0


def test_snapshot_and_rollback_restore_everything_an_epoch_changes():
    X, y = data()
    net = gn.Network([5, 6, 1], seed=0, dropout=0.2, batch_norm=True)
    opt = gn.Adam(lr=0.01)
    gn.train(net, X, y, opt, epochs=1)
    state = TrainingState(net, opt, np.random.default_rng(9), epoch=1)
    state.history.costs.append(1.0)
    snap = state.snapshot()
    before = [p.copy() for p in net.parameters() + net.buffers()]
    dropout_draw = net.dropout_rng.random()
    shuffle_draw = state.rng.random()
    gn.train(net, X, y, opt, epochs=2)
    state.history.costs.append(2.0)
    state.epoch = 3
    state.rollback(snap)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.parameters() + net.buffers()))
    assert net.dropout_rng.random() == dropout_draw and state.rng.random() == shuffle_draw
    assert opt.state.t == snap.optimizer.t and state.epoch == 1 and state.history.costs == [1.0]


def test_adopt_refuses_another_architecture_or_optimizer(tmp_path):
    X, y = data()
    net = gn.Network([5, 6, 1], seed=0)
    gn.train(net, X, y, gn.Momentum(), epochs=1, checkpoint=tmp_path / "c")
    saved = checkpoints.load(tmp_path / "c")
    other = TrainingState(gn.Network([5, 7, 1]), gn.Momentum(), np.random.default_rng())
    with pytest.raises(gn.GlassnetError, match="same architecture"):
        other.adopt(saved)
    other = TrainingState(gn.Network([5, 6, 1]), gn.Adam(), np.random.default_rng())
    with pytest.raises(gn.GlassnetError, match="same optimizer"):
        other.adopt(saved)


def test_a_snapshot_into_an_earlier_one_reuses_its_arrays():
    """Training snapshots into the previous epoch's copy (no new copy of the weights per epoch);
    a snapshot of another architecture gets arrays of its own."""
    # equivalent: state:44:60 True -> False -- the shapes compared just before are equal lists
    X, y = data()
    net = gn.Network([5, 6, 1], seed=0)
    state = TrainingState(net, gn.Momentum(), np.random.default_rng(0))
    first = state.snapshot()
    gn.train(net, X, y, epochs=1)
    second = state.snapshot(into=first)
    assert all(a is b for a, b in zip(first.arrays, second.arrays))
    assert all(np.array_equal(a, p) for a, p in zip(second.arrays, net.parameters()))
    other = TrainingState(gn.Network([5, 3, 1], seed=0), gn.Momentum(), np.random.default_rng(0))
    third = other.snapshot(into=second)
    assert not any(a is b for a, b in zip(third.arrays, second.arrays))
    assert [a.shape for a in third.arrays] == [p.shape for p in other.network.parameters()]
