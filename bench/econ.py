"""Benchmark: vectorised PSA of a monthly 40-year two-arm partitioned-survival model.

A: ``model.psa(10_000)`` (all draws in one batched evaluation).
B: a plain Python loop over draws, one ``model.run("cycles", overrides=...)`` per draw
   (the same engine with a batch of one), timed on the first ``LOOP_N`` draws and
   scaled to 10,000.
Rounds alternate A B A B ... so that drift on the shared machine cancels.

Run from the repository root: ``.venv/bin/python bench/econ.py`` (writes nothing; the
numbers go into bench/RESULTS-econ.md by hand).
"""

from __future__ import annotations

import statistics
import subprocess
import time

import numpy as np

from evisynth.econ import load_model

N = 10_000
LOOP_N = 300
ROUNDS = 5


def main() -> None:
    mf = load_model("cart_2l_lbcl")
    m = mf.model
    assert abs(m.cycle - 1 / 12) < 1e-12 and m.horizon == 40 and len(m.arms) == 2
    # the draws the loop evaluates: the PSA's own
    psa = m.psa(N, seed=1)
    params = [p for _, _, p in m.inputs() if p.name in psa.inputs]
    t_vec, t_loop = [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        m.psa(N, seed=1)
        t_vec.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = np.empty((LOOP_N, 2))
        for i in range(LOOP_N):
            r = m.run("cycles", overrides={p: float(psa.inputs[p.name][i]) for p in params})
            out[i] = [r.costs[a] for a in m.arms]
        t_loop.append((time.perf_counter() - t0) * N / LOOP_N)
        assert np.allclose(out, psa.costs[:LOOP_N], rtol=1e-12)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    mv, ml = statistics.median(t_vec), statistics.median(t_loop)
    print(f"git {commit}; {N} draws, monthly cycles, 40 years, 2 arms, {ROUNDS} rounds")
    print(f"vectorised PSA: median {mv:.3f} s (rounds: {', '.join(f'{x:.3f}' for x in t_vec)})")
    print(f"python loop:    median {ml:.1f} s for {N} draws (scaled from {LOOP_N}; rounds: "
          f"{', '.join(f'{x:.1f}' for x in t_loop)})")
    print(f"ratio loop/vectorised: {ml / mv:.0f}")


if __name__ == "__main__":
    main()
