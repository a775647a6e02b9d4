"""Time `reconstruct_ipd` on a 500-patient arm digitised with 200 clicks (issue 5).

    .venv/bin/python bench/reconstruct.py [--repeats N]

The arm is simulated (Weibull with a cure fraction, seed fixed), its exact KM
corners are thinned to 200 noisy "clicks" (sd 0.05 months on time, 0.003 on
survival) as a digitiser would produce, and the at-risk table every 6 months is
taken from the simulated data. Reported: median and minimum over the repeats,
for the four input cases. Never run as a test.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

import evisynth as ev
from evisynth.survival.simulate import ArmSpec, digitise, km_corners, simulate_trial


def inputs() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    ipd = simulate_trial([ArmSpec("A", 500, shape=1.2, scale=8.0, cure=0.3)], seed=11)
    t, e = ipd["time"].to_numpy(), ipd["event"].to_numpy()
    corners = km_corners(t, e)
    clicks = digitise(
        corners, time_sd=0.05, surv_sd=0.003, keep=min(1.0, 200 / len(corners)), seed=5
    )
    grid = np.arange(0, t.max(), 6.0)
    at_risk = pd.DataFrame({"time": grid, "n_risk": [(t >= g).sum() for g in grid]})
    return clicks, at_risk, int(e.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    curve, at_risk, events = inputs()
    cases = {
        "at-risk table + total events": dict(at_risk=at_risk, total_events=events),
        "at-risk table only": dict(at_risk=at_risk),
        "n + total events": dict(n=500, total_events=events),
        "n only": dict(n=500),
    }
    print(
        f"reconstruct_ipd: 500-patient arm, {len(curve)} clicks, {len(at_risk)} at-risk "
        f"times; evisynth {ev.__version__}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; {args.repeats} repeats"
    )
    print(f"| input | median ms | min ms | events reconstructed (true {events}) |")
    print("|---|---|---|---|")
    for name, kw in cases.items():
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            rec = ev.reconstruct_ipd(curve, **kw)
            times.append(1e3 * (time.perf_counter() - t0))
        print(
            f"| {name} | {np.median(times):.1f} | {min(times):.1f} | "
            f"{int(rec.ipd['event'].sum())} |"
        )


if __name__ == "__main__":
    main()
