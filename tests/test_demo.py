import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet import datasets, demo
from glassnet.files import model as model_file

pytest.importorskip("matplotlib", reason="the demo draws its pictures with matplotlib")
pytest.importorskip("tqdm", reason="the demo shows a tqdm progress bar")

SMALL = {"n_train": 600, "n_validation": 60, "n_test": 300}


def test_small_demo_writes_a_model_and_two_pictures_and_learns(tmp_path):
    lines = []
    result = demo.run(
        tmp_path / "out", epochs=15, seed=0, progress=False, echo=lines.append, **SMALL
    )
    out = tmp_path / "out"
    assert result["model_path"] == out / "cats.glassnet"
    assert (
        result["cost_plot"] == out / "cost.png" and result["grid_plot"] == out / "predictions.png"
    )
    for picture in (result["cost_plot"], result["grid_plot"]):
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result["epochs"] == 15 and result["seconds"] > 0
    # above chance on 300 unseen images (chance: 0.5 +- 0.03), and better on the training data
    assert result["test_accuracy"] > 0.6
    assert result["train_accuracy"] > result["test_accuracy"]
    assert 0.4 < result["linear_test_accuracy"] < 1
    report = "\n".join(lines)
    assert f"train accuracy {result['train_accuracy']:.3f}" in report
    assert f"test accuracy  {result['test_accuracy']:.3f}" in report
    assert f"{result['linear_test_accuracy']:.3f}" in report and "done in" in report

    # the model file alone reproduces the test accuracy from the raw pixels
    model = model_file.load(result["model_path"])
    _, _, images_test, y_test = datasets.cats(SMALL["n_train"], SMALL["n_test"], seed=0)
    predicted = model.predict(datasets.image_features(images_test))
    assert list(model.classes) == ["non-cat", "cat"]
    assert np.mean(predicted == np.array(datasets.CAT_CLASSES)[y_test]) == result["test_accuracy"]
    assert model.network.sizes == [12288, 20, 7, 5, 1] and model.history.epochs == 15
    assert model.metadata["data"] == "builtin:cats" and model.metadata["seed"] == 0


def test_demo_shows_a_progress_bar_on_stderr(tmp_path, capsys):
    small = {"n_train": 40, "n_validation": 10, "n_test": 12}
    demo.run(tmp_path, epochs=2, progress=True, echo=print, linear=False, **small)
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "cost=" in captured.err and "val_acc=" in captured.err
    assert "test accuracy" in captured.out and "linear model" not in captured.out


def test_demo_refuses_a_file_as_its_output_folder(tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    with pytest.raises(gn.GlassnetError, match="is a file"):
        demo.run(target, epochs=1, progress=False, echo=lambda line: None)
    with pytest.raises(gn.GlassnetError, match="epochs must be >= 1"):
        demo.run(tmp_path, epochs=0, progress=False, echo=lambda line: None)


def test_demo_reports_a_missing_extra_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if matplotlib were missing
    monkeypatch.setattr(datasets, "cats", lambda *args: pytest.fail("drew the data first"))
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[demo\]"'):
        demo.run(tmp_path / "out", progress=False, echo=lambda line: None)
    assert not (tmp_path / "out").exists()
