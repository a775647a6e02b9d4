"""Benchmark: one PLO GLMM fit (nAGQ = 7), evisynth vs metafor rma.glmm/lme4, k = 10 and 100.

Run from the repository root: ``.venv/bin/python bench/glmm.py``. Rounds alternate
evisynth, R, evisynth, R, ... so that machine drift cancels; R is timed inside one
Rscript process per round (its start-up is excluded), evisynth inside this process.
"""

from __future__ import annotations

import subprocess
import time
import warnings

import numpy as np

import evisynth as ev

ROUNDS = 5
REPS = 10


def data(k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(k)
    n = rng.integers(20, 200, size=k).astype(float)
    p = 1 / (1 + np.exp(-(-2.0 + 0.7 * rng.standard_normal(k))))
    return rng.binomial(n.astype(int), p).astype(float), n


def time_py(x: np.ndarray, n: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        for _ in range(REPS):
            ev.rma_glmm("PLO", xi=x, ni=n)
        return (time.perf_counter() - t) / REPS


def time_r(x: np.ndarray, n: np.ndarray) -> float:
    code = (
        "suppressMessages(library(metafor));"
        f"xi <- c({','.join(str(int(v)) for v in x)}); ni <- c({','.join(str(int(v)) for v in n)});"
        "invisible(rma.glmm(measure='PLO', xi=xi, ni=ni));"
        f"t <- system.time(for (i in 1:{REPS}) rma.glmm(measure='PLO', xi=xi, ni=ni))[['elapsed']];"
        f"cat(t / {REPS})"
    )
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1])


def time_py_loo(x: np.ndarray, n: np.ndarray) -> float:
    from evisynth.engine.glmm import fit_glmm, proportions_data

    k = len(x)
    t = time.perf_counter()
    fit_glmm(proportions_data(np.tile(x, (k, 1)), np.tile(n, (k, 1)), ~np.eye(k, dtype=bool)))
    return time.perf_counter() - t


def time_r_loo(x: np.ndarray, n: np.ndarray) -> float:
    code = (
        "suppressMessages(library(metafor));"
        f"xi <- c({','.join(str(int(v)) for v in x)}); ni <- c({','.join(str(int(v)) for v in n)});"
        "t <- system.time(for (i in seq_along(xi)) rma.glmm(measure='PLO', xi=xi[-i], "
        "ni=ni[-i]))[['elapsed']]; cat(t)"
    )
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().split()[-1])


def main() -> None:
    for k in (10, 100):
        x, n = data(k)
        py, r = [], []
        for _ in range(ROUNDS):
            py.append(time_py(x, n))
            r.append(time_r(x, n))
        mp, mr = float(np.median(py)), float(np.median(r))
        print(f"k={k}: evisynth {mp * 1e3:.1f} ms, metafor/lme4 {mr * 1e3:.1f} ms, "
              f"ratio R/evisynth {mr / mp:.2f} (medians of {ROUNDS} rounds x {REPS} fits)")
    # leave-one-out of k = 50: one batched engine call (B = 50) vs 50 rma.glmm calls
    x, n = data(50)
    py, r = [], []
    for _ in range(3):
        py.append(time_py_loo(x, n))
        r.append(time_r_loo(x, n))
    mp, mr = float(np.median(py)), float(np.median(r))
    print(f"leave-one-out k=50 (ML fits only in evisynth's batch; rma.glmm also fits FE and "
          f"saturated models): evisynth {mp:.2f} s, metafor/lme4 {mr:.2f} s, ratio {mr / mp:.2f}")


if __name__ == "__main__":
    main()
