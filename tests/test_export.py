"""ONNX export: the exported graph, run in onnxruntime, computes what glassnet computes."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn

from conftest import randomize_biases

onnx = pytest.importorskip("onnx", reason="ONNX export needs onnx: pip install 'glassnet[onnx]'")
ort = pytest.importorskip(
    "onnxruntime", reason="running exported models needs onnxruntime: pip install 'glassnet[onnx]'"
)

from glassnet.files.onnx import to_onnx  # noqa: E402

BATCH_SIZES = (1, 7, 64)
HIDDEN = ("relu", "tanh", "sigmoid", "identity")


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run(path, X):
    """The exported model's only output for the float32 batch X."""
    (output,) = session(path).run(None, {"X": np.asarray(X, dtype=np.float32)})
    return output


def raw_data(rng, m, n=6):
    """Unstandardized inputs: shifted and scaled features, one of them constant."""
    X = rng.standard_normal((m, n)) * rng.uniform(0.5, 4, n) + rng.uniform(-3, 3, n)
    X[:, 2] = 1.5
    return X


def small_network(hidden, rng, dtype=np.float32, **options):
    net = gn.Network([6, 8, 5, 1], hidden=hidden, seed=3, dtype=dtype, **options)
    randomize_biases(net, rng, scale=0.3)
    return net


@pytest.mark.parametrize("standardize", [False, True], ids=["raw", "standardized"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_onnxruntime_probabilities_equal_glassnet(hidden, standardize, rng, tmp_path):
    net = small_network(hidden, rng)
    scaler = gn.Standardizer().fit(raw_data(rng, 200)) if standardize else None
    path = to_onnx(net, tmp_path / "model.onnx", standardizer=scaler)

    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    sess = session(path)
    assert [i.name for i in sess.get_inputs()] == ["X"]
    assert sess.get_inputs()[0].shape == ["N", 6]  # the batch dimension is dynamic
    assert [o.name for o in sess.get_outputs()] == ["probability"]
    for m in BATCH_SIZES:
        X = raw_data(rng, m).astype(np.float32)
        inputs = scaler.transform(X) if standardize else X
        (probability,) = sess.run(None, {"X": X})
        assert probability.shape == (m, 1)
        np.testing.assert_allclose(probability[:, 0], net.predict_proba(inputs), rtol=0, atol=1e-5)
    # the comparison means something only if the probabilities are spread out, not saturated
    X = raw_data(rng, 64).astype(np.float32)
    spread = np.ptp(net.predict_proba(scaler.transform(X) if standardize else X))
    assert spread > 0.05


def test_graph_is_the_documented_standard_graph(rng, tmp_path):
    net = small_network("relu", rng)
    scaler = gn.Standardizer().fit(raw_data(rng, 50))
    model = onnx.load(str(to_onnx(net, tmp_path / "m.onnx", standardizer=scaler)))
    ops = [node.op_type for node in model.graph.node]
    assert ops == ["Sub", "Div", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Sigmoid"]
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)]
    assert model.ir_version == 7
    for node in model.graph.node:
        if node.op_type == "Gemm":
            assert {a.name: a.i for a in node.attribute} == {"transB": 1}
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for l, layer in enumerate(net.layers, start=1):
        assert weights[f"W{l}"].shape == layer.W.shape  # (n_out, n_in), as in the lecture
        np.testing.assert_array_equal(weights[f"W{l}"], layer.W)
        np.testing.assert_array_equal(weights[f"b{l}"], layer.b)
    np.testing.assert_allclose(weights["mean"], scaler.mean_, rtol=1e-7)
    # the constant feature (std 0) is divided by 1, as gn.Standardizer does
    assert scaler.std_[2] == 0 and weights["scale"][2] == 1.0
    output = model.graph.output[0]
    dims = output.type.tensor_type.shape.dim
    assert output.name == "probability" and [dims[0].dim_param, dims[1].dim_value] == ["N", 1]


def test_float64_network_exports_as_float32(rng, tmp_path):
    net = small_network("tanh", rng, dtype=np.float64)
    path = to_onnx(net, tmp_path / "m.onnx")
    model = onnx.load(str(path))
    float32 = onnx.TensorProto.FLOAT
    assert {t.data_type for t in model.graph.initializer} == {float32}
    assert model.graph.input[0].type.tensor_type.elem_type == float32
    X = raw_data(rng, 33)
    probability = run(path, X)
    assert probability.dtype == np.float32
    np.testing.assert_allclose(probability[:, 0], net.predict_proba(X), rtol=0, atol=1e-5)


def test_softmax_regression_and_regularized_networks(rng, tmp_path):
    X = raw_data(rng, 40)
    softmax = gn.Network([6, 9, 4], hidden="relu", output="softmax", seed=1)
    regression = gn.Network([6, 5, 2], hidden="tanh", output="identity", seed=2)
    regularized = gn.Network([6, 8, 5, 1], seed=3, dropout=0.3, batch_norm=True)
    for layer in regularized.layers[:-1]:  # statistics as after training, not the defaults
        n = layer.b.size
        layer.norm.gamma[:] = rng.uniform(0.5, 2, n)
        layer.norm.beta[:] = rng.normal(0, 0.5, n)
        layer.norm.running_mean[:] = rng.normal(0, 1, n)
        layer.norm.running_var[:] = rng.uniform(0.2, 3, n)
    for net, name in [(softmax, "probability"), (regression, "prediction"), (regularized, None)]:
        path = to_onnx(net, tmp_path / "m.onnx")
        assert session(path).get_outputs()[0].name == (name or "probability")
        expected = net.forward(X)
        np.testing.assert_allclose(run(path, X), expected, rtol=1e-5, atol=1e-5)
    assert "BatchNormalization" in {node.op_type for node in onnx.load(str(path)).graph.node}


def test_glass_classifier_exports_with_its_standardizer(rng, tmp_path):
    pytest.importorskip("sklearn", reason="GlassClassifier needs scikit-learn")
    from glassnet.sklearn import GlassClassifier

    X = raw_data(rng, 120)
    y = np.where(X[:, 0] + X[:, 1] > np.median(X[:, 0] + X[:, 1]), "yes", "no")
    clf = GlassClassifier(hidden_layer_sizes=(8,), epochs=20, random_state=0).fit(X, y)
    path = to_onnx(clf, tmp_path / "clf.onnx")
    probability = run(path, X)
    np.testing.assert_allclose(probability[:, 0], clf.predict_proba(X)[:, 1], rtol=0, atol=1e-5)
    assert np.array_equal(np.where(probability[:, 0] > 0.5, "yes", "no"), clf.predict(X))
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props["classes"] == '["no", "yes"]' and props["standardized"] == "true"


def test_loaded_model_file_exports(rng, tmp_path):
    net = small_network("relu", rng)
    scaler = gn.Standardizer().fit(raw_data(rng, 80))
    gn_io = pytest.importorskip("glassnet.files.model", reason="the model file module")
    saved = gn_io.save(tmp_path / "m.glassnet", net, scaler, classes=["dog", "cat"])
    model = gn_io.load(saved)
    path = to_onnx(model, tmp_path / "m.onnx")
    X = raw_data(rng, 25)
    np.testing.assert_allclose(run(path, X)[:, 0], model.predict_proba(X), rtol=0, atol=1e-5)


@pytest.mark.skipif(
    importlib.util.find_spec("glassnet.cli") is None, reason="the glassnet command is not built yet"
)
def test_glassnet_export_command(rng, tmp_path):
    from glassnet.files import model as gn_io

    net = small_network("tanh", rng)
    scaler = gn.Standardizer().fit(raw_data(rng, 80))
    model_path = gn_io.save(tmp_path / "m.glassnet", net, scaler, classes=[0, 1])
    out = tmp_path / "out.onnx"
    command = [sys.executable, "-m", "glassnet.cli", "export", str(model_path), "--onnx", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    X = raw_data(rng, 30)
    expected = net.predict_proba(scaler.transform(X))
    np.testing.assert_allclose(run(out, X)[:, 0], expected, rtol=0, atol=1e-5)


def test_export_replaces_a_file_atomically(rng, tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"an older model")
    to_onnx(small_network("relu", rng), path)
    onnx.checker.check_model(onnx.load(str(path)))
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temporary file left behind


def test_bad_arguments_raise_clear_errors(rng, tmp_path, monkeypatch):
    net = small_network("relu", rng)
    with pytest.raises(gn.GlassnetTypeError, match="gn.Network"):
        to_onnx("model.glassnet", tmp_path / "m.onnx")
    with pytest.raises(gn.GlassnetError, match="fitted on 3 features"):
        to_onnx(net, tmp_path / "m.onnx", standardizer=gn.Standardizer().fit(np.ones((4, 3))))
    with pytest.raises(gn.GlassnetError, match="not fitted"):
        to_onnx(net, tmp_path / "m.onnx", standardizer=gn.Standardizer())
    with pytest.raises(gn.GlassnetError, match="does not exist"):
        to_onnx(net, tmp_path / "missing" / "m.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    with pytest.raises(gn.GlassnetError, match=r'pip install "glassnet\[onnx\]"'):
        to_onnx(net, tmp_path / "m.onnx")


def test_a_fitted_estimator_is_required(tmp_path):
    pytest.importorskip("sklearn", reason="GlassClassifier needs scikit-learn")
    from glassnet.sklearn import GlassClassifier

    with pytest.raises(gn.GlassnetError, match="not fitted yet"):
        to_onnx(GlassClassifier(), tmp_path / "m.onnx")
    X = np.random.default_rng(0).standard_normal((40, 3))
    clf = GlassClassifier(hidden_layer_sizes=(2,), epochs=1).fit(X, X[:, 0] > 0)
    with pytest.raises(gn.GlassnetError, match="already carries its Standardizer"):
        to_onnx(clf, tmp_path / "m.onnx", standardizer=gn.Standardizer().fit(X))


def test_a_model_with_a_plan_takes_the_raw_columns_and_matches_predict_proba(tmp_path):
    pd = pytest.importorskip("pandas", reason="a table needs pandas")
    from glassnet.sklearn import GlassClassifier
    from test_sklearn import raw_frame

    frame, y = raw_frame()
    for scaling in ("robust", "standard"):
        clf = GlassClassifier(random_state=0, epochs=5, scaling=scaling).fit(frame, y)
        path = to_onnx(clf, tmp_path / f"{scaling}.onnx")
        sess = session(path)
        kinds = {i.name: i.type for i in sess.get_inputs()}
        assert kinds == {
            "x": "tensor(float)", "colour": "tensor(string)", "shop": "tensor(string)",
            "member": "tensor(string)", "count": "tensor(float)",
        }  # fmt: skip
        new = frame.copy()
        new.loc[0, "colour"] = "purple"  # a level never seen: no known level in both
        new["shop"] = new["shop"].astype(object)
        new.loc[1, "shop"] = None  # a missing value training never had in this column
        new.loc[2, "x"] = 1e30  # clipped to 3 by robust scaling, in float32 too
        feeds = {}
        for column in clf.plan_.columns:
            values = new[column.name]
            if column.kind == "category":
                text = ["" if pd.isna(v) else gn.tables.text_of(v) for v in values]
                feeds[column.name] = np.array(text, dtype=object).reshape(-1, 1)
            else:
                feeds[column.name] = values.to_numpy(dtype=np.float32).reshape(-1, 1)
        (probability,) = sess.run(None, feeds)
        with pytest.warns(UserWarning):
            expected = clf.predict_proba(new)[:, 1]
        np.testing.assert_allclose(probability[:, 0], expected, atol=1e-5)


def test_a_date_column_cannot_be_exported_and_says_so(tmp_path):
    pd = pytest.importorskip("pandas", reason="a table needs pandas")
    from glassnet.sklearn import GlassRegressor

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"day": [f"2024-01-{d:02d}" for d in rng.integers(1, 29, 60)],
                          "n": rng.standard_normal(60)})  # fmt: skip
    reg = GlassRegressor(epochs=1).fit(frame, rng.standard_normal(60))
    with pytest.raises(gn.GlassnetError, match="cannot export the date column 'day' to ONNX"):
        to_onnx(reg, tmp_path / "d.onnx")
    assert not (tmp_path / "d.onnx").exists()
