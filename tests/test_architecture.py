"""The layout is the architecture: who may import whom, checked on the source itself.

* the reference implementation (``ldmspec/system``) never imports the models, the solver
  or z3: it is the system under test, not a client of the proofs;
* z3 is imported only behind the solver front end and in ``models/``; OR-Tools only in
  the placement module;
* exactly one engine package knows both the implementation and the models:
  :mod:`ldmspec.conformance` (abstraction, steps, replay); the property suites in
  ``properties/`` compare the two by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"ldmspec": ROOT / "ldmspec", "ldmspec.models": ROOT / "models",
            "ldmspec.properties": ROOT / "properties"}  # fmt: skip


def modules() -> dict[str, set[str]]:
    """Every module of the package (by path) and the modules it imports, anywhere in it."""
    found: dict[str, set[str]] = {}
    for folder in PACKAGES.values():
        for path in folder.rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported: set[str] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module)
            found[str(path.relative_to(ROOT))] = imported
    return found


def importers(prefix: str) -> set[str]:
    return {
        path
        for path, imported in modules().items()
        if any(m == prefix or m.startswith(prefix + ".") for m in imported)
    }


def test_the_implementation_imports_no_model_solver_or_z3():
    system = {p for p in modules() if p.startswith("ldmspec/system/")}
    assert system, "the reference implementation is where the layout says"
    for banned in ("ldmspec.models", "ldmspec.solver", "z3", "ldmspec.conformance"):
        assert not (importers(banned) & system), banned


def test_z3_only_behind_the_solver_front_end_and_in_models():
    assert importers("z3")
    assert all(p.startswith(("ldmspec/solver/", "models/")) for p in importers("z3"))


def test_ortools_only_in_the_placement_module():
    assert importers("ortools") == {"ldmspec/solver/placement.py"}


def test_one_engine_module_joins_the_implementation_and_the_models():
    # The property suites (properties/) compare the two by design; in the engine only the
    # abstraction function may know both.
    both = importers("ldmspec.system") & importers("ldmspec.models")
    assert {p for p in both if p.startswith("ldmspec/")} == {
        "ldmspec/conformance/abstraction.py",
        "ldmspec/conformance/steps.py",
        "ldmspec/conformance/replay.py",
    }
