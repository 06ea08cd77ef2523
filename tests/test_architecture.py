"""The layout's rules, checked on the source: imports go one way, no cycle, no private names.

Layers, from the bottom (see ARCHITECTURE.md): a module may import glassnet modules of its own
layer or of a lower one, never one above it; the cycle test keeps a layer free of loops.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "glassnet"

# module prefix -> layer; the longest matching prefix wins
LAYERS = {
    "glassnet.errors": 0,
    "glassnet.validation": 0,
    "glassnet.version": 0,
    "glassnet.activations": 1,
    "glassnet.losses": 1,
    "glassnet.initializers": 1,
    "glassnet.schedules": 1,
    "glassnet.history": 1,
    "glassnet.metrics": 1,
    "glassnet.data": 1,
    "glassnet.datasets": 1,
    "glassnet.tables": 1,
    "glassnet.optimizers": 2,
    "glassnet.engine": 2,
    "glassnet.network": 3,
    "glassnet.checks": 3,
    "glassnet.state": 3,
    "glassnet.distributed": 3,
    "glassnet.files": 4,
    "glassnet.training": 5,
    "glassnet.callbacks": 5,
    "glassnet.recipe": 6,
    "glassnet.progress": 7,
    "glassnet.plots": 7,
    "glassnet.readers": 7,
    "glassnet.explain": 7,
    "glassnet.lecture": 8,
    "glassnet.playground": 8,
    "glassnet.sklearn": 8,
    "glassnet.sweep": 8,
    "glassnet.demo": 8,
    "glassnet.notebook": 8,
    "glassnet.exercises": 8,
    "glassnet.cli": 9,
    "glassnet": 10,  # the package's __init__: the public names
}
FRONT_ENDS = ("glassnet.cli", "glassnet.playground", "glassnet.sklearn", "glassnet.sweep",
              "glassnet.demo")  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = modules()


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def imports(name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every glassnet import in ``name``,
    at module level or inside a function alike."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "glassnet":
                    found.append((alias.name, [], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "glassnet":
                continue
            names = [a.name for a in node.names]
            # `from . import x` imports the module glassnet.x when there is one
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if submodules:
                found += [(s, [], node.lineno) for s in submodules]
                rest = [n for n in names if f"{target}.{n}" not in MODULES]
                if rest:
                    found.append((target, rest, node.lineno))
            else:
                found.append((target, names, node.lineno))
    return found


def layer(name: str) -> int:
    prefix = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return LAYERS[prefix]


def test_every_module_has_a_layer():
    for name in MODULES:
        layer(name)  # raises ValueError (max of nothing) for a module no layer names


def test_imports_go_down_the_layers():
    wrong = []
    for name in MODULES:
        for target, _, line in imports(name):
            if layer(target) > layer(name):
                wrong.append(f"{name}:{line} imports {target} (layer {layer(target)} above "
                             f"{layer(name)})")  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = {n: {t for t, _, _ in imports(n) if t in MODULES and t != n} for n in MODULES}
    # a package's __init__ is imported with any of its modules; that edge is not a cycle
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [node, nxt]))
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_no_module_imports_another_modules_private_name():
    private = [
        f"{name}:{line} imports {n} from {target}"
        for name in MODULES
        for target, names, line in imports(name)
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not private, "\n".join(private)


def calls(name: str) -> set[str]:
    """The dotted names called anywhere in a module (``optimizers.get``, ``Momentum``...)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                found.add(f.id)
            elif isinstance(f, ast.Attribute):
                found.add(f.attr)
    return found


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith(FRONT_ENDS)), ids=lambda n: n
)
def test_no_front_end_builds_an_optimizer_or_a_split_itself(name):
    """Front ends translate into glassnet.recipe; only the recipe makes optimizers and splits."""
    forbidden = {
        "GradientDescent", "Momentum", "Nesterov", "RMSProp", "Adam", "AdamW", "get_optimizer",
        "split_rows", "train_test_split", "signature",
    }  # fmt: skip
    used = calls(name) & forbidden
    text = MODULES[name].read_text(encoding="utf-8")
    if "optimizers.get(" in text:
        used.add("optimizers.get")
    assert not used, f"{name} builds {sorted(used)} itself; go through glassnet.recipe"


# where the engine's epoch functions and the optimizer's epoch clock are defined, not driven
EPOCH_DEFINITIONS = ("glassnet.engine", "glassnet.optimizers", "glassnet.distributed")


def epoch_steps(name: str) -> list[str]:
    """The places where ``name`` drives epochs itself: a call of an optimizer's
    ``begin_epoch`` (its epoch clock), of an engine's ``epoch``, or of what
    ``engine.select(...)`` returned (the engine's epoch function), by the name it was bound
    to. A Trainer's own ``begin_epoch`` is the step a front end may call."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))

    def called_name(node) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr
        return None

    selected = set()  # the names bound to engine.select(...)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if called_name(node.value.func) == "select":
                selected |= {called_name(t) for t in node.targets} - {None}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Call) and called_name(f.func) == "select":
            found.append(f"{name}:{node.lineno} calls select(...)(...)")
        elif called_name(f) in selected:
            found.append(f"{name}:{node.lineno} calls {called_name(f)}, the engine's epoch")
        elif isinstance(f, ast.Attribute) and f.attr == "epoch":
            found.append(f"{name}:{node.lineno} calls an engine's .epoch()")
        elif (
            isinstance(f, ast.Attribute)
            and f.attr == "begin_epoch"
            and (called_name(f.value) or "").endswith("optimizer")
        ):
            found.append(f"{name}:{node.lineno} calls the optimizer's begin_epoch()")
    return found


def test_only_the_trainer_runs_epochs():
    """One loop: training.Trainer owns the epochs (the snapshot, the optimizer's epoch clock,
    the engine's epoch function, divergence rollback, the best epoch, checkpoints). Every front
    end (gn.train, the estimators, the command, the playground's training thread) drives a
    Trainer, to the end (``run``) or step by step (``begin_epoch``, ``run_batches``,
    ``end_epoch``); none keeps a loop of its own."""
    found = [
        place
        for name in MODULES
        if name != "glassnet.training" and not name.startswith(EPOCH_DEFINITIONS)
        for place in epoch_steps(name)
    ]
    assert not found, "\n".join(found)
    assert epoch_steps("glassnet.training")  # the rule sees the one loop there is
