"""``glassnet export MODEL --onnx OUT``: a model file as an ONNX graph."""

from __future__ import annotations

from ..files.model import load
from .common import optional_module


def run(args) -> int:
    onnx = optional_module("files.onnx", "export", "onnx")
    path = onnx.to_onnx(load(args.model), args.onnx)
    print(f"wrote {path}")
    return 0
