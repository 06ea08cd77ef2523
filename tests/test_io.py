"""The model file: exact round trips, atomic saves, and refusal of every hostile or broken file."""

import io
import json
import pickle
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import ModelFileError
from glassnet.files import archive as model_io
from glassnet.files.archive import atomic_write
from glassnet.files.model import Model, load, save


def trained(rng, dtype=np.float32, **options):
    X = rng.standard_normal((60, 4)) * 3 + 1
    y = (X[:, 0] - X[:, 1] > 1).astype(int)
    net = gn.Network([4, 5, 3, 1], seed=1, dtype=dtype, **options)
    scaler = gn.Standardizer().fit(X)
    history = gn.train(
        net,
        scaler.transform(X),
        y,
        epochs=3,
        batch_size=16,
        validation_data=(scaler.transform(X), y),
    )
    return net, scaler, history, X


@pytest.fixture
def model_file(tmp_path, rng):
    net, scaler, history, X = trained(rng)
    path = save(tmp_path / "m.glassnet", net, scaler, ["no", "yes"], history, {"lr": 0.01})
    return path


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path, contents: dict[str, bytes], deflated=()) -> Path:
    """A zip of ``contents``; the members named in ``deflated`` are compressed."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED if name in deflated else None)
    return Path(path)


def edited(path, out, edit_json=None, **replace) -> Path:
    """A copy of the model file with model.json edited and members replaced or removed."""
    contents = members(path)
    if edit_json is not None:
        document = json.loads(contents["model.json"])
        edit_json(document)
        contents["model.json"] = json.dumps(document).encode()
    for name, data in replace.items():
        name = name.replace("_npy", ".npy").replace("_json", ".json")
        if data is None:
            del contents[name]
        else:
            contents[name] = data
    return write_members(out, contents)


def npy(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=allow_pickle)
    return buffer.getvalue()


def refused(path, fragment: str) -> ModelFileError:
    with pytest.raises(ModelFileError, match=fragment) as info:
        load(path)
    assert isinstance(info.value, gn.GlassnetError)
    return info.value


# ---- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_gives_identical_arrays_and_predictions(tmp_path, rng, dtype):
    net, scaler, history, X = trained(rng, dtype)
    metadata = {"optimizer": {"name": "momentum", "lr": 0.01}, "source": "test"}
    path = save(tmp_path / "m.glassnet", net, scaler, np.array(["no", "yes"]), history, metadata)
    model = load(path)
    assert isinstance(model, Model)
    for a, b in zip(net.parameters(), model.network.parameters(), strict=True):
        assert a.dtype == b.dtype == dtype and np.array_equal(a, b)
    assert np.array_equal(model.standardizer.mean_, scaler.mean_)
    assert np.array_equal(model.standardizer.std_, scaler.std_)
    expected = net.predict_proba(scaler.transform(X))
    assert np.array_equal(model.predict_proba(X), expected)
    assert list(model.predict(X)) == list(np.where(expected > 0.5, "yes", "no"))
    assert model.network.config() == net.config()
    assert model.history.to_dict() == history.to_dict()
    assert model.metadata == metadata
    assert model.version == gn.__version__
    assert model.classes.tolist() == ["no", "yes"]


def test_round_trip_batch_norm_softmax_and_integer_classes(tmp_path, rng):
    X = rng.standard_normal((40, 4))
    y = rng.integers(0, 3, 40)
    net = gn.Network([4, 6, 3], output="softmax", batch_norm=True, dropout=0.1, l2=0.01, seed=0)
    gn.train(net, X, y, epochs=2, batch_size=8)  # moves the running averages off 0 and 1
    model = load(save(tmp_path / "m.glassnet", net, classes=[10, 20, 30]))
    assert np.array_equal(model.predict_proba(X), net.predict_proba(X))
    assert np.array_equal(model.predict(X), np.array([10, 20, 30])[net.predict(X)])
    assert model.standardizer is None and model.history is None
    norm, loaded = net.layers[0].norm, model.network.layers[0].norm
    assert np.array_equal(norm.running_mean, loaded.running_mean)
    assert np.array_equal(norm.running_var, loaded.running_var)


def test_round_trip_keeps_l1_and_old_files_without_it_load(tmp_path, rng):
    net = gn.Network([4, 6, 1], l1=0.03, l2=0.01, seed=0)
    model = load(save(tmp_path / "l1.glassnet", net))
    assert (model.network.l1, model.network.l2) == (0.03, 0.01)
    old = edited(tmp_path / "l1.glassnet", tmp_path / "old.glassnet",
                 lambda d: d["architecture"].pop("l1"))  # fmt: skip
    assert load(old).network.l1 == 0.0
    for bad in (-0.1, "0.1", True, 1e300):
        path = edited(tmp_path / "l1.glassnet", tmp_path / "bad.glassnet",
                      lambda d, bad=bad: d["architecture"].__setitem__("l1", bad))  # fmt: skip
        refused(path, "has an invalid l1")


def test_model_without_classes_predicts_indices(tmp_path, rng):
    net, _, _, X = trained(rng)
    model = load(save(tmp_path / "m.glassnet", net))
    assert model.classes is None and model.standardizer is None
    assert np.array_equal(model.predict(X), net.predict(X))


def test_feature_count_mismatch_names_both_counts(model_file, rng):
    with pytest.raises(gn.GlassnetError, match="3 features but the network's input layer has 4"):
        load(model_file).predict(rng.standard_normal((2, 3)))


def test_save_refuses_what_load_would_refuse(tmp_path, rng):
    net, scaler, _, _ = trained(rng)
    with pytest.raises(gn.GlassnetError, match="not plain JSON"):
        save(tmp_path / "a.glassnet", net, metadata={"when": object()})
    with pytest.raises(
        gn.GlassnetError, match=r"3 classes, but a sigmoid output of 1 unit\(s\) needs 2"
    ):
        save(tmp_path / "a.glassnet", net, classes=["a", "b", "c"])
    net.layers[0].W[0, 0] = np.nan
    with pytest.raises(gn.GlassnetError, match="NaN"):
        save(tmp_path / "a.glassnet", net, scaler)
    assert not list(tmp_path.iterdir())


# ---- atomic saves ---------------------------------------------------------------------------


def test_interrupted_save_keeps_the_previous_file(tmp_path, rng, monkeypatch):
    net, scaler, history, X = trained(rng)
    path = save(tmp_path / "m.glassnet", net, scaler, ["no", "yes"], history)
    before = path.read_bytes()
    calls = []

    def dies_half_way(member, array, allow_pickle):
        calls.append(array.shape)
        if len(calls) == 3:  # after W1, b1 and the start of the archive
            raise KeyboardInterrupt
        return real(member, array, allow_pickle=allow_pickle)

    real = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", dies_half_way)
    net.layers[0].W += 1
    with pytest.raises(KeyboardInterrupt):
        save(path, net, scaler, ["no", "yes"], history)
    assert len(calls) == 3
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.glassnet"]  # no temporary file left
    monkeypatch.undo()
    assert np.array_equal(load(path).predict_proba(X), load(path).predict_proba(X))


def test_atomic_write_replaces_only_complete_files(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write(target, lambda f: f.write(b"first"))
    assert target.read_bytes() == b"first"

    def fails(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fails)
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    with pytest.raises(gn.GlassnetError, match="does not exist"):
        atomic_write(tmp_path / "missing" / "out.bin", lambda f: f.write(b"x"))


# ---- hostile or broken files: each one is refused with ModelFileError ----------------------


class Trap:
    """Unpickling this would create the marker file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickled_object_member_is_never_unpickled(model_file, tmp_path):
    marker = tmp_path / "code-ran"
    payload = np.empty(20, dtype=object)
    payload[:] = [Trap(marker)] * 20
    hostile = edited(model_file, tmp_path / "h.glassnet", W1_npy=npy(payload, allow_pickle=True))
    refused(hostile, r"W1.npy stores \|O")
    # a raw pickle in place of the array is refused as well
    raw = edited(model_file, tmp_path / "r.glassnet", W1_npy=pickle.dumps(Trap(marker)))
    refused(raw, "not a valid .npy array")
    assert not marker.exists()


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_file(model_file, tmp_path, keep):
    data = model_file.read_bytes()
    cut = tmp_path / "cut.glassnet"
    cut.write_bytes(data[: int(len(data) * keep)])
    refused(cut, "not a readable zip archive|corrupt")


def test_declared_shapes_that_disagree_with_each_other(model_file, tmp_path):
    def wrong_w1(document):
        document["arrays"]["W1"]["shape"] = [5, 3]

    refused(edited(model_file, tmp_path / "a.glassnet", wrong_w1), r"W1 with shape \[5, 3\]")

    def wrong_mean(document):
        document["arrays"]["mean"]["shape"] = [3]

    refused(edited(model_file, tmp_path / "b.glassnet", wrong_mean), r"mean with shape \[3\]")

    def wrong_sizes(document):
        document["architecture"]["sizes"] = [4, 6, 3, 1]

    refused(edited(model_file, tmp_path / "c.glassnet", wrong_sizes), "need")


def test_stored_arrays_that_disagree_with_the_declared_shapes(model_file, tmp_path):
    small = edited(model_file, tmp_path / "a.glassnet", W1_npy=npy(np.zeros((5, 3), np.float32)))
    refused(small, r"W1.npy stores <f4 \(5, 3\) but model.json declares <f4 \(5, 4\)")
    as_float64 = edited(model_file, tmp_path / "b.glassnet", b1_npy=npy(np.zeros(5)))
    refused(as_float64, "b1.npy stores <f8")
    header_lies = npy(np.zeros((5, 4), np.float32))[:-8]  # header says (5, 4), data is short
    refused(edited(model_file, tmp_path / "c.glassnet", W1_npy=header_lies), "truncated")


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda d: d.__setitem__("architecture", "4,5,3,1"), "'architecture' must be an object"),
        (lambda d: d["architecture"].__setitem__("sizes", ["4", 5, 3, 1]), "layer size '4'"),
        (lambda d: d["architecture"].__setitem__("sizes", [4.0, 5, 3, 1]), "layer size 4.0"),
        (lambda d: d["architecture"].__setitem__("sizes", [4, True, 3, 1]), "layer size True"),
        (lambda d: d["architecture"].__setitem__("hidden", "swish"), "unknown hidden"),
        (lambda d: d["architecture"].__setitem__("hidden", ["relu"]), "unknown hidden"),
        (lambda d: d["architecture"].__setitem__("init", "evil()"), "unknown initializer"),
        (lambda d: d["architecture"].__setitem__("dtype", "object"), "dtype 'object'"),
        (lambda d: d["architecture"].__setitem__("seed", -1), "invalid seed"),
        (lambda d: d["architecture"].__setitem__("dropout", 1.5), "invalid dropout"),
        (lambda d: d.__setitem__("standardizer", "yes"), "'standardizer' must be true or false"),
        (lambda d: d.__setitem__("classes", {"0": "no"}), "'classes' must be null or a list"),
        (lambda d: d.__setitem__("classes", ["no", 1]), "all strings or all numbers"),
        (lambda d: d.__setitem__("classes", ["no", "no"]), "repeated"),
        (lambda d: d["history"].__setitem__("costs", ["0.5"]), "history.costs"),
        (lambda d: d.__setitem__("history", {"costs": [], "evil": []}), "'history' must be"),
        (lambda d: d.__setitem__("metadata", []), "'metadata' must be a JSON object"),
        (lambda d: d.__setitem__("glassnet_version", 1), "glassnet_version"),
        (lambda d: d["arrays"]["W1"].__setitem__("dtype", "int64"), "as 'int64'"),
        (lambda d: d["arrays"].pop("b2"), "declares the arrays"),
        (lambda d: d.pop("history"), "missing keys"),
        (lambda d: d.__setitem__("format", "glassnet-checkpoint"), "not a model file"),
    ],
)
def test_wrong_json_types_and_values(model_file, tmp_path, edit, fragment):
    refused(edited(model_file, tmp_path / "x.glassnet", edit), fragment)


def test_model_json_that_is_not_an_object_or_not_json(model_file, tmp_path):
    refused(edited(model_file, tmp_path / "a.glassnet", model_json=b"[1, 2]"), "JSON object")
    refused(edited(model_file, tmp_path / "b.glassnet", model_json=b"{'a': 1"), "not valid JSON")
    refused(edited(model_file, tmp_path / "c.glassnet", model_json=b"\xff\xfe"), "not valid JSON")
    nan = members(model_file)["model.json"].replace(b'"costs": [', b'"costs": [NaN, ')
    refused(edited(model_file, tmp_path / "d.glassnet", model_json=nan), "not valid JSON")


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda d: d["architecture"].__setitem__("sizes", [10**12, 1]), "layer size 1000000000000"),
        (lambda d: d["architecture"].__setitem__("sizes", [10**6, 10**6, 1]), "parameters, more"),
        (lambda d: d["architecture"].__setitem__("sizes", [2] * 5000), "list of 2 to"),
        (lambda d: d["architecture"].__setitem__("seed", 10**100), "invalid seed"),
        (lambda d: d["architecture"].__setitem__("l2", 1e300), "invalid l2"),
    ],
)
def test_huge_numbers_are_refused_before_any_allocation(model_file, tmp_path, edit, fragment):
    tracemalloc.start()
    try:
        refused(edited(model_file, tmp_path / "x.glassnet", edit), fragment)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_numbers_json_cannot_hold(model_file, tmp_path):
    text = members(model_file)["model.json"].decode()
    huge_int = text.replace('"sizes": [4,', '"sizes": [' + "9" * 5000 + ",")
    refused(edited(model_file, tmp_path / "a.glassnet", model_json=huge_int.encode()), "JSON")
    overflow = text.replace('"sizes": [4,', '"sizes": [1e999,')
    refused(edited(model_file, tmp_path / "b.glassnet", model_json=overflow.encode()), "inf")
    deep = "[" * 100_000 + "]" * 100_000
    refused(edited(model_file, tmp_path / "c.glassnet", model_json=deep.encode()), "JSON")


@pytest.mark.parametrize(
    "version, fragment",
    [(2, "format version 2, but this glassnet reads version 1"), (0, "invalid"), ("1", "invalid")],
)
def test_wrong_format_version(model_file, tmp_path, version, fragment):
    def edit(document):
        document["format_version"] = version

    refused(edited(model_file, tmp_path / "x.glassnet", edit), fragment)


def test_zip_bomb_member_is_refused_unread(model_file, tmp_path):
    contents = members(model_file)
    contents["W1.npy"] = contents["W1.npy"][:128] + bytes(60 * 2**20)  # 60 MB of zeros
    bomb = write_members(tmp_path / "bomb.glassnet", contents, deflated=["W1.npy"])
    assert bomb.stat().st_size < 2**20
    tracemalloc.start()
    try:
        refused(bomb, r"W1.npy claims \d+ bytes uncompressed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20


def test_zip_bomb_that_lies_about_its_size_is_read_no_further_than_the_limit(model_file, tmp_path):
    contents = members(model_file)
    real_size = len(contents["W1.npy"])
    contents["W1.npy"] = contents["W1.npy"] + bytes(60 * 2**20)
    data = bytearray(
        write_members(tmp_path / "b.glassnet", contents, deflated=["W1.npy"]).read_bytes()
    )
    # Rewrite the uncompressed size of W1.npy in its local header and central directory entry.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 6] == b"W1.npy":
                struct.pack_into("<I", data, start + offset, real_size)
            start += 4
    liar = tmp_path / "liar.glassnet"
    liar.write_bytes(bytes(data))
    assert zipfile.ZipFile(liar).getinfo("W1.npy").file_size == real_size
    tracemalloc.start()
    try:
        refused(liar, "member W1.npy is compressed")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20


def test_compressed_members_are_refused(model_file, tmp_path):
    """save stores members uncompressed; a compressed one could expand beyond the file."""
    contents = members(model_file)
    refused(write_members(tmp_path / "a.glassnet", contents, ["model.json"]), "model.json is comp")
    refused(write_members(tmp_path / "b.glassnet", contents, ["b1.npy"]), "b1.npy is compressed")


def test_model_json_bomb_is_refused_unread(model_file, tmp_path, monkeypatch):
    monkeypatch.setattr(model_io, "MAX_JSON_BYTES", 2**20)
    contents = members(model_file)
    contents["model.json"] = contents["model.json"] + b" " * (8 * 2**20)
    bomb = write_members(tmp_path / "bomb.glassnet", contents, deflated=["model.json"])
    refused(bomb, "model.json claims 8")


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.glassnet"
    empty.write_bytes(b"")
    refused(empty, "is empty")


def test_not_a_zip(tmp_path):
    text = tmp_path / "model.glassnet"
    text.write_text("sizes,hidden\n4,relu\n")
    refused(text, "not a glassnet model file")
    npz = tmp_path / "arrays.npz"
    np.savez(npz, X=np.zeros(3))
    refused(npz, "no model.json member")


def test_missing_file_and_folder(tmp_path):
    refused(tmp_path / "nowhere.glassnet", "does not exist")
    refused(tmp_path, "is not a file")


def test_missing_member(model_file, tmp_path):
    refused(edited(model_file, tmp_path / "x.glassnet", b2_npy=None), "missing the member 'b2.npy'")


def test_extra_unexpected_member_is_refused(model_file, tmp_path):
    """Decision: refuse. glassnet writes exactly model.json and the declared arrays; anything
    else means another format or a tampered file."""
    extra = edited(model_file, tmp_path / "x.glassnet", **{"evil.py": b"import os"})
    refused(extra, "unexpected member 'evil.py'")


def test_duplicate_member(model_file, tmp_path):
    path = tmp_path / "dup.glassnet"
    path.write_bytes(model_file.read_bytes())
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("W1.npy", members(model_file)["W1.npy"])
    refused(path, "more than once")


def test_non_finite_arrays(model_file, tmp_path):
    weights = np.zeros((5, 4), np.float32)
    weights[2, 1] = np.inf
    refused(edited(model_file, tmp_path / "a.glassnet", W1_npy=npy(weights)), "W1 holds 1 NaN")
    std = np.ones(4)
    std[0] = -1.0
    refused(edited(model_file, tmp_path / "b.glassnet", std_npy=npy(std)), "negative")


def test_saved_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    import glassnet as gn

    mask = os.umask(0o022)
    try:
        path = gn.save(tmp_path / "m.glassnet", gn.Network([3, 2, 1], seed=0))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
