"""The workloads of issue 5: binary classification of Gaussian inputs with a fixed labelling.

Every one is float32, ReLU hidden layers, a sigmoid output with binary cross-entropy, and
mini-batch SGD with momentum 0.9 in the lecture's EMA form (V = 0.9 V + 0.1 dW, W = W - lr V),
shuffled every epoch. W5 (inference) reuses the networks of W2 and W3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LR = 0.01
BETA = 0.9


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    sizes: tuple[int, ...]
    batch_size: int
    samples: int

    @property
    def n_parameters(self) -> int:
        """Weights and biases: sum over layers of n_in n_out + n_out."""
        return sum(a * b + b for a, b in zip(self.sizes, self.sizes[1:]))

    def gflop(self, samples_per_second: float) -> float:
        """Achieved GFLOP/s by the usual count: 6 FLOP per parameter per training sample
        (2 forward, 2 for dA, 2 for dW)."""
        return 6 * self.n_parameters * samples_per_second / 1e9


WORKLOADS = {
    "W1": Workload("W1", "cat", (12288, 20, 7, 5, 1), 64, 2048),
    "W2": Workload("W2", "tabular", (30, 64, 64, 1), 32, 20_000),
    "W3": Workload("W3", "wide", (784, 1024, 1024, 1), 256, 8192),
    "W4": Workload("W4", "tiny batch", (100, 100, 1), 1, 3000),
}

# W5: predict_proba latency for one sample and throughput for 10,000, on W2's and W3's networks.
INFERENCE = ("W2", "W3")
INFERENCE_SAMPLES = 10_000


def make_data(workload: Workload, samples: int | None = None, seed: int = 0):
    """X ~ N(0, 1) of shape (m, n_0) in float32 and y = [x . w > 0] for one fixed random w."""
    rng = np.random.default_rng(seed)
    m = workload.samples if samples is None else samples
    X = rng.standard_normal((m, workload.sizes[0]), dtype=np.float32)
    w = np.random.default_rng(1234).standard_normal(workload.sizes[0]).astype(np.float32)
    y = (X @ w > 0).astype(np.float32)
    return X, y
