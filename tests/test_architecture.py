"""The layout is the architecture: who may import whom, checked on the source itself.

* the reference implementation (``ldmspec/system``) never imports the models, the solver
  or z3: it is the system under test, not a client of the proofs;
* z3 is imported only behind the solver front end and in ``models/``; OR-Tools only in
  the placement module;
* exactly one engine package knows both the implementation and the models:
  :mod:`ldmspec.conformance` (abstraction, steps, replay); the property suites in
  ``properties/`` compare the two by design;
* the import graph is acyclic, counting imports inside functions and names taken from a
  package's ``__init__`` (a facade): a cycle hidden by a function-level import is still a
  cycle of concepts, and a newcomer cannot read either module first;
* no engine module is over 800 lines and no function over 80, except where the README says
  why (the explorer's hot loop).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx

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


# --- the import graph -------------------------------------------------------------------
# Shrinks to empty under issue #12; an entry here is a debt with a name, never a new cycle.
KNOWN_CYCLES: set[frozenset[str]] = {
    frozenset({"ldmspec.inventory.captures", "ldmspec.inventory.loader"}),
}


def module_files() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package ``__init__``), as installed."""
    found: dict[str, tuple[Path, bool]] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join([package, *parts])] = (path, is_package)
    return found


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Nodes under ``if TYPE_CHECKING:``: never executed, so never part of a cycle."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and (
            (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
        ):
            skipped.update(id(n) for sub in node.body for n in ast.walk(sub))
    return skipped


def _imported(module: str, is_package: bool, node: ast.AST, files: set[str]) -> set[str]:
    """The modules one import statement runs: ``from P import sub`` runs ``P.sub``, and
    ``from P import name`` (not a submodule) depends on ``P``'s ``__init__``."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        package = (module if is_package else module.rpartition(".")[0]).split(".")
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    return {
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
        for alias in node.names
    }


def import_graph() -> nx.DiGraph:
    """Who imports whom at run time, wherever the import statement stands.

    An import of ``a.b.c`` also runs ``a`` and ``a.b`` (unless the importer lives inside
    them: they are already being imported when it runs).
    """
    files = module_files()
    graph = nx.DiGraph()
    for module, (path, is_package) in files.items():
        graph.add_node(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        own = set(_ancestors(module))
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            for target in _imported(module, is_package, node, set(files)) & set(files):
                graph.add_edges_from((module, a) for a in _ancestors(target) if a not in own)
                if target != module:
                    graph.add_edge(module, target)
    return graph


def import_cycles() -> set[frozenset[str]]:
    return {
        frozenset(component)
        for component in nx.strongly_connected_components(import_graph())
        if len(component) > 1
    }


def test_the_import_graph_sees_facades_and_function_level_imports():
    graph = import_graph()
    # ldmspec/report/from_system.py takes a name from the report facade inside a function
    # (or did, before #12): either way the graph must see facades and the report writers.
    assert graph.has_edge("ldmspec.cli", "ldmspec")  # `from ldmspec import __version__`
    assert graph.has_edge("ldmspec.report", "ldmspec.report.writer")


def test_the_import_graph_is_acyclic_but_for_named_debts():
    cycles = import_cycles()
    new = {c for c in cycles if not any(c <= known for known in KNOWN_CYCLES)}
    assert not new, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)
    paid = {known for known in KNOWN_CYCLES if not any(c <= known for c in cycles)}
    assert not paid, f"no longer a cycle, take it off KNOWN_CYCLES: {sorted(map(sorted, paid))}"


# --- sizes ------------------------------------------------------------------------------
MAX_MODULE_LINES = 80 * 10
MAX_FUNCTION_LINES = 80
# The explorer's hot loop is one function on purpose (locals are fast, calls are not): see
# the README. The others are debts of issue #12, shrinking to nothing.
LONG_FUNCTIONS = {
    ("ldmspec/explorer/search.py", "_expand"),
}
LONG_MODULES = {
    "ldmspec/inventory/captures.py",
}


def _sources() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for folder in PACKAGES.values()
        for path in sorted(folder.rglob("*.py"))
    ]


def test_no_module_over_800_lines_but_for_named_debts():
    long = {path for path, text in _sources() if len(text.splitlines()) > MAX_MODULE_LINES}
    assert long <= LONG_MODULES, sorted(long - LONG_MODULES)
    # A debt paid leaves the list, so the list only shrinks.
    assert long >= LONG_MODULES, f"no longer over 800 lines: {sorted(LONG_MODULES - long)}"


def test_no_function_over_80_lines_but_the_hot_loop_and_named_debts():
    long = {
        (path, node.name)
        for path, text in _sources()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    }
    assert long <= LONG_FUNCTIONS, sorted(long - LONG_FUNCTIONS)
    assert long >= LONG_FUNCTIONS, f"no longer over 80 lines: {sorted(LONG_FUNCTIONS - long)}"


# --- layers (docs/ARCHITECTURE.md's table) ----------------------------------------------
LAYERS = (  # bottom up: (layer, module prefixes)
    ("errors", ("ldmspec.errors", "ldmspec.outputs")),
    ("vocabulary", ("ldmspec.inventory", "ldmspec.requirements")),
    ("system", ("ldmspec.system",)),
    ("explorer", ("ldmspec.explorer",)),
    ("models", ("ldmspec.models",)),
    ("solver", ("ldmspec.solver",)),
    ("conformance", ("ldmspec.conformance",)),
    ("report", ("ldmspec.report",)),
    ("testing", ("ldmspec.testing",)),
    ("properties", ("ldmspec.properties",)),
    ("front", ("ldmspec.pipeline", "ldmspec.commands", "ldmspec.cli")),
)
MAY_IMPORT = {
    "errors": set(),
    "vocabulary": {"errors"},
    "system": {"errors", "vocabulary"},
    "explorer": {"errors"},
    "models": {"errors", "vocabulary", "explorer"},
    "solver": {"errors", "vocabulary", "models"},
    "conformance": {"errors", "vocabulary", "system", "explorer", "models"},
    "report": {"errors", "vocabulary", "system"},
    "testing": {
        "errors", "vocabulary", "system", "explorer", "models", "solver", "conformance", "report"
    },
    "properties": {n for n, _ in LAYERS} - {"front"},
    "front": {n for n, _ in LAYERS},
}
# Debts of #12 with a name, shrinking to nothing.
KNOWN_LAYER_DEBTS: set[tuple[str, str]] = set()


def layer_of(module: str) -> str:
    for name, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return "front"  # the package facade ``ldmspec`` itself


def test_every_layer_imports_only_what_the_architecture_page_allows():
    wrong = {
        (a, b)
        for a, b in import_graph().edges
        if layer_of(b) != layer_of(a) and layer_of(b) not in MAY_IMPORT[layer_of(a)]
    }
    new = {(a, b) for a, b in wrong if (a, b) not in KNOWN_LAYER_DEBTS}
    assert not new, sorted(f"{a} ({layer_of(a)}) -> {b} ({layer_of(b)})" for a, b in new)
    assert wrong >= KNOWN_LAYER_DEBTS, f"paid, take them off: {sorted(KNOWN_LAYER_DEBTS - wrong)}"


def test_the_architecture_page_names_only_paths_that_exist():
    page = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:ldmspec|models|properties|tests)/[\w/.*-]*)`", page))
    assert len(named) > 20
    missing = {p for p in named if not list(ROOT.glob(p.rstrip("/")))}
    assert not missing, sorted(missing)
