"""glassnet.exercises: the reference solutions are glassnet's math in the course's layout, the
grader passes correct solutions and names the mistake of wrong ones (a battery of wrong
solutions in tests/exercise_battery.py), the notebook is nbgrader's format and runs in a real
kernel, ``glassnet exercises`` and ``glassnet check`` work, and the student's network trains as
glassnet's does."""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from exercise_battery import CORRECT, WRONG
from glassnet import Network, cli, exercises
from glassnet.activations import get as activation
from glassnet.data import Standardizer, batch_slices
from glassnet.exercises import reference
from glassnet.exercises.grader import ExerciseFailed
from glassnet.optimizers import Momentum

SRC = Path(__file__).resolve().parent.parent / "src"


# ---- the reference is glassnet's math, transposed --------------------------------------------


def lecture_parameters(net: Network) -> dict:
    parameters = {}
    for l, layer in enumerate(net.layers, start=1):
        parameters[f"W{l}"] = layer.W.copy()
        parameters[f"b{l}"] = layer.b.reshape(-1, 1).copy()
    return parameters


@pytest.fixture
def network_and_data(rng):
    net = Network([6, 5, 4, 1], hidden="relu", output="sigmoid", seed=1, dtype=np.float64)
    for layer in net.layers:
        layer.b[:] = rng.standard_normal(layer.b.shape) * 0.1
    X = rng.standard_normal((9, 6))
    y = (rng.random(9) < 0.5).astype(np.int64)
    return net, X, y


def test_forward_and_cost_are_the_networks(network_and_data):
    net, X, y = network_and_data
    AL, caches = reference.L_model_forward(X.T, lecture_parameters(net))
    np.testing.assert_allclose(AL.T, net.forward(X), rtol=1e-12)
    assert len(caches) == 3
    cost = reference.compute_cost(AL, y.reshape(1, -1).astype(float))
    assert cost == pytest.approx(net.cost(X, y), rel=1e-12)


def test_backward_is_the_networks(network_and_data):
    net, X, y = network_and_data
    AL, caches = reference.L_model_forward(X.T, lecture_parameters(net))
    grads = reference.L_model_backward(AL, y.reshape(1, -1).astype(float), caches)
    _, gradients = net.cost_and_gradients(X, y)
    for l, (dW, db) in enumerate(gradients, start=1):
        np.testing.assert_allclose(grads[f"dW{l}"], dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(grads[f"db{l}"][:, 0], db, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_activations_and_derivatives_are_glassnets(name, rng):
    Z = rng.standard_normal((4, 7)) * 3
    dA = rng.standard_normal((4, 7))
    A, cache = getattr(reference, name)(Z)
    g = activation(name)
    np.testing.assert_allclose(A, g.forward(Z), rtol=1e-12)
    assert cache is Z
    dZ = getattr(reference, f"{name}_backward")(dA, Z)
    np.testing.assert_allclose(dZ, g.backward(dA, g.forward(Z)), rtol=1e-10, atol=1e-15)


def test_momentum_is_glassnets_optimizer(rng):
    W, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    dW, db = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    parameters = {"W1": W.copy(), "b1": b.copy()}
    grads = {"dW1": dW, "db1": db}
    v = reference.initialize_velocity(parameters)
    assert all(not a.any() for a in v.values())
    optimizer = Momentum(lr=0.1, beta=0.8)
    params = [W.copy(), b.copy()]
    optimizer.init(params)
    for _ in range(3):
        parameters, v = reference.update_parameters_with_momentum(parameters, grads, v, 0.8, 0.1)
        optimizer.step(params, [dW, db])
    np.testing.assert_allclose(parameters["W1"], params[0], rtol=1e-12)
    np.testing.assert_allclose(parameters["b1"], params[1], rtol=1e-12)


def test_normalize_is_the_standardizer(rng):
    X_train, X_test = rng.standard_normal((5, 30)) * 3 + 1, rng.standard_normal((5, 8))
    train, test = reference.normalize(X_train, X_test)
    scaler = Standardizer().fit(X_train.T)
    np.testing.assert_allclose(train, scaler.transform(X_train.T).T, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(test, scaler.transform(X_test.T).T, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("m, size", [(10, 3), (9, 3), (2, 5), (1, 1)])
def test_mini_batches_cut_as_glassnets_batches(m, size, rng):
    X, Y = rng.standard_normal((2, m)), rng.standard_normal((1, m))
    batches = reference.random_mini_batches(X, Y, size, seed=4)
    assert [b[0].shape[1] for b in batches] == [s.stop - s.start for s in batch_slices(m, size)]
    together = np.concatenate([b[0] for b in batches], axis=1)
    assert sorted(together[0]) == sorted(X[0])  # a permutation of the columns, each once
    labels = np.concatenate([b[1] for b in batches], axis=1)[0]
    for x, y in zip(together[0], labels, strict=True):  # each column keeps its label
        assert Y[0][X[0] == x] == y


@pytest.mark.parametrize("name, variance", [("lecun", lambda a, b: 1 / a),
                                            ("he", lambda a, b: 2 / a),
                                            ("glorot", lambda a, b: 2 / (a + b))])  # fmt: skip
def test_initializers_draw_the_variance_of_glassnets(name, variance):
    from glassnet import initializers

    dims = [400, 300, 1]
    parameters = getattr(reference, f"initialize_parameters_{name}")(dims, seed=0)
    W = parameters["W1"]
    assert W.shape == (300, 400) and parameters["b1"].shape == (300, 1)
    assert not parameters["b1"].any()
    assert initializers.get(name, "relu").variance(400, 300) == pytest.approx(variance(400, 300))
    assert W.var() == pytest.approx(variance(400, 300), rel=0.02)


# ---- training with the student's functions ----------------------------------------------------


def test_the_students_network_trains_as_glassnets():
    result = exercises.train_with(CORRECT, n_train=40, n_test=20, epochs=4)
    assert result.equal and result.weight_difference < 1e-10
    assert result.test_accuracy == result.glassnet_test_accuracy
    assert result.train_accuracy == result.glassnet_train_accuracy
    assert "momentum" in str(result) and "<table>" in result._repr_html_()
    plain = {k: CORRECT[k] for k in ("L_model_forward", "L_model_backward", "update_parameters")}
    result = exercises.train_with(plain, n_train=40, n_test=20, epochs=3)
    assert result.equal and "gradient descent" in result.optimizer


def test_a_wrong_backward_trains_differently():
    functions = dict(CORRECT)
    functions["L_model_backward"] = next(f for e, n, f in WRONG if n == "sigmoid hidden")
    result = exercises.train_with(functions, n_train=40, n_test=20, epochs=4)
    assert result.weight_difference > 1e-5  # the right run agrees to 1e-10


def test_train_with_names_what_is_missing_or_not_implemented():
    with pytest.raises(ExerciseFailed, match="needs L_model_forward, L_model_backward, "
                                             "update_parameters"):  # fmt: skip
        exercises.train_with({})

    def L_model_forward(X, parameters):
        raise NotImplementedError()

    functions = {**CORRECT, "L_model_forward": L_model_forward}
    with pytest.raises(ExerciseFailed, match="L_model_forward is not implemented yet"):
        exercises.train_with(functions, n_train=10, n_test=10, epochs=1)
    functions = {**CORRECT, "L_model_backward": lambda AL, Y, caches: 1 / 0}
    with pytest.raises(ExerciseFailed, match="your L_model_backward raised ZeroDivisionError"):
        exercises.train_with(functions, n_train=10, n_test=10, epochs=1)


# ---- the notebook and the module --------------------------------------------------------------


def test_the_module_runs_and_its_stubs_are_not_implemented(tmp_path):
    import importlib.util

    exercises.write(tmp_path / "stubs")
    exercises.write(tmp_path / "solutions", solutions=True)
    for folder, passed in (("stubs", False), ("solutions", True)):
        path = tmp_path / folder / "exercises.py"
        spec = importlib.util.spec_from_file_location(f"student_{folder}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        reports = exercises.check_all(module)
        assert list(reports) == exercises.EXERCISES
        assert all(r.passed == passed for r in reports.values())
        if not passed:
            assert all(r.not_implemented for r in reports.values())
        text = path.read_text()
        assert "### BEGIN SOLUTION" not in text
        assert ("raise NotImplementedError()" in text) != passed


def _nbgrader_cells(nb):
    return [(c, c.metadata["nbgrader"]) for c in nb.cells]


def test_the_notebook_is_nbgraders_format():
    nbformat = pytest.importorskip("nbformat")
    from glassnet.exercises.notebook import notebook

    stubs, solutions = notebook(False), notebook(True)
    nbformat.validate(stubs)
    grade_ids = [meta["grade_id"] for _, meta in _nbgrader_cells(solutions)]
    assert len(grade_ids) == len(set(grade_ids))
    points = {}
    for cell, meta in _nbgrader_cells(solutions):
        assert meta["schema_version"] == 3
        if meta["solution"]:
            assert cell.cell_type == "code" and not meta["locked"] and not meta["grade"]
            assert cell.source.count("### BEGIN SOLUTION") == 1
            assert cell.source.count("### END SOLUTION") == 1
        elif meta["grade"]:
            assert meta["locked"] and cell.cell_type == "code"
            points[meta["grade_id"]] = meta["points"]
            assert "report.require()" in cell.source
        else:
            assert meta["locked"] and "points" not in meta
    assert points == {f"check_{n}": p for n, p in exercises.POINTS.items()}
    # nbgrader's own checks: its metadata validator, and its ClearSolutions turns the teacher's
    # version into exactly the students'
    nbgrader_format = pytest.importorskip("nbgrader.nbgraderformat")
    nbgrader_format.MetadataValidator().validate_nb(solutions)
    nbgrader_format.MetadataValidator().validate_nb(stubs)
    from nbgrader.preprocessors import CheckCellMetadata, ClearSolutions, ComputeChecksums

    checked, _ = CheckCellMetadata().preprocess(copy.deepcopy(solutions), {})
    summed, _ = ComputeChecksums().preprocess(checked, {})
    assert all(c.metadata["nbgrader"].get("checksum") for c in summed.cells)
    cleared, _ = ClearSolutions().preprocess(copy.deepcopy(solutions), {})
    assert [c.source for c in cleared.cells] == [c.source for c in stubs.cells]
    assert [c.metadata for c in cleared.cells] == [c.metadata for c in stubs.cells]


@pytest.fixture(scope="module")
def kernel():
    nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat")
    nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbclient")
    pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel")

    def execute(nb, cwd):
        # the kernel imports this checkout's glassnet, whatever the environment's install is
        first = f"import sys\nsys.path.insert(0, {str(SRC)!r})"
        nb.cells.insert(0, nbformat.v4.new_code_cell(first))
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", allow_errors=True,
            resources={"metadata": {"path": str(cwd)}},
        )  # fmt: skip
        try:
            client.execute()
        except Exception as e:  # no kernel spec, a kernel that dies or never answers
            if "kernel" in type(e).__name__.lower() or "NoSuchKernel" in repr(e):
                pytest.skip(f"no Jupyter kernel could start here: {type(e).__name__}: {e}")
            raise
        return nb

    return nbformat, execute


def _errors(nb) -> dict[str, list]:
    return {c.metadata.get("nbgrader", {}).get("grade_id", "?"): [o for o in c.outputs
            if o.output_type == "error"] for c in nb.cells if c.cell_type == "code"}  # fmt: skip


def test_the_notebook_with_solutions_runs_and_passes_in_a_kernel(kernel, tmp_path):
    nbformat, execute = kernel
    ipynb, _ = exercises.write(tmp_path, solutions=True)
    nb = execute(nbformat.read(str(ipynb), as_version=4), tmp_path)
    errors = {k: v for k, v in _errors(nb).items() if v}
    assert not errors, errors
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(checks) == 21
    for cell in checks:
        html = [o.data["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        assert html and "passed" in html[0] and "<table>" in html[0]
    last = nb.cells[-1]
    assert "your functions" in last.outputs[0].data["text/plain"]


def test_the_notebook_with_stubs_fails_each_check_without_a_traceback(kernel, tmp_path):
    nbformat, execute = kernel
    ipynb, _ = exercises.write(tmp_path)
    nb = execute(nbformat.read(str(ipynb), as_version=4), tmp_path)
    for grade_id, errors in _errors(nb).items():
        if grade_id.startswith("check_") or grade_id == "train_with":
            assert len(errors) == 1, grade_id
            (error,) = errors
            assert error.ename == "ExerciseFailed"
            assert len(error.traceback) == 1 and "not implemented yet" in error.traceback[0]
        else:
            assert not errors, (grade_id, errors)


# ---- the commands -----------------------------------------------------------------------------


def test_glassnet_exercises_writes_both_files(tmp_path, capsys):
    assert cli.main(["exercises", "--out", str(tmp_path / "course")]) == 0
    assert "21 exercises, 33 points, with empty stubs" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "course").iterdir()) == [
        "exercises.ipynb", "exercises.py"]  # fmt: skip
    (tmp_path / "file").write_text("")
    assert cli.main(["exercises", "--out", str(tmp_path / "file")]) == 2


def test_glassnet_check_grades_a_folder_in_subprocesses(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    exercises.write(tmp_path / "solutions", solutions=True)
    solution = (tmp_path / "solutions" / "exercises.py").read_text()
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(solution)
    (folder / "bob.py").write_text(
        "import numpy as np\nprint('bob prints while loading')\n\n"
        "def linear_backward(dZ, cache):\n    A_prev, W, b = cache\n    m = A_prev.shape[1]\n"
        "    return W.T @ dZ, A_prev @ dZ.T / m, dZ.sum(axis=1, keepdims=True) / m\n"
    )
    (folder / "carol.py").write_text("while True:\n    pass\n")
    (folder / "dan.py").write_text("def relu(Z:\n")
    (folder / "notes.txt").write_text("not graded")
    gradebook = tmp_path / "grades.json"
    argv = ["check", str(folder), "--timeout", "10", "--json", str(gradebook)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "alice (alice.py)" in out and "21 of 21 exercises passed" in out
    assert re.search(r"linear_backward +0\.00  dW is \(\d, \d\), expected \(\d, \d\): did you "
                     r"multiply A_prev @ dZ\.T\?", out)
    grades = json.loads(gradebook.read_text())
    assert list(grades) == ["alice", "bob", "carol", "dan"]
    assert all(r["score"] == 1.0 for r in grades["alice"]["exercises"].values())
    assert grades["bob"]["file"] == "bob.py" and list(grades["bob"]["exercises"]) == [
        "linear_backward"]  # fmt: skip
    assert grades["bob"]["exercises"]["linear_backward"]["passed"] is False
    assert "SyntaxError" in grades["dan"]["error"] and not grades["dan"]["exercises"]


def test_glassnet_check_stops_an_infinite_loop(tmp_path, capsys):
    (tmp_path / "carol.py").write_text("while True:\n    pass\n")
    assert cli.main(["check", str(tmp_path / "carol.py"), "--timeout", "2"]) == 0
    assert "did not finish within 2 s (an infinite loop?)" in capsys.readouterr().out


def test_glassnet_check_refuses_what_it_cannot_grade(tmp_path, capsys):
    assert cli.main(["check", str(tmp_path / "nothing.py")]) == 2
    assert cli.main(["check", str(tmp_path)]) == 2
    assert "holds no .py file" in capsys.readouterr().err
    (tmp_path / "a.py").write_text("")
    assert cli.main(["check", str(tmp_path), "--timeout", "0"]) == 2


def test_the_check_help_says_it_runs_the_students_code(capsys):
    assert cli.main(["check", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "RUNS ITS CODE" in help_text and "--timeout" in help_text


def test_module_name_of_the_child_is_importable():
    from glassnet.cli import check

    assert callable(check.child) and check.MARKER
    assert sys.executable


def test_the_stub_module_runs_as_a_script(tmp_path):
    import os
    import subprocess

    _, py = exercises.write(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, str(py)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("not implemented yet: replace") == 21
    assert done.stdout.rstrip().endswith("train_with: initialize_velocity is not implemented yet")


def test_an_nbgrader_course_releases_and_autogrades_the_notebook_unchanged(tmp_path):
    """nbgrader itself: generate_assignment makes the students' version from the teacher's, and
    autograde scores the solutions 33 of 33 points and the stubs 0, in a real kernel."""
    import csv
    import os
    import shutil
    import subprocess

    pytest.importorskip("nbgrader")
    nbgrader = shutil.which("nbgrader", path=str(Path(sys.executable).parent))
    if nbgrader is None:
        pytest.skip("no nbgrader command next to this Python")
    env = {**os.environ, "PYTHONPATH": str(SRC)}  # the kernel imports this checkout's glassnet

    def run(*argv):
        done = subprocess.run([nbgrader, *argv], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]

    teacher, _ = exercises.write(tmp_path / "teacher", solutions=True)
    students, _ = exercises.write(tmp_path / "students")
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    shutil.copy(teacher, tmp_path / "source" / "ps1")
    run("generate_assignment", "ps1", "--force")
    import nbformat

    released = nbformat.read(str(tmp_path / "release" / "ps1" / "exercises.ipynb"), as_version=4)
    ours = nbformat.read(str(students), as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]
    for student, notebook in (("alice", teacher), ("bob", students)):
        (tmp_path / "submitted" / student / "ps1").mkdir(parents=True)
        shutil.copy(notebook, tmp_path / "submitted" / student / "ps1")
    run("autograde", "ps1", "--create", "--force")
    run("export")
    with open(tmp_path / "grades.csv", newline="") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"]))
                  for row in csv.DictReader(f)}  # fmt: skip
    total = float(sum(exercises.POINTS.values()))
    assert scores == {"alice": (total, total), "bob": (0.0, total)}
