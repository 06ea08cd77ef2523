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


def _pool(match) -> str:
    """The threadpoolctl entry of the BLAS library ``match(entry)`` picks: library, version,
    kernel (its architecture) and threads."""
    from threadpoolctl import threadpool_info

    for i in threadpool_info():
        if i["user_api"] == "blas" and match(i):
            return (f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '-'}"
                    f", {i['num_threads']} threads, {Path(i['filepath']).name})")  # fmt: skip
    return "not loaded"


def system_blas(name: str) -> str:
    """The BLAS a system's products run on, read off the process (threadpoolctl, torch's build
    configuration, glassnet's engine)."""
    pools = {  # how threadpoolctl's entry of each library glassnet's engine may bind looks
        "mkl": lambda i: i["internal_api"] == "mkl",
        "numpy": lambda i: "numpy.libs" in i["filepath"],
        "scipy": lambda i: "scipy.libs" in i["filepath"],
    }
    if name == GLASSNET:
        from glassnet.engine import blas

        key = next(k for k, v in blas.LIBRARIES.items() if v[0] == blas.LIBRARY)
        return f"{blas.LIBRARY}: {_pool(pools[key])}"
    if name in ("glassnet numpy", "textbook NumPy", "scikit-learn"):
        return f"NumPy's: {_pool(pools['numpy'])}"
    if name == "PyTorch eager":
        import torch

        config = torch.__config__.show()
        info = next((part.split("=", 1)[1] for part in config.replace(",", " ").split()
                     if part.startswith("BLAS_INFO=")), "unknown")  # fmt: skip
        return f"torch's own {info} (built in), {torch.get_num_threads()} threads"
    if name.startswith("JAX"):
        return "XLA:CPU's own kernels (Eigen), its pool bounded by the process' CPUs"
    if name == "onnxruntime":
        return "onnxruntime's own MLAS, intra_op_num_threads as the others"
    return "-"


def matmul_ceiling(repeats: int = 5) -> dict:
    """Best float32 GFLOP/s of large square products: NumPy (OpenBLAS), the BLAS glassnet's
    engine binds, and torch if present."""
    result = {}
    for n in (2048, 3072):
        a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        c = np.empty_like(a)
        np.matmul(a, a, out=c)
        best = min(_timed(lambda a=a, c=c: np.matmul(a, a, out=c)) for _ in range(repeats))
        result["numpy"] = max(result.get("numpy", 0.0), 2 * n**3 / best / 1e9)
        try:  # the library glassnet's engine binds (engine/blas.py), through its own gemm
            from glassnet.engine import blas
        except ImportError:
            pass
        else:
            scratch = (np.zeros(6, blas.INT), np.zeros(2, np.uint8), np.zeros(2, np.float32))

            def product(a=a, c=c, scratch=scratch):
                blas.gemm(c, a, a, False, False, 1.0, 0.0, *scratch)

            product()
            best = min(_timed(product) for _ in range(repeats))
            result["engine"] = max(result.get("engine", 0.0), 2 * n**3 / best / 1e9)
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


def _span(values) -> str:
    return f"{min(values):.2f}..{max(values):.2f}"


def _median_time(f, X, calls: int) -> float:
    """The median seconds of ``calls`` calls f(X)."""
    return float(np.median([_timed(lambda: f(X)) for _ in range(calls)]))


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


def measure_training(systems, workloads, repeats: int, rounds: int, log, skipped=None) -> dict:
    """Every system on each workload in ``rounds`` interleaved rounds (A B C, A B C, ...), so
    that a change of load on the machine falls on all of them alike. In a round a system trains
    a warm-up epoch and ``repeats`` epochs (a workload's own ``epochs`` where it sets them); the
    round's rate is the median samples/s of those epochs."""
    results = {}
    for wname in workloads:
        workload = WORKLOADS[wname]
        X, y = make_data(workload)
        running = []
        for system in systems:
            reason = system.unsupported(workload)
            if reason is None:
                running.append(system)
            elif system.trains and skipped is not None:
                skipped.append((f"{system.name} on {wname}", reason))
        epochs = workload.epochs or repeats
        for r in range(rounds):
            for system in running:
                time.sleep(SETTLE_S)
                load = os.getloadavg()[0]
                times = np.array(system.train(workload, X, y, 1 + epochs))
                rate = workload.samples / float(np.median(times[1:]))
                entry = results.setdefault((wname, system.name), {"rounds": [], "loads": []})
                entry["rounds"].append(rate)
                entry["loads"].append(load)
                if r == 0:
                    entry["warmup_s"] = float(times[0] - np.median(times[1:]))
                log(f"{wname} round {r + 1} {system.name:16s} {rate:>14,.0f} samples/s  "
                    f"load {load:.2f}")  # fmt: skip
    for entry in results.values():
        _summarize(entry, "rounds")
    return results


def _summarize(entry: dict, key: str) -> None:
    """The median of a measure over the rounds, its range, and the median load."""
    values = np.array(entry[key])
    entry.update(median=float(np.median(values)), min=float(values.min()),
                 max=float(values.max()), load=float(np.median(entry["loads"])))  # fmt: skip


def measure_inference(systems, repeats: int, rounds: int, log) -> dict:
    """predict_proba latency for one sample (the median of 300 calls) and throughput for
    ``INFERENCE_SAMPLES`` (the median of ``repeats`` calls), in interleaved rounds."""
    results = {}
    for wname in INFERENCE:
        workload = WORKLOADS[wname]
        X, _ = make_data(workload, samples=INFERENCE_SAMPLES, seed=1)
        one = X[:1]
        predictors = {}
        for system in systems:
            predictors[system.name] = predict = system.predictor(workload)
            predict(one), predict(X)
        for r in range(rounds):
            for system in systems:
                predict = predictors[system.name]
                time.sleep(SETTLE_S)
                load = os.getloadavg()[0]
                latency = _median_time(predict, one, 300)
                rate = INFERENCE_SAMPLES / _median_time(predict, X, repeats)
                entry = results.setdefault(
                    (wname, system.name), {"latency_us": [], "throughput": [], "loads": []}
                )
                entry["latency_us"].append(latency * 1e6)
                entry["throughput"].append(rate)
                entry["loads"].append(load)
                log(
                    f"W5/{wname} round {r + 1} {system.name:16s} latency "
                    f"{latency * 1e6:8.1f} us {rate:>14,.0f} samples/s  load {load:.2f}"
                )
    return results


def ratios(results, wname, key, names, lower_is_better=False) -> dict | None:
    """glassnet against the best peer, round by round: in each round glassnet's measure over
    the best peer's of that round (their time over ours where lower is better); the median of
    those ratios, their range, and the peer best on the median. None without glassnet or a
    peer."""
    ours = results.get((wname, GLASSNET))
    peers = {n: results[(wname, n)][key] for n in names
             if n not in OWN and (wname, n) in results}  # fmt: skip
    if ours is None or not peers:
        return None
    best = min if lower_is_better else max
    per_round = []
    for r, value in enumerate(ours[key]):
        other = best(values[r] for values in peers.values())
        per_round.append(other / value if lower_is_better else value / other)
    who = best(peers, key=lambda n: float(np.median(peers[n])))
    return {"median": float(np.median(per_round)), "min": min(per_round),
            "max": max(per_round), "peer": who, "rounds": per_round}  # fmt: skip


# ---- the report --------------------------------------------------------------------------------


def _ratio_cell(ratio: dict | None) -> str:
    if ratio is None:
        return "-"
    return f"**{ratio['median']:.2f}** ({ratio['min']:.2f}..{ratio['max']:.2f}) vs {ratio['peer']}"


def _fmt(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def report(info, ceiling, training, inference, compile_times, memory, names, skipped,
           rounds) -> str:  # fmt: skip
    peak = max(ceiling.values())
    lines = [
        f"## Training throughput (samples/s: the median over {rounds} interleaved rounds of each "
        "round's median epoch after a warm-up, with the range over the rounds)",
        "",
        "glassnet / best peer: in each round glassnet's rate over the best peer's of that round; "
        "the median of those ratios and their range.",
        "",
    ]
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
        ratio = _ratio_cell(ratios(training, wname, "rounds", names))
        label = f"{wname} {workload.title} {list(workload.sizes)} b{workload.batch_size}"
        if workload.dtype != "float32":
            label += f" {workload.dtype}"
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
            f"and throughput for {INFERENCE_SAMPLES:,} samples (samples/s), the median over "
            f"{rounds} interleaved rounds",
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
                    value = None if r is None else float(np.median(r[key]))
                    cells.append("-" if r is None else (f"{value:.1f}" if lower else _fmt(value)))
                cell = _ratio_cell(ratios(inference, wname, key, names, lower_is_better=lower))
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
    loads = [x for r in list(training.values()) + list(inference.values()) for x in r["loads"]]
    if loads:
        lines.append(
            f"- 1-minute load average before each system: min {min(loads):.2f}, "
            f"median {np.median(loads):.2f}, max {max(loads):.2f}"
        )
    lines.append(
        "- float32 matmul ceiling: " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in ceiling.items())
    )
    for name in names:
        lines.append(f"- BLAS of {name}: {system_blas(name)}")
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


def fit_report(rounds: list[dict], epochs: int) -> str:
    """The estimator section: seconds of one fit on W6 in each round (the median and range),
    and the ratio (the median of the rounds' ratios)."""
    w6 = WORKLOADS["W6"]
    lines = [
        "",
        f"## Estimator fit on W6 ({w6.samples:,} samples, {list(w6.sizes)}, Adam lr {w6.lr}, "
        f"batch {w6.batch_size}, {epochs} epochs; seconds, lower is better)",
        "",
        "| estimator | seconds (range over the rounds) |",
        "| --- | --- |",
    ]
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        failed = [v for v in values if not isinstance(v, float)]
        cell = failed[0] if failed else f"{np.median(values):.2f} ({_span(values)})"
        lines.append(f"| {name} | {cell} |")
    pairs = ("GlassClassifier", "MLPClassifier")
    speedups = [r[pairs[1]] / r[pairs[0]] for r in rounds
                if all(isinstance(r.get(k), float) for k in pairs)]  # fmt: skip
    if speedups:
        lines += ["", f"GlassClassifier is **{np.median(speedups):.2f}x** ({_span(speedups)}) "
                  "as fast as MLPClassifier."]  # fmt: skip
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
    parser.add_argument("--workloads", default="W0,W0d,W1,W2,W3,W4,W6,W7,W8,W8d,W5,fit")
    parser.add_argument("--fit-epochs", type=int, default=5, help="epochs of the fit timing")
    parser.add_argument("--systems", default="", help="comma-separated names (default all)")
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (>= 3)")
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
        training = measure_training(training_systems, training_names, args.repeats, args.rounds,
                                    print, skipped)  # fmt: skip
        inference = (
            measure_inference(systems, args.repeats, args.rounds, print)
            if "W5" in args.workloads
            else {}
        )
        fits = None
        if "fit" in args.workloads.split(","):
            X, y = make_data(WORKLOADS["W6"])
            fits = [estimator_fit_times(WORKLOADS["W6"], X, y, args.fit_epochs)
                    for _ in range(args.rounds)]  # fmt: skip
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
    text = report(info, ceiling, training, inference, compile_times, memory, names, skipped,
                  args.rounds)  # fmt: skip
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
