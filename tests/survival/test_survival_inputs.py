"""Input cleaning and bad input: a documented repair or a clear InputError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evisynth.errors import InputError
from evisynth.survival import (
    clean_at_risk,
    clean_curve,
    compare_arms,
    cox_ph,
    kaplan_meier,
    reconstruct_ipd,
)


def curve(t: list[float], s: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"time": t, "survival": s})


def test_repairs_are_reported() -> None:
    c = clean_curve(curve([3, 1, 1, 2, 2.5, 4], [0.7, 0.9, 0.9, 0.81, 0.825, 0.7]))
    text = " ".join(c.changes)
    assert "sorted" in text
    assert "duplicate" in text
    assert "(0, 1)" in text
    assert "non-increasing" in text
    assert c.time[0] == 0 and c.survival[0] == 1
    assert np.all(np.diff(c.survival) <= 0)


def test_percent_scale_and_clipping() -> None:
    c = clean_curve(curve([0, 1, 2], [100, 80, 60]), scale="percent")
    assert c.survival.tolist() == [1.0, 0.8, 0.6]
    with pytest.raises(InputError, match="percent"):
        clean_curve(curve([0, 1, 2], [100, 80, 60]))
    c = clean_curve(curve([0, 1, 2], [1.01, 0.5, -0.005]))
    assert c.survival.max() == 1 and c.survival.min() == 0
    assert any("clipped" in x for x in c.changes)


@pytest.mark.parametrize(
    ("t", "s", "match"),
    [
        ([0, 1, 2], [1, 1.2, 0.5], "above 1"),
        ([0, 1, 2], [1, 0.5, -0.3], "below 0"),
        ([0, 1, 2, 3], [1, 0.5, 0.7, 0.4], "never increases"),
        ([-5, 1, 2], [1, 0.5, 0.4], "before time 0"),
        ([1], [0.5], "at least two"),
        ([0, 0], [1, 0.5], "every point is at time 0"),
        ([0, "x"], [1, 0.5], "not a finite number"),
    ],
)
def test_bad_curves(t: list, s: list, match: str) -> None:
    with pytest.raises(InputError, match=match):
        clean_curve(curve(t, s))


def test_missing_column_and_wrong_type() -> None:
    with pytest.raises(InputError, match="no column 'survival'"):
        clean_curve(pd.DataFrame({"time": [0, 1], "surv": [1, 0.5]}))
    with pytest.raises(InputError, match="expected a DataFrame"):
        clean_curve([[0, 1], [1, 0.5]])


def test_small_negative_time_repaired() -> None:
    c = clean_curve(curve([-0.01, 1, 2], [1, 0.5, 0.4]))
    assert c.time[0] == 0
    assert any("negative" in x for x in c.changes)


def test_swapped_corners_aligned() -> None:
    c = clean_curve(curve([0, 5.0, 4.99, 10], [1, 0.8, 0.5, 0.5]))
    assert c.time.tolist() == [0, 4.99, 4.99, 10]
    assert any("horizontal order" in x for x in c.changes)


def test_at_risk_table() -> None:
    with pytest.raises(InputError, match="can only fall"):
        clean_at_risk(pd.DataFrame({"time": [0, 6, 12], "n_risk": [100, 60, 70]}))
    with pytest.raises(InputError, match="whole number"):
        clean_at_risk(pd.DataFrame({"time": [0, 6], "n_risk": [100, 60.5]}))
    with pytest.raises(InputError, match="before time 0"):
        clean_at_risk(pd.DataFrame({"time": [-1, 6], "n_risk": [100, 60]}))
    with pytest.raises(InputError, match="does not start at time 0"):
        clean_at_risk(pd.DataFrame({"time": [6, 12], "n_risk": [60, 30]}))
    with pytest.raises(InputError, match="disagrees"):
        clean_at_risk(pd.DataFrame({"time": [0, 6], "n_risk": [100, 60]}), n=90)
    with pytest.raises(InputError, match="different counts"):
        clean_at_risk(pd.DataFrame({"time": [0, 6, 6], "n_risk": [100, 60, 50]}))
    r = clean_at_risk(pd.DataFrame({"time": [6, 12], "n_risk": [60, 30]}), n=100)
    assert r.time.tolist() == [0, 6, 12] and r.n_risk.tolist() == [100, 60, 30]
    r = clean_at_risk(pd.DataFrame({"time": [0, 6, 12, 18], "n_risk": [10, 5, 0, 0]}),
                      last_time=15)
    assert r.time.tolist() == [0, 6, 12]


def test_reconstruct_argument_errors() -> None:
    c = curve([0, 1, 1, 2], [1, 1, 0.5, 0.5])
    with pytest.raises(InputError, match="give n"):
        reconstruct_ipd(c)
    with pytest.raises(InputError, match="total_events"):
        reconstruct_ipd(c, n=10, total_events=11)
    with pytest.raises(InputError, match="'n'"):
        reconstruct_ipd(c, n=0)
    with pytest.raises(InputError, match="'n'"):
        reconstruct_ipd(c, n=2.5)  # type: ignore[arg-type]


def test_reconstruct_all_four_cases_run() -> None:
    c = curve([0, 2, 2, 5, 5, 9, 12], [1, 1, 0.8, 0.8, 0.6, 0.6, 0.6])
    nar = pd.DataFrame({"time": [0, 6], "n_risk": [20, 10]})
    cases = {
        "at_risk+events": reconstruct_ipd(c, nar, total_events=8),
        "at_risk": reconstruct_ipd(c, nar),
        "n+events": reconstruct_ipd(c, n=20, total_events=8),
        "n": reconstruct_ipd(c, n=20),
    }
    for case, rec in cases.items():
        assert rec.case == case
        assert len(rec.ipd) == 20
        assert set(rec.ipd.columns) == {"time", "event"}
        assert rec.ipd["time"].between(0, 12).all()
        d = rec.to_dict()
        assert d["diagnostics"]["n_patients"] == 20


def test_survival_data_errors() -> None:
    with pytest.raises(InputError, match="times must be 0 or greater"):
        kaplan_meier([1, -2], [1, 1])
    with pytest.raises(InputError, match="use 1 for an event"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(InputError, match="different lengths"):
        kaplan_meier([1, 2], [1])
    with pytest.raises(InputError, match="conf_type"):
        kaplan_meier([1, 2], [1, 1], conf_type="arcsin")
    with pytest.raises(InputError, match="finite"):
        kaplan_meier([1, np.nan], [1, 1])
    with pytest.raises(InputError, match="beyond the last follow-up"):
        kaplan_meier([1, 2], [1, 0]).at(5)
    with pytest.raises(InputError, match="no events"):
        cox_ph([1, 2], [0, 0], [0, 1])


def test_compare_arms_errors() -> None:
    df = pd.DataFrame({"arm": ["a", "b", "c"], "time": [1, 2, 3], "event": [1, 1, 1]})
    with pytest.raises(InputError, match="exactly two"):
        compare_arms(df)
    with pytest.raises(InputError, match="no column"):
        compare_arms(df, arm="group")
    df2 = df.iloc[:2]
    with pytest.raises(InputError, match="reference"):
        compare_arms(df2, reference="z")


def test_monotone_likelihood_is_reported() -> None:
    from evisynth.errors import ConvergenceError

    # every event in arm 0 happens before any event in arm 1 is possible: HR -> 0
    t = [1, 2, 3, 4, 5, 6, 7, 8]
    e = [1, 1, 1, 1, 0, 0, 0, 0]
    x = [1, 1, 1, 1, 0, 0, 0, 0]
    with pytest.raises(ConvergenceError, match="diverges"):
        cox_ph(t, e, x)


def test_km_edge_cases() -> None:
    km = kaplan_meier([5.0, 7.0], [0, 0])  # no events
    assert km.survival.tolist() == [1.0, 1.0]
    assert km.median.median is None
    assert km.rmst(7).rmst == pytest.approx(7.0) and km.rmst(7).se == 0
    km = kaplan_meier([3.0], [1])  # one patient, one event
    assert km.survival.tolist() == [0.0]
    assert km.median.median == 3.0
    assert np.isnan(km.lower[0]) and np.isnan(km.upper[0])  # undefined at S = 0 (R: NA)
    assert km.to_dict()["lower"] == [None]
