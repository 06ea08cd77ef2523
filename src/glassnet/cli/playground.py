"""``glassnet playground``: the interactive playground in a browser."""

from __future__ import annotations

from .common import optional_module


def run(args) -> int:
    playground = optional_module("playground", "playground", "playground")
    playground.serve(args.host, args.port, args.open)
    return 0
