import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets


@pytest.mark.parametrize("name", sorted(datasets.TWO_D))
def test_two_d_sets_are_deterministic_balanced_and_shaped(name):
    make = datasets.TWO_D[name]
    X, y = make(m=301, noise=0.05, seed=3)
    X2, y2 = make(m=301, noise=0.05, seed=3)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert set(np.unique(y)) == {0, 1} and abs(y.mean() - 0.5) < 0.05
    assert not np.array_equal(X, make(m=301, noise=0.05, seed=4)[0])


def test_circles_are_not_linearly_separable_but_blobs_are():
    """A logistic regression (no hidden layer) fits blobs, not circles."""
    for make, expect_linear in ((datasets.blobs, True), (datasets.two_circles, False)):
        X, y = make(m=400, noise=0.05, seed=0)
        net = gn.Network([2, 1], seed=0)
        gn.train(net, X, y, gn.Momentum(lr=0.5), epochs=100, batch_size=32)
        accuracy = np.mean(net.predict(X) == y)
        assert (accuracy > 0.95) == expect_linear, (make.__name__, accuracy)


def test_bad_arguments():
    with pytest.raises(gn.GlassnetError, match="m must be >= 2"):
        datasets.xor(m=1)
    with pytest.raises(gn.GlassnetError, match="noise must be"):
        datasets.spiral(noise=-1)
