import numpy as np
import pytest

import glassnet as gn
from glassnet.data import batch_slices


def test_statistics_come_from_training_data_only(rng):
    X_train = rng.normal(5.0, 3.0, size=(200, 4))
    X_test = rng.normal(-2.0, 0.5, size=(50, 4))
    scaler = gn.Standardizer().fit(X_train)
    assert np.allclose(scaler.mean_, X_train.mean(axis=0))
    assert np.allclose(scaler.std_, X_train.std(axis=0))
    Xt = scaler.transform(X_test)
    assert np.allclose(Xt, (X_test - X_train.mean(0)) / X_train.std(0))
    # transforming test data did not refit: its own mean would have been 0
    assert not np.allclose(Xt.mean(axis=0), 0, atol=0.5)
    assert np.allclose(scaler.mean_, X_train.mean(axis=0))
    train_t = scaler.transform(X_train)
    assert np.allclose(train_t.mean(0), 0) and np.allclose(train_t.std(0), 1)


def test_constant_feature_is_centered_not_divided_by_zero():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    out = gn.Standardizer().fit_transform(X)
    assert np.all(np.isfinite(out)) and np.all(out[:, 1] == 0)


def test_feature_count_mismatch_and_unfitted():
    scaler = gn.Standardizer()
    with pytest.raises(gn.GlassnetError, match="not fitted"):
        scaler.transform(np.zeros((2, 3)))
    scaler.fit(np.arange(12.0).reshape(4, 3))
    with pytest.raises(
        gn.GlassnetError,
        match=r"has 2 features but the Standardizer \(fitted on the training data\) has 3",
    ):
        scaler.transform(np.zeros((2, 2)))


def test_dtype_is_kept_for_float32_and_inverse_is_exact(rng):
    X = rng.standard_normal((10, 3)).astype(np.float32) * 4 + 1
    scaler = gn.Standardizer().fit(X)
    assert scaler.transform(X).dtype == np.float32
    assert np.allclose(scaler.inverse_transform(scaler.transform(X)), X, atol=1e-5)


def test_batch_slices_with_partial_last_batch():
    assert batch_slices(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert batch_slices(10, None) == [slice(0, 10)]
    assert batch_slices(10, 64) == [slice(0, 10)]


def test_minibatches_cover_every_sample_once(rng):
    X = np.arange(23.0).reshape(-1, 1)
    seen = np.concatenate([xb[:, 0] for xb, _ in gn.minibatches(X, X, 5, rng)])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, np.arange(23))


def test_small_standard_deviations_divide_and_multiply_by_hand():
    # std 0.5 (< 1) and 2 (> 1) per feature, both used as they are: x' = (x - mu) / sigma
    X = np.array([[0.5, -2.0], [1.5, 2.0]])
    scaler = gn.Standardizer().fit(X)
    assert np.array_equal(scaler.mean_, [1.0, 0.0]) and np.array_equal(scaler.std_, [0.5, 2.0])
    out = scaler.transform(np.array([[2.0, 1.0]]))
    assert np.array_equal(out, [[2.0, 0.5]])  # (2 - 1) / 0.5, (1 - 0) / 2
    assert np.array_equal(scaler.inverse_transform(np.array([[2.0, 0.5]])), [[2.0, 1.0]])
    assert np.array_equal(scaler.inverse_transform(np.array([[-1.0, 1.0]])), [[0.5, 2.0]])


def test_constant_feature_is_only_centered_both_ways():
    # sigma = 0: x' = x - mu (divided by 1, never by 0), and back: x = x' + mu
    scaler = gn.Standardizer().fit(np.array([[7.0, 0.0], [7.0, 4.0]]))
    assert np.array_equal(scaler.std_, [0.0, 2.0])
    assert np.array_equal(scaler.transform(np.array([[10.0, 6.0]])), [[3.0, 2.0]])
    assert np.array_equal(scaler.inverse_transform(np.array([[3.0, 2.0]])), [[10.0, 6.0]])
    assert np.array_equal(scaler.inverse_transform(np.array([[-0.5, 0.0]])), [[6.5, 2.0]])


def test_transform_does_not_modify_its_input_and_float64_stays_float64():
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    before = X.copy()
    scaler = gn.Standardizer().fit(X)
    out = scaler.transform(X)
    assert out.dtype == np.float64 and np.array_equal(X, before)
    assert scaler.transform(np.array([[1, 2]])).dtype == np.float64  # integers become floats


def test_repr_and_n_features():
    scaler = gn.Standardizer()
    assert repr(scaler) == "Standardizer(unfitted)"
    with pytest.raises(gn.GlassnetError, match="not fitted"):
        _ = scaler.n_features
    with pytest.raises(gn.GlassnetError, match="not fitted"):
        scaler.inverse_transform(np.zeros((1, 3)))
    scaler.fit(np.zeros((2, 3)))
    assert repr(scaler) == "Standardizer(3 features)" and scaler.n_features == 3


def test_batch_slices_at_the_boundaries():
    assert batch_slices(10, 10) == [slice(0, 10)]
    assert batch_slices(10, 9) == [slice(0, 9), slice(9, 10)]
    assert batch_slices(10, 1) == [slice(i, i + 1) for i in range(10)]
    assert batch_slices(1, 1) == [slice(0, 1)]


def test_minibatches_keep_rows_of_X_and_Y_together_and_order_without_rng(rng):
    X = np.arange(14.0).reshape(7, 2)
    Y = X[:, :1] * 10
    batches = list(gn.minibatches(X, Y, 3))
    assert [len(xb) for xb, _ in batches] == [3, 3, 1]
    assert np.array_equal(np.concatenate([xb for xb, _ in batches]), X)  # in order
    for xb, yb in gn.minibatches(X, Y, 3, rng):
        assert np.array_equal(yb, xb[:, :1] * 10)


# Mutants of tools/mutate.py that cannot change behaviour (counted as killed only because they
# are named here):
# equivalent: data:51:38 False -> True -- astype(copy=True) only adds a copy; the subtraction
#   makes a new array either way, so values, dtype and the input are the same
# equivalent: data:123:50 >= -> > -- when batch_size == m both branches give size = m
