"""Benchmark evisynth.rma / the batched engine against R metafor, PyMARE, pimeta and statsmodels.

    .venv/bin/python bench/run.py                 # full run, writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick         # smoke run, small sizes, writes bench/.cache/
    .venv/bin/python bench/run.py --repeats 7

All tools read the same CSV files, written here into ``bench/.cache/`` (git-ignored):
the BCG trials (log risk ratios computed from the counts in ``bench/data/bcg.csv``),
one large simulated meta-analysis and a batch of many small simulated ones (fixed
seed). Every tool runs in its own process (``bench/pyworker.py`` for the Python
tools, ``bench/metafor_bench.R`` for metafor) and times itself there, so process
start-up, imports and data loading are excluded. Reported: median and min over the
repeats, the ratio of each tool's median to evisynth's, and the largest absolute
difference of the pooled estimate and of tau² from the reference tool (metafor
where it ran, else evisynth). Never run as a test; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
PY_TOOLS = ("evisynth", "evisynth-loop", "pymare", "pimeta", "statsmodels")
ALL_TOOLS = ("evisynth", "evisynth-loop", "metafor", "pymare", "pimeta", "statsmodels")
AGREE_TOL = 1e-5  # max abs difference of estimate and tau² counted as agreement


@dataclass(frozen=True)
class Sizes:
    k_large: int
    k_mid: int
    batch_B: int
    batch_k: int
    loo_B: int
    loo_small: int


FULL = Sizes(k_large=10_000, k_mid=1_000, batch_B=10_000, batch_k=10, loo_B=1_000, loo_small=200)
QUICK = Sizes(k_large=2_000, k_mid=500, batch_B=500, batch_k=10, loo_B=50, loo_small=50)


# ---------------------------------------------------------------- data


def write_csv(path: Path, header: str, cols: list[np.ndarray], fmts: list[str]) -> None:
    tmp = path.with_suffix(".tmp")
    np.savetxt(tmp, np.column_stack(cols), delimiter=",", header=header, comments="", fmt=fmts)
    tmp.replace(path)


def bcg_effects() -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios (vaccinated vs control) and their variances from the dat.bcg counts."""
    raw = np.genfromtxt(
        BENCH / "data" / "bcg.csv", delimiter=",", names=True, dtype=None, encoding="utf-8"
    )
    a, b = raw["tpos"].astype(float), raw["tneg"].astype(float)
    c, d = raw["cpos"].astype(float), raw["cneg"].astype(float)
    n1, n2 = a + b, c + d
    yi = np.log(a / n1) - np.log(c / n2)
    vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
    return yi, vi


def simulate_one(rng: np.random.Generator, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One random-effects meta-analysis: mu = 0.2, tau² = 0.05, vi log-uniform on [0.005, 0.5]."""
    vi = np.exp(rng.uniform(np.log(0.005), np.log(0.5), k))
    yi = rng.normal(0.2, np.sqrt(vi + 0.05))
    return yi, vi


def simulate_batch(rng: np.random.Generator, B: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """B meta-analyses of k studies; a quarter have tau² = 0 (the REML boundary case)."""
    mu = rng.normal(0.0, 0.3, B)
    tau2 = rng.uniform(0.0, 0.15, B)
    tau2[rng.random(B) < 0.25] = 0.0
    vi = np.exp(rng.uniform(np.log(0.01), np.log(0.5), (B, k)))
    yi = rng.normal(mu[:, None], np.sqrt(vi + tau2[:, None]))
    return yi, vi


def make_data(sizes: Sizes, seed: int) -> dict[str, Path]:
    CACHE.mkdir(exist_ok=True)
    paths = {
        "bcg": CACHE / "bcg.csv",
        "large": CACHE / f"large_k{sizes.k_large}_seed{seed}.csv",
        "batch": CACHE / f"batch_{sizes.batch_B}x{sizes.batch_k}_seed{seed}.csv",
    }
    f17 = "%.17g"
    yi, vi = bcg_effects()
    write_csv(paths["bcg"], "yi,vi", [yi, vi], [f17, f17])
    rng = np.random.default_rng(seed)
    yi, vi = simulate_one(rng, sizes.k_large)
    write_csv(paths["large"], "yi,vi", [yi, vi], [f17, f17])
    Y, V = simulate_batch(rng, sizes.batch_B, sizes.batch_k)
    ids = np.repeat(np.arange(sizes.batch_B), sizes.batch_k)
    write_csv(paths["batch"], "id,yi,vi", [ids, Y.ravel(), V.ravel()], ["%d", f17, f17])
    return paths


def scenarios(sizes: Sizes, paths: dict[str, Path]) -> list[dict[str, Any]]:
    s = sizes
    kl, km = s.k_large, s.k_mid
    big, mid = f"k{kl}", f"k{km}"
    batch = f"batch{s.batch_B}x{s.batch_k}"
    out: list[dict[str, Any]] = []

    def add(name, kind, method, csv, title, **kw):
        out.append(
            {
                "name": f"{name}-{method}",
                "kind": kind,
                "method": method,
                "csv": str(csv),
                "title": title,
                **kw,
            }
        )

    for m in ("REML", "DL"):
        add("bcg13", "single", m, paths["bcg"], f"dat.bcg log RR, k = 13, {m}, z test")
    for m in ("REML", "DL"):
        add(mid, "single", m, paths["large"], f"simulated, first {km} studies, {m}, z test", k=km)
    add(
        big,
        "single",
        "REML",
        paths["large"],
        f"simulated, k = {kl}, REML, z test",
        k=kl,
        est_from=f"{mid}-REML",
        factor=(kl / km) ** 3,
        why=f"assuming O(k^3) time from dense k x k matrix products, measured at k = {km}",
    )
    add(
        big,
        "single",
        "DL",
        paths["large"],
        f"simulated, k = {kl}, DL, z test",
        k=kl,
        est_from=f"{mid}-DL",
        factor=(kl / km) ** 2,
        why=f"assuming O(k^2) time from dense k x k matrices, measured at k = {km}",
    )
    for m in ("REML", "DL"):
        add(
            batch,
            "batch",
            m,
            paths["batch"],
            f"{s.batch_B} simulated meta-analyses of k = {s.batch_k}, {m}",
            est_from=f"bcg13-{m}",
            factor=s.batch_B,
            why="one call per meta-analysis",
        )
    add(
        f"loo{s.loo_small}",
        "loo",
        "REML",
        paths["large"],
        f"leave-one-out, all {s.loo_small} omissions of the first {s.loo_small} studies, REML",
        k=s.loo_small,
        B=s.loo_small,
    )
    for m in ("REML", "DL"):
        add(
            f"loo{kl}",
            "loo",
            m,
            paths["large"],
            f"leave-one-out of the k = {kl} set, first {s.loo_B} omissions (B = {s.loo_B}), {m}",
            k=kl,
            B=s.loo_B,
            est_from=f"{big}-{m}",
            factor=s.loo_B,
            why=f"one k = {kl - 1} fit per omitted study",
        )
    return out


# ---------------------------------------------------------------- machine


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as exc:  # pragma: no cover - informational only
        return f"({type(exc).__name__})"


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        np_blas = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:
        np_blas = "unknown"
    import scipy

    info = {
        "CPU": cpu,
        "cores (os.cpu_count)": str(os.cpu_count()),
        "memory": next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")
            ),
            "unknown",
        ),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numpy": f"{np.__version__} (BLAS: {np_blas})",
        "scipy": scipy.__version__,
    }
    commit = sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])
    info["evisynth source"] = f"git {commit}" + (
        " + uncommitted changes in src/ (shared working tree)" if dirty else ""
    )
    return info


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- running


def run_worker(tool: str, spec_path: Path) -> dict[str, Any]:
    out_path = CACHE / f"out_{tool}.json"
    out_path.unlink(missing_ok=True)
    if tool == "metafor":
        cmd = ["Rscript", str(BENCH / "metafor_bench.R"), str(spec_path), str(out_path)]
    else:
        cmd = [sys.executable, str(BENCH / "pyworker.py"), tool, str(spec_path), str(out_path)]
    print(f"[bench] {tool}: {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError as exc:
        return {"info": {"tool": tool, "error": f"cannot start: {exc}"}, "results": {}}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out_path.exists():
        err = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {
            "info": {"tool": tool, "error": f"exit {proc.returncode}: " + " | ".join(err)},
            "results": {},
        }
    out = json.loads(out_path.read_text())
    out["info"]["wall"] = wall
    print(f"[bench] {tool}: done in {wall:.0f} s wall", flush=True)
    return out


def arr(x: Any) -> np.ndarray:
    """JSON list/scalar (null = NaN) -> float array."""
    if x is None:
        return np.array([np.nan])
    a = np.atleast_1d(np.array(x, dtype=object))
    return np.array([np.nan if e is None else float(e) for e in a], dtype=float)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Largest |a - b| where both are finite, and the count of entries where only one is."""
    if a.shape != b.shape:
        return float("nan"), -1
    both = np.isfinite(a) & np.isfinite(b)
    one = np.isfinite(a) ^ np.isfinite(b)
    d = float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")
    return d, int(one.sum())


def fmt_t(t: float) -> str:
    if not np.isfinite(t):
        return "–"
    if t >= 100:
        return f"{t:.0f} s"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.0f} µs"


def fmt_d(d: float) -> str:
    return "–" if not np.isfinite(d) else ("0" if d == 0 else f"{d:.1e}")


def analyse(spec: dict[str, Any], outs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (scenario, tool): status, timings, ratio, agreement."""
    rows = []
    for sc in spec["scenarios"]:
        name = sc["name"]
        res = {t: outs[t]["results"].get(name) for t in outs}
        mf = res.get("metafor") or {}
        if mf.get("status") == "ok" and mf.get("ref_estimate") is not None:
            ref_name = "metafor, threshold 1e-12"
            ref_est, ref_t2 = arr(mf["ref_estimate"]), arr(mf["ref_tau2"])
        elif mf.get("status") == "ok":
            ref_name = "metafor"
            ref_est, ref_t2 = arr(mf["estimate"]), arr(mf["tau2"])
        elif (res.get("evisynth") or {}).get("status") == "ok":
            ref_name = "evisynth"
            ref_est, ref_t2 = arr(res["evisynth"]["estimate"]), arr(res["evisynth"]["tau2"])
        else:
            ref_name, ref_est, ref_t2 = None, None, None
        ref_tool = ref_name
        ev = res.get("evisynth") or {}
        ev_med = float(np.median(ev["times"])) if ev.get("status") == "ok" else float("nan")
        for tool in ALL_TOOLS:
            if tool not in outs:
                continue
            r = res.get(tool)
            row: dict[str, Any] = {"scenario": name, "tool": tool, "ref": ref_tool}
            if r is None:
                if tool == "evisynth-loop" and sc["kind"] == "single":
                    continue
                err = outs[tool]["info"].get("error", "no result")
                row.update(status="error", reason=err)
                rows.append(row)
                continue
            row.update(status=r["status"], reason=r.get("reason", ""), mode=r.get("mode", ""))
            if r["status"] == "ok":
                times = np.atleast_1d(np.array(r["times"], dtype=float))
                med = float(np.median(times))
                row.update(
                    median=med,
                    min=float(times.min()),
                    n=len(times),
                    warmup=bool(r.get("warmup", True)),
                    ratio=med / ev_med if np.isfinite(ev_med) else float("nan"),
                    failures=int(np.isnan(arr(r["estimate"])).sum()),
                )
                if ref_name is not None:
                    e, t = arr(r["estimate"]), arr(r["tau2"])
                    row["d_est"], _ = max_abs_diff(e, ref_est)
                    row["d_tau2"], _ = max_abs_diff(t, ref_t2)
                    row["n_values"] = int(ref_est.size)
                    if e.shape == ref_est.shape:
                        both = (
                            np.isfinite(e)
                            & np.isfinite(ref_est)
                            & np.isfinite(t)
                            & np.isfinite(ref_t2)
                        )
                        big = np.zeros(e.shape, dtype=bool)
                        big[both] = (np.abs(e[both] - ref_est[both]) > AGREE_TOL) | (
                            np.abs(t[both] - ref_t2[both]) > AGREE_TOL
                        )
                        row["n_big"] = int(big.sum())
                        row["ref_failed"] = int((~np.isfinite(ref_est)).sum())
                t2 = arr(r["tau2"])
                row["neg_tau2"] = int((t2[np.isfinite(t2)] < 0).sum())
                row["n_inner"] = int(r.get("n_inner", 1))
            elif r["status"] == "skipped":
                row["est"] = r.get("est_seconds")
            rows.append(row)
    return rows


def reml_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """Restricted log-likelihood of the random-effects model, constants dropped.

    Written out here, independently of every tool, to judge which tau² is the maximum.
    """
    w = 1.0 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)))


def scenario_data(sc: dict[str, Any], idx: int) -> tuple[np.ndarray, np.ndarray]:
    """The (yi, vi) of meta-analysis number ``idx`` of a scenario, as the tools saw them."""
    if sc["kind"] == "batch":
        d = np.loadtxt(sc["csv"], delimiter=",", skiprows=1)
        rows = d[d[:, 0].astype(int) == idx]
        return rows[:, 1], rows[:, 2]
    d = np.loadtxt(sc["csv"], delimiter=",", skiprows=1, ndmin=2)
    if sc.get("k") is not None:
        d = d[: sc["k"]]
    if sc["kind"] == "loo":
        d = np.delete(d, idx, axis=0)
    return d[:, 0], d[:, 1]


def disagreements(spec: dict[str, Any], outs: dict[str, dict[str, Any]], n_show: int = 6) -> str:
    """For each scenario with differences above AGREE_TOL or failed fits: the worst cases."""
    L: list[str] = []
    for sc in spec["scenarios"]:
        res = {
            t: o["results"][sc["name"]]
            for t, o in outs.items()
            if (o["results"].get(sc["name"]) or {}).get("status") == "ok"
        }
        if not res:
            continue
        cols: dict[str, np.ndarray] = {}
        mf = res.get("metafor", {})
        if mf.get("ref_tau2") is not None:
            cols["metafor (threshold 1e-12)"] = arr(mf["ref_tau2"])
        for t, r in res.items():
            cols[t] = arr(r["tau2"])
        n = max(c.size for c in cols.values())
        cols = {t: c for t, c in cols.items() if c.size == n}
        T = np.vstack(list(cols.values()))  # tools x fits
        fin = np.isfinite(T)
        with np.errstate(invalid="ignore"):
            spread = np.where(
                fin.sum(axis=0) >= 2, np.nanmax(T, axis=0) - np.nanmin(T, axis=0), 0.0
            )
        failed = ~fin.all(axis=0)
        worst = [int(i) for i in np.argsort(-spread)[:n_show] if spread[i] > AGREE_TOL]
        fails = [int(i) for i in np.flatnonzero(failed) if i not in worst][:n_show]
        if not worst and not fails:
            continue
        reml = sc["method"] == "REML"
        L.append(f"### {sc['name']}\n")
        L.append(
            f"{int((spread > AGREE_TOL).sum())} fits where the tools' tau² spread exceeds "
            f"{AGREE_TOL:g}; {int(failed.sum())} fits where at least one tool failed. The largest "
            "spreads, then further failures"
            + (
                " (tau², and in brackets the restricted log-likelihood at that tau² minus the "
                "best among the columns, computed in run.py independently of all tools: 0 marks "
                "the REML maximum):"
                if reml
                else " (tau²):"
            )
            + "\n"
        )
        L.append("| fit # | " + " | ".join(cols) + " |\n|---|" + "---:|" * len(cols))
        for i in dict.fromkeys(worst + fails):
            vals = [c[i] for c in cols.values()]
            cells = []
            lls = None
            if reml:
                y, v = scenario_data(sc, i)
                lls = [reml_loglik(y, v, x) if np.isfinite(x) else np.nan for x in vals]
                best = np.nanmax(lls)
            for j, x in enumerate(vals):
                if not np.isfinite(x):
                    cells.append("failed")
                elif lls is not None:
                    cells.append(f"{x:.6g} ({lls[j] - best:.1e})")
                else:
                    cells.append(f"{x:.6g}")
            L.append(f"| {i} | " + " | ".join(cells) + " |")
        L.append("")
    return "\n".join(L)


# ---------------------------------------------------------------- report


def table(rows: list[dict[str, Any]], sc: dict[str, Any]) -> str:
    ref = next((r["ref"] for r in rows if r["scenario"] == sc["name"]), None)
    ref_failed = max(
        (r.get("ref_failed", 0) for r in rows if r["scenario"] == sc["name"]), default=0
    )
    ref_note = (
        f" The reference itself failed (no convergence) in {ref_failed} fits; those are left "
        "out of the differences."
        if ref_failed
        else ""
    )
    head = (
        f"Agreement reference: {ref or 'none'}.{ref_note}\n\n"
        "| tool | how | median per run | min | repeats | ÷ evisynth | max abs Δ estimate | "
        "max abs Δ tau² |\n|---|---|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for r in rows:
        if r["scenario"] != sc["name"]:
            continue
        tool = f"**{r['tool']}**" if r["tool"] == "evisynth" else r["tool"]
        if r["status"] == "ok":
            agree = ""
            if "d_est" in r:
                bad = not (r["d_est"] <= AGREE_TOL and r["d_tau2"] <= AGREE_TOL)
                agree = " ⚠" if bad else ""
            is_ref = r["tool"] == r["ref"]
            dest = "(reference)" if is_ref else fmt_d(r.get("d_est", float("nan")))
            dt2 = "(reference)" if is_ref else fmt_d(r.get("d_tau2", float("nan")))
            notes = []
            if r.get("n_big") and r["n_values"] > 1:
                notes.append(f"{r['n_big']} of {r['n_values']} fits differ by > {AGREE_TOL:g}")
            if r.get("failures"):
                notes.append(f"**{r['failures']} fits failed** (error or no convergence)")
            if r.get("neg_tau2"):
                notes.append(f"**{r['neg_tau2']} negative tau²**")
            note = f" ({'; '.join(notes)})" if notes else ""
            n = f"{r['n']}" + (f" × {r['n_inner']} runs" if r.get("n_inner", 1) > 1 else "")
            n += "" if r["warmup"] else ", no warm-up"
            lines.append(
                f"| {tool} | {r['mode']} | {fmt_t(r['median'])} | {fmt_t(r['min'])} | {n} | "
                f"{r['ratio']:.2f} | {dest}{agree} | {dt2}{agree}{note} |"
            )
        else:
            label = {"n/a": "cannot", "skipped": "not run", "error": "error"}[r["status"]]
            r["reason"] = r["reason"].removeprefix("not run: ")
            lines.append(f"| {tool} | {label}: {r['reason']} | – | – | – | – | – | – |")
    return "\n".join(lines)


def summary_table(rows: list[dict[str, Any]], spec: dict[str, Any], tools: list[str]) -> str:
    head = "| scenario | " + " | ".join(tools) + " |\n|---|" + "---:|" * len(tools)
    lines = [head]
    for sc in spec["scenarios"]:
        cells = []
        for t in tools:
            r = next((r for r in rows if r["scenario"] == sc["name"] and r["tool"] == t), None)
            if r is None:
                cells.append("")
            elif r["status"] == "ok":
                cells.append(f"{fmt_t(r['median'])} ({r['ratio']:.2f}×)")
            elif r["status"] == "skipped":
                cells.append(f"not run (est. {fmt_t(r['est'])})" if r.get("est") else "not run")
            else:
                cells.append({"n/a": "cannot", "error": "error"}[r["status"]])
        lines.append(f"| {sc['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(
    path: Path,
    args: argparse.Namespace,
    cmdline: str,
    spec: dict[str, Any],
    outs: dict[str, dict[str, Any]],
    rows: list[dict[str, Any]],
    machine: dict[str, str],
    loads: tuple[str, str],
    wall: float,
    profiles: dict[str, str],
    slower: list[tuple[str, str, float]],
) -> str:
    L: list[str] = []
    L.append("# evisynth benchmark results\n")
    L.append(f"Produced by: `{cmdline}` (from the repository root)  ")
    L.append(f"Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')} (sandbox clock, may be off)  ")
    L.append(
        f"Mode: {'QUICK smoke run (small sizes; not figures to quote)' if args.quick else 'full'}; "
        f"repeats ≤ {spec['repeats']}, time budget {spec['budget']:g} s per tool and scenario, "
        f"cap {spec['max_seconds']:g} s per estimated repeat; whole run {wall / 60:.1f} min.\n"
    )
    L.append("## Machine\n")
    for k, v in machine.items():
        L.append(f"- {k}: {v}")
    for t in ("metafor", "pymare", "pimeta", "statsmodels"):
        if t in outs:
            inf = outs[t]["info"]
            if "error" in inf:
                L.append(f"- {t}: **could not run**: {inf['error']}")
            elif t == "metafor":
                L.append(
                    f"- R: {inf.get('R')}; metafor {inf.get('version')}; jsonlite "
                    f"{inf.get('jsonlite')}; R BLAS {inf.get('blas')}, LAPACK {inf.get('lapack')}"
                )
            else:
                L.append(f"- {t}: {inf.get('version')}")
    L.append(f"- load average (1/5/15 min) at start: {loads[0]}; at end: {loads[1]}")
    L.append(
        "- **The machine was shared** with other engineers' builds and tests during the run "
        "(2 cores): absolute times are noisy; medians and minima over repeats are reported, "
        "and the min is the better guide to what the code can do.\n"
    )

    L.append("## Method\n")
    L.append(
        "- Data: `bench/.cache/` CSV files written by `run.py` before any tool starts, read by "
        "every "
        "tool: the 13 BCG trials (`dat.bcg`; log risk ratio and its variance computed in `run.py` "
        "from the 2×2 counts in `bench/data/bcg.csv`, exported once from R by "
        "`bench/data/export_bcg.R`), one simulated meta-analysis of k = "
        f"{args.sizes.k_large:,} (seed {args.seed}; mu = 0.2, tau² = 0.05, vi log-uniform on "
        f"[0.005, 0.5]) and a batch of {args.sizes.batch_B:,} simulated meta-analyses of k = "
        f"{args.sizes.batch_k} (a quarter with true tau² = 0)."
    )
    L.append(
        "- Each tool runs in its own process and times itself: Python with `time.perf_counter`, "
        "R with `proc.time()` (no microbenchmark). Start-up, imports and CSV reading are outside "
        "the timed region. Untimed warm-up runs precede the repeats (unless the run is expected "
        "to take > 5 s) and choose how many back-to-back runs make one timed repeat, so that a "
        f"repeat lasts ≥ {spec['min_repeat_seconds']:g} s (R's `proc.time()` resolves ~1 ms); "
        'times are per run of the scenario. "÷ evisynth" = tool median / evisynth median '
        "(> 1: evisynth faster; on this shared machine, ratios within about ±10% of 1 are noise). "
        "evisynth = `evisynth.rma` for one meta-analysis and one "
        "`evisynth.engine.fit_batch(make_batch(...))` call for batches (leave-one-out: a (B, k) "
        "mask built inside the timed region); evisynth-loop = `evisynth.rma` called once per "
        "meta-analysis. Note that `evisynth.rma` returns a full result (CI, p-value, Q, I², H², "
        "prediction interval, input validation), whereas e.g. PyMARE's `fit` computes estimate, "
        "tau² and covariance only."
    )
    L.append(
        "- Agreement: max abs difference of the pooled estimate and of tau² from a reference, over "
        "all meta-analyses of the scenario. The reference is metafor run once more, untimed, with "
        "`control=list(threshold=1e-12, maxiter=10000)` for REML (so the oracle itself is "
        "converged), metafor as timed for DL, and evisynth where metafor did not run. "
        f"⚠ marks a difference above {AGREE_TOL:g} or a fit that failed in one tool only. Timed "
        "runs use each tool's default convergence settings (metafor: change in tau² < 1e-5; "
        "evisynth: < 1e-10 × mean vi; PyMARE REML: bounded likelihood search, xtol 1e-6 "
        "relative to the bracket)."
    )
    L.append(
        "- A run that would take longer than the cap is not started; its estimated time (from "
        "the tool's own time in a smaller scenario of this run, and the stated scaling "
        "assumption) is shown instead. These are estimates, not measurements.\n"
    )

    L.append("## Summary (median time, and ratio to evisynth)\n")
    tools = [t for t in ALL_TOOLS if t in outs]
    L.append(summary_table(rows, spec, tools) + "\n")

    L.append("## Scenarios\n")
    for sc in spec["scenarios"]:
        L.append(f"### {sc['name']}: {sc['title']}\n")
        L.append(table(rows, sc) + "\n")

    dis = disagreements(spec, outs)
    if dis:
        L.append("## Disagreements in detail\n")
        L.append(dis)
    L.append("## What each peer computes\n")
    L.append(
        '- **metafor** (R): `rma(yi, vi, method=, test="z")` with default control; batches are an '
        "R `for` loop over `rma()`; full leave-one-out uses `leave1out()`, partial leave-one-out a "
        "loop over `rma(yi[-i], vi[-i])`. metafor 3.8-1's `rma.uni` builds dense k × k matrices "
        "(`W <- diag(wi)`, `P`, and for ML/REML `P %*% P` in every Fisher-scoring iteration), so "
        "its time grows like k² (DL) and k³ (REML) with R's reference BLAS."
    )
    L.append(
        '- **PyMARE**: `VarianceBasedLikelihoodEstimator(method="REML")` and '
        '`DerSimonianLaird()`, both with `small_sample_correction="wald"` (z inference; the '
        "default Knapp–Hartung correction does not change estimate or tau²), intercept-only "
        "`X`. PyMARE accepts (k, d) arrays of d parallel data sets with a common design, so "
        "batches and leave-one-out (as a (k−1, B) array of reduced data sets, built inside the "
        "timed region) are single calls: PyMARE is batched too. Its REML maximises the profile "
        "likelihood by a bracketed scalar search rather than Fisher scoring."
    )
    L.append(
        "- **pimeta** (1.1.0 on PyPI): despite the name, this release is not a prediction-interval "
        "package but a pure-Python port of metafor/meta/netmeta; `pimeta.rma(y, v, method=, "
        'test="z")` mirrors `rma.uni` (and, like it, forms dense k × k matrices), '
        "`pimeta.leave1out()` for full leave-one-out. No batch interface: batches are a "
        "Python loop."
    )
    L.append(
        '- **statsmodels**: `combine_effects(y, v, method_re="dl")` (`mean_effect_re`, `tau2`). '
        'It has DerSimonian–Laird and Paule–Mandel only, so REML scenarios are marked "cannot". '
        '1-D inputs only: batches are a Python loop. Its `method_re="dl"` returns the '
        "untruncated moment estimate `(Q - df) / c` (statsmodels 0.15.0, "
        "`stats/meta_analysis.py`, `combine_effects`): when Q < k − 1 tau² is negative and the "
        "random-effects weights 1/(v + tau²) use it, where metafor, evisynth, PyMARE and pimeta "
        'set tau² = 0. The tables count such fits ("negative tau²").\n'
    )

    L.append("## Where evisynth is slower than a peer\n")
    if not slower:
        L.append(
            "Nowhere in this run: evisynth's median is the smallest in every scenario it ran.\n"
        )
    else:
        for scn, tool, ratio in slower:
            L.append(
                f"- **{scn}**: {tool} takes {ratio:.2f}× evisynth's median time "
                f"(i.e. {1 / ratio:.1f}× faster than evisynth)."
            )
        L.append("")
        for scn, text in profiles.items():
            L.append(f"### cProfile, {scn}\n")
            L.append("```\n" + text + "\n```\n")
    path.write_text("\n".join(L) + "\n")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="small sizes, 2 repeats: a smoke run")
    p.add_argument(
        "--repeats", type=int, default=None, help="timed repeats per scenario (default 5; quick 2)"
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="stop repeating once a tool has spent this many seconds on a scenario "
        "(default 60; quick 5)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="do not start a run estimated to take longer than this (default 300; quick 30)",
    )
    p.add_argument(
        "--tools",
        default=",".join(ALL_TOOLS),
        help="comma-separated subset of " + ",".join(ALL_TOOLS),
    )
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report path (default bench/RESULTS.md; quick: bench/.cache/RESULTS-quick.md)",
    )
    p.add_argument("--no-profile", action="store_true", help="skip the cProfile of slow scenarios")
    p.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the report from the worker outputs of the last run in bench/.cache/ "
        "(no tool is run again; for changes to the report layout)",
    )
    args = p.parse_args(argv)
    args.sizes = QUICK if args.quick else FULL
    repeats = args.repeats or (2 if args.quick else 5)
    budget = args.budget if args.budget is not None else (5.0 if args.quick else 60.0)
    max_s = args.max_seconds if args.max_seconds is not None else (30.0 if args.quick else 300.0)
    out_path = args.out or (CACHE / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(ALL_TOOLS)
    if unknown:
        p.error(f"unknown tools: {sorted(unknown)}")
    if "evisynth" not in tools:
        tools.insert(0, "evisynth")
    cmdline = "python bench/run.py" + "".join(
        f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:])
    )

    t_start = time.perf_counter()
    load0 = loadavg()
    spec_path = CACHE / "spec.json"
    if args.report_only:
        spec = json.loads(spec_path.read_text())
        outs = {}
        for tool in [t for t in ALL_TOOLS if t in tools]:
            f = CACHE / f"out_{tool}.json"
            outs[tool] = (
                json.loads(f.read_text())
                if f.exists()
                else {"info": {"tool": tool, "error": "no output"}, "results": {}}
            )
        machine = machine_info()
    else:
        paths = make_data(args.sizes, args.seed)
        spec = {
            "repeats": repeats,
            "budget": budget,
            "max_seconds": max_s,
            "warmup_below": 5.0,
            "min_repeat_seconds": 0.05 if args.quick else 0.2,
            "scenarios": scenarios(args.sizes, paths),
        }
        spec_path.write_text(json.dumps(spec, indent=1))
        machine = machine_info()
        outs = {}
        for tool in [t for t in ALL_TOOLS if t in tools]:
            outs[tool] = run_worker(tool, spec_path)
        (CACHE / "last_run.json").write_text(json.dumps({"cmdline": cmdline, "load0": load0}))
    rows = analyse(spec, outs)

    # Where is a peer faster than evisynth's main entry point?
    slower: list[tuple[str, str, float]] = []
    for r in rows:
        if r["tool"] != "evisynth" and r.get("status") == "ok" and r["ratio"] < 1:
            slower.append((r["scenario"], r["tool"], r["ratio"]))
    profiles: dict[str, str] = {}
    if slower and not args.no_profile:
        for scn in dict.fromkeys(s for s, _, _ in slower):
            prof_out = CACHE / f"profile_{scn}.txt"
            subprocess.run(
                [
                    sys.executable,
                    str(BENCH / "pyworker.py"),
                    "profile",
                    str(spec_path),
                    scn,
                    str(prof_out),
                ],
                check=False,
            )
            if prof_out.exists():
                profiles[scn] = prof_out.read_text()
    wall = time.perf_counter() - t_start
    text = write_report(
        out_path,
        args,
        cmdline,
        spec,
        outs,
        rows,
        machine,
        (load0, loadavg()),
        wall,
        profiles,
        slower,
    )
    print()
    print(text)
    print(f"\n[bench] report written to {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
