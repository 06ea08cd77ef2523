"""The glassnet playground: a local web page that shows a network learning, live.

``serve()`` starts it (``glassnet playground`` on the command line); ``create_app()`` returns the
ASGI app for tests. Each browser tab is a ``Session`` training a real ``gn.Network`` with the
real ``gn.train``. Needs the ``playground`` extra: ``pip install "glassnet[playground]"``.
"""

from __future__ import annotations

from ..errors import GlassnetError

_EXTRA = 'the playground needs Starlette and uvicorn: pip install "glassnet[playground]"'


def _server():
    try:
        from . import server
    except ImportError as e:
        raise GlassnetError(f"{_EXTRA} ({e})") from None
    return server


def create_app(
    max_sessions: int = 8,
    max_message_bytes: int = 16_384,
    update_interval: float = 0.05,
    allowed_hosts=(),
):
    """The playground's Starlette app: at most ``max_sessions`` tabs, messages of at most
    ``max_message_bytes``, an update to each tab at most every ``update_interval`` seconds;
    requests addressed to a loopback name or one of ``allowed_hosts`` only."""
    return _server().create_app(max_sessions, max_message_bytes, update_interval, allowed_hosts)


def serve(
    host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False, allowed_hosts=()
) -> None:
    """Serve the playground at http://host:port/ (printed first) until Ctrl+C.
    ``open_browser`` opens it in the default browser. Requests must address the server by a
    loopback name, ``host`` or one of ``allowed_hosts`` (DNS rebinding is refused)."""
    try:
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise GlassnetError(f"{_EXTRA} ({e})") from None
    _server().serve(host, port, open_browser, allowed_hosts)


__all__ = ["create_app", "serve"]
