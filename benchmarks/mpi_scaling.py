"""Data-parallel scaling over MPI: W3 "wide" ([784, 1024, 1024, 1], batch 256, 8,192 samples).

    python benchmarks/mpi_scaling.py [--ranks 1,2] [--epochs 3] [--out benchmarks/mpi.md]

Launches ``mpirun -n N`` for each N (one BLAS thread per rank when N > 1, the machine's two
threads for N = 1) and reports training samples/s over whole epochs after a warm-up epoch, and
the allreduce time per step. Each rank runs ``gn.train(..., comm=MPI.COMM_WORLD)``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SIZES, BATCH, SAMPLES = [784, 1024, 1024, 1], 256, 8192


def rank_main(epochs: int) -> None:
    import numpy as np
    from mpi4py import MPI

    import glassnet as gn
    from glassnet.distributed import DataParallel

    comm = MPI.COMM_WORLD
    rng = np.random.default_rng(0)
    X = rng.standard_normal((SAMPLES, SIZES[0]), dtype=np.float32)
    y = (X @ rng.standard_normal(SIZES[0]) > 0).astype(np.float32)
    net = gn.Network(SIZES, seed=0)
    engine = DataParallel(comm, net)
    opt = gn.Momentum(lr=0.01, beta=0.9)
    slices = gn.data.batch_slices(SAMPLES, BATCH)
    Y = y.reshape(-1, 1)
    engine.epoch(net, opt, X, Y, rng.permutation(SAMPLES), slices)  # warm-up
    engine.allreduce_seconds = 0.0
    comm.Barrier()
    start = time.perf_counter()
    for _ in range(epochs):
        engine.epoch(net, opt, X, Y, rng.permutation(SAMPLES), slices)
    comm.Barrier()
    seconds = time.perf_counter() - start
    if comm.Get_rank() == 0:
        steps = epochs * len(slices)
        print(
            json.dumps(
                {
                    "ranks": comm.Get_size(),
                    "samples_per_s": epochs * SAMPLES / seconds,
                    "allreduce_ms_per_step": 1e3 * engine.allreduce_seconds / steps,
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranks", default="1,2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rank-main", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_main:
        return rank_main(args.epochs)
    mpirun = shutil.which("mpirun", path=str(Path(sys.executable).parent)) or "mpirun"
    flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    rows = []
    for n in (int(r) for r in args.ranks.split(",")):
        threads = str(max(1, (os.cpu_count() or 1) // n))
        env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
        out = subprocess.run(
            [
                mpirun,
                *flags,
                "-n",
                str(n),
                sys.executable,
                __file__,
                "--rank-main",
                "--epochs",
                str(args.epochs),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]) | {"threads_per_rank": threads})
    base = rows[0]["samples_per_s"]
    lines = [
        "| ranks | BLAS threads per rank | samples/s | speed-up | allreduce per step |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['ranks']} | {r['threads_per_rank']} | {r['samples_per_s']:,.0f} | "
            f"{r['samples_per_s'] / base:.2f} | {r['allreduce_ms_per_step']:.2f} ms |"
        )
    table = "\n".join(lines)
    print(f"W3 {SIZES}, batch {BATCH}, {SAMPLES} samples, load {os.getloadavg()[0]:.2f}\n{table}")
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
