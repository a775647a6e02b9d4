"""The ``evisynth`` command line (see :mod:`evisynth.cli._app`).

Each command group lives in its own module and registers itself on the shared
``app`` when imported. :func:`main` imports only the module of the command being
run (``COMMANDS``), so ``evisynth crs ...`` never loads pandas, scipy or
matplotlib; ``--help``, an unknown command, or ``evisynth.cli.app`` load them all
(in the order below, which is the order of ``evisynth --help``).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evisynth.cli._app import app

#: Command modules, in registration (help) order.
MODULES = ("audit", "clinic", "econ", "meta", "review", "run", "simulate", "survival")

#: Top-level command -> the module that registers it (tests/test_lazy_import.py
#: checks this against what the modules register).
COMMANDS = {
    "audit": "audit",
    "crs": "clinic",
    "icans": "clinic",
    "dose": "clinic",
    "schedule": "clinic",
    "cea": "econ",
    "meta": "meta",
    "example": "meta",
    "new": "review",
    "migrate": "review",
    "run": "run",
    "simulate": "simulate",
    "reconstruct": "survival",
    "survival": "survival",
}


def load_commands(modules: tuple[str, ...] = MODULES) -> None:
    """Import command modules (registering their commands), in help order."""
    for m in MODULES:
        if m in modules:
            importlib.import_module(f"evisynth.cli.{m}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI (see :func:`evisynth.cli._app.main`), loading only the command used."""
    if argv is None:
        argv = sys.argv[1:]
    first = next((a for a in argv if not a.startswith("-")), None)
    module = COMMANDS.get(first) if first is not None else None
    load_commands((module,) if module is not None and first == argv[0] else MODULES)
    from evisynth.cli._app import main as run

    return run(argv)


def __getattr__(name: str) -> Any:
    if name == "app":
        load_commands()
        from evisynth.cli._app import app

        return app
    raise AttributeError(f"module 'evisynth.cli' has no attribute {name!r}")


__all__ = ["app", "main"]
