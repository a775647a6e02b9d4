"""Benchmark evisynth against R metafor, PyMARE, pimeta, statsmodels and its own base revision.

    .venv/bin/python bench/run.py                  # full run, writes bench/RESULTS.md
    .venv/bin/python bench/run.py --reduced        # fewer rounds, shorter repeats (loaded machine)
    .venv/bin/python bench/run.py --quick          # smoke run, small sizes, bench/.cache/
    .venv/bin/python bench/run.py --base main      # "before" = the main branch (default)

Tools alternate round by round (A B C A B C ...): each tool is one persistent
worker process (``bench/pyworker.py serve TOOL`` for the Python tools,
``bench/metafor_bench.R`` for metafor) that has imported its package and read
the data before anything is timed, and runs one timed repeat per ``run``
command. A round sends one ``run`` to every tool in turn, so that machine drift
(this machine is shared) falls on all tools alike; the report gives, per tool,
the median of its per-round times and the median, min and max of its
per-round ratios to evisynth in the same round. Start-up scenarios (``import``,
a CLI command) are processes spawned per round, again alternating, timed
wall-clock from spawn to exit.

``evisynth-base`` is evisynth at another git revision (``--base``, default
``main``), extracted with ``git archive`` into ``bench/.cache/`` and imported
from there: the before/after figures of a change, measured in the same run.

All tools read the same CSV files written here into ``bench/.cache/``
(git-ignored). Agreement of estimates and tau² with a reference (metafor run
once more with a tight convergence control where it ran, else evisynth) is
checked after the rounds. Never run as a test; nothing here asserts a time.
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
PY_TOOLS = ("evisynth", "evisynth-base", "pymare", "pimeta", "statsmodels")
ALL_TOOLS = ("evisynth", "evisynth-base", "metafor", "pymare", "pimeta", "statsmodels")
AGREE_TOL = 1e-5  # max abs difference of estimate and tau² counted as agreement


@dataclass(frozen=True)
class Sizes:
    k_loo: int
    k_loo_big: int
    batch_B: int
    batch_k: int
    perm_iter: int


FULL = Sizes(k_loo=1_000, k_loo_big=10_000, batch_B=100_000, batch_k=10, perm_iter=1_000)
QUICK = Sizes(k_loo=200, k_loo_big=1_000, batch_B=2_000, batch_k=10, perm_iter=200)


@dataclass(frozen=True)
class Mode:
    rounds: int
    spawn_rounds: int
    min_repeat: float
    label: str


MODES = {
    "full": Mode(rounds=9, spawn_rounds=9, min_repeat=0.3, label="full"),
    "reduced": Mode(
        rounds=5,
        spawn_rounds=7,
        min_repeat=0.15,
        label="reduced (5 rounds of ≥ 0.15 s per tool, 7 start-up rounds; full sizes)",
    ),
    "quick": Mode(rounds=2, spawn_rounds=2, min_repeat=0.05, label="QUICK smoke run"),
}


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
        "large": CACHE / f"large_k{sizes.k_loo_big}_seed{seed}.csv",
        "batch": CACHE / f"batch_{sizes.batch_B}x{sizes.batch_k}_seed{seed}.csv",
    }
    f17 = "%.17g"
    yi, vi = bcg_effects()
    write_csv(paths["bcg"], "yi,vi", [yi, vi], [f17, f17])
    rng = np.random.default_rng(seed)
    yi, vi = simulate_one(rng, sizes.k_loo_big)
    write_csv(paths["large"], "yi,vi", [yi, vi], [f17, f17])
    Y, V = simulate_batch(rng, sizes.batch_B, sizes.batch_k)
    ids = np.repeat(np.arange(sizes.batch_B), sizes.batch_k)
    write_csv(paths["batch"], "id,yi,vi", [ids, Y.ravel(), V.ravel()], ["%d", f17, f17])
    return paths


def spawn_commands(base_src: Path | None) -> dict[str, dict[str, list[str]]]:
    """Start-up scenarios: per tool, the command spawned once per round."""
    py = sys.executable
    imp = {
        "evisynth": [py, "-c", "import evisynth"],
        "python (bare)": [py, "-c", "pass"],
        "metafor": ["Rscript", "-e", "suppressPackageStartupMessages(library(metafor))"],
        "R (bare)": ["Rscript", "-e", "NULL"],
    }
    crs = {"evisynth": [py, "-m", "evisynth", "crs", "-t", "39.5", "--hypotension"]}
    if base_src is not None:
        imp["evisynth-base"] = imp["evisynth"]
        crs["evisynth-base"] = crs["evisynth"]
    return {"import": imp, "cli-crs": crs}


def scenarios(sizes: Sizes, paths: dict[str, Path], base_src: Path | None) -> list[dict[str, Any]]:
    s = sizes
    out: list[dict[str, Any]] = []
    dense = "not run: dense k × k matrices in every refit (O(k⁴) for leave-one-out)"
    big = (
        f"not run: its leave-one-out holds k × k = {s.k_loo_big}² arrays "
        f"({s.k_loo_big**2 * 8 / 1e9:.1f} GB each)"
    )
    for m in ("REML", "DL"):
        out.append({"name": f"bcg13-{m}", "kind": "single", "method": m, "csv": str(paths["bcg"]),
                    "title": f"one fit, dat.bcg log RR, k = 13, {m}, z test"})
    for m in ("REML", "DL"):
        out.append({
            "name": f"loo-inf{s.k_loo}-{m}", "kind": "loo_inf", "method": m,
            "csv": str(paths["large"]), "k": s.k_loo,
            "title": f"leave-one-out + influence, first {s.k_loo} simulated studies, {m}",
            "skip": {"metafor": dense, "pimeta": dense},
        })
    out.append({
        "name": f"loo-inf{s.k_loo_big}-REML", "kind": "loo_inf", "method": "REML",
        "csv": str(paths["large"]), "k": s.k_loo_big,
        "title": f"leave-one-out + influence, k = {s.k_loo_big:,} simulated studies, REML "
                 "(at most 3 rounds: one run takes tens of seconds)",
        "max_rounds": 3,
        "skip": {"metafor": dense, "pimeta": dense, "pymare": big, "evisynth-base": big},
    })
    for m in ("REML", "DL"):
        out.append({
            "name": f"batch{s.batch_B}x{s.batch_k}-{m}", "kind": "batch", "method": m,
            "csv": str(paths["batch"]),
            "title": f"{s.batch_B:,} simulated meta-analyses of k = {s.batch_k}, {m}, batched",
            "skip": {"metafor": "not run: an R loop of rma() (minutes per repeat)"},
        })
    out.append({
        "name": f"permutest{s.perm_iter}", "kind": "permutest", "method": "REML",
        "csv": str(paths["bcg"]), "iter": s.perm_iter,
        "title": f"permutation test, {s.perm_iter} iterations, dat.bcg, REML",
    })
    for name, tools in spawn_commands(base_src).items():
        out.append({
            "name": name, "kind": "spawn", "method": "-", "commands": tools,
            "title": {"import": "process start-up + import (wall clock, spawned per round)",
                      "cli-crs": "`python -m evisynth crs -t 39.5 --hypotension` "
                                 "(wall clock, spawned per round)"}[name],
        })
    return out


# ---------------------------------------------------------------- machine


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as exc:  # pragma: no cover - informational only
        return f"({type(exc).__name__})"


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


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

    return {
        "CPU": cpu,
        "cores (os.cpu_count)": str(os.cpu_count()),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numpy": f"{np.__version__} (BLAS: {np_blas})",
        "scipy": scipy.__version__,
    }


def git_rev(rev: str) -> str:
    return sh(["git", "-C", str(ROOT), "rev-parse", "--short", rev])


def extract_base(rev: str) -> Path:
    """``git archive`` of ``src/`` at ``rev`` into bench/.cache/base-<sha>/ (no worktree)."""
    sha = git_rev(rev)
    if not sha or sha.startswith("("):
        raise SystemExit(f"unknown git revision {rev!r}")
    dest = CACHE / f"base-{sha}"
    if not (dest / "src" / "evisynth" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        arch = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "src"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=arch.stdout, check=True)
    return dest / "src"


# ---------------------------------------------------------------- workers


class Worker:
    """One persistent tool process speaking JSON lines."""

    def __init__(self, tool: str, spec_path: Path, env: dict[str, str]) -> None:
        self.tool = tool
        if tool == "metafor":
            cmd = ["Rscript", str(BENCH / "metafor_bench.R"), str(spec_path)]
        else:
            cmd = [sys.executable, str(BENCH / "pyworker.py"), "serve", tool, str(spec_path)]
        self.cmd = cmd
        self.ready: dict[str, Any] = {}
        try:
            self.proc: subprocess.Popen[str] | None = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env=env, bufsize=1,
            )
        except FileNotFoundError as exc:
            self.proc = None
            self.ready = {"ready": False, "error": f"cannot start: {exc}"}

    def wait_ready(self) -> dict[str, Any]:
        if self.proc is not None and not self.ready:
            line = self.proc.stdout.readline() if self.proc.stdout else ""
            if not line:
                err = (self.proc.stderr.read() if self.proc.stderr else "").strip()
                self.ready = {"ready": False, "error": " | ".join(err.splitlines()[-3:])}
            else:
                self.ready = json.loads(line)
        return self.ready

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            return {"error": "worker exited"}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.ask(cmd="quit")
            except (BrokenPipeError, ValueError, json.JSONDecodeError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ---------------------------------------------------------------- measuring


def run_rounds(
    sc: dict[str, Any], workers: dict[str, Worker], mode: Mode
) -> dict[str, dict[str, Any]]:
    """Calibrate every able tool, then ``mode.rounds`` rounds of one repeat per tool in turn."""
    res: dict[str, dict[str, Any]] = {}
    able = []
    for t, w in workers.items():
        st = (w.ready.get("scenarios") or {}).get(sc["name"]) if w.ready.get("ready") else None
        if st is None:
            res[t] = {"status": "error", "reason": w.ready.get("error", "no worker")}
            continue
        res[t] = dict(st)
        if st["status"] == "ok":
            ans = w.ask(cmd="calibrate", scenario=sc["name"], target=mode.min_repeat)
            if "error" in ans:
                res[t] = {"status": "error", "reason": ans["error"], "mode": st.get("mode")}
                continue
            res[t]["n_inner"] = int(ans["n"])
            res[t]["times"] = []
            able.append(t)
    rounds = min(mode.rounds, int(sc.get("max_rounds", mode.rounds)))
    for r in range(rounds):
        # rotate who goes first (A B C, B C A, ...): no tool always runs on caches
        # the previous tool's process left cold
        order = able[r % len(able):] + able[: r % len(able)] if able else []
        for t in order:
            if res[t]["status"] != "ok":
                continue
            ans = workers[t].ask(cmd="run", scenario=sc["name"], n=res[t]["n_inner"])
            if "error" in ans:
                res[t].update(status="error", reason=ans["error"])
                continue
            res[t]["times"].append(float(ans["sec"]))
        print(f"[bench] {sc['name']} round {r + 1}/{rounds}: " + ", ".join(
            f"{t} {fmt_t(res[t]['times'][-1])}" for t in able
            if res[t]["status"] == "ok" and res[t]["times"]), flush=True)
    for t in able:
        if res[t]["status"] == "ok":
            ans = workers[t].ask(cmd="result", scenario=sc["name"])
            res[t]["result"] = ans
    return res


def run_spawn(
    sc: dict[str, Any], envs: dict[str, dict[str, str]], mode: Mode
) -> dict[str, dict[str, Any]]:
    res: dict[str, dict[str, Any]] = {}
    cmds = sc["commands"]
    for t, cmd in cmds.items():
        res[t] = {"status": "ok", "mode": " ".join(shlex.quote(c) for c in cmd), "times": [],
                  "n_inner": 1}
        # one untimed run (file-system cache, .pyc files)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=envs.get(t, envs[""]))
            if p.returncode != 0:
                res[t].update(status="error", reason=(p.stderr.strip().splitlines() or ["?"])[-1])
        except FileNotFoundError as exc:
            res[t].update(status="error", reason=str(exc))
    names = list(cmds)
    for r in range(mode.spawn_rounds):
        for t in names[r % len(names):] + names[: r % len(names)]:
            cmd = cmds[t]
            if res[t]["status"] != "ok":
                continue
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=envs.get(t, envs[""]))
            res[t]["times"].append(time.perf_counter() - t0)
        print(f"[bench] {sc['name']} round {r + 1}/{mode.spawn_rounds}", flush=True)
    return res


def arr(x: Any) -> np.ndarray:
    """JSON list/scalar (null = NaN) -> float array."""
    if x is None:
        return np.array([np.nan])
    a = np.atleast_1d(np.array(x, dtype=object))
    return np.array([np.nan if e is None else float(e) for e in a], dtype=float)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("nan")
    both = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else float("nan")


def fmt_t(t: float) -> str:
    if not np.isfinite(t):
        return "–"
    if t >= 100:
        return f"{t:.0f} s"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} µs"


def fmt_d(d: float) -> str:
    return "–" if not np.isfinite(d) else ("0" if d == 0 else f"{d:.1e}")


def fmt_r(x: float) -> str:
    return "–" if not np.isfinite(x) else (f"{x:.3g}" if x < 100 else f"{x:.0f}")


def analyse(sc: dict[str, Any], res: dict[str, dict[str, Any]]) -> None:
    """Add median time, per-round ratios to evisynth and agreement to each tool's entry."""
    ev = res.get("evisynth", {})
    ev_t = np.array(ev.get("times", []), dtype=float) if ev.get("status") == "ok" else None
    mf = (res.get("metafor") or {}).get("result") or {}
    if mf.get("ref_tau2") is not None:
        ref = ("metafor, threshold 1e-12", arr(mf["ref_estimate"]), arr(mf["ref_tau2"]))
    elif mf.get("estimate") is not None:
        ref = ("metafor", arr(mf["estimate"]), arr(mf["tau2"]))
    elif (ev.get("result") or {}).get("estimate") is not None:
        ref = ("evisynth", arr(ev["result"]["estimate"]), arr(ev["result"]["tau2"]))
    else:
        ref = None
    sc["_ref"] = ref[0] if ref else None
    for _t, r in res.items():
        if r.get("status") != "ok" or not r.get("times"):
            continue
        times = np.array(r["times"], dtype=float)
        r["median"] = float(np.median(times))
        if ev_t is not None and ev_t.size == times.size:
            ratios = times / ev_t
            r["ratio_med"] = float(np.median(ratios))
            r["ratio_min"] = float(ratios.min())
            r["ratio_max"] = float(ratios.max())
        out = r.get("result") or {}
        if ref is not None and out.get("estimate") is not None and sc["kind"] != "permutest":
            r["d_est"] = max_abs_diff(arr(out["estimate"]), ref[1])
            r["d_tau2"] = max_abs_diff(arr(out["tau2"]), ref[2])
        if sc["kind"] == "permutest" and out.get("estimate") is not None:
            r["pval"] = arr(out["estimate"])[0]


# ---------------------------------------------------------------- report


def write_report(
    path: Path, args: argparse.Namespace, cmdline: str, spec: dict[str, Any],
    results: dict[str, dict[str, dict[str, Any]]], infos: dict[str, dict[str, Any]],
    machine: dict[str, str], loads: dict[str, str], wall: float, profiles: dict[str, str],
) -> str:
    L: list[str] = []
    mode: Mode = args.mode_obj
    L.append("# evisynth benchmark results\n")
    L.append(f"Produced by: `{cmdline}` (from the repository root)  ")
    L.append(
        f"evisynth: git {spec['commit']}"
        + (" + uncommitted changes in src/" if spec["dirty"] else "")
        + (f"; evisynth-base: git {spec['base_commit']} (`--base {args.base}`)"
           if spec.get("base_commit") else "") + "  "
    )
    L.append(f"Date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  ")
    L.append(f"Mode: {mode.label}; whole run {wall / 60:.1f} min.  ")
    L.append(
        f"Load average (1/5/15 min): at start {loads['start']}, at end {loads['end']}; "
        "per scenario below. The machine (2 cores) was shared with other jobs: absolute times "
        "are noisy, the per-round ratios much less so.\n"
    )
    L.append("## Machine and tools\n")
    for k, v in machine.items():
        L.append(f"- {k}: {v}")
    for t, inf in infos.items():
        if inf.get("ready"):
            L.append(f"- {t}: {inf.get('version')} ({inf.get('where')})")
        else:
            L.append(f"- {t}: **could not run**: {inf.get('error')}")
    L.append("")
    L.append("## Method\n")
    L.append(
        "- One persistent worker process per tool (`bench/pyworker.py serve TOOL`, "
        "`Rscript bench/metafor_bench.R`): imports and data loading happen before timing. "
        "Per scenario every tool is warmed up and calibrated (how many back-to-back runs make "
        f"one timed repeat of ≥ {mode.min_repeat:g} s; R's `proc.time()` resolves ~1 ms), then "
        f"{mode.rounds} rounds, each one timed repeat of every tool in turn (A B C A B C …; "
        "the first tool rotates from round to round: A B C, B C A, …). "
        "Start-up scenarios spawn the command once per tool per round "
        f"({mode.spawn_rounds} rounds, after one untimed run), timed wall-clock by run.py."
    )
    L.append(
        "- **ratio** = tool time / evisynth time *in the same round*; the table gives the median "
        "of the per-round ratios and their min–max (> 1: evisynth faster). **time** = median of "
        "the tool's per-round times (per run of the scenario)."
    )
    L.append(
        "- evisynth-base is the same evisynth code paths at the base revision (imported from a "
        "`git archive` of its `src/`): its ratio is the speed-up of this revision."
    )
    L.append(
        f"- Agreement: max abs difference of the estimate(s) and tau² from the reference named "
        "per scenario (metafor re-run untimed with `control=list(threshold=1e-12)` for REML; "
        f"else metafor as timed; else evisynth). ⚠ marks > {AGREE_TOL:g}.\n"
    )
    L.append("## Summary\n")
    L.append("| scenario | tool | how | time | ratio (tool / evisynth), median [min–max] |")
    L.append("|---|---|---|---:|---|")
    for sc in spec["scenarios"]:
        for t, r in results[sc["name"]].items():
            if r.get("status") != "ok" or "median" not in r:
                continue
            rr = (f"{fmt_r(r['ratio_med'])} [{fmt_r(r['ratio_min'])}–{fmt_r(r['ratio_max'])}]"
                  if "ratio_med" in r and t != "evisynth" else "")
            L.append(f"| {sc['name']} | {'**' + t + '**' if t == 'evisynth' else t} | "
                     f"{r.get('mode', '')} | {fmt_t(r['median'])} | {rr} |")
    L.append("")
    L.append("## Scenarios\n")
    for sc in spec["scenarios"]:
        res = results[sc["name"]]
        L.append(f"### {sc['name']}: {sc['title']}\n")
        L.append(f"Load average during the rounds: {sc.get('_load', '?')}. "
                 f"Agreement reference: {sc.get('_ref') or 'none'}.\n")
        L.append("| tool | how | time (median) | runs × rounds | ratio median [min–max] | "
                 "max abs Δ estimate | max abs Δ tau² |")
        L.append("|---|---|---:|---:|---|---:|---:|")
        for t, r in res.items():
            if r.get("status") == "ok" and "median" in r:
                rr = (f"{fmt_r(r['ratio_med'])} [{fmt_r(r['ratio_min'])}–{fmt_r(r['ratio_max'])}]"
                      if "ratio_med" in r else "")
                de, dt = r.get("d_est", np.nan), r.get("d_tau2", np.nan)
                warn = " ⚠" if (np.isfinite(de) and de > AGREE_TOL) or (
                    np.isfinite(dt) and dt > AGREE_TOL) else ""
                if "pval" in r:
                    de_s, dt_s = f"p = {r['pval']:.4g}", "–"
                else:
                    de_s, dt_s = fmt_d(de) + warn, fmt_d(dt) + warn
                L.append(f"| {t} | {r.get('mode', '')} | {fmt_t(r['median'])} | "
                         f"{r['n_inner']} × {len(r['times'])} | {rr} | {de_s} | {dt_s} |")
            else:
                label = {"n/a": "cannot", "skipped": "not run", "error": "error"}.get(
                    r.get("status", "error"), "error")
                reason = str(r.get("reason", "")).removeprefix("not run: ")
                L.append(f"| {t} | {label}: {reason} | – | – | – | – | – |")
        L.append("")
    if profiles:
        L.append("## Profiles\n")
        for name, text in profiles.items():
            L.append(f"### {name}\n\n```\n{text}\n```\n")
    path.write_text("\n".join(L) + "\n")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="small sizes, 2 rounds: a smoke run")
    g.add_argument("--reduced", action="store_true",
                   help="full sizes, 5 rounds of >= 0.15 s (for a loaded machine)")
    p.add_argument("--rounds", type=int, default=None, help="override the number of rounds")
    p.add_argument("--tools", default=",".join(ALL_TOOLS),
                   help="comma-separated subset of " + ",".join(ALL_TOOLS))
    p.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    p.add_argument("--base", default="main",
                   help="git revision measured as evisynth-base (default main; '' for none)")
    p.add_argument("--seed", type=int, default=20240611)
    p.add_argument("--out", type=Path, default=None,
                   help="report path (default bench/RESULTS.md; quick: bench/.cache/)")
    p.add_argument("--profile", default="",
                   help="comma-separated scenarios to cProfile (evisynth, after the rounds)")
    args = p.parse_args(argv)
    key = "quick" if args.quick else "reduced" if args.reduced else "full"
    mode = MODES[key]
    if args.rounds:
        label = mode.label + f", {args.rounds} rounds"
        mode = Mode(args.rounds, args.rounds, mode.min_repeat, label)
    args.mode_obj = mode
    sizes = QUICK if args.quick else FULL
    out_path = args.out or (CACHE / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(tools) - set(ALL_TOOLS)
    if unknown:
        p.error(f"unknown tools: {sorted(unknown)}")
    if "evisynth" not in tools:
        tools.insert(0, "evisynth")
    if not args.base and "evisynth-base" in tools:
        tools.remove("evisynth-base")
    cmdline = "python bench/run.py" + "".join(
        f" {shlex.quote(a)}" for a in (argv if argv is not None else sys.argv[1:])
    )
    t_start = time.perf_counter()
    loads = {"start": loadavg()}
    CACHE.mkdir(exist_ok=True)
    base_src = extract_base(args.base) if "evisynth-base" in tools else None
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    envs = {"": env}
    if base_src is not None:
        envs["evisynth-base"] = {**env, "PYTHONPATH": str(base_src)}
    paths = make_data(sizes, args.seed)
    scs = scenarios(sizes, paths, base_src)
    if args.only:
        keep = {s.strip() for s in args.only.split(",")}
        scs = [s for s in scs if s["name"] in keep]
    spec = {
        "scenarios": scs,
        "commit": git_rev("HEAD"),
        "dirty": bool(sh(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])),
        "base_commit": git_rev(args.base) if base_src is not None else None,
    }
    spec_path = CACHE / "spec.json"
    spec_path.write_text(json.dumps(spec, indent=1))
    machine = machine_info()
    workers = {t: Worker(t, spec_path, envs.get(t, env)) for t in ALL_TOOLS if t in tools}
    infos = {t: w.wait_ready() for t, w in workers.items()}
    for t, inf in infos.items():
        print(f"[bench] {t}: " + ("ready " + str(inf.get("where")) if inf.get("ready")
                                  else "FAILED " + str(inf.get("error"))), flush=True)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        for sc in scs:
            l0 = loadavg()
            if sc["kind"] == "spawn":
                sc["commands"] = {t: c for t, c in sc["commands"].items()
                                  if t in tools or t not in ALL_TOOLS}
                results[sc["name"]] = run_spawn(sc, envs, mode)
            else:
                results[sc["name"]] = run_rounds(sc, workers, mode)
            sc["_load"] = f"{l0} → {loadavg()}"
            analyse(sc, results[sc["name"]])
    finally:
        for w in workers.values():
            w.close()
    profiles: dict[str, str] = {}
    for name in [s.strip() for s in args.profile.split(",") if s.strip()]:
        prof_out = CACHE / f"profile_{name}.txt"
        subprocess.run([sys.executable, str(BENCH / "pyworker.py"), "profile", str(spec_path),
                        name, str(prof_out)], check=False, env=env)
        if prof_out.exists():
            profiles[name] = prof_out.read_text()
    loads["end"] = loadavg()
    wall = time.perf_counter() - t_start
    clean = json.loads(json.dumps(results, default=str))
    (CACHE / "last_run.json").write_text(json.dumps({"cmdline": cmdline, "results": clean}))
    text = write_report(out_path, args, cmdline, spec, results, infos, machine, loads, wall,
                        profiles)
    print()
    print(text)
    print(f"\n[bench] report written to {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
