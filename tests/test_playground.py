"""The playground server through Starlette's test client: every message, every bad input,
divergence, throttling, and that closing a tab or the server leaves no training thread."""

import asyncio
import base64
import json
import math
import socket
import threading
import time
import warnings

import numpy as np
import pytest

starlette = pytest.importorskip("starlette", reason='the playground needs "glassnet[playground]"')
anyio = pytest.importorskip("anyio", reason="Starlette's test client runs on anyio")
with warnings.catch_warnings():  # Starlette 1.x suggests httpx2 over httpx; both work
    warnings.filterwarnings("ignore", message=".*httpx2")
    from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.playground import create_app  # noqa: E402
from glassnet.playground import server as playground_server  # noqa: E402
from glassnet.playground import session as session_module  # noqa: E402
from glassnet.playground.session import Session  # noqa: E402
from glassnet.playground.settings import (  # noqa: E402
    DEFAULTS,
    MAX_PARAMETERS,
    PRESETS,
    check_settings,
    has_cats,
    n_parameters,
    preset_settings,
)

TWO_D = ["two_circles", "two_moons", "xor", "spiral", "blobs"]
MAX_MESSAGE_BYTES_LIMIT = 16_384
TESTSERVER = ("testserver",)  # the test client's name for the server, allowed as a --host is


@pytest.fixture
def client():
    with TestClient(create_app(allowed_hosts=TESTSERVER)) as test_client:
        yield test_client


def receive(ws, timeout: float = 20.0) -> dict:
    """The next message, or a failed test (not a hang) if none comes within ``timeout``."""

    async def get():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(get) if hasattr(ws, "_send_rx") else ws.receive()
    if message["type"] == "websocket.close":
        raise WebSocketDisconnect(message.get("code", 1000))
    return json.loads(message["text"])


def until(ws, predicate, limit: int = 2000) -> dict:
    for _ in range(limit):
        message = receive(ws)
        if predicate(message):
            return message
    raise AssertionError("the expected message never came")


def opened(ws) -> tuple[dict, dict]:
    """The two messages every connection starts with: hello, then the default session."""
    hello, configured = receive(ws), receive(ws)
    assert (hello["type"], configured["type"]) == ("hello", "configured")
    return hello, configured


def configure(ws, **settings) -> dict:
    ws.send_json({"type": "configure", "settings": settings})
    return until(ws, lambda m: m["type"] in ("configured", "error"))


def error_for(ws, message) -> dict:
    if isinstance(message, dict):
        ws.send_json(message)
    elif isinstance(message, bytes):
        ws.send_bytes(message)
    else:
        ws.send_text(message)
    return until(ws, lambda m: m["type"] in ("error", "configured"))


def playground_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("glassnet-playground")]


def no_playground_threads(seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while playground_threads() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not playground_threads()


# ---- the page ---------------------------------------------------------------------------------


def test_page_and_its_files_are_served_and_reference_nothing_outside(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    texts = [page.text]
    for name in ("playground.js", "charts.js", "graph.js", "playground.css"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        texts.append(response.text)
    for text in texts:  # the page works offline: no CDN, font or other site
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    assert 'src="/static/charts.js"' in page.text
    assert client.get("/static/../session.py").status_code == 404
    assert client.get("/static/%2e%2e/session.py").status_code == 404


# ---- every message type ---------------------------------------------------------------------


def test_connecting_says_hello_and_describes_the_default_session(client):
    with client.websocket_connect("/ws") as ws:
        hello, configured = opened(ws)
    assert hello["choices"]["dataset"][:5] == TWO_D
    assert hello["choices"]["activation"] == ["sigmoid", "relu", "tanh", "identity"]
    assert hello["choices"]["init"] == ["auto", "lecun", "he", "glorot", "normal", "zeros"]
    every = {optimizer.name for optimizer in gn.optimizers.OPTIMIZERS.values()}
    assert set(hello["choices"]["optimizer"]) == every  # every optimizer glassnet has
    assert hello["choices"]["features"] == ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"]
    assert hello["limits"]["max_message_bytes"] == 16_384  # announced before it is needed
    assert "set_weight" in hello["messages"] and "trace" in hello["messages"]
    assert [p["name"] for p in hello["presets"]] == list(PRESETS)
    assert all(p["look_for"].endswith(".") for p in hello["presets"])
    assert hello["limits"]["max_parameters"] == MAX_PARAMETERS == 5_000_000
    assert configured["settings"] == DEFAULTS
    assert configured["sizes"] == [2, 8, 8, 1]
    assert configured["n_parameters"] == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1)
    assert configured["n_train"] + configured["n_val"] == DEFAULTS["n_samples"]
    assert configured["n_val"] == round(DEFAULTS["n_samples"] * DEFAULTS["validation_fraction"])
    assert len(configured["points"]) == DEFAULTS["n_samples"]
    assert sum(p[3] for p in configured["points"]) == configured["n_train"]
    x0, y0, x1, y1 = configured["bounds"]
    assert all(x0 < x < x1 and y0 < y < y1 for x, y, *_ in configured["points"])


def test_configure_rebuilds_the_network_from_the_settings(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, hidden="16, 4", activation="relu", dataset="spiral", seed=3)
        assert info["type"] == "configured"
        assert info["sizes"] == [2, 16, 4, 1]
        assert info["n_parameters"] == n_parameters([2, 16, 4, 1]) == 48 + 68 + 5
        assert info["settings"]["activation"] == "relu" and info["settings"]["seed"] == 3
        assert info["settings"]["hidden"] == [16, 4]
        empty = configure(ws, hidden=[], batch_size="full")  # logistic regression, full batch
        assert empty["sizes"] == [2, 1] and empty["batch_size"] == empty["n_train"]


def test_step_trains_exactly_one_epoch_and_reports_real_numbers(client):
    with client.websocket_connect("/ws") as ws:
        _, info = opened(ws)
        first = until(ws, lambda m: m["type"] == "update")
        assert (first["state"], first["epoch"], first["iteration"]) == ("ready", 0, 0)
        assert len(first["gradient_norms"]) == 3
        ws.send_json({"type": "step"})
        # the new state is announced at once on the last snapshot (which a loaded machine may
        # have taken inside the epoch), then the epoch's own snapshot follows
        update = until(
            ws, lambda m: m["type"] == "update" and m["state"] == "paused" and m["epoch"] > 0
        )
    assert update["epoch"] == 1
    assert update["iteration"] == math.ceil(info["n_train"] / DEFAULTS["batch_size"])
    assert update["curve"]["start"] == 0 and len(update["curve"]["train"]) == 1
    assert update["curve"]["val"][0] == pytest.approx(update["val_cost"])
    assert 0 <= update["val_accuracy"] <= 1 and 0 <= update["train_accuracy"] <= 1
    assert all(g > 0 for g in update["gradient_norms"])
    assert len(update["weights"]) == len(update["activations"]) == 3
    n_rows = min(256, info["n_train"])
    assert [sum(h["counts"]) for h in update["activations"]] == [n_rows * 8, n_rows * 8, n_rows]
    assert [sum(h["counts"]) for h in update["weights"]] == [16, 64, 8]
    shades = np.frombuffer(base64.b64decode(update["boundary"]), dtype=np.uint8)
    assert shades.size == info["grid"] ** 2


def test_start_pause_and_start_again_continue_one_run(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "start"})
        pieces = []
        running = until(ws, lambda m: pieces.append(m.get("curve")) or m.get("epoch", 0) >= 5)
        assert running["state"] == "running" and running["samples_per_second"] > 0
        ws.send_json({"type": "pause"})
        paused = until(ws, lambda m: pieces.append(m.get("curve")) or m.get("state") == "paused")
        time.sleep(0.3)
        ws.send_json({"type": "start"})
        again = until(
            ws, lambda m: pieces.append(m.get("curve")) or m.get("epoch", 0) > paused["epoch"] + 3
        )
        ws.send_json({"type": "pause"})
        until(ws, lambda m: m.get("state") == "paused")
    assert again["state"] == "running"
    # the cost-curve pieces join up: each starts where the previous one ended
    pieces = [p for p in pieces if p is not None]
    for before, after in zip(pieces, pieces[1:]):
        assert after["start"] == before["start"] + len(before["train"])
    assert all(c is not None and c > 0 for p in pieces for c in p["train"])


def test_reset_gives_the_same_fresh_network_and_an_empty_curve(client):
    with client.websocket_connect("/ws") as ws:
        _, info = opened(ws)
        fresh = until(ws, lambda m: m["type"] == "update")
        ws.send_json({"type": "step"})
        trained = until(ws, lambda m: m["type"] == "update" and m["state"] == "paused")
        ws.send_json({"type": "reset"})
        again = until(ws, lambda m: m["type"] == "configured")
        after = until(ws, lambda m: m["type"] == "update")
    assert again["run_id"] == after["run_id"] > info["run_id"]
    assert trained["val_cost"] != fresh["val_cost"]
    assert (after["epoch"], after["iteration"], after["curve"]["train"]) == (0, 0, [])
    assert after["val_cost"] == fresh["val_cost"] and after["boundary"] == fresh["boundary"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_sets_its_settings_and_says_what_to_look_for(client, name):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "preset", "name": name})
        info = until(ws, lambda m: m["type"] == "configured")
    assert info["preset"]["title"] == PRESETS[name]["title"]
    assert info["preset"]["look_for"] == PRESETS[name]["look_for"]
    assert info["settings"] == check_settings(PRESETS[name]["settings"])


def test_step_while_running_is_refused(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "start"})
        until(ws, lambda m: m.get("state") == "running")
        error = error_for(ws, {"type": "step"})
        ws.send_json({"type": "pause"})
        until(ws, lambda m: m.get("state") == "paused")
    assert error["type"] == "error" and error["field"] == "step"
    assert "pause" in error["message"]


# ---- bad input: an error naming the control, and the session unchanged -------------------------

BAD_SETTINGS = [
    ({"dataset": "mnist"}, "dataset", "unknown dataset 'mnist'"),
    ({"n_samples": -5}, "n_samples", "between 10 and 20,000"),
    ({"n_samples": 10**9}, "n_samples", "between 10 and 20,000"),
    ({"n_samples": 2.5}, "n_samples", "whole number"),
    ({"noise": -1}, "noise", "[0, 5]"),
    ({"hidden": [8] * 11}, "hidden", "at most 10 hidden layers"),
    ({"hidden": [0]}, "hidden", "between 1 and 4,096"),
    ({"hidden": [-3, 4]}, "hidden", "between 1 and 4,096"),
    ({"hidden": "8, x"}, "hidden", "whole numbers separated by commas"),
    ({"hidden": {"a": 1}}, "hidden", "list of widths"),
    ({"hidden": [4096, 4096]}, "hidden", "over the playground's limit of 5,000,000"),
    ({"activation": "softmax"}, "activation", "unknown activation 'softmax'"),
    ({"init": "orthogonal"}, "init", "unknown init 'orthogonal'"),
    ({"init_scale": 0}, "init_scale", "(0, 100]"),
    ({"optimizer": "lion"}, "optimizer", "unknown optimizer 'lion'"),
    ({"lr": 0}, "lr", "positive"),
    ({"lr": -0.1}, "lr", "positive"),
    ({"lr": "fast"}, "lr", "positive finite number"),
    ({"lr": None}, "lr", "positive finite number"),
    ({"lr": True}, "lr", "positive finite number"),
    ({"beta": 1.0}, "beta", "[0, 1)"),
    ({"batch_size": 0}, "batch_size", "1 and 1,000,000"),
    ({"batch_size": "half"}, "batch_size", 'whole number or "full"'),
    ({"seed": -1}, "seed", "between 0 and"),
    ({"normalize": "yes"}, "normalize", "true or false"),
    ({"validation_fraction": 0.0}, "validation_fraction", "(0, 0.9]"),
    ({"n_samples": 10, "validation_fraction": 0.1}, "validation_fraction", "fewer than 2"),
    ({"colour": "red"}, "colour", "unknown setting 'colour'"),
    ({"features": []}, "features", "at least one input feature"),
    ({"features": ["x1", "x3"]}, "features", "unknown feature 'x3'"),
    ({"features": 7}, "features", "list of names"),
    ({"l2": -1}, "l2", "[0, 100]"),
    ({"l2": "lots"}, "l2", "finite number"),
    ({"l1": -0.5}, "l1", "[0, 100]"),
    ({"l1": 101}, "l1", "[0, 100]"),
    ({"l1": "some"}, "l1", "finite number"),
    ({"l1": None}, "l1", "finite number"),
    ({"l1": True}, "l1", "finite number"),
    ({"dropout": 0.95}, "dropout", "[0, 0.9)"),
    ({"batch_norm": 1}, "batch_norm", "true or false"),
    ({"hidden": [2048, 2048], "batch_size": "full"}, "batch_size", "batches of at most 14 rows"),
]


@pytest.mark.parametrize(("settings", "field", "fragment"), BAD_SETTINGS)
def test_a_bad_setting_is_named_next_to_its_control(client, settings, field, fragment):
    with client.websocket_connect("/ws") as ws:
        _, before = opened(ws)
        error = error_for(ws, {"type": "configure", "settings": settings})
        assert error["type"] == "error"
        assert error["field"] == field
        assert fragment in error["message"]
        unchanged = configure(ws)  # the session kept its settings and still answers
    assert unchanged["settings"] == before["settings"]


BAD_MESSAGES = [
    ('{"type": "configure", "settings": {"lr": NaN}}', "lr", "positive finite number"),
    ('{"type": "configure", "settings": {"lr": Infinity}}', "lr", "positive finite number"),
    ('{"type": "configure", "settings": [1, 2]}', "settings", "JSON object"),
    ('{"type": "explode"}', "message", "unknown message type 'explode'"),
    ('{"kind": "start"}', "message", 'a "type"'),
    ("[1, 2]", "message", 'a "type"'),
    ("{not json", "message", "not valid JSON"),
    ('{"type": "preset", "name": "magic"}', "preset", "unknown preset 'magic'"),
    ('{"type": "preset"}', "preset", "unknown preset None"),
    ("x" * 20_000, "message", "over the limit of 16,384"),
    (b'{"type": "start"}', "message", "not binary"),
    ("[" * 1000 + "]" * 1000, "message", "nested at most 8 levels"),  # RecursionError before
    ('{"type": "configure", "settings": {"hidden": ' + "[" * 600 + "]" * 600 + "}}", "message",
     "nested at most 8 levels"),
    ('{"type": "set_weight", "layer": 9, "row": 0, "col": 0, "value": 1}', "layer", "1 to 3"),
    ('{"type": "set_weight", "layer": 1, "row": 8, "col": 0, "value": 1}', "row", "0 to 7"),
    ('{"type": "set_weight", "layer": 2, "row": 0, "col": -1, "value": 1}', "col", "0 to 7"),
    ('{"type": "set_weight", "layer": 1, "row": 0, "col": 0, "value": 1e9}', "value", "between"),
    ('{"type": "set_weight", "layer": 1, "row": 0, "col": 0}', "value", "got None"),
    ('{"type": "set_weight", "layer": true, "row": 0, "col": 0, "value": 1}', "layer", "got True"),
]


@pytest.mark.parametrize(("text", "field", "fragment"), BAD_MESSAGES)
def test_a_bad_message_gets_an_error_and_the_server_keeps_going(client, text, field, fragment):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        error = error_for(ws, text)
        assert (error["type"], error["field"]) == ("error", field)
        assert fragment in error["message"]
        assert configure(ws, seed=5)["settings"]["seed"] == 5


def test_an_error_in_one_tab_leaves_another_tab_alone(client):
    with client.websocket_connect("/ws") as bad, client.websocket_connect("/ws") as good:
        opened(bad), opened(good)
        assert error_for(bad, "{not json")["type"] == "error"
        good.send_json({"type": "step"})
        assert until(good, lambda m: m.get("state") == "paused")["epoch"] == 1


# ---- divergence --------------------------------------------------------------------------------


def test_divergence_stops_training_and_suggests_a_smaller_learning_rate(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, lr=1e5, activation="identity", init="normal", init_scale=10.0)
        assert info["type"] == "configured"
        ws.send_json({"type": "start"})
        update = until(ws, lambda m: m.get("state") == "diverged")
    assert (
        "diverged" in update["message"] and "smaller learning rate, e.g. 10000" in update["message"]
    )
    assert no_playground_threads()


def test_a_diverged_session_keeps_finite_weights_and_can_start_over():
    # a linear network with a far too large step: its weights grow geometrically until they
    # overflow, whatever the seed (ReLU units may instead all die and leave the cost finite)
    session = Session({"lr": 1e5, "activation": "identity", "init": "normal", "init_scale": 10.0})
    session.start()
    assert session.wait(20)
    assert session.state == "diverged" and "NaN or infinite" in session.message
    assert all(np.isfinite(p).all() for p in session.net.parameters())
    session.configure({"lr": 0.01, "activation": "tanh", "init": "auto"})
    session.step()
    assert session.wait(20) and session.state == "paused" and session.record.epochs == 1


# ---- throttling, sessions, clean-up ---------------------------------------------------------


def test_updates_come_at_most_20_times_a_second_however_fast_training_is(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        configure(ws, hidden=[2], n_samples=20, batch_size="full")  # thousands of epochs/s
        began = time.monotonic()  # no update of this run can be sent before this moment...
        ws.send_json({"type": "start"})
        updates = []
        while time.monotonic() - began < 1.5:
            message = receive(ws)
            if message["type"] == "update" and message["state"] == "running":
                updates.append(message)
        ws.send_json({"type": "pause"})
        until(ws, lambda m: m.get("state") == "paused")
        ended = time.monotonic()  # ...nor after this one
    assert len(updates) <= 20 * (ended - began) + 1
    assert len(updates) >= 3  # and they keep coming
    assert updates[-1]["epoch"] > 10 * len(updates)  # many epochs between two updates


def test_closing_the_tab_stops_training_and_leaves_no_thread(client):
    assert no_playground_threads()  # a thread that published "paused" may still be ending
    before = set(threading.enumerate())
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "start"})
        until(ws, lambda m: m.get("state") == "running")
        assert len(playground_threads()) == 1
    assert no_playground_threads()
    deadline = time.monotonic() + 5
    while client.app.state.sessions.reserved and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.app.state.sessions.reserved == 0 and not client.app.state.sessions.open
    assert not [t for t in set(threading.enumerate()) - before if t.name.startswith("glassnet")]


def test_at_most_max_sessions_are_held(client):
    with TestClient(create_app(max_sessions=2, allowed_hosts=TESTSERVER)) as small:
        with small.websocket_connect("/ws") as one, small.websocket_connect("/ws") as two:
            opened(one), opened(two)
            with small.websocket_connect("/ws") as three:
                refused = receive(three)
                with pytest.raises(WebSocketDisconnect):
                    receive(three)
        assert refused["field"] == "session" and "at most 2 sessions" in refused["message"]
        deadline = time.monotonic() + 5
        while small.app.state.sessions.reserved and time.monotonic() < deadline:
            time.sleep(0.02)
        with small.websocket_connect("/ws") as again:  # slots are freed when tabs close
            assert opened(again)[1]["type"] == "configured"


def test_a_page_from_another_site_cannot_open_a_session(client):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 1008
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        assert opened(ws)[0]["type"] == "hello"


def test_stopping_the_server_stops_every_training_thread():
    """A real uvicorn server, a real WebSocket client that never closes its tab."""
    uvicorn = pytest.importorskip("uvicorn", reason='needs "glassnet[playground]"')
    websockets = pytest.importorskip("websockets", reason='needs "glassnet[playground]"')
    assert no_playground_threads()
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    while not server.started:
        time.sleep(0.01)

    async def tab():
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws")
        await ws.send(json.dumps({"type": "start"}))
        while json.loads(await ws.recv()).get("state") != "running":
            pass
        running = len(playground_threads())
        server.should_exit = True  # the server stops while the tab is still open
        await asyncio.to_thread(thread.join, 20)
        return running

    assert asyncio.run(tab()) == 1
    assert not thread.is_alive()
    assert no_playground_threads(1.0)


# ---- the session: the real gn.train, normalization from the training split ------------------


def test_the_session_trains_with_gn_train_bit_for_bit():
    session = Session({"dataset": "two_moons", "seed": 7, "batch_size": 16})
    shuffle_seed = int(np.random.default_rng(7 + 2).integers(2**32))
    reference = gn.Network([2, 8, 8, 1], hidden="tanh", init="auto", seed=7)
    session.step()
    assert session.wait(20)
    history = gn.train(
        reference,
        session.X_train,
        session.y_train,
        optimizer=gn.Momentum(lr=0.1, beta=0.9),
        epochs=1,
        batch_size=16,
        seed=shuffle_seed,
        validation_data=(session.X_val, session.y_val),
    )
    for mine, theirs in zip(session.net.parameters(), reference.parameters()):
        np.testing.assert_array_equal(mine, theirs)
    assert session.record.val_costs == history.val_costs
    assert session.record.train_costs == history.epoch_costs


def test_inputs_are_standardized_with_the_training_split_only():
    session = Session({"dataset": "blobs", "x2_scale": 100.0, "x2_offset": 50.0})
    np.testing.assert_allclose(session.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(session.X_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(session.X_val.mean(axis=0)).max() > 1e-3  # not refitted on validation data
    raw = Session({"dataset": "blobs", "x2_scale": 100.0, "x2_offset": 50.0, "normalize": False})
    assert raw.X_train[:, 1].std() > 30  # the stretched feature, left as it is


def test_an_epoch_paused_in_the_middle_resumes_where_it_stopped(monkeypatch):
    """Chunks of batches, a pause between them, then Start: the same weights as one run."""
    # chunks of about a millisecond: on a fast machine a chunk of CHUNK_SECONDS can hold the
    # rest of the epoch, and the pause would land after it
    monkeypatch.setattr(session_module, "CHUNK_SECONDS", 0.001)
    settings = {"hidden": [128, 128], "n_samples": 2000, "batch_size": 1, "seed": 3}
    whole, paused = Session(settings), Session(settings)
    whole.start(epochs=2)
    assert whole.wait(60)
    paused.start(epochs=2)
    until_true(lambda: 0 < paused.record.iterations < 750)  # early in the first epoch
    paused.pause()
    assert paused.wait(5)
    inside = paused.record.iterations
    assert paused.record.epochs == 0 and 0 < inside < 1500
    paused.start(epochs=2)  # the paused epoch is finished first, and counts
    assert paused.wait(60)
    assert paused.record.epochs == whole.record.epochs == 2
    assert paused.record.iterations == whole.record.iterations == 3000
    for mine, theirs in zip(paused.net.parameters(), whole.net.parameters()):
        np.testing.assert_array_equal(mine, theirs)
    assert paused.record.val_costs == whole.record.val_costs


def until_true(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never became true"
        time.sleep(0.001)


# ---- the cat images -------------------------------------------------------------------------


@pytest.mark.skipif(not has_cats(), reason="this glassnet has no glassnet.datasets.cats")
def test_cats_train_the_12288_input_network_and_show_validation_images(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, dataset="cats", n_cats=40, hidden=[4], validation_fraction=0.25)
        assert info["type"] == "configured", info
        ws.send_json({"type": "step"})
        update = until(ws, lambda m: m.get("state") == "paused")
    assert info["sizes"] == [12288, 4, 1] and (info["n_train"], info["n_val"]) == (30, 10)
    assert "points" not in info and len(info["tiles"]) == 10
    assert all(len(base64.b64decode(t["rgb"])) == 64 * 64 * 3 for t in info["tiles"])
    assert {t["label"] for t in info["tiles"]} <= {0, 1}
    assert len(update["tiles"]) == 10 and all(0 <= p <= 1 for p in update["tiles"])


# ---- serve() ------------------------------------------------------------------------------------


def test_serve_binds_localhost_and_prints_the_address(monkeypatch, capsys):
    uvicorn = pytest.importorskip("uvicorn", reason='needs "glassnet[playground]"')
    seen = {}

    def fake_run(self, sockets=None):
        seen["address"] = sockets[0].getsockname()
        seen["ws_max_size"] = self.config.ws_max_size
        sockets[0].close()

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    gn.playground.serve(port=0)
    host, port = seen["address"][:2]
    assert host == "127.0.0.1"
    assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
    # uvicorn cuts only far beyond the limit, so that the page gets the server's own message
    assert seen["ws_max_size"] == playground_server.WIRE_MAX_BYTES > MAX_MESSAGE_BYTES_LIMIT


def test_serve_on_a_busy_port_names_the_fix():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(gn.GlassnetError, match="choose another port with --port"):
            gn.playground.serve(port=port)


# ---- the presets show what their sentences say ----------------------------------------------


def run_preset(name: str, epochs: int) -> tuple[Session, dict]:
    session = Session(preset_settings(name))
    session.start(epochs=epochs)
    assert session.wait(60)
    assert session.state == "paused", session.message
    return session, session.snapshot()[1]


def test_presets_identity_stays_linear_and_near_chance():
    session, view = run_preset("identity", 100)
    W, B = gn.collapse(session.net)  # the whole network is one affine map
    X = session.X_val
    np.testing.assert_allclose(
        session.net.forward(X)[:, 0], 1 / (1 + np.exp(-(X @ W.T + B)[:, 0])), rtol=1e-3, atol=1e-5
    )
    assert view["val_accuracy"] <= 0.65


def test_presets_normalization_off_saturates_and_on_learns():
    off, off_view = run_preset("unnormalized", 100)
    on, on_view = run_preset("normalized", 100)
    assert off.record.train_costs[-1] > on.record.train_costs[-1] + 0.1
    off_norms, on_norms = off_view["gradient_norms"], on_view["gradient_norms"]
    assert off_norms[0] < 1e-3 * off_norms[1]  # the saturated first layer does not learn
    assert off.record.train_costs[-1] == pytest.approx(math.log(2), abs=1e-3)
    assert on_norms[0] > 0.4 * on_norms[1]


def test_presets_bad_init_vanishes_and_good_init_does_not():
    _, bad = run_preset("bad_init", 20)
    _, good = run_preset("good_init", 20)
    assert bad["gradient_norms"][0] < 1e-3 * bad["gradient_norms"][-1]  # "thousands of times"
    assert max(good["gradient_norms"]) < 50 * min(good["gradient_norms"])
    assert bad["train_cost"] == pytest.approx(math.log(2), abs=1e-3)
    assert good["train_cost"] < 0.6


def test_presets_momentum_calms_what_gradient_descent_overshoots():
    gd_run, _ = run_preset("gd", 100)
    momentum_run, _ = run_preset("momentum", 100)
    gd_costs, momentum_costs = gd_run.record.train_costs, momentum_run.record.train_costs
    assert momentum_costs[-1] < 0.01 < gd_costs[-1]
    ups = sum(b > a for a, b in zip(gd_costs, gd_costs[1:]))  # the cost went up: overshoot
    assert ups > 5 * max(1, sum(b > a for a, b in zip(momentum_costs, momentum_costs[1:])))


def test_the_views_are_the_networks_own_numbers():
    session = Session({"hidden": [5, 3], "n_samples": 200})
    session.step()
    assert session.wait(20)
    view = session.snapshot()[1]
    expected = gn.gradient_norms(session.net.copy(), session.X_sample, session.Y_sample)
    np.testing.assert_allclose(view["gradient_norms"], expected, rtol=1e-6)
    W1 = session.net.layers[0].W
    counts, _ = np.histogram(W1, bins=len(view["weights"][0]["counts"]), range=(W1.min(), W1.max()))
    assert view["weights"][0]["counts"] == counts.tolist()
    A1 = np.tanh(session.X_sample @ W1.T + session.net.layers[0].b)
    assert view["activations"][0]["low"] == pytest.approx(A1.min(), abs=1e-6)
    assert view["activations"][0]["high"] == pytest.approx(A1.max(), abs=1e-6)
    Y_val = session.y_val.reshape(-1, 1)
    assert view["val_cost"] == pytest.approx(session.net.cost(session.X_val, Y_val), rel=1e-5)
    P = session.net.predict_proba(session.grid)
    shades = np.frombuffer(base64.b64decode(view["boundary"]), dtype=np.uint8)
    np.testing.assert_array_equal(shades, np.round(P * 255).astype(np.uint8))


# ---- the defects of the outside probe -------------------------------------------------------

BIG = {"dataset": "xor", "n_samples": 1334, "hidden": [1024, 1024], "batch_size": 1}  # long epochs


class Served:
    """The app under a real uvicorn on a free port of 127.0.0.1, in a thread."""

    def __init__(self, **options) -> None:
        uvicorn = pytest.importorskip("uvicorn", reason='needs "glassnet[playground]"')
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(**options), log_level="warning",
            ws_max_size=playground_server.WIRE_MAX_BYTES,
        )
        self.server = uvicorn.Server(config)

    def __enter__(self):
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(20)

    def get(self, host: str | None = None) -> tuple[int, float]:
        """(status, seconds) of GET /."""
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        start = time.perf_counter()
        connection.request("GET", "/", headers={"Host": host or f"127.0.0.1:{self.port}"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start


async def ws_receive(ws, predicate, seconds: float = 20.0) -> dict:
    async with asyncio.timeout(seconds):
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message


def test_one_tab_training_a_long_epoch_does_not_freeze_the_server_or_other_tabs():
    websockets = pytest.importorskip("websockets")
    with Served() as served:

        async def run():
            url = f"ws://127.0.0.1:{served.port}/ws"
            async with websockets.connect(url) as big, websockets.connect(url) as small:
                await big.send(json.dumps({"type": "configure", "settings": BIG}))
                await ws_receive(big, lambda m: m["type"] == "configured" and m["run_id"] > 1)
                await big.send(json.dumps({"type": "start"}))
                await ws_receive(big, lambda m: m.get("state") == "running")
                await small.send(json.dumps({"type": "start"}))
                await ws_receive(small, lambda m: m.get("state") == "running")
                latencies, stamps = [], []

                async def count():
                    while True:
                        message = json.loads(await small.recv())
                        if message.get("type") == "update":
                            stamps.append(time.perf_counter())

                counter = asyncio.create_task(count())
                for _ in range(6):
                    status, seconds = await asyncio.to_thread(served.get)
                    assert status == 200
                    latencies.append(seconds)
                    await asyncio.sleep(0.25)
                counter.cancel()
                return latencies, stamps

        latencies, stamps = asyncio.run(run())
    # the issue measured 3.6 s for GET / and 4.5 s without an update; the 2-core test machine
    # is shared, so the bounds leave room for its load
    assert max(latencies) < 1.0, latencies
    gaps = np.diff(stamps)
    assert len(stamps) >= 5 and gaps.max() < 1.5, gaps


def test_pause_and_close_act_within_a_chunk_whatever_the_epoch_length():
    session = Session(BIG)
    session.start()
    until_true(lambda: session.record.iterations > 0)
    time.sleep(0.3)
    began = time.perf_counter()
    session.pause()
    until_true(lambda: session.snapshot()[1]["state"] == "paused")  # what the page hears
    paused_in = time.perf_counter() - began
    stopped_at = session.record.iterations
    assert session.wait(5)  # the thread may still take one last snapshot of the paused network
    assert session.record.iterations == stopped_at  # no training after "paused"
    assert session.record.epochs == 0  # it stopped inside the first (multi-second) epoch
    assert session.state == "paused" and session.snapshot()[1]["state"] == "paused"
    session.start()
    time.sleep(0.3)
    began = time.perf_counter()
    session.close()
    closed_in = time.perf_counter() - began
    assert not session.running
    assert paused_in < 0.5 and closed_in < 0.5, (paused_in, closed_in)


def test_closing_a_tab_in_a_long_epoch_ends_its_thread_at_once(client):
    assert no_playground_threads()
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        assert configure(ws, **BIG)["type"] == "configured"
        ws.send_json({"type": "start"})
        until(ws, lambda m: m.get("state") == "running")
        time.sleep(0.3)
        began = time.perf_counter()
    assert no_playground_threads(5.0)
    assert time.perf_counter() - began < 1.0


def test_sigterm_stops_the_server_within_a_chunk_of_a_long_epoch(tmp_path):
    websockets = pytest.importorskip("websockets")
    import signal
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"from glassnet.playground import serve; serve(port={port})"
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert "glassnet playground" in server.stdout.readline()

        async def tab():
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
                await ws.send(json.dumps({"type": "configure", "settings": BIG}))
                await ws_receive(ws, lambda m: m["type"] == "configured" and m["run_id"] > 1)
                await ws.send(json.dumps({"type": "start"}))
                await ws_receive(ws, lambda m: m.get("iteration", 0) > 0)
                await asyncio.sleep(0.3)
                began = time.perf_counter()
                server.send_signal(signal.SIGTERM)
                await asyncio.to_thread(server.wait, 20)
                return time.perf_counter() - began

        seconds = asyncio.run(tab())
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # uvicorn shuts down gracefully, then raises the signal again: exit status -SIGTERM
    assert server.returncode in (0, -signal.SIGTERM) and seconds < 1.0, (server.returncode, seconds)


def test_a_host_or_origin_not_our_own_is_refused_even_when_both_agree():
    """DNS rebinding: the attacker's page controls Host and Origin, and makes them agree."""
    websockets = pytest.importorskip("websockets")
    with Served(allowed_hosts=("192.0.2.7",)) as served:
        port = served.port
        assert served.get(f"attacker.example:{port}")[0] == 400
        for name in ("127.0.0.1", "localhost", "[::1]", "192.0.2.7"):
            assert served.get(f"{name}:{port}")[0] == 200, name

        async def connect(host: str, origin: str | None):
            """A WebSocket to 127.0.0.1 whose Host header names ``host``, as after rebinding."""
            sock = socket.create_connection(("127.0.0.1", port))
            headers = {"Origin": origin} if origin else {}
            async with websockets.connect(
                f"ws://{host}/ws", sock=sock, additional_headers=headers
            ) as ws:
                return json.loads(await ws.recv())["type"]

        evil = f"attacker.example:{port}"
        with pytest.raises(websockets.exceptions.InvalidStatus):  # refused before the upgrade
            asyncio.run(connect(evil, f"http://{evil}"))
        with pytest.raises((websockets.exceptions.InvalidStatus, websockets.ConnectionClosed)):
            asyncio.run(connect(f"127.0.0.1:{port}", f"http://{evil}"))
        own = f"localhost:{port}"
        assert asyncio.run(connect(own, f"http://{own}")) == "hello"


def test_a_message_over_the_limit_gets_the_servers_own_error_and_the_tab_stays():
    websockets = pytest.importorskip("websockets")
    with Served() as served:

        async def run():
            async with websockets.connect(f"ws://127.0.0.1:{served.port}/ws") as ws:
                hello = await ws_receive(ws, lambda m: m["type"] == "hello")
                await ws.send("x" * (hello["limits"]["max_message_bytes"] + 1000))
                error = await ws_receive(ws, lambda m: m["type"] == "error")
                await ws.send(json.dumps({"type": "configure", "settings": {"seed": 4}}))
                again = await ws_receive(ws, lambda m: m["type"] == "configured")
                return error, again

        error, again = asyncio.run(run())
    assert error["field"] == "message" and "over the limit of 16,384" in error["message"]
    assert again["settings"]["seed"] == 4


def test_start_is_heard_at_once_not_after_the_first_epoch(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        configure(ws, **BIG)
        began = time.perf_counter()
        ws.send_json({"type": "start"})
        running = until(ws, lambda m: m["type"] == "update" and m["state"] == "running")
        heard = time.perf_counter() - began
        progress = until(ws, lambda m: m["type"] == "update" and m["iteration"] > 0)
        ws.send_json({"type": "pause"})
        until(ws, lambda m: m["type"] == "update" and m["state"] == "paused")
    assert heard < 1.0 and running["epoch"] == 0
    assert progress["epoch"] == 0 and progress["batch"][0] > 0  # updates inside the epoch


# ---- the graph, features, regression, regularization, optimizers ----------------------------


def test_the_graph_shows_every_weight_gradient_and_neuron_map(client):
    with client.websocket_connect("/ws") as ws:
        _, info = opened(ws)
        assert info["graph"] and info["features"] == ["x1", "x2"]
        assert len(info["feature_maps"]) == 2
        ws.send_json({"type": "step"})
        view = until(ws, lambda m: m["type"] == "update" and m["epoch"] == 1)
    graph = view["graph"]
    assert [np.array(W).shape for W in graph["W"]] == [(8, 2), (8, 8), (1, 8)]
    assert [np.array(dW).shape for dW in graph["dW"]] == [(8, 2), (8, 8), (1, 8)]
    assert [len(layer) for layer in graph["neurons"]] == [8, 8, 1]  # one map per neuron
    cells = info["neuron_grid"] ** 2
    maps = [n["map"] for layer in graph["neurons"] for n in layer]
    assert all(len(base64.b64decode(m)) == cells for m in maps)
    assert [len(dZ) for dZ in graph["dZ"]] == [8, 8, 1]
    assert all(v >= 0 for dZ in graph["dZ"] for v in dZ)


def test_the_graph_numbers_are_the_networks_own():
    session = Session({"hidden": [4, 3], "n_samples": 200})
    session.step()
    assert session.wait(20)
    graph = session.snapshot()[1]["graph"]
    for l, layer in enumerate(session.net.layers):
        np.testing.assert_allclose(graph["W"][l], layer.W, rtol=1e-3, atol=1e-6)
    view = session.net.copy()
    view.backprop(session.X_sample, session.Y_sample)
    for l, layer in enumerate(view.layers):
        np.testing.assert_allclose(graph["dW"][l], layer.dW, rtol=1e-3, atol=1e-9)
        np.testing.assert_allclose(graph["dZ"][l], np.abs(layer.dZ).mean(axis=0), rtol=1e-3)
    view.propagate(session.neuron_grid)
    A1 = view.layers[0].A[:, 0]  # tanh: shades over [-1, 1]
    shades = np.frombuffer(base64.b64decode(graph["neurons"][0][0]["map"]), dtype=np.uint8)
    np.testing.assert_allclose(shades, np.round((A1 + 1) / 2 * 255), atol=1)


def test_a_wide_network_is_not_drawn_as_a_graph(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, hidden=[64])
        ws.send_json({"type": "step"})
        view = until(ws, lambda m: m["type"] == "update" and m["epoch"] == 1)
    assert not info["graph"] and "graph" not in view


def test_editing_an_edge_sets_that_weight_paused_and_running(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "set_weight", "layer": 2, "row": 3, "col": 5, "value": -1.25})
        view = until(ws, lambda m: m["type"] == "update" and m["graph"]["W"][1][3][5] == -1.25)
        session = next(iter(client.app.state.sessions.open))
        assert session.net.layers[1].W[3, 5] == np.float32(-1.25)
        ws.send_json({"type": "start"})
        until(ws, lambda m: m["type"] == "update" and m["state"] == "running")
        ws.send_json({"type": "set_weight", "layer": 1, "row": 0, "col": 1, "value": 7})
        until(ws, lambda m: m["type"] == "update" and abs(m["graph"]["W"][0][0][1] - 7) < 1)
        ws.send_json({"type": "pause"})
        until(ws, lambda m: m["type"] == "update" and m["state"] == "paused")
    assert view["state"] == "ready"


def test_switching_features_on_changes_the_input_layer(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, features=["x1^2", "x1", "sin_x2", "x2^2", "x1x2"])
    assert info["features"] == ["x1", "x1^2", "x2^2", "x1x2", "sin_x2"]  # FEATURES' order
    assert info["sizes"] == [5, 8, 8, 1] and len(info["feature_maps"]) == 5


def test_features_are_computed_from_the_raw_points_then_standardized():
    session = Session({"dataset": "blobs", "features": ["x1", "x2", "x1x2", "sin_x1"]})
    raw = Session({"dataset": "blobs", "features": ["x1", "x2", "x1x2", "sin_x1"],
                   "normalize": False})
    x1, x2 = raw.X_train[:, 0], raw.X_train[:, 1]
    np.testing.assert_allclose(raw.X_train[:, 2], x1 * x2, rtol=1e-5)
    np.testing.assert_allclose(raw.X_train[:, 3], np.sin(x1), rtol=1e-5)
    np.testing.assert_allclose(session.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(session.X_train.std(axis=0), 1, atol=1e-4)


def test_the_features_preset_separates_circles_without_a_hidden_layer():
    session, view = run_preset("features", 200)
    assert session.net.sizes == [4, 1] and view["val_accuracy"] > 0.9
    straight, line = run_preset("identity", 50)
    assert line["val_accuracy"] < 0.7


@pytest.mark.parametrize("dataset", ["plane", "multi_gaussian"])
def test_regression_problems_train_an_identity_output_on_the_squared_error(client, dataset):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        info = configure(ws, dataset=dataset, lr=0.03)
        assert (info["task"], info["output"]) == ("regression", "identity")
        assert all(isinstance(p[2], float) for p in info["points"][:20])
        ws.send_json({"type": "start"})
        view = until(ws, lambda m: m["type"] == "update" and m["epoch"] >= 60)
        ws.send_json({"type": "pause"})
    assert view["val_accuracy"] is None and view["train_accuracy"] is None
    session = Session({"dataset": dataset})
    variance = 0.5 * float(np.var(session.y_val))  # J of predicting the mean
    assert view["val_cost"] < 0.75 * variance


def test_l2_dropout_batch_norm_and_every_optimizer_reach_the_network():
    session = Session({"l2": 0.5, "dropout": 0.2, "batch_norm": True, "optimizer": "nesterov",
                       "beta": 0.8})
    net, optimizer = session.net, session.optimizer
    assert (net.l2, net.dropout, net.batch_norm) == (0.5, 0.2, True)
    assert optimizer.name == "nesterov" and optimizer.beta == 0.8
    for name in ("gd", "rmsprop", "adam", "adamw"):
        assert Session({"optimizer": name, "lr": 0.02}).optimizer.config()["lr"] == 0.02
    session.step()
    assert session.wait(20) and session.state == "paused" and session.record.epochs == 1


def test_l1_reaches_the_network_with_l2_and_through_the_link_defaults(client):
    session = Session({"l1": 0.25, "l2": 0.5})
    assert (session.net.l1, session.net.l2) == (0.25, 0.5)
    assert Session().net.l1 == 0.0 and DEFAULTS["l1"] == 0.0
    with client.websocket_connect("/ws") as ws:
        hello, _ = opened(ws)
        info = configure(ws, l1=0.125)
        live = next(iter(client.app.state.sessions.open))
    assert hello["defaults"]["l1"] == 0.0 and hello["limits"]["max_l1"] == 100.0
    assert info["settings"]["l1"] == 0.125 and live.net.l1 == 0.125


def test_l1_drives_the_unneeded_weights_to_zero_and_l2_does_not():
    """The preset's sentence: after 300 epochs 9 in 10 weights are below 0.01 and only x1^2
    and x2^2 stay connected; L2 at lambda 1 only shrinks every weight; without L1 every input
    is used."""
    l1, _ = run_preset("l1", 300)
    settings = PRESETS["l1"]["settings"]
    runs = {}
    for name, changes in (("none", {"l1": 0.0}), ("l2", {"l1": 0.0, "l2": 1.0})):
        session = Session({**settings, **changes})
        session.start(epochs=300)
        assert session.wait(60) and session.state == "paused"
        runs[name] = session

    def small(session):
        return np.mean(np.concatenate([np.abs(layer.W).ravel() for layer in session.net.layers])
                       < 1e-2)  # fmt: skip

    def per_input(session):  # the largest weight leaving each input feature
        return dict(zip(settings["features"], np.abs(session.net.layers[0].W).max(axis=0)))

    assert small(l1) >= 0.85 and small(runs["l2"]) < 0.1 and small(runs["none"]) < 0.05
    kept = per_input(l1)
    assert min(kept["x1^2"], kept["x2^2"]) > 0.3
    assert max(v for k, v in kept.items() if k not in ("x1^2", "x2^2")) < 0.05
    assert min(per_input(runs["none"]).values()) > 0.3  # without L1 every input is used


def test_l2_keeps_the_weights_of_the_overfitting_spiral_smaller():
    free, _ = run_preset("overfit", 40)
    tied, _ = run_preset("l2", 40)
    size = [sum(float(np.square(layer.W).sum()) for layer in s.net.layers) for s in (free, tied)]
    assert size[1] < 0.5 * size[0]


# ---- step through one batch --------------------------------------------------------------------


def test_tracing_one_batch_shows_each_stage_with_its_formula_and_takes_the_step(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        session = next(iter(client.app.state.sessions.open))
        before = [p.copy() for p in session.net.parameters()]
        ws.send_json({"type": "trace"})
        trace = until(ws, lambda m: m["type"] == "trace")
        after = until(ws, lambda m: m["type"] == "update" and m["iteration"] == 1)
    phases = [(s["phase"], s["layer"]) for s in trace["stages"]]
    assert phases == [("forward", 1), ("forward", 2), ("forward", 3), ("cost", 3),
                      ("backward", 3), ("backward", 2), ("backward", 1), ("update", 0)]
    assert trace["batch"] == 32
    forward, cost, backward = trace["stages"][0], trace["stages"][3], trace["stages"][4]
    assert forward["formula"][0] == "Z[1] = A[0] W[1]^T + b[1]"
    assert "dZ[3] = A[3] - Y" in cost["formula"]
    assert backward["formula"][0] == "dW[3] = (1/m) dZ[3]^T A[2]"
    assert "g' = 1 - a^2" in backward["formula"][-1]  # tanh, from A
    dZ, A, Y = (np.array(cost["values"][k]) for k in ("dZ[3]", "A[3]", "Y"))
    np.testing.assert_allclose(dZ, A - Y, atol=1e-3)
    assert "V = beta V + (1 - beta) dW" in trace["stages"][-1]["formula"][1]  # momentum's rule
    assert any(not np.array_equal(a, b) for a, b in zip(before, session.net.parameters()))
    assert after["batch"] == [1, 10] and after["epoch"] == 0


def test_tracing_shows_the_penalties_formulas():
    stages = Session({"l1": 0.25, "l2": 0.5, "hidden": [3]}).trace()["stages"]
    cost = next(s for s in stages if s["phase"] == "cost")
    backward = [s for s in stages if s["phase"] == "backward"]
    penalties = " + (0.5 / 2m) sum_l ||W[l]||^2 + (0.25 / m) sum_l sum |W[l]|"
    assert cost["formula"][0].endswith(penalties)
    assert backward[0]["formula"][0] == (
        "dW[2] = (1/m) dZ[2]^T A[1] + (0.5/m) W[2] + (0.25/m) sign(W[2])"
    )
    plain = Session({"hidden": [3]}).trace()["stages"]
    assert "sign" not in str(plain) and "|W[l]|" not in str(plain)


def test_tracing_while_running_is_refused(client):
    with client.websocket_connect("/ws") as ws:
        opened(ws)
        ws.send_json({"type": "start"})
        until(ws, lambda m: m["type"] == "update" and m["state"] == "running")
        error = error_for(ws, {"type": "trace"})
        ws.send_json({"type": "pause"})
    assert error["field"] == "trace" and "pause it" in error["message"]


def test_tracing_a_whole_epoch_is_one_epoch_of_the_reference_engine():
    traced = Session({"n_samples": 100, "batch_size": 25})  # 75 rows: 3 batches
    for _ in range(3):
        traced.trace()
    assert traced.record.epochs == 1 and traced.record.iterations == 3
    reference = Session({"n_samples": 100, "batch_size": 25})
    reference._epoch = gn.engine.select("numpy", reference.net, reference.optimizer)
    reference.step()
    assert reference.wait(20)
    for mine, theirs in zip(traced.net.parameters(), reference.net.parameters()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)


def test_the_classroom_load_test_measures_every_tab_and_the_page():
    pytest.importorskip("websockets")
    bench = pytest.importorskip("benchmarks.playground")
    rows = bench.classroom(seconds=2.0, tabs=3)
    assert [r["case"].split(" ")[0] for r in rows] == ["1", "3", "1"]
    assert all(r["updates_per_second"] > 0 and r["latency_max"] < 5 for r in rows)
    table = bench.markdown(rows)
    assert table.startswith("| tabs training at once") and table.count("\n") == 4
