"""``evisynth run``: run a whole review and write its report."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

import evisynth
from evisynth.cli._app import app
from evisynth.errors import InputError
from evisynth.report import build_report, results_json
from evisynth.review import load_bundled, load_review
from evisynth.review.analyse import analyse_review
from evisynth.review.compare import compare_results, read_results


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a reader
    never sees a half-written file and a failed run leaves the old file intact."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("run")
def run_command(
    review_dir: Annotated[
        Path | None,
        typer.Argument(help="Review folder (review.toml + CSV tables). Default: the bundled "
                       "CAR-T vs salvage chemotherapy review."),
    ] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for report.html, report.md "
                                      "and results.json.")] = Path("evisynth-report"),
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
    compare: Annotated[Path | None, typer.Option(
        "--compare", help="results.json of a previous run: adds a 'What changed' section "
                          "(estimates, intervals, certainty, inputs).")] = None,
) -> None:
    """Run a review end to end and write report.html, report.md and results.json."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder; give a folder path",
                         where="--out")
    previous = None if compare is None else read_results(compare)
    console = Console(stderr=True, quiet=quiet)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console,
                  transient=True) as progress:
        task = progress.add_task("Loading the review", total=None)
        review = load_bundled("cart_dlbcl") if review_dir is None else load_review(review_dir)
        progress.update(task, description=f"Analysing {len(review.outcomes)} outcomes")
        results = analyse_review(review)
        progress.update(task, description="Drawing figures and writing the report")
        changes = None
        if previous is not None:
            now = json.loads(results_json(results))
            changes = compare_results(previous, now, previous=str(compare))
        report = build_report(results, version=evisynth.__version__, changes=changes)
        out.mkdir(parents=True, exist_ok=True)
        for name, text in report.files().items():
            write_atomically(out / name, text)
    typer.echo(f"Wrote {out / 'report.html'}, {out / 'report.md'} and {out / 'results.json'}")
    if report.sof_markdown:
        typer.echo("")
        typer.echo(report.sof_markdown)
