"""Reproduce a published simulation: Friedrich, Adhikari & Beyene (2008), Table 3, MD coverage.

Random-effects (DerSimonian-Laird, z interval) meta-analysis of k two-arm trials
with normal outcomes (n patients per arm, SD s = 1), true mean differences
N(mu, tau²) with tau = 0 or 0.5 s. The paper reports coverage rounded to whole
percent from 10,000 runs per scenario (values frozen in
tests/reference/friedrich2008_table3.json with their source). We accept a
simulated coverage within rounding (0.5 points) plus 3 Monte-Carlo SEs of ours
and 3 of theirs (10,000 runs). The full run (1e6 replications per scenario) is
recorded in bench/RESULTS-simulate.md (bench/reproduce_friedrich2008.py).
"""

from __future__ import annotations

import math

import evisynth as ev
from evisynth.simulate import ContinuousData
from tests.conftest import load_reference

REF = load_reference("friedrich2008_table3")


def test_friedrich2008_table3_md_coverage() -> None:
    reps = 20_000
    for n in (10, 100):
        rows = [r for r in REF["coverage_percent"] if r["n_per_arm"] == n]
        ks = sorted({r["k"] for r in rows})
        tab = ev.simulate(ev.SimDesign(k=ks, tau=[0.0, 0.5], mu=0.3,
                                       vi=ContinuousData(n=n, sd=1.0)),
                          ["DL-z"], reps=reps, seed=2008)
        for r in rows:
            got = tab[(tab["k"] == r["k"]) & (tab["tau"] == r["tau"])].iloc[0]
            p = r["coverage"] / 100
            tol = 0.005 + 3 * got["coverage_se"] + 3 * math.sqrt(p * (1 - p) / 10_000)
            assert abs(got["coverage"] - p) <= tol, (r, float(got["coverage"]))
