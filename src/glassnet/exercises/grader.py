"""Grading one exercise: run the student's function on the generated cases against the reference,
and name the mistake.

``check(name, function)`` runs ``function`` on every case of ``cases.generate(name)`` (on copies
of the arguments) and compares each output with the reference's: same shape, and a largest
error |got - expected| of at most ``RTOL`` times the largest |expected| of that output. A case
also fails when the function changed one of its inputs in place, or raised (the case keeps the
exception's last line; the grader itself never raises). The diagnosis runs every known mistake of
the exercise (``mistakes.of(name)``) on the same cases: the one that behaves as the student's
function on (nearly) every failing case names the mistake; otherwise a wrong shape is named with
what it suggests, and a wrong value by how much it is off.
"""

from __future__ import annotations

import copy
import inspect
import math
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import numpy as np

from ..errors import GlassnetError
from . import cases as case_generators
from . import mistakes, reference

RTOL = 1e-6  # of the largest |expected| of an output
NOT_IMPLEMENTED = "not implemented yet: replace `raise NotImplementedError()` with your code"
MATCHING = 0.75  # a known mistake names the error when it matches this share of failing cases

# the names of each exercise's results, for the messages ("dW is (3, 5), expected (5, 3)")
RESULTS: dict[str, tuple[str, ...] | str] = {
    "sigmoid": ("A", "cache"),
    "relu": ("A", "cache"),
    "tanh": ("A", "cache"),
    "sigmoid_backward": "dZ",
    "relu_backward": "dZ",
    "tanh_backward": "dZ",
    "linear_forward": ("Z", "cache"),
    "linear_activation_forward": ("A", "cache"),
    "L_model_forward": ("AL", "caches"),
    "compute_cost": "cost",
    "linear_backward": ("dA_prev", "dW", "db"),
    "linear_activation_backward": ("dA_prev", "dW", "db"),
    "L_model_backward": "grads",
    "update_parameters": "parameters",
    "initialize_parameters_lecun": "parameters",
    "initialize_parameters_he": "parameters",
    "initialize_parameters_glorot": "parameters",
    "normalize": ("X_train_norm", "X_test_norm"),
    "random_mini_batches": "mini_batches",
    "initialize_velocity": "v",
    "update_parameters_with_momentum": ("parameters", "v"),
}


class ExerciseFailed(AssertionError):
    """An exercise's check failed; in a notebook it shows as one line, not a traceback (and an
    nbgrader grade cell that raises it scores 0)."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"{type(self).__name__}: {self}"]


@dataclass
class Case:
    """One graded case: what it tests, its inputs' shapes, the expected and the actual outputs,
    the largest error, and why it failed (empty when it passed)."""

    kind: str
    inputs: dict[str, object]
    expected: dict[str, object]
    got: dict[str, object] | None
    error: float
    passed: bool
    problem: str = ""


@dataclass
class Report:
    """The result of ``check``: ``passed`` (every case), ``score`` (the fraction of cases passed),
    ``cases`` and ``diagnosis`` (the mistake in one sentence with the fix; empty when passed).
    Displays as a table in a notebook (``_repr_html_``) and as text when printed."""

    exercise: str
    cases: list[Case]
    diagnosis: str = ""
    mistake: str | None = None  # the name of the matched known mistake, if any

    @property
    def not_implemented(self) -> bool:
        """True when the function is still the stub (it raised NotImplementedError)."""
        return self.diagnosis == NOT_IMPLEMENTED

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def score(self) -> float:
        return sum(c.passed for c in self.cases) / len(self.cases) if self.cases else 0.0

    def require(self) -> Report:
        """Raise ``ExerciseFailed`` (one line: the exercise, score and diagnosis) unless every
        case passed; for a notebook's check cell, so that nbgrader counts it."""
        if not self.passed:
            raise ExerciseFailed(f"{self.exercise}: {self.score:.0%} of the cases passed; "
                                 f"{self.diagnosis}")  # fmt: skip
        return self

    def to_dict(self) -> dict:
        """The report as JSON-able data: exercise, passed, score, diagnosis, mistake, and each
        case's kind, inputs' shapes, error and problem."""
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "score": self.score,
            "diagnosis": self.diagnosis,
            "mistake": self.mistake,
            "cases": [
                {"kind": c.kind, "inputs": {k: str(v) for k, v in c.inputs.items()},
                 "passed": c.passed, "error": _json_number(c.error), "problem": c.problem}
                for c in self.cases
            ],
        }  # fmt: skip

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"{self.exercise}: {verdict}, {sum(c.passed for c in self.cases)} of "
                 f"{len(self.cases)} cases (score {self.score:.2f})"]  # fmt: skip
        if self.diagnosis:
            lines.append(f"diagnosis: {self.diagnosis}")
        for c in self.cases:
            shapes = ", ".join(f"{k} {v}" for k, v in c.inputs.items())
            mark = "ok  " if c.passed else "FAIL"
            detail = f"  {c.problem}" if c.problem else ""
            error = f"{c.error:.2g}" if math.isfinite(c.error) else "-"
            lines.append(f"  {mark} {c.kind:<14} {shapes}; error {error}{detail}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.passed else "#c62828"
        verdict = "passed" if self.passed else "failed"
        head = (f'<p><b>{escape(self.exercise)}</b>: <b style="color:{colour}">{verdict}</b>, '
                f"score {self.score:.2f}</p>")  # fmt: skip
        if self.diagnosis:
            head += f"<p><b>Diagnosis.</b> {escape(self.diagnosis)}</p>"
        rows = "".join(
            f"<tr><td>{'ok' if c.passed else 'FAIL'}</td><td>{escape(c.kind)}</td>"
            f"<td>{escape(', '.join(f'{k} {v}' for k, v in c.inputs.items()))}</td>"
            f"<td>{f'{c.error:.2g}' if math.isfinite(c.error) else '-'}</td>"
            f"<td>{escape(c.problem)}</td></tr>"
            for c in self.cases
        )
        table = ("<table><thead><tr><th></th><th>case</th><th>inputs</th><th>largest error</th>"
                 f"<th>problem</th></tr></thead><tbody>{rows}</tbody></table>")  # fmt: skip
        return f'<div class="glassnet-exercise">{head}{table}</div>'


def _json_number(x: float):
    return x if math.isfinite(x) else str(x)


# ---- running one function on one case --------------------------------------------------------


@dataclass
class _Run:
    """What a function did on one case: its flattened outputs, or the exception's last line, and
    which inputs it changed in place."""

    outputs: dict[str, object] | None
    raised: str = ""
    not_implemented: bool = False
    changed: tuple[str, ...] = ()


def _arrays(value, path: str):
    """Every array inside nested tuples, lists and dicts, with its path."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _arrays(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _arrays(v, f"{path}[{k!r}]")


def flatten(exercise: str, result) -> dict[str, object]:
    """An exercise's result as {name: leaf}: "dW", "cache[0]", "grads['dW1']", "len(caches)"."""
    names = RESULTS[exercise]
    if isinstance(names, str):
        parts = {names: result}
    else:
        if not isinstance(result, (tuple, list)) or len(result) != len(names):
            count = len(result) if isinstance(result, (tuple, list)) else 1
            raise _Wrong(f"returned {count} value{'s' * (count != 1)}, expected "
                         f"{len(names)}: ({', '.join(names)})")  # fmt: skip
        parts = dict(zip(names, result, strict=True))
    flat: dict[str, object] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for k in sorted(value, key=str):
                walk(value[k], f"{path}[{k!r}]")
        elif isinstance(value, (tuple, list)):
            flat[f"len({path})"] = len(value)
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        else:
            flat[path] = value

    for name, value in parts.items():
        walk(value, name)
    return flat


class _Wrong(Exception):
    """A result of the wrong structure (a message for the case)."""


def _last_line(error: BaseException) -> str:
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else type(error).__name__


def _run(exercise: str, function: Callable, args: tuple) -> _Run:
    args = copy.deepcopy(args)
    before = {path: a.copy() for path, a in _arrays(list(args), "args")}
    originals = dict(_arrays(list(args), "args"))
    state = np.random.get_state()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = function(*args)
        outputs = flatten(exercise, result)
        run = _Run(outputs)
    except NotImplementedError:
        run = _Run(None, "NotImplementedError", not_implemented=True)
    except _Wrong as e:
        run = _Run(None, str(e))
    except (Exception, SystemExit) as e:  # a student's error is a failed case, never ours
        run = _Run(None, _last_line(e))
    finally:
        np.random.set_state(state)
    run.changed = tuple(
        path for path, a in originals.items()
        if a.shape != before[path].shape or not _same(a, before[path])
    )  # fmt: skip
    return run


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


# ---- comparing -------------------------------------------------------------------------------


def _as_array(value):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def compare(expected, got) -> tuple[float, str]:
    """(largest error, problem) of one output: problem is "" when ``got`` matches."""
    e, g = _as_array(expected), _as_array(got)
    if g is None:
        return math.inf, f"is a {type(got).__name__}, expected numbers"
    if e.ndim == 0 and g.size == 1:
        g = g.reshape(())
    if e.shape != g.shape:
        return math.inf, f"shape {g.shape}, expected {e.shape}"
    if e.size == 0:
        return 0.0, ""
    finite = np.isfinite(e)
    if not np.array_equal(np.isfinite(g), finite) or not np.array_equal(e[~finite], g[~finite],
                                                                       equal_nan=True):  # fmt: skip
        return math.inf, "has nan or inf where the expected value is finite"
    if not finite.any():
        return 0.0, ""
    error = float(np.max(np.abs(g[finite] - e[finite])))
    scale = float(np.max(np.abs(e[finite])))
    return error, "" if error <= RTOL * scale else "wrong values"


def _compare_runs(expected: _Run, got: _Run) -> tuple[float, str, str]:
    """(largest error, the first wrong output's name, its problem) of a run against another."""
    if got.outputs is None:
        return math.inf, "", got.raised
    worst, name, problem = 0.0, "", ""
    for key, e in expected.outputs.items():
        if key not in got.outputs:
            return math.inf, "", f"{key} is missing"
        error, wrong = compare(e, got.outputs[key])
        if wrong and not problem:
            name, problem = key, wrong
        worst = max(worst, error)
    if not problem and got.changed != expected.changed:  # paths "args[0]": renamed by check
        return worst, "", f"changed {', '.join(got.changed)} in place"
    return worst, name, problem


def _shape_message(exercise: str, name: str, expected, got) -> str:
    e_shape, g_shape = np.shape(expected), np.shape(_as_array(got))
    suggestion = mistakes.SHAPE_HINTS.get((exercise, name), "")
    if len(e_shape) == 2 and g_shape == e_shape[::-1]:
        suggestion = mistakes.TRANSPOSED_HINTS.get((exercise, name), "did you transpose it?")
    elif len(e_shape) == 2 and len(g_shape) == 1:
        suggestion = "keep it 2-D (keepdims=True or .reshape)"
    text = f"{name} is {g_shape}, expected {e_shape}"
    return f"{text}: {suggestion}" if suggestion else text


# ---- the check -------------------------------------------------------------------------------


def _describe(value, depth: int = 0) -> object:
    """An input for the report: an array's shape, a tuple's shapes, a dict's size, a number."""
    if isinstance(value, np.ndarray):
        return tuple(value.shape)
    if isinstance(value, dict):
        return f"{len(value)} arrays"
    if isinstance(value, (tuple, list)) and value and all(
        isinstance(v, (int, np.integer)) for v in value
    ):
        return list(value)
    if isinstance(value, (tuple, list)):
        if depth > 1 or len(value) > 4:
            return f"{len(value)} items"
        return "(" + ", ".join(str(_describe(v, depth + 1)) for v in value) + ")"
    if isinstance(value, float):
        return float(f"{value:.3g}")
    return value


def _shapes(args: tuple, names: list[str]) -> dict[str, object]:
    return {name: _describe(value) for name, value in zip(names, args, strict=False)}


def _parameter_names(exercise: str) -> list[str]:
    return list(inspect.signature(getattr(reference, exercise)).parameters)


def check(name: str, function: Callable, seed: int = 0) -> Report:
    """Grade ``function`` as exercise ``name`` (one of ``EXERCISES``) on its generated cases.

    Returns a ``Report``: ``passed``, ``score`` (the fraction of cases passed), ``cases`` (each
    with its inputs' shapes, expected and got, the largest error) and ``diagnosis``. A function
    that raises fails that case; the grader itself does not raise.
    """
    if name not in RESULTS:
        known = ", ".join(RESULTS)
        raise GlassnetError(f"no exercise {name!r}; the exercises are: {known}")
    if not callable(function):
        raise TypeError(f"check({name!r}, function): {function!r} is not a function")
    argument_names = _parameter_names(name)
    right = getattr(reference, name)
    graded = []
    for kind, args in case_generators.generate(name, seed):
        expected, got = _run(name, right, args), _run(name, function, args)
        error, output, problem = _compare_runs(expected, got)
        for i, arg in enumerate(argument_names):
            problem = problem.replace(f"args[{i}]", arg)
        shape = bool(output) and problem.startswith("shape")
        if shape:
            problem = _shape_message(name, output, expected.outputs[output], got.outputs[output])
        elif output and problem:
            problem = f"{output}: {problem}"
        graded.append((kind, args, expected, got, error, problem, shape))
    cases = [
        Case(kind, _shapes(args, argument_names), expected.outputs, got.outputs, error,
             not problem, problem)
        for kind, args, expected, got, error, problem, _ in graded
    ]  # fmt: skip
    report = Report(name, cases)
    failing = [g for g in graded if g[5]]
    if failing:
        report.diagnosis, report.mistake = _diagnose(name, graded, failing)
    return report


def _diagnose(exercise: str, graded: list, failing: list) -> tuple[str, str | None]:
    """(diagnosis, the known mistake's name or None) from the graded cases, each (kind, args,
    expected run, student's run, error, problem, whether the problem is a shape)."""
    runs = [g[3] for g in failing]
    if all(r.not_implemented for r in runs):
        return NOT_IMPLEMENTED, None
    best, best_failing, best_all = None, 0, 0
    for known in mistakes.of(exercise):
        matched_failing = matched_all = 0
        for _kind, args, _expected, got, _error, problem, _shape in graded:
            same = _behaves_alike(_run(exercise, known.function, args), got)
            matched_all += same
            matched_failing += same and bool(problem)
        if (matched_failing, matched_all) > (best_failing, best_all):
            best, best_failing, best_all = known, matched_failing, matched_all
    first = failing[0][5]
    shape = first if failing[0][6] else ""
    if best is not None and best_failing >= max(1, math.ceil(MATCHING * len(failing))):
        shape_only = shape.split(":")[0]
        return (f"{shape_only}: {best.diagnosis}" if shape else best.diagnosis), best.name
    crashed = [g for g in failing if g[3].outputs is None]
    if crashed:
        kind, problem = crashed[0][0], crashed[0][5]
        return (f"it raised {problem} on {len(crashed)} of {len(graded)} cases "
                f"(first: the case '{kind}')"), None  # fmt: skip
    if shape:
        return shape, None
    if "in place" in first:
        return f"it {first}; work on a copy (np.array(x, copy=True)) or assign new arrays", None
    kind, _, expected, _, error, problem, _ = failing[0]
    name = problem.split(":")[0]
    where = f"{problem} on {len(failing)} of {len(graded)} cases (first: the case '{kind}')"
    if not math.isfinite(error) or name not in expected.outputs:
        return where, None
    scale = float(np.max(np.abs(_as_array(expected.outputs[name]))))
    return (f"{where}: off by up to {error:.3g} where the largest expected value is "
            f"{scale:.3g}; compare it with the formula in the docstring"), None


def _behaves_alike(a: _Run, b: _Run) -> bool:
    """The same outputs (to RTOL, shapes included, nan where nan) and the same inputs changed."""
    if a.outputs is None or b.outputs is None or a.changed != b.changed:
        return False
    if set(a.outputs) != set(b.outputs):
        return False
    return all(not compare(a.outputs[k], b.outputs[k])[1] for k in a.outputs)
