"""Steps 3 and 4 for all intervals: which events and censorings each interval gets.

Two plans, over the intervals of the at-risk table:

* :func:`_plan_sequential` — interval by interval, as Guyot: each interval but the
  last ends on the published number at risk with the fewest events that match
  the curve exactly (or Guyot's approximation), and the last interval takes
  what is left of the total number of events (or an assumed censoring rate).
* :func:`_plan_to_total` — with an at-risk table *and* a total number of events:
  a dynamic programme over the intervals whose state is the number of events so
  far. Every interval may take any of its exact solutions (:func:`_exact_options`:
  the ambiguous drops, 1 of 2 at risk or 2 of 4, give several event counts), so
  the total is met whenever some combination of exact per-interval solutions
  meets it. Among the plans that meet it, the one with the fewest intervals
  left to Guyot's approximation, then closest to Guyot's numbers at risk, is
  kept. ``None`` when no plan meets the total (then :func:`_plan_sequential`,
  whose fewest-events choice is Guyot-compatible, is used).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
survival data: reconstructing the data from published Kaplan-Meier survival
curves. BMC Med Res Methodol 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evisynth._validation import FloatArray
from evisynth.survival.reconstruct.exact import _exact_interval, _exact_options
from evisynth.survival.reconstruct.guyot import (
    _Interval,
    _run,
    _solve_interval,
    _solve_last_with_events,
    _spread,
)

_GLOBAL_BEAM = 64
"""Most event counts :func:`_plan_to_total` carries from one interval to the next."""


@dataclass(frozen=True, eq=False)
class _Grid:
    """The cleaned curve with a click at every at-risk time, and the table."""

    T: FloatArray
    S: FloatArray
    nar_t: FloatArray
    nar_n: np.ndarray
    stol: float

    @property
    def n_intervals(self) -> int:
        return len(self.nar_t)

    def bounds(self, i: int) -> tuple[int, int]:
        """First and last click of interval ``i``."""
        lo = int(np.searchsorted(self.T, self.nar_t[i], side="left"))
        if i + 1 < self.n_intervals:
            return lo, int(np.searchsorted(self.T, self.nar_t[i + 1], side="left")) - 1
        return lo, len(self.T) - 1


@dataclass(frozen=True, eq=False)
class _Plan:
    """Per interval the result and whether it was resolved exactly; ``notes``:
    the assumptions the plan had to make (in words)."""

    intervals: tuple[_Interval, ...]
    exact: tuple[bool, ...]
    notes: tuple[str, ...]


def _middle(g: _Grid, i: int, n0: int, km: float) -> tuple[_Interval, _Interval | None]:
    """Guyot's and the fewest-events exact result for interval ``i`` (not the last)."""
    lo, hi = g.bounds(i)
    t_next, n_next = float(g.nar_t[i + 1]), int(g.nar_n[i + 1])
    res = _solve_interval(g.S, g.T, lo, hi, t_next, n0, n_next, km)
    best = _exact_interval(g.S, g.T, lo, hi, n0, n_next, t_next, res.n_hat, km, stol=g.stol)
    return res, None if best is None else best[1]


def _last_to_target(
    g: _Grid, n0: int, km: float, target: int, with_table: bool
) -> tuple[_Interval, bool, float]:
    """Last interval with ``target`` events: exact if it can be, else Guyot's; with
    whether it is exact and the exact solution's summed ``|n - guess|`` (else 0)."""
    lo, hi = g.bounds(g.n_intervals - 1)
    res = _solve_last_with_events(g.S, g.T, lo, hi, n0, target, km)
    if with_table:
        best = _exact_interval(
            g.S, g.T, lo, hi, n0, None, float(g.T[hi]), res.n_hat, km, target, stol=g.stol
        )
        if best is not None and int(best[1].d.sum()) == target:
            return best[1], True, best[0]
    return res, False, 0.0


def _plan_sequential(
    g: _Grid, n_total: int, total_events: int | None, with_table: bool
) -> _Plan:
    """Interval by interval (Guyot's order); see the module docstring."""
    out: list[_Interval] = []
    flags: list[bool] = []
    notes: list[str] = []
    km_last, n_start, c_prev, d_sum = 1.0, n_total, 0, 0
    for i in range(g.n_intervals):
        lo, hi = g.bounds(i)
        if i + 1 < g.n_intervals:
            res, exact = _middle(g, i, n_start, km_last)
            flags.append(exact is not None)
            if exact is not None:
                res = exact
            c_prev += int(res.cen.sum())
        elif total_events is not None:
            res, ok, _ = _last_to_target(g, n_start, km_last, total_events - d_sum, with_table)
            flags.append(ok)
        else:
            if g.n_intervals > 1:
                span_prev = float(g.nar_t[-1] - g.nar_t[0])
                c = int(np.floor(c_prev * float(g.T[hi] - g.nar_t[-1]) / span_prev + 0.5))
                c = min(max(c, 0), n_start)
                notes.append(
                    f"no total event count: assumed {c} censoring(s) after time "
                    f"{g.nar_t[-1]:g} (same censoring rate as before it)"
                )
            else:
                c = 0
                notes.append(
                    "no at-risk table and no total event count: assumed no censoring "
                    "before the end of the curve (this over-states the numbers at risk)"
                )
            res = _run(g.S, lo, hi, n_start, _spread(c, g.T[lo], g.T[hi], g.T, lo, hi), km_last)
            ok = False
            if with_table:
                best = _exact_interval(
                    g.S, g.T, lo, hi, n_start, None, float(g.T[hi]), res.n_hat, km_last,
                    stol=g.stol,
                )
                if best is not None:
                    res, ok = best[1], True
            flags.append(ok)
        out.append(res)
        d_sum += int(res.d.sum())
        km_last, n_start = res.km_last, res.n_end
    return _Plan(tuple(out), tuple(flags), tuple(notes))


# state of _plan_to_total: events so far -> (intervals not exact, deviation from
# Guyot's numbers at risk, KM at the end, at risk at the end, results, exact flags)
_State = tuple[int, float, float, int, tuple[_Interval, ...], tuple[bool, ...]]


def _plan_to_total(g: _Grid, n_total: int, total_events: int) -> _Plan | None:
    """Dynamic programme over the intervals that meets ``total_events``; see the
    module docstring. ``None`` when no combination of the intervals' solutions does."""
    states: dict[int, _State] = {0: (0, 0.0, 1.0, n_total, (), ())}
    for i in range(g.n_intervals - 1):
        lo, hi = g.bounds(i)
        t_next, n_next = float(g.nar_t[i + 1]), int(g.nar_n[i + 1])
        cache: dict[tuple[int, float], dict[int, tuple[float, _Interval, bool]]] = {}
        new: dict[int, _State] = {}
        for cum in sorted(states):
            miss, dev, km, n0, done, flags = states[cum]
            if (n0, km) not in cache:
                guyot = _solve_interval(g.S, g.T, lo, hi, t_next, n0, n_next, km)
                opts = {
                    tot: (dv, res, True)
                    for tot, (dv, res) in _exact_options(
                        g.S, g.T, lo, hi, n0, n_next, t_next, guyot.n_hat, km, stol=g.stol
                    ).items()
                }
                cache[(n0, km)] = opts or {int(guyot.d.sum()): (0.0, guyot, False)}
            for tot, (dv, res, ok) in cache[(n0, km)].items():
                c2 = cum + tot
                # the events still to come are at most the patients still at risk
                if c2 > total_events or c2 + res.n_end < total_events:
                    continue
                val: _State = (
                    miss + (not ok), dev + dv, res.km_last, res.n_end, (*done, res), (*flags, ok)
                )
                if c2 not in new or val[:2] < new[c2][:2]:
                    new[c2] = val
        if not new:
            return None
        if len(new) > _GLOBAL_BEAM:
            new = dict(sorted(new.items(), key=lambda kv: kv[1][:2])[:_GLOBAL_BEAM])
        states = new
    best: tuple[int, float, tuple[_Interval, ...], tuple[bool, ...]] | None = None
    for cum in sorted(states):
        miss, dev, km, n0, done, flags = states[cum]
        res, ok, dv = _last_to_target(g, n0, km, total_events - cum, True)
        if int(res.d.sum()) != total_events - cum:
            continue
        cand = (miss + (not ok), dev + dv, (*done, res), (*flags, ok))
        if best is None or cand[:2] < best[:2]:
            best = cand
    if best is None:
        return None
    return _Plan(best[2], best[3], ())
