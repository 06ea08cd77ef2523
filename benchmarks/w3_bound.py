"""How close W3 can come to the matmul ceiling: its five products alone, back to back through
the engine's own gemm (engine/blas.py, same shapes, transposes, alpha and beta as the epoch),
against the whole epoch, in interleaved rounds.

    /work/bench-venv/bin/python -m benchmarks.w3_bound [--rounds 3]

Printed per batch of 256: the products' milliseconds, the epoch's, and both as GFLOP/s by the
suite's count (6 x parameters x samples/s) and as a fraction of the engine's square-product
ceiling measured in the same process: the products alone bound what the epoch can reach.
"""

from __future__ import annotations

import argparse
import time

from .run import matmul_ceiling  # sets the threads and pins the CPUs before NumPy loads

BATCH = 256  # W3's batch size
import numpy as np  # noqa: E402


def products(batches: int = 32) -> float:
    """Seconds per batch of W3's five products: Z1, Z2, dA1 and the folded V2, V1 updates."""
    from glassnet.engine import blas

    f, rng = np.float32, np.random.default_rng(0)
    X, W1 = rng.standard_normal((256, 784), f), rng.standard_normal((1024, 784), f)
    W2, D2 = rng.standard_normal((1024, 1024), f), rng.standard_normal((256, 1024), f)
    A1, A2, D1 = (np.empty((256, 1024), f) for _ in range(3))
    V1, V2 = np.zeros_like(W1), np.zeros_like(W2)
    scratch = (np.zeros(6, blas.INT), np.zeros(2, np.uint8), np.zeros(2, f))

    def batch():
        blas.gemm(A1, X, W1, False, True, 1.0, 0.0, *scratch)
        blas.gemm(A2, A1, W2, False, True, 1.0, 0.0, *scratch)
        blas.gemm(D1, D2, W2, False, False, 1.0, 0.0, *scratch)
        blas.gemm(V2, D2, A1, True, False, 0.1 / 256, 0.9, *scratch)
        blas.gemm(V1, D1, X, True, False, 0.1 / 256, 0.9, *scratch)

    batch()
    start = time.perf_counter()
    for _ in range(batches):
        batch()
    return (time.perf_counter() - start) / batches


def epoch() -> float:
    """Seconds per batch of a W3 epoch (the median of 4 after a warm-up)."""
    import glassnet as gn

    from .workloads import WORKLOADS, make_data

    w = WORKLOADS["W3"]
    X, y = make_data(w)
    net = gn.Network(list(w.sizes), seed=0, dtype=np.float32)
    history = gn.train(net, X, y, gn.Momentum(), epochs=5, batch_size=w.batch_size)
    return float(np.median(np.diff(history.seconds)[1:])) / (w.samples / w.batch_size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from glassnet.engine import blas

    from .workloads import WORKLOADS

    ceiling = matmul_ceiling()["engine"]
    gflop = WORKLOADS["W3"].gflop(BATCH)  # GFLOP of one batch (its rate at one batch a second)
    rows = {"products alone": [], "whole epoch": []}
    for _ in range(args.rounds):
        rows["products alone"].append(products())
        rows["whole epoch"].append(epoch())
    print(f"W3 per batch of 256 on {blas.LIBRARY}; ceiling {ceiling:.0f} GFLOP/s (the engine's "
          f"gemm, 2048^3); {args.rounds} interleaved rounds")  # fmt: skip
    print("| W3, one batch | ms, median (range) | GFLOP/s (6 x parameters) | of the ceiling |")
    print("| --- | --- | --- | --- |")
    for name, seconds in rows.items():
        s = float(np.median(seconds))
        print(f"| {name} | {s * 1e3:.2f} ({min(seconds) * 1e3:.2f}..{max(seconds) * 1e3:.2f}) "
              f"| {gflop / s:.0f} | {gflop / s / ceiling:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
