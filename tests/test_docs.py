"""Every code block of the README and the guides runs as pasted; the documented numbers hold.

Each ```python block runs in a fresh interpreter, each ```console block's commands (the lines
after "$ ") and each ```bash block's lines in a fresh bash, in an empty temporary folder, with
the venv's bin/ first on PATH and a timeout. A console command whose printed output says
"error:" must fail (exit status not 0); every other command must succeed. A failure names the
page and line of the block (and of the command or Python line, where known).

An HTML comment on the line(s) just above a block changes how it runs:

- ``<!-- docs-test: skip (why) -->``: not run (it installs packages, needs a cluster...);
- ``<!-- docs-test: continue -->``: a Python block run after the previous Python block of the
  page, in the same interpreter;
- ``<!-- docs-test: replace "A" with "B" -->``: run with A replaced by B;
- ``<!-- docs-test: replace "A" with a LocalCluster -->``: A replaced by the address of a
  ``dask.distributed.LocalCluster`` started for the test;
- ``<!-- docs-test: timeout 900 -->``: a longer limit than the default 300 s.

The README holds copies of some fragments of docs/generated/ (GitHub cannot include files)
between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``; a test requires each copy to
equal its fragment, and the blocks inside those regions run as the fragments' own pages.

Also here: the demo's printed accuracies against docs/generated/demo.md, the bit-identical part
of the reproducibility statement (docs/reproducibility.md), and the playground links of the
README and the guides against the playground's own settings check.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
PAGES += sorted((ROOT / "docs" / "generated").glob("*.md"))
LANGUAGES = {"python", "console", "bash"}
TIMEOUT_S = int(os.environ.get("GLASSNET_DOCS_TIMEOUT", "300"))

_FENCE = re.compile(r"^```(\w*)\s*$")
_MARK = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->\s*$")
_REPLACE = re.compile(r'^replace\s+"(.*)"\s+with\s+(?:"(.*)"|(a LocalCluster))$')


@dataclasses.dataclass
class Block:
    page: str  # relative to the project root
    line: int  # of the opening fence
    language: str
    lines: list[str]
    marks: list[str]
    generated: bool = False  # inside a README region copied from docs/generated/

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    def mark(self, word: str) -> str | None:
        return next((m for m in self.marks if m.split(" ", 1)[0] == word), None)


def _write_docs():
    """benchmarks/write_docs.py, which writes docs/generated/ and the README's copies."""
    path = ROOT / "benchmarks" / "write_docs.py"
    spec = importlib.util.spec_from_file_location("write_docs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WRITE_DOCS = _write_docs()


def _generated_lines(text: str) -> set[int]:
    """The line numbers (from 0) inside the README's regions copied from docs/generated/."""
    inside = set()
    for match in WRITE_DOCS.README_REGION.finditer(text):
        first = text.count("\n", 0, match.start())
        inside.update(range(first, text.count("\n", 0, match.end()) + 1))
    return inside


def read_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, with the docs-test marks just above each."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    generated = _generated_lines(text)
    blocks, k = [], 0
    while k < len(lines):
        match = _FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        start, language = k, match.group(1).lower()
        end = k + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        marks, above = [], start - 1
        while above >= 0 and _MARK.match(lines[above]):
            marks.insert(0, _MARK.match(lines[above]).group(1))
            above -= 1
        page = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        blocks.append(
            Block(page, start + 1, language, lines[start + 1 : end], marks, start in generated)
        )
        k = end + 1
    return blocks


def runnable_items() -> list[list[Block]]:
    """Each test: one block, or a Python block followed by its ``continue`` blocks."""
    items: list[list[Block]] = []
    for page in PAGES:
        last_python: list[Block] | None = None
        for block in read_blocks(page):
            if block.language not in LANGUAGES or block.generated:  # run as docs/generated/
                continue
            if block.language == "python" and block.mark("continue"):
                if last_python is None:
                    raise AssertionError(f"{block.where}: 'continue' with no Python block before")
                last_python.append(block)
                continue
            item = [block]
            items.append(item)
            if block.language == "python":
                last_python = item
    return items


ITEMS = runnable_items()


def _environment() -> dict:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        # an unmarked block that installs from an index fails instead of changing this venv
        "PIP_NO_INDEX": "1",
    }


def _run_block(command: list[str], folder: Path, timeout: int):
    """Run ``command`` in its own process group; None when it ran past ``timeout`` (then the
    whole group is killed, so that a server a block started does not outlive it)."""
    process = subprocess.Popen(
        command, cwd=folder, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def local_cluster():
    """A LocalCluster standing in for a cluster's scheduler, started only when a block asks."""
    state = {}

    def address() -> str:
        if "cluster" not in state:
            distributed = pytest.importorskip("dask.distributed")
            state["cluster"] = distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            )
        return state["cluster"].scheduler_address

    yield address
    if "cluster" in state:
        state["cluster"].close()


def _text(block: Block, local_cluster) -> str:
    text = "\n".join(block.lines)
    for mark in block.marks:
        if mark.startswith("replace"):
            match = _REPLACE.match(mark)
            assert match, f"{block.where}: cannot read the mark {mark!r}"
            old, new = match.group(1), match.group(2)
            if match.group(3):
                new = local_cluster()
            assert old in text, f"{block.where}: {old!r} (from its docs-test mark) is not in it"
            text = text.replace(old, new)
    return text


def _timeout(blocks: list[Block]) -> int:
    marks = [b.mark("timeout") for b in blocks if b.mark("timeout")]
    return max([TIMEOUT_S, *(int(m.split()[1]) for m in marks)])


def _python(blocks: list[Block], folder: Path, local_cluster) -> str | None:
    """Run the blocks as one script; None, or why it failed (with the page line)."""
    script, origin = [], []  # origin[i]: (block, line in the page) of script line i + 1
    for block in blocks:
        for offset, line in enumerate(_text(block, local_cluster).split("\n")):
            script.append(line)
            origin.append((block, block.line + 1 + offset))
    path = folder / "docs_block.py"
    path.write_text("\n".join(script) + "\n", encoding="utf-8")
    done = _run_block([sys.executable, path.name], folder, _timeout(blocks))
    if done is None:
        return f"{blocks[0].where}: did not finish within {_timeout(blocks)} s"
    if done.returncode == 0:
        return None
    lines = re.findall(r'File ".*docs_block\.py", line (\d+)', done.stderr)
    where = blocks[0].where
    if lines and int(lines[-1]) <= len(origin):
        block, page_line = origin[int(lines[-1]) - 1]
        where = f"{block.page}:{page_line} (in the block at line {block.line})"
    return f"{where}: exit status {done.returncode}\n{done.stderr[-3000:]}"


def _shell_commands(block: Block, text: str) -> list[tuple[int, str, bool]]:
    """(page line, command, must fail) for each command of a console or bash block."""
    lines = text.split("\n")
    commands = []
    k = 0
    while k < len(lines):
        line, number = lines[k], block.line + 1 + k
        if block.language == "console":
            if not line.startswith("$ "):
                k += 1
                continue
            line = line[2:]
        elif not line.strip() or line.lstrip().startswith("#"):
            k += 1
            continue
        while line.rstrip().endswith("\\") and k + 1 < len(lines):
            k += 1
            line = line.rstrip()[:-1] + " " + lines[k].strip()
        output = []
        while k + 1 < len(lines) and block.language == "console":
            if lines[k + 1].startswith("$ "):
                break
            k += 1
            output.append(lines[k])
        must_fail = any("error:" in out for out in output)
        commands.append((number, line, must_fail))
        k += 1
    return commands


def _shell(block: Block, folder: Path, local_cluster) -> str | None:
    commands = _shell_commands(block, _text(block, local_cluster))
    if not commands:
        return None
    script = ["__status=0"]
    for number, command, must_fail in commands:
        test, why = ("-ne", "must fail") if must_fail else ("-eq", "exited $__status")
        report = f'echo "docs-test: line {number} {why}" >&2; exit 9'
        check = f"[ $__status {test} 0 ] || {{ {report}; }}"
        script += ["(exit $__status)", command, "__status=$?", check]
    done = _run_block(["bash", "-c", "\n".join(script)], folder, _timeout([block]))
    if done is None:
        return f"{block.where}: did not finish within {_timeout([block])} s"
    if done.returncode == 0:
        return None
    failed = re.search(r"docs-test: line (\d+)", done.stderr)
    where = f"{block.page}:{failed.group(1)} (in the block at line {block.line})" if failed else (
        block.where
    )
    return f"{where}: exit status {done.returncode}\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("blocks", ITEMS, ids=[item[0].where for item in ITEMS])
def test_block_runs_as_pasted(blocks, tmp_path, local_cluster):
    skip = blocks[0].mark("skip")
    if skip:
        pytest.skip(f"{blocks[0].where} is marked {skip!r}")
    if blocks[0].language == "python":
        failure = _python(blocks, tmp_path, local_cluster)
    else:
        failure = _shell(blocks[0], tmp_path, local_cluster)
    if failure:
        pytest.fail(failure, pytrace=False)


def test_marks_are_known():
    known = ("skip", "continue", "replace", "timeout")
    for page in PAGES:
        for block in read_blocks(page):
            for mark in block.marks:
                assert mark.split(" ", 1)[0] in known, f"{block.where}: unknown mark {mark!r}"
                if mark.startswith("replace"):
                    assert _REPLACE.match(mark), f"{block.where}: cannot read {mark!r}"


def test_the_extractor_finds_blocks_and_lines(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "text\n<!-- docs-test: skip (no) -->\n```python\nprint(1)\n```\n\n```console\n"
        "$ glassnet x --lr 0\nglassnet: error: lr must be > 0\n$ echo ok\nok\n```\n"
    )
    python, console = read_blocks(page)
    assert (python.line, python.language, python.marks) == (3, "python", ["skip (no)"])
    assert _shell_commands(console, "\n".join(console.lines)) == [
        (8, "glassnet x --lr 0", True),
        (10, "echo ok", False),
    ]


# ---- the numbers in the docs ------------------------------------------------------------------

GENERATED = ROOT / "docs" / "generated"


def test_the_readme_copies_of_fragments_are_current():
    """Each README region <!-- generated: NAME --> ... <!-- end generated --> is exactly
    docs/generated/NAME.md, so that the numbers the README shows are the generated ones."""
    regions = WRITE_DOCS.readme_regions(README.read_text(encoding="utf-8"))
    assert "demo" in regions, "the README shows the demo's output between generated markers"
    for name, text in regions.items():
        fragment = GENERATED / f"{name}.md"
        assert fragment.exists(), f"README.md copies {fragment.name}, which does not exist"
        assert text == fragment.read_text(encoding="utf-8"), (
            f"README.md's copy of docs/generated/{name}.md differs from it; rewrite it with "
            "python -m benchmarks --write-docs --only readme"
        )


def test_the_readme_regions_are_found(tmp_path):
    page = tmp_path / "README.md"
    page.write_text(
        "a\n<!-- generated: demo -->\n```console\n$ x\n```\n<!-- end generated -->\n"
        "```console\n$ y\n```\n"
    )
    assert WRITE_DOCS.readme_regions(page.read_text()) == {"demo": "```console\n$ x\n```\n"}
    inside, outside = read_blocks(page)
    assert (inside.generated, outside.generated) == (True, False)


def test_the_performance_summary_is_the_results_ratio_column():
    """The README's table (docs/generated/performance.md) takes from benchmarks/results.md each
    workload's glassnet cell, the named best peer's cell and the ratio, and counts the targets
    met; and the fragment in the repository is the summary of the results in the repository."""
    results = (
        "## Training throughput (samples/s)\n\n"
        "| workload | glassnet numba | glassnet numpy | JAX scan | PyTorch eager "
        "| glassnet / best peer |\n"
        "| --- | --- | --- | --- | --- | --- |\n"
        "| W1 cat | 47.0k (41.6k..47.3k) | 35.6k | 44.0k (1..2) | 1.9k | **1.07** vs JAX scan |\n"
        "| W8d x | 3.8k | 1.5k | - | - | - |\n"
        "| W3 wide | 23.1k (1..2) | 16.8k | 24.9k | 23.0k | **0.93** (0.88..1.02) vs JAX scan |\n\n"
        "## Achieved GFLOP/s\n\n| workload | glassnet numba |\n| --- | --- |\n| W1 | 69.3 |\n\n"
        "## W5 inference\n\n"
        "| network | glassnet numba | onnxruntime | glassnet / best peer |\n"
        "| --- | --- | --- | --- |\n"
        "| W2 1 sample, us | 9.7 | 13.5 | **1.39** vs onnxruntime |\n\n"
        "## Machine and load\n\n- CPU: a CPU\n- Python 3\n- run at 2026-12-02 05:50 UTC\n"
        "- 1-minute load average before each system: min 0.58\n"
    )  # fmt: skip
    summary = WRITE_DOCS.performance_summary(results)
    rows = [line for line in summary.splitlines() if line.startswith("| W")]
    assert rows == [
        "| W1 cat | 47.0k | 44.0k (JAX scan) | **1.07** |",
        "| W3 wide | 23.1k | 24.9k (JAX scan) | **0.93** (0.88..1.02) |",
        "| W2 1 sample, us | 9.7 | 13.5 (onnxruntime) | **1.39** |",
    ]
    assert "on 2 of these 3 measures" in summary
    assert "CPU: a CPU; run at 2026-12-02 05:50 UTC; 1-minute load" in summary
    committed = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    fragment = (GENERATED / "performance.md").read_text(encoding="utf-8")
    assert fragment.split("\n", 1)[1] == WRITE_DOCS.performance_summary(committed), (
        "docs/generated/performance.md is not the summary of benchmarks/results.md; rewrite it "
        "with python -m benchmarks --write-docs --only performance"
    )


_LINK = re.compile(r"http://127\.0\.0\.1:8765/#\S+")
_VIEW_OPTIONS = {  # VIEW_DEFAULTS in playground.js: view options, not settings
    "view": {"weights", "gradients"}, "show_test": {"0", "1"}, "discretize": {"0", "1"},
}


def _link_settings(link: str) -> dict:
    """The settings a shared playground address asks for, read as the page reads them
    (``readLink`` in playground.js): lists split at commas, numbers as numbers."""
    from glassnet.playground.settings import DEFAULTS

    settings = {}
    for name, text in parse_qsl(urlsplit(link).fragment, keep_blank_values=True):
        if name in _VIEW_OPTIONS:
            assert text in _VIEW_OPTIONS[name], f"{link}: view option {name}={text!r}"
            continue
        example = DEFAULTS.get(name)
        if isinstance(example, list):
            parts = text.split(",") if text else []
            settings[name] = [int(p) for p in parts] if name == "hidden" else parts
        elif isinstance(example, bool):
            settings[name] = text in ("1", "true")
        elif name == "batch_size" and text == "full":
            settings[name] = "full"
        elif isinstance(example, (int, float)):
            settings[name] = float(text) if "." in text or "e" in text else int(text)
        else:
            settings[name] = text
    return settings


def test_the_documented_playground_links_open_valid_experiments():
    """Every shared address in the README and the playground guide holds settings the server
    accepts (an unknown or out-of-range setting would open with an error next to a control)."""
    pytest.importorskip("starlette")
    from glassnet.playground.settings import check_settings

    links = [
        link for page in (README, ROOT / "docs" / "playground.md")
        for link in _LINK.findall(page.read_text(encoding="utf-8"))
    ]
    assert links, "the README shows a playground link"
    for link in links:
        check_settings(_link_settings(link))


def _accuracies(text: str) -> dict[str, float]:
    found = {
        "train": re.search(r"^train accuracy\s+([\d.]+)", text, re.M),
        "test": re.search(r"^test accuracy\s+([\d.]+)", text, re.M),
        "linear": re.search(r"logistic regression.*test accuracy\s+([\d.]+)", text, re.M),
    }
    assert all(found.values()), f"accuracies not found in:\n{text}"
    return {name: float(match.group(1)) for name, match in found.items()}


def test_the_demo_prints_the_documented_accuracies(tmp_path):
    """docs/generated/demo.md (python -m benchmarks --write-docs --only demo) against a run of
    the same command, within the tolerance the fragment states."""
    pytest.importorskip("matplotlib")
    documented = (GENERATED / "demo.md").read_text(encoding="utf-8")
    epochs = int(re.search(r"<!-- demo-epochs: (\d+) -->", documented).group(1))
    tolerance = float(re.search(r"<!-- demo-tolerance: ([\d.]+) -->", documented).group(1))
    done = subprocess.run(
        ["glassnet", "demo", "--no-progress", "--epochs", str(epochs), "--out", str(tmp_path)],
        env=_environment(), capture_output=True, text=True, timeout=TIMEOUT_S,
    )
    assert done.returncode == 0, f"glassnet demo failed:\n{done.stderr[-3000:]}"
    expected, measured = _accuracies(documented), _accuracies(done.stdout)
    for name in expected:
        assert abs(measured[name] - expected[name]) <= tolerance, (
            f"the demo's {name} accuracy is {measured[name]}, docs/generated/demo.md says "
            f"{expected[name]} (tolerance {tolerance}); regenerate with "
            "python -m benchmarks --write-docs --only demo"
        )


def _train_demo(engine: str, threads: int) -> dict:
    command = [
        sys.executable, "-m", "benchmarks.reproducibility", "--engine", engine,
        "--epochs", "2", "--n-train", "200", "--n-test", "100",
    ]
    env = {**_environment(), "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("engine", ["numpy", "auto"])
def test_same_engine_threads_and_seed_give_bit_identical_weights(engine):
    """The promise of docs/reproducibility.md: two fresh processes, the same engine, BLAS thread
    count and seed, the demo's training: the same weights to the last bit."""
    for threads in (1, 2):
        first, second = _train_demo(engine, threads), _train_demo(engine, threads)
        assert first["sha256"] == second["sha256"], (engine, threads)
        assert first["final_cost"] == second["final_cost"]
