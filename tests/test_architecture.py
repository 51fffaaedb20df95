"""The layout docs/architecture.md draws is the layout the code has: every module belongs to a
stage, a stage imports only the stages it is drawn on top of, no two modules import each other
(directly or round a loop, imports inside functions included), no module name appears twice, and
the document names every module."""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "compiler" / "wfc"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# stage -> the stages it may import (besides itself); the pipeline as docs/architecture.md draws it
ALLOWED: Dict[str, Set[str]] = {
    "diagnostics": set(),
    "format": {"diagnostics"},
    "load": {"diagnostics"},
    "model": {"diagnostics", "format", "load"},
    "validate": {"diagnostics", "format", "load", "model"},
    "analysis": {"diagnostics", "format", "model"},
    "emit": {"diagnostics"},
    "render": {"diagnostics", "format", "model", "analysis", "emit"},
    "runtime": {"diagnostics", "format", "load", "model", "validate", "analysis", "emit"},
    "compiler": {"diagnostics", "format", "load", "model", "validate", "analysis", "emit", "render"},
    "report": {"diagnostics", "format", "model", "validate", "analysis", "emit", "render", "runtime"},
    "legacy": {"diagnostics", "format", "load", "model", "validate", "analysis", "emit"},
    "cli": {"diagnostics", "format", "load", "model", "validate", "analysis", "emit", "render", "runtime",
            "compiler", "report", "legacy"},
}
TOP_LEVEL = {"wfc": "cli", "wfc.__main__": "cli"}


def modules() -> Dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("wfc",) + path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def stage_of(module: str) -> str:
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    return module.split(".")[1].removesuffix("_writer")


def imports_of(module: str, path: Path, known: Dict[str, Path]) -> Set[str]:
    """Every wfc module `module` imports, at any depth of its code. `from wfc.x import y` counts
    as importing `wfc.x.y` when that is a module, else `wfc.x`."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("wfc"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("wfc"))
    return {name for name in found if name in known and name != module}


def graph() -> Dict[str, Set[str]]:
    known = modules()
    return {module: imports_of(module, path, known) for module, path in known.items()}


def cycles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_module_imports_itself_round_a_loop() -> None:
    assert cycles(graph()) == []


def test_every_stage_imports_only_the_stages_below_it() -> None:
    crossings = sorted(f"{module} -> {target}" for module, targets in graph().items() for target in targets
                       if stage_of(target) != stage_of(module) and stage_of(target) not in ALLOWED[stage_of(module)])
    assert crossings == []


def test_every_module_belongs_to_a_stage() -> None:
    assert sorted({stage_of(module) for module in modules()} - set(ALLOWED)) == []


def test_no_module_name_appears_twice() -> None:
    seen: Dict[str, List[str]] = {}
    for path in modules().values():
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(path.relative_to(PACKAGE).as_posix())
    package_names = {path.parent.name for path in modules().values() if path.name == "__init__.py"}
    twice = {name: where for name, where in seen.items() if len(where) > 1 or name in package_names}
    assert twice == {}


def test_the_architecture_document_names_every_module() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_/]+\.py)`", text))
    missing = sorted(path.relative_to(PACKAGE).as_posix() for path in modules().values()
                     if path.relative_to(PACKAGE).as_posix() not in named)
    assert missing == []
