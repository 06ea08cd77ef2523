"""glassnet.exercises.grader: correct solutions pass, each wrong one of the battery
(tests/exercise_battery.py) fails with the diagnosis of its known mistake, shapes, crashes, stubs
and inputs changed in place are named, and the report reads as text, HTML, JSON and an error."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exercise_battery import CORRECT, WRONG
from glassnet import exercises
from glassnet.exercises import cases, grader, mistakes, reference
from glassnet.exercises.grader import ExerciseFailed, compare

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
