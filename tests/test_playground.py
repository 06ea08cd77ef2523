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


@pytest.fixture
def client():
    with TestClient(create_app()) as test_client:
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
    for name in ("playground.js", "charts.js", "playground.css"):
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
    assert hello["choices"]["optimizer"] == ["gd", "momentum"]
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
        update = until(ws, lambda m: m["type"] == "update" and m["state"] == "paused")
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
    ({"optimizer": "adam"}, "optimizer", "unknown optimizer 'adam'"),
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
    with TestClient(create_app(max_sessions=2)) as small:
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


def test_the_history_given_to_gn_train_never_grows():
    session = Session({"hidden": [2], "n_samples": 20, "batch_size": 5})
    seen = []
    original = session._after_epoch

    def spy(history):
        seen.append(len(history.costs))
        original(history)

    session._after_epoch = spy
    session.start(epochs=50)
    assert session.wait(20)
    assert seen == [3] * 50  # 15 training rows in batches of 5, each epoch on its own
    assert session.record.epochs == 50 and session.record.iterations == 150


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
    assert seen["ws_max_size"] == playground_server.MAX_MESSAGE_BYTES


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
    expected = gn.gradient_norms(session.net, session.X_sample, session.y_sample)
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
