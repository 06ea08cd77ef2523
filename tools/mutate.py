"""Mutation testing for one glassnet module: do its tests notice when the code is wrong?

    python tools/mutate.py activations                    # tests/test_activations.py
    python tools/mutate.py data --only Standardizer --only batch_slices --only minibatches
    python tools/mutate.py losses --tests tests/test_network.py   # extra test files
    python tools/mutate.py engine --only compiled -k "predict or logits"   # some tests only

Each mutant is one small change to the module's source (an arithmetic operator swapped, a
comparison moved across its boundary, a numeric constant changed, a condition negated, a `not`
or a unary minus removed, `and` and `or` swapped, True and False swapped). For each mutant the
tool writes the changed module into a temporary copy of src/ and runs pytest on the module's
mirrored test file `tests/test_<module>.py` (plus any --tests) in a subprocess, with PYTHONPATH
pointing at the copy. The working tree is never written to, so an interrupted run leaves
nothing behind.

A mutant is killed when a test fails (or the run times out). A surviving mutant that cannot
change any observable behaviour is counted as killed only if a comment in one of the test files
run for the module names it, exactly as the survivor report prints it, followed by the reason:

    # equivalent: data:46:33 > -> >= -- std_ is never negative, and 0 maps to 1 either way

Score = (killed + named equivalents) / mutants. Exit status 0 when the score reaches --min.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "glassnet"

BINARY_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
COMPARE_SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
SYMBOLS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.Lt: "<",
    ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or",
}  # fmt: skip
EQUIVALENT = re.compile(r"#\s*equivalent:\s*(\S+:\d+:\d+)\s+(.+?)\s+--\s+(\S.*)")


@dataclass(frozen=True)
class Mutant:
    index: int  # position of the mutated node in ast.walk order
    field: str  # what to change: "op", "ops<i>", "value", "test", "unary", "boolop"
    line: int
    col: int  # 1-based, where the changed token starts
    description: str

    def key(self, module: str) -> str:
        return f"{module}:{self.line}:{self.col} {self.description}"


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Annotations (not evaluated under `from __future__ import annotations`) and docstrings."""
    skipped: set[int] = set()
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots.extend(a.annotation for a in _all_args(node.args) if a.annotation)
            if node.returns:
                roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    for root in roots:
        skipped.update(id(n) for n in ast.walk(root))
    return skipped


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _token_after(lines: list[str], after: ast.AST | None, fallback: ast.AST) -> tuple[int, int]:
    """Where the first token after node `after` starts (the operator of a BinOp or Compare)."""
    if after is None:
        return fallback.lineno, fallback.col_offset + 1
    line, col = after.end_lineno, after.end_col_offset
    while line <= len(lines):
        text = lines[line - 1]
        while col < len(text) and text[col] in " \t)\\":
            col += 1
        if col < len(text) and text[col] != "#":
            return line, col + 1
        line, col = line + 1, 0
    return fallback.lineno, fallback.col_offset + 1


def _in_scope(tree: ast.Module, only: list[str]) -> set[int] | None:
    """Ids of the nodes inside the named top-level definitions (or Class.method), or None."""
    if not only:
        return None
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
            if isinstance(node, ast.ClassDef):
                for inner in node.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        found[f"{node.name}.{inner.name}"] = inner
    missing = [name for name in only if name not in found]
    if missing:
        sys.exit(f"--only: no top-level definition named {', '.join(missing)}")
    return {id(n) for name in only for n in ast.walk(found[name])}


def find_mutants(source: str, only: list[str]) -> list[Mutant]:
    tree = ast.parse(source)
    lines = source.splitlines()
    skipped = _skipped_nodes(tree)
    scope = _in_scope(tree, only)
    mutants: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skipped or (scope is not None and id(node) not in scope):
            continue

        def add(field, line, col, description, index=index):
            mutants.append(Mutant(index, field, line, col, description))

        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINARY_SWAPS:
            op, new = type(node.op), BINARY_SWAPS[type(node.op)]
            left = node.left if isinstance(node, ast.BinOp) else node.target
            line, col = _token_after(lines, left, node)
            eq = "=" if isinstance(node, ast.AugAssign) else ""
            add("op", line, col, f"{SYMBOLS[op]}{eq} -> {SYMBOLS[new]}{eq}")
        elif isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE_SWAPS:
                    before = node.left if i == 0 else node.comparators[i - 1]
                    line, col = _token_after(lines, before, node)
                    new = COMPARE_SWAPS[type(op)]
                    add(f"ops{i}", line, col, f"{SYMBOLS[type(op)]} -> {SYMBOLS[new]}")
        elif isinstance(node, ast.BoolOp):
            line, col = _token_after(lines, node.values[0], node)
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            add("boolop", line, col, f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[other]}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            symbol = "not" if isinstance(node.op, ast.Not) else "-"
            add("unary", node.lineno, node.col_offset + 1, f"{symbol} removed")
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            if isinstance(node.value, bool):
                new_value = not node.value
            else:
                new_value = node.value + 1
            add("value", node.lineno, node.col_offset + 1, f"{node.value!r} -> {new_value!r}")
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            add("test", node.test.lineno, node.test.col_offset + 1, "condition negated")
    return sorted(mutants, key=lambda m: (m.line, m.col, m.description))


def apply(source: str, mutant: Mutant) -> str:
    tree = ast.parse(source)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == mutant.index)
    if mutant.field == "op":
        node.op = BINARY_SWAPS[type(node.op)]()
    elif mutant.field.startswith("ops"):
        i = int(mutant.field[3:])
        node.ops[i] = COMPARE_SWAPS[type(node.ops[i])]()
    elif mutant.field == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif mutant.field == "value":
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
    elif mutant.field == "test":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif mutant.field == "unary":
        _replace(tree, node, node.operand)
    return ast.unparse(ast.fix_missing_locations(tree))


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[[i for i, v in enumerate(value) if v is old][0]] = new
                return
    raise AssertionError("node has no parent")


def declared_equivalents(test_files: list[Path]) -> dict[str, str]:
    """{'module:line:col description': reason} from `# equivalent:` comments."""
    found = {}
    for path in test_files:
        for text in path.read_text().splitlines():
            match = EQUIVALENT.search(text)
            if match:
                found[f"{match.group(1)} {match.group(2)}"] = match.group(3)
    return found


def make_copy(workdir: Path, relative: Path, from_head: bool) -> Path:
    """A copy of src/ and tests/ (bytecode precompiled: each run compiles only the mutant).

    With ``from_head`` the package comes from the last commit and only the module under test
    from the working tree, so that other modules' unfinished edits cannot break the run.
    """
    if from_head:
        archive = subprocess.run(
            ["git", "archive", "HEAD", "src"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive, check=True)
        target = workdir / "src" / "glassnet" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PACKAGE / relative, target)
    else:
        ignore = shutil.ignore_patterns("*.egg-info")
        shutil.copytree(ROOT / "src", workdir / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", workdir / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", workdir / "pyproject.toml")
    compileall.compile_dir(workdir / "src", quiet=2)
    return workdir


def run_tests(
    workdir: Path, tests: list[str], timeout: float, keyword: str | None = None
) -> tuple[bool, float]:
    """(passed, seconds) of pytest on the copy (only the tests matching ``keyword``, pytest's
    -k, when given); a timeout counts as a failure."""
    env = dict(os.environ, PYTHONPATH=str(workdir / "src"), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    if keyword:
        command += ["-k", keyword]
    start = time.perf_counter()
    with subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as process:
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = -1
        except BaseException:  # KeyboardInterrupt: stop the child, then let the copy go
            process.kill()
            process.wait()
            raise
    return code == 0, time.perf_counter() - start


def check_copy_is_imported(workdir: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(workdir / "src"), PYTHONDONTWRITEBYTECODE="1")
    where = subprocess.run(
        [sys.executable, "-c", "import glassnet; print(glassnet.__file__)"],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not Path(where).is_relative_to(workdir):
        sys.exit(f"the mutated copy is not what Python imports (it imports {where})")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "module", help="module of src/glassnet: activations, engine.fused, engine (a package)..."
    )
    parser.add_argument("--tests", nargs="*", default=[], help="extra test files to run")
    parser.add_argument(
        "--only", action="append", default=[], help="mutate only this top-level def or Class.method"
    )
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default 10x baseline)")
    parser.add_argument(
        "-k", "--keyword", help="run only the tests matching this pytest -k expression"
    )
    parser.add_argument("--min", type=float, default=95.0, help="score needed to exit 0 (%%)")
    parser.add_argument(
        "--from-head",
        action="store_true",
        help="take the other modules from the last commit, not from the working tree",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--show", metavar="LINE:COL", help="print that mutant's changed source")
    args = parser.parse_args(argv)

    module = args.module.removesuffix(".py").replace("/", ".")
    relative = Path(*module.split(".")).with_suffix(".py")
    if (PACKAGE / relative.with_suffix("") / "__init__.py").is_file():  # a package: engine
        relative = relative.with_suffix("") / "__init__.py"
    path = PACKAGE / relative
    mirrored = ROOT / "tests" / f"test_{module.split('.')[-1]}.py"
    test_files = [mirrored, *(ROOT / t for t in args.tests)]
    for test_file in test_files:
        if not test_file.is_file():
            sys.exit(f"no test file {test_file}")
    tests = [str(t.relative_to(ROOT)) for t in test_files]
    source = path.read_text()
    mutants = find_mutants(source, args.only)
    if args.list or args.show:
        for mutant in mutants:
            if args.show and not mutant.key(module).startswith(f"{module}:{args.show} "):
                continue
            print(mutant.key(module))
            if args.show:
                print(apply(source, mutant))
        return 0
    equivalents = declared_equivalents(test_files)

    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    signal.signal(signal.SIGTERM, _interrupt)  # so that the temporary copy is removed
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glassnet-mutate-") as tmp:
        workdir = make_copy(Path(tmp), relative, args.from_head)
        check_copy_is_imported(workdir)
        target = workdir / "src" / "glassnet" / relative
        for stale in target.parent.glob(f"__pycache__/{target.stem}.*.pyc"):
            stale.unlink()  # the mutated module is always compiled from its source
        passed, baseline = run_tests(workdir, tests, timeout=600, keyword=args.keyword)
        if not passed:
            sys.exit(f"the tests fail without any mutation: python -m pytest {' '.join(tests)}")
        timeout = args.timeout or max(10.0, 10 * baseline)
        print(f"{module}: {len(mutants)} mutants, tests {' '.join(tests)} ({baseline:.1f} s)")
        survivors, equivalent_hits = [], []
        for n, mutant in enumerate(mutants, 1):
            target.write_text(apply(source, mutant))
            survived, _ = run_tests(workdir, tests, timeout, args.keyword)
            key = mutant.key(module)
            if survived and key in equivalents:
                equivalent_hits.append(key)
            elif survived:
                survivors.append(mutant)
            print(f"\r  {n}/{len(mutants)}", end="", flush=True, file=sys.stderr)
        print(file=sys.stderr)

    lines = source.splitlines()
    for mutant in survivors:
        print(f"SURVIVED {mutant.key(module)}")
        print(f"    {lines[mutant.line - 1].strip()}")
    for key in equivalent_hits:
        print(f"equivalent {key} -- {equivalents[key]}")
    known = {m.key(module) for m in find_mutants(source, [])}  # not only those --only ran
    for key in sorted(k for k in equivalents if k.startswith(f"{module}:") and k not in known):
        print(f"STALE equivalent comment (no such mutant now): {key}")
    total = len(mutants)
    killed = total - len(survivors) - len(equivalent_hits)
    score = 100.0 * (total - len(survivors)) / total if total else 100.0
    print(
        f"{module}: score {score:.1f}% = ({killed} killed + {len(equivalent_hits)} equivalent)"
        f" / {total} mutants, {len(survivors)} survived, {time.perf_counter() - started:.0f} s"
    )
    return 0 if score >= args.min else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the temporary copy is removed; src/ was never written to")
