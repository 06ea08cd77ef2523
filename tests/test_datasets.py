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


# ---- the drawn cats ------------------------------------------------------------------------


def test_cats_are_deterministic_shaped_and_balanced():
    X_train, y_train, X_test, y_test = datasets.cats(n_train=40, n_test=20, seed=3)
    assert X_train.shape == (40, 64, 64, 3) and X_test.shape == (20, 64, 64, 3)
    assert X_train.dtype == X_test.dtype == np.uint8
    assert y_train.shape == (40,) and y_test.shape == (20,) and y_train.dtype == np.int64
    assert y_train.sum() == 20 and y_test.sum() == 10  # exactly half are cats
    assert set(y_train[:10]) == {0, 1}  # in random order, not sorted by class
    again = datasets.cats(n_train=40, n_test=20, seed=3)
    assert all(
        a.tobytes() == b.tobytes() for a, b in zip((X_train, y_train, X_test, y_test), again)
    )
    other = datasets.cats(n_train=40, n_test=20, seed=4)
    assert not np.array_equal(X_train, other[0]) and not np.array_equal(X_test, other[2])
    # the test set comes from its own random stream: more training images leave it unchanged
    assert np.array_equal(datasets.cats(n_train=60, n_test=20, seed=3)[2], X_test)


def test_cat_images_are_varied_and_not_blank():
    X, y, _, _ = datasets.cats(n_train=200, n_test=2, seed=0)
    pixels = X.reshape(len(X), -1).astype(np.float64)
    assert pixels.std(axis=1).min() > 5  # every image has content
    assert len({image.tobytes() for image in X}) == len(X)  # no two images alike
    assert X.min() == 0 and X.max() == 255
    # colours vary: the mean colour of the images spreads over much of the range, for both classes
    for label in (0, 1):
        mean_colours = X[y == label].mean(axis=(1, 2))
        assert (mean_colours.max(axis=0) - mean_colours.min(axis=0)).min() > 80
    # and no class is told apart by its average brightness
    brightness = pixels.mean(axis=1)
    assert abs(brightness[y == 1].mean() - brightness[y == 0].mean()) < 0.25 * brightness.std()


def test_image_features_flatten_and_scale_like_the_classic_cat_data():
    X, _, _, _ = datasets.cats(n_train=4, n_test=2, seed=1)
    features = datasets.image_features(X)
    assert features.shape == (4, 12288) and features.dtype == np.float32
    assert 0 <= features.min() and features.max() <= 1
    row, column, channel = 17, 40, 2  # x_k with k = (row * 64 + column) * 3 + channel
    assert (
        features[3, (row * 64 + column) * 3 + channel]
        == np.float32(X[3, row, column, channel]) / 255
    )
    X_train, y_train, X_test, y_test = datasets.cats_as_features(n_train=4, n_test=2, seed=1)
    assert np.array_equal(X_train, features) and X_test.shape == (2, 12288)
    with pytest.raises(gn.GlassnetError, match="uint8 array of shape"):
        datasets.image_features(features)


def test_cats_bad_arguments():
    with pytest.raises(gn.GlassnetError, match="n_train must be >= 2"):
        datasets.cats(n_train=1)
    with pytest.raises(gn.GlassnetError, match="seed must be >= 0"):
        datasets.cats(seed=-1)
    with pytest.raises(gn.GlassnetTypeError, match="n_test must be an integer"):
        datasets.cats(n_test=2.5)


def test_triangle_distance_matches_hand_computation():
    """Signed distance to the edges of the triangle (0,0), (1,0), (0,1), in either vertex order."""
    corners = np.array([[[0, 0], [1, 0], [0, 1]]], dtype=np.float64)
    u = np.array([[[1 / 3, 0.1, 1.0, -0.5]]])
    v = np.array([[[1 / 3, 0.1, 1.0, 0.2]]])
    expected = [(1 - 2 / 3) / np.sqrt(2), 0.1, -1 / np.sqrt(2), -0.5]
    for order in ([0, 1, 2], [2, 1, 0]):
        distance = datasets._triangle(u, v, corners[:, order])
        np.testing.assert_allclose(distance[0, 0], expected, atol=1e-12)


def test_segment_distance_and_edge_coverage():
    u, v = np.array([0.5, -1.0, 3.0, 1.0]), np.array([2.0, 0.0, 4.0, 0.0])
    # the segment from (0, 0) to (1, 0): above its middle, before its start, past its end, on it
    distance = datasets._segment_distance(u, v, (0.0, 0.0), (1.0, 0.0))
    np.testing.assert_allclose(distance, [2.0, 1.0, np.hypot(2, 4), 0.0])
    np.testing.assert_allclose(
        datasets._edge(np.array([-2, -0.5, 0, 0.25, 3])), [0, 0, 0.5, 0.75, 1]
    )


def test_drawn_cats_need_the_hidden_layers():
    """The README's claim, on a small version: logistic regression on the pixels does clearly
    worse on new images than the lecture's 4-layer network with the same inputs and optimizer."""
    X_train, y_train, X_test, y_test = datasets.cats_as_features(n_train=2000, n_test=400, seed=0)
    scaler = gn.Standardizer().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    accuracy = {}
    for name, sizes, lr in (("linear", [12288, 1], 0.002), ("deep", [12288, 20, 7, 5, 1], 0.01)):
        net = gn.Network(sizes, seed=0)
        gn.train(net, X_train, y_train, gn.Momentum(lr=lr), epochs=25, batch_size=64, seed=0)
        accuracy[name] = np.mean(net.predict(X_test) == y_test)
    assert accuracy["deep"] > 0.75, accuracy
    assert accuracy["deep"] - accuracy["linear"] > 0.08, accuracy
