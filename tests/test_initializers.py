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
