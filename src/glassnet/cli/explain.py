"""``glassnet explain MODEL DATA``: the backprop trace of the first rows of DATA through the
model's network (``glassnet.explain``): each formula of the chain rule, the shapes it multiplies
and the first values of every array, as the network's own backprop computed them."""

from __future__ import annotations

from .. import readers
from ..explain import explain
from ..files.model import load
from .common import prepared


def run(args) -> int:
    model = load(args.model)
    data = readers.for_model(model, args.data, args.target, labels=True)
    inputs = prepared(model, data, strict=False)  # the network's input, prepared as in training
    print(f"model {args.model} on the first rows of {data.source}")
    print(explain(model.network, inputs, data.y, batch_size=args.rows, shown=args.values))
    return 0
