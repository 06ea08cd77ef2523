"""``glassnet lecture``: run the lecture's experiments; exit status 1 when a claim is not
confirmed."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_NOT_CONFIRMED, optional_module


def run(args) -> int:
    lecture = optional_module("lecture", "lecture", "demo")
    results = lecture.report(Path(args.out), args.only)
    return 0 if all(bool(r["verdict"]) for r in results) else EXIT_NOT_CONFIRMED
