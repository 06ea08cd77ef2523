import io
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.progress import ProgressBar

pytest.importorskip("tqdm", reason="the progress bar draws with tqdm (the demo extra)")


def _train(epochs, bar, validation=True):
    X, y = gn.datasets.blobs(m=60, seed=0)
    net = gn.Network([2, 3, 1], seed=0)
    data = (X, y) if validation else None
    return gn.train(net, X, y, epochs=epochs, callbacks=[bar], validation_data=data)


def test_bar_counts_epochs_and_shows_cost_and_validation_accuracy():
    out = io.StringIO()
    with ProgressBar(4, desc="fitting", file=out) as bar:
        history = _train(4, bar)
        assert bar.bar.n == 4
    text = out.getvalue()
    assert "fitting" in text and "4/4" in text and "epoch" in text
    assert f"cost={history.epoch_costs[-1]:.4f}" in text
    assert f"val_acc={history.val_accuracies[-1]:.3f}" in text
    assert bar.bar.disable  # tqdm marks a closed bar as disabled
    assert text.endswith("\n")  # the finished bar stays on its own line


def test_bar_without_validation_data_shows_only_the_cost():
    out = io.StringIO()
    with ProgressBar(2, file=out) as bar:
        history = _train(2, bar, validation=False)
    assert f"cost={history.epoch_costs[-1]:.4f}" in out.getvalue()
    assert "val_acc" not in out.getvalue()


def test_bar_closes_when_training_stops_early_or_fails():
    out = io.StringIO()
    with ProgressBar(10, file=out) as bar:

        def stop_after_three(history):
            history.stop_training = history.epochs == 3

        X, y = gn.datasets.blobs(m=40, seed=0)
        gn.train(gn.Network([2, 1], seed=0), X, y, epochs=10, callbacks=[bar, stop_after_three])
    assert bar.bar.n == 3 and bar.bar.disable and "3/10" in out.getvalue()

    with pytest.raises(RuntimeError), ProgressBar(5, file=io.StringIO()) as failing:
        raise RuntimeError("training failed")
    assert failing.bar.disable


def test_disabled_bar_draws_nothing_and_needs_no_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    out = io.StringIO()
    with ProgressBar(3, file=out, disable=True) as bar:
        history = _train(3, bar)
    assert out.getvalue() == "" and history.epochs == 3


def test_missing_tqdm_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[demo\]"'):
        ProgressBar(3)


def test_bad_epochs():
    with pytest.raises(gn.GlassnetError, match="epochs must be >= 1"):
        ProgressBar(0)
    with pytest.raises(gn.GlassnetTypeError, match="epochs must be an integer"):
        ProgressBar(np.float64(2.5))
