"""ONNX export: a trained network as a standard graph that any ONNX runtime can execute.

The graph computes, for a float32 input X of shape (N, n_0) with a dynamic batch size N:

    X' = (X - mu) / sigma                   Sub, Div      (only with a Standardizer)
    Z[l] = A[l-1] W[l]^T + b[l]             Gemm(transB=1), W[l] stored as (n_l, n_{l-1})
    Z~[l] = gamma (Z - mu_run) / sqrt(var_run + eps) + beta     BatchNormalization (if any)
    A[l] = g(Z[l])                          Relu | Sigmoid | Tanh | Softmax | nothing (identity)

A model with a preprocessing plan (``tables.Plan``: trained on a table) takes the table's raw
columns instead of X, one input per column, by name, of shape (N, 1): a number column as float
(NaN where missing), a category column as string ("" where missing). The graph does what the
plan does:

    number     Where(IsNaN(x), fill, x), (x - center) / scale, robust: z / sqrt(1 + (z/3)^2),
               and Cast(IsNaN(x)) for its missing-indicator column
    category   LabelEncoder (ai.onnx.ml: level -> index, missing "" -> its own level, any other
               text -> -1) then Equal with 0..K-1: one-hot, all zeros for an unseen level

then concatenates the columns in the plan's order into the network's input. A date column
cannot be parsed in ONNX, and the export says so, naming the column.

Its output is named ``probability`` for a sigmoid output (shape (N, 1) for a binary classifier:
P(class 1 | x)) or a softmax output (shape (N, K)), and ``prediction`` for an identity output
(shape (N, n_outputs)). Dropout is off at prediction, so it adds no node. A feature that was
constant in the training data has sigma = 0 and is divided by 1, as in gn.Standardizer.
Every tensor is float32, whatever the network's dtype, since that is what runtimes support
everywhere; the graph uses opset 13 and IR version 7, which onnxruntime has read since 1.7.

The model is built with the ``onnx`` package's helper API and checked with ``onnx.checker``
before it is written (to a temporary file first, then renamed, so a reader never sees half a
file: ``glassnet.io.atomic_write``). ``onnx`` is optional: ``pip install "glassnet[onnx]"``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..data import Standardizer
from ..errors import GlassnetError, GlassnetTypeError
from ..network import Network
from ..tables import CLAMP, CLIP, Plan, text_of
from ..version import __version__
from .archive import atomic_write
from .model import estimator_parts

__all__ = ["INPUT_NAME", "OPSET", "OUTPUT_NAMES", "onnx_inputs", "to_onnx"]

OPSET = 13
ML_OPSET = 2  # ai.onnx.ml's LabelEncoder with string keys
IR_VERSION = 7  # the IR version of ONNX 1.8, the release that introduced opset 13
INPUT_NAME = "X"
OUTPUT_NAMES = {"sigmoid": "probability", "softmax": "probability", "identity": "prediction"}
# The ONNX operator for each activation; identity needs none.
OPERATORS = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softmax": "Softmax",
    "identity": None,
}


def to_onnx(model, path, standardizer: Standardizer | None = None) -> Path:
    """Write ``model`` to ``path`` as an ONNX graph and return the path.

    ``model`` is a ``gn.Network`` (pass its ``gn.Standardizer`` as ``standardizer``, if it was
    trained on standardized inputs), a loaded model file (``glassnet.io.load``: anything with
    ``.network`` and ``.standardizer``), or a fitted ``glassnet.sklearn.GlassClassifier``.
    Input ``X``: float32 (N, n_features); output ``probability`` (N, 1) for a sigmoid output,
    (N, K) for softmax, or ``prediction`` (N, n_outputs) for an identity output.
    """
    onnx = _import_onnx()
    helper = onnx.helper
    net, scaler, classes, plan = _unpack(model, standardizer)
    unknown = {layer.activation.name for layer in net.layers} - set(OPERATORS)
    if unknown or net.output.name not in OUTPUT_NAMES:
        raise GlassnetError(
            f"cannot export the activation(s) {sorted(unknown or {net.output.name})} to ONNX; "
            f"export supports: {', '.join(sorted(OPERATORS))}"
        )
    dates = [c.name for c in plan.columns if c.kind == "date"] if plan is not None else []
    if dates:
        raise GlassnetError(
            f"cannot export the date column {dates[0]!r} to ONNX: ONNX has no operator that "
            "parses a date; train without it (or with its year, month and day as numbers)"
        )
    graph = _graph(onnx, net, scaler, plan)
    opsets = [helper.make_opsetid("", OPSET)]
    if plan is not None:
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    onnx_model = helper.make_model(
        graph,
        producer_name="glassnet",
        producer_version=_version(),
        opset_imports=opsets,
        doc_string=f"glassnet {net!r}",
    )
    onnx_model.ir_version = IR_VERSION
    metadata = {
        "glassnet_config": json.dumps(net.config()),
        "standardized": json.dumps(scaler is not None),
    }
    if plan is not None:
        metadata["glassnet_plan"] = json.dumps(plan.to_dict())
    if classes is not None:  # probability is P(classes[1] | x)
        metadata["classes"] = json.dumps(np.asarray(classes).tolist())
    helper.set_model_props(onnx_model, metadata)
    onnx.checker.check_model(onnx_model, full_check=True)
    data = onnx_model.SerializeToString()
    return atomic_write(Path(path), lambda file: file.write(data))


def onnx_inputs(model, X) -> dict[str, np.ndarray]:
    """The feeds of the exported graph for the rows X: for a model with a plan (a fitted
    estimator or a loaded model file trained on a table) one (N, 1) array per input column by
    name, float32 numbers (NaN where missing) and text ("" where missing); else {"X": X} as
    float32."""
    plan = _unpack(model, None)[3]
    if plan is None:
        return {INPUT_NAME: np.asarray(X, dtype=np.float32)}
    table = plan.read(X)
    feeds = {}
    for column in plan.columns:
        values = table.column(column.name)
        if column.kind == "category":
            text = ["" if v is None else text_of(v) for v in values]
            feeds[column.name] = np.array(text, dtype=object).reshape(-1, 1)
        else:
            feeds[column.name] = np.asarray(values, dtype=np.float32).reshape(-1, 1)
    return feeds


def _graph(onnx, net: Network, scaler: Standardizer | None, plan: Plan | None = None):
    """The nodes X -> [Sub, Div] -> (Gemm, [BatchNormalization], activation) per layer; with a
    plan, the plan's nodes from the raw columns to X first."""
    helper, FLOAT = onnx.helper, onnx.TensorProto.FLOAT
    nodes, weights = [], []

    def constant(name: str, values, dtype=np.float32) -> str:
        array = np.array(values, dtype=dtype)  # a copy, C-contiguous; a scalar stays 0-d
        weights.append(onnx.numpy_helper.from_array(array, name))
        return name

    A = INPUT_NAME
    inputs = [helper.make_tensor_value_info(INPUT_NAME, FLOAT, ["N", net.n_features])]
    if plan is not None:
        inputs = _plan_nodes(onnx, plan, nodes, constant)
        A = "plan_output"
    if scaler is not None:
        mu = constant("mean", scaler.mean_)
        sigma = constant("scale", np.where(scaler.std_ > 0, scaler.std_, 1.0))
        nodes.append(helper.make_node("Sub", [A, mu], ["X_centered"], name="standardize_sub"))
        nodes.append(helper.make_node("Div", ["X_centered", sigma], ["A0"], name="standardize_div"))
        A = "A0"
    L = len(net.layers)
    output = OUTPUT_NAMES[net.output.name]
    for l, layer in enumerate(net.layers, start=1):
        op = OPERATORS[layer.activation.name]
        Z = output if (l == L and op is None) else f"Z{l}"
        W, b = constant(f"W{l}", layer.W), constant(f"b{l}", layer.b)
        nodes.append(helper.make_node("Gemm", [A, W, b], [Z], name=f"layer{l}_gemm", transB=1))
        if layer.norm is not None:  # hidden layers only, so Z is never the graph's output here
            norm = layer.norm
            statistics = [
                constant(f"{name}{l}", getattr(norm, name))
                for name in ("gamma", "beta", "running_mean", "running_var")
            ]
            Z_norm = f"Z{l}_norm"
            nodes.append(
                helper.make_node(
                    "BatchNormalization",
                    [Z, *statistics],
                    [Z_norm],
                    name=f"layer{l}_batchnorm",
                    epsilon=float(norm.epsilon),
                )
            )
            Z = Z_norm
        A = Z
        if op is not None:
            A = output if l == L else f"A{l}"
            extra = {"axis": 1} if op == "Softmax" else {}
            nodes.append(helper.make_node(op, [Z], [A], name=f"layer{l}_{op.lower()}", **extra))
    return helper.make_graph(
        nodes,
        "glassnet",
        inputs,
        [helper.make_tensor_value_info(output, FLOAT, ["N", net.n_outputs])],
        initializer=weights,
    )


def _plan_nodes(onnx, plan: Plan, nodes: list, constant) -> list:
    """The plan as nodes, from one (N, 1) input per raw column to ``plan_output`` (N, n);
    returns the graph's inputs."""
    helper, FLOAT, STRING = onnx.helper, onnx.TensorProto.FLOAT, onnx.TensorProto.STRING
    inputs, blocks = [], []
    for j, column in enumerate(plan.columns):
        x, tag = column.name, f"c{j}"
        if column.kind == "category":
            inputs.append(helper.make_tensor_value_info(x, STRING, ["N", 1]))
            keys = list(column.levels) + ([""] if column.missing_level else [])
            nodes.append(helper.make_node(
                "LabelEncoder", [x], [f"{tag}_code"], name=f"{tag}_levels", domain="ai.onnx.ml",
                keys_strings=keys, values_int64s=list(range(len(keys))), default_int64=-1,
            ))  # fmt: skip
            levels = constant(f"{tag}_range", np.arange(len(keys))[None, :], np.int64)
            nodes.append(helper.make_node("Equal", [f"{tag}_code", levels], [f"{tag}_hot"]))
            nodes.append(helper.make_node("Cast", [f"{tag}_hot"], [f"{tag}_out"], to=FLOAT))
            blocks.append(f"{tag}_out")
            continue
        inputs.append(helper.make_tensor_value_info(x, FLOAT, ["N", 1]))
        fill = constant(f"{tag}_fill", column.fill)
        center = constant(f"{tag}_center", column.center)
        scale = constant(f"{tag}_scale", column.scale)
        nodes += [
            helper.make_node("IsNaN", [x], [f"{tag}_gap"]),
            helper.make_node("Where", [f"{tag}_gap", fill, x], [f"{tag}_filled"]),
            helper.make_node("Sub", [f"{tag}_filled", center], [f"{tag}_centered"]),
            helper.make_node("Div", [f"{tag}_centered", scale], [f"{tag}_z"]),
        ]
        z = f"{tag}_z"
        if plan.scaling == "robust":  # clamp(z) / sqrt(1 + (clamp(z) / CLIP)^2)
            clip, one = constant(f"{tag}_clip", [CLIP]), constant(f"{tag}_one", [1.0])
            low, high = constant(f"{tag}_low", -CLAMP), constant(f"{tag}_high", CLAMP)
            nodes += [
                helper.make_node("Clip", [z, low, high], [f"{tag}_zk"]),
                helper.make_node("Div", [f"{tag}_zk", clip], [f"{tag}_zc"]),
                helper.make_node("Mul", [f"{tag}_zc", f"{tag}_zc"], [f"{tag}_zc2"]),
                helper.make_node("Add", [f"{tag}_zc2", one], [f"{tag}_den2"]),
                helper.make_node("Sqrt", [f"{tag}_den2"], [f"{tag}_den"]),
                helper.make_node("Div", [f"{tag}_zk", f"{tag}_den"], [f"{tag}_clipped"]),
            ]
            z = f"{tag}_clipped"
        blocks.append(z)
        if column.indicator:
            nodes.append(helper.make_node("Cast", [f"{tag}_gap"], [f"{tag}_flag"], to=FLOAT))
            blocks.append(f"{tag}_flag")
    nodes.append(helper.make_node("Concat", blocks, ["plan_output"], name="plan", axis=1))
    return inputs


def _unpack(model, standardizer):
    """(network, standardizer or None, classes or None, plan or None) from any of the accepted
    models; a regressor's target scaling folded into its network's last layer."""
    plan = None
    if isinstance(model, Network):
        net, own, classes = model, None, None
    elif hasattr(model, "get_params"):  # a scikit-learn estimator such as GlassClassifier
        if not hasattr(model, "network_"):
            raise GlassnetError(
                f"this {type(model).__name__} is not fitted yet: call fit(X, y) before exporting"
            )
        net, own, _, _, plan = estimator_parts(model)
        classes = getattr(model, "classes_", None)
    elif isinstance(getattr(model, "network", None), Network):  # glassnet.io's loaded Model
        net, own = model.network, getattr(model, "standardizer", None)
        classes, plan = getattr(model, "classes", None), getattr(model, "plan", None)
    else:
        raise GlassnetTypeError(
            f"to_onnx needs a gn.Network, a model loaded with glassnet.io.load or a fitted "
            f"GlassClassifier; got {type(model).__name__}"
        )
    if own is not None and standardizer is not None:
        raise GlassnetError(
            "the model already carries its Standardizer; pass standardizer= only with a bare "
            "gn.Network"
        )
    scaler = own if standardizer is None else standardizer
    if scaler is not None:
        if not isinstance(scaler, Standardizer):
            raise GlassnetTypeError(
                f"standardizer must be a gn.Standardizer, got {type(scaler).__name__}"
            )
        if scaler.n_features != net.n_features:  # n_features also checks that it is fitted
            raise GlassnetError(
                f"the Standardizer was fitted on {scaler.n_features} features but the network's "
                f"input layer has {net.n_features}; pass the Standardizer of this network's "
                "training data"
            )
    return net, scaler, classes, plan


def _import_onnx():
    try:
        import onnx
        import onnx.checker
        import onnx.helper
        import onnx.numpy_helper
    except ImportError:
        raise GlassnetError(
            'ONNX export needs the onnx package: pip install "glassnet[onnx]"'
        ) from None
    return onnx


def _version() -> str:
    return __version__
