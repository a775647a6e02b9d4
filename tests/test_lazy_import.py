"""``import evisynth`` is lazy (PEP 562): every public name resolves on use, nothing heavy
is imported up front, and the lazy table, the type-checking imports and ``__all__`` agree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import evisynth

INIT = Path(evisynth.__file__)
HEAVY = ("matplotlib", "pandas", "scipy.stats", "scipy")


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_import_evisynth_loads_no_heavy_library() -> None:
    code = (
        "import sys, evisynth; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _run(code) == ""


@pytest.mark.parametrize("name", evisynth.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(evisynth, name)
    assert value is not None
    assert name in dir(evisynth)


def test_all_names_resolve_in_a_fresh_interpreter() -> None:
    code = (
        "import evisynth; "
        "missing = [n for n in evisynth.__all__ if getattr(evisynth, n, None) is None]; "
        "print(missing)"
    )
    assert _run(code) == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        evisynth.not_a_name  # noqa: B018


def test_lazy_table_type_checking_imports_and_all_agree() -> None:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                for a in imp.names:
                    name = a.asname or a.name
                    typed[name] = (
                        f"evisynth.{a.name}" if imp.module == "evisynth" else imp.module
                    )
    lazy = dict(evisynth._EXPORTS)
    assert typed == lazy
    assert set(evisynth.__all__) == set(lazy) | {"__version__"}
    assert len(evisynth.__all__) == len(set(evisynth.__all__))


def test_cli_module_imports_no_heavy_library() -> None:
    code = (
        "import sys, evisynth.cli; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _run(code) == ""


def test_command_table_matches_what_the_modules_register() -> None:
    from evisynth import cli
    from evisynth.cli._app import app

    cli.load_commands()
    registered = {
        (c.name or c.callback.__name__.replace("_", "-")): c.callback.__module__
        for c in app.registered_commands
        if c.callback is not None
    }
    assert registered == {k: f"evisynth.cli.{m}" for k, m in cli.COMMANDS.items()}


def test_one_command_loads_only_its_module() -> None:
    code = (
        "import sys; from evisynth.cli import main; "
        "main(['crs', '-t', '39.5', '--hypotension']); "
        f"print('loaded:' + ','.join(m for m in {(*HEAVY, 'evisynth.cli.meta', 'evisynth.meta')!r} "
        "if m in sys.modules))"
    )
    out = _run(code).splitlines()
    assert out[-1] == "loaded:"
    assert any("CRS grade" in line for line in out)



def test_importing_a_subpackage_keeps_the_public_name_callable() -> None:
    code = (
        "import evisynth, evisynth.simulate.run, evisynth.audit.checks; "
        "print(callable(evisynth.simulate), callable(evisynth.audit))"
    )
    assert _run(code) == "True True"
