"""The workloads of issues 5, 15 and 25: Gaussian inputs with a fixed labelling.

W0 is the lecture's own example: the cat network [12288, 20, 7, 5, 1] trained full batch on
m = 209 rows (the course's cat set) with gradient descent (lr 0.0075), the rows in their order,
as the course's loop trains it, in float32 (W0) and float64 (W0d). The others are float32 with
ReLU hidden layers, shuffled every epoch. W1-W4 (issue 5): a sigmoid
output with binary cross-entropy and mini-batch SGD with momentum 0.9 in the lecture's EMA form
(V = 0.9 V + 0.1 dW, W = W - lr V). W6-W8 (issue 15): a softmax output over 10 classes with
cross-entropy, or an identity output with mean squared error, trained with Adam (lr 1e-3);
W8d is W8 with dropout 0.2, run by glassnet alone. W5 (inference) reuses the networks of W2
and W3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LR = 0.01
BETA = 0.9
ADAM_LR = 1e-3
COURSE_LR = 0.0075  # the course's gradient descent on the cats


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    sizes: tuple[int, ...]
    batch_size: int
    samples: int
    output: str = "sigmoid"  # sigmoid (binary), softmax (10 classes) or identity (regression)
    optimizer: str = "momentum"  # momentum (lr LR, beta BETA), adam (ADAM_LR) or gd (COURSE_LR)
    dropout: float = 0.0
    peers: bool = True  # False: glassnet's own row only
    dtype: str = "float32"
    epochs: int = 0  # epochs timed per round (0: the suite's --repeats)

    @property
    def lr(self) -> float:
        return {"adam": ADAM_LR, "gd": COURSE_LR}.get(self.optimizer, LR)

    @property
    def shuffle(self) -> bool:
        """Whether the rows are shuffled every epoch: not when one batch is the whole set (the
        course's full-batch loop takes them in their order)."""
        return self.batch_size < self.samples

    @property
    def n_parameters(self) -> int:
        """Weights and biases: sum over layers of n_in n_out + n_out."""
        return sum(a * b + b for a, b in zip(self.sizes, self.sizes[1:]))

    def gflop(self, samples_per_second: float) -> float:
        """Achieved GFLOP/s by the usual count: 6 FLOP per parameter per training sample
        (2 forward, 2 for dA, 2 for dW)."""
        return 6 * self.n_parameters * samples_per_second / 1e9


WORKLOADS = {
    "W0": Workload("W0", "the lecture's cats, full batch, gd", (12288, 20, 7, 5, 1), 209, 209,
                   optimizer="gd", epochs=100),
    "W0d": Workload("W0d", "W0 in float64", (12288, 20, 7, 5, 1), 209, 209, optimizer="gd",
                    dtype="float64", epochs=100),
    "W1": Workload("W1", "cat", (12288, 20, 7, 5, 1), 64, 2048),
    "W2": Workload("W2", "tabular", (30, 64, 64, 1), 32, 20_000),
    "W3": Workload("W3", "wide", (784, 1024, 1024, 1), 256, 8192),
    "W4": Workload("W4", "tiny batch", (100, 100, 1), 1, 3000),
    "W6": Workload("W6", "softmax adam", (64, 128, 64, 10), 32, 20_000, "softmax", "adam"),
    "W7": Workload("W7", "regression adam", (30, 64, 64, 1), 32, 20_000, "identity", "adam"),
    "W8": Workload("W8", "wide softmax adam", (784, 256, 256, 10), 128, 8192, "softmax", "adam"),
    "W8d": Workload("W8d", "W8 + dropout 0.2", (784, 256, 256, 10), 128, 8192, "softmax", "adam",
                    dropout=0.2, peers=False),  # fmt: skip
}

# W5: predict_proba latency for one sample and throughput for 10,000, on W2's and W3's networks.
INFERENCE = ("W2", "W3")
INFERENCE_SAMPLES = 10_000


def make_data(workload: Workload, samples: int | None = None, seed: int = 0):
    """X ~ N(0, 1) of shape (m, n_0) in float32 and, for one fixed random w (or W): y = [x . w > 0]
    (sigmoid), the class argmax_k (x W)_k as an integer (softmax), x . w / sqrt(n_0) (identity)."""
    rng = np.random.default_rng(seed)
    m = workload.samples if samples is None else samples
    n = workload.sizes[0]
    X = rng.standard_normal((m, n), dtype=np.float32).astype(workload.dtype, copy=False)
    fixed = np.random.default_rng(1234)
    if workload.output == "softmax":
        W = fixed.standard_normal((n, workload.sizes[-1])).astype(np.float32)
        return X, (X @ W).argmax(axis=1).astype(np.int64)
    w = fixed.standard_normal(n).astype(np.float32)
    if workload.output == "identity":
        return X, (X @ w / np.float32(np.sqrt(n))).astype(np.float32)
    return X, (X @ w > 0).astype(workload.dtype)
