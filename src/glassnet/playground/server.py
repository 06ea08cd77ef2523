"""The playground's web server: a page, its static files, and one WebSocket per browser tab.

The protocol is JSON text, one object per message, each with a ``type``.

From the page: ``configure`` {settings}, ``preset`` {name}, ``start``, ``pause``, ``step`` (one
epoch), ``reset``, ``set_weight`` {layer, row, col, value} (W[layer][row, col] = value, an edge
clicked in the graph), ``trace`` (step through one batch). From the server: ``hello`` (choices,
limits, presets), ``configured`` (the checked settings, sizes, points or images), ``update`` (at
most ``1 / update_interval`` per second: state, cost, accuracy, gradient norms, histograms,
boundary, graph, new cost-curve points), ``trace`` (the stages of one batch's step, each with
its formula and values) and ``error`` {field, message}, where ``field`` names the control (or
the part of the message) the error belongs to.

Safety: the server binds 127.0.0.1 unless told otherwise, answers only requests addressed to a
loopback name or the host it was given (a DNS-rebinding page's Host is refused) and WebSockets
only from its own pages' Origin, reads no file but its own static ones and writes none, limits
message sizes and nesting (announced in ``hello``; an oversized message gets an ``error``, not a
cut connection), and holds at most ``max_sessions`` sessions. Closing a tab (or the server)
stops its training thread within about one chunk of training (see ``session``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import webbrowser
from pathlib import Path
from urllib.parse import urlparse

from starlette.applications import Starlette
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..errors import GlassnetError
from . import settings as limits
from .problems import FEATURES
from .session import MAX_SNAPSHOTS_PER_SECOND, Session
from .settings import DEFAULTS, PRESETS, SettingError, preset_settings

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_BYTES = 16_384
# uvicorn cuts a connection at this size (after decompression, so a compression bomb is cut
# too); between MAX_MESSAGE_BYTES and it the page gets its own error message and keeps its tab
WIRE_MAX_BYTES = 16 * MAX_MESSAGE_BYTES
MAX_DEPTH = 8  # JSON nesting of a message: settings are at most {"settings": {"hidden": [..]}}
MAX_SESSIONS = 8
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MESSAGES = ("configure", "preset", "start", "pause", "step", "reset", "set_weight", "trace")
# Everything the page loads comes from this server: no CDN, no fonts, no external request.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class _Sessions:
    """The sessions alive now, at most ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: set[Session] = set()
        self.reserved = 0
        self._lock = threading.Lock()

    def reserve(self) -> bool:
        with self._lock:
            if self.reserved >= self.limit:
                return False
            self.reserved += 1
            return True

    def add(self, session: Session) -> None:
        with self._lock:
            self.open.add(session)

    def finish(self, session: Session | None) -> None:
        """Stop the session's training (waiting for its thread to end) and free its slot."""
        if session is not None:
            session.close()
        with self._lock:
            self.reserved -= 1
            self.open.discard(session)

    def close_all(self) -> None:
        with self._lock:
            open_now = list(self.open)
        for session in open_now:
            session.close()


def create_app(
    max_sessions: int = MAX_SESSIONS,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
    update_interval: float = 1 / MAX_SNAPSHOTS_PER_SECOND,
    allowed_hosts=(),
) -> Starlette:
    """The playground as an ASGI app (for uvicorn, or Starlette's TestClient in tests).

    Requests and WebSockets are answered only when their Host names a loopback address
    (127.0.0.1, localhost, ::1) or one of ``allowed_hosts`` (the ``--host`` served on), and a
    WebSocket's Origin, when it has one, must be this server itself."""
    sessions = _Sessions(max_sessions)
    trusted = frozenset(name.lower().strip("[]") for name in (*LOOPBACK, *allowed_hosts))

    async def index(request):
        response = FileResponse(STATIC / "index.html")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Cache-Control"] = "no-store"
        return response

    async def socket_endpoint(websocket: WebSocket) -> None:
        if not _same_origin(websocket, trusted):
            await websocket.close(code=1008)  # policy violation: another site's page
            return
        await websocket.accept()
        if not sessions.reserve():
            await websocket.send_text(
                json.dumps(
                    {
                        "type": "error",
                        "field": "session",
                        "message": f"the playground holds at most {sessions.limit} sessions and "
                        "all are in use; close another playground tab and reload this one",
                    }
                )
            )
            await websocket.close(code=1013)  # try again later
            return
        session = None
        try:
            session = await asyncio.to_thread(Session)
            sessions.add(session)
            connection = _Connection(websocket, session, max_message_bytes, update_interval)
            await connection.serve()
        finally:
            # shielded: even when this task is cancelled, the thread is stopped and the slot freed
            try:
                await asyncio.shield(asyncio.to_thread(sessions.finish, session))
            except RuntimeError:  # the loop's executor is gone (the server is stopping)
                sessions.finish(session)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await asyncio.to_thread(sessions.close_all)  # the server stops: so does every thread

    app = Starlette(
        routes=[
            Route("/", index),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            WebSocketRoute("/ws", socket_endpoint),
        ],
        lifespan=lifespan,
    )
    app.state.sessions = sessions
    app.add_middleware(_TrustedHosts, trusted=trusted)
    return app


class _TrustedHosts:
    """Refuse every request whose Host is not a trusted name: a DNS-rebinding page reaches
    127.0.0.1 under its own name, and its Host header says so. (Starlette's
    TrustedHostMiddleware cuts "[::1]:8765" at its first colon, so it cannot trust ::1.)"""

    def __init__(self, app, trusted: frozenset) -> None:
        self.app, self.trusted = app, trusted

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if _host_name(host) not in self.trusted:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                response = PlainTextResponse(
                    f"this playground answers only to {', '.join(sorted(self.trusted))}; "
                    "open it as http://127.0.0.1:PORT/", status_code=400
                )
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """The name of a Host header or an Origin's netloc, without port or IPv6 brackets:
    "[::1]:8765" -> "::1", "localhost:8765" -> "localhost"."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class _Connection:
    """One tab's WebSocket: a receive loop for commands and a sender task for updates."""

    def __init__(self, websocket: WebSocket, session: Session, max_bytes: int, interval: float):
        self.websocket, self.session = websocket, session
        self.max_bytes, self.interval = max_bytes, interval
        self.announced = -1  # the run whose "configured" message the page has

    async def serve(self) -> None:
        await self.send(hello())
        await self.send_configured(self.session.describe())
        sender = asyncio.create_task(self.send_updates())
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                await self.handle(message.get("text"), message.get("bytes"))
        except WebSocketDisconnect:
            return
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await sender

    async def handle(self, text: str | None, data: bytes | None) -> None:
        """Check one message and carry it out; every problem goes back as an ``error``."""
        size = len(data) if text is None else len(text.encode("utf-8"))
        if size > self.max_bytes:
            return await self.error(
                "message", f"a message of {size:,} bytes is over the limit of {self.max_bytes:,}"
            )
        if text is None:
            return await self.error("message", "messages must be JSON text, not binary frames")
        try:
            message = json.loads(text)
        except RecursionError:
            message = None  # nested too deep for the parser itself: refused below
        except ValueError as e:
            return await self.error("message", f"a message is not valid JSON: {e}")
        if message is None or _depth(message) > MAX_DEPTH:
            return await self.error(
                "message", f"a message may be nested at most {MAX_DEPTH} levels deep"
            )
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return await self.error("message", 'a message must be a JSON object with a "type"')
        try:
            await self.carry_out(message)
        except Exception as e:  # a message never ends the session: it gets an error
            await self.error("message", f"the message could not be carried out: {e!r}")

    async def carry_out(self, message: dict) -> None:
        kind, session = message["type"], self.session
        try:
            if kind == "configure":
                await self.send_configured(
                    await asyncio.to_thread(session.configure, message.get("settings", {}))
                )
            elif kind == "preset":
                chosen = preset_settings(message.get("name"))
                info = await asyncio.to_thread(session.configure, chosen)
                await self.send_configured(info, preset=message["name"])
            elif kind == "reset":
                await self.send_configured(await asyncio.to_thread(session.reset))
            elif kind == "start":
                await asyncio.to_thread(session.start)
            elif kind == "pause":
                session.pause()
            elif kind == "step":
                if session.running and session.state == "running":
                    return await self.error("step", "training is running: pause it, then step")
                await asyncio.to_thread(session.step)
            elif kind == "set_weight":
                await asyncio.to_thread(
                    session.set_weight, *(message.get(k) for k in ("layer", "row", "col", "value"))
                )
            elif kind == "trace":
                trace = await asyncio.to_thread(session.trace)
                await self.send({"type": "trace", "run_id": session.run_id, **trace})
            else:
                await self.error(
                    "message",
                    f"unknown message type {kind[:40]!r}; the types are: {', '.join(MESSAGES)}",
                )
        except SettingError as e:
            await self.error(e.field, str(e))
        except GlassnetError as e:
            await self.error("settings", str(e))

    async def send_configured(self, info: dict, preset: str | None = None) -> None:
        message = {"type": "configured", **info}
        if preset is not None:
            message["preset"] = {"name": preset, **_preset_text(preset)}
        await self.send(message)
        self.announced = info["run_id"]

    async def send_updates(self) -> None:
        """Every ``interval`` seconds: the newest snapshot, if there is one, with the cost-curve
        points up to its epoch, so the page gets at most 1 / interval updates a second."""
        sent_version, curve_run, curve_next = -1, -1, 0
        while True:
            await asyncio.sleep(self.interval)
            version, snapshot = self.session.snapshot()
            if version == sent_version or snapshot.get("run_id") != self.announced:
                continue  # nothing new, or the page has not yet been told about this run
            run, following, piece = self.session.curve_since(
                curve_run, curve_next, snapshot["epoch"]
            )
            if run != self.announced:
                continue
            await self.send({**snapshot, "curve": piece})
            sent_version, curve_run, curve_next = version, run, following

    async def error(self, field: str, message: str) -> None:
        await self.send({"type": "error", "field": field, "message": message})

    async def send(self, message: dict) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            await self.websocket.send_text(json.dumps(message, allow_nan=False))


def hello() -> dict:
    """The first message: what the page may choose, within which limits, and the presets."""
    return {
        "type": "hello",
        "defaults": DEFAULTS,
        "choices": {
            "dataset": limits.dataset_names(),
            "regression": list(limits.REGRESSION),
            "features": list(FEATURES),
            "activation": list(limits.ACTIVATIONS),
            "init": list(limits.INITIALIZERS),
            "optimizer": list(limits.OPTIMIZERS),
        },
        "limits": {
            "max_parameters": limits.MAX_PARAMETERS,
            "max_hidden_layers": limits.MAX_HIDDEN_LAYERS,
            "max_width": limits.MAX_WIDTH,
            "samples": [limits.MIN_SAMPLES, limits.MAX_SAMPLES],
            "max_noise": limits.MAX_NOISE,
            "max_updates_per_second": MAX_SNAPSHOTS_PER_SECOND,
            "max_message_bytes": MAX_MESSAGE_BYTES,
            "max_depth": MAX_DEPTH,
            "max_step_work": limits.MAX_STEP_WORK,
            "max_l2": limits.MAX_L2,
            "max_l1": limits.MAX_L1,
            "max_dropout": limits.MAX_DROPOUT,
            "max_sessions": MAX_SESSIONS,
        },
        "messages": list(MESSAGES),
        "presets": [{"name": name, **_preset_text(name)} for name in PRESETS],
        "step": "one epoch: one pass over the training split in mini-batches",
        "trace": "one mini-batch, stage by stage: forward, cost, backward, update",
    }


def _preset_text(name: str) -> dict:
    return {"title": PRESETS[name]["title"], "look_for": PRESETS[name]["look_for"]}


def _depth(value, limit: int = MAX_DEPTH + 1) -> int:
    """How deeply lists and objects nest in a parsed message (counting stops past ``limit``)."""
    if limit <= 0 or not isinstance(value, dict | list):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(item, limit - 1) for item in items), default=0)


def _same_origin(websocket: WebSocket, trusted: frozenset) -> bool:
    """A page from another site must not drive this server (cross-site WebSocket hijacking),
    nor a rebinding page that controls both Origin and Host: the Origin must be this server, by
    a trusted name. Clients that send no Origin (scripts, tests) are not browsers."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    netloc = urlparse(origin).netloc
    return netloc == websocket.headers.get("host") and _host_name(netloc) in trusted


def _served_names(host: str) -> tuple[str, ...]:
    """The names a browser may use for this server besides the loopback ones: the host given,
    and for all interfaces (0.0.0.0, ::) this machine's name and addresses."""
    if host not in ("0.0.0.0", "::", ""):
        return (host,)
    names = {socket.gethostname(), socket.getfqdn()}
    with contextlib.suppress(OSError):
        names.update(socket.gethostbyname_ex(socket.gethostname())[2])
    return tuple(names)


def serve(
    host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False, allowed_hosts=()
) -> None:
    """Run the playground at http://host:port/ until Ctrl+C; print the address first.
    Requests must address it by a loopback name, ``host`` or one of ``allowed_hosts``."""
    import uvicorn

    try:
        sock = socket.create_server((host, port))
    except OSError as e:
        raise GlassnetError(
            f"cannot listen on {host}:{port} ({e.strerror}); choose another port with --port"
        ) from None
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"glassnet playground: {url}  (Ctrl+C stops it)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: other machines can reach this page", flush=True)
    app = create_app(allowed_hosts=(*_served_names(host), *allowed_hosts))
    config = uvicorn.Config(app, ws_max_size=WIRE_MAX_BYTES, log_level="warning", lifespan="on")
    if open_browser:
        webbrowser.open(url)
    uvicorn.Server(config).run(sockets=[sock])
