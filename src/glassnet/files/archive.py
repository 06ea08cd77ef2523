"""The safe archive under every glassnet file: a zip of one JSON document and .npy arrays.

Writing is atomic (``atomic_write``): a temporary file in the same folder, flushed and fsynced,
then renamed over the target, so an interrupted save never destroys an existing file. Every
member is stored uncompressed (``write_archive``).

Reading treats the file as hostile. Nothing is executed (no pickle: arrays are read with
``np.lib.format.read_array(..., allow_pickle=False)``, the JSON with ``json.loads``), and nothing
is allocated that the file merely claims: ``check_stored`` refuses compressed members (so reading
never yields more bytes than the file holds: no zip bomb), ``read_json`` and ``read_array`` read
at most the declared size, ``read_array`` checks the .npy header against the declared dtype and
shape and that every value is finite. What a broken archive can raise is ``READ_ERRORS``; the
formats turn it into a ``ModelFileError``.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from numbers import Integral, Real
from pathlib import Path
from tokenize import TokenError  # numpy parses .npy headers with the tokenizer
from typing import IO

import numpy as np

from ..errors import GlassnetError, ModelFileError

MAX_JSON_BYTES = 64 * 2**20  # the JSON document, history of every mini-batch included
NPY_HEADER_ALLOWANCE = 4096  # bytes of .npy header on top of the raw array data


def write_archive(path, json_name: str, text: str, arrays: dict[str, np.ndarray]) -> Path:
    """Write the JSON ``text`` as ``json_name`` and each array as ``<name>.npy`` (little-endian,
    no pickle, stored uncompressed) into a zip at ``path``, atomically."""

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(json_name, text)
            for name, a in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=a.nbytes > 2**30) as member:
                    little_endian = a.astype(a.dtype.newbyteorder("<"), copy=False)
                    np.lib.format.write_array(member, little_endian, allow_pickle=False)

    return atomic_write(path, write)


def atomic_write(path, write: Callable[[IO[bytes]], None]) -> Path:
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file is flushed and fsynced before ``os.replace``, which is atomic on POSIX
    and Windows: a reader (or a crash) sees either the old file or the complete new one, never a
    half-written file. On any error the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise GlassnetError(f"cannot write {path}: the folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        mask = os.umask(0)  # mkstemp makes the file 0600: give it the usual 0666 & ~umask
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)



def check_stored(infos: list[zipfile.ZipInfo], where: str) -> None:
    """glassnet stores members uncompressed, so what is read is never more than the file holds.

    A compressed member could expand far beyond the file's own size (a zip bomb): refused.
    """
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise ModelFileError(
                f"{where}: member {info.filename} is compressed, but glassnet model files store "
                "their members uncompressed; the file was not written by glassnet"
            )



def read_json(archive: zipfile.ZipFile, member_name: str, where: str):
    """The JSON member ``member_name``, read bounded and parsed without NaN or infinity."""
    info = archive.getinfo(member_name)
    if info.file_size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"{where}: {member_name} claims {info.file_size} bytes, more than the limit of "
            f"{MAX_JSON_BYTES}; the file is corrupt or hostile"
        )
    check_stored([info], where)
    with archive.open(info) as member:
        raw = member.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ModelFileError(f"{where}: {member_name} is larger than the limit of {MAX_JSON_BYTES}")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, bad UTF-8, 5000-digit ints
        raise ModelFileError(f"{where}: {member_name} is not valid JSON ({e})") from None



def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed")



def read_array(
    archive: zipfile.ZipFile, name: str, spec: dict, where: str, declared_in: str = "model.json"
) -> np.ndarray:
    """Read one .npy member after checking its header against the dtype and shape that the JSON
    member ``declared_in`` declares for it."""
    dtype, shape = np.dtype(spec["dtype"]).newbyteorder("<"), tuple(spec["shape"])
    limit = nbytes(spec) + NPY_HEADER_ALLOWANCE
    with archive.open(f"{name}.npy") as member:
        raw = member.read(limit + 1)  # bounded, whatever the zip directory claims
    buffer = io.BytesIO(raw)
    try:
        with warnings.catch_warnings():  # a mangled header may warn while numpy parses it
            warnings.simplefilter("ignore")
            version = np.lib.format.read_magic(buffer)
            if version == (1, 0):
                stored_shape, fortran, stored_dtype = np.lib.format.read_array_header_1_0(buffer)
            elif version == (2, 0):
                stored_shape, fortran, stored_dtype = np.lib.format.read_array_header_2_0(buffer)
            else:
                raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, SyntaxError, TypeError, EOFError, RecursionError, TokenError) as e:
        raise ModelFileError(
            f"{where}: member {name}.npy is not a valid .npy array ({e})"
        ) from None
    if stored_dtype != dtype or stored_shape != shape or fortran:
        raise ModelFileError(
            f"{where}: member {name}.npy stores {stored_dtype.str} {stored_shape} but "
            f"{declared_in} declares {dtype.str} {shape}; the file is corrupt"
        )
    if len(raw) != buffer.tell() + nbytes(spec):
        raise ModelFileError(
            f"{where}: member {name}.npy holds {len(raw) - buffer.tell()} bytes of data, but "
            f"shape {shape} needs {nbytes(spec)}; the file is truncated or corrupt"
        )
    array = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    check_finite(array, name, where)
    return array.astype(np.dtype(spec["dtype"]), copy=False)



def nbytes(spec: dict) -> int:
    return int(np.prod(spec["shape"], dtype=np.int64)) * np.dtype(spec["dtype"]).itemsize



def check_finite(array: np.ndarray, name: str, where: str) -> None:
    if not np.isfinite(array).all():
        count = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelFileError(f"{where}: array {name} holds {count} NaN or infinite value(s)")



def is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)



def is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and bool(np.isfinite(value))



# What a broken archive can raise from the zip, zlib, struct and numpy readers.
READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    NotImplementedError,  # unsupported compression method
    RuntimeError,  # encrypted member
    UnicodeDecodeError,
    OverflowError,
)


