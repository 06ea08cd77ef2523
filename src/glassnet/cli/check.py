"""``glassnet check PATH``: grade students' submissions, one table per student.

PATH is a student's module (``alice.py``) or a folder of them. Loading a module runs its code, so
each submission runs in its own Python process with a time limit (``--timeout``): an infinite
loop or a crash fails that submission only. The child process imports the submission, runs
``exercises.check`` on every exercise it defines and prints the reports as JSON after a marker
line (the submission may print anything before). ``--json FILE`` writes {student: {"file",
"error", "exercises": {name: {"score", "passed", "diagnosis"}}}}, a student named by the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..errors import GlassnetError

MARKER = "@@glassnet-check-report@@"
DEFAULT_TIMEOUT_S = 60.0


def submissions(path: str) -> list[Path]:
    """The .py files to grade: PATH itself, or the .py files in the folder PATH, sorted."""
    where = Path(path)
    if where.is_dir():
        found = sorted(p for p in where.glob("*.py") if p.is_file())
        if not found:
            raise GlassnetError(f"the folder {where} holds no .py file to grade")
        return found
    if not where.is_file():
        raise GlassnetError(f"no such file or folder: {where}")
    return [where]


def grade_file(path: Path, timeout: float) -> dict:
    """{"file", "error", "exercises"} of one submission, graded in a child process."""
    package_root = str(Path(__file__).resolve().parents[2])  # the folder holding glassnet/
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p
    ), "MPLBACKEND": "Agg"}  # fmt: skip
    entry = {"file": path.name, "error": None, "exercises": {}}
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from glassnet.cli.check import child; child()",
             str(path.resolve())],
            cwd=path.resolve().parent, env=env, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        entry["error"] = f"did not finish within {timeout:g} s (an infinite loop?)"
        return entry
    if MARKER not in done.stdout:
        lines = [ln for ln in done.stderr.strip().splitlines() if ln.strip()]
        entry["error"] = f"could not be loaded: {lines[-1] if lines else 'no output'}"
        return entry
    entry["exercises"] = json.loads(done.stdout.rsplit(MARKER, 1)[1])
    return entry


def child() -> None:
    """In the child process: load the submission sys.argv[1], grade it, print the JSON."""
    import importlib.util

    from .. import exercises

    path = Path(sys.argv[1])
    spec = importlib.util.spec_from_file_location(f"submission_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as e:  # the student's code: report it, do not crash
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        raise SystemExit(1) from None
    reports = exercises.check_all(module)
    result = {name: {"score": r.score, "passed": r.passed, "diagnosis": r.diagnosis}
              for name, r in reports.items()}  # fmt: skip
    sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


def table(student: str, entry: dict) -> str:
    """One student's table: exercise, score, diagnosis."""
    lines = [f"{student} ({entry['file']})"]
    if entry["error"]:
        return "\n".join([*lines, f"  {entry['error']}: no exercise graded"])
    graded = entry["exercises"]
    if not graded:
        return "\n".join([*lines, "  no exercise found (none of the exercises' functions)"])
    width = max(len("exercise"), *(len(n) for n in graded))
    lines.append(f"  {'exercise':<{width}}  score  diagnosis")
    for name, result in graded.items():
        lines.append(f"  {name:<{width}}  {result['score']:5.2f}  {result['diagnosis']}".rstrip())
    passed = sum(r["passed"] for r in graded.values())
    lines.append(f"  {passed} of {len(graded)} exercises passed")
    return "\n".join(lines)


def run(args) -> int:
    if not args.timeout > 0:
        raise GlassnetError(f"--timeout must be a number of seconds > 0, got {args.timeout}")
    files = submissions(args.path)
    if args.json is not None and not Path(args.json).resolve().parent.is_dir():
        raise GlassnetError(f"cannot write {args.json}: its folder does not exist")
    gradebook = {}
    for path in files:
        entry = grade_file(path, args.timeout)
        gradebook[path.stem] = entry
        print(table(path.stem, entry))
        print()
    if args.json is not None:
        Path(args.json).write_text(json.dumps(gradebook, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0
