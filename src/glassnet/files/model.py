"""The model file: one ``.glassnet`` file holds everything needed to predict.

A model file is a zip archive (an ``.npz``-style archive) with exactly these members:

    model.json     format name and version, the architecture (``net.config()``), the class
                   labels, the training history, free-form metadata, the glassnet version that
                   wrote it, for every array its name, dtype and shape, and for a model trained
                   on a table its preprocessing plan (``tables.Plan.to_dict``: the columns,
                   their kinds, imputed values, scaling and categories, as plain JSON)
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

Saving is atomic (``archive.atomic_write``): a temporary file in the same folder, flushed and
fsynced, then renamed over the target, so an interrupted save never destroys an existing model.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import activations, initializers
from ..data import Standardizer
from ..errors import GlassnetError, ModelFileError
from ..history import RECORDS, History
from ..losses import FOR_OUTPUT
from ..network import Network
from ..tables import Plan, Report, Table, is_frame
from ..validation import check_X
from ..version import __version__
from .archive import (
    NPY_HEADER_ALLOWANCE,
    READ_ERRORS,
    check_finite,
    check_stored,
    is_int,
    is_number,
    nbytes,
    read_array,
    read_json,
    write_archive,
)

FORMAT_NAME = "glassnet-model"
FORMAT_VERSION = 1
SUFFIX = ".glassnet"

# Limits a model file must respect; far above any network glassnet can train in memory.
MAX_LAYERS = 1_000
MAX_UNITS = 10_000_000  # units in one layer
MAX_PARAMETERS = 500_000_000  # all weights and biases together (2 GB in float32)
MAX_CLASSES = 10_000
MAX_SEED = 2**128
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
_OPTIONAL_TOP_LEVEL = {"plan"}  # older files have no plan
_ARCHITECTURE = {"sizes", "hidden", "output", "init", "dtype", "seed"}
_ARCHITECTURE_OPTIONAL = {"l2", "l1", "dropout", "batch_norm"}
_NORM_ARRAYS = ("gamma", "beta", "running_mean", "running_var")  # per batch-normalized layer
@dataclass
class Model:
    """A loaded model: the network and everything needed to feed it and name its outputs.

    ``predict_proba(X_raw)`` prepares the inputs, then runs the network: the probability of
    ``classes[1]`` for a sigmoid output, of every class for softmax. ``predict(X_raw)`` returns
    labels from ``classes`` (class indices 0, 1, ... when the model has no classes; the
    network's outputs for regression). A model trained on a table (``plan``) takes a pandas
    DataFrame (or a ``tables.Table``) with the training columns by name; one trained on arrays
    takes rows of numbers, standardized x' = (x - mu) / sigma when it has a ``standardizer``.
    """

    network: Network
    standardizer: Standardizer | None = None
    classes: np.ndarray | None = None
    history: History | None = None
    version: str = ""
    metadata: dict = field(default_factory=dict)
    plan: Plan | None = None

    @property
    def n_features(self) -> int:
        return self.network.n_features

    def prepare(self, X_raw, *, strict: bool = False) -> tuple[np.ndarray, Report]:
        """(the network's input, what the plan met): a table through the plan (``strict``
        refuses unseen levels and new gaps), rows of numbers checked against the input layer
        and standardized."""
        if self.plan is not None:
            return self.plan.transform(self.plan.read(X_raw), strict=strict)
        if isinstance(X_raw, Table):  # a model trained on numbers alone, before plans
            X_raw = _numbers_of(X_raw)
        elif is_frame(X_raw):
            X_raw = X_raw.to_numpy()
        X = check_X(X_raw, n_features=self.network.n_features)
        X = X if self.standardizer is None else self.standardizer.transform(X)
        return X, Report()

    def transform(self, X_raw) -> np.ndarray:
        """The network's input for X_raw (``prepare``); what the plan met in new rows (levels
        never seen, gaps training never had) is said as a warning."""
        X, report = self.prepare(X_raw)
        for line in report.lines():
            warnings.warn(line, stacklevel=3)
        return X

    def predict_proba(self, X_raw) -> np.ndarray:
        """P(y = classes[1] | x) for every row of X_raw, shape (m,); (m, K) for softmax."""
        return self.network.predict_proba(self.transform(X_raw))

    def predict(self, X_raw) -> np.ndarray:
        """The predicted label of every row: classes[1] where P > 0.5, else classes[0]
        (sigmoid); the most probable class (softmax)."""
        indices = self.network.predict(self.transform(X_raw))
        return indices if self.classes is None else self.classes[indices]

    def _repr_html_(self) -> str:
        """The model's summary for a notebook: its classes, input standardization, the glassnet
        version that wrote it and its metadata, then the network's layer table and the training
        history's cost curves."""
        from html import escape

        rows = [
            ("classes", "none (regression)" if self.classes is None else self.classes.tolist()),
            ("inputs", f"{self.n_features} features, "
             + ("from a table's columns by a fitted plan" if self.plan else
                "standardized (x - mu) / sigma" if self.standardizer else "used as they are")),
            ("written by", f"glassnet {self.version}" if self.version else "unknown"),
            *((str(k), v) for k, v in self.metadata.items()),
        ]  # fmt: skip
        table = "".join(
            f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows
        )
        history = "" if self.history is None else self.history._repr_html_()
        return (
            f'<div class="glassnet-model"><b>Model</b><table>{table}</table>'
            f"{self.network._repr_html_()}{history}</div>"
        )


def _numbers_of(table: Table) -> np.ndarray:
    """The columns of a table of numbers, side by side; text cannot feed a model without a
    plan."""
    text = [n for n, c in zip(table.names, table.columns) if c.dtype == object]
    if text:
        raise GlassnetError(
            f"the column {text[0]!r} holds text, but this model has no preprocessing plan (it "
            "was trained on numbers, or by an older glassnet); train it again on this table"
        )
    return np.column_stack(table.columns)


# ---- save -----------------------------------------------------------------------------------


def save(
    path,
    net: Network,
    standardizer: Standardizer | None = None,
    classes=None,
    history: History | None = None,
    metadata: dict | None = None,
    plan: Plan | None = None,
) -> Path:
    """Write ``net`` and what it needs to predict to the model file ``path`` (atomically).

    ``net`` is a ``Network`` or a fitted ``GlassClassifier`` / ``GlassRegressor`` (its network,
    with a regressor's target scaling folded into the last layer, its scaler or plan, classes
    and history: one model file for both). ``plan`` is the ``tables.Plan`` that prepares a
    table's columns for the network. ``classes`` are the original labels, ``classes[0]`` for
    output 0 and ``classes[1]`` for output 1 (e.g. ``["non-cat", "cat"]``); ``metadata`` is
    any JSON-able dict (training configuration, data source, ...). Returns the path.
    Anything ``load`` would refuse is refused here first, so a saved file always loads.
    """
    if not isinstance(net, Network) and hasattr(net, "get_params"):
        net, standardizer, classes, history, plan = estimator_parts(net)
    if not isinstance(net, Network):
        raise GlassnetError(
            f"save needs a glassnet Network or a fitted GlassClassifier / GlassRegressor, got "
            f"{type(net).__name__}"
        )
    if plan is not None and (standardizer is not None or plan.n_features != net.n_features):
        raise GlassnetError(
            "the plan must make the network's inputs itself: no standardizer beside it, and "
            f"{net.n_features} features (it makes {plan.n_features})"
        )
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
        "plan": None if plan is None else plan.to_dict(),
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
            check_finite(a, name, "the model to save")
    except ModelFileError as e:
        raise GlassnetError(str(e)) from None

    return write_archive(path, "model.json", text, arrays)


def estimator_parts(estimator) -> tuple:
    """(network, standardizer, classes, history, plan) of a fitted glassnet estimator; a
    regressor's network is a copy with its target scaling folded in (``scale_output``)."""
    if not hasattr(estimator, "network_"):
        raise GlassnetError(
            f"this {type(estimator).__name__} is not fitted yet: call fit(X, y) before saving"
        )
    net = estimator.network_
    if hasattr(estimator, "target_mean_"):
        copy = Network.from_config(net.config())
        for mine, theirs in zip(copy.parameters() + copy.buffers(),
                                net.parameters() + net.buffers()):  # fmt: skip
            mine[...] = theirs
        copy.scale_output(estimator.target_mean_, estimator.target_std_)
        net = copy
    classes = getattr(estimator, "classes_", None)
    return (net, estimator.standardizer_, classes, estimator.history_,
            getattr(estimator, "plan_", None))  # fmt: skip


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
    except READ_ERRORS as e:
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
    document = _check_document(read_json(archive, "model.json", where), where)
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
        limit = nbytes(spec) + NPY_HEADER_ALLOWANCE
        if by_name[f"{name}.npy"].file_size > limit:
            raise ModelFileError(
                f"{where}: member {name}.npy claims {by_name[f'{name}.npy'].file_size} bytes "
                f"uncompressed, but its declared shape {tuple(spec['shape'])} needs at most "
                f"{limit}; the file is corrupt or hostile"
            )
    check_stored(infos, where)
    arrays = {name: read_array(archive, name, spec, where) for name, spec in declared.items()}
    return _build(document, arrays, where)


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
    plan = None
    if document.get("plan") is not None:
        plan = Plan.from_dict(document["plan"], lambda p: ModelFileError(f"{where}: {p}"))
        if plan.n_features != net.n_features or standardizer is not None:
            raise ModelFileError(
                f"{where}: the plan makes {plan.n_features} inputs for a network of "
                f"{net.n_features} (and a plan has no standardizer beside it)"
            )
    return Model(
        network=net,
        standardizer=standardizer,
        classes=None if classes is None else np.array(classes),
        history=None if history is None else History(**history),
        version=document["glassnet_version"],
        metadata=document["metadata"],
        plan=plan,
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
    if not is_int(version) or version < 1:
        raise fail(f"has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} has format version {version}, but this glassnet reads version "
            f"{FORMAT_VERSION} only; upgrade glassnet (pip install -U glassnet)"
        )
    keys = set(document)
    if not _TOP_LEVEL <= keys <= _TOP_LEVEL | _OPTIONAL_TOP_LEVEL:
        missing, extra = sorted(_TOP_LEVEL - keys), sorted(keys - _TOP_LEVEL - _OPTIONAL_TOP_LEVEL)
        raise fail(f"has missing keys {missing} or unknown keys {extra}")
    if not isinstance(document["glassnet_version"], str) or len(document["glassnet_version"]) > 64:
        raise fail("has an invalid glassnet_version (a short string)")
    if not isinstance(document["standardizer"], bool):
        raise fail("'standardizer' must be true or false")
    if not isinstance(document["metadata"], dict):
        raise fail("'metadata' must be a JSON object")
    architecture = check_architecture(document["architecture"], fail)
    _check_classes(document["classes"], architecture, fail)
    check_history(document["history"], fail)
    if document.get("plan") is not None:
        Plan.from_dict(document["plan"], lambda problem: fail(problem))
    _check_arrays(document["arrays"], architecture, document["standardizer"], fail)
    return document


def check_architecture(architecture, fail) -> dict:
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
        if not is_int(n) or not 1 <= n <= MAX_UNITS:
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
    if seed is not None and (not is_int(seed) or not 0 <= seed < MAX_SEED):
        raise fail(f"has an invalid seed {seed!r} (an integer >= 0, or null)")
    l2, dropout = architecture.get("l2", 0.0), architecture.get("dropout", 0.0)
    for name, value in (("l2", l2), ("l1", architecture.get("l1", 0.0))):
        if not is_number(value) or not 0 <= value < 1e30:
            raise fail(f"has an invalid {name} {value!r} (a number >= 0)")
    if not is_number(dropout) or not 0 <= dropout < 1:
        raise fail(f"has an invalid dropout {dropout!r} (a number in [0, 1))")
    if not isinstance(architecture.get("batch_norm", False), bool):
        raise fail("'batch_norm' must be true or false")
    if architecture["hidden"] == "softmax":
        raise fail("has a softmax hidden activation; softmax can only be the output")
    if architecture["output"] == "softmax" and sizes[-1] < 2:
        raise fail("has a softmax output with fewer than 2 units")
    return architecture


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


def check_history(history, fail) -> None:
    if history is None:
        return
    allowed = set(RECORDS)
    if not isinstance(history, dict) or not set(history) <= allowed:
        raise fail(f"'history' must be null or an object with keys among {sorted(allowed)}")
    for key, values in history.items():
        if not isinstance(values, list) or not all(is_number(v) for v in values):
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
        if spec["shape"] != want_shape or not all(is_int(n) for n in spec["shape"]):
            raise fail(
                f"declares array {name} with shape {spec['shape']!r}, but layer sizes "
                f"{sizes} need {want_shape}"
            )
