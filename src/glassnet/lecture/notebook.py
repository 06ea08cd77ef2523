"""The lecture as a Jupyter notebook: per claim, its statement, the code that measures it and the
outputs that code printed and drew.

``write_notebook(path)`` runs the experiments (or the ones named in ``only``) and writes an
nbformat 4 notebook: a title cell, a setup cell, then per experiment a markdown cell with the
claim and a code cell that runs it through the public API::

    result = lecture.run("backprop", seed=0)
    display(lecture.summary(result))
    lecture.figure("backprop", result)

stored with its outputs (the summary as HTML and text, the figure as PNG), so the notebook reads
complete before anyone runs it, and a teacher can hand it out for students to rerun and change.
``summary(result)`` is what the cell displays: claim, measurement, verdict and the experiment's
table, as HTML in a notebook and as text elsewhere.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path

from .. import plots
from ..errors import MissingDependencyError
from .reporting import LECTURE, figure, find, run

INTRO = """# The lecture, reproduced

Each section states one claim of the lecture on training deep networks and measures it with
glassnet's own code (`glassnet.lecture.run(name)`), with fixed seeds. The outputs below were
stored when the notebook was written; run a cell to measure again, or change its seed or the
experiment's code (`glassnet/lecture/<name>.py`) and see whether the claim still holds."""

SETUP = """from IPython.display import display

from glassnet import lecture"""


class Summary:
    """One experiment's result for display: claim, what was measured, the verdict and its table
    (``_repr_html_`` in a notebook, ``str`` as text)."""

    def __init__(self, result: dict) -> None:
        self.result = result

    def _verdict(self) -> str:
        return "confirmed" if self.result["verdict"] else "NOT CONFIRMED"

    def __str__(self) -> str:
        r = self.result
        lines = [
            f"{r['title']} [{r['name']}]: {self._verdict()} ({r['seconds']:.1f} s)",
            f"claim:    {r['claim']}",
            f"measured: {r['measured']}",
        ]
        for row in r.get("table") or []:
            lines.append("  " + ", ".join(f"{k}: {v}" for k, v in row.items()))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        r = self.result
        colour = "#1b5e20" if r["verdict"] else "#c62828"
        parts = [
            f"<p><b>Claim.</b> {escape(r['claim'])}</p>",
            f"<p><b>Measured.</b> {escape(r['measured'])}</p>",
            f'<p><b style="color:{colour}">Verdict: {self._verdict()}</b> '
            f"({r['seconds']:.1f} s)</p>",
        ]
        table = r.get("table")
        if table:
            columns = list(table[0])
            head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in columns) + "</tr>"
                for row in table
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        return f'<div class="glassnet-lecture">{"".join(parts)}</div>'


def summary(result: dict) -> Summary:
    """What ``run(name)`` measured, for display: claim, measurement, verdict and table."""
    return Summary(result)


def write_notebook(
    path,
    only: Sequence[str] | str | None = None,
    seed: int = 0,
    echo: Callable[[str], object] = print,
) -> list[dict]:
    """Run the lecture's experiments (those named in ``only``, in the lecture's order, or all)
    and write them as the notebook ``path`` (.ipynb) with their outputs; returns the results.
    Needs nbformat (``pip install "glassnet[notebook]"``) and matplotlib for the figures."""
    try:
        import nbformat
    except ImportError:
        raise MissingDependencyError(
            'writing the lecture as a notebook needs nbformat: pip install "glassnet[notebook]"'
        ) from None
    plots.figure_class()  # fail before any experiment runs when matplotlib is missing
    names = [only] if isinstance(only, str) else only
    wanted = None if names is None else {find(name).name for name in names}
    experiments = [e for e in LECTURE if wanted is None or e.name in wanted]
    path = Path(path)
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell(INTRO), v4.new_code_cell(SETUP, execution_count=1)]
    results = []
    for number, experiment in enumerate(experiments, start=1):
        name = experiment.name
        result = run(name, seed=seed)
        results.append(result)
        shown = summary(result)
        png = plots.figure_png(figure(name, result))
        cells.append(v4.new_markdown_cell(
            f"## {number}. {experiment.title} (`{name}`)\n\n**Claim.** {experiment.claim}"
        ))  # fmt: skip
        source = (
            f'result = lecture.run("{name}", seed={seed})\n'
            "display(lecture.summary(result))\n"
            f'lecture.figure("{name}", result)'
        )
        outputs = [
            v4.new_output(
                "display_data", data={"text/html": shown._repr_html_(), "text/plain": str(shown)}
            ),
            v4.new_output(
                "execute_result",
                data={
                    "image/png": base64.b64encode(png).decode("ascii"),
                    "text/plain": f"<Figure of the {name} experiment>",
                },
                execution_count=number + 1,
            ),
        ]
        cells.append(v4.new_code_cell(source, execution_count=number + 1, outputs=outputs))
        verdict = "confirmed" if result["verdict"] else "NOT CONFIRMED"
        echo(f"[{number}/{len(experiments)}] {name}: {verdict} ({result['seconds']:.1f} s)")
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "glassnet": {"written": time.strftime("%Y-%m-%d"), "seed": seed},
    })  # fmt: skip
    nbformat.validate(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    passed = sum(r["verdict"] for r in results)
    echo(f"{passed} of {len(results)} claims confirmed; notebook: {path}")
    return results
