"""Two networks trained in two threads at once, against the same two one after the other.

    python benchmarks/threads.py [--workload W2] [--epochs 20] [--repeats 3]

The fused engine's compiled epoch releases Python's interpreter lock (``nogil``), so two threads
that each train their own network (a server's sessions, a threaded joblib or Dask worker) run
on two cores at once. Each run trains two fresh networks of the workload (benchmarks/workloads.py)
with ``gn.train(..., engine="numba")``, BLAS limited to one thread so that each training holds
one core: ``sequential`` trains the first, then the second; ``threads`` trains both at once in
two threads. It prints the median wall seconds of each, the speed-up sequential / threads (2.0
is two cores fully used, 1.0 no parallelism at all) and checks that both ways end with the same
weights. Runs alternate (sequential, threads, ...) so that the machine's load falls on both.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workloads import LR, WORKLOADS, make_data  # noqa: E402


def train(workload, X, y, epochs: int, seed: int):
    import glassnet as gn

    net = gn.Network(list(workload.sizes), output=workload.output, seed=seed, dtype=np.float32)
    optimizer = gn.Adam(lr=workload.lr) if workload.optimizer == "adam" else gn.Momentum(lr=LR)
    gn.train(net, X, y, optimizer, epochs=epochs, batch_size=workload.batch_size, seed=seed,
             engine="numba")  # fmt: skip
    return net


def sequential(workload, X, y, epochs: int) -> tuple[float, list]:
    start = time.perf_counter()
    nets = [train(workload, X, y, epochs, seed) for seed in (0, 1)]
    return time.perf_counter() - start, nets


def in_threads(workload, X, y, epochs: int) -> tuple[float, list]:
    nets: list = [None, None]

    def work(i: int) -> None:
        nets[i] = train(workload, X, y, epochs, i)

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, nets


def measure(workload_name: str = "W2", epochs: int = 20, repeats: int = 3) -> str:
    """The Markdown table and speed-up (see the module's docstring)."""
    from threadpoolctl import threadpool_limits

    import glassnet.engine.fused  # noqa: F401  (its BLAS loaded first, so that the limit reaches it)

    workload = WORKLOADS[workload_name]
    X, y = make_data(workload)
    times: dict[str, list[float]] = {"sequential": [], "threads": []}
    load = os.getloadavg()[0]
    with threadpool_limits(1):
        train(workload, X, y, 1, 0)  # compiled code loaded, buffers' shapes seen
        for _ in range(repeats):
            seconds, reference = sequential(workload, X, y, epochs)
            times["sequential"].append(seconds)
            seconds, nets = in_threads(workload, X, y, epochs)
            times["threads"].append(seconds)
            for a, b in zip(reference, nets):
                for p, q in zip(a.parameters(), b.parameters()):
                    np.testing.assert_array_equal(p, q)  # the same runs, thread or not
    one, two = (float(np.median(times[k])) for k in ("sequential", "threads"))
    return "\n".join([
        "| two networks trained | seconds (median) |",
        "| --- | --- |",
        f"| one after the other | {one:.2f} |",
        f"| in two threads at once | {two:.2f} |",
        "",
        f"Speed-up **{one / two:.2f}** (2.00: both cores busy), and the same weights both ways: "
        f"{workload.name} {list(workload.sizes)}, {epochs} epochs per network, BLAS 1 thread, "
        f"{os.cpu_count()} CPUs, 1-minute load {load:.2f} before and "
        f"{os.getloadavg()[0]:.2f} after (`python benchmarks/threads.py`).",
    ]) + "\n"  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="W2")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(measure(args.workload, args.epochs, args.repeats))


if __name__ == "__main__":
    main()
