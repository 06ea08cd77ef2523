import math

import numpy as np
import pytest

import glassnet as gn
from glassnet import schedules


def test_formulas():
    assert schedules.InverseTimeDecay(decay=1.0)(0.2, 3) == pytest.approx(0.2 / 4)
    assert schedules.StepDecay(step=10, factor=0.5)(1.0, 25) == 0.25
    assert schedules.ExponentialDecay(rate=0.95)(0.1, 2) == pytest.approx(0.1 * 0.95**2)
    cosine = schedules.CosineDecay(epochs=10, lr_min=0.01)
    assert cosine(1.0, 0) == 1.0 and cosine(1.0, 10) == pytest.approx(0.01)
    assert cosine(1.0, 5) == pytest.approx(0.01 + 0.99 * (1 + math.cos(math.pi / 2)) / 2)
    assert cosine(1.0, 50) == pytest.approx(0.01)


def test_train_sets_the_rate_before_each_epoch(rng):
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    seen = []

    class Rate(gn.callbacks.Callback):
        def on_epoch_end(self, state, epoch):
            seen.append(state.optimizer.lr)

    for optimizer, schedule in (
        (gn.GradientDescent(lr=0.5), schedules.InverseTimeDecay(decay=1.0)),
        (gn.GradientDescent(lr=0.5, schedule=schedules.InverseTimeDecay(decay=1.0)), None),
    ):
        seen.clear()
        gn.train(gn.Network([3, 4, 1], seed=0), X, y, optimizer, epochs=4, schedule=schedule,
                 callbacks=[Rate()])  # fmt: skip
        assert seen == pytest.approx([0.5, 0.25, 0.5 / 3, 0.125])


def test_bad_schedules():
    with pytest.raises(gn.GlassnetError, match="step must be >= 1"):
        schedules.StepDecay(step=0)
    with pytest.raises(gn.GlassnetError, match="rate must be > 0"):
        schedules.ExponentialDecay(rate=-1)
    assert schedules.config(schedules.StepDecay(5, 0.1)) == {
        "name": "step",
        "step": 5,
        "factor": 0.1,
    }


def test_decay_shrinks_the_last_epochs_steps(rng):
    """With lr0 0.8^e the last epoch moves the weights far less than with a fixed rate."""
    X = rng.standard_normal((400, 5))
    y = (X @ rng.standard_normal(5) + 0.5 * rng.standard_normal(400) > 0).astype(int)
    movement = []
    for schedule in (None, schedules.ExponentialDecay(0.8)):
        net = gn.Network([5, 8, 1], seed=0)
        opt = gn.GradientDescent(lr=0.5)
        gn.train(net, X, y, opt, epochs=19, batch_size=8, schedule=schedule)
        before = net.layers[0].W.copy()
        lr = opt.lr if schedule is None else schedule(0.5, 19)
        gn.train(net, X, y, gn.GradientDescent(lr=lr), epochs=1, batch_size=8, seed=19)
        movement.append(np.linalg.norm(net.layers[0].W - before))
    assert movement[1] < 0.1 * movement[0]
