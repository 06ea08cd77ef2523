"""How many rows the compiled prediction takes through every layer at once (fused.BLOCK).

    python benchmarks/block.py [--repeats 3] [--threads 2]

``net.predict_proba(X)`` for the 10,000 samples of W5 on W2's and W3's networks (float32), with
``glassnet.engine.fused.BLOCK`` set to each candidate in turn, the candidates interleaved in
every repeat so that the machine's load falls on all alike. A block small enough for its
activations to stay in cache saves the trips to memory between layers; a block too small pays
BLAS's per-call cost (and W's packing) more often. It prints the median samples/s of each and
its ratio to the whole batch in one block.
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.workloads import INFERENCE, INFERENCE_SAMPLES, WORKLOADS, make_data  # noqa: E402

CANDIDATES = (256, 512, 1024, 2048, 4096, INFERENCE_SAMPLES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    import glassnet as gn
    from glassnet.engine import fused

    results: dict[tuple[str, int], list[float]] = {}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with threadpool_limits(args.threads):
        for name in INFERENCE:
            workload = WORKLOADS[name]
            X, _ = make_data(workload, samples=INFERENCE_SAMPLES, seed=1)
            net = gn.Network(list(workload.sizes), seed=0, dtype=np.float32)
            calls = 20 if workload.n_parameters < 100_000 else 3
            for _ in range(args.repeats):
                for block in CANDIDATES:
                    fused.BLOCK = block
                    net.predict_proba(X)  # buffers for this block
                    call = lambda net=net, X=X: net.predict_proba(X)  # noqa: E731
                    seconds = min(timeit.repeat(call, number=calls, repeat=5)) / calls
                    results.setdefault((name, block), []).append(INFERENCE_SAMPLES / seconds)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print("| network | BLOCK | samples/s | / one block |")
    print("| --- | --- | --- | --- |")
    for name in INFERENCE:
        whole = float(np.median(results[(name, INFERENCE_SAMPLES)]))
        for block in CANDIDATES:
            speed = float(np.median(results[(name, block)]))
            print(f"| {name} | {block} | {speed:,.0f} | {speed / whole:.2f} |")


if __name__ == "__main__":
    main()
