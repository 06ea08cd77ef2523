"""The glassnet command, end to end: the real command in a subprocess for train, evaluate,
predict and info on every data format, multi-class and regression runs, sweeps, and a table of
every user error (exit status 2, one line, no traceback)."""

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, recipe
from glassnet.data import split_rows
from glassnet.files.model import load, save
from test_readers import write_cat_h5, write_images

# numpy: tiny runs would spend more time compiling the numba engine than training. The lecture's
# recipe (ReLU, He, momentum, no early stopping: the command's defaults before issue 16) keeps
# these tests' expectations; the measured defaults are tested at the end of this file.
FAST = ["--epochs", "15", "--layers", "6", "--lr", "0.1", "--batch-size", "16"]
FAST += ["--recipe", "lecture", "--no-progress", "--engine", "numpy"]


def glassnet(*args, cwd=None) -> subprocess.CompletedProcess:
    """Run the real command: python -m glassnet.cli ARGS."""
    return subprocess.run(
        [sys.executable, "-m", "glassnet.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def separable(rng, m=80, labels=("no", "yes")):
    X = rng.standard_normal((m, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, np.array(labels)[y]


def write_csv(path, X, y, header=("a", "b", "c", "label")):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row, label in zip(X, y):
            writer.writerow([f"{v:.6f}" for v in row] + [label])
    return path


def printed(stdout: str, name: str) -> float:
    line = next(line for line in stdout.splitlines() if line.strip().startswith(name))
    return float(line.strip()[len(name) :].split()[0])


# ---- end to end ---------------------------------------------------------------------------


def test_csv_with_string_labels_train_evaluate_predict_info(tmp_path, rng):
    X, y = separable(rng)
    data = write_csv(tmp_path / "train.csv", X, y)
    model_path = tmp_path / "model.glassnet"
    out = ok(glassnet("train", data, *FAST, "--out", model_path))
    assert "network    [3, 6, 1], hidden relu, output sigmoid, init he" in out
    assert "labels     0: no, 1: yes (target column 'label')" in out
    assert "64 training, 16 validation, 0 test" in out
    model = load(model_path)
    assert model.classes.tolist() == ["no", "yes"] and model.plan is not None
    assert model.history.epochs == 15 and len(model.history.val_accuracies) == 15
    assert model.metadata["training"]["optimizer"] == {"name": "momentum", "lr": 0.1, "beta": 0.9}
    # the numbers train prints are those of the saved model
    assert printed(out, "validation accuracy") == pytest.approx(
        model.metadata["results"]["validation_accuracy"], abs=5e-5
    )

    out = ok(glassnet("evaluate", model_path, data))
    expected = model.predict(X)
    accuracy = np.mean(expected == y)
    tp = np.sum((expected == "yes") & (y == "yes"))
    assert printed(out, "accuracy") == pytest.approx(accuracy, abs=5e-5)
    assert printed(out, "precision") == pytest.approx(tp / np.sum(expected == "yes"), abs=5e-5)
    assert printed(out, "recall") == pytest.approx(tp / np.sum(y == "yes"), abs=5e-5)
    labels01 = (y == "yes").astype(int)
    cost = model.network.cost(model.transform(X), labels01)
    assert printed(out, "cost") == pytest.approx(cost, abs=5e-5)
    assert accuracy > 0.8  # it learned something

    predictions = tmp_path / "predictions.csv"
    ok(glassnet("predict", model_path, data, "--out", predictions))
    with open(predictions) as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == expected.tolist()
    assert np.allclose([float(r["probability"]) for r in rows], model.predict_proba(X), atol=1e-6)

    out = ok(glassnet("info", model_path))
    for fragment in [
        "[3, 6, 1]: 1 hidden layer(s), float32",
        "hidden relu, output sigmoid",
        "initializer  he",
        "parameters   31 ",
        "classes      0: no, 1: yes",
        "inputs       3 network inputs from the table's columns by a fitted plan",
        "15 epochs, 60 iterations",
        "momentum, lr 0.1, beta 0.9; batch size 16, 15 epochs, seed 0",
        f"written by glassnet {gn.__version__}",
    ]:
        assert fragment in out


def test_csv_numeric_labels_and_npz(tmp_path, rng):
    X, y = separable(rng, labels=(0, 1))
    data = write_csv(tmp_path / "d.csv", X, y)
    ok(glassnet("train", data, *FAST, "--optimizer", "gd", "--out", tmp_path / "c.glassnet"))
    assert load(tmp_path / "c.glassnet").classes.tolist() == [0, 1]

    np.savez(tmp_path / "d.npz", X=X, y=y)
    model_path = tmp_path / "n.glassnet"
    ok(glassnet("train", tmp_path / "d.npz", *FAST, "--no-normalize", "--out", model_path))
    model = load(model_path)
    assert model.standardizer is None and model.classes.tolist() == [0, 1]
    out = ok(glassnet("predict", model_path, tmp_path / "d.npz"))
    rows = list(csv.DictReader(out.splitlines()))
    assert [int(r["label"]) for r in rows] == model.predict(X).tolist()


def test_hdf5_cat_layout_uses_its_test_twin(tmp_path, rng):
    write_cat_h5(tmp_path / "train_cats.h5", rng, 40, "train")
    write_cat_h5(tmp_path / "test_cats.h5", rng, 10, "test")
    model_path = tmp_path / "cats.glassnet"
    out = ok(glassnet("train", tmp_path / "train_cats.h5", *FAST, "--out", model_path))
    assert "32 training, 8 validation, 10 test" in out and "test accuracy" in out
    model = load(model_path)
    assert model.classes.tolist() == ["non-cat", "cat"] and model.n_features == 48
    # evaluate accepts either file of the pair, and evaluates the test set
    from_train = ok(glassnet("evaluate", model_path, tmp_path / "train_cats.h5"))
    from_test = ok(glassnet("evaluate", model_path, tmp_path / "test_cats.h5"))
    assert "10 samples" in from_train
    assert from_train.splitlines()[2:] == from_test.splitlines()[2:]
    assert printed(from_test, "accuracy") == pytest.approx(
        model.metadata["results"]["test_accuracy"], abs=5e-5
    )


def test_image_folder(tmp_path, rng):
    folder = write_images(tmp_path / "pets", rng, per_class=6)
    model_path = tmp_path / "pets.glassnet"
    args = ["--image-size", "8", "--validation-split", "0", "--out", model_path]
    out = ok(glassnet("train", folder, *FAST, *args))
    assert "12 training, 0 validation, 0 test" in out
    model = load(model_path)
    assert model.n_features == 8 * 8 * 3 and model.metadata["data"]["images_shape"] == [8, 8, 3]
    rows = list(csv.DictReader(ok(glassnet("predict", model_path, folder)).splitlines()))
    assert [r["file"] for r in rows][:2] == ["cat/0.png", "cat/1.png"]
    assert {r["label"] for r in rows} <= {"cat", "dog"}


def test_version_and_usage_errors():
    result = glassnet("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"glassnet {gn.__version__}"
    result = glassnet("train")
    assert result.returncode == 2 and "the following arguments are required: DATA" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["train", "missing.csv"], "data file missing.csv does not exist"),
        (["evaluate", "garbage.glassnet", "d.csv"], "not a glassnet model file"),
        (["train", "d.csv", "--lr", "0"], "lr must be > 0, got 0.0"),
        (["train", "d.csv", "--hidden", "swish"], "unknown activation 'swish'; choose one of"),
    ],
)
def test_user_errors_in_a_subprocess(tmp_path, rng, args, fragment):
    write_csv(tmp_path / "d.csv", *separable(rng, m=10))
    (tmp_path / "garbage.glassnet").write_bytes(b"\x00garbage" * 10)
    result = glassnet(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]  # exactly one line
    assert result.stderr.startswith("glassnet: error: ") and fragment in result.stderr


# ---- every user error, in process (the same main() the command runs) ----------------------


@pytest.fixture
def workdir(tmp_path, rng, monkeypatch):
    """Data files and a trained model (3 features, classes no/yes) in the current folder."""
    monkeypatch.chdir(tmp_path)
    X, y = separable(rng, m=40)
    write_csv(tmp_path / "d.csv", X, y)
    write_csv(tmp_path / "two.csv", X[:, :2], y, header=("a", "b", "label"))
    write_csv(tmp_path / "maybe.csv", X, np.where(y == "yes", "maybe", "no"))
    write_csv(tmp_path / "one.csv", X, np.full(40, "yes"))
    write_csv(tmp_path / "three.csv", X, np.array(["a", "b", "c", "d"] * 10))
    many = rng.standard_normal((1001, 3))
    write_csv(tmp_path / "many.csv", many, np.arange(1001) + 0.5)
    numbers = "".join(f"{i},{i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(2, 20))
    # numbers with one stray text, which is neither a category nor a missing-value marker
    (tmp_path / "text.csv").write_text("a,b,label\n1,red,no\n" + numbers)
    (tmp_path / "nan.csv").write_text("a,b,label\n1,2,NA\n2,3,\n")  # no target in any row
    (tmp_path / "inf.csv").write_text("a,b,label\n1,-inf,no\n" + numbers)
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x89PNG")
    (tmp_path / "ragged.csv").write_text("a,b,label\n1,2,no\n2,yes\n")
    (tmp_path / "corrupt.glassnet").write_bytes(b"PK\x03\x04" + bytes(100))
    (tmp_path / "empty.glassnet").write_bytes(b"")
    assert cli.main(["train", "d.csv", *FAST, "--out", "m.glassnet"]) == 0
    save("softmax.glassnet", gn.Network([3, 4, 3], output="softmax"), classes=[1, 2, 3])
    save("multi.glassnet", gn.Network([3, 4, 2], output="sigmoid"))
    return tmp_path


BAD_INPUT = [
    (["train", "nope.csv"], "data file nope.csv does not exist; check the path"),
    (["train", "binary.csv"], "cannot read CSV binary.csv: it is not UTF-8 text"),
    (["train", "ragged.csv"], "line 3 has 2 fields but the header has 3"),
    (["train", "text.csv"], "and the text 'red' at line 2 of text.csv (1 such cell(s))"),
    (["train", "nan.csv"], "the target column 'label' of nan.csv has no value in any row"),
    (["train", "inf.csv"], "column 'b' has an infinite value at line 2 of inf.csv"),
    (["train", "one.csv"], "one.csv (column 'label') has a single class ('yes')"),
    (["train", "many.csv", "--task", "classification"], "many.csv has 1001 distinct labels (0.5,"),
    (["train", "many.csv", "--task", "classification"], "for a continuous target use --task"),
    (["train", "three.csv", "--task", "regression"], "target column of three.csv is not numeric"),
    (["train", "d.csv", "--task", "regression", "--positive", "yes"], "does not apply to --task"),
    (["train", "d.csv", "--task", "ranking"], "unknown task 'ranking'; choose one of"),
    (
        ["train", "sklearn:diabetes", "--task", "classification"],
        "sklearn:diabetes is a regression data set; use --task",
    ),
    (["train", "d.csv", "--target", "nope"], "has no column 'nope'"),
    (["train", "d.csv", "--positive", "maybe"], "--positive 'maybe' is not a label"),
    (["evaluate", "m.glassnet", "maybe.csv"], "label 'maybe', which is not one of the model's"),
    (["evaluate", "m.glassnet", "two.csv"], "has no column 'c', an input of the model"),
    (["predict", "m.glassnet", "two.csv"], "has no column 'c', an input of the model"),
    (["evaluate", "corrupt.glassnet", "d.csv"], "corrupt.glassnet is not a glassnet model file"),
    (["info", "empty.glassnet"], "empty.glassnet is empty"),
    (["evaluate", "softmax.glassnet", "d.csv"], "label 'no', which is not one of the model's"),
    (["predict", "multi.glassnet", "d.csv"], "this model has a sigmoid output with 2 unit(s)"),
    (["sweep", "d.csv", "--grid", "alpha=1"], "unknown grid parameter 'alpha'"),
    (["sweep", "d.csv", "--grid", "lr=0.1", "--cv", "1"], "cv must be >= 2, got 1"),
    (["sweep", "d.csv", "--grid", "lr=1", "--scheduler", "nowhere"], "cannot reach the Dask"),
    (["info", "nope.glassnet"], "model file nope.glassnet does not exist"),
    (["train", "d.csv", "--lr", "0"], "lr must be > 0, got 0.0"),
    (["train", "d.csv", "--lr", "nan"], "lr must be a finite number"),
    (["train", "d.csv", "--recipe", "lecture", "--beta", "1"], "beta must be in [0, 1), got 1.0"),
    (["train", "d.csv", "--optimizer", "gd", "--beta", "0.5"], "--beta does not apply"),
    (["train", "d.csv", "--batch-size", "0"], "batch_size must be >= 1, got 0"),
    (["train", "d.csv", "--epochs", "0"], "epochs must be >= 1, got 0"),
    (["train", "d.csv", "--l1", "-0.5"], "l1 must be a number >= 0, got -0.5"),
    (["train", "d.csv", "--l1", "nan"], "l1 must be a number >= 0, got nan"),
    (["train", "d.csv", "--layers", "0,5"], "layer size 1 must be >= 1, got 0 in [3, 0, 5, 1]"),
    (["train", "d.csv", "--layers", "-3"], "layer size 1 must be >= 1, got -3"),
    (["train", "d.csv", "--layers", "20,x"], "--layers must be comma-separated integers"),
    (["train", "d.csv", "--hidden", "swish"], "unknown activation 'swish'; choose one of"),
    (["train", "d.csv", "--init", "evil"], "unknown initializer 'evil'; choose one of"),
    (["train", "d.csv", "--optimizer", "lion"], "unknown optimizer 'lion'; choose one of"),
    (["train", "d.csv", "--validation-split", "1"], "validation_split must be in [0, 1)"),
    (["train", "d.csv", "--out", "no/such/folder/m.glassnet"], "the folder no/such/folder"),
    (["train", "builtin:dogs"], "unknown data set 'builtin:dogs'"),
    (["train", "d.csv", "--engine", "gpu"], "unknown engine 'gpu'; choose one of"),
    (["predict", "m.glassnet", "d.csv", "--out", "no/such/p.csv"], "the folder no/such"),
]


@pytest.mark.parametrize("argv, fragment", BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_every_user_error_is_one_line_and_status_2(workdir, capsys, argv, fragment):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("glassnet: error: ")
    assert fragment in err
    assert "Traceback" not in err


def test_divergence_saves_nothing(workdir, capsys):
    X = np.random.default_rng(0).standard_normal((40, 3)) * 1e4
    write_csv(workdir / "big.csv", X, np.where(X[:, 0] > 0, "yes", "no"))
    argv = ["train", "big.csv", "--no-normalize", "--lr", "1e38", "--layers", "none", *FAST[-5:]]
    assert cli.main([*argv, "--no-progress", "--out", "diverged.glassnet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: training diverged at epoch 1, its last step made the")
    assert err.count("\n") == 1 and "smaller learning rate" in err
    assert not (workdir / "diverged.glassnet").exists()


def test_ctrl_c_exits_130(workdir, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(recipe, "train", interrupted)  # what recipe.fit calls
    assert cli.main(["train", "d.csv", "--no-progress", "--out", "x.glassnet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not (workdir / "x.glassnet").exists()


# ---- the subcommands other modules provide ------------------------------------------------


@pytest.mark.parametrize(
    "argv, module, function, expected",
    [
        (
            ["lecture", "--out", "figs", "--only", "init"],
            "lecture",
            "report",
            (Path("figs"), "init"),
        ),
        (
            ["playground", "--port", "9000", "--open"],
            "playground",
            "serve",
            ("127.0.0.1", 9000, True),
        ),
        (["export", "m.glassnet", "--onnx", "m.onnx"], "files.onnx", "to_onnx", None),
    ],
)
def test_lecture_export_and_playground_are_wired(
    workdir, monkeypatch, argv, module, function, expected
):
    imported = pytest.importorskip(f"glassnet.{module}", reason="another helper's module")
    calls = []
    returned = [{"verdict": True}] if module == "lecture" else None  # report returns results

    def fake(*args):
        calls.append(args)
        return returned or args[-1]

    monkeypatch.setattr(imported, function, fake)
    assert cli.main(argv) == 0
    if expected is None:  # export gets the loaded model file and the output path
        model, out = calls[0]
        assert model.network.sizes == [3, 6, 1] and out == "m.onnx"
    else:
        assert calls == [expected]


def test_a_missing_subcommand_module_is_one_clear_line(workdir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "glassnet.lecture", None)
    assert cli.main(["lecture"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "glassnet: error: 'glassnet lecture' is not available in this installation "
        "(glassnet.lecture is missing); update glassnet\n"
    )


def test_checkpoint_and_resume_end_bit_identical_to_one_run(workdir):
    common = ["train", "d.csv", *FAST[2:], "--seed", "3"]
    assert cli.main([*common, "--epochs", "6", "--out", "whole.glassnet"]) == 0
    first = [*common, "--epochs", "3", "--checkpoint", "run.ckpt", "--out", "half.glassnet"]
    assert cli.main(first) == 0 and (workdir / "run.ckpt").exists()
    assert cli.main([*common, "--epochs", "6", "--resume", "run.ckpt", "--out", "r.glassnet"]) == 0
    whole, resumed = load("whole.glassnet"), load("r.glassnet")
    assert resumed.history.epochs == 6
    for a, b in zip(whole.network.parameters(), resumed.network.parameters(), strict=True):
        assert np.array_equal(a, b)
    half = load("half.glassnet").network.parameters()
    assert not np.array_equal(half[0], resumed.network.parameters()[0])


def test_interrupted_training_says_how_to_resume(workdir, capsys, monkeypatch):
    from glassnet.training import TrainingInterrupted

    def interrupted(*args, **kwargs):
        assert kwargs["checkpoint"] == "run.ckpt"
        raise TrainingInterrupted("training interrupted in epoch 2; resume with --resume run.ckpt")

    monkeypatch.setattr(recipe, "train", interrupted)  # what recipe.fit calls
    argv = ["train", "d.csv", "--no-progress", "--checkpoint", "run.ckpt", "--out", "x.glassnet"]
    assert cli.main(argv) == 130
    assert capsys.readouterr().err.strip() == (
        "glassnet: training interrupted in epoch 2; resume with --resume run.ckpt"
    )


def test_demo_end_to_end(tmp_path):
    """The real demo with one epoch: the model file and both pictures, and what it printed."""
    out = ok(glassnet("demo", "--epochs", "1", "--out", tmp_path / "demo", "--no-progress"))
    assert "test accuracy" in out
    model = load(tmp_path / "demo" / "cats.glassnet")
    assert model.network.sizes == [12288, 20, 7, 5, 1] and model.history.epochs == 1
    assert model.classes.tolist() == ["non-cat", "cat"]
    for picture in ("cost.png", "predictions.png"):
        assert (tmp_path / "demo" / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_options_reach_demo_run(workdir, monkeypatch):
    demo = pytest.importorskip("glassnet.demo", reason="the demo module")
    calls = []
    monkeypatch.setattr(demo, "run", lambda **kwargs: calls.append(kwargs) or {})
    assert cli.main(["demo", "--epochs", "3", "--seed", "7", "--out", "d", "--no-progress"]) == 0
    assert calls == [dict(out_dir="d", epochs=3, seed=7, progress=False, echo=print)]
    assert cli.main(["demo"]) == 0
    assert calls[1] == dict(out_dir="glassnet-demo", epochs=None, seed=0, progress=True, echo=print)


def test_progress_bar_and_cost_plot(workdir, capsys):
    argv = ["train", "d.csv", "--epochs", "4", "--layers", "3", "--plot", "cost.png", *FAST[-2:]]
    assert cli.main([*argv, "--out", "p.glassnet"]) == 0
    captured = capsys.readouterr()
    assert "4/4" in captured.err and "cost=" in captured.err and "val_acc=" in captured.err
    assert "saved the cost curve to cost.png" in captured.out
    assert (workdir / "cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- more than two classes, regression, sweeps, the lecture's exit status -----------------


def three_colours(rng, m=150):
    """3 features, labels red/green/blue from the largest of three linear scores."""
    X = rng.standard_normal((m, 3))
    scores = np.stack([X[:, 0], X[:, 1], -X[:, 0] - X[:, 1]], axis=1)
    return X, np.array(["red", "green", "blue"])[scores.argmax(axis=1)]


def table(stdout: str, heading: str) -> list[list[str]]:
    """The whitespace-separated rows printed under the line starting with ``heading``."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith("confusion"):
            break
        rows.append(line.split())
    return rows


def test_multiclass_train_evaluate_predict_info(tmp_path, monkeypatch, capsys, rng):
    metrics = pytest.importorskip("sklearn.metrics", reason="an independent reference")
    monkeypatch.chdir(tmp_path)
    X, y = three_colours(rng)
    write_csv(tmp_path / "colours.csv", X, y)
    argv = ["train", "colours.csv", *FAST, "--epochs", "40", "--out", "c.glassnet"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "network    [3, 6, 3], hidden relu, output softmax" in out
    assert "labels     0: blue, 1: green, 2: red (target column 'label')" in out
    model = load("c.glassnet")
    assert model.classes.tolist() == ["blue", "green", "red"]
    assert model.network.output.name == "softmax" and model.network.n_outputs == 3

    assert cli.main(["evaluate", "c.glassnet", "colours.csv"]) == 0
    out = capsys.readouterr().out
    expected = model.predict(X)
    assert printed(out, "accuracy") == pytest.approx(np.mean(expected == y), abs=5e-5)
    assert np.mean(expected == y) > 0.8  # it learned the three regions
    index = {"blue": 0, "green": 1, "red": 2}
    one_hot = np.eye(3)[[index[label] for label in y]]
    cost = model.network.cost(model.transform(X), one_hot)
    assert printed(out, "cost") == pytest.approx(cost, abs=5e-5)
    assert "(categorical cross-entropy)" in out
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        y, expected, labels=["blue", "green", "red"], zero_division=0
    )
    rows = {row[0]: row[1:] for row in table(out, "class")}
    for k, name in enumerate(["blue", "green", "red"]):
        assert [float(v) for v in rows[name][:3]] == pytest.approx(
            [precision[k], recall[k], f1[k]], abs=5e-5
        )
        assert int(rows[name][3]) == support[k]
    macro = metrics.precision_recall_fscore_support(y, expected, average="macro")
    assert [float(v) for v in rows["macro"][1:4]] == pytest.approx(macro[:3], abs=5e-5)
    confusion = metrics.confusion_matrix(y, expected, labels=["blue", "green", "red"])
    printed_matrix = table(out, "confusion matrix")[1:]
    assert [[int(v) for v in row[1:]] for row in printed_matrix] == confusion.tolist()

    assert cli.main(["predict", "c.glassnet", "colours.csv", "--out", "p.csv"]) == 0
    assert "probability_C = P(label = C)" in capsys.readouterr().out
    with open(tmp_path / "p.csv") as f:
        predictions = list(csv.DictReader(f))
    assert list(predictions[0]) == [
        "row",
        "probability_blue",
        "probability_green",
        "probability_red",
        "label",
    ]
    columns = [[float(r[f"probability_{c}"]) for c in model.classes] for r in predictions]
    assert np.allclose(columns, model.predict_proba(X), atol=1e-6)
    assert [r["label"] for r in predictions] == expected.tolist()

    assert cli.main(["info", "c.glassnet"]) == 0
    out = capsys.readouterr().out
    assert "classes      0: blue, 1: green, 2: red" in out
    assert "hidden relu, output softmax" in out


def test_positive_still_trains_one_class_against_the_rest(workdir, capsys):
    assert cli.main(["train", "three.csv", *FAST, "--positive", "c", "--out", "c.glassnet"]) == 0
    assert "labels     0: not c, 1: c" in capsys.readouterr().out
    model = load("c.glassnet")
    assert model.network.sizes == [3, 6, 1] and model.classes.tolist() == ["not c", "c"]


def smooth_target(rng, m=240):
    """y = 50 + 10 sin(2 x1) + 5 x2^2 - 3 x3: smooth, far from mean 0 and std 1."""
    X = rng.uniform(-1.5, 1.5, (m, 3))
    return X, 50 + 10 * np.sin(2 * X[:, 0]) + 5 * X[:, 1] ** 2 - 3 * X[:, 2]


def test_regression_folds_the_target_scaling_into_the_last_layer(
    tmp_path, monkeypatch, capsys, rng
):
    metrics = pytest.importorskip("sklearn.metrics", reason="an independent reference")
    monkeypatch.chdir(tmp_path)
    X, y = smooth_target(rng)
    write_csv(tmp_path / "smooth.csv", X, y, header=("a", "b", "c", "y"))
    trained = {}
    real_train = recipe.train

    def train_and_keep(net, X_train, y_train, *args, **kwargs):
        history = real_train(net, X_train, y_train, *args, **kwargs)
        # before the fold; recipe.fit passes a regression target as a column (m, 1)
        trained.update(net=net.copy(), y=np.asarray(y_train).reshape(-1))
        return history

    monkeypatch.setattr(recipe, "train", train_and_keep)  # what recipe.fit calls
    options = ["--layers", "32,16", "--epochs", "150", "--lr", "0.05", "--batch-size", "32"]
    options += ["--recipe", "lecture"]
    argv = ["train", "smooth.csv", "--task", "regression", *options, *FAST[-3:]]
    assert cli.main([*argv, "--out", "r.glassnet"]) == 0
    out = capsys.readouterr().out
    assert "network    [3, 32, 16, 1], hidden relu, output identity" in out
    assert "target     regression (target column 'y'), standardized for training" in out
    model = load("r.glassnet")
    assert model.classes is None and model.network.output.name == "identity"
    scaling = model.metadata["training"]["target_scaling"]
    mean, std = scaling["mean"], scaling["std"]
    # training saw the standardized target: mean 0, std 1 over the training rows ...
    assert trained["y"].mean() == pytest.approx(0, abs=1e-9)
    assert trained["y"].std() == pytest.approx(1, abs=1e-9)
    # ... made from the real targets with the stored mean and std
    restored = trained["y"] * std + mean
    assert np.abs(restored[:, None] - y[None, :]).min(axis=1).max() < 1e-6
    assert 40 < mean < 60 and std > 3
    # the folded model predicts (unfolded network output) * std + mean, in the target's units
    unfolded = trained["net"].forward(model.transform(X))[:, 0]
    folded = model.predict(X)
    assert np.allclose(folded, unfolded.astype(np.float64) * std + mean, rtol=1e-6, atol=1e-4)
    assert np.abs(folded - y).mean() < 0.2 * std
    r2 = metrics.r2_score(y, folded)
    assert r2 > 0.95
    # the hold-out is data.split_rows (--seed 0): 48 rows, whose R^2 over seeds 0-5 ranges
    # 0.886-0.948 (0.890-0.957 on the former cli split)
    _, val_rows = split_rows(len(y), 0.2, 0)
    val_r2 = metrics.r2_score(y[val_rows], folded[val_rows])
    assert printed(out, "validation R^2") == pytest.approx(val_r2, abs=5e-4)
    assert val_r2 > 0.85
    assert printed(out, "train RMSE") > 0

    assert cli.main(["evaluate", "r.glassnet", "smooth.csv"]) == 0
    out = capsys.readouterr().out
    assert printed(out, "R^2") == pytest.approx(r2, abs=5e-5)
    assert printed(out, "RMSE") == pytest.approx(
        np.sqrt(metrics.mean_squared_error(y, folded)), rel=1e-5
    )
    assert printed(out, "MAE") == pytest.approx(metrics.mean_absolute_error(y, folded), rel=1e-5)
    cost = 0.5 * metrics.mean_squared_error(y, folded)  # J = (1/m) sum 1/2 (a - y)^2
    assert printed(out, "cost") == pytest.approx(cost, rel=1e-4)

    assert cli.main(["predict", "r.glassnet", "smooth.csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert list(rows[0]) == ["row", "prediction"]
    as_written = model.predict(np.loadtxt("smooth.csv", delimiter=",", skiprows=1)[:, :3])
    assert np.allclose([float(r["prediction"]) for r in rows], as_written, rtol=1e-7)

    assert cli.main(["info", "r.glassnet"]) == 0
    out = capsys.readouterr().out
    assert "target       regression of 'y'; standardized for training" in out
    assert "(costs on the standardized target)" in out and "classes" not in out


def test_regression_of_a_constant_target_only_centers_it(tmp_path, monkeypatch, capsys, rng):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "flat.csv", rng.standard_normal((30, 3)), np.full(30, 7.0))
    argv = ["train", "flat.csv", "--task", "regression", *FAST, "--out", "f.glassnet"]
    assert cli.main(argv) == 0
    assert printed(capsys.readouterr().out, "train RMSE") < 0.5
    assert load("f.glassnet").metadata["training"]["target_scaling"]["std"] == 1.0


def test_sweep_prints_the_ranking_of_a_sequential_run(tmp_path, monkeypatch, capsys, rng):
    distributed = pytest.importorskip("dask.distributed", reason='pip install "glassnet[dask]"')
    from glassnet import readers, sweep

    monkeypatch.chdir(tmp_path)
    X, y = three_colours(rng, m=90)
    write_csv(tmp_path / "colours.csv", X, y)
    grids = ["lr=0.5,0.002", "layers=8:3", "epochs=6", "batch_size=16"]
    argv = ["sweep", "colours.csv", *(a for g in grids for a in ("--grid", g)), "--cv", "2"]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert cli.main([*argv, "--seed", "1", "--scheduler", cluster.scheduler_address]) == 0
    out = capsys.readouterr().out
    assert "4 combination(s) of lr, layers, epochs, batch_size" in out
    assert "2-fold cross-validation, seed 1" in out
    rows = table(out, "rank")
    data = readers.read("colours.csv")
    results = [sweep.evaluate(data.table, data.y, c, 2, 1) for c in sweep.grid(grids)]
    sequential = sweep.rank(results)
    expected = [
        [
            str(rank),
            str(r.params["lr"]),
            ",".join(map(str, r.params["layers"])),
            "6",
            "16",
            f"{r.val_accuracy:.4f}",
            f"{r.val_cost:.4f}",
        ]
        for rank, r in enumerate(sequential, start=1)
    ]
    assert rows == expected
    assert sequential[0].val_accuracy > sequential[-1].val_accuracy  # the grid matters


def test_sweep_without_dask_names_the_extra(workdir, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import now raises ImportError
    assert cli.main(["sweep", "d.csv", "--grid", "lr=0.1"]) == 2
    assert capsys.readouterr().err == (
        'glassnet: error: glassnet sweep runs on Dask: pip install "glassnet[dask]"\n'
    )


@pytest.mark.parametrize("verdicts, status", [([True, True], 0), ([True, False], 1)])
def test_lecture_exit_status_says_whether_every_claim_was_confirmed(
    workdir, monkeypatch, verdicts, status
):
    lecture = pytest.importorskip("glassnet.lecture", reason="the lecture module")
    results = [{"name": f"claim {i}", "verdict": v} for i, v in enumerate(verdicts)]
    monkeypatch.setattr(lecture, "report", lambda out, only: results)
    assert cli.main(["lecture", "--out", "figs"]) == status


# ---- the practitioner's path with the defaults (issue 16) -----------------------------------

DEFAULTS = ["--no-progress", "--engine", "numpy"]  # the defaults, without compiling numba


def iris_frame():
    pd = pytest.importorskip("pandas", reason="the CSV shapes are those pandas writes")
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    names = np.array(["setosa", "versicolor", "virginica"])
    frame["target"] = pd.Series(names[frame["target"]])
    return frame


def test_pandas_csv_with_its_index_trains_with_defaults_and_a_test_split(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    frame = iris_frame()
    frame.to_csv("iris.csv")  # pandas' default: a leading unnamed index column
    assert cli.main(["train", "iris.csv", *DEFAULTS, "--test-split", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "read       dropped a leading unnamed index column (0, 1, 2, ...)" in out
    assert "task       classification (the target 'target' holds 3 text labels)" in out
    assert "network    [4, 100, 3], hidden relu, output softmax, init glorot" in out
    assert "samples    96 training, 24 validation, 30 test" in out
    assert printed(out, "test accuracy") >= 0.9
    model = load("model.glassnet")
    about = model.metadata["data"]
    assert model.plan.inputs == list(frame.columns[:4]) and about["n_test"] == 30
    assert 110 <= len(about["fingerprint"]) <= 120  # the distinct rows of training and validation
    # evaluate on the held-out rows (the command's split: recipe.holdout of the test fraction)
    labels = recipe.class_of_rows("classification", np.searchsorted(model.classes, frame.target))
    _, test_rows = recipe.holdout(recipe.DEFAULT, len(frame), labels, 0.2)
    frame.iloc[test_rows].to_csv("held_out.csv")
    assert cli.main(["evaluate", "model.glassnet", "held_out.csv"]) == 0
    out_held = capsys.readouterr().out
    assert "warning" not in out_held
    assert printed(out_held, "accuracy") == pytest.approx(printed(out, "test accuracy"), abs=1e-4)
    assert cli.main(["evaluate", "model.glassnet", "iris.csv"]) == 0
    warned = capsys.readouterr().out
    assert warned.startswith("warning: 120 of the 150 rows of iris.csv were used to train")
    assert "--test-split" in warned


def test_a_float_target_is_regression_and_whole_number_counts_are_refused(
    tmp_path, monkeypatch, capsys
):
    pytest.importorskip("pandas", reason="the CSV shapes are those pandas writes")
    from sklearn.datasets import load_diabetes

    monkeypatch.chdir(tmp_path)
    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame.to_csv("diabetes.csv", sep=";", index=False)  # the target written as 151.0, ...
    assert cli.main(["train", "diabetes.csv", *DEFAULTS, "--test-split", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "read       delimiter semicolon" in out
    assert "task       regression (the target 'target' holds 214 distinct decimal numbers)" in out
    assert printed(out, "test R^2") > 0.3
    frame.to_csv("counts.csv", index=False, float_format="%.0f")  # the same, as whole numbers
    assert cli.main(["train", "counts.csv", *DEFAULTS]) == 2
    err = capsys.readouterr().err
    assert "214 distinct whole numbers in 442 rows" in err and "--task regression" in err
    assert cli.main(["train", "counts.csv", *DEFAULTS, "--task", "classification"]) == 2
    assert "quantity rather than classes" in capsys.readouterr().err
    assert cli.main(["train", "counts.csv", *DEFAULTS, "--task", "regression"]) == 0


def test_no_header_tab_separated_and_the_target_by_number(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame = iris_frame()
    columns = ["target", *frame.columns[:4]]  # the label first
    frame[columns].to_csv("iris.tsv", sep="\t", header=False, index=False)
    argv = ["train", "iris.tsv", "--target", "1", *DEFAULTS, "--epochs", "5"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "delimiter tab; no header row (columns named column 1, column 2, ...)" in out
    assert "(target column 'column 1')" in out
    assert "4 input columns" in out


def test_text_columns_are_one_hot_encoded_and_checked_by_name_at_predict_time(
    tmp_path, monkeypatch, capsys, rng
):
    monkeypatch.chdir(tmp_path)
    X, y = separable(rng, m=60)
    colour = np.array(["red", "green", "blue"])[rng.integers(0, 3, 60)]
    with open("shop.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "colour", "b", "label"])
        writer.writerows(zip(X[:, 0], colour, X[:, 1], y))
    assert cli.main(["train", "shop.csv", *DEFAULTS, "--epochs", "5"]) == 0
    out = capsys.readouterr().out
    assert "one-hot encoded colour (3 levels)" in out and "network    [5, " in out
    plan = load("model.glassnet").plan
    assert plan.inputs == ["a", "colour", "b"]
    assert plan.columns[1].levels == ["blue", "green", "red"]
    with open("new.csv", "w", newline="") as f:  # other column order, no label
        writer = csv.writer(f)
        writer.writerow(["colour", "b", "a"])
        writer.writerows(zip(colour, X[:, 1], X[:, 0]))
    assert cli.main(["predict", "model.glassnet", "new.csv"]) == 0
    reordered = capsys.readouterr().out
    assert cli.main(["predict", "model.glassnet", "shop.csv"]) == 0
    assert capsys.readouterr().out == reordered
    (tmp_path / "pink.csv").write_text("a,colour,b\n0.1,pink,0.2\n")
    assert cli.main(["predict", "model.glassnet", "pink.csv", "--strict"]) == 2
    assert "'pink' at line 2 of pink.csv, which the training rows never had" in (
        capsys.readouterr().err
    )
    assert cli.main(["predict", "model.glassnet", "pink.csv"]) == 0  # no known level, said
    assert "1 value(s) never seen in training (first 'pink' at line 2" in capsys.readouterr().err


def test_every_optimizer_and_every_default_in_help(workdir, capsys):
    from glassnet.cli import parser

    with pytest.raises(SystemExit):
        parser.build().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in gn.optimizers.OPTIMIZERS:
        values = ", ".join(f"{k} {v}" for k, v in gn.optimizers.defaults(name).items())
        assert f"{name} {values}" in text, name
    train_parser = parser.build()._subparsers._group_actions[0].choices["train"]
    for action in train_parser._actions:
        if action.option_strings and action.dest != "help":
            assert "default" in action.help, action.option_strings
    for name in gn.optimizers.OPTIMIZERS:
        argv = ["train", "d.csv", *FAST, "--optimizer", name, "--out", f"{name}.glassnet"]
        assert cli.main(argv) == 0, name
        config = load(f"{name}.glassnet").metadata["training"]["optimizer"]
        expected = {"name": gn.optimizers.get(name).name, **gn.optimizers.defaults(name)}
        assert config == {**expected, "lr": 0.1}, name  # FAST gives --lr 0.1
    capsys.readouterr()


def test_early_stopping_and_the_note_to_raise_epochs(workdir, capsys):
    assert cli.main(["train", "d.csv", *DEFAULTS, "--epochs", "3", "--out", "s.glassnet"]) == 0
    out = capsys.readouterr().out
    assert "note: the validation cost was still falling after the last of 3 epochs; raise " in out
    assert "--epochs (e.g. --epochs 6)" in out
    argv = ["train", "d.csv", *DEFAULTS, "--lr", "0.05", "--early-stopping", "3", "--out", "e.g"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "stopped early after epoch" in out and "kept the weights of epoch" in out
    assert load("e.g").metadata["training"]["epochs_run"] < 200


def test_l1_reaches_the_network_the_model_file_and_info(workdir, capsys):
    argv = ["train", "d.csv", *FAST, "--l1", "0.02", "--l2", "0.01", "--out", "l1.glassnet"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "parameters, L2 0.01, L1 0.02" in out
    model = load("l1.glassnet")
    assert (model.network.l1, model.network.l2) == (0.02, 0.01)
    assert model.metadata["training"]["l1"] == 0.02
    assert cli.main(["info", "l1.glassnet"]) == 0
    assert "l2 0.01, l1 0.02" in capsys.readouterr().out
    assert cli.main(["train", "d.csv", *FAST, "--out", "none.glassnet"]) == 0
    assert "L1" not in capsys.readouterr().out and load("none.glassnet").network.l1 == 0.0


def test_the_lecture_recipe_is_one_option_away(workdir, capsys):
    argv = ["train", "d.csv", "--recipe", "lecture", "--epochs", "2", *DEFAULTS, "--out", "l.g"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "network    [3, 20, 7, 5, 1], hidden relu, output sigmoid, init he" in out
    assert "Momentum(lr=0.01, beta=0.9), batch size 64" in out and "no early stopping" in out
    assert cli.main(["train", "d.csv", "--recipe", "course"]) == 2
    assert "unknown recipe 'course'; choose one of: default, lecture" in capsys.readouterr().err


# ---- explain, and the lecture as a notebook (issue 17) -------------------------------------


def test_explain_prints_the_backprop_trace_of_the_models_own_network(workdir, capsys):
    assert cli.main(["explain", "m.glassnet", "d.csv", "--rows", "5", "--values", "2"]) == 0
    out = capsys.readouterr().out
    assert "model m.glassnet on the first rows of d.csv" in out
    assert "backprop of one batch of m = 5 through Network([3, 6, 1])" in out
    assert "dZ[2] = A[2] - Y" in out and "dW[2] = (1/m) dZ[2] A[1]^T" in out
    assert "(1, m)(m, 6) -> (1, 6)" in out and "dZ[1] = dA[1] * relu'(Z[1])" in out
    model = load("m.glassnet")  # the numbers are backprop's on the standardized rows
    from glassnet import readers

    data = readers.for_model(model, "d.csv", None, labels=True)
    X = model.transform(data.table)[:5]
    J, gradients = model.network.cost_and_gradients(X, data.y[:5])
    dW = gradients[1][0] + 0.0
    assert f"J = {J:.6g}." in out and f"dW[2] = [[{dW[0, 0]:.4g} {dW[0, 1]:.4g} ...]]" in out


def test_explain_refuses_unlabelled_or_mismatched_data(workdir, capsys):
    assert cli.main(["explain", "m.glassnet", "two.csv"]) == 2
    assert capsys.readouterr().err.startswith("glassnet: error: ")
    assert cli.main(["explain", "m.glassnet", "d.csv", "--rows", "0"]) == 2
    assert "batch_size" in capsys.readouterr().err


def test_lecture_notebook_option_writes_the_notebook_instead_of_the_report(
    workdir, monkeypatch, capsys
):
    lecture = pytest.importorskip("glassnet.lecture", reason="the lecture module")
    calls = []

    def write_notebook(path, only):
        calls.append((path, only))
        return [{"verdict": True}]

    monkeypatch.setattr(lecture, "write_notebook", write_notebook)
    monkeypatch.setattr(lecture, "report", lambda *args: pytest.fail("report.md written"))
    assert cli.main(["lecture", "--notebook", "l.ipynb", "--only", "saturation"]) == 0
    assert calls == [(Path("l.ipynb"), "saturation")]
    assert cli.main(["lecture", "--notebook", "no/such/folder/l.ipynb"]) == 2
    assert "the folder no/such/folder does not exist" in capsys.readouterr().err


def test_lecture_notebook_end_to_end(workdir):
    pytest.importorskip("nbformat", reason="the notebook extra")
    pytest.importorskip("matplotlib", reason="the lecture figures need matplotlib")
    import nbformat

    out = ok(glassnet("lecture", "--notebook", "lecture.ipynb", "--only", "saturation"))
    assert "saturation: confirmed" in out and "notebook: lecture.ipynb" in out
    notebook = nbformat.read("lecture.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert [c.cell_type for c in notebook.cells] == ["markdown", "code", "markdown", "code"]
    assert 'lecture.run("saturation", seed=0)' in notebook.cells[3].source
    assert not Path("glassnet-lecture").exists()  # no report.md beside it


# ---- tables as people have them: gaps, categories, ids, dates, drift ----------------------


def messy_frame(m=240, seed=0):
    """A table as files have them: an id column, numbers with gaps, text with a missing value,
    a yes/no column, ISO dates, and a target with gaps (the labels follow size and colour)."""
    pd = pytest.importorskip("pandas", reason="the table is written with pandas")
    rng = np.random.default_rng(seed)
    size = rng.standard_normal(m) * 3 + 10
    colour = rng.choice(np.array(["red", "green", "blue"], dtype=object), m)
    label = np.where((size > 10) ^ (colour == "red"), "keep", "drop").astype(object)
    size_written = size.copy()
    size_written[rng.choice(m, 12, replace=False)] = np.nan
    colour[rng.choice(m, 9, replace=False)] = None
    label[[5, 50]] = None
    days = np.datetime64("2024-01-01") + rng.integers(0, 365, m)
    return pd.DataFrame(
        {
            "order_id": [f"A-{i:05d}" for i in rng.permutation(m)],
            "size": size_written,
            "colour": colour,
            "member": rng.choice(["yes", "no"], m),
            "day": [str(d) for d in days],
            "label": label,
        }
    )


def test_a_messy_table_trains_evaluates_and_predicts_with_its_ids(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame = messy_frame()
    frame.to_csv("orders.csv", index=False)
    argv = ["train", "orders.csv", *DEFAULTS, "--test-split", "0.25", "--save-test", "test.csv"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "read       dropped 2 row(s) without a target value (line(s) 7, 52)" in out
    assert "missing values filled with the median in size" in out
    assert "one-hot encoded colour (3 levels + missing), member (2 levels)" in out
    assert "dates as year, month, day, weekday: day" in out
    assert "dropped 'order_id': an id (every value distinct)" in out
    assert "network    [12, 100, 1]" in out  # size 2 + colour 3 + 1 + member 2 + day 4
    assert printed(out, "test accuracy") > 0.8
    saved = (tmp_path / "test.csv").read_text().splitlines()
    assert saved[0] == "order_id,size,colour,member,day,label" and len(saved) == 1 + 60
    assert cli.main(["evaluate", "model.glassnet", "test.csv"]) == 0
    evaluated = capsys.readouterr().out
    assert "warning" not in evaluated  # none of these rows trained the model
    assert printed(evaluated, "accuracy") == pytest.approx(printed(out, "test accuracy"), abs=1e-4)
    # predict writes the detected id beside each prediction, in the file's order
    assert cli.main(["predict", "model.glassnet", "test.csv", "--out", "p.csv"]) == 0
    assert "note:" not in capsys.readouterr().err  # the id is known, not an extra column
    with open("p.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["order_id"] for r in rows] == [line.split(",")[0] for line in saved[1:]]
    assert cli.main(["predict", "model.glassnet", "test.csv", "--id", "day"]) == 0
    assert capsys.readouterr().out.startswith("day,probability,label\n2024-")
    assert cli.main(["info", "model.glassnet"]) == 0
    info = capsys.readouterr().out
    assert "size: number, missing values filled with" in info
    assert "colour: category, one-hot over 3 levels + (missing): blue, green, red" in info
    assert "order_id: dropped (an id (every value distinct)" in info
    assert "weights      of epoch " in info


def test_the_command_and_the_loaded_model_predict_the_same(tmp_path, monkeypatch, capsys):
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(tmp_path)
    messy_frame().to_csv("orders.csv", index=False)
    assert cli.main(["train", "orders.csv", *DEFAULTS, "--epochs", "5"]) == 0
    assert cli.main(["predict", "model.glassnet", "orders.csv", "--out", "p.csv"]) == 0
    capsys.readouterr()
    printed_p = pd.read_csv("p.csv")["probability"].to_numpy()
    rows = pd.read_csv("orders.csv")  # pandas' own reading of the same file, label included
    model = gn.load("model.glassnet")
    np.testing.assert_allclose(model.predict_proba(rows), printed_p, atol=1e-6)
    assert model.predict(rows).tolist() == pd.read_csv("p.csv")["label"].tolist()


def drift(tmp_path, change) -> Path:
    """The first rows of the messy table, changed, as new.csv."""
    frame = messy_frame().head(6).drop(columns="label")
    change(frame)
    frame.to_csv(tmp_path / "new.csv", index=False)
    return tmp_path / "new.csv"


@pytest.fixture(scope="module")
def messy_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    messy_frame().to_csv(folder / "orders.csv", index=False)
    out = folder / "model.glassnet"
    ok(glassnet("train", folder / "orders.csv", *DEFAULTS, "--epochs", "5", "--out", out))
    return out


def set_cell(column, row, value):
    def change(frame):
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value

    return change


def test_text_in_a_numeric_column_is_refused_with_column_line_and_value(messy_model, tmp_path):
    new = drift(tmp_path, set_cell("size", 3, "abc"))
    result = glassnet("predict", messy_model, new, "--out", tmp_path / "p.csv")
    assert result.returncode == 2 and not (tmp_path / "p.csv").exists()
    assert result.stderr.endswith(
        f"column 'size' was numeric in training but holds the text 'abc' at line 5 of {new}; "
        "give a number, or leave the cell empty (NA) for a missing value\n"
    )
    every = drift(tmp_path, lambda f: f.__setitem__("size", "NA"))  # all NA: all missing
    assert glassnet("predict", messy_model, every).returncode == 0


def test_a_missing_column_is_refused_and_an_extra_one_is_ignored(messy_model, tmp_path):
    result = glassnet("predict", messy_model, drift(tmp_path, lambda f: f.pop("colour")))
    assert result.returncode == 2
    assert "has no column 'colour', an input of the model" in result.stderr
    extra = drift(tmp_path, lambda f: f.insert(0, "comment", "x"))
    result = glassnet("predict", messy_model, extra)
    assert result.returncode == 0
    assert "note: ignored the column(s) the model does not use: comment" in result.stderr


def test_an_unseen_category_is_no_known_level_and_said_or_refused_when_strict(
    messy_model, tmp_path
):
    new = drift(tmp_path, set_cell("member", 2, "maybe"))
    plain = glassnet("predict", messy_model, new)
    assert plain.returncode == 0
    assert (
        f"note: column 'member': 1 value(s) never seen in training (first 'maybe' at line 4 of "
        f"{new}), encoded as no known level (all zeros)"
    ) in plain.stderr
    strict = glassnet("predict", messy_model, new, "--strict")
    assert strict.returncode == 2
    assert "'member' has the value 'maybe' at line 4" in strict.stderr
    assert "which the training rows never had (its levels: no, yes)" in strict.stderr


def test_na_in_a_text_column_is_a_missing_value_never_a_level(messy_model, tmp_path):
    model = gn.load(messy_model)
    assert model.plan.columns[1].name == "colour" and model.plan.columns[1].missing_level
    assert "NA" not in model.plan.columns[1].levels  # pandas' marker, read as missing
    new = drift(tmp_path, set_cell("colour", 0, "NA"))
    X = model.prepare(pytest.importorskip("pandas").read_csv(new))[0]
    missing = model.plan.feature_names.index("colour=(missing)")
    assert X[0, missing] == 1.0
    # a text column whose training rows had no gap: the missing value is said, or refused
    new = drift(tmp_path, set_cell("member", 1, "NA"))
    assert "1 missing value(s), which the training rows never had" in (
        glassnet("predict", messy_model, new).stderr
    )
    assert glassnet("predict", messy_model, new, "--strict").returncode == 2


def test_more_missing_markers_and_a_bad_file_never_replaces_a_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    frame = messy_frame()
    frame["size"] = frame["size"].astype(object).where(frame["size"].notna(), "?")
    frame.to_csv("orders.csv", index=False)
    assert cli.main(["train", "orders.csv", *DEFAULTS, "--epochs", "2"]) == 2
    assert "holds numbers" in capsys.readouterr().err and not Path("model.glassnet").exists()
    assert cli.main(["train", "orders.csv", *DEFAULTS, "--epochs", "2", "--na-values", "?"]) == 0
    before = Path("model.glassnet").read_bytes()
    frame.loc[3, "size"] = "oops"
    frame.to_csv("bad.csv", index=False)
    argv = ["train", "bad.csv", *DEFAULTS, "--epochs", "2", "--na-values", "?"]
    assert cli.main(argv) == 2
    assert "the text 'oops' at line 5 of bad.csv" in capsys.readouterr().err
    assert Path("model.glassnet").read_bytes() == before


def test_typed_epochs_are_trained_in_full_without_validation_data(tmp_path, monkeypatch, capsys):
    """The course's recipe typed as options (full batch gradient descent, every value given,
    no validation data) trains every epoch: a slowly falling cost is not a converged one. The
    lecture's recipe typed as options is --recipe lecture, weight for weight."""
    monkeypatch.chdir(tmp_path)
    course = ["--optimizer", "gd", "--lr", "0.0075", "--batch-size", "400", "--epochs", "300",
              "--layers", "20,7,5", "--validation-split", "0", *DEFAULTS]  # fmt: skip
    assert cli.main(["train", "builtin:two_moons", *course, "--out", "course.glassnet"]) == 0
    out = capsys.readouterr().out
    assert "(no early stopping: every epoch is trained)" in out
    assert load("course.glassnet").history.epochs == 300
    # asked for, it watches the training cost with its tolerance, and says so
    crawl = [*course, "--lr", "0.00001", "--early-stopping", "5"]  # the last --lr counts
    assert cli.main(["train", "builtin:two_moons", *crawl]) == 0
    out = capsys.readouterr().out
    assert "early stopping after 5 epochs without a better training cost (by more than " in out
    assert "stopped early" in out and load("model.glassnet").history.epochs < 300
    typed = ["--layers", "20,7,5", "--hidden", "relu", "--init", "auto", "--optimizer",
             "momentum", "--lr", "0.01", "--beta", "0.9", "--batch-size", "64", "--epochs", "40",
             "--l2", "0", "--validation-split", "0", *DEFAULTS]  # fmt: skip
    assert cli.main(["train", "builtin:two_moons", *typed, "--out", "typed.glassnet"]) == 0
    lecture = ["--recipe", "lecture", "--epochs", "40", "--validation-split", "0", *DEFAULTS]
    assert cli.main(["train", "builtin:two_moons", *lecture, "--out", "lecture.glassnet"]) == 0
    a, b = load("typed.glassnet"), load("lecture.glassnet")
    assert a.history.epochs == b.history.epochs == 40
    for p, q in zip(a.network.parameters(), b.network.parameters()):
        np.testing.assert_array_equal(p, q)


def test_the_course_recipe_typed_on_the_drawn_cats_is_the_lecture_recipe(tmp_path, monkeypatch):
    """On the lecture's own data (the drawn cats, with their test set), the lecture's recipe
    typed as options, without validation data, trains what --recipe lecture trains."""
    monkeypatch.chdir(tmp_path)
    typed = ["--layers", "20,7,5", "--hidden", "relu", "--init", "auto", "--optimizer",
             "momentum", "--lr", "0.01", "--beta", "0.9", "--batch-size", "64", "--epochs", "2",
             "--l2", "0", "--validation-split", "0", *DEFAULTS]  # fmt: skip
    lecture = ["--recipe", "lecture", "--epochs", "2", "--validation-split", "0", *DEFAULTS]
    for name, options in (("typed", typed), ("lecture", lecture)):
        assert cli.main(["train", "builtin:cats", *options, "--out", f"{name}.glassnet"]) == 0
    a, b = load("typed.glassnet"), load("lecture.glassnet")
    assert a.history.epochs == b.history.epochs == 2
    assert a.metadata["results"]["test_accuracy"] == b.metadata["results"]["test_accuracy"]
    for p, q in zip(a.network.parameters(), b.network.parameters()):
        np.testing.assert_array_equal(p, q)
