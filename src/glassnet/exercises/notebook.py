"""Writing the exercises: a Jupyter notebook for nbgrader and the same as a plain Python module.

``write(folder)`` writes ``exercises.ipynb`` and ``exercises.py``. Per exercise, in the lecture's
order: a markdown cell with the formula, a solution cell (the function's signature and docstring,
the formula and the shapes of every argument and result, then the body) and a check cell::

    report = exercises.check("linear_backward", linear_backward)
    display(report)
    report.require()

The cells carry nbgrader's metadata (schema version 3): solution cells ``solution: true`` with
the body between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (``solutions=True``; the body is
glassnet's reference), or nbgrader's own stub ``raise NotImplementedError()`` in its place
(``solutions=False``, what students get, and what ``nbgrader generate_assignment`` makes of the
solutions); check cells ``grade: true`` with the exercise's points, locked; the other cells
locked. ``report.require()`` raises ``ExerciseFailed`` unless every case passed, shown as one
line: the exercise's score and the diagnosis.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from ..errors import MissingDependencyError
from . import reference

NOTEBOOK, MODULE = "exercises.ipynb", "exercises.py"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # nbgrader's ClearSolutions stub
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

INTRO = """# Backprop and improving neural networks: the exercises

One exercise per formula of the lecture, in its order: the activations and their derivatives,
the forward pass, the cost, the backward pass, gradient descent, initialization, normalization,
mini-batches and momentum. Samples are **columns**, as in the lecture: X has shape (n_0, m),
W[l] (n_l, n_{l-1}), b[l] (n_l, 1); `parameters`, `grads` and `v` are dictionaries with the keys
`"W1"`, `"b1"`, `"dW1"`, `"db1"`, ...

Write each function's body where it says `# YOUR CODE HERE`, then run the check cell below it:
`exercises.check` runs your function on many cases (random shapes, one sample, one unit, large
and tiny values) against glassnet's own solution and names the mistake if there is one. At the
end, your functions train the lecture's cat network next to glassnet's."""

SETUP = """import numpy as np
from IPython.display import display

from glassnet import exercises"""

TRAIN_INTRO = """## Your network trains

`exercises.train_with` trains the lecture's cat network (ReLU hidden layers, a sigmoid output)
on drawn cats with your `L_model_forward`, `L_model_backward` and update functions, from the same
initial weights as glassnet's own training, and shows both test accuracies: with correct
functions they are equal."""

MODULE_HEADER = '''"""Backprop and improving neural networks: the exercises, as a plain module.

Write each function's body where it says "YOUR CODE HERE"; samples are columns, X has shape
(n_0, m). Check them all with `python exercises.py` (or `glassnet check exercises.py`).
"""

import numpy as np
'''

MODULE_FOOTER = '''

if __name__ == "__main__":
    from glassnet import exercises

    for name in exercises.EXERCISES:
        print(exercises.check(name, globals()[name]))
        print()
    try:
        print(exercises.train_with(globals()))
    except exercises.ExerciseFailed as e:
        print(e)
'''


def _parts(name: str) -> tuple[str, str, str]:
    """(signature and docstring, body, the docstring's first paragraph) of a reference function,
    the body dedented by nothing (it keeps its 4 spaces)."""
    source = inspect.getsource(getattr(reference, name)).replace("  # fmt: skip", "")
    function = ast.parse(source).body[0]
    lines = source.rstrip("\n").split("\n")
    docstring_end = function.body[0].end_lineno  # the docstring is the first statement
    head = "\n".join(lines[:docstring_end])
    body = "\n".join(lines[docstring_end:])
    summary = inspect.getdoc(getattr(reference, name)).split("\n\n")[0]
    return head, body, summary


def function_source(name: str, solutions: bool, markers: bool = True) -> str:
    """The exercise's function: its docstring, then the solution (between nbgrader's markers
    when ``markers``) or nbgrader's stub."""
    head, body, _ = _parts(name)
    if not solutions:
        return head + "\n" + "\n".join("    " + line for line in STUB.split("\n"))
    if not markers:
        return f"{head}\n{body}"
    return f"{head}\n    {BEGIN}\n{body}\n    {END}"


def check_source(name: str) -> str:
    return f'report = exercises.check("{name}", {name})\ndisplay(report)\nreport.require()'


def _metadata(grade_id: str, *, solution=False, grade=False, points=0, locked=True) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}  # fmt: skip
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def notebook(solutions: bool = False):
    """The exercises as an nbformat 4 notebook with nbgrader's metadata."""
    try:
        import nbformat
    except ImportError:
        raise MissingDependencyError(
            'writing the exercises as a notebook needs nbformat: pip install "glassnet[notebook]"'
        ) from None
    from . import EXERCISES, POINTS

    v4 = nbformat.v4
    cells = []

    def add(cell, grade_id: str, **meta) -> None:
        cell.id = grade_id.replace("_", "-")
        cell.metadata.update(_metadata(grade_id, **meta))
        cells.append(cell)

    add(v4.new_markdown_cell(INTRO), "intro")
    add(v4.new_code_cell(SETUP), "setup")
    for number, name in enumerate(EXERCISES, start=1):
        _, _, summary = _parts(name)
        points = POINTS[name]
        add(v4.new_markdown_cell(
            f"## {number}. `{name}` ({points} point{'s' * (points != 1)})\n\n{summary}"
        ), f"about_{name}")  # fmt: skip
        add(v4.new_code_cell(function_source(name, solutions)), name, solution=True, locked=False)
        add(v4.new_code_cell(check_source(name)), f"check_{name}", grade=True, points=points)
    add(v4.new_markdown_cell(TRAIN_INTRO), "about_train_with")
    add(v4.new_code_cell("exercises.train_with(globals())"), "train_with")
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })  # fmt: skip
    nbformat.validate(nb)
    return nb


def module_source(solutions: bool = False) -> str:
    """The exercises as a plain Python module (no nbgrader markers); run it to check them all."""
    from . import EXERCISES

    functions = "\n\n\n".join(function_source(name, solutions, markers=False) for name in EXERCISES)
    return f"{MODULE_HEADER}\n\n{functions}\n{MODULE_FOOTER}"


def write(folder: str | Path, solutions: bool = False) -> tuple[Path, Path]:
    """Write ``exercises.ipynb`` and ``exercises.py`` into ``folder`` (created if needed); with
    ``solutions``, glassnet's reference solutions fill the solution regions (the teacher's
    source version for nbgrader). Returns the two paths. The notebook needs nbformat."""
    nb = notebook(solutions)
    import nbformat

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ipynb, py = folder / NOTEBOOK, folder / MODULE
    nbformat.write(nb, str(ipynb))
    py.write_text(module_source(solutions), encoding="utf-8")
    return ipynb, py
