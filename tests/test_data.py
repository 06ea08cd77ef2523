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


def test_split_rows_holds_out_the_first_rows_of_the_documented_permutation():
    order = np.random.default_rng([5, 1]).permutation(10)
    rows, val = gn.data.split_rows(10, 0.3, 5)
    assert np.array_equal(val, np.sort(order[:3]))
    assert np.array_equal(rows, np.sort(order[3:]))
    # no seed: fresh entropy, still round(m * fraction) rows, disjoint and covering
    rows, val = gn.data.split_rows(10, 0.3, None)
    assert len(val) == 3 and sorted([*rows, *val]) == list(range(10))


def test_split_rows_at_the_boundaries():
    assert len(gn.data.split_rows(10, 0.1, 0)[1]) == 1  # one held-out row is enough
    assert len(gn.data.split_rows(10, 0.9, 0)[1]) == 9  # one training row is enough
    for m, fraction in ((10, 0.04), (3, 0.9)):  # round(m * fraction) is 0, or m
        with pytest.raises(gn.GlassnetError) as error:
            gn.data.split_rows(m, fraction, 0)
        assert str(error.value) == (
            f"validation_split={fraction} of {m} samples leaves no validation or no training "
            "data; use more data or another fraction"
        )
    with pytest.raises(gn.GlassnetError, match=r"validation_split must be in \(0, 1\), got 0"):
        gn.data.split_rows(10, 0, 0)


def test_stratified_split_gives_each_class_its_largest_remainder_share():
    # counts 7, 2, 1 of m = 10 and 3 held out: quotas 2.1, 0.6, 0.3, floors 2, 0, 0; the one
    # row left goes to the largest remainder (0.6, class "b"), not to the largest class
    labels = np.array(list("aabaaacaba"))
    order = np.random.default_rng([2, 1]).permutation(10)
    rows, val = gn.data.split_rows(10, 0.3, 2, labels)
    assert sorted(labels[val].tolist()) == ["a", "a", "b"]
    # within each class the held rows are the class's first ones in the seeded permutation
    expected = [
        *[r for r in order if labels[r] == "a"][:2],
        [r for r in order if labels[r] == "b"][0],
    ]
    assert np.array_equal(val, np.sort(expected))
    assert np.array_equal(rows, np.setdiff1d(np.arange(10), val))
    with pytest.raises(gn.GlassnetError, match=r"labels must have shape \(10,\), got \(10, 1\)"):
        gn.data.split_rows(10, 0.3, 2, labels.reshape(10, 1))


def test_kfold_rows_are_the_parts_of_the_seeded_permutation():
    order = np.random.default_rng(7).permutation(11)
    folds = gn.data.kfold_rows(11, 3, seed=7)
    assert len(folds) == 3
    for (rows, val), part in zip(folds, np.array_split(order, 3), strict=True):
        assert np.array_equal(val, np.sort(part))
        assert np.array_equal(rows, np.setdiff1d(np.arange(11), part))
    assert [len(val) for _, val in gn.data.kfold_rows(4, 2, 0)] == [2, 2]
    assert [len(val) for _, val in gn.data.kfold_rows(4, 4, 0)] == [1, 1, 1, 1]  # leave one out


@pytest.mark.parametrize("folds", [1, 5, True, 2.0, "3"])
def test_kfold_rows_refuses_a_bad_number_of_folds(folds):
    with pytest.raises(gn.GlassnetError) as error:
        gn.data.kfold_rows(4, folds, 0)
    assert str(error.value) == f"cross-validation needs 2 to 4 folds, got {folds!r}"


# Mutants of tools/mutate.py that cannot change behaviour (counted as killed only because they
# are named here):
# equivalent: data:51:38 False -> True -- astype(copy=True) only adds a copy; the subtraction
#   makes a new array either way, so values, dtype and the input are the same
# equivalent: data:123:50 >= -> > -- when batch_size == m both branches give size = m
