"""The modules of evisynth.review import one another without a cycle (at import time).

The graph is read from the source with ``ast``: an edge ``a -> b`` for every import
that runs when ``a`` is imported (module level, including inside ``try`` and plain
``if`` blocks; not inside functions, classes or ``if TYPE_CHECKING:``).
``from package import name`` points at ``package.name`` when that is a module, else
at the package's ``__init__``. Importing a submodule also runs its parents'
``__init__`` first; that is no edge, because the parent starts before the child.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "evisynth.review"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    root = SRC.joinpath(*PACKAGE.split("."))
    return {_module_name(p): p for p in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` that run when the module is imported."""
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _run_at_import(node.body)
            yield from _run_at_import(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody,
                          *(h.body for h in node.handlers)):
                yield from _run_at_import(block)
        else:
            yield node


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of ``known`` that importing ``name`` (at ``path``) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _run_at_import(tree.body):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(name, path).split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                if target in known:
                    found.add(target)
                elif base in known:
                    found.add(base)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module-level import graph of ``evisynth.review`` and its submodules."""
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or ``None`` when it is acyclic."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_review_modules_import_without_a_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_graph_sees_the_imports_it_must() -> None:
    graph = import_graph()
    assert "evisynth.review.load.read" in graph["evisynth.review.load.check"]
    assert "evisynth.review.analyse.stratum" in graph["evisynth.review.analyse.plan"]
    # `from evisynth.review import _cells` is an import of the module, not of the package
    assert "evisynth.review._cells" in graph["evisynth.review.model.fields"]
    assert PACKAGE not in graph["evisynth.review.model.fields"]
    # inputs needs Review only for type hints, so that _review may import inputs
    assert "evisynth.review.inputs" in graph["evisynth.review._review"]
    assert "evisynth.review._review" not in graph["evisynth.review.inputs"]


def test_find_cycle_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_type_checking_and_function_imports_are_not_edges(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        "from typing import TYPE_CHECKING\n"
        "import x.a\n"
        "try:\n    from x import b\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from x import c\n"
        "def f():\n    from x import d\n",
        encoding="utf-8",
    )
    known = {"x.a", "x.b", "x.c", "x.d"}
    assert _imports("m", src, known) == {"x.a", "x.b"}


#: Names each module defined before it became a package (read from the old sources).
BEFORE_THE_SPLIT = {
    "evisynth.review.load": [
        "TOML_FILE", "CSV_FILES", "FORMAT_VERSIONS", "V1_COLUMNS", "load_review",
        "bundled_path", "load_bundled"],
    "evisynth.review.analyse": [
        "ROB_TO_GRADE", "MIN_K_SMALL_STUDY_TEST", "MIN_K_FUNNEL", "INTERVAL_CHECK_REPS",
        "NamedFit", "StratumAnalysis", "Headline", "IntervalReading", "IntervalAgreement",
        "exact_proportion", "interval_agreement", "OutcomeAnalysis", "ReanalysisResult",
        "ReviewResults", "METHOD_NAMES", "TEST_NAMES", "method_label", "method_sentence",
        "transformed", "SubgroupAnalysis", "GlmmModerator", "glmm_moderator",
        "subgroup_value", "analyse_review", "reanalyse"],
    "evisynth.review.model": [
        "ANALYSES", "MEASURES", "VERIFICATION", "ROB_DOMAINS", "ROB_JUDGEMENTS", "Text",
        "OptText", "Id", "OptFloat", "OptCount", "Flag", "OptDoi", "SourceRows",
        "Verification", "OptVerification", "Analysis", "Study", "OutcomeRow", "RiskOfBias",
        "PublishedResult", "Question", "Design", "ControlRisk", "Imprecision", "Outcome",
        "MethodName", "TestName", "MethodSpec", "Sensitivity", "FewStudies", "AnalysisPlan",
        "Subgroup", "Prisma", "Exclusion", "Gap", "UnusedRows", "SourceFile", "SourceInfo",
        "ReportText", "ReanalysisArm", "Reanalysis", "CurveTable"],
}


def test_names_from_before_the_split_still_import() -> None:
    missing = [f"{module}.{name}" for module, names in BEFORE_THE_SPLIT.items()
               for name in names if not hasattr(importlib.import_module(module), name)]
    assert not missing, missing
    for module in BEFORE_THE_SPLIT:
        mod = importlib.import_module(module)
        assert all(hasattr(mod, name) for name in mod.__all__), module
