"""``glassnet sweep DATA --grid NAME=VALUES ...``: every combination of a hyper-parameter grid,
trained on Dask by ``glassnet.sweep`` and printed ranked by validation accuracy (or cost)."""

from __future__ import annotations

import sys
import time

from .. import readers
from ..errors import GlassnetError
from ..validation import check_count
from .common import optional_module


def run(args) -> int:
    sweeps = optional_module("sweep", "sweep", "dask")
    try:
        from dask.distributed import Client
    except ImportError:
        raise GlassnetError('glassnet sweep runs on Dask: pip install "glassnet[dask]"') from None
    combinations = sweeps.grid(args.grid)
    image_size = check_count(args.image_size, "image_size")
    folds = None if args.cv is None else check_count(args.cv, "cv", minimum=2)
    data = readers.read(
        args.data,
        target=args.target,
        positive=args.positive,
        image_size=(image_size, image_size),
        seed=args.seed,
    )
    if folds is not None and folds > data.n_samples:
        raise GlassnetError(
            f"--cv {folds} needs at least {folds} samples; {data.source} has {data.n_samples}"
        )
    validation = f"{folds}-fold cross-validation" if folds else "a seeded 80/20 hold-out"
    inputs = data.table if data.table is not None else data.X
    where = args.scheduler or "a new local Dask cluster"
    print("glassnet sweep")
    print(f"  data       {data.describe()}")
    print(f"  grid       {len(combinations)} combination(s) of {', '.join(combinations[0])}")
    print(f"  measured   on {validation}, seed {args.seed}, on {where}")
    sys.stdout.flush()
    start = time.perf_counter()
    if args.scheduler is None:
        results = sweeps.run(inputs, data.y, combinations, folds=folds, seed=args.seed)
    else:
        try:
            client = Client(args.scheduler)
        except (OSError, ValueError, TypeError) as e:
            raise GlassnetError(
                f"cannot reach the Dask scheduler at {args.scheduler} ({e}); check the address "
                "(e.g. tcp://host:8786) and that the scheduler is running"
            ) from None
        with client:
            results = sweeps.run(
                inputs, data.y, combinations, folds=folds, seed=args.seed, scheduler=client
            )
    print(f"done: {len(results)} combination(s) in {time.perf_counter() - start:.1f} s")
    print()
    print(_ranking(results, list(combinations[0])))
    return 0


def _ranking(results: list, names: list[str]) -> str:
    """The ranked table: rank, the varied parameters, validation accuracy and cost."""
    header = ["rank", *names, "validation accuracy", "validation cost"]
    rows = [
        [
            str(rank),
            *(_parameter_text(r.params[name]) for name in names),
            "-" if r.val_accuracy is None else f"{r.val_accuracy:.4f}",
            f"{r.val_cost:.4f}",
        ]
        for rank, r in enumerate(results, start=1)
    ]
    widths = [max(len(row[j]) for row in [header, *rows]) for j in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if j <= len(names) else cell.rjust(w)
            for j, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    )


def _parameter_text(value) -> str:
    """A grid value as it is written on the command line: layers [20, 7, 5] -> 20,7,5."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
