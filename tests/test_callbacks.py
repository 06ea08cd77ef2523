"""Callbacks: the hooks in order, stopping from a hook, the CSV log and the TensorBoard event
file read back, and runs that stay bit-identical with a logger attached."""

import csv
import struct

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, datasets
from glassnet.callbacks import Callback, CSVLogger, TensorBoard


@pytest.fixture
def moons():
    return datasets.two_moons(200, noise=0.2, seed=0)


class Recorder(Callback):
    def __init__(self, stop_after=None):
        self.calls, self.stop_after = [], stop_after

    def on_train_begin(self, state):
        self.calls.append(("train_begin", state.epoch))

    def on_epoch_begin(self, state, epoch):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, state, epoch):
        self.calls.append(("epoch_end", epoch, len(state.history.epoch_costs)))
        if epoch == self.stop_after:
            state.history.stop_training = True

    def on_train_end(self, state):
        self.calls.append(("train_end", state.epoch))


def test_the_hooks_come_in_order_and_a_hook_can_stop_training(moons):
    X, y = moons
    recorder, seen = Recorder(), []
    gn.train(gn.Network([2, 4, 1], seed=0), X, y, epochs=2, callbacks=[recorder, seen.append])
    assert recorder.calls == [
        ("train_begin", 0),
        ("epoch_begin", 1), ("epoch_end", 1, 1),
        ("epoch_begin", 2), ("epoch_end", 2, 2),
        ("train_end", 2),
    ]  # fmt: skip
    assert len(seen) == 2 and isinstance(seen[0], gn.History)  # a plain function, as before
    stopper = Recorder(stop_after=3)
    history = gn.train(gn.Network([2, 4, 1], seed=0), X, y, epochs=10, callbacks=[stopper])
    assert history.epochs == 3 and stopper.calls[-1] == ("train_end", 3)
    with pytest.raises(gn.GlassnetError, match="a callback is a glassnet.callbacks.Callback"):
        gn.train(gn.Network([2, 1]), X, y, epochs=1, callbacks=["log.csv"])


def test_the_csv_log_holds_one_row_per_epoch_from_the_history(moons, tmp_path):
    X, y = moons
    path = tmp_path / "log.csv"
    history = gn.train(gn.Network([2, 4, 1], seed=0), X, y, gn.Adam(lr=0.01), epochs=4,
                       validation_split=0.25, callbacks=[CSVLogger(path)])  # fmt: skip
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "cost", "val_cost", "val_accuracy", "lr", "seconds"]
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    np.testing.assert_allclose([float(r["cost"]) for r in rows], history.epoch_costs)
    np.testing.assert_allclose([float(r["val_cost"]) for r in rows], history.val_costs)
    np.testing.assert_allclose([float(r["val_accuracy"]) for r in rows], history.val_accuracies)
    assert {float(r["lr"]) for r in rows} == {0.01}
    # appending continues the file without a second header
    gn.train(gn.Network([2, 4, 1], seed=0), X, y, epochs=1, callbacks=[CSVLogger(path, True)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1 + 5 and rows[-1][2] == ""  # no validation data: an empty cell


def read_events(folder):
    """Every (tag, step, value or histogram) in the TensorBoard event files of ``folder``,
    read from the TFRecord format by hand: length, masked CRC, an Event, masked CRC."""
    from tensorboardX.proto import event_pb2

    found = []
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        i = 0
        while i < len(data):
            (length,) = struct.unpack("<Q", data[i : i + 8])
            event = event_pb2.Event.FromString(data[i + 12 : i + 12 + length])
            i += 12 + length + 4
            for value in event.summary.value:
                found.append((value.tag, event.step, value))
    return found


def test_tensorboard_writes_costs_norms_and_histograms_and_leaves_the_run_alone(moons, tmp_path):
    pytest.importorskip("tensorboardX", reason='pip install "glassnet[tensorboard]"')
    X, y = moons
    plain = gn.Network([2, 6, 4, 1], seed=0, dropout=0.2)
    gn.train(plain, X, y, epochs=3, validation_split=0.25)
    logged = gn.Network([2, 6, 4, 1], seed=0, dropout=0.2)
    board = TensorBoard(tmp_path / "runs", data=(X[:32], y[:32]))
    history = gn.train(logged, X, y, epochs=3, validation_split=0.25, callbacks=[board])
    for a, b in zip(plain.parameters(), logged.parameters()):  # measuring moved nothing
        np.testing.assert_array_equal(a, b)
    events = read_events(tmp_path / "runs")
    scalars = {}
    for tag, step, value in events:
        if value.HasField("simple_value"):
            scalars.setdefault(tag, []).append((step, value.simple_value))
    assert [s for s, _ in scalars["cost"]] == [1, 2, 3]
    np.testing.assert_allclose([v for _, v in scalars["cost"]], history.epoch_costs, rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars["val_accuracy"]], history.val_accuracies)
    assert {"val_cost", "lr", "gradient_norm/layer1", "gradient_norm/layer3"} <= set(scalars)
    assert all(v > 0 for _, v in scalars["gradient_norm/layer1"])
    histograms = [(tag, step, v.histo) for tag, step, v in events if v.HasField("histo")]
    assert {tag for tag, _, _ in histograms} == {"weights/W1", "weights/W2", "weights/W3"}
    last = [h for tag, step, h in histograms if tag == "weights/W1" and step == 3][0]
    assert last.num == logged.layers[0].W.size
    assert last.min == pytest.approx(logged.layers[0].W.min(), rel=1e-6)


def test_the_command_and_the_estimators_take_the_loggers(moons, tmp_path, monkeypatch, capsys):
    from glassnet.sklearn import GlassClassifier

    X, y = moons
    recorder = Recorder()
    GlassClassifier(epochs=3, early_stopping=False, callbacks=[recorder]).fit(X, y)
    assert [c[0] for c in recorder.calls].count("epoch_end") == 3
    monkeypatch.chdir(tmp_path)
    argv = ["train", "builtin:two_moons", "--epochs", "3", "--no-progress", "--engine", "numpy",
            "--early-stopping", "0", "--log-csv", "log.csv"]  # fmt: skip
    if __import__("importlib").util.find_spec("tensorboardX") is not None:
        argv += ["--tensorboard", "runs"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    with open("log.csv") as f:
        assert len(list(csv.DictReader(f))) == 3
    if "--tensorboard" in argv:
        tags = {tag for tag, _, _ in read_events(tmp_path / "runs")}
        assert {"cost", "val_cost", "gradient_norm/layer2", "weights/W1"} <= tags
