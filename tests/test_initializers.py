import dataclasses
import pickle

import numpy as np
import pytest

import glassnet as gn
from glassnet import initializers

N_IN, N_OUT = 800, 600


@pytest.mark.parametrize(
    ("init", "variance"),
    [
        (initializers.lecun, 1 / N_IN),
        (initializers.he, 2 / N_IN),
        (initializers.glorot, 2 / (N_IN + N_OUT)),
        (initializers.normal(0.01), 1e-4),
        (initializers.normal(1.0), 1.0),
    ],
)
def test_variances_match_formulas(init, variance):
    W = init(N_IN, N_OUT, np.random.default_rng(0), np.float64)
    assert W.shape == (N_OUT, N_IN)
    # 480,000 draws: the sample variance is within a few parts per thousand
    assert abs(W.var() / variance - 1) < 0.01
    assert abs(W.mean()) < 5 * np.sqrt(variance / W.size)


def test_zeros_and_names():
    assert not initializers.zeros(5, 3, np.random.default_rng(0)).any()
    assert initializers.get("xavier", "tanh") is initializers.glorot
    assert initializers.get("normal(0.5)", "relu").variance(1, 1) == 0.25
    assert initializers.get("normal", "relu").variance(1, 1) == pytest.approx(1e-4)


def test_auto_follows_the_lecture():
    assert initializers.get("auto", "relu") is initializers.he
    assert initializers.get("auto", "tanh") is initializers.lecun
    assert initializers.get("auto", "sigmoid") is initializers.lecun
    assert gn.Network([4, 3, 1], hidden="relu").init is initializers.he


def test_biases_start_at_zero():
    net = gn.Network([10, 8, 1], seed=0)
    assert all(not layer.b.any() for layer in net.layers)


def test_unknown_initializer_lists_valid_names():
    with pytest.raises(gn.GlassnetError, match="auto, glorot, he, lecun"):
        initializers.get("kaiming", "relu")


@pytest.mark.parametrize("scale", [-0.01, -np.inf, np.inf, np.nan])
def test_normal_rejects_negative_and_non_finite_scales(scale):
    with pytest.raises(gn.GlassnetError, match="normal\\(scale\\) needs a finite scale >= 0"):
        initializers.normal(scale)


def test_normal_scale_zero_is_allowed_and_draws_zeros():
    init = initializers.normal(0.0)
    assert init.variance(3, 2) == 0.0
    assert not init(3, 2, np.random.default_rng(0)).any()


@pytest.mark.parametrize("text", ["normal:0.05", "normal(0.05)", " Normal(0.05) "])
def test_normal_string_syntax(text):
    init = initializers.get(text, "relu")
    assert init.variance(7, 5) == pytest.approx(0.05**2, rel=1e-15)
    assert repr(init) == "normal(0.05)"
    W = init(400, 300, np.random.default_rng(1), np.float64)
    assert W.dtype == np.float64 and abs(W.std() / 0.05 - 1) < 0.01


def test_normal_string_with_a_bad_scale():
    with pytest.raises(gn.GlassnetError, match="normal needs a numeric scale"):
        initializers.get("normal:abc", "relu")
    with pytest.raises(gn.GlassnetError, match="init must be a name or an Initializer"):
        initializers.get(0.01, "relu")


def test_initializers_are_immutable_and_pickled_by_name():
    with pytest.raises(dataclasses.FrozenInstanceError):
        initializers.he.name = "lecun"
    twin = pickle.loads(pickle.dumps(initializers.normal(0.2)))
    assert repr(twin) == "normal(0.2)" and twin.variance(1, 1) == pytest.approx(0.04)
    assert pickle.loads(pickle.dumps(initializers.he)) is initializers.he
    assert initializers.get(initializers.glorot, "relu") is initializers.glorot
    assert initializers.get("auto", "softplus") is initializers.lecun  # unknown: LeCun's
    assert initializers.get(" HE ", "tanh") is initializers.he
    W = initializers.lecun(4, 3, np.random.default_rng(0))
    assert W.dtype == np.float32 and W.shape == (3, 4)
