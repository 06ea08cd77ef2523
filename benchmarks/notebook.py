"""What the notebook's live view costs: the demo's training with it against the same without it.

    python benchmarks/notebook.py [--repeats 5] [--epochs 25] [--n-train 3000]

The issue asks that the live view (``glassnet.notebook.LiveView``: tqdm's notebook bar and the
figure redrawn in place) slow the demo's training by at most 5 %. So this measures it where it
runs: inside a real Jupyter kernel (nbclient + ipykernel executing a generated notebook, whose
front end, nbclient, receives every widget message and every in-place update of the figure).

The training is the demo's (``glassnet demo``): the lecture's cat network [12288, 20, 7, 5, 1]
built from ``demo.LECTURE`` by the setup layer, on the demo's drawn cats (``--n-train``
training images, standardized, and the separately drawn validation images scored every epoch),
with the demo's optimizer, mini-batches and seed, on the default engine. Each run trains a fresh
network from the same initial weights:

    none   gn.train alone (the demo's ``--no-progress``)
    view   the same inside ``with LiveView(...)``, timed from making the view to closing it
           (the bar, every epoch's measuring and redrawing, and the last redraw on closing:
           everything the cell waits for)

One cell per run, interleaved (none, view, none, view, ...) in the one kernel, after a warm-up
cell that trains both for two epochs (numba's compilation, matplotlib's fonts), so that the
machine's load falls on both alike. It prints the median seconds of each and their ratio, the
ratio of the kernel's CPU seconds, and the view's own seconds against the training's in the same
runs, with the 1-minute load average before and after.

The verdict (at most 5 %) is read from the view's own clock. On this project's shared 2-core
machines the training alone varies by a fifth or more from one run to the next (the spread of
the "none" runs is printed), so five pairs of wall-clock or CPU times cannot resolve 5 %; the
view's own clock is taken in the same runs and is not moved by that. It does not see work the
view leaves to other threads: the one such cost found (NumPy's BLAS threads spinning, after the
view measured the gradient norms, on the cores the next epoch trains on: 14 % more CPU time) is
removed by measuring on one BLAS thread, and the CPU ratio is printed to catch another.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import textwrap

LIMIT = 0.05  # the issue's: at most 5 % slower with the view
_TAG = "@@glassnet-benchmark "

SETUP = """\
import json, time
import numpy as np
import glassnet as gn
from glassnet import datasets, demo
from glassnet.notebook import LiveView, in_notebook
from glassnet.recipe import make_network, make_optimizer

assert in_notebook()
recipe = demo.LECTURE.replace(epochs={epochs}, seed=0)
images, y, _, _ = datasets.cats({n_train}, 2, 0)
images_val, y_val = datasets.draw_cats(demo.N_VALIDATION, np.random.default_rng([0, 2]))
scaler = gn.Standardizer().fit(datasets.image_features(images))
X, X_val = (scaler.transform(datasets.image_features(a)) for a in (images, images_val))

def run(view, epochs=recipe.epochs):
    net = make_network(recipe, demo.N_FEATURES, "classification", 2)
    options = dict(epochs=epochs, batch_size=recipe.batch_size, seed=recipe.seed,
                   validation_data=(X_val, y_val))
    start, cpu = time.perf_counter(), time.process_time()
    if view:
        with LiveView(net, X, y, epochs=epochs, desc="cats") as live:
            history = gn.train(net, X, y, make_optimizer(recipe), callbacks=[live], **options)
            trained = time.perf_counter()
        closing = time.perf_counter() - trained  # the last redraw, after training
        shown = {{"draws": live.draws, "seconds_in_view": live.seconds_in_view + closing,
                 "norms_measured": int(sum(np.isfinite(n[0]) for n in live.norms))}}
    else:
        history = gn.train(net, X, y, make_optimizer(recipe), **options)
        shown = {{}}
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {{"view": view, "seconds": seconds, "cpu_seconds": cpu, "epochs": history.epochs,
            "final_cost": history.epoch_costs[-1], **shown}}
"""
WARM_UP = "run(False, epochs=2); run(True, epochs=2); print('warm')"
RUN = f"print({_TAG!r} + json.dumps(run({{view}})))"


def notebook(repeats: int, epochs: int, n_train: int):
    """The benchmark's notebook: setup, warm-up, then ``repeats`` pairs of cells (none, view)."""
    import nbformat

    code = nbformat.v4.new_code_cell
    cells = [code(SETUP.format(epochs=epochs, n_train=n_train)), code(WARM_UP)]
    for _ in range(repeats):
        cells += [code(RUN.format(view=False)), code(RUN.format(view=True))]
    return nbformat.v4.new_notebook(cells=cells)


def measure(repeats: int = 5, epochs: int = 25, n_train: int = 3000) -> dict:
    """Execute the notebook in a fresh python3 kernel; the runs, medians and ratio."""
    import nbclient

    load_before = os.getloadavg()[0]
    book = notebook(repeats, epochs, n_train)
    nbclient.NotebookClient(book, timeout=1800, kernel_name="python3").execute()
    load_after = os.getloadavg()[0]
    runs = []
    for cell in book.cells[2:]:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            raise RuntimeError("\n".join(errors[0].traceback))
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        (line,) = [ln for ln in text.splitlines() if ln.startswith(_TAG)]
        run = json.loads(line[len(_TAG) :])
        if run["view"]:  # the view really rendered: the widget bar and the figure reached nbclient
            mimes = {m for o in cell.outputs for m in o.get("data", {})}
            run["rendered"] = {"application/vnd.jupyter.widget-view+json", "text/html"} <= mimes
        runs.append(run)
    viewed = [r for r in runs if r["view"]]
    plain = [r for r in runs if not r["view"]]
    none = [r["seconds"] for r in plain]
    view = [r["seconds"] for r in viewed]
    ratio = statistics.median(view) / statistics.median(none)
    cpu_ratio = statistics.median(r["cpu_seconds"] for r in viewed) / statistics.median(
        r["cpu_seconds"] for r in plain
    )
    return {
        "repeats": repeats,
        "epochs": epochs,
        "n_train": n_train,
        "runs": runs,
        "median_none": statistics.median(none),
        "median_view": statistics.median(view),
        "ratio": ratio,
        "none_spread": max(none) / min(none),
        "paired_ratios": [v / n for v, n in zip(view, none)],
        "cpu_ratio": cpu_ratio,
        "rendered": all(r["rendered"] for r in viewed),
        "median_draws": statistics.median(r["draws"] for r in viewed),
        "median_seconds_in_view": statistics.median(r["seconds_in_view"] for r in viewed),
        # the view's own time against the training's, from the same run: load slows both alike
        "median_share": statistics.median(
            r["seconds_in_view"] / (r["seconds"] - r["seconds_in_view"]) for r in viewed
        ),
        "median_norms_measured": statistics.median(r["norms_measured"] for r in viewed),
        "within_limit": statistics.median(
            r["seconds_in_view"] / (r["seconds"] - r["seconds_in_view"]) for r in viewed
        ) <= LIMIT,
        "same_training": len({r["final_cost"] for r in runs}) == 1,
        "load_before": load_before,
        "load_after": load_after,
    }


def table(result: dict) -> str:
    """The result as a Markdown table and a paragraph of what it means."""
    runs = ", ".join(
        f"{'view' if r['view'] else 'none'} {r['seconds']:.2f}" for r in result["runs"]
    )
    paired = ", ".join(f"{r:.3f}" for r in result["paired_ratios"])
    verdict = "yes" if result["within_limit"] else "**no**"
    head = textwrap.dedent(f"""\
        | the demo's training ({result['epochs']} epochs, {result['n_train']} cat images) \
| median seconds |
        | --- | --- |
        | without a view (`gn.train` alone) | {result['median_none']:.2f} |
        | with the live view (bar and figure, in a Jupyter kernel) | {result['median_view']:.2f} |
        | ratio with / without | {result['ratio']:.3f} |
        | the view's own seconds / the training's, in the same run | \
**{result['median_share']:.1%}** (at most {LIMIT:.0%}: {verdict}) |
        """)
    text = (
        f"{result['repeats']} runs of each, interleaved in one kernel (seconds, in order: "
        f"{runs}; ratio of each pair: {paired}; ratio of the kernel's CPU seconds: "
        f"{result['cpu_ratio']:.3f}; the slowest run without the view took "
        f"{result['none_spread']:.2f} times the fastest, which is why the verdict is read from "
        f"the view's own clock). Per run (median) the view redrew its figure "
        f"{result['median_draws']:g} times, measured the gradient norms after "
        f"{result['median_norms_measured']:g} of {result['epochs']} epochs and spent "
        f"{result['median_seconds_in_view']:.2f} s in all (its own clock, the last row: on a "
        f"busy machine the least noisy figure); both trainings end at the same cost: "
        f"{'yes' if result['same_training'] else '**no**'}. 1-minute load average "
        f"{result['load_before']:.2f} before, {result['load_after']:.2f} after."
    )
    return head + "\n" + textwrap.fill(text, 98) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--epochs", type=int, default=25, help="the demo's 25 by default")
    parser.add_argument("--n-train", type=int, default=3000, help="the demo's 3000 by default")
    parser.add_argument("--json", help="also write the whole result to this file")
    args = parser.parse_args()
    result = measure(args.repeats, args.epochs, args.n_train)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    print(table(result))
    raise SystemExit(0 if result["within_limit"] and result["rendered"] else 1)


if __name__ == "__main__":
    main()
