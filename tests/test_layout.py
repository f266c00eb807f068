"""The package layout: data flows one way between the subpackages, and no module imports itself back.

sources (``ingest``) → provisions → ``index`` → ``tags`` → ``search`` → the ``corpus`` facade →
``compare`` → ``provenance`` → ``research`` → ``drafting`` → ``cli``/``web``. A module may import the
shared leaves and anything earlier in the flow; imports under ``if TYPE_CHECKING:`` are annotations
only and do not count. Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import ftadraft

PKG = Path(ftadraft.__file__).resolve().parent

#: Shared leaves at the top of the package: any module may import them.
LEAVES = {"model", "errors", "normalize", "fingerprint", "atomic", "safe_yaml", "optional", "suggest"}
#: The flow, earliest first. A unit may import units at its own rank only within itself.
FLOW = ["ingest", "index", "tags", "search", "corpus", "compare", "provenance", "research", "drafting", "cli", "web"]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of import nodes that sit under ``if TYPE_CHECKING:``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    return skip


def _imports(name: str, path: Path) -> Iterator[str]:
    """The ftadraft modules that ``name`` imports at run time (at any depth of the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names]
            # ``from pkg import mod`` depends on mod (and on pkg only for names that are not modules)
            targets = names + ([module] if any(n not in MODULES for n in names) else [])
        else:
            continue
        for t in targets:
            if t in MODULES and t != name:
                yield t


GRAPH = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ftadraft"


def test_every_module_belongs_to_a_known_unit() -> None:
    unknown = sorted({_unit(m) for m in MODULES} - LEAVES - set(FLOW) - {"ftadraft"})
    assert not unknown, f"place these in FLOW or LEAVES (and in the README's layout map): {unknown}"


def test_no_module_imports_a_later_unit() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        src = _unit(module)
        if src == "ftadraft":  # the package root re-exports the public API
            continue
        for t in targets:
            dst = _unit(t)
            if dst in LEAVES or dst == src:
                continue
            if src in LEAVES:
                wrong.append(f"{module} (a shared leaf) imports {t}")
            elif dst == "ftadraft" and src in ("cli", "web"):
                continue  # the shells may read the package root (its version)
            elif dst == "ftadraft" or FLOW.index(dst) > FLOW.index(src):
                wrong.append(f"{module} imports {t}, which stands later in the flow")
    assert not wrong, "\n".join(wrong)


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in graph.get(n, []):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state and (found := visit(m)):
                return found
        stack.pop()
        state[n] = 2
        return None

    for n in graph:
        if n not in state and (found := visit(n)):
            return found
    return None


def test_no_import_circle_between_modules() -> None:
    # a package's __init__ re-exporting its own modules is not a circle of the modules
    graph = {m: [t for t in ts if not m.startswith(t + ".")] for m, ts in GRAPH.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_import_circle_between_units() -> None:
    units: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        if _unit(module) == "ftadraft":
            continue
        units.setdefault(_unit(module), set()).update(_unit(t) for t in targets if _unit(t) != _unit(module))
    graph = {u: sorted(ts) for u, ts in units.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


@pytest.mark.parametrize("unit", [u for u in FLOW if (PKG / u).is_dir()])
def test_each_subpackage_says_what_it_is_for_and_may_import(unit: str) -> None:
    doc = ast.get_docstring(ast.parse((PKG / unit / "__init__.py").read_text(encoding="utf-8"))) or ""
    assert len(doc.split()) >= 8, f"{unit}/__init__.py needs a docstring saying what it is for"
    if unit != "cli":
        assert "May import" in doc, f"{unit}/__init__.py should say what it may import"


def test_the_check_sees_a_planted_backward_import(tmp_path: Path) -> None:
    """The graph builder resolves relative imports: a planted ``index`` → ``search`` import is seen."""
    planted = tmp_path / "planted.py"
    planted.write_text("from ..search.engine import search\n\ndef f():\n    from ..drafting import spec\n")
    found = set(_imports("ftadraft.index.planted", planted))
    assert {"ftadraft.search.engine", "ftadraft.drafting.spec"} <= found
    typed = tmp_path / "typed.py"
    typed.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..corpus import Corpus\n")
    assert not set(_imports("ftadraft.search.typed", typed))
