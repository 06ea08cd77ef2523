"""Matrix kernels on the suite's shapes, and what two BLAS libraries in one process cost.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /work/bench-venv/bin/python -m benchmarks.matmul \\
        [--rounds 3] [--threads 2] [--quick] [--out FILE]

GFLOP/s (2 m k n / s) of C = op(A) op(B) in the layouts training has (W3 at batch 256, W5's 10k
rows, W0's cat network, a 2048^3 ceiling) for NumPy (np.matmul, its OpenBLAS), scipy (its own
OpenBLAS), BLIS (``pip install blis``) and MKL (``pip install
mkl``), each checked against NumPy's C first; a library that does not load is reported with the
reason. A number is the best of several calls; a round runs every library on a shape before the
next shape; tables give the median over rounds and the range. One BLAS: glassnet's engine with
both OpenBLAS pools at --threads against NumPy's pool at one thread (scipy's at --threads), per
epoch from History.seconds. --quick (one round, few calls) shows that it runs: not a measurement.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.metadata as md
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# First: benchmarks.run sets OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS from --threads and pins the
# process to that many CPUs before NumPy is imported.
from .run import blas_info, cpu_model

SETTLE_S = 0.2  # a pause before each library, so that the previous one's pool is asleep
import numpy as np  # noqa: E402

Call = Callable[[], object]
Binder = Callable[[np.ndarray, np.ndarray, np.ndarray, bool, bool], Call]


@dataclass(frozen=True)
class Product:
    """C (m, n) = op(A) op(B); A is stored (k, m) when trans_a, B (n, k) when trans_b."""

    label: str
    group: str
    m: int
    k: int
    n: int
    trans_a: bool = False
    trans_b: bool = False
    dtype: type = np.float32

    def operands(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(0)
        a = rng.standard_normal((self.k, self.m) if self.trans_a else (self.m, self.k))
        b = rng.standard_normal((self.n, self.k) if self.trans_b else (self.k, self.n))
        return a.astype(self.dtype), b.astype(self.dtype), np.empty((self.m, self.n), self.dtype)


W3, W5 = "W3 training step (5 products)", "W5 prediction (2 products)"
PRODUCTS = [
    Product("Z1 = X W1^T", W3, 256, 784, 1024, trans_b=True),
    Product("Z2 = A1 W2^T", W3, 256, 1024, 1024, trans_b=True),
    Product("dW2 = dZ2^T A1", W3, 1024, 256, 1024, trans_a=True),
    Product("dA1 = dZ2 W2", W3, 256, 1024, 1024),
    Product("dW1 = dZ1^T X", W3, 1024, 256, 784, trans_a=True),
    Product("X W1^T", W5, 10000, 784, 1024, trans_b=True),
    Product("A1 W2^T", W5, 10000, 1024, 1024, trans_b=True),
    *(Product(label, f"W0 cat, m=209, {np.dtype(t).name}", m, k, n, ta, tb, t)
      for t in (np.float32, np.float64)
      for label, m, k, n, ta, tb in (("Z1 = X W1^T", 209, 12288, 20, False, True),
                                     ("dW1 = dZ1^T X", 20, 209, 12288, True, False))),
    Product("C = A B", "ceiling, float32", 2048, 2048, 2048),
]  # fmt: skip


# ---- the libraries: a loader returns (binder, how it is called) or raises the reason ----------


def _numpy(threads: int) -> tuple[Binder, str]:
    def bind(a, b, c, ta, tb):
        A, B = (a.T if ta else a), (b.T if tb else b)
        return lambda: np.matmul(A, B, out=c)

    return bind, f"numpy {np.__version__}: np.matmul(A, B, out=C) on transposed views"


def _scipy(threads: int) -> tuple[Binder, str]:
    import scipy
    from scipy.linalg import blas

    def bind(a, b, c, ta, tb):
        f = blas.sgemm if c.dtype == np.float32 else blas.dgemm
        return lambda: f(1.0, b.T, a.T, beta=0.0, c=c.T, trans_a=tb, trans_b=ta, overwrite_c=1)

    return bind, (f"scipy {scipy.__version__}: scipy.linalg.blas.?gemm(1, B.T, A.T, c=C.T, "
                  "trans_a=tb, trans_b=ta, overwrite_c=1) on Fortran-ordered views")  # fmt: skip


def _blis(threads: int) -> tuple[Binder, str]:
    import blis.cy
    import blis.py

    lib = ctypes.CDLL(blis.cy.__file__)  # the BLIS that blis.py.gemm calls, linked in statically
    lib.bli_info_get_version_str.restype = ctypes.c_char_p
    if threaded := lib.bli_info_get_enable_threading():
        lib.bli_thread_set_num_threads(ctypes.c_int64(threads))
    i, d, v = ctypes.c_int64, ctypes.c_double, ctypes.c_void_p

    def bind(a, b, c, ta, tb):
        if c.dtype == np.float32:
            return lambda: blis.py.gemm(a, b, out=c, trans1=ta, trans2=tb, alpha=1.0, beta=0.0)
        args = (8 * ta, 8 * tb, i(c.shape[0]), i(c.shape[1]), i(b.shape[1 if tb else 0]),
                ctypes.byref(d(1.0)), v(a.ctypes.data), i(a.shape[1]), i(1), v(b.ctypes.data),
                i(b.shape[1]), i(1), ctypes.byref(d(0.0)), v(c.ctypes.data), i(c.shape[1]), i(1))
        return lambda: lib.bli_dgemm(*args)  # fmt: skip

    return bind, (
        f"blis {md.version('blis')} (BLIS {lib.bli_info_get_version_str().decode()}): "
        "blis.py.gemm(A, B, out=C, trans1, trans2, beta=0) in float32; bli_dgemm through ctypes "
        "in float64, where blis.py.gemm sizes the product from the untransposed shapes (wrong "
        "with trans1/trans2); " + (f"{threads} threads" if threaded else "single-threaded build")
    )


def _mkl(threads: int) -> tuple[Binder, str]:
    files = [f for f in md.files("mkl") or () if f.name.startswith("libmkl_rt.so")]
    if not files:
        raise OSError("the mkl wheel has no libmkl_rt.so")
    lib = ctypes.CDLL(str(files[0].locate()))
    lib.MKL_Set_Num_Threads(threads)
    version = ctypes.create_string_buffer(256)
    lib.MKL_Get_Version_String(version, 256)
    i, v = ctypes.c_int, ctypes.c_void_p  # layout, trans a, trans b, m, n, k, alpha, a, lda, ...
    for f, real in ((lib.cblas_sgemm, ctypes.c_float), (lib.cblas_dgemm, ctypes.c_double)):
        f.argtypes = [i, i, i, i, i, i, real, v, i, v, i, real, v, i]

    def bind(a, b, c, ta, tb):
        f = lib.cblas_sgemm if c.dtype == np.float32 else lib.cblas_dgemm
        args = (101, 111 + ta, 111 + tb, *c.shape, b.shape[1 if tb else 0], 1.0, a.ctypes.data,
                a.shape[1], b.ctypes.data, b.shape[1], 0.0, c.ctypes.data, c.shape[1])
        return lambda: f(*args)  # fmt: skip

    name = version.value.decode().split(" for ")[0]
    return bind, (f"mkl {md.version('mkl')} ({name}): cblas_?gemm(CblasRowMajor, ...) through "
                  f"ctypes, MKL_Set_Num_Threads({threads}): {lib.MKL_Get_Max_Threads()} threads")


LIBRARIES = {"numpy": _numpy, "scipy": _scipy, "blis": _blis, "mkl": _mkl}


# ---- the measurements -------------------------------------------------------------------------


def best_seconds(call: Call, calls: int, min_s: float) -> float:
    """The fastest of at least ``calls`` calls, and more (up to 50) until ``min_s`` s are spent."""
    best, spent, done = float("inf"), 0.0, 0
    while done < calls or (spent < min_s and done < 50):
        start = time.perf_counter()
        call()
        seconds = time.perf_counter() - start
        best, spent, done = min(best, seconds), spent + seconds, done + 1
    return best


def measure_kernels(libraries: dict[str, Binder], rounds: int, calls: int, min_s: float,
                    settle: float) -> dict[tuple[Product, str], list[float] | str]:  # fmt: skip
    """Seconds of each (product, library) in each round, or why the library's C is wrong."""
    out: dict[tuple[Product, str], list[float] | str] = {}
    operands = {p: p.operands() for p in PRODUCTS}
    for p, (a, b, c) in operands.items():
        np.matmul(a.T if p.trans_a else a, b.T if p.trans_b else b, out=c)
        reference, tol = c.copy(), (1e-4 if p.dtype == np.float32 else 1e-10)
        scale = float(np.abs(reference).max())
        for name, bind in libraries.items():
            c.fill(np.nan)
            result = bind(a, b, c, p.trans_a, p.trans_b)()
            if isinstance(result, np.ndarray) and not np.shares_memory(result, c):
                out[(p, name)] = "copied C"
            elif not np.allclose(c, reference, rtol=tol, atol=tol * scale):
                out[(p, name)] = f"wrong ({float(np.abs(c - reference).max()) / scale:.1e})"
    names = list(libraries)
    for r in range(rounds):
        for p, (a, b, c) in operands.items():
            for name in names[r % len(names):] + names[:r % len(names)]:
                if not isinstance(out.get((p, name)), str):
                    time.sleep(settle)
                    call = libraries[name](a, b, c, p.trans_a, p.trans_b)
                    out.setdefault((p, name), []).append(best_seconds(call, calls, min_s))  # type: ignore
        print(f"round {r + 1}/{rounds} done, 1-minute load {os.getloadavg()[0]:.2f}")
    return out


def engine_epochs(case: str, epochs: int, rows: int) -> list[float]:
    """Seconds of each epoch after the first of one gn.train run of ``case`` (W0 or W3)."""
    import glassnet as gn

    if case == "W0":
        net = gn.Network([12288, 20, 7, 5, 1], seed=0, dtype=np.float32)
        optimizer, batch, shape = gn.GradientDescent(lr=0.0075), None, (209, 12288)
    else:
        net = gn.Network([784, 1024, 1024, 1], seed=0, dtype=np.float32)
        optimizer, batch, shape = gn.Momentum(), 256, (rows, 784)
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, 2, shape[0]).astype(np.float32)
    history = gn.train(net, X, y, optimizer, epochs=epochs, batch_size=batch, engine="numba")
    return list(np.diff(history.seconds))


SETTINGS = ("both OpenBLAS pools at --threads", "NumPy's pool at 1, scipy's at --threads")


def measure_one_blas(threads: int, rounds: int, quick: bool) -> dict[tuple[str, str], list[float]]:
    """Per-epoch seconds of the engine with both OpenBLAS pools at ``threads`` and with NumPy's
    at 1 (scipy's, the engine's, still at ``threads``), the settings alternating."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    blas = controller.select(user_api="blas")
    numpy_blas = [i["filepath"] for i in blas.info() if "numpy.libs" in i["filepath"]]
    if not numpy_blas or len(blas.lib_controllers) < 2:
        raise RuntimeError(f"not two BLAS libraries, NumPy's among them: {blas.info()}")
    cases = {"W0": (10 if quick else 60, 209), "W3": (3 if quick else 6, 2048 if quick else 8192)}
    out: dict[tuple[str, str], list[float]] = {}
    for case, (epochs, rows) in cases.items():
        engine_epochs(case, 2, min(rows, 512))  # compiled, or loaded from numba's cache
        for r in range(rounds):
            for setting in SETTINGS[:: 1 if r % 2 == 0 else -1]:
                ones = 1 if setting == SETTINGS[1] else threads
                with blas.limit(limits=threads), controller.select(
                    filepath=numpy_blas
                ).limit(limits=ones):  # fmt: skip
                    out.setdefault((case, setting), []).extend(engine_epochs(case, epochs, rows))
    return out


# ---- the report -------------------------------------------------------------------------------


def _range(values: list[float], scale: float = 1.0, fmt: str = ".0f") -> str:
    v = np.asarray(values) * scale
    return f"{np.median(v):{fmt}} ({v.min():{fmt}}..{v.max():{fmt}})"


def kernel_table(seconds: dict, names: list[str]) -> list[str]:
    """Products by group, GFLOP/s per library, a group's total (its FLOP / its summed seconds)."""
    lines = ["| product (m x k x n) | " + " | ".join(names) + " | best / numpy |",
             "|" + " --- |" * (len(names) + 2)]  # fmt: skip
    for group in dict.fromkeys(p.group for p in PRODUCTS):
        members = [p for p in PRODUCTS if p.group == group]
        rows = [(f"{p.label} ({p.m} x {p.k} x {p.n})", [p]) for p in members]
        rows += [(f"**{group.split(' (')[0]}, all**", members)] if len(members) > 1 else []
        lines.append(f"| *{group}* |" + " |" * (len(names) + 1))
        for label, ps in rows:
            cells, medians = [], {}
            for name in names:
                per = [seconds.get((p, name), "-") for p in ps]
                if bad := next((s for s in per if isinstance(s, str)), None):
                    cells.append(bad)
                    continue
                flop = sum(2.0 * p.m * p.k * p.n for p in ps)
                rates = [flop / sum(s[r] for s in per) / 1e9 for r in range(len(per[0]))]
                medians[name] = float(np.median(rates))
                cells.append(_range(rates, fmt=".1f" if max(rates) < 10 else ".0f"))
            best = max(medians, key=medians.get) if "numpy" in medians else None
            ratio = f"{medians[best] / medians['numpy']:.2f} ({best})" if best else "-"
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    return lines


def report(seconds: dict, names: list[str], one_blas: dict, machine: list[str]) -> str:
    lines = ["## GFLOP/s of the suite's products (median (min..max) over rounds)", ""]
    lines += kernel_table(seconds, names)
    lines += ["", "## One BLAS: glassnet's engine, ms per epoch (median (min..max))", "",
              f"| run | {SETTINGS[0]} | {SETTINGS[1]} | second / first |",
              "| --- | --- | --- | --- |"]  # fmt: skip
    titles = {"W0": "W0 cat [12288, 20, 7, 5, 1], full batch 209, GD",
              "W3": "W3 [784, 1024, 1024, 1], batch 256, Momentum"}  # fmt: skip
    for case, title in titles.items():
        a, b = (one_blas[(case, s)] for s in SETTINGS)
        lines.append(f"| {title} | {_range(a, 1e3, '.1f')} | {_range(b, 1e3, '.1f')} | "
                     f"{np.median(b) / np.median(a):.3f} |")  # fmt: skip
    return "\n".join([*lines, "", "## Machine", "", *(f"- {m}" for m in machine)]) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="seconds, and not a measurement")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import threadpool_info

    # The one-BLAS probe measures the engine on scipy's OpenBLAS beside NumPy's (two libraries,
    # two pools), what it ran on before engine/blas.py preferred MKL or NumPy's own.
    os.environ["GLASSNET_BLAS"] = "scipy"
    import glassnet.engine.fused  # noqa: F401

    load_before = os.getloadavg()
    pools = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture', '-')}, "
             f"{i['num_threads']} threads) {i['filepath']}" for i in threadpool_info()]  # fmt: skip
    one_blas = measure_one_blas(args.threads, rounds, args.quick)  # before MKL's pools load
    libraries, notes = {}, []
    for name, load in LIBRARIES.items():
        try:
            libraries[name], note = load(args.threads)
        except (ImportError, OSError, AttributeError, md.PackageNotFoundError) as error:
            note = f"{name}: not installed ({type(error).__name__}: {error})"
        notes.append(note)
        print(note)
    calls, min_s, settle = (3, 0.02, 0.0) if args.quick else (3, 0.3, SETTLE_S)
    seconds = measure_kernels(libraries, rounds, calls, min_s, settle)
    installed = {d.metadata["Name"].lower(): d.version for d in md.distributions()}
    versions = [f"{p} {installed.get(p, 'not installed')}"
                for p in ("numpy", "scipy", "numba", "threadpoolctl", "blis", "mkl")]  # fmt: skip
    loads = [", ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg())]
    machine = [
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs, --threads {args.threads}, "
        f"affinity {sorted(os.sched_getaffinity(0))}",
        ", ".join(versions), *notes,
        *(f"after importing numpy, scipy.linalg.cython_blas, glassnet.engine.fused: {p}"
          for p in pools),
        "BLAS pools at the end (MKL loaded): " + "; ".join(blas_info()),
        f"load average (1, 5, 15 min): before {loads[0]}, after {loads[1]}",
        f"{rounds} round(s); a kernel number is the best of >= {calls} calls (and of >= "
        f"{min_s} s of calls, at most 50), {settle} s pause before each; checked against "
        "NumPy's C before timing: allclose(C, C_numpy, rtol, atol=rtol max|C_numpy|), rtol "
        "1e-4 (float32), 1e-10 (float64); a failing cell says 'wrong (max error / max |C|)'",
        "one-BLAS epochs: History.seconds differences, the first epoch of each run dropped",
        *(["--quick: NOT a measurement (one round, few calls, few epochs)"] if args.quick else []),
        "run at " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    ]  # fmt: skip
    text = report(seconds, list(libraries), one_blas, machine)
    print("\n" + text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
