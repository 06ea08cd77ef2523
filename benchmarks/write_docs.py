"""Every number in the docs, generated: ``python -m benchmarks --write-docs [--only NAMES]``.

Each generator runs what a guide shows and writes a Markdown fragment to docs/generated/, with
the machine and the date; the guides include the fragments (``--8<-- "docs/generated/x.md"``,
pymdownx.snippets), so no output or measurement in them is typed by hand.

- ``demo``: ``glassnet demo --no-progress`` as printed, and its wall time;
- ``lecture``: the table of ``glassnet lecture`` (claim / what was measured / verdict);
- ``reproducibility``: the demo's training across engines and BLAS threads
  (``benchmarks/reproducibility.py``);
- ``sessions``: the command-line sessions of the command guide, as printed;
- ``examples``: the Python examples of the scikit-learn and ONNX guide with what they print;
- ``scaling``: ``benchmarks/mpi_scaling.py``'s table (MPI ranks on this machine);
- ``playground``: ``benchmarks/playground.py``'s table (the playground's training speed);
- ``classroom``: ``benchmarks/playground.py --classroom`` (eight tabs on one server), its table
  and a one-line summary;
- ``defaults``: ``benchmarks/defaults.py``'s table (the defaults against scikit-learn's; needs
  ``pip install ".[bench]"``) and a one-line summary;
- ``tables``: ``benchmarks/tables.py``'s tables (glassnet on real tables as they ship, against
  HistGradientBoosting, scikit-learn's MLP pipeline and RealMLP, and the command line on their
  CSV files; needs ``pip install ".[bench]"``; RealMLP where pytabkit imports, in this Python
  or in ``$GLASSNET_REALMLP_PYTHON``);
- ``notebook``: ``benchmarks/notebook.py``'s table (what the notebook's live view costs);
- ``performance``: the README's summary of ``benchmarks/results.md`` (glassnet against its best
  peer per workload), which ``python -m benchmarks.run --out benchmarks/results.md`` also writes;
- ``threads``: ``benchmarks/threads.py``'s table (two trainings in two threads at once);
- ``exercises``: docs/exercises.md's sessions: a teacher's (``glassnet exercises``, a folder of
  submissions graded by ``glassnet check``) and a student's (a wrong ``linear_backward``, its
  diagnosis, the fix), as printed;
- ``readme``: no measurement: copies the current fragments into README.md.

The performance tables are ``benchmarks/results.md``, written by ``python -m benchmarks.run``.

GitHub does not include files into a README, so README.md holds copies of some fragments
between markers, ``<!-- generated: NAME -->`` and ``<!-- end generated -->``: writing the
fragment NAME rewrites that region too, and ``tests/test_docs.py`` fails when a region differs
from its fragment.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "generated"
DEMO_COMMAND = "glassnet demo --no-progress"
# the demo's documented accuracies must hold to this (tests/test_docs.py); the spread measured
# across engines and BLAS thread counts is in docs/generated/reproducibility.md
DEMO_TOLERANCE = 0.03


def machine() -> str:
    """One line: CPU, cores, Python, numpy (and numba), BLAS threads, load, date."""
    import numpy

    cpu = "unknown CPU"
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = next(ln.split(":", 1)[1].strip() for ln in text.splitlines() if "model name" in ln)
    except (OSError, StopIteration):
        cpu = platform.processor() or cpu
    try:
        import numba

        fast = f", numba {numba.__version__}"
    except ImportError:
        fast = ", no numba"
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    load = os.getloadavg()[0]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
        f"numpy {numpy.__version__}{fast}; OPENBLAS_NUM_THREADS {threads}; "
        f"1-minute load average {load:.2f}; {now}"
    )


def _env() -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


README = ROOT / "README.md"
# a copy of docs/generated/NAME.md in the README:
# <!-- generated: NAME --> ... <!-- end generated -->
README_REGION = re.compile(
    r"^<!-- generated: ([\w-]+) -->\n(.*?)^<!-- end generated -->$", re.M | re.S
)


def readme_regions(text: str) -> dict[str, str]:
    """The README's copies of fragments: {name: the text between its two markers}."""
    return {match.group(1): match.group(2) for match in README_REGION.finditer(text)}


def update_readme(names: list[str] | None = None) -> bool:
    """Rewrite the README's regions of ``names`` (all when None) from docs/generated/; True when
    the README changed."""
    if not README.exists():
        return False
    old = README.read_text(encoding="utf-8")

    def copy(match: re.Match) -> str:
        name = match.group(1)
        fragment = OUT / f"{name}.md"
        if (names is not None and name not in names) or not fragment.exists():
            return match.group(0)
        text = fragment.read_text(encoding="utf-8")
        return f"<!-- generated: {name} -->\n{text}<!-- end generated -->"

    new = README_REGION.sub(copy, old)
    if new != old:
        README.write_text(new, encoding="utf-8")
        print(f"updated {README.relative_to(ROOT)}")
    return new != old


def _write(name: str, text: str, generator: str | None = None) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.md"
    header = (
        f"<!-- generated by `python -m benchmarks --write-docs --only {generator or name}`; "
        "do not edit by hand -->\n"
    )
    path.write_text(header + text.rstrip() + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    update_readme([name])
    return path


def demo() -> Path:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        done = subprocess.run(
            DEMO_COMMAND.split(), cwd=folder, env=_env(), capture_output=True, text=True,
            check=True,
        )
        seconds = time.perf_counter() - start
    epochs = re.search(r"(\d+) epochs", done.stdout).group(1)
    return _write("demo", f"""\
<!-- demo-epochs: {epochs} -->
<!-- demo-tolerance: {DEMO_TOLERANCE} -->
```text
$ {DEMO_COMMAND}
{done.stdout.rstrip()}
```

The whole process took {seconds:.1f} s (wall clock: drawing the images, training, the linear
model, the pictures and the model file) on {machine()}.
""")


def lecture() -> Path:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run(
            ["glassnet", "lecture", "--out", "report"], cwd=folder, env=_env(),
            capture_output=True, text=True, check=True,
        )
        seconds = time.perf_counter() - start
        report = (Path(folder) / "report" / "report.md").read_text(encoding="utf-8")
    lines = report.splitlines()
    summary = lines[2]
    start_row = lines.index("| # | claim | what was measured | verdict |")
    table = []
    for line in lines[start_row:]:
        if not line.startswith("|"):
            break
        table.append(line)
    table_text = "\n".join(table)
    return _write("lecture", f"""\
{summary} The whole `glassnet lecture` process took {seconds:.1f} s on {machine()}.

{table_text}
""")


def reproducibility() -> Path:
    from .reproducibility import measure

    result = measure(epochs=25, n_train=3000, n_test=600, repeats=2)
    rows = [
        "| engine asked | engine that ran | OPENBLAS_NUM_THREADS | repeats bit-identical "
        "| weights SHA-256 | max \\|W - W(numpy, 1 thread)\\| | final cost | train accuracy "
        "| test accuracy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["rows"]:
        rows.append(
            f"| {r['engine']} | {r['engine_used']} | {r['threads']} "
            f"| {'yes' if r['repeats_identical'] else '**no**'} | `{r['sha256']}` "
            f"| {r['max_weight_difference']:.3g} | {r['final_cost']:.4f} "
            f"| {r['train_accuracy']:.3f} | {r['test_accuracy']:.3f} |"
        )
    digests = {}
    for r in result["rows"]:
        digests.setdefault(r["sha256"], []).append(f"{r['engine_used']} with {r['threads']}")
    groups = "; ".join(" = ".join(names) for names in digests.values())
    return _write("reproducibility", f"""\
The demo's training ({result['epochs']} epochs on {result['n_train']} drawn training images,
seed 0), each configuration run {result['repeats']} times in fresh processes:

{chr(10).join(rows)}

Runs with bit-identical weights (engine with BLAS threads): {groups}. Test accuracy spread
across all configurations: {result['test_accuracy_spread']:.3f}; train accuracy spread:
{result['train_accuracy_spread']:.3f}. Measured on {machine()}.
""")


_IRIS_CSV = (
    'python -c "from sklearn.datasets import load_iris; d = load_iris(as_frame=True); '
    "f = d.frame; f['target'] = d.target_names[d.target]; f.to_csv('iris.csv')\""
)
_DIABETES_CSV = (
    'python -c "from sklearn.datasets import load_diabetes; '
    "load_diabetes(as_frame=True, scaled=False).frame.to_csv('diabetes.csv', sep=';', "
    'index=False)"'
)
_DIABETES_WHOLE_CSV = (
    'python -c "from sklearn.datasets import load_diabetes; '
    "f = load_diabetes(as_frame=True, scaled=False).frame; f['target'] = f['target'].astype(int); "
    "f.to_csv('whole.csv', index=False)\""
)
_PENGUINS_CSV = (
    'python -c "from palmerpenguins import load_penguins; '
    "load_penguins().to_csv('penguins.csv', index=False)\""
)
_PENGUINS_DRIFT = (
    'python -c "import pandas as pd; t = pd.read_csv(\'test.csv\').head(4); '
    "t.loc[0, 'island'] = 'Atlantis'; t.loc[1, 'sex'] = None; t.to_csv('new.csv', index=False); "
    "t['body_mass_g'] = t['body_mass_g'].astype(object); t.loc[2, 'body_mass_g'] = 'heavy'; "
    "t.to_csv('typo.csv', index=False)\""
)
SESSIONS = {
    "session-train-help": ["glassnet train --help"],
    # a real table as it is: gaps, text columns, a target (docs/own-data.md)
    "session-penguins": [
        _PENGUINS_CSV,
        "head -4 penguins.csv",
        "glassnet train penguins.csv --target species --test-split 0.2 --save-test test.csv "
        "--no-progress",
        "glassnet evaluate model.glassnet test.csv | head -4",
        "glassnet info model.glassnet | sed -n '/^inputs/,/^training/p'",
    ],
    "session-penguins-drift": [
        _PENGUINS_CSV,
        "glassnet train penguins.csv --target species --test-split 0.2 --save-test test.csv "
        "--no-progress > /dev/null",
        _PENGUINS_DRIFT,
        "glassnet predict model.glassnet new.csv",
        "glassnet predict model.glassnet new.csv --strict",
        "glassnet predict model.glassnet typo.csv",
    ],
    # your own data, defaults only (README and docs/own-data.md)
    "session-iris": [_IRIS_CSV, "glassnet train iris.csv --test-split 0.2 --no-progress"],
    "session-iris-evaluate": [
        _IRIS_CSV,
        "glassnet train iris.csv --test-split 0.2 --no-progress > /dev/null",
        "glassnet evaluate model.glassnet iris.csv",
    ],
    "session-diabetes-csv": [
        _DIABETES_CSV,
        "glassnet train diabetes.csv --no-progress --out diabetes.glassnet",
        _DIABETES_WHOLE_CSV,
        "glassnet train whole.csv --no-progress --out whole.glassnet | head -3",
        "glassnet train whole.csv --no-progress --task classification",
    ],
    "session-binary": [
        "glassnet train sklearn:breast_cancer --layers 16,8 --epochs 60 --lr 0.05 "
        "--no-progress --out cancer.glassnet",
        "glassnet evaluate cancer.glassnet sklearn:breast_cancer",
        "glassnet info cancer.glassnet",
        "glassnet predict cancer.glassnet sklearn:breast_cancer --out predictions.csv",
        "head -3 predictions.csv",
        "glassnet train sklearn:breast_cancer --lr 0",
        "echo $?",
    ],
    "session-digits": [
        "glassnet train sklearn:digits --layers 64 --epochs 30 --lr 0.05 --no-progress "
        "--out digits.glassnet",
        "glassnet evaluate digits.glassnet sklearn:digits",
        "glassnet predict digits.glassnet sklearn:digits --out digits.csv",
        "head -2 digits.csv",
    ],
    "session-regression": [
        "glassnet train sklearn:diabetes --task regression --layers 16 --epochs 100 --lr 0.01 "
        "--no-progress --out diabetes.glassnet",
        "glassnet evaluate diabetes.glassnet sklearn:diabetes",
        "glassnet predict diabetes.glassnet sklearn:diabetes | head -3",
        "glassnet train sklearn:diabetes --task regression --positive 1",
    ],
    "session-sweep": [
        "glassnet sweep sklearn:breast_cancer --grid lr=0.1,0.01 --grid layers=16:8,8 "
        "--grid epochs=20 --cv 3",
    ],
}
_MARK = "@@docs-command"


def run_session(commands: list[str], folder: str) -> list[tuple[str, str]]:
    """Run ``commands`` in one bash shell in ``folder``; each command with what it printed."""
    # each command sees the previous one's exit status in $? (for `echo $?`), not the marker's
    script = "exec 2>&1\n__status=0\n" + "".join(
        f"echo {_MARK}\n(exit $__status)\n{command}\n__status=$?\n" for command in commands
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=folder, env=_env(), capture_output=True, text=True,
        timeout=600,
    )
    outputs = done.stdout.split(_MARK + "\n")[1:]
    if len(outputs) != len(commands):
        raise RuntimeError(f"session stopped early: {done.stdout[-2000:]}")
    return list(zip(commands, (o.rstrip("\n") for o in outputs)))


def sessions() -> list[Path]:
    paths = []
    for name, commands in SESSIONS.items():
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            ran = run_session(commands, folder)
            seconds = time.perf_counter() - start
        body = "\n".join(f"$ {command}\n{output}" if output else f"$ {command}"
                         for command, output in ran)
        paths.append(_write(name, f"""\
```console
{body}
```

(Generated in {seconds:.1f} s on {machine()}.)
""", "sessions"))
    return paths


EXAMPLES = {
    "example-sklearn": """\
        from sklearn.datasets import load_breast_cancer
        from sklearn.model_selection import GridSearchCV, train_test_split
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        from glassnet.sklearn import GlassClassifier

        X, y = load_breast_cancer(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                            random_state=0)
        pipeline = Pipeline([
            ("scale", StandardScaler()),
            ("net", GlassClassifier(standardize=False, epochs=50, random_state=0)),
        ])
        grid = GridSearchCV(pipeline, {"net__hidden_layer_sizes": [(4,), (20, 7, 5)],
                                       "net__learning_rate": [0.01, 0.1]}, cv=3)
        grid.fit(X_train, y_train)
        print(grid.best_params_)
        print(f"test accuracy {grid.score(X_test, y_test):.3f}")
        """,
    "example-recipe": """\
        import warnings

        from sklearn.datasets import load_breast_cancer
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from glassnet.sklearn import GlassClassifier

        X, y = load_breast_cancer(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                            random_state=0)
        glass = GlassClassifier(recipe="lecture", random_state=0).fit(X_train, y_train)
        print(f"GlassClassifier(recipe='lecture'): test accuracy {glass.score(X_test, y_test):.3f}")
        mlp = make_pipeline(StandardScaler(), MLPClassifier(
            (20, 7, 5), solver="sgd", learning_rate_init=0.01, momentum=0.9,
            nesterovs_momentum=False, batch_size=64, max_iter=200, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # ConvergenceWarning: 200 epochs, as glassnet
            mlp.fit(X_train, y_train)
        print(f"MLPClassifier, the same recipe: test accuracy {mlp.score(X_test, y_test):.3f}")
        """,
    "example-dataframe": """\
        import warnings

        from palmerpenguins import load_penguins
        from sklearn.model_selection import train_test_split

        import glassnet as gn
        from glassnet.sklearn import GlassClassifier

        penguins = load_penguins()             # 344 rows: gaps, text columns, as it ships
        X, y = penguins.drop(columns="species"), penguins["species"]
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                            random_state=0)
        clf = GlassClassifier(random_state=0).fit(X_train, y_train)   # the DataFrame as it is
        print(f"test accuracy {clf.score(X_test, y_test):.3f}")
        print(clf.get_feature_names_out()[:6])
        gn.save("penguins.glassnet", clf)      # plan, network and classes in one model file
        model = gn.load("penguins.glassnet")
        print((model.predict(X_test) == clf.predict(X_test)).all())
        odd = X_test.head(2).copy()
        odd.loc[odd.index[0], "island"] = "Atlantis"   # a level training never saw
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            print(model.predict(odd))
        print(caught[0].message)
        """,
    "example-onnx-table": """\
        import numpy as np
        import onnxruntime as ort
        from palmerpenguins import load_penguins

        from glassnet import onnx_inputs, to_onnx
        from glassnet.sklearn import GlassClassifier

        penguins = load_penguins()
        X, y = penguins.drop(columns=["species", "year"]), penguins["species"]
        clf = GlassClassifier(random_state=0).fit(X, y)
        to_onnx(clf, "penguins.onnx")           # one input per column, as the table has them
        session = ort.InferenceSession("penguins.onnx", providers=["CPUExecutionProvider"])
        print([(i.name, i.type) for i in session.get_inputs()])
        rows = X.iloc[[0, 3, 200]]                  # row 3 has gaps: NaN, and "" for text
        feeds = onnx_inputs(clf, rows)              # {column: (N, 1) float32 or text}
        print(feeds["sex"].ravel(), feeds["body_mass_g"].ravel())
        (probability,) = session.run(["probability"], feeds)
        print(np.abs(probability - clf.predict_proba(rows)).max() < 1e-5)
        """,
    "example-onnx": """\
        import numpy as np
        import onnxruntime as ort
        from sklearn.datasets import load_breast_cancer

        from glassnet import save, to_onnx
        from glassnet.sklearn import GlassClassifier

        data = load_breast_cancer()
        X, y = data.data, data.target_names[data.target]     # labels "benign" and "malignant"
        clf = GlassClassifier(random_state=0).fit(X, y)
        to_onnx(clf, "cancer.onnx")         # a fitted GlassClassifier, its Standardizer included
        save("cancer.glassnet", clf)        # the same model as a model file

        # onnxruntime alone runs the exported graph, no glassnet needed:
        session = ort.InferenceSession("cancer.onnx", providers=["CPUExecutionProvider"])
        (probability,) = session.run(["probability"], {"X": X[18:22].astype(np.float32)})
        print(probability.shape)            # P(classes[1] | x), one row per sample
        print(probability[:, 0].round(3))
        classes = np.array(["benign", "malignant"])   # also in custom_metadata_map["classes"]
        print(classes[(probability[:, 0] > 0.5).astype(int)])
        """,
}


def run_example(name: str, code: str, generator: str) -> Path:
    """Run a Python example in a fresh folder and write it with what it printed."""
    code = textwrap.dedent(code)
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=folder, env=_env(), capture_output=True,
            text=True, check=True, timeout=600,
        )
    return _write(name, f"""\
```python
{code.rstrip()}
```

prints (generated on {machine()}):

```text
{done.stdout.rstrip()}
```
""", generator)


def examples() -> list[Path]:
    return [run_example(name, code, "examples") for name, code in EXAMPLES.items()]


EXERCISES_TEACHER = [
    "glassnet exercises --out course",
    "glassnet exercises --out solutions --solutions",
    "mkdir class && cp solutions/exercises.py class/alice.py",
    "sed 's/np.dot(dZ, A_prev.T)/np.dot(A_prev, dZ.T)/' solutions/exercises.py > class/bob.py",
    "printf 'while True:\\n    pass\\n' > class/carol.py",
    "glassnet check class --timeout 10 --json grades.json",
    "python -c \"import json; print(json.load(open('grades.json'))['bob']['exercises']"
    "['linear_backward'])\"",
]
EXERCISES_STUDENT = {
    "exercises-student-wrong": """\
        import numpy as np

        from glassnet import exercises


        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            dW = np.dot(A_prev, dZ.T) / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            dA_prev = np.dot(W.T, dZ)
            return dA_prev, dW, db


        report = exercises.check("linear_backward", linear_backward)
        print(report)
        """,
    "exercises-student-fixed": """\
        import numpy as np

        from glassnet import exercises


        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            dW = np.dot(dZ, A_prev.T) / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            dA_prev = np.dot(W.T, dZ)
            return dA_prev, dW, db


        report = exercises.check("linear_backward", linear_backward)
        print(report.passed, report.score)
        """,
}


def exercises() -> list[Path]:
    """The teacher's session (write, hand out, grade a folder, read the table) and the
    student's (a wrong linear_backward, the diagnosis, the fix)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        ran = run_session(EXERCISES_TEACHER, folder)
        seconds = time.perf_counter() - start
    body = "\n".join(f"$ {command}\n{output}" if output else f"$ {command}"
                     for command, output in ran)
    paths = [_write("exercises-teacher", f"""\
```console
{body}
```

(Generated in {seconds:.1f} s on {machine()}.)
""", "exercises")]
    paths += [run_example(name, code, "exercises") for name, code in EXERCISES_STUDENT.items()]
    return paths


def scaling() -> Path:
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "mpi.md"
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "mpi_scaling.py"), "--out", str(table)],
            cwd=ROOT, env=_env(), capture_output=True, text=True, check=True, timeout=900,
        )
        text = table.read_text(encoding="utf-8")
    return _write("scaling", f"""\
{text.rstrip()}

(Measured on {machine()}.)
""")


def playground() -> Path:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "playground.py")], cwd=ROOT, env=_env(),
        capture_output=True, text=True, check=True, timeout=900,
    )
    return _write("playground", f"""\
```text
$ python benchmarks/playground.py
{done.stdout.rstrip()}
```

(Measured on {machine()}.)
""")


def _table_rows(table: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows."""
    rows = [line.strip().strip("|").split("|") for line in table.splitlines()
            if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]


def classroom() -> list[Path]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "playground.py"), "--classroom",
         "--seconds", "6"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=True, timeout=900,
    )
    table = done.stdout.strip()
    where = machine()
    rows = {row[0]: row for row in _table_rows(table)}
    alone = rows["1 tab alone"]
    full = next(row for name, row in rows.items() if name.endswith(" tabs"))
    rate, lowest = (v.strip() for v in full[1].split(","))
    latency, latency_max = (v.strip() for v in full[3].split(","))
    alone_rate = alone[1].split(",")[0].strip()
    return [
        _write("classroom", f"""\
`python benchmarks/playground.py --classroom --seconds 6` (every tab the server allows training at
once, each reading every update, `GET /` timed every 0.25 s):

{table}

(Measured on {where}.)
""", "classroom"),
        _write("classroom-line", f"""\
**A classroom on one machine**: with {full[0]} training at once, each tab got {rate} updates
a second (median; the slowest {lowest}, against {alone_rate} for one tab alone), and the page
loaded in {latency} (median; at most {latency_max}); measured by
`python benchmarks/playground.py --classroom` on {where}.
""", "classroom"),
    ]


def defaults() -> list[Path]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "defaults.py")],
        cwd=ROOT, env=_env(), capture_output=True, text=True, check=True, timeout=3600,
    )
    text = done.stdout.strip()
    rows = _table_rows(text)
    margins = [(float(row[5]), row[0]) for row in rows]  # as printed, to three decimals
    ahead = sum(1 for margin, _ in margins if margin >= 0)  # -0.000 too: equal to 3 decimals
    worst, worst_name = min(margins)
    ratios = [float(row[6].split()[0]) for row in rows]
    return [
        _write("defaults", text, "defaults"),
        _write("defaults-line", f"""\
By 5-fold cross-validation, each side with its defaults only, glassnet scores at least as well
as scikit-learn's MLP, to three decimals, on {ahead} of {len(rows)} real data sets (smallest
margin {worst:+.3f}, {worst_name}), in {min(ratios):.2f} to {max(ratios):.2f} times
scikit-learn's fit time (`python benchmarks/defaults.py`).
""", "defaults"),
    ]


TABLES_COMMAND = "python benchmarks/tables.py --alternatives"


def tables() -> Path:
    """``benchmarks/tables.py --alternatives``: the real-table suite, three splits per table,
    the command-line check and the defaults against their alternatives (about 15 minutes on 2
    cores with RealMLP)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "tables.py"), "--alternatives"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=3600,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks/tables.py failed: {done.stderr[-2000:]}")
    realmlp = os.environ.get("GLASSNET_REALMLP_PYTHON")
    how = f"`{TABLES_COMMAND}`" + (
        f" with `GLASSNET_REALMLP_PYTHON={realmlp}` (a virtual environment with torch 2.13.0 and "
        "pytabkit 1.8.0)" if realmlp else "")
    return _write("tables", f"""\
{done.stdout.strip()}

(Made by {how}, {seconds:.0f} s in all, on {machine()}.)
""")


def readme() -> None:
    if not update_readme():
        print("README.md already holds the current fragments")


RESULTS = ROOT / "benchmarks" / "results.md"


def _markdown_table(lines: list[str]) -> list[list[str]]:
    """The cells of a Markdown table's rows (its header first, without the --- line)."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in lines
        if line.startswith("|") and not line.startswith("| ---")
    ]


def performance_summary(results: str) -> str:
    """From benchmarks/results.md: per workload, glassnet numba against its best peer, and the
    machine and load of that run."""
    sections = re.split(r"^## ", results, flags=re.M)
    rows, targets = [], [0, 0]
    for section in sections:
        title = section.splitlines()[0] if section else ""
        if not (title.startswith("Training throughput") or title.startswith("W5 inference")):
            continue
        header, *body = _markdown_table(section.splitlines())
        ours = header.index("glassnet numba")
        for row in body:
            ratio = row[-1]
            match = re.match(r"\*\*([\d.]+)\*\* (\([\d.]+\.\.[\d.]+\) )?vs (.+)", ratio)
            if not match:
                continue
            value, span, peer = float(match.group(1)), match.group(2) or "", match.group(3)
            targets[0] += value >= 1.0
            targets[1] += 1
            theirs = row[header.index(peer)].split(" ")[0]
            rows.append(f"| {row[0]} | {row[ours].split(' ')[0]} | {theirs} ({peer}) | "
                        f"**{value:.2f}** {span.strip()} |".replace("  |", " |"))  # fmt: skip
    machine = [line[2:] for line in results.splitlines()
               if line.startswith(("- CPU:", "- run at", "- 1-minute load"))]  # fmt: skip
    return "\n".join([
        "| workload | glassnet | best peer | glassnet / best peer: median (range) |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        f"glassnet is at least as fast as the fastest peer on {targets[0]} of these {targets[1]} "
        "measures in this run, on the median of its interleaved rounds (samples/s, or us for one "
        "sample; "
        f"`python -m benchmarks.run --out benchmarks/results.md`: {'; '.join(machine)}).",
    ]) + "\n"  # fmt: skip


def performance() -> Path:
    """The README's Performance table, from benchmarks/results.md (``python -m benchmarks.run
    --out benchmarks/results.md`` writes it after each run of the suite)."""
    return _write("performance", performance_summary(RESULTS.read_text(encoding="utf-8")))


def matmul() -> Path:
    """``benchmarks/matmul.py``: the suite's matrix products on each BLAS-like library, and what
    two OpenBLAS pools in one process cost; run in its own process (it pins the CPUs and sets
    the thread counts before NumPy loads)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "matmul.md"
        subprocess.run([sys.executable, "-m", "benchmarks.matmul", "--out", str(out)], cwd=ROOT,
                       check=True)  # fmt: skip
        return _write("matmul", out.read_text(encoding="utf-8"))


def threads() -> Path:
    """``benchmarks/threads.py``: two networks trained in two threads at once against one after
    the other (the compiled epoch releases the interpreter lock)."""
    from .threads import measure

    return _write("threads", f"{measure()}(Measured on {machine()}.)\n")


def notebook() -> Path:
    """``benchmarks/notebook.py``: the demo's training with the notebook's live view against
    without it, in a real Jupyter kernel."""
    from .notebook import measure, table

    result = measure()
    return _write("notebook", f"""\
{table(result)}
(`python benchmarks/notebook.py`, measured on {machine()}.)
""")


GENERATORS = {
    "demo": demo,
    "lecture": lecture,
    "reproducibility": reproducibility,
    "sessions": sessions,
    "examples": examples,
    "scaling": scaling,
    "playground": playground,
    "notebook": notebook,
    "tables": tables,
    "classroom": classroom,
    "defaults": defaults,
    "performance": performance,
    "threads": threads,
    "matmul": matmul,
    "exercises": exercises,
    "readme": readme,
}


def write_docs(only: list[str] | None = None) -> None:
    for name in only or list(GENERATORS):
        if name not in GENERATORS:
            raise SystemExit(f"unknown fragment {name!r}; choose from {', '.join(GENERATORS)}")
        GENERATORS[name]()
