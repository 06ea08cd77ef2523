"""The documented recipes of the README, measured on scikit-learn's bundled data sets."""

import warnings

import numpy as np
import pytest

import glassnet as gn

sklearn = pytest.importorskip("sklearn", reason="the bundled data sets come with scikit-learn")
from sklearn.datasets import load_diabetes, load_digits  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402


def test_digits_recipe_reaches_97_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = gn.Standardizer().fit(X_train)
    net = gn.Network([64, 128, 64, 10], hidden="relu", output="softmax", seed=0)
    gn.train(
        net, scaler.transform(X_train), y_train, gn.Adam(lr=0.002), epochs=40, batch_size=32, seed=0
    )
    accuracy = np.mean(net.predict(scaler.transform(X_test)) == y_test)
    assert accuracy >= 0.97


def test_diabetes_recipe_matches_mlp_regressor():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = gn.Standardizer().fit(X_train)
    mean, std = y_train.mean(), y_train.std()  # the targets are standardized too
    net = gn.Network([10, 64, 1], output="identity", l2=5.0, seed=0)
    gn.train(
        net,
        scaler.transform(X_train),
        (y_train - mean) / std,
        gn.Adam(lr=0.003),
        epochs=50,
        batch_size=32,
        seed=0,
    )
    ours = r2_score(y_test, net.predict(scaler.transform(X_test)).ravel() * std + mean)

    # scikit-learn with the same settings: one hidden layer of 64 ReLU units, L2 alpha = 5
    # (its penalty is (alpha / 2m) ||W||^2, like glassnet's l2), Adam 0.003, batches of 32
    mlp = MLPRegressor(
        hidden_layer_sizes=(64,),
        alpha=5.0,
        learning_rate_init=0.003,
        batch_size=32,
        max_iter=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        mlp.fit(scaler.transform(X_train), (y_train - mean) / std)
    theirs = r2_score(y_test, mlp.predict(scaler.transform(X_test)) * std + mean)
    assert ours >= theirs > 0.3
