"""Checkpoints survive a killed process, and a hostile checkpoint is refused."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet.files import checkpoints

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import glassnet as gn
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6)); y = (X[:, 0] > X[:, 1]).astype(int)
    net = gn.Network([6, 8, 1], seed=1)
    gn.train(net, X, y, gn.Momentum(lr=0.1), epochs=40, batch_size=16, seed=2,
             checkpoint=sys.argv[1], callbacks=[lambda h: time.sleep(0.1)])
    """
)


def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    return X, (X[:, 0] > X[:, 1]).astype(int)


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    path = tmp_path / "run.ckpt"
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if path.exists() and checkpoints.load(path).epoch >= 3:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the training process wrote no checkpoint within 60 s")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    done = checkpoints.load(path).epoch
    assert 3 <= done < 40  # killed in the middle of the run

    X, y = data()
    resumed = gn.Network([6, 8, 1], seed=1)
    gn.train(resumed, X, y, gn.Momentum(lr=0.1), epochs=40, batch_size=16, seed=2, resume=path)
    whole = gn.Network([6, 8, 1], seed=1)
    gn.train(whole, X, y, gn.Momentum(lr=0.1), epochs=40, batch_size=16, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(whole.parameters(), resumed.parameters()))


def test_checkpoint_round_trip_holds_the_whole_state(tmp_path):
    X, y = data()
    net = gn.Network([6, 8, 1], seed=1, batch_norm=True)
    opt = gn.Adam(lr=0.01)
    h = gn.train(net, X, y, opt, epochs=2, checkpoint=tmp_path / "c")
    state = checkpoints.load(tmp_path / "c")
    assert state.epoch == 2 and state.history.costs == h.costs
    assert state.optimizer.t == opt.t and type(state.optimizer) is gn.Adam
    for a, b in zip(state.optimizer.moments + state.optimizer.squares, opt.moments + opt.squares):
        assert np.array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(state.network.parameters(), net.parameters()))
    assert np.array_equal(state.network.layers[0].norm.running_var, net.layers[0].norm.running_var)


def test_hostile_checkpoints_are_refused(tmp_path):
    X, y = data()
    good = tmp_path / "good"
    gn.train(gn.Network([6, 8, 1], seed=1), X, y, gn.Momentum(), epochs=1, checkpoint=good)
    raw = good.read_bytes()
    cases = {
        "empty": b"",
        "truncated": raw[: len(raw) // 2],
        "garbage": b"PK\x03\x04" + bytes(100),
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(gn.ModelFileError):
            checkpoints.load(tmp_path / name)
    # a pickled member in place of an array
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "pickled", "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "p0.npy":
                import io
                import pickle

                buffer = io.BytesIO()
                np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
                content = buffer.getvalue() + pickle.dumps("x")
            dst.writestr(info, content)
    with pytest.raises(gn.ModelFileError):
        checkpoints.load(tmp_path / "pickled")


def test_a_compressed_or_oversized_checkpoint_is_refused_before_any_allocation(tmp_path):
    import json
    import tracemalloc

    X, y = data()
    good = tmp_path / "good"
    gn.train(gn.Network([6, 8, 1], seed=1), X, y, gn.Momentum(), epochs=1, checkpoint=good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "deflated", "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(gn.ModelFileError, match="compressed"):
        checkpoints.load(tmp_path / "deflated")

    # a checkpoint.json that claims a huge network and holds no arrays
    with zipfile.ZipFile(good) as src:
        document = json.loads(src.read("checkpoint.json"))
    document["architecture"]["sizes"] = [1_000_000, 50, 1]
    document["architecture"]["dtype"] = "float64"
    with zipfile.ZipFile(tmp_path / "huge", "w") as dst:
        dst.writestr("checkpoint.json", json.dumps(document))
    tracemalloc.start()
    with pytest.raises(gn.ModelFileError):
        checkpoints.load(tmp_path / "huge")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20  # the 400 MB the file claims were never allocated


def test_a_checkpoint_keeps_l1_and_resumes_only_with_it(tmp_path):
    X, y = data()
    net = gn.Network([6, 8, 1], seed=1, l1=0.05)
    gn.train(net, X, y, gn.Adam(lr=0.01), epochs=2, checkpoint=tmp_path / "c")
    assert checkpoints.load(tmp_path / "c").network.l1 == 0.05
    resumed = gn.Network([6, 8, 1], seed=1, l1=0.05)
    gn.train(resumed, X, y, gn.Adam(lr=0.01), epochs=3, resume=tmp_path / "c")
    with pytest.raises(gn.GlassnetError, match="l1=0.05.*resume with the same architecture"):
        gn.train(gn.Network([6, 8, 1], seed=1), X, y, gn.Adam(lr=0.01), epochs=3,
                 resume=tmp_path / "c")  # fmt: skip
