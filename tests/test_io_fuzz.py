"""Fuzzing the model-file loader: whatever the bytes, load returns a valid Model or raises
ModelFileError, and never anything else."""

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from byte_edits import edit
from glassnet import ModelFileError
from glassnet.files.model import Model, load, save

FUZZ = settings(
    max_examples=750,  # 5 tests: 3750 cases
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = (X[:, 0] > 0).astype(int)
    net = gn.Network([3, 4, 1], seed=0)
    scaler = gn.Standardizer().fit(X)
    history = gn.train(net, scaler.transform(X), y, epochs=2, batch_size=10)
    path = save(folder / "valid.glassnet", net, scaler, ["a", "b"], history, {"k": [1, "v"]})
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    return folder, path.read_bytes(), contents


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """A model file with a plan: numbers with gaps, a category with a missing level, a date."""
    from glassnet.tables import Plan, Table

    folder = tmp_path_factory.mktemp("planned")
    rng = np.random.default_rng(1)
    m = 40
    x = rng.standard_normal(m)
    x[::7] = np.nan
    colour = np.array(["red", "blue", None, "red"] * (m // 4), dtype=object)
    day = np.array([f"2024-0{1 + i % 9}-1{i % 10}" for i in range(m)], dtype=object)
    table = Table(["x", "colour", "day"], [x, colour, day])
    plan = Plan.fit(table, target="y")
    net = gn.Network([plan.n_features, 4, 1], seed=0)
    path = save(folder / "planned.glassnet", net, classes=["a", "b"], plan=plan)
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    return folder, contents


def probe(model):
    """Rows for any plan a fuzzed file may hold: a value and a gap for every input column."""
    columns = {}
    for column in model.plan.columns:
        if column.kind == "number":
            columns[column.name] = np.array([0.5, np.nan])
        elif column.kind == "date":
            columns[column.name] = np.array(["2024-03-05", None], dtype=object)
        else:
            columns[column.name] = np.array(["red", None], dtype=object)
    return columns


def load_bytes(folder, data: bytes):
    """Load ``data`` as a model file; anything but a Model or ModelFileError fails the test."""
    path = folder / "case.glassnet"
    path.write_bytes(data)
    try:
        model = load(path)
    except ModelFileError:
        return None
    assert isinstance(model, Model)
    rows = np.zeros((2, model.n_features)) if model.plan is None else probe(model)
    probabilities = model.predict_proba(rows)
    assert probabilities.shape == (2,) and np.all((probabilities >= 0) & (probabilities <= 1))
    return model


operations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "flip", "truncate", "insert", "delete"]),
        st.integers(min_value=0, max_value=2**20),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(workspace, data):
    folder, _, _ = workspace
    assert load_bytes(folder, data) is None


@FUZZ
@given(ops=operations)
def test_mutations_of_a_valid_file(workspace, ops):
    folder, valid, _ = workspace
    load_bytes(folder, edit(valid, ops))


@FUZZ
@given(member=st.sampled_from(["model.json", "W1.npy", "b2.npy", "mean.npy"]), ops=operations)
def test_mutations_of_one_member_in_a_well_formed_zip(workspace, member, ops):
    """Re-zipped with correct CRCs, so the mutation reaches the JSON and .npy checks."""
    folder, _, contents = workspace
    changed = dict(contents, **{member: edit(contents[member], ops)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in changed.items():
            archive.writestr(name, data)
    load_bytes(folder, buffer.getvalue())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def with_json_value(contents: dict, path: list, value, fallback: str) -> bytes:
    """The model file ``contents`` re-zipped with ``value`` put at ``path`` in model.json (at
    the top-level key ``fallback`` when the path leads nowhere)."""
    document = json.loads(contents["model.json"])
    node = document
    for key in path[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
    key = path[-1] if path else "format_version"
    if isinstance(node, dict) and isinstance(key, str):
        node[key] = value
    elif isinstance(node, list) and isinstance(key, int) and key < len(node):
        node[key] = value
    else:
        document[fallback] = value
    changed = dict(contents, **{"model.json": json.dumps(document).encode()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in changed.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@FUZZ
@given(
    path=st.lists(st.sampled_from(["architecture", "arrays", "history", "sizes", 0, 1, "W1"])),
    value=json_values,
)
def test_any_json_value_anywhere_in_model_json(workspace, path, value):
    folder, _, contents = workspace
    load_bytes(folder, with_json_value(contents, path, value, "metadata"))


@FUZZ
@given(
    path=st.lists(
        st.sampled_from(["plan", "columns", "dropped", 0, 1, 2, "levels", "fill", "center",
                         "scale", "indicator", "missing_level", "kind", "name", "scaling"]),
        min_size=1,
    ),
    value=json_values,
)
def test_any_json_value_anywhere_in_a_plan(planned, path, value):
    """The plan is JSON in model.json: whatever it is changed into, load refuses it or gives a
    model whose plan prepares rows into finite inputs."""
    folder, contents = planned
    model = load_bytes(folder, with_json_value(contents, path, value, "plan"))
    if model is not None and model.plan is not None:
        X, _ = model.prepare(probe(model))
        assert np.isfinite(X).all()
