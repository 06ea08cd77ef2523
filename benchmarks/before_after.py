"""glassnet's own engine before and after a change: the same workloads, the two source trees in
interleaved rounds (before, after; after, before; ...), each round in fresh processes.

    /work/bench-venv/bin/python -m benchmarks.before_after --before 2ffeeb8^ \\
        [--after .] [--rounds 5] [--out benchmarks/before_after.md]

``--before`` is a git revision, checked out into a temporary worktree; ``--after`` a source
tree (this checkout by default). Both run this checkout's workloads and its ``Glassnet`` system
(benchmarks/workloads.py, systems.py) with 2 threads; ``GLASSNET_BLAS=scipy`` keeps the BLAS
the same on both sides, so that only the engine's code differs. A cell is the median over the
rounds of each round's median epoch (samples/s); the ratio is after / before per round, its
median and range.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = "W1,W2,W3,W4,W6,W7,W8,W8d"
CHILD = """
import json, sys
sys.path.insert(0, {root!r})
import numpy as np
from threadpoolctl import threadpool_limits
from benchmarks.systems import Glassnet
from benchmarks.workloads import WORKLOADS, make_data
out = {{}}
with threadpool_limits({threads}):
    for name in {workloads!r}.split(","):
        w = WORKLOADS[name]
        X, y = make_data(w)
        times = np.array(Glassnet("numba").train(w, X, y, 1 + {epochs}))
        out[name] = w.samples / float(np.median(times[1:]))
import glassnet
out["glassnet"] = glassnet.__file__
print(json.dumps(out))
"""


def run_tree(src: Path, workloads: str, epochs: int, threads: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "GLASSNET_BLAS": "scipy",
           **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}  # fmt: skip
    code = CHILD.format(root=str(ROOT), threads=threads, workloads=workloads, epochs=epochs)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{src}: {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result.pop("glassnet").startswith(str(src)), "the other tree's glassnet was imported"
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a git revision")
    parser.add_argument("--after", type=Path, default=ROOT, help="a source tree (default: .)")
    parser.add_argument("--workloads", default=WORKLOADS)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per round")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        try:
            trees = {"before": tree / "src", "after": args.after.resolve() / "src"}
            rates: dict[str, list[dict]] = {"before": [], "after": []}
            loads = []
            for r in range(args.rounds):
                for name in (("before", "after") if r % 2 == 0 else ("after", "before")):
                    time.sleep(1)
                    loads.append(os.getloadavg()[0])
                    rates[name].append(run_tree(trees[name], args.workloads, args.epochs,
                                                args.threads))  # fmt: skip
                    print(f"round {r + 1} {name}: "
                          f"{ {k: round(v) for k, v in rates[name][-1].items()} }", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           check=False, capture_output=True)  # fmt: skip
    lines = [
        f"| workload | before {args.before} (samples/s) | after | after / before: median (range) |",
        "| --- | --- | --- | --- |",
    ]
    for w in args.workloads.split(","):
        before = [x[w] for x in rates["before"]]
        after = [x[w] for x in rates["after"]]
        ratios = [a / b for a, b in zip(after, before)]
        span = f"{min(ratios):.2f}..{max(ratios):.2f}"
        lines.append(f"| {w} | {np.median(before):,.0f} | {np.median(after):,.0f} | "
                     f"{np.median(ratios):.2f} ({span}) |")  # fmt: skip
    lines += ["", f"{args.rounds} interleaved rounds of {args.epochs} epochs after a warm-up, "
              f"{args.threads} threads, GLASSNET_BLAS=scipy on both sides; 1-minute load "
              f"{min(loads):.2f}..{max(loads):.2f}; run at "
              + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())]  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
