"""The reported total number of events is met whenever exact per-interval solutions allow it.

A Kaplan–Meier drop fixes only the ratio ``d/n`` (1 event among 2 at risk and 2
among 4 give the same step), so inside an interval of the at-risk table several
event counts can reproduce the curve exactly. The reconstruction must share the
reported total out over the intervals whenever some combination of exact
solutions adds up to it, and say so in ``changes`` when none does.

The oracle here is a brute-force enumeration, written independently of the
package: for every interval, every sequence of whole ``(d, n)`` at its drops
(``n`` never above the patients left, censorings only where there is time for
them, the published count reached at the end) whose steps reproduce the clicked
survival; the achievable totals are the sums of one count per interval.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from evisynth.survival import kaplan_meier, reconstruct_ipd
from evisynth.survival.simulate import km_corners

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL = 1e-9  # the tolerance for clicks written at full precision


def rounding(survival: np.ndarray) -> float:
    """Half the last decimal place the survivals are written with (``FULL`` beyond 8).

    This is the documented meaning of "within the rounding of the input": a curve
    whose values all have one decimal (0.9, 0.5) may be any KM rounded to 1 decimal.
    """
    for dec in range(9):
        if np.allclose(np.round(survival, dec), survival, rtol=0, atol=1e-6 * 10.0**-dec):
            return 0.5 * 10.0**-dec * (1 + 1e-6)
    return FULL


@st.composite
def small_trials(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Up to 14 patients on a grid of 8 times (many ties), at-risk times on the grid.

    Half the examples censor between the event times (at ``x.5``), which leaves room
    for the ambiguous solutions (censor more before a tied drop, have fewer events).
    """
    n = draw(st.integers(2, 14))
    t = np.array(draw(st.lists(st.integers(1, 8), min_size=n, max_size=n)), dtype=float)
    e = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if e.sum() == 0:
        e[0] = 1
    if draw(st.booleans()):
        t = np.where(e == 1, t, t - 0.5)
    # at-risk times: 0 and a subset of the grid before the last time (half-way points too)
    grid = [x / 2 for x in range(1, int(2 * t.max()))]
    extra = draw(st.lists(st.sampled_from(grid), max_size=4, unique=True)) if grid else []
    return t, e, [0.0, *sorted(extra)]


def _interval_totals(
    drops: list[tuple[float, float, float]], n0: int, n_next: int | None, t0: float
) -> set[int]:  # full-precision clicks only
    """Event counts of one interval over all exact drop sequences (brute force).

    ``drops``: (time, survival before, survival after) of every drop in the interval.
    """
    out: set[int] = set()

    def walk(j: int, left: int, t_prev: float, events: int) -> None:
        if j == len(drops):
            if n_next is None or left >= n_next:
                out.add(events)
            return
        t, s_before, s_after = drops[j]
        for n_at in range(1, left + 1):
            if n_at < left and t <= t_prev:  # censorings need time before the drop
                continue
            for d in range(1, n_at + 1):
                if abs(s_before * (1 - d / n_at) - s_after) <= FULL:
                    walk(j + 1, n_at - d, t, events + d)

    walk(0, n0, t0, 0)
    return out


def achievable_totals(curve: pd.DataFrame, nar: pd.DataFrame) -> set[int]:
    """Sums of one exact event count per interval of the at-risk table."""
    ts, ss = curve["time"].to_numpy(), curve["survival"].to_numpy()
    drops = [(ts[k], ss[k - 1], ss[k]) for k in range(1, len(ts)) if ss[k] < ss[k - 1]]
    at_t, at_n = nar["time"].to_list(), nar["n_risk"].to_list()
    per_interval = []
    for i, t0 in enumerate(at_t):
        t1 = at_t[i + 1] if i + 1 < len(at_t) else np.inf
        inside = [x for x in drops if t0 <= x[0] < t1]
        per_interval.append(
            _interval_totals(inside, at_n[i], at_n[i + 1] if i + 1 < len(at_t) else None, t0)
        )
    return {sum(c) for c in itertools.product(*per_interval)}


def _table(t: np.ndarray, times: list[float]) -> pd.DataFrame:
    keep = [x for x in times if x < t.max()] or [0.0]
    return pd.DataFrame({"time": keep, "n_risk": [int((t >= x).sum()) for x in keep]})


@SETTINGS
@given(small_trials(), st.integers(-3, 3))
def test_total_met_whenever_exact_solutions_allow(trial: tuple, delta: int) -> None:
    t, e, times = trial
    curve, nar = km_corners(t, e), _table(t, times)
    # a curve of round values (0.9, 0.75) reads as rounded: many more (d, n) fit it
    # than the brute force below enumerates, so only full-precision curves here
    assume(rounding(curve["survival"].to_numpy()) == FULL)
    n = len(t)
    total = min(max(int(e.sum()) + delta, 0), n)
    feasible = achievable_totals(curve, nar)
    assert int(e.sum()) in feasible  # the truth is always one exact solution
    rec = reconstruct_ipd(curve, nar, total_events=total)
    event("total reachable" if total in feasible else "total unreachable")
    event("several exact totals" if len(feasible) > 1 else "one exact total")
    if total in feasible:
        assert rec.diagnostics.n_events == total
        assert len(rec.ipd) == n
        # every interval exact: the KM of the result goes through every click
        assert rec.diagnostics.curve_max_abs_error <= FULL
        assert rec.diagnostics.at_risk_reconstructed == tuple(nar["n_risk"])
        assert any(f"{len(nar)} of {len(nar)} interval(s) resolved exactly" in c
                   for c in rec.changes), rec.changes
        assert not any("cannot give exactly" in c for c in rec.changes)
    elif rec.diagnostics.n_events != total:
        # it truly cannot: the report says so, with the count it reached
        assert (f"the curve cannot give exactly {total} events: reconstructed "
                f"{rec.diagnostics.n_events}") in rec.changes


@SETTINGS
@given(small_trials())
def test_truth_total_reproduces_km_and_table(trial: tuple) -> None:
    t, e, times = trial
    curve, nar = km_corners(t, e), _table(t, times)
    rec = reconstruct_ipd(curve, nar, total_events=int(e.sum()))
    assert rec.diagnostics.n_events == int(e.sum())
    assert rec.diagnostics.at_risk_reconstructed == tuple(nar["n_risk"])
    # the KM of the result matches the truth within the rounding of the curve,
    # everywhere (so at the reported times of the table too)
    tol = rounding(curve["survival"].to_numpy())
    assert rec.diagnostics.curve_max_abs_error <= tol
    km0 = kaplan_meier(t, e)
    km1 = kaplan_meier(rec.ipd["time"], rec.ipd["event"])
    grid = np.concatenate([np.linspace(0, t.max(), 200), nar["time"].to_numpy()])
    assert np.abs(km0.survival_function(grid) - km1.survival_function(grid)).max() <= tol


def test_ambiguous_step_is_shared_out_to_meet_the_total() -> None:
    # 9 patients, at risk 9 at time 0 and 2 at time 3. Truth: 3 censored at 0.5, 2 events
    # among 6 at time 1 (S = 2/3), 2 censored at 2; then 1 event among 2 at 4 (S = 1/3)
    # and 1 among 1 at 5 (S = 0). The first drop, 1/3, is 1 of 3, 2 of 6 or 3 of 9 at
    # risk, so the first interval can have 1, 2 or 3 events; the second has 2.
    t = np.array([0.5, 0.5, 0.5, 1, 1, 2, 2, 4, 5])
    e = np.array([0, 0, 0, 1, 1, 0, 0, 1, 1])
    nar = pd.DataFrame({"time": [0.0, 3.0], "n_risk": [9, 2]})
    curve = km_corners(t, e)
    assert rounding(curve["survival"].to_numpy()) == FULL
    assert achievable_totals(curve, nar) == {3, 4, 5}
    truth = pd.Series(e).groupby(t).sum()
    truth = truth[truth > 0]
    # the reported 4 events: the first interval takes its 2-of-6 solution (the truth)
    rec = reconstruct_ipd(curve, nar, total_events=4)
    got = rec.ipd.groupby("time")["event"].sum()
    got = got[got > 0]
    np.testing.assert_array_equal(got.index, truth.index)
    np.testing.assert_array_equal(got.to_numpy(), truth.to_numpy())
    assert rec.table.loc[rec.table["n_event"] > 0, "n_risk"].tolist() == [6, 2, 1]
    assert not any("cannot give exactly" in c for c in rec.changes)
    # 5 events: 3 of 9 at time 1
    rec5 = reconstruct_ipd(curve, nar, total_events=5)
    assert rec5.table.loc[rec5.table["n_event"] > 0, "n_event"].tolist() == [3, 1, 1]
    # without a total, the fewest events (Guyot-compatible): 1 of 3 at time 1
    rec0 = reconstruct_ipd(curve, nar)
    assert rec0.table.loc[rec0.table["n_event"] > 0, "n_event"].tolist() == [1, 1, 1]
    # 6 events cannot be had from this curve and table: reported, fewest events kept
    rec6 = reconstruct_ipd(curve, nar, total_events=6)
    assert "the curve cannot give exactly 6 events: reconstructed 3" in rec6.changes
