"""engine/blas.py: which BLAS the fused engine binds, and that each computes the same run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
pytest.importorskip("scipy")

from glassnet.engine import blas  # noqa: E402

RUN = """
import json, numpy as np, glassnet as gn
from glassnet.engine import blas, workspace
workspace.BLAS_THRESHOLD = 0  # every layer through gemm (and gemv for one row)
rng = np.random.default_rng(0)
X = rng.standard_normal((40, 12)).astype({dtype})
y = (X[:, 0] > 0).astype({dtype})
out = {{"library": blas.LIBRARY}}
for engine in ("numpy", "numba"):
    net = gn.Network([12, 9, 6, 1], seed=0, dtype={dtype})
    gn.train(net, X, y, gn.Momentum(), epochs=2, batch_size={batch}, engine=engine)
    out[engine] = [p.tolist() for p in net.parameters()]
out["predict"] = net.predict_proba(X[:3]).tolist()
print(json.dumps(out))
"""


def run_with(library: str, dtype: str, batch: int) -> dict:
    env = {**os.environ, "GLASSNET_BLAS": library}
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(dtype=f"np.{dtype}", batch=batch)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def present() -> list[str]:
    return [name for name, (_, _, find) in blas.LIBRARIES.items() if find() is not None]


@pytest.mark.parametrize("dtype,batch", [("float32", 8), ("float64", 1)])
def test_every_installed_library_computes_the_reference_run(dtype, batch):
    """Through each BLAS present (scipy's always; NumPy's own where its wheel ships it; MKL with
    the mkl extra) the fused engine ends where the reference engine does, to rounding: gemm's
    and gemv's integer arguments have the library's width (int32, or int64 for ILP64)."""
    names = present()
    assert "scipy" in names
    tolerance = {"float32": 1e-4, "float64": 1e-10}[dtype]
    predictions = []
    for name in names:
        out = run_with(name, dtype, batch)
        assert out["library"] == blas.LIBRARIES[name][0]
        for a, b in zip(out["numpy"], out["numba"], strict=True):
            np.testing.assert_allclose(b, a, rtol=tolerance, atol=tolerance)
        predictions.append(out["predict"])
    for other in predictions[1:]:
        np.testing.assert_allclose(other, predictions[0], rtol=tolerance)


def test_the_first_library_present_is_bound_and_its_integers_match():
    first = present()[0]
    assert blas.LIBRARY == blas.LIBRARIES[first][0] and blas.INT is blas.LIBRARIES[first][1]
    shipped = list((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas64_*"))
    if shipped:  # a NumPy wheel with its own OpenBLAS: the engine shares it (or MKL's, first)
        assert first in ("mkl", "numpy")


def test_an_unknown_or_absent_library_is_a_clear_error():
    with pytest.raises(Exception, match="choose one of mkl, numpy, scipy"):
        blas.bind("openblas")
    absent = [name for name in blas.LIBRARIES if name not in present()]
    for name in absent:
        with pytest.raises(Exception, match="is not installed"):
            blas.bind(name)
