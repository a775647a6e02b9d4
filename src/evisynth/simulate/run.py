"""``simulate``: run a simulation study over a design grid, locally or on dask.distributed.

Work is cut into *tasks* of whole blocks of replications of one design cell
(:data:`evisynth.simulate.design.BLOCK` replications per block, each block with
its own random stream). A task generates its blocks, fits every method with
the batched engine and returns per-block sums plus the interval widths; the
table is assembled from them in block order. Hence the table is bit-identical
for any ``chunk_size`` and for the local and the dask backend.

Per design cell and method the table reports, over the fits that converged
(``n_converged`` of ``reps``):

* ``coverage`` — share of intervals containing ``mu``; ``coverage_se`` its
  Monte-Carlo standard error ``sqrt(c (1 - c) / n)``;
* ``width_median``, ``width_mean`` — of ``ci_ub - ci_lb``;
* ``bias``, ``rmse`` — of the pooled estimate about ``mu``;
* ``tau2_bias`` — mean of ``tau2_hat - tau²``;
* ``reject_rate`` — share of intervals excluding 0 (the two-sided test of
  H0: mu = 0 at level ``1 - level/100``): the type I error when ``mu = 0``,
  the power otherwise; ``reject_se`` its Monte-Carlo standard error;
* ``nonconverged`` — share of fits that did not converge (left out above).

Memory: one task holds about ``chunk_size x k`` values per array; the interval
widths of a design cell are kept until the cell is summarised (for the median),
8 bytes per replication and method.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth._validation import check_int, check_level
from evisynth.errors import InputError
from evisynth.simulate.design import BLOCK, Cell, SimDesign, generate_blocks
from evisynth.simulate.methods import Method, fit_method, parse_methods

Array = NDArray[np.float64]

#: Default memory budget of one task: studies x replications held at once.
CHUNK_CELLS = 1 << 17
_NSTATS = 7  # n_converged, covered, rejected, sum width, sum err, sum err², sum tau2 err

COLUMNS = (
    "k", "tau", "tau2", "mu", "data", "method", "estimator", "test", "level", "reps",
    "n_converged", "coverage", "coverage_se", "width_median", "width_mean", "bias", "rmse",
    "tau2_bias", "reject_rate", "reject_se", "nonconverged",
)


@dataclass(frozen=True)
class Task:
    """One unit of work: blocks ``blocks`` of one design cell, all methods."""

    cell: Cell
    blocks: tuple[int, int]  # [start, stop)
    reps: int
    methods: tuple[Method, ...]
    level: float
    entropy: int | tuple[int, ...]
    spawn_key: tuple[int, ...]


@dataclass(frozen=True)
class TaskResult:
    """Per-block sums ``(n_blocks, methods, 7)`` and the widths of converged fits per method."""

    cell: int
    blocks: tuple[int, int]
    stats: Array
    widths: tuple[Array, ...]


def run_task(task: Task) -> TaskResult:
    """Generate the task's blocks, fit every method, reduce per block (runs on workers)."""
    cell = task.cell
    Y, V, sizes = generate_blocks(
        cell, task.entropy, task.spawn_key, range(*task.blocks), task.reps
    )
    edges = np.concatenate([[0], np.cumsum(sizes)])
    nb = len(sizes)
    stats = np.zeros((nb, len(task.methods), _NSTATS))
    widths: list[Array] = []
    mu, tau2 = cell.mu, cell.tau * cell.tau
    for j, m in enumerate(task.methods):
        f = fit_method(m, Y, V, task.level)
        ok = f.converged
        width = f.ci_ub - f.ci_lb
        cover = ok & (f.ci_lb <= mu) & (mu <= f.ci_ub)
        reject = ok & ((f.ci_lb > 0) | (f.ci_ub < 0))
        err = np.where(ok, f.estimate - mu, 0.0)
        terr = np.where(ok, f.tau2 - tau2, 0.0)
        wz = np.where(ok, width, 0.0)
        for b in range(nb):
            s = slice(int(edges[b]), int(edges[b + 1]))
            stats[b, j] = (
                np.count_nonzero(ok[s]),
                np.count_nonzero(cover[s]),
                np.count_nonzero(reject[s]),
                wz[s].sum(),
                err[s].sum(),
                (err[s] * err[s]).sum(),
                terr[s].sum(),
            )
        widths.append(width[ok])
    return TaskResult(cell.index, task.blocks, stats, tuple(widths))


def _chunk_blocks(k: int, chunk_size: int | None) -> int:
    if chunk_size is None:
        return max(1, CHUNK_CELLS // max(k, 1) // BLOCK)
    return max(1, -(-chunk_size // BLOCK))


def make_tasks(
    design: SimDesign,
    methods: tuple[Method, ...],
    reps: int,
    seed: int | np.random.SeedSequence,
    level: float,
    chunk_size: int | None,
) -> list[Task]:
    """All tasks of a run, cell by cell, blocks in order."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    ent: Any = ss.entropy
    entropy: int | tuple[int, ...] = (
        tuple(int(e) for e in ent) if isinstance(ent, list | tuple) else int(ent)
    )
    nblocks = -(-reps // BLOCK)
    tasks = []
    for cell in design.cells():
        per = _chunk_blocks(cell.k, chunk_size)
        for b0 in range(0, nblocks, per):
            tasks.append(
                Task(cell, (b0, min(nblocks, b0 + per)), reps, methods, level, entropy,
                     tuple(ss.spawn_key))
            )
    return tasks


def summarise(
    design: SimDesign,
    methods: tuple[Method, ...],
    reps: int,
    level: float,
    results: list[TaskResult],
) -> Any:
    """The tidy table (pandas DataFrame) from all task results, in block order."""
    import pandas as pd

    by_cell: dict[int, list[TaskResult]] = {}
    for r in results:
        by_cell.setdefault(r.cell, []).append(r)
    rows = []
    for cell in design.cells():
        parts = sorted(by_cell.get(cell.index, []), key=lambda r: r.blocks[0])
        stats = np.concatenate([p.stats for p in parts], axis=0)  # (blocks, methods, 7)
        for j, m in enumerate(methods):
            s = stats[:, j, :].sum(axis=0)
            n = int(s[0])
            w = np.concatenate([p.widths[j] for p in parts])
            with np.errstate(divide="ignore", invalid="ignore"):
                cov = s[1] / n if n else math.nan
                rej = s[2] / n if n else math.nan
                rows.append({
                    "k": cell.k,
                    "tau": cell.tau,
                    "tau2": cell.tau * cell.tau,
                    "mu": cell.mu,
                    "data": cell.data.label,
                    "method": m.label,
                    "estimator": m.estimator,
                    "test": m.test,
                    "level": level,
                    "reps": reps,
                    "n_converged": n,
                    "coverage": cov,
                    "coverage_se": math.sqrt(cov * (1 - cov) / n) if n else math.nan,
                    "width_median": float(np.median(w)) if n else math.nan,
                    "width_mean": s[3] / n if n else math.nan,
                    "bias": s[4] / n if n else math.nan,
                    "rmse": math.sqrt(s[5] / n) if n else math.nan,
                    "tau2_bias": s[6] / n if n else math.nan,
                    "reject_rate": rej,
                    "reject_se": math.sqrt(rej * (1 - rej) / n) if n else math.nan,
                    "nonconverged": 1.0 - n / reps,
                })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _progress(enabled: bool, total: int, description: str) -> Any:
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    prog.start()
    prog.add_task(description, total=total)
    return prog


def _run_local(tasks: list[Task], prog: Any) -> Iterator[TaskResult]:
    for t in tasks:
        r = run_task(t)
        if prog is not None:
            prog.advance(0, _task_reps(t))
        yield r


def _task_reps(t: Task) -> int:
    b0, b1 = t.blocks
    return min(t.reps, b1 * BLOCK) - b0 * BLOCK


def _run_dask(tasks: list[Task], prog: Any, client: Any, workers: int | None) -> list[TaskResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise InputError(
            "backend='dask' needs dask.distributed: pip install 'evisynth[dask]'",
            where="backend",
        ) from None
    own: tuple[Any, Any] | None = None
    if client is None:
        n = workers or min(4, os.cpu_count() or 1)
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        own = (client, cluster)
    elif isinstance(client, str):
        client = Client(client)
        own = (client, None)
    futures = []
    try:
        futures = client.map(run_task, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        out: list[TaskResult | None] = [None] * len(tasks)
        for fut in as_completed(futures):
            i = index[fut.key]
            out[i] = fut.result()
            if prog is not None:
                prog.advance(0, _task_reps(tasks[i]))
        return [r for r in out if r is not None]
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if own is not None:
            own[0].close()
            if own[1] is not None:
                own[1].close()


BACKENDS = ("local", "dask")


def simulate(
    design: SimDesign,
    methods: Any,
    reps: int = 10_000,
    seed: int | np.random.SeedSequence = 0,
    *,
    level: float = 95.0,
    chunk_size: int | None = None,
    backend: str = "local",
    client: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
) -> Any:
    """Simulate every design cell ``reps`` times and compare the methods on the same data.

    Parameters
    ----------
    design
        The scenarios (:class:`SimDesign`).
    methods
        Methods to compare: pairs ``("REML", "knha")``, strings ``"PM-z"`` or
        :class:`Method` objects (see :mod:`evisynth.simulate.methods`).
    reps
        Replications per design cell.
    seed
        Seed of the root :class:`numpy.random.SeedSequence`; each block of
        :data:`~evisynth.simulate.design.BLOCK` replications of each cell draws
        from its own spawned stream, so results do not depend on ``chunk_size``
        or ``backend``.
    level
        Confidence level of the intervals in percent.
    chunk_size
        Replications per task (rounded up to whole blocks); default: about
        ``2**17 / k`` replications (about 1 MB per array, cache-sized).
    backend
        ``"local"`` (this process) or ``"dask"`` (tasks on a dask.distributed
        cluster; ``pip install 'evisynth[dask]'``).
    client
        For ``backend="dask"``: a ``dask.distributed.Client`` or a scheduler
        address such as ``"tcp://10.0.0.5:8786"``; default: a ``LocalCluster``
        with ``workers`` single-threaded worker processes, closed afterwards.
    workers
        Worker processes of the default ``LocalCluster``.
    progress
        Show a progress bar on stderr; default: when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per design cell x method with the columns of :data:`COLUMNS`
        (see the module docstring for their definitions).

    Raises
    ------
    InputError
        Bad design, method, ``reps``, ``level`` or ``backend``.
    KeyboardInterrupt
        When interrupted: running tasks are cancelled and no partial table is
        returned.

    References
    ----------
    Morris TP, White IR, Crowther MJ (2019). Using simulation studies to
    evaluate statistical methods. Stat Med 38:2074-2102 (performance measures
    and their Monte-Carlo standard errors).

    Examples
    --------
    >>> import evisynth as ev
    >>> tab = ev.simulate(ev.SimDesign(k=3, tau=0.2, vi=0.1), [("REML", "knha")],
    ...                   reps=2000, seed=1)
    >>> tab[["k", "method", "reps"]].to_dict("records")
    [{'k': 3, 'method': 'REML-knha', 'reps': 2000}]
    """
    if not isinstance(design, SimDesign):
        raise InputError(
            f"argument 'design': expected a SimDesign, got {type(design).__name__}",
            where="design",
        )
    ms = parse_methods(methods)
    n = check_int("reps", reps, lo=1)
    lv = check_level(level)
    if chunk_size is not None:
        check_int("chunk_size", chunk_size, lo=1)
    if backend not in BACKENDS:
        raise InputError(
            f"argument 'backend': {backend!r} is not one of {', '.join(BACKENDS)}",
            where="backend",
        )
    if workers is not None:
        check_int("workers", workers, lo=1)
    if not isinstance(seed, np.random.SeedSequence):
        seed = check_int("seed", seed, lo=0)
    tasks = make_tasks(design, ms, n, seed, lv, chunk_size)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    prog = _progress(show, n * len(design.cells()), "simulating")
    try:
        if backend == "local":
            results = list(_run_local(tasks, prog))
        else:
            results = _run_dask(tasks, prog, client, workers)
    finally:
        if prog is not None:
            prog.stop()
    return summarise(design, ms, n, lv, results)
