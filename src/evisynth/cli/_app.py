"""The ``evisynth`` command line.

Thin by design: it parses arguments, calls the public API and prints or writes
the result. Every :class:`~evisynth.errors.InputError` becomes one line on stderr
and exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import typer

from evisynth.errors import EvisynthError

app = typer.Typer(
    name="evisynth",
    help="Clinical evidence synthesis on survival outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status.

    0 on success; 2 on bad input or bad usage, reported as one line on stderr;
    1 when the user aborts.
    """
    if argv is None:
        argv = sys.argv[1:]
    if not argv:
        # A bare ``evisynth`` is a request for orientation, not a mistake.
        argv = ["--help"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            result = app(args=argv, prog_name="evisynth", standalone_mode=False)
    except EvisynthError as exc:
        typer.echo(f"evisynth: error: {_one_line(str(exc))}", err=True)
        return 2
    except OSError as exc:
        typer.echo(f"evisynth: error: {_os_error(exc)}", err=True)
        return 2
    except typer.Abort:
        typer.echo("evisynth: aborted", err=True)
        return 1
    except Exception as exc:
        # Usage errors come from the click library that typer bundles privately;
        # they are recognised by their interface rather than by a private import.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            msg = str(exc.format_message()).rstrip(".")
            typer.echo(f"evisynth: usage error: {msg} (see 'evisynth --help')", err=True)
            return int(exc.exit_code)
        raise
    return result if isinstance(result, int) else 0


def _one_line(text: str, limit: int = 1000) -> str:
    """A message on one line (no control characters), cut to ``limit`` characters."""
    from evisynth._validation import shorten

    return shorten(" ".join(text.split()), limit)


def _os_error(exc: OSError) -> str:
    """``path: reason`` for a failed file operation, the path shortened."""
    from evisynth.cli._io import show_path

    reason = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return _one_line(f"{show_path(exc.filename)}: {reason}")
    return _one_line(str(exc))


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Print a Python warning as one ``evisynth: warning: ...`` line, without source paths."""
    typer.echo(f"evisynth: warning: {_one_line(str(message), 500)}", err=True)


def _print_version(value: bool) -> None:
    if value:
        from evisynth import __version__

        typer.echo(f"evisynth {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_print_version,
        is_eager=True,
        help="Print the installed version and exit.",
    ),
) -> None:
    """Clinical evidence synthesis on survival outcomes."""

