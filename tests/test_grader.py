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
    assert first.problem == (f"dW is ({m}, {n}), expected ({n}, {m}): did you multiply "
                             "A_prev @ dZ.T? dW = (1/m) np.dot(dZ, A_prev.T)")  # fmt: skip
    assert report.score == 0.0
    flat = next(f for e, n, f in WRONG if n == "db 1-D")
    first = exercises.check("linear_backward", flat).cases[0]
    n = first.expected["db"].shape[0]
    assert first.problem == (f"db is ({n},), expected ({n}, 1): keep it 2-D (keepdims=True or "
                             ".reshape)")  # fmt: skip
    axis0 = next(f for e, n, f in WRONG if n == "db wrong axis")
    first = exercises.check("linear_backward", axis0).cases[0]
    n, m = first.expected["db"].shape[0], first.expected["dA_prev"].shape[1]
    assert first.problem == (f"db is (1, {m}), expected ({n}, 1): sum over the samples, axis=1, "
                             "with keepdims=True")  # fmt: skip

    def sigmoid(Z):
        return reference.sigmoid(Z)[0].T, Z

    first = exercises.check("sigmoid", sigmoid).cases[0]
    n, m = first.expected["A"].shape
    assert first.problem == f"A is ({m}, {n}), expected ({n}, {m}): did you transpose it?"


def test_an_unknown_wrong_value_says_which_output_and_by_how_much():
    def sigmoid(Z):  # off by 1e-3 times the number of samples
        return reference.sigmoid(Z)[0] + 1e-3 * Z.shape[1], Z

    report = exercises.check("sigmoid", sigmoid)
    assert report.mistake is None and not report.passed
    (Z,) = cases.generate("sigmoid")[0][1]
    scale = np.max(np.abs(reference.sigmoid(Z)[0]))
    assert report.diagnosis == (
        f"A: wrong values on 7 of 7 cases (first: the case 'random shapes'): off by up to "
        f"{1e-3 * Z.shape[1]:.3g} where the largest expected value is {scale:.3g}; compare it "
        "with the formula in the docstring"
    )


def test_the_first_wrong_output_is_named():
    def linear_backward(dZ, cache):
        dA_prev, dW, db = reference.linear_backward(dZ, cache)
        return dA_prev, 2 * dW, 3 * db

    report = exercises.check("linear_backward", linear_backward)
    assert all(c.problem == "dW: wrong values" for c in report.cases)


def test_a_missing_key_or_a_nan_says_so_without_a_size():
    def L_model_backward(AL, Y, caches):
        grads = reference.L_model_backward(AL, Y, caches)
        del grads["dW1"]
        return grads

    report = exercises.check("L_model_backward", L_model_backward)
    assert report.diagnosis == ("grads['dW1'] is missing on 7 of 7 cases (first: the case "
                                "'random shapes')")  # fmt: skip

    def tanh(Z):
        return np.full(Z.shape, np.nan), Z

    report = exercises.check("tanh", tanh)
    assert report.diagnosis == ("A: has nan or inf where the expected value is finite on 7 of 7 "
                                "cases (first: the case 'random shapes')")  # fmt: skip


@pytest.fixture
def fake_bank(monkeypatch):
    """A bank of made-up mistakes of relu, to test how the grader picks one."""

    def use(*entries):
        monkeypatch.setattr(mistakes, "BANK", [mistakes.Mistake("relu", n, f"made up: {n}", f)
                                               for n, f in entries])  # fmt: skip

    return use


def _relu_wrong_when_m_is(ms):
    def relu(Z):
        A, cache = reference.relu(Z)
        return (A + 1.0 if Z.shape[1] in ms else A), cache

    return relu


def test_a_tie_on_the_failing_cases_goes_to_the_mistake_that_also_matches_the_rest(fake_bank):
    m_values = [args[0].shape[1] for _, args in cases.generate("relu")]
    one = {m_values[3]}  # the failing case: one sample
    student = _relu_wrong_when_m_is(one)

    def elsewhere_too(Z):  # matches the failing case, and fails where the student passes
        A, cache = reference.relu(Z)
        return A + 1.0 if Z.shape[1] in one else A - 1.0, cache

    fake_bank(("elsewhere", elsewhere_too), ("exact", student), ("exact too", student))
    report = exercises.check("relu", student)
    assert report.mistake == "exact" and report.diagnosis == "made up: exact"


def test_a_mistake_matching_too_few_failing_cases_is_not_named(fake_bank):
    m_values = [args[0].shape[1] for _, args in cases.generate("relu")]
    student = _relu_wrong_when_m_is(set(m_values))  # every case fails
    some = set(m_values[:5])  # 5 of 7 failing cases: under 75 %
    fake_bank(("some", _relu_wrong_when_m_is(some)))
    report = exercises.check("relu", student)
    assert report.mistake is None and report.diagnosis.startswith("A: wrong values on 7 of 7")
    six = set(m_values[:6]) if len(set(m_values[:6])) == 6 else None
    if six:  # 6 of 7: at least 75 %
        fake_bank(("six", _relu_wrong_when_m_is(six)))
        assert exercises.check("relu", student).mistake == "six"


def test_an_empty_report():
    report = grader.Report("relu", [])
    assert report.score == 0.0 and not report.passed and not report.not_implemented


def test_an_unknown_shape_is_named():
    def linear_forward(A, W, b):
        return (W @ A + b)[:, :1], (A, W, b)

    report = exercises.check("linear_forward", linear_forward)
    n, m = report.cases[0].expected["Z"].shape
    assert report.diagnosis == f"Z is ({n}, 1), expected ({n}, {m})"
    assert report.cases[3].passed  # one sample: (n, 1) is right

    def relu(Z):
        return reference.relu(Z)[0][:1, :1], Z

    first = exercises.check("relu", relu).cases[0]
    assert first.problem == f"A is (1, 1), expected {first.expected['A'].shape}"


def test_the_inputs_are_described_by_their_shapes():
    report = exercises.check("L_model_backward", reference.L_model_backward)
    AL, Y, caches = cases.generate("L_model_backward")[0][1]
    described = ", ".join(f"(3 items, {c[1].shape})" for c in caches)
    assert report.cases[0].inputs == {"AL": AL.shape, "Y": Y.shape, "caches": f"({described})"}
    report = exercises.check("linear_activation_backward", reference.linear_activation_backward)
    dA, ((A_prev, W, b), Z), activation = cases.generate("linear_activation_backward")[0][1]
    shapes = f"(({A_prev.shape}, {W.shape}, {b.shape}), {Z.shape})"
    assert report.cases[0].inputs["cache"] == shapes
    report = exercises.check("initialize_parameters_he", reference.initialize_parameters_he)
    dims, seed = cases.generate("initialize_parameters_he")[0][1]
    assert report.cases[0].inputs == {"layers_dims": dims, "seed": seed}
    report = exercises.check("random_mini_batches", reference.random_mini_batches)
    size = cases.generate("random_mini_batches")[0][1][2]
    assert report.cases[0].inputs["mini_batch_size"] == size
    assert grader._describe((1, 2, 3, 4, 5.0)) == "5 items"
    assert grader._describe([np.ones(2)] * 4) == "((2,), (2,), (2,), (2,))"
    assert grader._describe([np.ones(2)] * 5) == "5 items"
    assert grader._describe(0.123456) == 0.123


def test_the_text_and_html_mark_each_case():
    wrong = next(f for e, n, f in WRONG if n == "transposed dW")
    report = exercises.check("linear_backward", wrong)
    lines = str(report).split("\n")
    assert lines[2].startswith("  FAIL random shapes  dZ (") and "; error -  dW is (" in lines[2]
    right_once = next(f for e, n, f in WRONG if n == "missing 1/m")
    report = exercises.check("linear_backward", right_once)
    lines = str(report).split("\n")
    assert lines[5].startswith("  ok   one sample     dZ (") and lines[5].endswith("; error 0")
    assert "; error " in lines[2] and lines[2].endswith("  dW: wrong values")
    html = report._repr_html_()
    assert '<b style="color:#c62828">failed</b>' in html
    assert "<tr><td>ok</td><td>one sample</td>" in html
    assert "<tr><td>FAIL</td><td>random shapes</td>" in html
    assert "<td>0</td><td></td></tr>" in html  # the passing case: error 0, no problem
    shape_html = exercises.check("linear_backward", wrong)._repr_html_()
    assert "<td>-</td><td>dW is (" in shape_html
    passed = exercises.check("relu", reference.relu)._repr_html_()
    assert '<b style="color:#1b5e20">passed</b>' in passed and "FAIL" not in passed
    data = exercises.check("linear_backward", wrong).to_dict()
    assert data["cases"][0]["error"] == "inf"
    assert data["cases"][0]["passed"] is False
    assert exercises.check("linear_backward", right_once).to_dict()["cases"][3]["error"] == 0.0


def test_a_result_of_the_wrong_structure_is_named():
    report = exercises.check("sigmoid", lambda Z: reference.sigmoid(Z)[0])
    assert report.cases[0].problem == "returned 1 value, expected 2: (A, cache)"
    report = exercises.check("sigmoid", lambda Z: (Z, Z, Z))
    assert report.cases[0].problem == "returned 3 values, expected 2: (A, cache)"


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


def test_compare_when_nothing_is_finite():
    assert compare(np.array([np.inf]), np.array([np.inf])) == (0.0, "")
    assert compare(np.array([np.inf]), np.array([-np.inf]))[1] != ""


# equivalent: exercises.grader:207:48 True -> False -- zip's lengths are checked just above
# equivalent: exercises.grader:262:48 True -> False -- the generated inputs hold no nan
# equivalent: exercises.grader:348:79 False -> True -- names and args have the signature's length
# equivalent: exercises.grader:399:42 0 -> 1 -- a mistake is named with >= 1 failing case
# matched, and then it beats (1, 0)
# equivalent: exercises.grader:399:45 0 -> 1 -- and it beats (0, 1) too
