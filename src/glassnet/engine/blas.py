"""General matrix multiply from compiled code: C = alpha op(A) op(B) + beta C, row-major.

The fused engine calls BLAS's sgemm / dgemm from inside numba-compiled loops, with the alpha and
beta that numpy's ``matmul`` does not expose: ``V = beta V + ((1 - beta) / m) dZ^T A_prev`` is one
call that needs no gradient buffer. ``bind`` picks the library, the first of:

- Intel's MKL, where the ``mkl`` wheel is installed (``pip install glassnet[mkl]``): faster
  than OpenBLAS on every product of the suite on this project's machines (benchmarks/matmul.py,
  its table in docs/performance.md), and the library PyTorch's CPU build multiplies with;
- NumPy's own OpenBLAS, where NumPy's wheel ships one (``numpy.libs/libscipy_openblas64_*``):
  one BLAS and one thread pool in the process, and a newer OpenBLAS than scipy's, faster on
  the lecture's skinny products;
- the routines scipy exports for Cython (``scipy.linalg.cython_blas``, which numba's own
  ``np.dot`` uses).

``GLASSNET_BLAS=mkl|numpy|scipy`` asks for one (an unknown name, or one not installed, is an
error). ``LIBRARY`` names the one bound, ``INT`` the integer type its routines take (int64 for
NumPy's ILP64 build). They are bound by a symbol name (not a raw address baked into the code),
so the compiled engine can be cached on disk, and compute the same run to float rounding
whichever library it is (tests/test_engine.py, run with each).

BLAS is column-major; a row-major C (m, n) is a column-major C^T (n, m), and
C^T = alpha op(B)^T op(A)^T + beta C^T is one column-major gemm with A and B swapped.

Like the fused engine's loops, they are compiled without numba's runtime (``_nrt=False``): they
allocate nothing, and so count no references.

numba keys each cached function on its own source file only: after editing this file, delete
engine/__pycache__/*.nbi and *.nbc so that epoch.py's cached epoch is compiled again.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import os
from pathlib import Path

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address

from ..errors import GlassnetError

ROUTINES = ("sgemm", "dgemm", "sgemv", "dgemv")


def _addresses(path, symbol: str) -> dict[str, int] | None:
    """The addresses of ROUTINES in the shared library at ``path`` (``symbol`` formats a
    routine's name into the library's), or None where it cannot be loaded."""
    try:
        library = ctypes.CDLL(str(path))  # a library already loaded gives the same handle
        return {name: ctypes.cast(getattr(library, symbol.format(name)), ctypes.c_void_p).value
                for name in ROUTINES}  # fmt: skip
    except (OSError, AttributeError):
        return None


def mkl() -> dict[str, int] | None:
    """MKL's Fortran routines (LP64: 32-bit integers) from the ``mkl`` wheel's libmkl_rt."""
    try:
        files = importlib.metadata.files("mkl") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    path = next((f.locate() for f in files if f.name.startswith("libmkl_rt.so")), None)
    return None if path is None else _addresses(path, "{}_")


def numpy_openblas() -> dict[str, int] | None:
    """The OpenBLAS that NumPy's wheel ships (ILP64: its symbols ``scipy_<name>_64_``)."""
    shipped = sorted((Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas64_*"))
    return _addresses(shipped[0], "scipy_{}_64_") if shipped else None


def scipy_openblas() -> dict[str, int]:
    return {name: get_cython_function_address("scipy.linalg.cython_blas", name)
            for name in ROUTINES}  # fmt: skip


LIBRARIES = {  # name -> (what it is, its integer type, its routines or None)
    "mkl": ("Intel MKL (the mkl wheel, LP64)", np.int32, mkl),
    "numpy": ("NumPy's OpenBLAS (numpy.libs, ILP64)", np.int64, numpy_openblas),
    "scipy": ("scipy's OpenBLAS (scipy.linalg.cython_blas)", np.int32, scipy_openblas),
}


def bind(name: str = "") -> tuple[str, type]:
    """Bind the engine's ``glassnet_<routine>`` symbols to the library ``name`` (or the first
    of LIBRARIES present); return its description and integer type."""
    names = [name] if name else list(LIBRARIES)
    if name and name not in LIBRARIES:
        raise GlassnetError(f"GLASSNET_BLAS={name!r}: choose one of {', '.join(LIBRARIES)}")
    for candidate in names:
        what, integer, find = LIBRARIES[candidate]
        addresses = find()
        if addresses is not None:
            for routine, address in addresses.items():
                llvm.add_symbol(f"glassnet_{routine}", address)
            return what, integer
    raise GlassnetError(f"GLASSNET_BLAS={name!r}: {LIBRARIES[name][0]} is not installed")


LIBRARY, INT = bind(os.environ.get("GLASSNET_BLAS", "").strip().lower())

# Fortran BLAS passes every argument by address; an address is an intp on every ABI numba targets.
_P = types.intp
_signature = types.void(_P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P)
_sgemm = types.ExternalFunction("glassnet_sgemm", _signature)
_dgemm = types.ExternalFunction("glassnet_dgemm", _signature)
_gemv_signature = types.void(_P, _P, _P, _P, _P, _P, _P, _P, _P, _P, _P)
_sgemv = types.ExternalFunction("glassnet_sgemv", _gemv_signature)
_dgemv = types.ExternalFunction("glassnet_dgemv", _gemv_signature)


@njit(cache=True, _nrt=False)
def gemm(C, A, B, transpose_a, transpose_b, alpha, beta, scratch_ints, scratch_chars, scratch):
    """C = alpha op(A) op(B) + beta C for C-contiguous 2-D arrays; op(X) is X or X^T.

    ``scratch_ints`` (``INT``, 6), ``scratch_chars`` (uint8, 2) and ``scratch`` (C's dtype, 2)
    hold the by-address arguments, so that a call allocates nothing.
    """
    m, n = C.shape
    k = A.shape[0] if transpose_a else A.shape[1]
    scratch_chars[0] = ord("T") if transpose_b else ord("N")
    scratch_chars[1] = ord("T") if transpose_a else ord("N")
    scratch_ints[0] = n
    scratch_ints[1] = m
    scratch_ints[2] = k
    scratch_ints[3] = B.shape[1]
    scratch_ints[4] = A.shape[1]
    scratch_ints[5] = C.shape[1]
    scratch[0] = alpha
    scratch[1] = beta
    ints = scratch_ints.ctypes.data
    chars = scratch_chars.ctypes.data
    scalars = scratch.ctypes.data
    size = scratch.itemsize
    i = scratch_ints.itemsize
    # gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) on C^T = op(B)^T op(A)^T
    arguments = (chars, chars + 1, ints, ints + i, ints + 2 * i, scalars, B.ctypes.data,
                 ints + 3 * i, A.ctypes.data, ints + 4 * i, scalars + size, C.ctypes.data,
                 ints + 5 * i)  # fmt: skip
    if size == 4:
        _sgemm(*arguments)
    else:
        _dgemm(*arguments)


@njit(cache=True, _nrt=False)
def gemv(y, W, x, transpose, scratch_ints, scratch_chars, scratch):
    """y = W x, or y = W^T x with ``transpose``, for a C-contiguous W (n_out, n_in): one sample
    through a layer, where gemm would pack all of W for a single row."""
    n_out, n_in = W.shape
    # column-major, W is W^T (n_in, n_out): W x = op(W^T)^T x needs "T", W^T x needs "N"
    scratch_chars[0] = ord("N") if transpose else ord("T")
    scratch_ints[0] = n_in
    scratch_ints[1] = n_out
    scratch_ints[2] = 1
    scratch[0] = 1.0
    scratch[1] = 0.0
    ints = scratch_ints.ctypes.data
    chars = scratch_chars.ctypes.data
    scalars = scratch.ctypes.data
    size = scratch.itemsize
    i = scratch_ints.itemsize
    # gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
    arguments = (chars, ints, ints + i, scalars, W.ctypes.data, ints, x.ctypes.data, ints + 2 * i,
                 scalars + size, y.ctypes.data, ints + 2 * i)  # fmt: skip
    if size == 4:
        _sgemv(*arguments)
    else:
        _dgemv(*arguments)
