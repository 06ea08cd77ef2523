"""The setup layer: a Recipe becomes exactly the network, optimizer, split and run it describes."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import recipe
from glassnet.data import split_rows
from glassnet.recipe import Recipe


def blobs(m=150, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(m) % classes
    X = rng.standard_normal((m, 4)) + 2.0 * y[:, None]
    return X * 10 + 5, y  # far from standardized


@pytest.mark.parametrize(
    "task, n, expected",
    [
        ("classification", 2, (1, "sigmoid")),
        ("classification", 3, (3, "softmax")),
        ("classification", 10, (10, "softmax")),
        ("regression", 1, (1, "identity")),
        ("regression", 3, (3, "identity")),
    ],
)
def test_output_layer(task, n, expected):
    assert recipe.output_layer(task, n) == expected


def test_output_layer_refuses_what_it_cannot_build():
    with pytest.raises(gn.GlassnetError, match="at least 2 classes"):
        recipe.output_layer("classification", 1)
    with pytest.raises(gn.GlassnetError, match="task must be one of"):
        recipe.output_layer("ranking", 2)


def test_make_network_and_optimizer_follow_the_recipe():
    r = Recipe(hidden_layers=(6, 5), activation="tanh", init="glorot", optimizer="nesterov",
               lr=0.2, optimizer_options={"beta": 0.8}, seed=7, l2=0.1, l1=0.05, dropout=0.25,
               dtype="float64", schedule=gn.schedules.ExponentialDecay(0.9))  # fmt: skip
    net = recipe.make_network(r, 4, "classification", 3)
    assert net.sizes == [4, 6, 5, 3] and net.hidden.name == "tanh" and net.output.name == "softmax"
    assert net.init.name == "glorot" and net.l2 == 0.1 and net.dropout == 0.25 and net.l1 == 0.05
    assert net.dtype == np.float64 and net.seed == 7
    same = gn.Network([4, 6, 5, 3], hidden="tanh", output="softmax", init="glorot", seed=7,
                      dtype="float64", l2=0.1, l1=0.05, dropout=0.25)  # fmt: skip
    assert all(np.array_equal(a, b) for a, b in zip(net.parameters(), same.parameters()))
    opt = recipe.make_optimizer(r)
    assert type(opt) is gn.Nesterov and opt.lr == 0.2 and opt.beta == 0.8
    assert opt.schedule == gn.schedules.ExponentialDecay(0.9)
    assert recipe.make_optimizer(Recipe(optimizer="adam")).lr == 0.001  # the optimizer's default


def test_a_recipe_is_frozen_and_checked_when_made():
    r = Recipe()
    with pytest.raises(AttributeError):
        r.epochs = 3
    with pytest.raises(TypeError):
        r.optimizer_options["beta"] = 0.5
    assert r.replace(epochs=3).epochs == 3 and r.epochs == 100
    assert Recipe(hidden_layers=8).hidden_layers == (8,)
    for bad, match in [
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"early_stopping": 0}, "early_stopping"),
        ({"hidden_layers": (4, 0)}, "hidden layer size"),
        ({"activation": "swish"}, "swish"),
        ({"init": "orthogonal"}, "orthogonal"),
        ({"seed": -1}, "seed"),
    ]:
        with pytest.raises(gn.GlassnetError, match=match):
            Recipe(**bad)


def test_to_dict_is_plain_json():
    import json

    r = Recipe(optimizer_options={"beta": 0.5}, schedule=gn.schedules.StepDecay(3, 0.5))
    data = json.loads(json.dumps(r.to_dict()))
    assert data["optimizer_options"] == {"beta": 0.5} and data["hidden_layers"] == [20, 7, 5]
    assert data["schedule"] == {"name": "step", "step": 3, "factor": 0.5}
    assert data["l1"] == 0.0 and Recipe(l1=0.3).to_dict()["l1"] == 0.3


def test_l1_is_off_by_default_and_reaches_the_trained_network():
    assert Recipe().l1 == 0.0 and recipe.DEFAULT.l1 == 0.0 and recipe.LECTURE.l1 == 0.0
    assert recipe.make_network(Recipe(), 3, "classification", 2).l1 == 0.0
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    fitted = recipe.fit(Recipe(hidden_layers=(4,), l1=0.2, epochs=2), X, y, "classification")
    assert fitted.network.l1 == 0.2
    with pytest.raises(gn.GlassnetError, match="l1 must be a number >= 0, got -1"):
        recipe.make_network(Recipe(l1=-1), 3, "classification", 2)


def test_holdout_is_the_one_split():
    r = Recipe(validation_split=0.2, seed=4)
    y = np.arange(50) % 2
    rows, val = recipe.holdout(r, 50, y)
    expected = split_rows(50, 0.2, 4, y)
    assert np.array_equal(rows, expected[0]) and np.array_equal(val, expected[1])
    rows, val = recipe.holdout(Recipe(), 50)
    assert val is None and np.array_equal(rows, np.arange(50))


def test_split_rows_is_stratified_seeded_and_disjoint():
    y = np.array([0] * 80 + [1] * 15 + [2] * 5)
    rows, val = split_rows(100, 0.2, 3, y)
    assert len(val) == 20 and len(rows) == 80 and not set(rows) & set(val)
    assert np.bincount(y[val]).tolist() == [16, 3, 1]  # each class in proportion
    again = split_rows(100, 0.2, 3, y)
    assert np.array_equal(val, again[1])
    other = split_rows(100, 0.2, 4, y)
    assert not np.array_equal(val, other[1])
    plain = split_rows(100, 0.2, 3)  # unstratified: the first 20 of the seeded permutation
    order = np.random.default_rng([3, 1]).permutation(100)
    assert np.array_equal(plain[1], np.sort(order[:20]))
    with pytest.raises(gn.GlassnetError, match="leaves no validation"):
        split_rows(3, 0.1, 0)
    with pytest.raises(gn.GlassnetError, match=r"labels must have shape \(10,\)"):
        split_rows(10, 0.5, 0, np.zeros(9))


def test_kfold_rows_holds_out_every_row_once():
    folds = gn.data.kfold_rows(23, 4, seed=1)
    held = np.concatenate([val for _, val in folds])
    assert sorted(held.tolist()) == list(range(23))
    for rows, val in folds:
        assert not set(rows) & set(val) and len(rows) + len(val) == 23
    with pytest.raises(gn.GlassnetError, match="2 to 23 folds"):
        gn.data.kfold_rows(23, 1, 0)


def test_fit_is_train_on_the_recipes_split_with_training_statistics():
    """fit == standardize with the training rows' statistics, then gn.train on the held-out
    split: the same costs, bit for bit."""
    X, y = blobs()
    r = Recipe(hidden_layers=(8,), epochs=4, batch_size=16, validation_split=0.2, seed=2,
               optimizer="adam", lr=0.01)  # fmt: skip
    fitted = recipe.fit(r, X, y, "classification")
    rows, val = split_rows(len(X), 0.2, 2, y)
    assert np.array_equal(fitted.train_rows, rows) and np.array_equal(fitted.val_rows, val)
    scaler = gn.Standardizer().fit(X[rows])
    assert np.array_equal(fitted.standardizer.mean_, scaler.mean_)
    net = gn.Network([4, 8, 3], output="softmax", seed=2)
    validation = (scaler.transform(X[val]), y[val])
    history = gn.train(net, scaler.transform(X[rows]), y[rows], gn.Adam(lr=0.01), epochs=4,
                       batch_size=16, seed=2, validation_data=validation)  # fmt: skip
    assert fitted.history.costs == history.costs and fitted.history.val_costs == history.val_costs


def test_gn_train_validation_split_holds_out_the_same_rows_as_the_recipe():
    X, y = blobs()
    r = Recipe(hidden_layers=(8,), epochs=3, batch_size=32, validation_split=0.3, seed=5,
               standardize=False)  # fmt: skip
    fitted = recipe.fit(r, X, y, "classification")
    net = gn.Network([4, 8, 3], output="softmax", seed=5)
    history = gn.train(net, X, y, gn.Momentum(), epochs=3, batch_size=32, seed=5,
                       validation_split=0.3)  # fmt: skip
    assert history.val_costs == fitted.history.val_costs and history.costs == fitted.history.costs


def test_fit_regression_scales_targets_and_folds_the_scaling_exactly():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    Y = np.column_stack([X @ [1.0, 2.0, -1.0] * 40 + 300, X[:, 0] * 0.01])
    r = Recipe(hidden_layers=(8,), epochs=30, batch_size=16, optimizer="adam", lr=0.01,
               dtype="float64")  # fmt: skip
    fitted = recipe.fit(r, X, Y, "regression")
    assert fitted.network.sizes[-1] == 2 and fitted.network.output.name == "identity"
    assert np.allclose(fitted.target_scaler.mean_, Y.mean(axis=0))
    predicted = fitted.outputs(X)
    assert gn.metrics.r2(Y[:, 0], predicted[:, 0]) > 0.9  # learnt in the targets' own units
    fitted.fold_target_scaling()
    assert fitted.target_scaler is None
    assert np.allclose(fitted.network.forward(fitted.inputs(X)), predicted, rtol=1e-10, atol=1e-10)


def test_fit_continues_a_previous_model():
    X, y = blobs(classes=2)
    r = Recipe(hidden_layers=(4,), epochs=2, batch_size=50)
    first = recipe.fit(r, X, y, "classification")
    steps = first.optimizer.t
    again = recipe.fit(r, X, y, "classification", previous=first, epochs=3, shuffle_seed=9)
    assert again is first and first.history.epochs == 5 and first.optimizer.t == steps + 9


def test_fit_with_early_stopping_restores_the_best_epoch():
    X, y = blobs(classes=2, m=200)
    rng = np.random.default_rng(1)
    y = np.where(rng.random(len(y)) < 0.35, 1 - y, y)  # noisy labels: it overfits
    r = Recipe(hidden_layers=(64, 64), epochs=200, batch_size=16, optimizer="adam", lr=0.01,
               validation_split=0.3, early_stopping=5, restore_best=True, seed=0)  # fmt: skip
    fitted = recipe.fit(r, X, y, "classification")
    history = fitted.history
    assert history.epochs < 200
    best = int(np.argmin(history.val_costs))
    assert history.epochs - (best + 1) == 5
    X_val = fitted.inputs(X[fitted.val_rows])
    assert fitted.network.cost(X_val, y[fitted.val_rows]) == pytest.approx(history.val_costs[best])


def test_class_of_rows_reads_indices_one_hot_and_columns():
    assert recipe.class_of_rows("classification", [2, 0, 1]).tolist() == [2, 0, 1]
    assert recipe.class_of_rows("classification", np.eye(3)[[1, 2]]).tolist() == [1, 2]
    assert recipe.class_of_rows("classification", [[1.0], [0.0]]).tolist() == [1.0, 0.0]
    assert recipe.class_of_rows("regression", [1.5, 2.5]) is None


def test_holdout_takes_another_fraction():
    rows, val = recipe.holdout(Recipe(seed=1), 40, fraction=0.25)
    assert np.array_equal(val, split_rows(40, 0.25, 1)[1]) and len(rows) == 30


def test_continuing_with_new_hyperparameters_starts_a_new_optimizer_state():
    X, y = blobs(classes=2)
    r = Recipe(hidden_layers=(4,), epochs=1, batch_size=50, optimizer="adam")
    first = recipe.fit(r, X, y, "classification")
    kept = first.optimizer
    recipe.fit(r, X, y, "classification", previous=first)
    assert first.optimizer is kept and kept.t == 6
    recipe.fit(r.replace(lr=0.01), X, y, "classification", previous=first)
    assert first.optimizer is not kept and first.optimizer.t == 3 and first.recipe.lr == 0.01


def test_still_falling_watches_the_validation_cost_else_the_training_cost_by_tol():
    from glassnet.history import History
    from glassnet.recipe import TOL, monitored, still_falling

    falling = History(epoch_costs=[1.0, 0.9, 0.8, 0.7])
    assert still_falling(falling, 2) and monitored(falling) == "training"
    flat = History(epoch_costs=[1.0, 0.5, 0.5 - TOL / 2, 0.5 - TOL])  # no fall by more than TOL
    assert not still_falling(flat, 2) and still_falling(flat, 3)
    validated = History(epoch_costs=[1.0, 0.9, 0.8], val_costs=[1.0, 0.9, 0.95])
    assert monitored(validated) == "validation"
    assert still_falling(validated, 2) and not still_falling(validated, 1)
    stopped = History(epoch_costs=[1.0, 0.5])
    stopped.stop_training = True
    assert not still_falling(stopped, 5) and not still_falling(History(epoch_costs=[1.0]), 5)
