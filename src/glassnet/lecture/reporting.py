"""The lecture's experiments in order, and what runs, draws and reports them.

``LECTURE`` is the one list of experiments; every name here is read from it. ``run(name)`` runs
one, ``figure(name, result, path)`` draws it (returning the Figure when ``path`` is None), and
``report(out_dir)`` runs them all, writes a PNG per experiment and ``report.md``, and prints the
table "claim / what was measured / verdict".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .. import plots
from ..errors import GlassnetError
from . import (
    activations,
    backprop,
    initialization,
    minibatch,
    momentum,
    normalization,
    optimizers,
    output_layer,
    saturation,
)
from .experiment import Experiment

LECTURE: tuple[Experiment, ...] = (
    backprop.EXPERIMENT,
    output_layer.EXPERIMENT,
    saturation.EXPERIMENT,
    activations.EXPERIMENT,
    normalization.EXPERIMENT,
    initialization.EXPERIMENT,
    minibatch.EXPERIMENT,
    momentum.EXPERIMENT,
    optimizers.EXPERIMENT,
)

EXPERIMENTS: tuple[str, ...] = tuple(experiment.name for experiment in LECTURE)

# Keys of a result that are not measured numbers.
_SUMMARY = ("name", "title", "claim", "measured", "verdict", "seconds", "curves", "table")


def find(name) -> Experiment:
    """The experiment called ``name`` (case and surrounding spaces ignored)."""
    key = name.strip().lower() if isinstance(name, str) else None
    for experiment in LECTURE:
        if experiment.name == key:
            return experiment
    names = ", ".join(experiment.name for experiment in LECTURE)
    raise GlassnetError(f"unknown lecture experiment {name!r}; choose one of: {names}")


def run(name: str, seed: int = 0) -> dict:
    """Run the experiment ``name`` (one of ``EXPERIMENTS``) and return what it measured.

    The dict holds the measured numbers, ``claim``, ``measured``, ``verdict`` (a bool computed
    from the numbers), ``seconds`` (wall time), ``table`` (rows for the report, when the
    experiment has one) and ``curves`` (the arrays its figure draws).
    """
    experiment = find(name)
    start = time.perf_counter()
    measured = experiment.run(int(seed))
    result = {
        "name": experiment.name,
        "title": experiment.title,
        "claim": experiment.claim,
        **measured,
    }
    result["verdict"] = bool(result["verdict"])
    result["seconds"] = time.perf_counter() - start
    return result


def figure(name: str, result: dict, path=None):
    """Draw the figure of experiment ``name`` from its ``result``: save it as the PNG ``path``
    and return the path, or return the Figure (which a notebook shows inline) when ``path`` is
    None."""
    experiment = find(name)
    Figure = plots.figure_class()
    fig = Figure(figsize=(11, 3.8), dpi=90, layout="constrained")
    experiment.figure(fig, result)
    if path is None:
        return fig
    path = Path(path)
    fig.savefig(path)
    return path


def report(
    out_dir: Path, only: str | None = None, echo: Callable[[str], object] = print
) -> list[dict]:
    """Run the experiments (or only the one named), write ``out_dir/<name>.png`` for each and
    ``out_dir/report.md``, print the table "claim / what was measured / verdict", and return
    the results. A failing verdict is reported as failing."""
    experiments = LECTURE if only is None else (find(only),)
    plots.figure_class()  # fail before any experiment runs when matplotlib is missing
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = []
    for number, experiment in enumerate(experiments, start=1):
        name = experiment.name
        result = run(name)
        figure(name, result, out_dir / f"{name}.png")
        results.append(result)
        verdict, seconds = _word(result["verdict"]), result["seconds"]
        echo(f"[{number}/{len(experiments)}] {name}: {verdict} ({seconds:.1f} s)")
    total = time.perf_counter() - start
    (out_dir / "report.md").write_text(_markdown(results, total), encoding="utf-8")
    echo("")
    echo(_text_table(results))
    passed = sum(r["verdict"] for r in results)
    echo(
        f"\n{passed} of {len(results)} claims confirmed in {total:.1f} s; report: "
        f"{out_dir / 'report.md'}"
    )
    return results


# ---- the report's text ----------------------------------------------------------------------


def _word(verdict: bool) -> str:
    return "confirmed" if verdict else "NOT CONFIRMED"


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(_number(v) for v in value) + "]"
    return str(value)


def _markdown(results: list[dict], total: float) -> str:
    lines = [
        "# The lecture, reproduced",
        "",
        f"{sum(r['verdict'] for r in results)} of {len(results)} claims confirmed; "
        f"{len(results)} experiments in {total:.1f} s. Every number below was measured by "
        "glassnet's own code with fixed seeds (`glassnet.lecture.run(name)` returns them).",
        "",
        "| # | claim | what was measured | verdict |",
        "| --- | --- | --- | --- |",
    ]
    for k, r in enumerate(results, start=1):
        lines.append(
            f"| {k} | **{r['title']}**: {_cell(r['claim'])} | {_cell(r['measured'])} "
            f"| {'confirmed' if r['verdict'] else '**NOT CONFIRMED**'} |"
        )
    for k, r in enumerate(results, start=1):
        lines += [
            "",
            f"## {k}. {r['title']} (`{r['name']}`)",
            "",
            f"**Claim.** {r['claim']}",
            "",
            f"**Measured.** {r['measured']}",
            "",
            f"**Verdict: {_word(r['verdict'])}** ({r['seconds']:.1f} s)",
            "",
            f"![{r['title']}]({r['name']}.png)",
        ]
        if r.get("table"):
            columns = list(r["table"][0])
            lines += [
                "",
                "| " + " | ".join(columns) + " |",
                "| " + " | ".join("---" for _ in columns) + " |",
            ]
            lines += [
                "| " + " | ".join(_cell(row[c]) for c in columns) + " |" for row in r["table"]
            ]
        numbers = [(key, value) for key, value in r.items() if key not in _SUMMARY]
        lines += ["", "| number | value |", "| --- | --- |"]
        lines += [f"| {key} | {_cell(_number(value))} |" for key, value in numbers]
    return "\n".join(lines) + "\n"


def _text_table(results: list[dict]) -> str:
    """The table "claim / what was measured / verdict" as plain text for the terminal."""
    rows = []
    for k, r in enumerate(results, start=1):
        rows.append(f"{k}. {r['title']} [{r['name']}]: {_word(r['verdict'])}")
        rows.append(f"   claim:    {r['claim']}")
        rows.append(f"   measured: {r['measured']}")
    return "\n".join(rows)
