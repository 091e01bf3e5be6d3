"""Check that every import in src/truestrength points down the pipeline, with no cycle.

    python tools/check_layers.py        # prints the layer of each module; exit 1 on a breach

Every ``import`` statement counts, wherever it stands (inside functions and
``if TYPE_CHECKING:`` blocks too): an import hidden in a function is still a dependency.
The layers, lowest first, are ``LAYERS`` below; a module may import its own layer and the
layers beneath it, and the module graph must be acyclic.
"""

from __future__ import annotations

import ast
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = "truestrength"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE
# Lowest first. "truestrength" itself is the version string only.
LAYERS = ["base", "data", "features", "models", "training", "inference", "evaluation",
          "report", "app", "cli"]


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1  # the package's __init__: below everything
    return LAYERS.index(parts[1].removesuffix(".py"))


def imports(path: Path, module: str) -> set[str]:
    """Project modules imported by ``path`` (``from a import b`` counts ``a.b`` when that is
    a module, else ``a``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + is_pkg]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != PACKAGE:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.add(sub if _exists(sub) else base)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def check() -> list[str]:
    """Every breach, as one line each (empty: the layering holds)."""
    problems = []
    graph: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        mod = module_name(path)
        deps = imports(path, mod) - {mod}
        graph[mod] = deps
        for dep in sorted(deps):
            if layer_of(dep) > layer_of(mod):
                problems.append(f"{mod} ({LAYERS[layer_of(mod)]}) imports {dep} "
                                f"({LAYERS[layer_of(dep)]}), a layer above it")
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        problems.append(f"import cycle: {' -> '.join(exc.args[1])}")
    return problems


def main() -> int:
    problems = check()
    for p in problems:
        print(p)
    if not problems:
        print(f"ok: {sum(1 for _ in SRC.rglob('*.py'))} modules, every import points down "
              f"({' < '.join(LAYERS)}), no cycle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
