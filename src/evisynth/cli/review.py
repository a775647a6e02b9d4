"""``evisynth new DIR``: scaffold an empty review folder; ``evisynth migrate DIR``: format 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evisynth.cli._app import app
from evisynth.review import new_review
from evisynth.review.migrate import migrate_review


@app.command("new")
def new_command(
    folder: Annotated[Path, typer.Argument(help="Folder to create (new, or empty).")],
) -> None:
    """Create an empty review folder: commented review.toml and header-only CSV tables.

    Refuses to write into a folder that is not empty.
    """
    from evisynth.review.api import review_format_doc

    path = new_review(folder)
    typer.echo(f"created review folder {path}: review.toml, studies.csv, outcomes.csv, "
               f"risk_of_bias.csv, published.csv (format described in {review_format_doc()})")


@app.command("migrate")
def migrate_command(
    folder: Annotated[Path, typer.Argument(help="Review folder of format version 1.")],
) -> None:
    """Rewrite a version-1 review folder in format version 2 (arm-neutral columns)."""
    changed = migrate_review(folder)
    if changed:
        typer.echo(f"Migrated {folder} to format version 2: rewrote {', '.join(changed)}")
    else:
        typer.echo(f"{folder} is already format version 2; nothing to do")
