"""``glassnet demo``: train the cat classifier on drawn cats (``glassnet.demo.run``)."""

from __future__ import annotations

from ..validation import check_count
from .common import optional_module


def run(args) -> int:
    demo = optional_module("demo", "demo", "demo")
    if args.epochs is not None:
        check_count(args.epochs, "epochs")
    demo.run(
        out_dir=args.out,
        epochs=args.epochs,
        seed=args.seed,
        progress=not args.no_progress,
        echo=print,
    )
    return 0
