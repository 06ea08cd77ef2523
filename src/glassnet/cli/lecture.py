"""``glassnet lecture``: run the lecture's experiments and write the report (``--notebook``: as a
Jupyter notebook); exit status 1 when a claim is not confirmed."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_NOT_CONFIRMED, check_folder, optional_module


def run(args) -> int:
    lecture = optional_module("lecture", "lecture", "demo")
    if args.notebook is not None:  # the report as a Jupyter notebook, outputs stored
        check_folder(args.notebook)
        results = lecture.write_notebook(Path(args.notebook), args.only)
    else:
        results = lecture.report(Path(args.out), args.only)
    return 0 if all(bool(r["verdict"]) for r in results) else EXIT_NOT_CONFIRMED
