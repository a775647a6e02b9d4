"""The ``evisynth`` command line.

Thin by design: it parses arguments, calls the public API and prints or writes
the result. Every :class:`~evisynth.errors.InputError` becomes one line on stderr
and exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import typer

from evisynth.errors import EvisynthError

app = typer.Typer(
    name="evisynth",
    help="Clinical evidence synthesis on survival outcomes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status.

    0 on success, 2 on bad input or usage (one line on stderr), 1 otherwise.
    """
    try:
        app(args=argv, prog_name="evisynth")
    except SystemExit as exc:  # typer/click end every run with SystemExit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except (EvisynthError, OSError) as exc:
        typer.echo(f"evisynth: error: {exc}", err=True)
        return 2
    return 0


@app.callback()
def _root() -> None:
    """Clinical evidence synthesis on survival outcomes."""

