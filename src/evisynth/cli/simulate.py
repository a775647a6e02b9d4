"""``evisynth simulate``: run a simulation study described in a TOML file, write a CSV table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evisynth.cli._app import app
from evisynth.cli._io import write_atomic as _write_atomic
from evisynth.errors import InputError
from evisynth.simulate.config import load_config
from evisynth.simulate.run import simulate


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: folder {folder} does not exist", where=str(path))
    # 0o600, the temporary file's mode, is what this command has always left behind.
    _write_atomic(path, text, mode=0o600)


@app.command("simulate")
def simulate_command(
    design: Annotated[Path, typer.Argument(help="TOML file: design grid, methods, reps, seed.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
    workers: Annotated[
        int | None,
        typer.Option(help="Run on a local dask cluster with this many worker processes."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on the dask.distributed scheduler at this address "
                          "(e.g. tcp://10.0.0.5:8786)."),
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="Replications per task (rounded up to whole blocks).")
    ] = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress bar on stderr.")
    ] = None,
) -> int:
    """Simulate every design cell and write one row per cell x method to OUTPUT (CSV)."""
    if workers is not None and scheduler is not None:
        raise InputError("give --workers or --scheduler, not both", where="--workers")
    if workers is not None and workers < 1:
        raise InputError(f"--workers: {workers}; must be 1 or more", where="--workers")
    cfg = load_config(design)
    backend = "dask" if (workers is not None or scheduler is not None) else "local"
    try:
        table = simulate(
            cfg.design, cfg.methods, reps=cfg.reps, seed=cfg.seed, level=cfg.level,
            chunk_size=chunk_size, backend=backend, client=scheduler, workers=workers,
            progress=progress,
        )
    except KeyboardInterrupt:
        typer.echo(f"evisynth: interrupted; {output} not written", err=True)
        return 130
    write_atomic(output, table.to_csv(index=False))
    typer.echo(f"wrote {len(table)} rows to {output}", err=True)
    return 0
