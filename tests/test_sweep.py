"""Parallel sweeps on Dask give the same results as a sequential run."""

import numpy as np
import pytest

import glassnet as gn
from glassnet import sweep


def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 4)) * [1, 10, 100, 0.1]
    y = (X[:, 0] + X[:, 1] / 10 > 0).astype(int)
    return X, y


def test_grid_expands_every_combination():
    combos = sweep.grid(["lr=0.1,0.01", "layers=20,7,5:64,64", "hidden=relu"])
    assert combos == [
        {"lr": 0.1, "layers": [20, 7, 5], "hidden": "relu"},
        {"lr": 0.1, "layers": [64, 64], "hidden": "relu"},
        {"lr": 0.01, "layers": [20, 7, 5], "hidden": "relu"},
        {"lr": 0.01, "layers": [64, 64], "hidden": "relu"},
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("lr", "NAME=VALUES"),
        ("alpha=1", "unknown grid parameter 'alpha'"),
        ("lr=fast", "not valid"),
    ],
)
def test_bad_grids(spec, message):
    with pytest.raises(gn.GlassnetError, match=message):
        sweep.grid([spec])


def test_cross_validation_uses_every_row_once_for_validation():
    X, y = data()
    result = sweep.evaluate(X, y, {"epochs": 2, "layers": [4]}, folds=3)
    assert len(result.fold_costs) == 3 and 0 <= result.val_accuracy <= 1


def test_hold_out_is_the_split_rows_of_the_seed():
    """Without folds a combination validates on data.split_rows(m, f, seed, y)'s rows (stratified
    by class): its cost and accuracy are those of gn.train given exactly those rows."""
    X, y = data()
    seed, fraction = 3, 0.3
    params = {"epochs": 4, "layers": [6], "optimizer": "nesterov", "beta": 0.8, "lr": 0.05}
    result = sweep.evaluate(X, y, params, seed=seed, validation_split=fraction)
    rows, val_rows = gn.data.split_rows(len(X), fraction, seed, y)
    scaler = gn.Standardizer().fit(X[rows])
    net = gn.Network([4, 6, 1], output="sigmoid", seed=seed)
    history = gn.train(
        net,
        scaler.transform(X[rows]),
        y[rows],
        gn.optimizers.get("nesterov", lr=0.05, beta=0.8),
        epochs=4,
        batch_size=64,
        seed=seed,
        validation_data=(scaler.transform(X[val_rows]), y[val_rows]),
    )
    assert result.fold_costs == [history.val_costs[-1]]
    assert result.val_accuracy == history.val_accuracies[-1]
    assert sweep.evaluate(X, y, params, seed=seed).fold_costs != result.fold_costs  # 0.2


def test_l1_is_a_grid_parameter_that_reaches_the_recipe():
    assert sweep.grid(["l1=0,0.01"]) == [{"l1": 0.0}, {"l1": 0.01}]
    assert sweep.recipe_of({}).l1 == 0.0 and sweep.recipe_of({"l1": 0.01}).l1 == 0.01
    assert sweep.recipe_of({"l1": 0.01, "l2": 0.1}).l2 == 0.1


def test_beta_goes_only_to_optimizers_that_take_it():
    assert sweep.recipe_of({"optimizer": "adam"}).optimizer_options == {}  # not the default
    momentum = sweep.recipe_of({"beta": 0.5, "layers": [3], "hidden": "tanh"}, seed=4)
    assert momentum.optimizer_options == {"beta": 0.5} and momentum.seed == 4
    assert momentum.hidden_layers == (3,) and momentum.activation == "tanh"
    X, y = data()
    result = sweep.evaluate(X, y, {"optimizer": "adam", "epochs": 1, "layers": [4]})
    assert 0 <= result.val_accuracy <= 1


def test_dask_local_cluster_equals_sequential():
    distributed = pytest.importorskip("dask.distributed", reason='pip install "glassnet[dask]"')
    X, y = data()
    combos = sweep.grid(["lr=0.3,0.01", "layers=8:4,4", "epochs=5"])
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster) as client:
            parallel = sweep.run(X, y, combos, folds=2, scheduler=client)
    sequential = sweep.rank([sweep.evaluate(X, y, c, folds=2) for c in combos])
    assert [r.params for r in parallel] == [r.params for r in sequential]
    for a, b in zip(parallel, sequential):
        assert a.fold_costs == pytest.approx(b.fold_costs, rel=1e-6)
        assert a.val_accuracy == b.val_accuracy
    assert parallel[0].val_accuracy > parallel[-1].val_accuracy  # the grid matters


def test_grid_search_cv_under_joblibs_dask_backend_equals_sequential():
    distributed = pytest.importorskip("dask.distributed", reason='pip install "glassnet[dask]"')
    pytest.importorskip("sklearn", reason='GlassClassifier needs "glassnet[sklearn]"')
    import joblib
    from sklearn.model_selection import GridSearchCV

    from glassnet.sklearn import GlassClassifier

    X, y = data()
    grid = {"learning_rate": [0.3, 0.01], "hidden_layer_sizes": [(8,), (4, 4)]}
    estimator = GlassClassifier(epochs=5, random_state=0)
    sequential = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        with distributed.Client(cluster), joblib.parallel_backend("dask"):
            on_dask = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(X, y)
    assert on_dask.best_params_ == sequential.best_params_
    assert np.allclose(
        on_dask.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )


def test_beta_in_the_grid_for_an_optimizer_without_momentum_is_refused():
    from glassnet import sweep

    assert "beta" not in sweep.recipe_of({"optimizer": "adam"}).optimizer_options  # the default
    assert sweep.recipe_of({"optimizer": "nesterov", "beta": 0.5}).optimizer_options["beta"] == 0.5
    with pytest.raises(gn.GlassnetError, match="beta does not apply to the optimizer 'adam'"):
        sweep.recipe_of({"optimizer": "adam", "beta": 0.5})
