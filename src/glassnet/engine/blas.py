"""General matrix multiply from compiled code: C = alpha op(A) op(B) + beta C, row-major.

The fused engine calls BLAS's sgemm / dgemm from inside numba-compiled loops, with the alpha and
beta that numpy's ``matmul`` does not expose: ``V = beta V + ((1 - beta) / m) dZ^T A_prev`` is one
call that needs no gradient buffer. The routines are the ones scipy exports for Cython
(``scipy.linalg.cython_blas``), the same that numba's own ``np.dot`` uses. They are bound by a
symbol name (not a raw address baked into the code), so the compiled engine can be cached on disk.

BLAS is column-major; a row-major C (m, n) is a column-major C^T (n, m), and
C^T = alpha op(B)^T op(A)^T + beta C^T is one column-major gemm with A and B swapped.

Like the fused engine's loops, they are compiled without numba's runtime (``_nrt=False``): they
allocate nothing, and so count no references.

numba keys each cached function on its own source file only: after editing this file, delete
engine/__pycache__/*.nbi and *.nbc so that epoch.py's cached epoch is compiled again.
"""

from __future__ import annotations

import llvmlite.binding as llvm
from numba import njit, types
from numba.extending import get_cython_function_address

for _name in ("sgemm", "dgemm", "sgemv", "dgemv"):
    llvm.add_symbol(
        f"glassnet_{_name}", get_cython_function_address("scipy.linalg.cython_blas", _name)
    )

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

    ``scratch_ints`` (int32, 6), ``scratch_chars`` (uint8, 2) and ``scratch`` (C's dtype, 2) hold
    the by-address arguments, so that a call allocates nothing.
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
    # gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) on C^T = op(B)^T op(A)^T
    arguments = (chars, chars + 1, ints, ints + 4, ints + 8, scalars, B.ctypes.data, ints + 12,
                 A.ctypes.data, ints + 16, scalars + size, C.ctypes.data, ints + 20)  # fmt: skip
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
    # gemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy)
    arguments = (chars, ints, ints + 4, scalars, W.ctypes.data, ints, x.ctypes.data, ints + 8,
                 scalars + size, y.ctypes.data, ints + 8)  # fmt: skip
    if size == 4:
        _sgemv(*arguments)
    else:
        _dgemv(*arguments)
