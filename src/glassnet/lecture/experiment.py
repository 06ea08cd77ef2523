"""One experiment of the lecture report: a claim, the code that measures it, and its figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Experiment:
    """One claim of the lecture, reproduced.

    ``name``: the short name that ``run(name)`` and ``glassnet lecture --only`` take, also the
    name of its PNG. ``title``: the heading in the report. ``claim``: the lecture's statement, in
    one sentence. ``run(seed)``: measures, and returns the numbers with ``measured`` (the
    numbers that test the claim, in one line) and ``verdict`` (computed from the numbers, never
    written in), optionally ``table`` (rows for the report) and ``curves`` (what the figure
    draws). ``figure(fig, result)``: draws ``result`` on a matplotlib ``Figure``.
    """

    name: str
    title: str
    claim: str
    run: Callable[[int], dict]
    figure: Callable[[Any, dict], None]
