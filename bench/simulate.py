"""Benchmark ev.simulate: 1,000,000 meta-analyses (k = 5, REML + Knapp-Hartung) end to end.

    .venv/bin/python bench/simulate.py                # full run, writes bench/RESULTS-simulate.md
    .venv/bin/python bench/simulate.py --quick        # smoke run (1e5 fits, 300 metafor fits)

Three tools, alternated round by round (A B C A B C ...) so that drift of the
shared machine cancels:

A. ``evisynth-local``: ``ev.simulate`` in this process (generation of the data,
   1e6 REML fits with the Knapp-Hartung interval, per-cell summaries).
B. ``evisynth-dask``: the same call with ``backend="dask"`` on a
   ``LocalCluster`` of 2 single-threaded worker processes, started once before
   the rounds (start-up time reported separately, not in the rounds).
C. ``metafor-loop``: an R loop of ``rma(yi, vi, method="REML", test="knha")``
   over a subsample of the same generated data (written to a CSV file and read
   before timing), including the coverage count; timed inside R with
   ``proc.time()``.

Design: k = 5, tau = 0.2, mu = 0, vi log-uniform on [0.01, 0.5] per study and
replication. Reported: wall time per round, median, fits per second, the ratio
of evisynth's fits/second to the metafor loop's, CPU time of the local runs,
the load average, and the agreement of metafor's CI bounds with evisynth's on
the subsample. A cProfile of one local run is appended. Never run as a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))

import evisynth as ev  # noqa: E402
from evisynth.engine.intercept import fit_intercept  # noqa: E402
from evisynth.simulate import RandomVariances  # noqa: E402
from evisynth.simulate.design import generate_blocks  # noqa: E402

R_LOOP = r"""
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[[1]])
ids <- unique(d$id)
groups <- split(d, d$id)
t0 <- proc.time()[["elapsed"]]
lb <- ub <- rep(NA_real_, length(ids)); failed <- 0L; covered <- 0L
for (i in seq_along(ids)) {
  g <- groups[[i]]
  fit <- tryCatch(rma(g$yi, g$vi, method = "REML", test = "knha"), error = function(e) NULL)
  if (is.null(fit)) { failed <- failed + 1L; next }
  lb[i] <- fit$ci.lb; ub[i] <- fit$ci.ub
  if (fit$ci.lb <= 0 && 0 <= fit$ci.ub) covered <- covered + 1L
}
elapsed <- proc.time()[["elapsed"]] - t0
# Untimed: the first fits again with a converged REML (threshold 1e-12), for agreement.
m <- min(length(ids), 300L)
lb12 <- ub12 <- rep(NA_real_, m)
for (i in seq_len(m)) {
  g <- groups[[i]]
  fit <- tryCatch(rma(g$yi, g$vi, method = "REML", test = "knha",
                      control = list(threshold = 1e-12, maxiter = 10000)),
                  error = function(e) NULL)
  if (!is.null(fit)) { lb12[i] <- fit$ci.lb; ub12[i] <- fit$ci.ub }
}
writeLines(toJSON(list(seconds = elapsed, n = length(ids), failed = failed, covered = covered,
                       ci_lb = lb, ci_ub = ub, ci_lb12 = lb12, ci_ub12 = ub12,
                       metafor = as.character(packageVersion("metafor"))),
                  digits = NA, auto_unbox = TRUE), args[[2]])
"""

DESIGN = ev.SimDesign(k=5, tau=0.2, mu=0.0, vi=RandomVariances(0.01, 0.5, "loguniform"))
METHODS = [("REML", "knha")]
SEED = 2026


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src"],
                               capture_output=True, text=True).stdout.strip()
        return out + (" (+ uncommitted changes in src/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_local(reps: int) -> tuple[float, float, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    tab = ev.simulate(DESIGN, METHODS, reps=reps, seed=SEED, progress=False)
    return time.perf_counter() - t0, time.process_time() - c0, tab


def run_dask(reps: int, client: object) -> tuple[float, object]:
    t0 = time.perf_counter()
    tab = ev.simulate(DESIGN, METHODS, reps=reps, seed=SEED, backend="dask", client=client,
                      progress=False)
    return time.perf_counter() - t0, tab


def write_subsample(n: int, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` replications of the design cell (exactly the data ev.simulate uses)."""
    cell = DESIGN.cells()[0]
    ss = np.random.SeedSequence(SEED)
    Y, V, _ = generate_blocks(cell, int(ss.entropy), (), range(-(-n // 8192)), n)
    ids = np.repeat(np.arange(n), cell.k)
    np.savetxt(path, np.column_stack([ids, Y.T.ravel(), V.T.ravel()]), delimiter=",",
               header="id,yi,vi", comments="", fmt=["%d", "%.17g", "%.17g"])
    return Y, V


def run_metafor(csv: Path, out: Path, script: Path) -> dict:
    subprocess.run(["Rscript", str(script), str(csv), str(out)], check=True,
                   capture_output=True, text=True)
    return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--r-fits", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    reps = a.reps or (100_000 if a.quick else 1_000_000)
    r_fits = a.r_fits or (300 if a.quick else 2000)
    out_md = a.out or (BENCH / ".cache" / "RESULTS-simulate-quick.md" if a.quick
                       else BENCH / "RESULTS-simulate.md")
    out_md.parent.mkdir(exist_ok=True)

    from dask.distributed import Client, LocalCluster

    tmp = Path(tempfile.mkdtemp(prefix="evisynth-bench-sim-"))
    script = tmp / "loop.R"
    script.write_text(R_LOOP)
    csv = tmp / "sub.csv"
    Y, V = write_subsample(r_fits, csv)

    # Warm-up (imports, first allocations) outside the rounds.
    ev.simulate(DESIGN, METHODS, reps=20_000, seed=1, progress=False)
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    ev.simulate(DESIGN, METHODS, reps=20_000, seed=1, backend="dask", client=client,
                progress=False)

    local_t, local_cpu, dask_t, r_t, loads = [], [], [], [], []
    tab_local = tab_dask = None
    r_res: dict = {}
    for rnd in range(a.rounds):
        loads.append(os.getloadavg()[0])
        w, c, tab_local = run_local(reps)
        local_t.append(w)
        local_cpu.append(c)
        d, tab_dask = run_dask(reps, client)
        dask_t.append(d)
        r_res = run_metafor(csv, tmp / f"r{rnd}.json", script)
        r_t.append(r_res["seconds"])
        print(f"round {rnd + 1}: local {w:.2f} s (cpu {c:.2f}), dask {d:.2f} s, "
              f"metafor {r_res['seconds']:.2f} s for {r_fits} fits", flush=True)
    client.close()
    cluster.close()

    import pandas as pd

    identical = tab_local is not None and tab_dask is not None and bool(
        pd.DataFrame.equals(tab_local, tab_dask))
    f = fit_intercept(Y.T, V.T, "REML", "knha")
    lb = np.array([np.nan if x is None else x for x in r_res["ci_lb"]], dtype=float)
    ub = np.array([np.nan if x is None else x for x in r_res["ci_ub"]], dtype=float)
    ok = np.isfinite(lb)
    dlb = float(np.max(np.abs(lb[ok] - f.ci_lb[ok]))) if ok.any() else float("nan")
    dub = float(np.max(np.abs(ub[ok] - f.ci_ub[ok]))) if ok.any() else float("nan")
    lb12 = np.array([np.nan if x is None else x for x in r_res["ci_lb12"]], dtype=float)
    ub12 = np.array([np.nan if x is None else x for x in r_res["ci_ub12"]], dtype=float)
    m12 = lb12.size
    d12 = float(np.nanmax(np.abs(np.concatenate([lb12 - f.ci_lb[:m12], ub12 - f.ci_ub[:m12]]))))

    prof = cProfile.Profile()
    prof.enable()
    ev.simulate(DESIGN, METHODS, reps=reps, seed=SEED, progress=False)
    prof.disable()
    sio = io.StringIO()
    pstats.Stats(prof, stream=sio).sort_stats("tottime").print_stats(12)
    profile_txt = "\n".join(
        line for line in sio.getvalue().splitlines()
        if line.strip() and not line.startswith(("   Ordered", "         "))
    )

    ml, md, mr = median(local_t), median(dask_t), median(r_t)
    fps_l, fps_d, fps_r = reps / ml, reps / md, r_fits / mr
    row = tab_local.iloc[0] if tab_local is not None else None
    lines = [
        "# ev.simulate benchmark: 1e6 meta-analyses, k = 5, REML + Knapp-Hartung",
        "",
        f"Command: `.venv/bin/python bench/simulate.py{' --quick' if a.quick else ''}`  ",
        f"git commit: {git_commit()}  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}, numpy {np.__version__}, metafor {r_res.get('metafor')}  ",
        f"Load average (1 min) at the start of each round: "
        f"{', '.join(f'{x:.1f}' for x in loads)}",
        "",
        f"Design: k = 5, tau = 0.2, mu = 0, vi ~ log-uniform(0.01, 0.5); {reps:,} replications; "
        "timed: data generation + fits + summary table (`ev.simulate`).",
        f"metafor: R loop of `rma(yi, vi, method=\"REML\", test=\"knha\")` over the first "
        f"{r_fits:,} replications of the same data (read before timing).",
        f"Rounds alternate local, dask, metafor ({a.rounds} rounds); dask LocalCluster start-up "
        f"{startup:.1f} s, not included.",
        "",
        "| tool | wall time per round (s) | median (s) | fits / s | vs metafor loop |",
        "|---|---|---|---|---|",
        f"| evisynth local (1 process) | {', '.join(f'{x:.2f}' for x in local_t)} | {ml:.2f} | "
        f"{fps_l:,.0f} | {fps_l / fps_r:,.0f}x |",
        f"| evisynth dask, 2 workers | {', '.join(f'{x:.2f}' for x in dask_t)} | {md:.2f} | "
        f"{fps_d:,.0f} | {fps_d / fps_r:,.0f}x |",
        f"| metafor loop ({r_fits:,} fits) | {', '.join(f'{x:.2f}' for x in r_t)} | {mr:.2f} | "
        f"{fps_r:,.0f} | 1x |",
        "",
        f"CPU time of the local runs (this process): {', '.join(f'{x:.2f}' for x in local_cpu)} s "
        f"(median {median(local_cpu):.2f} s): on an idle core the wall time is close to this.",
        f"Target: <= 3 s wall for 1e6 fits and >= 700x the metafor loop. Local median "
        f"{ml:.2f} s ({'met' if ml <= 3 else 'NOT met'} on this shared machine), ratio "
        f"{fps_l / fps_r:,.0f}x ({'met' if fps_l / fps_r >= 700 else 'NOT met'}).",
        "",
        f"Local and dask tables bit-identical: {identical}.",
        f"Agreement with metafor on the subsample: max |ci.lb difference| {dlb:.2e}, "
        f"max |ci.ub difference| {dub:.2e} (metafor's default REML threshold 1e-5); with "
        f"threshold 1e-12 (first {m12} fits, untimed) max |difference| {d12:.2e}; "
        f"metafor failures {r_res.get('failed')}; "
        f"coverage on the subsample: metafor {r_res.get('covered')}/{r_fits}, evisynth "
        f"{int(np.sum((f.ci_lb <= 0) & (0 <= f.ci_ub)))}/{r_fits}.",
    ]
    if row is not None:
        lines.append(
            f"Result (1e6 reps): coverage {row['coverage']:.4f} (MC SE {row['coverage_se']:.4f}), "
            f"median width {row['width_median']:.4f}, tau² bias {row['tau2_bias']:.5f}, "
            f"non-converged {row['nonconverged']:.2e}."
        )
    lines += ["", "## Where the time goes (cProfile of one local run, by own time)", "",
              "```", profile_txt, "```", ""]
    out_md.write_text("\n".join(lines))
    print(f"wrote {out_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
