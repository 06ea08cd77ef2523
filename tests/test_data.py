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
