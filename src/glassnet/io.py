"""The model file: one ``.glassnet`` file holds everything needed to predict.

A model file is a zip archive (an ``.npz``-style archive) with exactly these members:

    model.json     format name and version, the architecture (``net.config()``), the class
                   labels, the training history, free-form metadata, the glassnet version that
                   wrote it, and for every array its name, dtype and shape
    W1.npy b1.npy  the weights W[l] (n_l, n_{l-1}) and biases b[l] (n_l,) of every layer
    ...            (with batch normalization also gamma1.npy, beta1.npy, running_mean1.npy and
                   running_var1.npy, each (n_l,), for every hidden layer)
    mean.npy       the Standardizer's mu and sigma, when the model has one
    std.npy

Loading treats the file as hostile. It never executes code (no pickle: arrays are read with
``np.lib.format.read_array(..., allow_pickle=False)``, the JSON with ``json.loads``) and never
allocates what the file merely claims: before reading any member it checks the member list, each
member's uncompressed size against a limit derived from the declared shapes and a global cap (a
zip bomb is refused unread), that every member is stored uncompressed (as ``save`` writes them,
so reading never yields more bytes than the file holds), the JSON's types and values, that the
declared shapes agree with each other and with the stored arrays, and that every array is finite.
Every failure is a ``ModelFileError``. An unexpected extra member is refused, not ignored:
glassnet writes exactly the members above, so anything else means another format or a tampered
file.

Saving is atomic (``atomic_write``): a temporary file in the same folder, flushed and fsynced, then
renamed over the target, so an interrupted save never destroys an existing model.
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
from dataclasses import dataclass, field, fields
from numbers import Integral, Real
from pathlib import Path
from tokenize import TokenError  # numpy parses .npy headers with the tokenizer
from typing import IO, Any

import numpy as np

from . import activations, initializers
from .data import Standardizer
from .errors import GlassnetError, ModelFileError
from .losses import FOR_OUTPUT
from .network import Network
from .training import History
from .validation import check_X

FORMAT_NAME = "glassnet-model"
FORMAT_VERSION = 1
SUFFIX = ".glassnet"

# Limits a model file must respect; far above any network glassnet can train in memory.
MAX_JSON_BYTES = 64 * 2**20  # model.json, history of every mini-batch included
MAX_LAYERS = 1_000
MAX_UNITS = 10_000_000  # units in one layer
MAX_PARAMETERS = 500_000_000  # all weights and biases together (2 GB in float32)
MAX_CLASSES = 10_000
MAX_SEED = 2**128
NPY_HEADER_ALLOWANCE = 4096  # bytes of .npy header on top of the raw array data
_DTYPES = ("float32", "float64")
_TOP_LEVEL = {
    "format",
    "format_version",
    "glassnet_version",
    "architecture",
    "standardizer",
    "classes",
    "history",
    "metadata",
    "arrays",
}
_ARCHITECTURE = {"sizes", "hidden", "output", "init", "dtype", "seed"}
_ARCHITECTURE_OPTIONAL = {"l2", "dropout", "batch_norm"}
_NORM_ARRAYS = ("gamma", "beta", "running_mean", "running_var")  # per batch-normalized layer
# What a broken archive can raise from the zip, zlib, struct and numpy readers.
_READ_ERRORS = (
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


@dataclass
class Model:
    """A loaded model: the network and everything needed to feed it and name its outputs.

    ``predict_proba(X_raw)`` applies the standardizer x' = (x - mu) / sigma, then the network:
    the probability of ``classes[1]`` for a sigmoid output, of every class for softmax.
    ``predict(X_raw)`` returns labels from ``classes`` (class indices 0, 1, ... when the model has
    no classes; the network's outputs for regression).
    """

    network: Network
    standardizer: Standardizer | None = None
    classes: np.ndarray | None = None
    history: History | None = None
    version: str = ""
    metadata: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return self.network.n_features

    def transform(self, X_raw) -> np.ndarray:
        """The network's input: X_raw checked against the input layer, then standardized."""
        X = check_X(X_raw, n_features=self.network.n_features)
        return X if self.standardizer is None else self.standardizer.transform(X)

    def predict_proba(self, X_raw) -> np.ndarray:
        """P(y = classes[1] | x) for every row of X_raw, shape (m,); (m, K) for softmax."""
        return self.network.predict_proba(self.transform(X_raw))

    def predict(self, X_raw) -> np.ndarray:
        """The predicted label of every row: classes[1] where P > 0.5, else classes[0]
        (sigmoid); the most probable class (softmax)."""
        indices = self.network.predict(self.transform(X_raw))
        return indices if self.classes is None else self.classes[indices]


# ---- atomic writes --------------------------------------------------------------------------


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


# ---- save -----------------------------------------------------------------------------------


def save(
    path,
    net: Network,
    standardizer: Standardizer | None = None,
    classes=None,
    history: History | None = None,
    metadata: dict | None = None,
) -> Path:
    """Write ``net`` and what it needs to predict to the model file ``path`` (atomically).

    ``classes`` are the original labels, ``classes[0]`` for output 0 and ``classes[1]`` for
    output 1 (e.g. ``["non-cat", "cat"]``); ``metadata`` is any JSON-able dict (training
    configuration, data source, ...). Returns the path. Anything ``load`` would refuse is
    refused here first, so a saved file always loads.
    """
    from . import __version__

    if not isinstance(net, Network):
        raise GlassnetError(f"save needs a glassnet Network, got {type(net).__name__}")
    arrays = {}
    for l, layer in enumerate(net.layers, start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = layer.W, layer.b
        if layer.norm is not None:
            for name in _NORM_ARRAYS:
                arrays[f"{name}{l}"] = getattr(layer.norm, name)
    if standardizer is not None:
        if not isinstance(standardizer, Standardizer) or standardizer.mean_ is None:
            raise GlassnetError("standardizer must be a fitted glassnet Standardizer (or None)")
        arrays["mean"], arrays["std"] = standardizer.mean_, standardizer.std_
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "glassnet_version": __version__,
        "architecture": net.config(),
        "standardizer": standardizer is not None,
        "classes": _classes_to_json(classes),
        "history": None if history is None else history.to_dict(),
        "metadata": {} if metadata is None else metadata,
        "arrays": {
            name: {"dtype": a.dtype.name, "shape": list(a.shape)} for name, a in arrays.items()
        },
    }
    try:
        text = json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise GlassnetError(
            f"cannot save the model: its classes, history or metadata are not plain JSON data "
            f"(numbers, strings, lists, dicts, finite floats): {e}"
        ) from None
    try:  # the same checks as load, so that nothing unloadable is ever written
        _check_document(json.loads(text), "the model to save")
        for name, a in arrays.items():
            _check_finite(a, name, "the model to save")
    except ModelFileError as e:
        raise GlassnetError(str(e)) from None

    def write(f: IO[bytes]) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("model.json", text)
            for name, a in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=a.nbytes > 2**30) as member:
                    little_endian = a.astype(a.dtype.newbyteorder("<"), copy=False)
                    np.lib.format.write_array(member, little_endian, allow_pickle=False)

    return atomic_write(path, write)


def _classes_to_json(classes) -> list | None:
    if classes is None:
        return None
    values = np.asarray(classes)
    if values.ndim != 1:
        raise GlassnetError(f"classes must be a 1-D list of labels, got shape {values.shape}")
    return values.tolist()  # numpy scalars become Python int, float, str, bool


# ---- load -----------------------------------------------------------------------------------


def load(path) -> Model:
    """Read a model file written by ``save``; raise ``ModelFileError`` if it is not one.

    Nothing in the file is executed, and nothing is allocated before the file's declared
    sizes have been checked against the limits and against the sizes actually stored.
    """
    path = Path(path)
    where = str(path)
    try:
        if not path.exists():
            raise ModelFileError(f"model file {where} does not exist; check the path")
        if not path.is_file():
            raise ModelFileError(f"{where} is not a file; give the path of a .glassnet model file")
        if path.stat().st_size == 0:
            raise ModelFileError(f"{where} is empty (0 bytes): it is not a model file")
        with zipfile.ZipFile(path) as archive:
            return _read_model(archive, where)
    except ModelFileError:
        raise
    except OSError as e:
        raise ModelFileError(f"cannot read the model file {where}: {e.strerror or e}") from None
    except zipfile.BadZipFile as e:
        raise ModelFileError(
            f"{where} is not a glassnet model file (not a readable zip archive: {e}); "
            "it may be truncated or of another format"
        ) from None
    except _READ_ERRORS as e:
        raise ModelFileError(
            f"{where} is corrupt ({type(e).__name__}: {e}); save the model again"
        ) from None


def _read_model(archive: zipfile.ZipFile, where: str) -> Model:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if "model.json" not in names:
        raise ModelFileError(f"{where} has no model.json member: it is not a glassnet model file")
    if len(infos) > 2 * MAX_LAYERS + 3:
        raise ModelFileError(f"{where} has {len(infos)} members, more than any model file")
    document = _check_document(_read_json(archive, where), where)
    declared = document["arrays"]
    expected_names = {"model.json"} | {f"{name}.npy" for name in declared}
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ModelFileError(f"{where} holds the member {duplicates[0]!r} more than once")
    missing = sorted(expected_names - set(names))
    if missing:
        raise ModelFileError(f"{where} is missing the member {missing[0]!r}; save the model again")
    extra = sorted(set(names) - expected_names)
    if extra:
        raise ModelFileError(
            f"{where} holds the unexpected member {extra[0]!r}; a glassnet model file holds only "
            "model.json and the arrays it declares"
        )
    by_name = {info.filename: info for info in infos}
    for name, spec in declared.items():  # sizes first: nothing is decompressed before this
        limit = _nbytes(spec) + NPY_HEADER_ALLOWANCE
        if by_name[f"{name}.npy"].file_size > limit:
            raise ModelFileError(
                f"{where}: member {name}.npy claims {by_name[f'{name}.npy'].file_size} bytes "
                f"uncompressed, but its declared shape {tuple(spec['shape'])} needs at most "
                f"{limit}; the file is corrupt or hostile"
            )
    _check_stored(infos, where)
    arrays = {name: _read_array(archive, name, spec, where) for name, spec in declared.items()}
    return _build(document, arrays, where)


def _check_stored(infos: list[zipfile.ZipInfo], where: str) -> None:
    """glassnet stores members uncompressed, so what is read is never more than the file holds.

    A compressed member could expand far beyond the file's own size (a zip bomb): refused.
    """
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise ModelFileError(
                f"{where}: member {info.filename} is compressed, but glassnet model files store "
                "their members uncompressed; the file was not written by glassnet"
            )


def _read_json(archive: zipfile.ZipFile, where: str):
    info = archive.getinfo("model.json")
    if info.file_size > MAX_JSON_BYTES:
        raise ModelFileError(
            f"{where}: model.json claims {info.file_size} bytes, more than the limit of "
            f"{MAX_JSON_BYTES}; the file is corrupt or hostile"
        )
    _check_stored([info], where)
    with archive.open(info) as member:
        raw = member.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ModelFileError(f"{where}: model.json is larger than the limit of {MAX_JSON_BYTES}")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, bad UTF-8, 5000-digit ints
        raise ModelFileError(f"{where}: model.json is not valid JSON ({e})") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _read_array(archive: zipfile.ZipFile, name: str, spec: dict, where: str) -> np.ndarray:
    """Read one .npy member after checking its header against the declared dtype and shape."""
    dtype, shape = np.dtype(spec["dtype"]).newbyteorder("<"), tuple(spec["shape"])
    limit = _nbytes(spec) + NPY_HEADER_ALLOWANCE
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
            f"{where}: member {name}.npy stores {stored_dtype.str} {stored_shape} but model.json "
            f"declares {dtype.str} {shape}; the file is corrupt"
        )
    if len(raw) != buffer.tell() + _nbytes(spec):
        raise ModelFileError(
            f"{where}: member {name}.npy holds {len(raw) - buffer.tell()} bytes of data, but "
            f"shape {shape} needs {_nbytes(spec)}; the file is truncated or corrupt"
        )
    array = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    _check_finite(array, name, where)
    return array.astype(np.dtype(spec["dtype"]), copy=False)


def _nbytes(spec: dict) -> int:
    return int(np.prod(spec["shape"], dtype=np.int64)) * np.dtype(spec["dtype"]).itemsize


def _check_finite(array: np.ndarray, name: str, where: str) -> None:
    if not np.isfinite(array).all():
        count = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelFileError(f"{where}: array {name} holds {count} NaN or infinite value(s)")


def _build(document: dict, arrays: dict[str, np.ndarray], where: str) -> Model:
    try:
        net = Network.from_config(document["architecture"])
    except GlassnetError as e:
        raise ModelFileError(f"{where}: invalid architecture: {e}") from None
    for l, layer in enumerate(net.layers, start=1):
        layer.W, layer.b = arrays[f"W{l}"], arrays[f"b{l}"]
        if layer.norm is not None:
            for name in _NORM_ARRAYS:
                setattr(layer.norm, name, arrays[f"{name}{l}"])
            if (layer.norm.running_var < 0).any():
                raise ModelFileError(f"{where}: running_var{l} has negative values")
    standardizer = None
    if document["standardizer"]:
        standardizer = Standardizer()
        standardizer.mean_, standardizer.std_ = arrays["mean"], arrays["std"]
        if (standardizer.std_ < 0).any():
            raise ModelFileError(f"{where}: the standardizer's std has negative values")
    classes = document["classes"]
    history = document["history"]
    return Model(
        network=net,
        standardizer=standardizer,
        classes=None if classes is None else np.array(classes),
        history=None if history is None else History(**history),
        version=document["glassnet_version"],
        metadata=document["metadata"],
    )


# ---- the checks on model.json ---------------------------------------------------------------


def _check_document(document: Any, where: str) -> dict:
    """Check every type, value and shape model.json declares; return it unchanged."""

    def fail(problem: str) -> ModelFileError:
        return ModelFileError(f"{where}: model.json {problem}")

    if not isinstance(document, dict):
        raise fail(f"must hold a JSON object, not {type(document).__name__}")
    if document.get("format") != FORMAT_NAME:
        raise fail(f"has format {document.get('format')!r}, not {FORMAT_NAME!r}: not a model file")
    version = document.get("format_version")
    if not _is_int(version) or version < 1:
        raise fail(f"has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} has format version {version}, but this glassnet reads version "
            f"{FORMAT_VERSION} only; upgrade glassnet (pip install -U glassnet)"
        )
    keys = set(document)
    if keys != _TOP_LEVEL:
        missing, extra = sorted(_TOP_LEVEL - keys), sorted(keys - _TOP_LEVEL)
        raise fail(f"has missing keys {missing} or unknown keys {extra}")
    if not isinstance(document["glassnet_version"], str) or len(document["glassnet_version"]) > 64:
        raise fail("has an invalid glassnet_version (a short string)")
    if not isinstance(document["standardizer"], bool):
        raise fail("'standardizer' must be true or false")
    if not isinstance(document["metadata"], dict):
        raise fail("'metadata' must be a JSON object")
    architecture = _check_architecture(document["architecture"], fail)
    _check_classes(document["classes"], architecture, fail)
    _check_history(document["history"], fail)
    _check_arrays(document["arrays"], architecture, document["standardizer"], fail)
    return document


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _check_architecture(architecture, fail) -> dict:
    if (
        not isinstance(architecture, dict)
        or not _ARCHITECTURE <= set(architecture) <= _ARCHITECTURE | _ARCHITECTURE_OPTIONAL
    ):
        raise fail(
            f"'architecture' must be an object with the keys {sorted(_ARCHITECTURE)} "
            f"and optionally {sorted(_ARCHITECTURE_OPTIONAL)}"
        )
    sizes = architecture["sizes"]
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1:
        raise fail(f"'sizes' must be a list of 2 to {MAX_LAYERS + 1} layer sizes")
    for n in sizes:
        if not _is_int(n) or not 1 <= n <= MAX_UNITS:
            raise fail(f"has the layer size {n!r}; sizes must be integers in [1, {MAX_UNITS}]")
    parameters = sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if parameters > MAX_PARAMETERS:
        raise fail(f"declares {parameters} parameters, more than the limit of {MAX_PARAMETERS}")
    for key in ("hidden", "output"):
        name = architecture[key]
        if not isinstance(name, str) or name not in activations.ACTIVATIONS:
            raise fail(f"has an unknown {key} activation {name!r}")
    if architecture["output"] not in FOR_OUTPUT:
        raise fail(f"has the output activation {architecture['output']!r}, which has no loss")
    try:
        if not isinstance(architecture["init"], str) or len(architecture["init"]) > 64:
            raise GlassnetError(f"invalid initializer {architecture['init']!r}")
        initializers.get(architecture["init"], architecture["hidden"])
    except GlassnetError as e:
        raise fail(f"has an unknown initializer: {e}") from None
    if architecture["dtype"] not in _DTYPES:
        raise fail(f"has the dtype {architecture['dtype']!r}; it must be float32 or float64")
    seed = architecture["seed"]
    if seed is not None and (not _is_int(seed) or not 0 <= seed < MAX_SEED):
        raise fail(f"has an invalid seed {seed!r} (an integer >= 0, or null)")
    l2, dropout = architecture.get("l2", 0.0), architecture.get("dropout", 0.0)
    if not _is_number(l2) or not 0 <= l2 < 1e30:
        raise fail(f"has an invalid l2 {l2!r} (a number >= 0)")
    if not _is_number(dropout) or not 0 <= dropout < 1:
        raise fail(f"has an invalid dropout {dropout!r} (a number in [0, 1))")
    if not isinstance(architecture.get("batch_norm", False), bool):
        raise fail("'batch_norm' must be true or false")
    if architecture["hidden"] == "softmax":
        raise fail("has a softmax hidden activation; softmax can only be the output")
    if architecture["output"] == "softmax" and sizes[-1] < 2:
        raise fail("has a softmax output with fewer than 2 units")
    return architecture


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and bool(np.isfinite(value))


def _check_classes(classes, architecture: dict, fail) -> None:
    if classes is None:
        return
    if not isinstance(classes, list) or not 2 <= len(classes) <= MAX_CLASSES:
        raise fail(f"'classes' must be null or a list of 2 to {MAX_CLASSES} labels")
    kinds = {type(c) for c in classes}
    if not (kinds <= {str} or kinds <= {int} or kinds <= {float, int}):
        raise fail("'classes' must be all strings or all numbers")
    for c in classes:
        if isinstance(c, str) and len(c) > 1000:
            raise fail("has a class label longer than 1000 characters")
        if isinstance(c, int) and not -(2**63) <= c < 2**63:
            raise fail(f"has the out-of-range class label {c}")
        if isinstance(c, float) and not np.isfinite(c):
            raise fail(f"has the class label {c}")
    if len(set(classes)) != len(classes):
        raise fail("'classes' has repeated labels")
    output, n_out = architecture["output"], architecture["sizes"][-1]
    needed = {"sigmoid": 2 if n_out == 1 else None, "softmax": n_out}.get(output)
    if output == "identity":
        raise fail("has classes, but an identity output (regression) has none")
    if needed is not None and len(classes) != needed:
        raise fail(
            f"has {len(classes)} classes, but a {output} output of {n_out} unit(s) needs {needed}"
        )


def _check_history(history, fail) -> None:
    if history is None:
        return
    allowed = {f.name for f in fields(History)} - {"stop_training"}
    if not isinstance(history, dict) or not set(history) <= allowed:
        raise fail(f"'history' must be null or an object with keys among {sorted(allowed)}")
    for key, values in history.items():
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise fail(f"'history.{key}' must be a list of finite numbers")


def _check_arrays(declared, architecture: dict, standardizer: bool, fail) -> None:
    sizes, dtype = architecture["sizes"], architecture["dtype"]
    expected = {}
    for l in range(1, len(sizes)):
        expected[f"W{l}"] = (dtype, [sizes[l], sizes[l - 1]])
        expected[f"b{l}"] = (dtype, [sizes[l]])
        if architecture.get("batch_norm", False) and l < len(sizes) - 1:
            for array in _NORM_ARRAYS:
                expected[f"{array}{l}"] = (dtype, [sizes[l]])
    if standardizer:
        expected["mean"] = expected["std"] = ("float64", [sizes[0]])
    if not isinstance(declared, dict) or set(declared) != set(expected):
        names = sorted(declared) if isinstance(declared, dict) else declared
        raise fail(f"declares the arrays {names!r}, but the architecture needs {sorted(expected)}")
    for name, spec in declared.items():
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape"}:
            raise fail(f"array {name!r} must be declared as {{'dtype': ..., 'shape': [...]}}")
        want_dtype, want_shape = expected[name]
        free = name in ("mean", "std")  # the Standardizer's statistics: float32 or float64
        if spec["dtype"] not in _DTYPES or (not free and spec["dtype"] != want_dtype):
            raise fail(f"declares array {name} as {spec['dtype']!r}; expected {want_dtype}")
        if spec["shape"] != want_shape or not all(_is_int(n) for n in spec["shape"]):
            raise fail(
                f"declares array {name} with shape {spec['shape']!r}, but layer sizes "
                f"{sizes} need {want_shape}"
            )
