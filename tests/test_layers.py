"""The import contract of docs/architecture.md: each layer of the package imports only the layers
below it (and modules of its own layer, without cycles). Every import counts, lazy ones inside
functions included, since a lazy upward import is still an upward dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "peersim"

#: Lowest first. A module of layer k may import layers 0..k.
LAYERS = ("core", "data", "run", "stats", "studies", "inference", "sweep", "report", "mesa", "apps")
#: The package's front door re-exports the public names of every layer.
FACADE = ("peersim", "peersim.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, typing: bool = True) -> set[str]:
    """The peersim modules ``path`` imports (anywhere in the file), as dotted names; without
    ``typing``, those only imported for type checkers (``if TYPE_CHECKING:``) are left out."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    if not typing:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
                skip |= {id(n) for child in node.body for n in ast.walk(child)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "peersim"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # the contract reads absolute imports only; a relative one would hide its target
                found.add(f"<relative import in {module_name(path)}>")
            elif node.module and node.module.split(".")[0] == "peersim":
                found.add(node.module)
                # ``from peersim.core import kernel`` imports the module peersim.core.kernel
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    if _exists(candidate):
                        found.add(candidate)
    return found


def _exists(module: str) -> bool:
    path = PACKAGE.parent / Path(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def layer(module: str) -> int | None:
    parts = module.split(".")
    if module in FACADE:
        return len(LAYERS)
    if len(parts) < 2 or parts[1] not in LAYERS:
        return None
    return LAYERS.index(parts[1])


def graph(package: Path = PACKAGE, typing: bool = True) -> dict[str, set[str]]:
    return {module_name(p): imports(p, typing) for p in sorted(package.rglob("*.py"))}


def violations(edges: dict[str, set[str]]) -> list[str]:
    """Every import that breaks the contract, as 'importer -> imported (why)'."""
    problems = []
    for module, targets in edges.items():
        rank = layer(module)
        if rank is None:
            problems.append(f"{module}: not in a layer (layers: {', '.join(LAYERS)})")
            continue
        for target in sorted(targets):
            if target.startswith("<"):
                problems.append(f"{module}: {target[1:-1]}")
                continue
            if target == "peersim" and module not in FACADE:
                problems.append(f"{module} -> peersim (the facade imports every layer: import the module)")
                continue
            other = layer(target)
            if other is not None and other > rank:
                problems.append(f"{module} -> {target} (layer {LAYERS[rank]} imports {LAYERS[other]})")
    return problems


def cycles(edges: dict[str, set[str]]) -> list[str]:
    """Import cycles between modules (a package's __init__ and its own modules excepted)."""
    found, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if target not in edges or target == module or module.startswith(target + ".") or target in FACADE:
                continue
            if state.get(target) == "open":
                found.append("cycle: " + " -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state and module not in FACADE:
            visit(module, [module])
    return found


def test_every_layer_imports_only_those_below_it():
    # type-only imports count for the direction, not for cycles (they do not run)
    problems = violations(graph()) + cycles(graph(typing=False))
    assert not problems, "import contract (docs/architecture.md) broken:\n" + "\n".join(problems)


def test_the_contract_catches_an_upward_import_even_a_lazy_one(tmp_path):
    """The checker is not vacuous: a core module that imports the report layer inside a function,
    and a cycle between two modules, are both reported."""
    package = tmp_path / "peersim"
    for folder in ("core", "report"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "core" / "kernel.py").write_text(
        "def f():\n    from peersim.report.summary import Summary\n    return Summary\n"
    )
    (package / "report" / "summary.py").write_text("from peersim.report import figures\nSummary = 1\n")
    (package / "report" / "figures.py").write_text("from peersim.report.summary import Summary\n")
    global PACKAGE
    real, PACKAGE = PACKAGE, package
    try:
        problems = violations(graph(package)) + cycles(graph(package))
    finally:
        PACKAGE = real
    assert any("peersim.core.kernel -> peersim.report.summary" in p for p in problems), problems
    assert any(p.startswith("cycle:") and "peersim.report.figures" in p for p in problems), problems


@pytest.mark.parametrize("name", LAYERS)
def test_each_layer_says_what_it_may_import(name):
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))
    assert doc and f"Layer {LAYERS.index(name)}" in doc
