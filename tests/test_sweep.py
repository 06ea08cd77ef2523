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
