"""What is bit-identical and what varies: the demo's training across engines and BLAS threads.

    python -m benchmarks.reproducibility --engine numpy --epochs 25      (one run, JSON out)

``measure()`` runs the demo's network and training (``glassnet.demo.LECTURE`` on the drawn cats,
the demo's data and seed) in fresh subprocesses, once per engine ("numpy", "auto") and
``OPENBLAS_NUM_THREADS`` (1, 2), each twice, and compares the final weights bit for bit (a
SHA-256 of every parameter's bytes), the largest weight difference and the accuracies.
``python -m benchmarks --write-docs`` writes the result to docs/generated/reproducibility.md;
tests/test_docs.py asserts the bit-identical part on a small run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("numpy", "auto")
THREADS = (1, 2)


def train_once(engine: str, epochs: int, n_train: int, n_test: int, seed: int = 0) -> dict:
    """The demo's training (its recipe, data and seed) on ``engine``; what came out of it."""
    import numpy as np

    from glassnet import datasets, demo
    from glassnet.data import Standardizer
    from glassnet.engine import numba_unsupported
    from glassnet.recipe import make_network, make_optimizer
    from glassnet.training import train

    recipe = demo.LECTURE.replace(epochs=epochs, seed=seed)
    images, y, images_test, y_test = datasets.cats(n_train, n_test, seed)
    images_val, y_val = datasets.draw_cats(demo.N_VALIDATION, np.random.default_rng([seed, 2]))
    scaler = Standardizer().fit(datasets.image_features(images))
    X, X_val, X_test = (
        scaler.transform(datasets.image_features(a)) for a in (images, images_val, images_test)
    )
    net = make_network(recipe, demo.N_FEATURES, "classification", 2)
    optimizer = make_optimizer(recipe)
    history = train(
        net, X, y, optimizer, epochs=recipe.epochs, batch_size=recipe.batch_size,
        seed=recipe.seed, validation_data=(X_val, y_val), engine=engine,
    )
    digest = hashlib.sha256()
    for array in net.parameters():
        digest.update(np.ascontiguousarray(array).tobytes())
    used = engine
    if engine == "auto":
        used = "numpy" if numba_unsupported(net, optimizer) else "numba"
    return {
        "engine": engine,
        "engine_used": used,
        "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "sha256": digest.hexdigest(),
        "weights": [np.asarray(a, dtype=np.float64).ravel().tolist() for a in net.parameters()],
        "final_cost": float(history.epoch_costs[-1]),
        "train_accuracy": float(np.mean(net.predict(X) == y)),
        "test_accuracy": float(np.mean(net.predict(X_test) == y_test)),
    }


def run_in_subprocess(engine: str, threads: int, epochs: int, n_train: int, n_test: int) -> dict:
    """``train_once`` in a fresh interpreter with ``OPENBLAS_NUM_THREADS=threads``."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    command = [
        sys.executable, "-m", "benchmarks.reproducibility", "--engine", engine,
        "--epochs", str(epochs), "--n-train", str(n_train), "--n-test", str(n_test),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=900
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _max_difference(a: dict, b: dict) -> float:
    return max(
        max((abs(x - y) for x, y in zip(wa, wb)), default=0.0)
        for wa, wb in zip(a["weights"], b["weights"])
    )


def measure(epochs: int, n_train: int, n_test: int, repeats: int = 2) -> dict:
    """Every (engine, threads) pair ``repeats`` times; the comparisons the docs state."""
    runs = {
        (engine, threads): [
            run_in_subprocess(engine, threads, epochs, n_train, n_test) for _ in range(repeats)
        ]
        for engine in ENGINES
        for threads in THREADS
    }
    rows = []
    for (engine, threads), results in runs.items():
        first = results[0]
        rows.append({
            "engine": engine,
            "engine_used": first["engine_used"],
            "threads": threads,
            "repeats_identical": all(r["sha256"] == first["sha256"] for r in results),
            "sha256": first["sha256"][:12],
            "final_cost": first["final_cost"],
            "train_accuracy": first["train_accuracy"],
            "test_accuracy": first["test_accuracy"],
        })
    base = runs[(ENGINES[0], THREADS[0])][0]
    for row in rows:
        other = runs[(row["engine"], row["threads"])][0]
        row["max_weight_difference"] = _max_difference(base, other)
    accuracies = [row["test_accuracy"] for row in rows]
    return {
        "epochs": epochs,
        "n_train": n_train,
        "n_test": n_test,
        "repeats": repeats,
        "rows": rows,
        "test_accuracy_spread": max(accuracies) - min(accuracies),
        "train_accuracy_spread": max(r["train_accuracy"] for r in rows)
        - min(r["train_accuracy"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="numpy")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--n-train", type=int, default=3000)
    parser.add_argument("--n-test", type=int, default=600)
    args = parser.parse_args()
    print(json.dumps(train_once(args.engine, args.epochs, args.n_train, args.n_test)))


if __name__ == "__main__":
    main()
