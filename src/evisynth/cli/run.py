"""``evisynth run``: run a whole review and write its report."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn

import evisynth
from evisynth.cli._app import app
from evisynth.cli._io import write_atomic
from evisynth.errors import InputError
from evisynth.report import build_report, results_json
from evisynth.review import load_bundled, load_review
from evisynth.review.analyse import analyse_review
from evisynth.review.compare import compare_results, read_results


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a reader
    never sees a half-written file and a failed run leaves the old file intact."""
    write_atomic(path, text, mode=0o644)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (POSIX; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def replace_file_set(out: Path, files: Mapping[str, str]) -> None:
    """Replace the files of a report folder as one set.

    Every file is first written to a sibling staging folder. Then, if ``out`` is
    absent or holds nothing but files of the set, the staging folder takes its
    place by two renames (the old folder moved aside, the new one moved in, the old
    one deleted), so a reader sees either the old set or the new one. If ``out``
    holds other files too, the files are renamed in one by one and, should a rename
    fail, the ones already replaced are put back from hard links (or copies) of the
    old versions: the folder never mixes two runs. Concurrent runs on the same
    folder take turns through a lock file next to it (``.<name>.lock``).

    Raises
    ------
    OSError
        If the set cannot be written; the previous set is then left as it was.
    """
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent / f".{out.name}.lock"):
        stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
        try:
            for name, text in files.items():
                with open(stage / name, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(stage / name, 0o644)
            os.chmod(stage, 0o755)
            if not out.exists():
                os.rename(stage, out)
                return
            if out.is_dir() and set(os.listdir(out)) <= set(files):
                old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
                os.rmdir(old)
                os.rename(out, old)
                try:
                    os.rename(stage, out)
                except BaseException:
                    os.rename(old, out)
                    raise
                shutil.rmtree(old, ignore_errors=True)
                return
            _replace_one_by_one(out, stage, files)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _replace_one_by_one(out: Path, stage: Path, files: Mapping[str, str]) -> None:
    backups: dict[str, Path] = {}
    for name in files:
        if (out / name).is_file():
            bak = stage / f"{name}.previous"
            try:
                os.link(out / name, bak)
            except OSError:
                shutil.copy2(out / name, bak)
            backups[name] = bak
    done: list[str] = []
    try:
        for name in files:
            os.replace(stage / name, out / name)
            done.append(name)
    except BaseException:
        for name in done:
            if name in backups:
                os.replace(backups[name], out / name)
            else:
                (out / name).unlink(missing_ok=True)
        raise


@app.command("run")
def run_command(
    review_dir: Annotated[
        Path | None,
        typer.Argument(help="Review folder (review.toml + CSV tables). Default: the bundled "
                       "review cart_dlbcl."),
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
        replace_file_set(out, report.files())
    typer.echo(f"Wrote {out / 'report.html'}, {out / 'report.md'} and {out / 'results.json'}")
    if report.sof_markdown:
        typer.echo("")
        typer.echo(report.sof_markdown)
