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
    max_examples=750,  # 4 tests: 3000 cases
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


def load_bytes(folder, data: bytes):
    """Load ``data`` as a model file; anything but a Model or ModelFileError fails the test."""
    path = folder / "case.glassnet"
    path.write_bytes(data)
    try:
        model = load(path)
    except ModelFileError:
        return None
    assert isinstance(model, Model)
    probabilities = model.predict_proba(np.zeros((2, model.n_features)))
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


@FUZZ
@given(
    path=st.lists(st.sampled_from(["architecture", "arrays", "history", "sizes", 0, 1, "W1"])),
    value=json_values,
)
def test_any_json_value_anywhere_in_model_json(workspace, path, value):
    folder, _, contents = workspace
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
        document["metadata"] = value
    changed = dict(contents, **{"model.json": json.dumps(document).encode()})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in changed.items():
            archive.writestr(name, data)
    load_bytes(folder, buffer.getvalue())
