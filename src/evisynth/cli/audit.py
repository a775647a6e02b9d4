"""``evisynth audit FILE|-``: check the reported statistics of a text file or stdin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from evisynth.audit import audit as run_audit
from evisynth.audit.sources import decode_text, read_text
from evisynth.cli._app import app


@app.command("audit")
def audit_command(
    file: Annotated[str, typer.Argument(help="A .txt, .md or .html file, or '-' for stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> int:
    """Check that a report's statistics add up (CI, p-value, percentages, arms, design, doses)."""
    if file == "-":
        text = decode_text(sys.stdin.buffer.read(), "<stdin>")
        source = "<stdin>"
    else:
        text = read_text(Path(file))
        source = file
    report = run_audit(text, source=source)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(report.summary())
    return 0
