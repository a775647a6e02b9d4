"""Benchmark evisynth.bayesmeta / engine.bayes_batch against the R quadrature oracle.

    .venv/bin/python bench/bayes.py                # writes bench/RESULTS-bayes.md
    .venv/bin/python bench/bayes.py --rounds 3 --r-batch 30

Scenarios: one analysis of k = 3 (three hazard ratios) and of k = 13 (BCG trials,
log risk ratios), each with shrunken study estimates; and 10,000 simulated
meta-analyses of k = 3 (no study estimates). The R side is the independent
oracle of tests/reference/bayesmeta.R (adaptive ``integrate`` + ``uniroot``),
run by bench/bayes_bench.R in its own process, timing itself (start-up
excluded). R runs only the first ``--r-batch`` analyses of the batch; its time
per analysis is scaled to 10,000 (stated in the table). Rounds alternate
evisynth, R, evisynth, R, ... so that drift of the shared machine cancels.
Reported: median and min over rounds and the ratio R / evisynth of medians, and
the largest absolute difference of the estimate and CI bounds. Never a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
sys.path.insert(0, str(ROOT / "src"))

import evisynth as ev  # noqa: E402
from evisynth.engine import bayes_batch  # noqa: E402
from evisynth.meta.priors import HalfNormalPrior  # noqa: E402


def datasets(B: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    ref = json.loads((ROOT / "tests/reference/bayesmeta.json").read_text())["datasets"]
    rng = np.random.default_rng(20261201)
    vi = rng.uniform(0.01, 0.1, size=(B, 3))
    yi = rng.normal(-0.5, np.sqrt(vi + 0.2**2))
    return {
        "single_k3": (np.array(ref["three_hr"]["yi"])[None], np.array(ref["three_hr"]["vi"])[None]),
        "single_k13": (np.array(ref["bcg_k13"]["yi"])[None], np.array(ref["bcg_k13"]["vi"])[None]),
        "batch_k3": (yi, vi),
    }


def write_csv(path: Path, yi: np.ndarray, vi: np.ndarray) -> None:
    rows = ["id,yi,vi"]
    for b in range(yi.shape[0]):
        rows += [f"{b},{float(y)!r},{float(v)!r}" for y, v in zip(yi[b], vi[b], strict=True)]
    path.write_text("\n".join(rows) + "\n")


def time_evisynth(name: str, yi: np.ndarray, vi: np.ndarray) -> tuple[float, dict]:
    prior = HalfNormalPrior(0.5)
    t0 = time.perf_counter()
    if name.startswith("single"):
        reps = 20
        for _ in range(reps):
            f = ev.bayesmeta(yi=yi[0], vi=vi[0], tau_prior=prior)
        el = (time.perf_counter() - t0) / reps
        return el, {"estimate": [f.estimate], "ci_lb": [f.ci_lb], "ci_ub": [f.ci_ub]}
    r = bayes_batch(yi, vi, prior=prior)
    el = time.perf_counter() - t0
    return el, {"estimate": r.estimate, "ci_lb": r.ci_lb, "ci_ub": r.ci_ub}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--r-batch", type=int, default=40)
    ap.add_argument("--out", default=str(BENCH / "RESULTS-bayes.md"))
    a = ap.parse_args()
    CACHE.mkdir(exist_ok=True)
    data = datasets(a.batch)
    spec = {"scenarios": []}
    for name, (yi, vi) in data.items():
        csv = CACHE / f"bayes_{name}.csv"
        write_csv(csv, yi, vi)
        n = 1 if name.startswith("single") else a.r_batch
        spec["scenarios"].append({"name": name, "csv": str(csv), "n": n,
                                  "studies": name.startswith("single")})
    (CACHE / "bayes_spec.json").write_text(json.dumps(spec))
    ev_t: dict[str, list[float]] = {n: [] for n in data}
    r_t: dict[str, list[float]] = {n: [] for n in data}
    ev_res: dict[str, dict] = {}
    r_res: dict[str, dict] = {}
    for rnd in range(a.rounds):
        for name, (yi, vi) in data.items():
            el, res = time_evisynth(name, yi, vi)
            ev_t[name].append(el)
            ev_res[name] = res
        out = CACHE / "bayes_r_out.json"
        subprocess.run(["Rscript", str(BENCH / "bayes_bench.R"), str(CACHE / "bayes_spec.json"),
                        str(out)], check=True, cwd=ROOT)
        rr = json.loads(out.read_text())
        for name in data:
            per = rr[name]["seconds"] / rr[name]["n"]
            total = per * (data[name][0].shape[0] if name == "batch_k3" else 1)
            r_t[name].append(total)
            r_res[name] = rr[name]
        print(f"round {rnd + 1}: " + ", ".join(
            f"{n} ev {ev_t[n][-1]:.4f}s R {r_t[n][-1]:.3f}s" for n in data), flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    lines = [
        "# bayesmeta timing: evisynth vs the R quadrature oracle",
        "",
        f"Produced by: `.venv/bin/python bench/bayes.py --rounds {a.rounds} --batch {a.batch} "
        f"--r-batch {a.r_batch}` (from the repository root), git {commit}, on the shared "
        "2-core machine while other helpers ran (times are noisy; min is the better guide).",
        f"evisynth {ev.__version__}, Python {platform.python_version()}, numpy {np.__version__}; "
        "R: tests/reference/bayesmeta.R's `analyse()` (integrate rel.tol 1e-12, uniroot 1e-14) "
        "via bench/bayes_bench.R. Prior half-normal(0.5), flat effect prior. Rounds alternate "
        "evisynth, R.",
        "",
        "| scenario | evisynth median s | evisynth min s | R median s | R min s | R / evisynth "
        "(medians) | max abs diff estimate/CI |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in data:
        n_r = r_res[name]["n"]
        diffs = []
        for key in ("estimate", "ci_lb", "ci_ub"):
            e = np.asarray(ev_res[name][key])[:n_r]
            r = np.atleast_1d(np.asarray(r_res[name][key], dtype=float))
            diffs.append(float(np.max(np.abs(e - r))))
        label = {"single_k3": "one analysis, k = 3 (with study estimates)",
                 "single_k13": "one analysis, k = 13 (with study estimates)",
                 "batch_k3": f"{a.batch:,} analyses, k = 3 (R: {n_r} run, time scaled "
                             f"to {a.batch:,})"}[name]
        em, en = float(np.median(ev_t[name])), float(np.min(ev_t[name]))
        rm, rn = float(np.median(r_t[name])), float(np.min(r_t[name]))
        lines.append(f"| {label} | {em:.4f} | {en:.4f} | {rm:.2f} | {rn:.2f} | {rm / em:.0f} | "
                     f"{max(diffs):.1e} |")
    lines += [
        "",
        "The R side is the oracle, written for accuracy, not speed (tolerances 1e-12/1e-14, "
        "`sapply` over tau, nested integrals for every quantile); the R package bayesmeta is "
        "not in Debian and was not timed. The batch row runs evisynth's `engine.bayes_batch` "
        "(no study estimates) in one call; R's time per analysis is measured on the first "
        "analyses and multiplied.",
    ]
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
