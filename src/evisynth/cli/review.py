"""``evisynth new DIR``: scaffold an empty review folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evisynth.cli._app import app
from evisynth.review import new_review


@app.command("new")
def new_command(
    folder: Annotated[Path, typer.Argument(help="Folder to create (new, or empty).")],
) -> None:
    """Create an empty review folder: commented review.toml and header-only CSV tables.

    Refuses to write into a folder that is not empty.
    """
    path = new_review(folder)
    typer.echo(f"created review folder {path}: review.toml, studies.csv, outcomes.csv, "
               "risk_of_bias.csv, published.csv (see docs/review-format.md)")
