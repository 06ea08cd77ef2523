import numpy as np
import pytest

import glassnet as gn


def tiny(rng):
    net = gn.Network([2, 2, 1], hidden="tanh", seed=0, dtype=np.float64)
    X = rng.standard_normal((4, 2))
    y = np.array([0, 1, 1, 0])
    return net, X, y


def test_gradient_descent_step_by_hand(rng):
    net, X, y = tiny(rng)
    before = [p.copy() for p in net.parameters()]
    _, grads = net.cost_and_gradients(X, y)
    flat = [g.copy() for pair in grads for g in pair]
    gn.GradientDescent(lr=0.0075).step(net.parameters(), flat)
    for p, p0, g in zip(net.parameters(), before, flat):
        assert np.allclose(p, p0 - 0.0075 * g, rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand(rng):
    net, X, y = tiny(rng)
    opt = gn.Momentum(lr=0.1, beta=0.9)
    W = net.layers[0].W
    W0 = W.copy()
    _, g1 = net.cost_and_gradients(X, y)
    dW1 = g1[0][0].copy()
    opt.step(net.parameters(), [g for pair in g1 for g in pair])
    V1 = 0.9 * 0 + (1 - 0.9) * dW1
    assert np.allclose(opt.velocities[0], V1, atol=1e-15)
    assert np.allclose(W, W0 - 0.1 * V1, atol=1e-15)
    _, g2 = net.cost_and_gradients(X, y)
    dW2 = g2[0][0].copy()
    opt.step(net.parameters(), [g for pair in g2 for g in pair])
    V2 = 0.9 * V1 + 0.1 * dW2
    assert np.allclose(opt.velocities[0], V2, atol=1e-15)
    assert np.allclose(W, W0 - 0.1 * V1 - 0.1 * V2, atol=1e-15)
    # the bias has its own velocity, updated the same way
    assert opt.velocities[1].shape == net.layers[0].b.shape and opt.t == 2


def test_momentum_with_beta_zero_is_gradient_descent(rng):
    a, X, y = tiny(rng)
    b = a.copy()
    gn.train(a, X, y, gn.Momentum(lr=0.1, beta=0.0), epochs=3, batch_size=2, seed=1)
    gn.train(b, X, y, gn.GradientDescent(lr=0.1), epochs=3, batch_size=2, seed=1)
    assert all(np.allclose(p, q) for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: gn.GradientDescent(lr=0), "lr must be > 0"),
        (lambda: gn.Momentum(lr=-1), "lr must be > 0"),
        (lambda: gn.Momentum(beta=1.0), r"beta must be in \[0, 1\)"),
        (lambda: gn.Momentum(beta=-0.1), r"beta must be in \[0, 1\)"),
        (lambda: gn.optimizers.get("lion"), "unknown optimizer 'lion'; choose one of: adagrad"),
        (lambda: gn.Adam(beta2=1.5), r"beta2 must be in \[0, 1\)"),
        (lambda: gn.RMSProp(epsilon=0), "epsilon must be > 0"),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(gn.GlassnetError, match=message):
        make()


def two_steps(optimizer, rng):
    """Run two steps on a fixed parameter with fixed gradients; return the parameter after each."""
    p = rng.standard_normal((3, 2))
    g1, g2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    start = p.copy()
    optimizer.step([p], [g1])
    after1 = p.copy()
    optimizer.step([p], [g2])
    return start, g1, g2, after1, p


def test_nesterov_by_hand(rng):
    w0, g1, g2, w1, w2 = two_steps(gn.Nesterov(lr=0.1, beta=0.9), rng)
    v1 = -0.1 * g1
    assert np.allclose(w1, w0 + 0.9 * v1 - 0.1 * g1)
    v2 = 0.9 * v1 - 0.1 * g2
    assert np.allclose(w2, w1 + 0.9 * v2 - 0.1 * g2)


def test_rmsprop_by_hand(rng):
    w0, g1, g2, w1, w2 = two_steps(gn.RMSProp(lr=0.01, rho=0.9, epsilon=1e-8), rng)
    s1 = 0.1 * g1**2
    assert np.allclose(w1, w0 - 0.01 * g1 / (np.sqrt(s1) + 1e-8))
    s2 = 0.9 * s1 + 0.1 * g2**2
    assert np.allclose(w2, w1 - 0.01 * g2 / (np.sqrt(s2) + 1e-8))


def test_adagrad_by_hand(rng):
    """S = S + dW^2, W = W - lr dW / (sqrt(S) + epsilon): S sums every square, never decays."""
    w0, g1, g2, w1, w2 = two_steps(gn.Adagrad(lr=0.1, epsilon=1e-8), rng)
    s1 = g1**2
    np.testing.assert_allclose(w1, w0 - 0.1 * g1 / (np.sqrt(s1) + 1e-8), rtol=1e-14)
    s2 = s1 + g2**2
    np.testing.assert_allclose(w2, w1 - 0.1 * g2 / (np.sqrt(s2) + 1e-8), rtol=1e-14)
    opt = gn.Adagrad(lr=0.1, epsilon=1e-8)
    p = np.array([1.0, -2.0])
    opt.step([p], [np.array([3.0, 4.0])])  # S = [9, 16]: steps of lr g / |g|
    np.testing.assert_allclose(p, [1.0 - 0.3 / (3 + 1e-8), -2.0 - 0.4 / (4 + 1e-8)])
    opt.step([p], [np.array([4.0, 3.0])])  # S = [25, 25]: both divided by 5
    np.testing.assert_allclose(opt.squares[0], [25.0, 25.0])
    np.testing.assert_allclose(p, [0.9 - 0.4 / (5 + 1e-8), -2.1 - 0.3 / (5 + 1e-8)])
    assert opt.t == 2


@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_adam_and_adamw_by_hand(decay, rng):
    opt = (
        gn.Adam(lr=0.01, weight_decay=decay)
        if decay == 0
        else gn.AdamW(lr=0.01, weight_decay=decay)
    )
    w0, g1, g2, w1, w2 = two_steps(opt, rng)
    m, v, w = np.zeros_like(w0), np.zeros_like(w0), w0.copy()
    for t, g in ((1, g1), (2, g2)):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.999**t)
        w = w - 0.01 * (m_hat / (np.sqrt(v_hat) + 1e-8) + decay * w)
        assert np.allclose(w1 if t == 1 else w2, w)
    # bias correction makes the first Adam step lr * sign(g) (for |g| >> epsilon)
    if decay == 0:
        assert np.allclose(w1, w0 - 0.01 * np.sign(g1), atol=1e-6)


def test_paper_defaults_and_config_round_trip():
    adam = gn.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-8)
    assert gn.AdamW().weight_decay == 0.01
    for opt in (
        gn.GradientDescent(0.1),
        gn.Momentum(0.2, 0.8),
        gn.Nesterov(),
        gn.RMSProp(),
        gn.Adam(),
        gn.AdamW(),
        gn.Adagrad(0.05, 1e-6),
    ):
        twin = gn.optimizers.from_config(opt.config())
        assert type(twin) is type(opt) and twin.config() == opt.config()


@pytest.mark.parametrize("name", ["nesterov", "rmsprop", "adam", "adamw", "adagrad"])
def test_every_optimizer_trains(name, rng):
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    net = gn.Network([4, 8, 1], seed=0)
    lr = {"nesterov": 0.1, "rmsprop": 0.01, "adam": 0.01, "adamw": 0.01, "adagrad": 0.1}[name]
    history = gn.train(net, X, y, gn.optimizers.get(name, lr=lr), epochs=30, batch_size=20)
    assert history.epoch_costs[-1] < 0.3 * history.epoch_costs[0]


# Every default hyper-parameter, pinned: a changed default silently changes every run that
# relies on it (the lecture's lr = 0.0075; the papers' betas, rho and epsilon; PyTorch's AdamW).
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (gn.GradientDescent, {"lr": 0.0075}),
        (gn.Momentum, {"lr": 0.01, "beta": 0.9}),
        (gn.Nesterov, {"lr": 0.01, "beta": 0.9}),
        (gn.RMSProp, {"lr": 0.001, "rho": 0.9, "epsilon": 1e-8}),
        (
            gn.Adam,
            {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.0},
        ),
        (
            gn.AdamW,
            {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01},
        ),
        (gn.Adagrad, {"lr": 0.01, "epsilon": 1e-8}),
    ],
)
def test_default_hyperparameters(make, expected):
    opt = make()
    assert {name: getattr(opt, name) for name in expected} == expected


def test_default_steps_by_hand(rng):
    # the defaults as the update uses them, not only as stored attributes
    w0, g1, _, w1, _ = two_steps(gn.GradientDescent(), rng)
    assert np.allclose(w1, w0 - 0.0075 * g1, rtol=0, atol=1e-15)
    w0, g1, _, w1, _ = two_steps(gn.Momentum(), rng)
    assert np.allclose(w1, w0 - 0.01 * (0.1 * g1), rtol=0, atol=1e-15)
    w0, g1, _, w1, _ = two_steps(gn.Nesterov(), rng)
    assert np.allclose(w1, w0 + 0.9 * (-0.01 * g1) - 0.01 * g1, rtol=0, atol=1e-15)
    w0, g1, _, w1, _ = two_steps(gn.RMSProp(), rng)
    assert np.allclose(w1, w0 - 0.001 * g1 / (np.sqrt(0.1 * g1**2) + 1e-8), rtol=1e-12)
    for make, decay in ((gn.Adam, 0.0), (gn.AdamW, 0.01)):
        w0, g1, _, w1, _ = two_steps(make(), rng)
        m_hat, v_hat = 0.1 * g1 / 0.1, 0.001 * g1**2 / (1 - 0.999)
        expected = w0 - 0.001 * (m_hat / (np.sqrt(v_hat) + 1e-8) + decay * w0)
        assert np.allclose(w1, expected, rtol=1e-12)


# With epsilon = 1e-8 every placement of epsilon gives the same numbers to 1e-8; with 0.5 only
# the documented one, lr dW / (sqrt(S) + epsilon), matches the hand computation.
def test_rmsprop_epsilon_outside_the_square_root(rng):
    lr, rho, eps = 0.1, 0.9, 0.5
    w0, g1, g2, w1, w2 = two_steps(gn.RMSProp(lr=lr, rho=rho, epsilon=eps), rng)
    s1 = (1 - rho) * g1**2
    assert np.allclose(w1, w0 - lr * g1 / (np.sqrt(s1) + eps), rtol=1e-12)
    s2 = rho * s1 + (1 - rho) * g2**2
    assert np.allclose(w2, w1 - lr * g2 / (np.sqrt(s2) + eps), rtol=1e-12)
    # the test tells the placements apart: epsilon inside the root gives another step
    assert not np.allclose(w1, w0 - lr * g1 / np.sqrt(s1 + eps), rtol=1e-3)


@pytest.mark.parametrize("make", [gn.Adam, gn.AdamW])
def test_adam_epsilon_after_bias_correction(make, rng):
    lr, beta1, beta2, eps = 0.1, 0.8, 0.99, 0.5
    opt = make(lr=lr, beta1=beta1, beta2=beta2, epsilon=eps)
    decay = opt.weight_decay
    w0, g1, g2, w1, w2 = two_steps(opt, rng)
    m, v, w = np.zeros_like(w0), np.zeros_like(w0), w0.copy()
    for t, g, got in ((1, g1, w1), (2, g2, w2)):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        w_next = w - lr * (m_hat / (np.sqrt(v_hat) + eps) + decay * w)
        assert np.allclose(got, w_next, rtol=1e-12)
        # epsilon added before the bias correction of S, or inside the root, is visibly different
        assert not np.allclose(got, w - lr * (m_hat / np.sqrt(v_hat + eps) + decay * w))
        uncorrected = m_hat / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps / np.sqrt(1 - beta2**t))
        assert not np.allclose(got, w - lr * (uncorrected + decay * w))
        w = w_next


# Each optimizer pairs the i-th gradient (and the i-th slot array) with the i-th parameter; a
# list one short would silently leave a parameter unchanged, so it is an error.
@pytest.mark.parametrize(
    "cls", [gn.GradientDescent, gn.Momentum, gn.Nesterov, gn.RMSProp, gn.Adam, gn.Adagrad]
)
def test_a_gradient_list_of_another_length_is_an_error(cls):
    params = [np.ones((2, 2)), np.ones(2)]
    with pytest.raises(ValueError, match="zip"):
        cls().step(params, [np.ones((2, 2))])


@pytest.mark.parametrize("cls", [gn.Momentum, gn.Nesterov, gn.RMSProp, gn.Adam, gn.Adagrad])
def test_slots_of_another_length_are_an_error(cls):
    # a state restored for a network with fewer parameters does not fit this one
    opt = cls()
    opt.step([np.ones(2)], [np.ones(2)])
    params, grads = [np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)]
    with pytest.raises(ValueError, match="zip"):
        opt.step(params, grads)


@pytest.mark.parametrize("slot", ["moments", "squares"])
def test_adam_slots_of_another_length_are_an_error(slot):
    opt = gn.Adam()
    opt.step([np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)])
    opt.state.slots[slot] = opt.state.slots[slot][:1]
    with pytest.raises(ValueError, match="zip"):
        opt.step([np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)])


def test_a_fresh_state_is_all_zero():
    state = gn.optimizers.OptimizerState()
    assert (state.t, state.epoch, state.lr, state.slots) == (0, 0, 0.0, {})
    opt = gn.Adam(lr=0.02)
    assert (opt.t, opt.state.epoch, opt.lr, opt.state.slots) == (0, 0, 0.02, {})


def test_the_first_step_makes_the_slots_and_clearing_the_first_slot_starts_afresh():
    opt = gn.Adam(lr=0.1)
    p, g = np.zeros(3), np.array([1.0, -2.0, 3.0])
    opt.step([p], [g])
    assert [s.shape for s in opt.moments + opt.squares] == [(3,), (3,)]
    # without moments the next step starts from zero moments AND zero squares again
    opt.moments = None
    opt.step([p], [g])
    assert np.allclose(opt.moments[0], 0.1 * g) and np.allclose(opt.squares[0], 0.001 * g * g)
    # the optimizers without slots keep none
    sgd = gn.GradientDescent()
    sgd.step([p], [g])
    assert sgd.state.slots == {} and sgd.t == 1


def test_load_state_names_the_foreign_slots_and_the_kept_ones():
    state = gn.optimizers.OptimizerState(slots={"velocities": [np.zeros(2)], "moments": []})
    with pytest.raises(gn.GlassnetError) as error:
        gn.RMSProp().load_state(state)
    assert str(error.value) == "RMSProp keeps the slots ['squares'], not ['moments', 'velocities']"
    # a state of its own kind is taken as a copy
    own = gn.optimizers.OptimizerState(t=4, epoch=2, lr=0.5, slots={"squares": [np.ones(2)]})
    opt = gn.RMSProp()
    opt.load_state(own)
    own.slots["squares"][0][:] = 7
    assert (opt.t, opt.state.epoch, opt.lr) == (4, 2, 0.5)
    assert opt.squares[0].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("opt", "config", "text"),
    [
        (gn.GradientDescent(0.1), {"name": "gd", "lr": 0.1}, "GradientDescent(lr=0.1)"),
        (
            gn.Momentum(0.2, 0.8),
            {"name": "momentum", "lr": 0.2, "beta": 0.8},
            "Momentum(lr=0.2, beta=0.8)",
        ),
        (
            gn.RMSProp(0.3, 0.5, 0.25),
            {"name": "rmsprop", "lr": 0.3, "rho": 0.5, "epsilon": 0.25},
            "RMSProp(lr=0.3, rho=0.5, epsilon=0.25)",
        ),
        (
            gn.AdamW(0.4, 0.5, 0.6, 0.7, 0.08),
            {
                "name": "adamw",
                "lr": 0.4,
                "beta1": 0.5,
                "beta2": 0.6,
                "epsilon": 0.7,
                "weight_decay": 0.08,
            },
            "AdamW(lr=0.4, beta1=0.5, beta2=0.6, epsilon=0.7, weight_decay=0.08)",
        ),
    ],
)
def test_config_and_repr_exactly(opt, config, text):
    assert opt.config() == config and repr(opt) == text
    twin = gn.optimizers.from_config(config)
    assert type(twin) is type(opt) and twin.config() == config and twin.schedule is None


def test_config_with_a_schedule_round_trips():
    schedule = gn.schedules.StepDecay(step=3, factor=0.25)
    opt = gn.Momentum(lr=0.5, beta=0.7, schedule=schedule)
    expected = {"name": "momentum", "lr": 0.5, "beta": 0.7}
    assert opt.config() == {**expected, "schedule": {"name": "step", "step": 3, "factor": 0.25}}
    assert repr(opt) == (
        "Momentum(lr=0.5, beta=0.7, schedule={'name': 'step', 'step': 3, 'factor': 0.25})"
    )
    twin = gn.optimizers.from_config(opt.config())
    assert twin.schedule == schedule and twin.config() == opt.config()
    # the config is read, not consumed
    config = opt.config()
    gn.optimizers.from_config(config)
    assert config == opt.config()


def test_the_schedule_sets_the_lr_of_each_epoch_from_lr0():
    opt = gn.GradientDescent(lr=1.0, schedule=lambda lr0, epoch: lr0 / (epoch + 1))
    p = np.zeros(1)
    seen = []
    for _ in range(3):
        opt.begin_epoch()
        seen.append(opt.lr)
        opt.step([p], [np.ones(1)])
    assert seen == [1.0, 0.5, 1 / 3] and opt.state.epoch == 3 and opt.lr0 == 1.0
    assert np.allclose(p, -(1.0 + 0.5 + 1 / 3))  # each step used its epoch's lr


def test_get_and_defaults():
    opt = gn.optimizers.get("rmsprop", lr=0.2, rho=0.5, epsilon=0.1)
    assert type(opt) is gn.RMSProp and (opt.lr, opt.rho, opt.epsilon) == (0.2, 0.5, 0.1)
    assert gn.optimizers.get("sgd").config() == {"name": "gd", "lr": 0.0075}
    schedule = gn.schedules.StepDecay(step=2, factor=0.5)
    assert gn.optimizers.get("gd", lr=0.1, schedule=schedule).schedule is schedule
    with pytest.raises(gn.GlassnetError) as error:
        gn.optimizers.get("momentum", rho=0.9, epsilon=1.0)
    assert str(error.value) == (
        "epsilon, rho does not apply to the optimizer 'momentum'; it takes lr, beta"
    )
    assert gn.optimizers.defaults("adamw") == {
        "lr": 0.001,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "weight_decay": 0.01,
    }
    assert gn.optimizers.defaults("rmsprop") == {"lr": 0.001, "rho": 0.9, "epsilon": 1e-8}


def test_an_optimizers_hyperparameters_are_fixed_once_made():
    opt = gn.Momentum(lr=0.1, beta=0.5)
    for name, argument in (("lr0", "lr"), ("beta", "beta"), ("schedule", "schedule")):
        with pytest.raises(AttributeError, match=rf"fixed once .* optimizer.replace\({argument}="):
            setattr(opt, name, 0.3)
    with pytest.raises(AttributeError):
        opt.lr = 0.3
    opt.step([np.ones(2)], [np.ones(2)])
    faster = opt.replace(lr=0.2)
    assert (faster.lr0, faster.lr, faster.beta, opt.lr0, opt.lr) == (0.2, 0.2, 0.5, 0.1, 0.1)
    assert faster.t == opt.t == 1 and faster.velocities[0] is not opt.velocities[0]
    assert np.array_equal(faster.velocities[0], opt.velocities[0])
    halve = gn.schedules.StepDecay(step=1, factor=0.5)
    assert opt.replace(schedule=halve).schedule is halve and opt.schedule is None
    assert gn.Adam(weight_decay=0.1).replace(lr=0.5).weight_decay == 0.1
