import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def randomize_biases(net, rng, scale=0.1):
    """Move biases off zero so that no ReLU sits exactly on its kink (Z = 0) during a check."""
    for layer in net.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape) * scale
