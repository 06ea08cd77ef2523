"""The lecture as exercises, and their grader.

One exercise per formula of the lecture, in its order (``EXERCISES``), with the function names,
signatures and layout of the well-known deep-learning course: samples are columns, X has shape
(n_0, m), W[l] (n_l, n_{l-1}), b[l] (n_l, 1), and parameters, grads and velocities are the
course's dictionaries ("W1", "b1", "dW1", ...).

- ``write(folder)`` writes ``exercises.ipynb`` (nbgrader-ready: solution regions, graded check
  cells with points) and the same exercises as a plain module ``exercises.py``;
- ``check(name, function)`` grades a student's function on generated cases against glassnet's
  reference (``glassnet.exercises.reference``) and names the mistake from a bank of known ones
  (``glassnet.exercises.mistakes``): a ``Report``;
- ``train_with(module)`` trains the lecture's cat network with the student's functions next to
  glassnet's own training, from the same initial weights.
"""

from __future__ import annotations

from .grader import Case, ExerciseFailed, Report, check
from .notebook import write
from .training import Comparison, train_with

# (name, points), in the order of the lecture
EXERCISES_AND_POINTS: tuple[tuple[str, int], ...] = (
    ("sigmoid", 1),
    ("relu", 1),
    ("tanh", 1),
    ("sigmoid_backward", 1),
    ("relu_backward", 1),
    ("tanh_backward", 1),
    ("linear_forward", 1),
    ("linear_activation_forward", 2),
    ("L_model_forward", 3),
    ("compute_cost", 2),
    ("linear_backward", 3),
    ("linear_activation_backward", 2),
    ("L_model_backward", 3),
    ("update_parameters", 1),
    ("initialize_parameters_lecun", 1),
    ("initialize_parameters_he", 1),
    ("initialize_parameters_glorot", 1),
    ("normalize", 2),
    ("random_mini_batches", 2),
    ("initialize_velocity", 1),
    ("update_parameters_with_momentum", 2),
)
EXERCISES: list[str] = [name for name, _ in EXERCISES_AND_POINTS]
POINTS: dict[str, int] = dict(EXERCISES_AND_POINTS)
# the exercises whose course solution calls others: a failure there may come from those
CALLS: dict[str, tuple[str, ...]] = {
    "linear_activation_forward": ("linear_forward", "sigmoid", "relu", "tanh"),
    "L_model_forward": ("linear_activation_forward",),
    "linear_activation_backward": (
        "linear_backward", "sigmoid_backward", "relu_backward", "tanh_backward",
    ),
    "L_model_backward": ("linear_activation_backward",),
}  # fmt: skip


def check_all(functions) -> dict[str, Report]:
    """``check`` every exercise that ``functions`` (a module, a dict such as ``globals()``, or
    any object with the functions as attributes) defines: {name: Report}, in the lecture's
    order. A failing exercise whose course solution calls a failing one says so (``CALLS``)."""
    found = functions if isinstance(functions, dict) else vars(functions)
    reports = {name: check(name, found[name]) for name in EXERCISES if callable(found.get(name))}
    for name, report in reports.items():
        failing = [c for c in CALLS.get(name, ()) if c in reports and not reports[c].passed]
        if failing and not report.passed and not report.not_implemented:
            report.diagnosis += (f" (it may call {', '.join(failing)}, which fail"
                                 f"{'s' * (len(failing) == 1)}: fix that first)")  # fmt: skip
    return reports


__all__ = [
    "CALLS",
    "EXERCISES",
    "POINTS",
    "Case",
    "Comparison",
    "ExerciseFailed",
    "Report",
    "check",
    "check_all",
    "train_with",
    "write",
]
