"""Measure reconstruction error bounds (not a test; run by hand).

    .venv/bin/python -m tests.survival.measure_reconstruction [n_seeds]

Prints, per input case and digitisation (exact corners / noisy clicks), the mean
and maximum over seeds x scenarios of: sup |S_rec - S_true| over the first 95% of
follow-up, relative median error, relative event-count error, relative Cox HR
error. The bounds asserted in test_survival_roundtrip.py come from this output.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from tests.survival.test_survival_roundtrip import NOISY_BOUNDS, reconstruct_errors


def main(n_seeds: int = 30) -> None:
    rows = []
    t0 = time.perf_counter()
    for seed in range(100, 100 + n_seeds):
        for n, cure in [(60, 0.0), (300, 0.3), (500, 0.1)]:
            for noisy in (False, True):
                for case in NOISY_BOUNDS:
                    err = reconstruct_errors(seed, n, cure, case, noisy)
                    rows.append({"input": "noisy" if noisy else "exact", "case": case, **err})
            err = reconstruct_errors(seed, n, cure, "at_risk+events", False, decimals=4)
            rows.append({"input": "exact, 4 decimals", "case": "at_risk+events", **err})
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(df.groupby(["input", "case"]).agg(["mean", "max"]).round(4).to_string())
    print(f"{len(rows)} reconstructions (2 arms each) in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
