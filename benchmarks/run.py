"""Run the benchmark suite of issues 5 and 15 and write the results as Markdown.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /work/bench-venv/bin/python -m benchmarks.run --out benchmarks/results.md

Systems run one after another in this one process, each with the same number of threads (2 by
default: BLAS pools via threadpoolctl, torch.set_num_threads, OMP/MKL/OpenBLAS variables set
before any import, and the process pinned to that many CPUs, which also bounds XLA's pool).
Training: samples/s over whole epochs after a warm-up epoch, the median of ``--repeats`` epochs
with the spread (min..max). A system whose library is not installed is skipped with a note,
and so is a system on a workload it does not run (W8d is glassnet's alone). ``fit`` times
GlassClassifier.fit against MLPClassifier(solver="adam").fit on W6.

Peers for a full run: ``pip install torch==2.13.0`` (a CPU build from local disk), ``pip install
jax`` (CPU), scikit-learn, onnx and onnxruntime; none of them is in CI's requirements.
"""

from __future__ import annotations

import argparse
import os
import sys


def _threads(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 2


THREADS = _threads(sys.argv)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
if hasattr(os, "sched_setaffinity"):
    _cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, _cpus[:THREADS])

import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from .systems import GLASSNET, OWN, SYSTEMS, estimator_fit_times  # noqa: E402
from .workloads import INFERENCE, INFERENCE_SAMPLES, WORKLOADS, make_data  # noqa: E402

# Pause before each system so that the previous library's worker threads (OpenBLAS, OpenMP and
# Eigen pools spin for a while after their last task) are asleep when the next one starts.
SETTLE_S = 1.0


# ---- the machine -------------------------------------------------------------------------------


def cpu_model() -> str:
    """The model name of /proc/cpuinfo, and its widest SIMD extension."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    model = next(
        (ln.split(":", 1)[1].strip() for ln in text.splitlines() if "model name" in ln), ""
    )
    flags = next(
        (ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), []
    )
    simd = {"avx512f": "AVX-512", "avx2": "AVX2", "avx": "AVX"}
    widest = next((name for flag, name in simd.items() if flag in flags), "no AVX")
    return f"{model or 'unknown'} ({widest})"


def blas_info() -> list[str]:
    from threadpoolctl import threadpool_info

    return [
        f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '-'}, "
        f"{i['num_threads']} threads, {Path(i['filepath']).name})"
        for i in threadpool_info()
    ]


def matmul_ceiling(repeats: int = 5) -> dict:
    """Best float32 GFLOP/s of large square products: NumPy (OpenBLAS), and torch if present."""
    result = {}
    for n in (2048, 3072):
        a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        c = np.empty_like(a)
        np.matmul(a, a, out=c)
        best = min(_timed(lambda a=a, c=c: np.matmul(a, a, out=c)) for _ in range(repeats))
        result["numpy"] = max(result.get("numpy", 0.0), 2 * n**3 / best / 1e9)
        try:
            import torch
        except ImportError:
            continue
        t = torch.from_numpy(a)
        out = torch.empty_like(t)
        torch.matmul(t, t, out=out)
        best = min(_timed(lambda t=t, o=out: torch.matmul(t, t, out=o)) for _ in range(repeats))
        result["torch"] = max(result.get("torch", 0.0), 2 * n**3 / best / 1e9)
    return result


def _timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


# ---- probes run in a fresh process -------------------------------------------------------------


def probe_compile() -> dict:
    """Import time, the first gn.train call (compiles, or loads the disk cache) and the second."""
    start = time.perf_counter()
    import glassnet as gn
    from glassnet.engine import fused  # noqa: F401  (numba, scipy)

    imported = time.perf_counter() - start
    X, y = make_data(WORKLOADS["W2"], samples=64)
    times = []
    for _ in range(2):
        net = gn.Network([30, 64, 64, 1], seed=0)
        start = time.perf_counter()
        gn.train(net, X, y, gn.Momentum(), epochs=1, batch_size=32, engine="numba")
        times.append(time.perf_counter() - start)
    return {"import_s": imported, "first_s": times[0], "second_s": times[1]}


def probe_memory(engine: str) -> dict:
    """Resident memory around W3 training (VmRSS before, VmHWM peak of this process), and the
    Python-traced peak (NumPy arrays included) of two steady epochs."""
    import tracemalloc

    import glassnet as gn

    def status_mb(field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    workload = WORKLOADS["W3"]
    X, y = make_data(workload)
    net = gn.Network(list(workload.sizes), seed=0)
    opt = gn.Momentum()
    gn.train(net, X[:512], y[:512], opt, epochs=1, batch_size=256, engine=engine)  # warm
    before = status_mb("VmRSS")
    tracemalloc.start()
    gn.train(net, X, y, opt, epochs=2, batch_size=workload.batch_size, engine=engine)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "data_mb": (X.nbytes + y.nbytes) / 2**20,
        "parameters_mb": sum(p.nbytes for p in net.parameters()) / 2**20,
        "rss_before_mb": before,
        "peak_rss_mb": status_mb("VmHWM"),
        "traced_peak_mb": traced_peak / 2**20,
    }


def _subprocess(args: list[str], env: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the measurements --------------------------------------------------------------------------


def measure_training(systems, workloads, repeats: int, log, skipped=None) -> dict:
    results = {}
    for wname in workloads:
        workload = WORKLOADS[wname]
        X, y = make_data(workload)
        for system in systems:
            reason = system.unsupported(workload)
            if reason is not None:
                if system.trains and skipped is not None:
                    skipped.append((f"{system.name} on {wname}", reason))
                continue
            time.sleep(SETTLE_S)
            load = os.getloadavg()[0]
            times = np.array(system.train(workload, X, y, 1 + repeats))
            rate = workload.samples / times[1:]
            entry = {
                "median": float(np.median(rate)),
                "min": float(rate.min()),
                "max": float(rate.max()),
                "warmup_s": float(times[0] - np.median(times[1:])),
                "load": load,
            }
            results[(wname, system.name)] = entry
            log(
                f"{wname} {system.name:16s} {entry['median']:>14,.0f} samples/s "
                f"({entry['min']:,.0f}..{entry['max']:,.0f})  warm-up +{entry['warmup_s']:.2f} s"
                f"  load {load:.2f}"
            )
    return results


def measure_inference(systems, repeats: int, log) -> dict:
    results = {}
    for wname in INFERENCE:
        workload = WORKLOADS[wname]
        X, _ = make_data(workload, samples=INFERENCE_SAMPLES, seed=1)
        one = X[:1]
        for system in systems:
            time.sleep(SETTLE_S)
            load = os.getloadavg()[0]
            predict = system.predictor(workload)
            predict(one), predict(X)
            latency = float(np.median([_timed(lambda f=predict, x=one: f(x)) for _ in range(300)]))
            batch = float(np.median([_timed(lambda f=predict, x=X: f(x)) for _ in range(repeats)]))
            results[(wname, system.name)] = {
                "latency_us": latency * 1e6,
                "throughput": INFERENCE_SAMPLES / batch,
                "load": load,
            }
            log(
                f"W5/{wname} {system.name:16s} latency {latency * 1e6:8.1f} us   "
                f"{INFERENCE_SAMPLES / batch:>14,.0f} samples/s  load {load:.2f}"
            )
    return results


# ---- the report --------------------------------------------------------------------------------


def _best_peer(results, wname, key, names, lower_is_better=False):
    peers = [(results[(wname, n)][key], n) for n in names if n not in OWN and (wname, n) in results]
    if not peers:
        return None, None
    return min(peers) if lower_is_better else max(peers)


def _fmt(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def report(info, ceiling, training, inference, compile_times, memory, names, skipped) -> str:
    peak = max(ceiling.values())
    lines = ["## Training throughput (samples/s, median of the epochs after a warm-up)", ""]
    lines.append("| workload | " + " | ".join(names) + " | glassnet / best peer |")
    lines.append("|" + " --- |" * (len(names) + 2))
    for wname, workload in WORKLOADS.items():
        if not any((wname, n) in training for n in names):
            continue
        cells = []
        for n in names:
            r = training.get((wname, n))
            cells.append(
                "-" if r is None else f"{_fmt(r['median'])} ({_fmt(r['min'])}..{_fmt(r['max'])})"
            )
        best, who = _best_peer(training, wname, "median", names)
        ours = training.get((wname, GLASSNET))
        ratio = f"**{ours['median'] / best:.2f}** vs {who}" if best and ours else "-"
        label = f"{wname} {workload.title} {list(workload.sizes)} b{workload.batch_size}"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    lines += [
        "",
        f"## Achieved GFLOP/s (6 x parameters x samples/s) and fraction of the "
        f"float32 matmul ceiling ({peak:.0f} GFLOP/s)",
        "",
    ]
    lines.append("| workload | " + " | ".join(names) + " |")
    lines.append("|" + " --- |" * (len(names) + 1))
    for wname, workload in WORKLOADS.items():
        if not any((wname, n) in training for n in names):
            continue
        cells = []
        for n in names:
            r = training.get((wname, n))
            g = None if r is None else workload.gflop(r["median"])
            cells.append("-" if g is None else f"{g:.1f} ({g / peak:.2f})")
        lines.append(f"| {wname} | " + " | ".join(cells) + " |")
    if inference:
        lines += [
            "",
            "## W5 inference: predict_proba latency for 1 sample (us, lower is better) "
            f"and throughput for {INFERENCE_SAMPLES:,} samples (samples/s)",
            "",
        ]
        lines.append("| network | " + " | ".join(names) + " | glassnet / best peer |")
        lines.append("|" + " --- |" * (len(names) + 2))
        for wname in INFERENCE:
            for key, title, lower in (
                ("latency_us", "1 sample, us", True),
                ("throughput", "10k, samples/s", False),
            ):
                if not any((wname, n) in inference for n in names):
                    continue
                cells = []
                for n in names:
                    r = inference.get((wname, n))
                    cells.append("-" if r is None else (f"{r[key]:.1f}" if lower else _fmt(r[key])))
                best, who = _best_peer(inference, wname, key, names, lower_is_better=lower)
                ours = inference.get((wname, GLASSNET))
                if best and ours:
                    ratio = best / ours[key] if lower else ours[key] / best
                    cell = f"**{ratio:.2f}** vs {who}"
                else:
                    cell = "-"
                lines.append(f"| {wname} {title} | " + " | ".join(cells) + f" | {cell} |")
    lines += [
        "",
        "## Warm-up (first epoch minus a steady epoch, s: compilation, tracing, caches)",
        "",
    ]
    lines.append("| workload | " + " | ".join(names) + " |")
    lines.append("|" + " --- |" * (len(names) + 1))
    for wname in WORKLOADS:
        if any((wname, n) in training for n in names):
            cells = [
                f"{training[(wname, n)]['warmup_s']:.2f}" if (wname, n) in training else "-"
                for n in names
            ]
            lines.append(f"| {wname} | " + " | ".join(cells) + " |")
    if compile_times:
        cold, warm = compile_times
        compiled = cold["first_s"] - cold["second_s"]
        loaded = warm["first_s"] - warm["second_s"]
        lines += [
            "",
            "## glassnet numba compile time (fresh processes, W2-sized float32 run)",
            "",
            f"- import glassnet + numba + scipy: {cold['import_s']:.2f} s",
            f"- empty disk cache: first gn.train {cold['first_s']:.2f} s, second "
            f"{cold['second_s'] * 1e3:.1f} ms: compilation {compiled:.2f} s",
            f"- second process, cache on disk: first gn.train {warm['first_s']:.2f} s, second "
            f"{warm['second_s'] * 1e3:.1f} ms: cache load {loaded:.2f} s",
        ]
    if memory:
        lines += ["", "## W3 training memory (fresh process, 2 epochs after a warm-up)", ""]
        lines.append(
            "| engine | data MB | parameters MB | RSS before MB | peak RSS MB | "
            "Python-traced peak during training MB |"
        )
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for engine, m in memory.items():
            lines.append(
                f"| {engine} | {m['data_mb']:.1f} | {m['parameters_mb']:.1f} | "
                f"{m['rss_before_mb']:.0f} | {m['peak_rss_mb']:.0f} | {m['traced_peak_mb']:.2f} |"
            )
    lines += ["", "## Machine and load", ""]
    lines += [f"- {line}" for line in info]
    loads = [r["load"] for r in list(training.values()) + list(inference.values())]
    if loads:
        lines.append(
            f"- 1-minute load average before each system: min {min(loads):.2f}, "
            f"median {np.median(loads):.2f}, max {max(loads):.2f}"
        )
    lines.append(
        "- float32 matmul ceiling: " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in ceiling.items())
    )
    for name, reason in skipped:
        lines.append(f"- skipped {name}: {reason}")
    for system in SYSTEMS:
        if system.note and system.name in names:
            lines.append(f"- {system.name}: {system.note}")
    if inference:
        lines.append(
            "- W5: glassnet numba is net.predict_proba(X) (the fused forward pass, its default), "
            "glassnet numpy is net.forward(X) (Network's NumPy forward pass); both validate X; "
            "onnxruntime runs glassnet's ONNX export of the same network"
        )
    return "\n".join(lines) + "\n"


def fit_report(fits: dict, epochs: int) -> str:
    """The estimator section: seconds of one fit on W6, and the ratio."""
    w6 = WORKLOADS["W6"]
    lines = [
        "",
        f"## Estimator fit on W6 ({w6.samples:,} samples, {list(w6.sizes)}, Adam lr {w6.lr}, "
        f"batch {w6.batch_size}, {epochs} epochs; seconds, lower is better)",
        "",
        "| estimator | seconds |",
        "| --- | --- |",
    ]
    for name, value in fits.items():
        lines.append(f"| {name} | {value:.2f} |" if isinstance(value, float) else f"| {name} | "
                     f"{value} |")  # fmt: skip
    ours, theirs = fits.get("GlassClassifier"), fits.get("MLPClassifier")
    if isinstance(ours, float) and isinstance(theirs, float):
        lines += ["", f"GlassClassifier is **{theirs / ours:.2f}x** as fast as MLPClassifier."]
    return "\n".join(lines) + "\n"


def machine_info(threads: int) -> list[str]:
    import importlib.metadata as md

    versions = []
    for package in ("numpy", "scipy", "numba", "torch", "jax", "jaxlib", "scikit-learn",
                    "onnxruntime"):  # fmt: skip
        try:
            versions.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            pass
    env = {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} logical CPUs, {threads} threads per system",
        f"Python {platform.python_version()}; " + ", ".join(versions),
        "BLAS: " + "; ".join(blas_info()),
        f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: {env['OPENBLAS_CORETYPE']} / "
        f"{env['OPENBLAS_L2_SIZE']}",
        "run at " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument("--workloads", default="W1,W2,W3,W4,W6,W7,W8,W8d,W5,fit")
    parser.add_argument("--fit-epochs", type=int, default=5, help="epochs of the fit timing")
    parser.add_argument("--systems", default="", help="comma-separated names (default all)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-probes", action="store_true", help="skip compile/memory probes")
    parser.add_argument("--probe", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        kind, *rest = args.probe
        print(json.dumps(probe_compile() if kind == "compile" else probe_memory(rest[0])))
        return

    wanted = [s.strip() for s in args.systems.split(",") if s.strip()]
    systems, skipped = [], []
    for system in SYSTEMS:
        if wanted and system.name not in wanted:
            continue
        reason = system.missing()
        (skipped.append((system.name, reason)) if reason else systems.append(system))
    for name, reason in skipped:
        print(f"skipping {name}: {reason}")
    names = [s.name for s in systems]
    for system in systems:
        if hasattr(system, "threads"):
            system.threads = args.threads

    # Import every library first so that threadpoolctl sees (and limits) all of their pools.
    for module in ("scipy.linalg", "glassnet.engine.fused", "torch", "jax", "sklearn"):
        try:
            __import__(module)
        except ImportError:
            pass
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        info = machine_info(args.threads)
        for line in info:
            print(line)
        print(f"load average before: {os.getloadavg()}")
        ceiling = matmul_ceiling()
        print("float32 matmul ceiling (GFLOP/s):", {k: round(v) for k, v in ceiling.items()})
        training_names = [w for w in args.workloads.split(",") if w in WORKLOADS]
        training_systems = [s for s in systems if s.trains]
        training = measure_training(training_systems, training_names, args.repeats, print,
                                    skipped)  # fmt: skip
        inference = (
            measure_inference(systems, args.repeats, print) if "W5" in args.workloads else {}
        )
        fits = None
        if "fit" in args.workloads.split(","):
            X, y = make_data(WORKLOADS["W6"])
            fits = estimator_fit_times(WORKLOADS["W6"], X, y, args.fit_epochs)
            print(f"W6 fit, {args.fit_epochs} epochs:", fits)
    compile_times, memory = None, {}
    if not args.no_probes and GLASSNET in names:
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache}
            compile_times = (
                _subprocess(["--probe", "compile"], env),
                _subprocess(["--probe", "compile"], env),
            )
        for engine in ("numba", "numpy"):
            memory[engine] = _subprocess(["--probe", "memory", engine])
    text = report(info, ceiling, training, inference, compile_times, memory, names, skipped)
    if fits:
        text += fit_report(fits, args.fit_epochs)
    print()
    print(text)
    if args.out:
        args.out.write_text(text)
        from .write_docs import RESULTS, performance

        if args.out.resolve() == RESULTS:  # the README's table follows the suite's results
            performance()


if __name__ == "__main__":
    main()
