"""Round trip: simulate patients -> KM curve -> reconstruct -> compare with the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evisynth.survival import cox_ph, kaplan_meier, reconstruct_ipd
from evisynth.survival.simulate import ArmSpec, digitise, km_corners, simulate_trial

# (n per arm, cure fraction of arm A, drop-out rate, accrual, follow-up)
SCENARIOS = [
    (30, 0.0, 0.0, 12.0, 12.0),  # small, administrative censoring only
    (150, 0.0, 0.05, 24.0, 6.0),  # heavy drop-out
    (150, 0.4, 0.01, 24.0, 24.0),  # cure fraction (plateau)
    (500, 0.15, 0.02, 36.0, 12.0),  # large
]


def _trial(n: int, cure: float, dropout: float, accrual: float, fu: float, seed: int):
    return simulate_trial(
        [ArmSpec("A", n, 1.3, 9.0, cure), ArmSpec("B", n, 1.0, 6.0, 0.0)],
        accrual=accrual, follow_up=fu, dropout=dropout, seed=seed,
    )


def _nar(t: np.ndarray, step: float = 6.0) -> pd.DataFrame:
    times = np.arange(0, t.max(), step)
    return pd.DataFrame({"time": times, "n_risk": [int((t >= x).sum()) for x in times]})


def _events_by_time(time: np.ndarray, event: np.ndarray) -> pd.Series:
    s = pd.Series(event).groupby(time).sum()
    return s[s > 0]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("seed", [1, 2])
def test_exact_corners_with_table_and_events(scenario: tuple, seed: int) -> None:
    df = _trial(*scenario, seed=seed)
    arms = {}
    for arm, g in df.groupby("arm"):
        t, e = g["time"].to_numpy(), g["event"].to_numpy()
        nar = _nar(t)
        rec = reconstruct_ipd(km_corners(t, e), nar, total_events=int(e.sum()))
        ipd = rec.ipd
        # events at every time: identical (exact KM corners resolve every drop)
        truth = _events_by_time(t, e)
        got = _events_by_time(ipd["time"].to_numpy(), ipd["event"].to_numpy())
        pd.testing.assert_series_equal(truth, got, check_names=False, check_index_type=False,
                                       check_dtype=False)
        # numbers at risk exactly, patients and events preserved
        assert rec.diagnostics.at_risk_reconstructed == tuple(nar["n_risk"])
        assert len(ipd) == len(t) and int(ipd["event"].sum()) == int(e.sum())
        km0, km1 = kaplan_meier(t, e), kaplan_meier(ipd["time"], ipd["event"])
        assert km1.median.median == km0.median.median
        grid = np.linspace(0, t.max(), 500)
        assert np.abs(km0.survival_function(grid) - km1.survival_function(grid)).max() < 1e-12
        assert rec.diagnostics.curve_max_abs_error < 1e-12
        arms[arm] = ipd
    hr_true = cox_ph(df["time"], df["event"], (df["arm"] == "B").astype(float)).hr[0]
    ipd = pd.concat([arms["A"].assign(x=0.0), arms["B"].assign(x=1.0)])
    hr_rec = cox_ph(ipd["time"], ipd["event"], ipd["x"]).hr[0]
    assert abs(hr_rec / hr_true - 1) < 0.02


# Measured error bounds: `python -m tests.survival.measure_reconstruction 30`
# (seeds 100-129 x scenarios (n, cure) = (60, 0), (300, 0.3), (500, 0.1); noisy
# clicks: 80% of the corners kept, time noise sd 0.02, survival noise sd 0.003).
# Measured maxima, noisy clicks (sup|dS| over first 95% of follow-up, rel. median
# error, rel. event-count error, rel. HR error):
#   at_risk+events 0.0695 0.1233 0.0638 0.0535 | at_risk 0.0695 0.1233 0.0638 0.0581
#   n+events       0.0783 0.1689 0.0    0.0868 | n       0.0695 0.0910 0.4643 0.1418
# Exact corners: at_risk+events 0 0 0 0.0137 | at_risk 0 0 0.0357 0.0274 |
#   n+events 0.0836 0.1751 0 0.0879 | n 0.0083 0.0876 0.4821 0.1310
# The tests use other seeds and assert the noisy maxima x 1.3.
NOISY_BOUNDS = {
    "at_risk+events": (0.09, 0.16, 0.083, 0.07),
    "at_risk": (0.09, 0.16, 0.083, 0.076),
    "n+events": (0.10, 0.22, 0.001, 0.113),
    "n": (0.09, 0.12, 0.60, 0.185),
}


def reconstruct_errors(
    seed: int, n: int, cure: float, case: str, noisy: bool, decimals: int | None = None
) -> dict:
    df = _trial(n, cure, 0.02, 24.0, 12.0, seed=seed)
    hr_true = cox_ph(df["time"], df["event"], (df["arm"] == "B").astype(float)).hr[0]
    out = {"sup": 0.0, "median": 0.0, "events": 0.0}
    ipds = []
    for k, (arm, g) in enumerate(df.groupby("arm")):
        t, e = g["time"].to_numpy(), g["event"].to_numpy()
        curve = km_corners(t, e)
        if noisy:
            curve = digitise(curve, time_sd=0.02, surv_sd=0.003, keep=0.8, seed=seed * 10 + k)
        if decimals is not None:
            curve = curve.round({"survival": decimals})
        kw: dict = {"at_risk": _nar(t)} if case.startswith("at_risk") else {"n": len(t)}
        if case.endswith("events"):
            kw["total_events"] = int(e.sum())
        rec = reconstruct_ipd(curve, **kw)
        km0, km1 = kaplan_meier(t, e), kaplan_meier(rec.ipd["time"], rec.ipd["event"])
        grid = np.linspace(0, 0.95 * t.max(), 400)
        out["sup"] = max(out["sup"], float(np.abs(km0.survival_function(grid)
                                                  - km1.survival_function(grid)).max()))
        m0, m1 = km0.median.median, km1.median.median
        if m0 is not None and m1 is not None:
            out["median"] = max(out["median"], abs(m1 / m0 - 1))
        out["events"] = max(out["events"], abs(int(rec.ipd["event"].sum()) / e.sum() - 1))
        ipds.append(rec.ipd.assign(x=float(arm == "B")))
    ipd = pd.concat(ipds)
    out["hr"] = abs(cox_ph(ipd["time"], ipd["event"], ipd["x"]).hr[0] / hr_true - 1)
    return out


@pytest.mark.parametrize("case", list(NOISY_BOUNDS))
@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("n,cure", [(60, 0.0), (300, 0.3)])
def test_noisy_and_partial_information_within_measured_bounds(
    case: str, seed: int, n: int, cure: float
) -> None:
    err = reconstruct_errors(seed, n, cure, case, noisy=True)
    sup, med, ev, hr = NOISY_BOUNDS[case]
    assert err["sup"] <= sup
    assert err["median"] <= med
    assert err["events"] <= ev
    assert err["hr"] <= hr


def test_exact_corners_without_table_keeps_events_when_total_given() -> None:
    df = _trial(200, 0.2, 0.02, 24.0, 12.0, seed=9)
    g = df[df["arm"] == "A"]
    t, e = g["time"].to_numpy(), g["event"].to_numpy()
    rec = reconstruct_ipd(km_corners(t, e), n=len(t), total_events=int(e.sum()))
    assert rec.case == "n+events"
    assert len(rec.ipd) == len(t)
    assert int(rec.ipd["event"].sum()) == int(e.sum())


# Exact corners whose survival is rounded to 4 decimals (a published KM table, or a
# perfect digitisation written with 4 decimals), at-risk table + total events.
# Measured maxima (seeds 100-129 x the 3 scenarios): sup|dS| 0.0120, median 0.0426,
# events 0.024, HR 0.0165. Asserted x 1.3 on other seeds.
@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("n,cure", [(60, 0.0), (300, 0.3)])
def test_exact_corners_rounded_to_4_decimals(seed: int, n: int, cure: float) -> None:
    err = reconstruct_errors(seed, n, cure, "at_risk+events", noisy=False, decimals=4)
    assert err["sup"] <= 0.016
    assert err["median"] <= 0.056
    assert err["events"] <= 0.032
    assert err["hr"] <= 0.022
