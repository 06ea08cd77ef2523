"""Run under mpirun by tests/test_distributed.py: train data-parallel, rank 0 saves the weights."""

import sys

import numpy as np
from mpi4py import MPI

import glassnet as gn

out, optimizer_name, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
penalties = {"l2": 0.05, "l1": 0.01} if sys.argv[4:] == ["penalized"] else {}
rng = np.random.default_rng(0)
X = rng.standard_normal((103, 7)).astype(np.float32)  # 103 rows: uneven shards, partial batch
y = (X[:, 0] - X[:, 2] > 0).astype(int)
net = gn.Network([7, 9, 5, 1], hidden="tanh", seed=4, **penalties)
opt = gn.Momentum(lr=0.1, beta=0.9) if optimizer_name == "momentum" else gn.GradientDescent(0.2)
history = gn.train(net, X, y, opt, epochs=4, batch_size=batch_size, seed=5, comm=MPI.COMM_WORLD)
weights = np.concatenate([p.ravel() for p in net.parameters()])
everyone = MPI.COMM_WORLD.gather(weights, root=0)
if MPI.COMM_WORLD.Get_rank() == 0:
    assert all(np.array_equal(w, everyone[0]) for w in everyone), "ranks disagree"
    np.savez(out, weights=weights, costs=np.array(history.costs))
