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
from glassnet.exercises import cases, grader, mistakes, reference
from glassnet.exercises.grader import ExerciseFailed, compare
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


# ---- the grader -------------------------------------------------------------------------------


def test_every_exercise_has_cases_results_mistakes_and_a_stub():
    assert len(exercises.EXERCISES) == 21
    assert set(exercises.EXERCISES) == set(cases.GENERATORS) == set(grader.RESULTS)
    for name in exercises.EXERCISES:
        assert callable(getattr(reference, name)), name
        assert mistakes.of(name), f"{name} has no known mistake"
        generated = cases.generate(name)
        kinds = {kind for kind, _ in generated}
        assert {"random shapes", "one sample", "one unit", "large values", "tiny values"} <= kinds


def test_the_cases_are_seeded():
    for name in exercises.EXERCISES:
        a, b = cases.generate(name, seed=3), cases.generate(name, seed=3)
        assert repr(a) == repr(b)
    assert repr(cases.generate("linear_backward", 0)) != repr(cases.generate("linear_backward", 1))


@pytest.mark.parametrize("name", exercises.EXERCISES)
def test_the_reference_and_the_course_style_solutions_score_1(name):
    for function in (getattr(reference, name), CORRECT[name]):
        report = exercises.check(name, function)
        assert report.passed, str(report)
        assert report.score == 1.0
        assert report.diagnosis == "" and report.mistake is None


def test_the_battery_covers_the_bank():
    assert len(WRONG) >= 40
    assert {(e, n) for e, n, _ in WRONG} == {(m.exercise, m.name) for m in mistakes.BANK}


@pytest.mark.parametrize("exercise, mistake, function", WRONG,
                         ids=[f"{e}-{n}" for e, n, _ in WRONG])  # fmt: skip
def test_a_wrong_solution_fails_and_is_diagnosed(exercise, mistake, function):
    report = exercises.check(exercise, function)
    assert not report.passed
    assert report.score < 1.0
    assert report.mistake == mistake, report.diagnosis
    known = next(m for m in mistakes.of(exercise) if m.name == mistake)
    assert report.diagnosis.endswith(known.diagnosis)


@pytest.mark.parametrize("known", mistakes.BANK, ids=lambda m: f"{m.exercise}-{m.name}")
def test_each_known_mistake_differs_from_the_reference_and_is_found(known):
    report = exercises.check(known.exercise, known.function)
    assert not report.passed and report.mistake == known.name


def test_a_shape_error_names_both_shapes_and_what_it_suggests():
    function = next(f for e, n, f in WRONG if n == "transposed dW")
    report = exercises.check("linear_backward", function)
    first = report.cases[0]
    n, m = first.expected["dW"].shape
    assert report.diagnosis.startswith(f"dW is ({m}, {n}), expected ({n}, {m}): did you multiply "
                                       "A_prev @ dZ.T?")  # fmt: skip
    assert first.problem.startswith(f"dW is ({m}, {n}), expected ({n}, {m})")
    assert report.score == 0.0
    flat = next(f for e, n, f in WRONG if n == "db 1-D")
    assert exercises.check("linear_backward", flat).diagnosis.startswith("db is (")


def test_an_unknown_wrong_value_says_which_output_and_by_how_much():
    def sigmoid(Z):
        return 1 / (1 + np.exp(-Z)) + 1e-3, Z

    report = exercises.check("sigmoid", sigmoid)
    assert report.mistake is None and not report.passed
    assert report.diagnosis.startswith("A: wrong values on 7 of 7 cases: off by up to 0.001")


def test_an_unknown_shape_is_named():
    def linear_forward(A, W, b):
        return (W @ A + b)[:, :1], (A, W, b)

    report = exercises.check("linear_forward", linear_forward)
    assert "Z is (" in report.diagnosis and "expected (" in report.diagnosis
    assert report.cases[3].passed  # one sample: (n, 1) is right


def test_a_crashing_function_fails_its_cases_with_the_last_line():
    def relu(Z):
        return Z.nonexistent

    report = exercises.check("relu", relu)
    assert report.score == 0.0
    assert all("AttributeError: 'numpy.ndarray' object has no attribute" in c.problem
               for c in report.cases)  # fmt: skip
    assert report.diagnosis.startswith("it raised AttributeError")

    def tanh(Z):
        raise SystemExit(3)

    assert exercises.check("tanh", tanh).score == 0.0

    def sigmoid(Z):
        if Z.shape[1] == 1:
            raise ValueError("one sample")
        return reference.sigmoid(Z)

    report = exercises.check("sigmoid", sigmoid)
    assert report.score == pytest.approx(6 / 7)
    assert "ValueError: one sample" in report.diagnosis and "'one sample'" in report.diagnosis


def test_a_stub_is_not_implemented_yet():
    def linear_backward(dZ, cache):
        # YOUR CODE HERE
        raise NotImplementedError()

    report = exercises.check("linear_backward", linear_backward)
    assert report.diagnosis.startswith("not implemented yet")
    assert report.not_implemented and report.score == 0.0


def test_a_wrong_structure_is_named():
    report = exercises.check("linear_backward", lambda dZ, cache: (dZ, dZ))
    assert "returned 2 values, expected 3: (dA_prev, dW, db)" in report.cases[0].problem
    report = exercises.check("L_model_backward", lambda AL, Y, caches: {"dW1": 0})
    assert "is missing" in report.cases[0].problem


def test_an_input_changed_in_place_is_named_by_its_argument():
    function = next(f for e, n, f in WRONG if e == "relu_backward" and n == "in place")
    report = exercises.check("relu_backward", function)
    assert any("changed dA in place" in c.problem for c in report.cases)

    def relu_backward(dA, cache):  # right values, but cache changed: no known mistake
        dZ = dA * (cache > 0)
        cache += 1
        return dZ

    report = exercises.check("relu_backward", relu_backward)
    assert report.diagnosis.startswith("it changed cache in place")


def test_the_student_function_gets_copies_and_the_global_generator_is_restored():
    seen = []

    def sigmoid(Z):
        seen.append(Z)
        np.random.seed(123)
        return reference.sigmoid(Z)

    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    exercises.check("sigmoid", sigmoid)
    assert np.random.random() == expected
    _, args = cases.generate("sigmoid")[0]
    assert seen[0] is not args[0] and np.array_equal(seen[0], args[0])


def test_compare():
    assert compare(np.ones((2, 3)), np.ones((2, 3)) * (1 + 1e-9)) == (pytest.approx(1e-9), "")
    assert compare(np.ones((2, 3)), np.ones((2, 3)) * (1 + 1e-5))[1] == "wrong values"
    assert compare(np.ones((2, 3)), np.ones((3, 2)))[1] == "shape (3, 2), expected (2, 3)"
    assert compare(1.5, np.array([[1.5]])) == (0.0, "")
    assert compare(np.array(1.0), np.nan)[1] == "has nan or inf where the expected value is finite"
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) == (0.0, "")
    assert compare(np.zeros(3), np.zeros(3)) == (0.0, "")
    assert compare(np.zeros(3), np.full(3, 1e-300))[1] == "wrong values"
    assert compare(np.ones(2), "x")[1] == "is a str, expected numbers"
    assert compare(np.ones((0, 2)), np.ones((0, 2))) == (0.0, "")


def test_the_report_as_text_html_dict_and_an_error():
    wrong = next(f for e, n, f in WRONG if n == "missing 1/m")
    report = exercises.check("linear_backward", wrong)
    text = str(report)
    assert text.startswith("linear_backward: FAILED, 1 of 7 cases (score 0.14)")
    assert "diagnosis: a missing 1/m" in text and "one sample" in text
    assert repr(report) == text
    html = report._repr_html_()
    assert "<table>" in html and "Diagnosis." in html and "FAIL" in html
    data = report.to_dict()
    json.dumps(data)
    assert data["score"] == pytest.approx(1 / 7) and data["mistake"] == "missing 1/m"
    assert data["cases"][3]["passed"] and data["cases"][0]["inputs"]["dZ"].startswith("(")
    with pytest.raises(ExerciseFailed) as caught:
        report.require()
    assert caught.value._render_traceback_() == [
        f"ExerciseFailed: linear_backward: 14% of the cases passed; {report.diagnosis}"
    ]
    right = exercises.check("linear_backward", reference.linear_backward)
    assert right.require() is right
    assert "passed, 7 of 7 cases (score 1.00)" in str(right)
    assert "Diagnosis" not in right._repr_html_()


def test_check_refuses_an_unknown_exercise_or_a_non_function():
    from glassnet.errors import GlassnetError

    with pytest.raises(GlassnetError, match="no exercise 'lin'"):
        exercises.check("lin", reference.linear_backward)
    with pytest.raises(TypeError):
        exercises.check("relu", 3)


def test_check_all_grades_what_a_module_or_a_dict_defines():
    reports = exercises.check_all({"relu": CORRECT["relu"], "sigmoid": 1, "other": print})
    assert list(reports) == ["relu"] and reports["relu"].passed
    assert len(exercises.check_all(reference)) == 21


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
    from nbgrader.preprocessors import ClearSolutions

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


def test_check_all_says_when_a_failure_may_come_from_a_function_it_calls():
    functions = dict(CORRECT)
    functions["linear_backward"] = next(f for e, n, f in WRONG if n == "transposed dW")
    CORRECT["linear_activation_backward"].__globals__["linear_backward"] = functions[
        "linear_backward"]  # fmt: skip
    try:
        reports = exercises.check_all(functions)
    finally:
        CORRECT["linear_activation_backward"].__globals__["linear_backward"] = CORRECT[
            "linear_backward"]  # fmt: skip
    assert not reports["linear_activation_backward"].passed
    assert reports["linear_activation_backward"].diagnosis.endswith(
        "(it may call linear_backward, which fails: fix that first)")  # fmt: skip
    assert reports["linear_backward"].diagnosis.startswith("dW is (")
    assert "may call" not in reports["linear_backward"].diagnosis


def test_the_report_shows_the_inputs_shapes():
    report = exercises.check("linear_activation_backward", reference.linear_activation_backward)
    inputs = report.cases[0].inputs
    assert inputs["cache"].startswith("((") and inputs["activation"] == "sigmoid"
    assert isinstance(inputs["dA"], tuple)
