"""Exact inversion (evisynth's addition to Guyot's method, with an at-risk table).

Every drop of the curve is matched to whole numbers (d events among n at risk)
that reproduce the clicked survival to within the rounding of the input, and a
small dynamic programme over the drops finds the consistent sequences: the one
with the fewest events (:func:`_exact_interval`), or the closest to Guyot's
numbers at risk for every reachable event count (:func:`_exact_options`, which
lets the intervals share out a reported total number of events).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
survival data: reconstructing the data from published Kaplan-Meier survival
curves. BMC Med Res Methodol 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

import numpy as np

from evisynth._validation import FloatArray
from evisynth.survival.reconstruct.guyot import _Interval

_Step = tuple[int, int, int]  # (click index, events d, at risk n)
_Key = tuple[int, int]  # (at risk after the drop, events so far)
_Val = tuple[int, float, float, tuple[_Step, ...]]  # (events, deviation, KM, path)


def _drop_candidates(
    s: float, km: float, a_: int, g: int, stol: float, zero_events: list[int]
) -> list[tuple[int, int]]:
    """Whole ``(d, n)`` with ``n <= a_`` and ``km (1 - d/n)`` within ``stol`` of ``s``.

    For each ``d`` the ``n`` closest to Guyot's ``g`` (and its neighbours) are kept.
    A drop to 0 means everyone at risk had the event: ``d = n``, one of ``zero_events``.
    """
    if s <= stol:
        return [(d0, d0) for d0 in zero_events if 1 <= d0 <= a_]
    qlo = 1 - (s + stol) / km
    qhi = 1 - (s - stol) / km
    if qhi <= 0:
        return []
    cands: list[tuple[int, int]] = []
    dd = 1
    while True:
        n_min = max(dd, int(np.ceil(dd / qhi - 1e-9)))
        if n_min > a_:
            break
        n_max = a_ if qlo <= 0 else min(a_, int(np.floor(dd / qlo + 1e-9)))
        if n_min <= n_max:
            c = min(max(g, n_min), n_max)
            for r in {c, max(n_min, c - 1), min(n_max, c + 1)}:
                cands.append((dd, r))
        dd += 1
    return cands


def _drop_paths(
    S: FloatArray,
    lo: int,
    hi: int,
    n0: int,
    guess: np.ndarray,
    km_last: float,
    events_left: int | None,
    by_total: bool,
    stol: float,
    beam: int,
) -> dict[_Key, _Val] | None:
    """Dynamic programme over the drops in clicks ``lo..hi``; ``None`` if a drop has no match.

    State = (at risk after the drop, events so far); the events are part of the
    state only when they matter (``events_left`` or ``by_total``), else 0.
    """
    level = S[lo - 1] if lo > 0 else 1.0
    drops: list[int] = []
    for k in range(lo, hi + 1):
        if S[k] < level - stol:
            drops.append(k)
            level = S[k]
    track = events_left is not None or by_total
    states: dict[_Key, _Val] = {(n0, 0): (0, 0.0, km_last, ())}
    for k in drops:
        g = int(guess[k - lo])
        new: dict[_Key, _Val] = {}
        for (a_, sd), (tot, dev, km, path) in states.items():
            if km <= 0 or a_ <= 0:
                continue
            if events_left is not None:
                zero = [events_left - sd]
            elif by_total:
                zero = list(range(1, a_ + 1))
            else:
                zero = [min(a_, max(1, g))]
            for dd, r in _drop_candidates(float(S[k]), km, a_, g, stol, zero):
                key = (r - dd, sd + dd if track else 0)
                val = (tot + dd, dev + abs(r - g), km * (1 - dd / r), (*path, (k, dd, r)))
                if key not in new or val[:2] < new[key][:2]:
                    new[key] = val
        if not new:
            return None
        if len(new) > beam:
            new = dict(sorted(new.items(), key=lambda kv: kv[1][:2])[:beam])
        states = new
    return states


def _build_interval(
    T: FloatArray,
    lo: int,
    hi: int,
    n0: int,
    n_next: int | None,
    t_end: float,
    events: tuple[_Step, ...],
    km_last: float,
) -> _Interval | None:
    """The interval's events, censorings and counts for one drop sequence ``events``.

    The censorings between drops follow from the differences of the numbers at
    risk and are spread evenly over each gap; ``None`` if the sequence needs
    censorings where there is no time for them.
    """
    m = hi - lo + 1
    d = np.zeros(m, dtype=int)
    cen_times: list[list[float]] = [[] for _ in range(m)]
    nh = np.zeros(m, dtype=int)
    # gaps: (start, end, count, include_end)
    gaps: list[tuple[float, float, int, bool]] = []
    prev_t, prev_n = float(T[lo]), n0
    for k, dk, nk in events:
        if nk > prev_n:
            return None
        if nk < prev_n:
            if T[k] <= prev_t:
                return None
            gaps.append((prev_t, float(T[k]), prev_n - nk, False))
        d[k - lo] = dk
        prev_t, prev_n = float(T[k]), nk - dk
    if n_next is not None:
        if prev_n > n_next:
            if t_end <= prev_t:
                return None
            gaps.append((prev_t, t_end, prev_n - n_next, False))
        n_end = n_next
    else:
        if prev_n > 0:
            gaps.append((prev_t, float(T[hi]), prev_n, True))
        n_end = 0
    for a, b, c, inclusive in gaps:
        if inclusive and b > a:
            pos = a + (b - a) * np.arange(1, c + 1) / c
        elif inclusive:
            pos = np.full(c, b)
        else:
            pos = a + (b - a) * np.arange(1, c + 1) / (c + 1)
        idx = np.clip(np.searchsorted(T[lo : hi + 1], pos, side="right") - 1, 0, m - 1)
        for p_, j in zip(pos.tolist(), idx.tolist(), strict=True):
            cen_times[j].append(p_)
    cen = np.array([len(x) for x in cen_times], dtype=int)
    n_run = n0
    for j in range(m):
        nh[j] = n_run
        n_run -= d[j] + cen[j]
    for _, dk, nk in events:
        km_last *= 1 - dk / nk
    return _Interval(d, cen, cen_times, n_end, km_last, nh)


def _exact_interval(
    S: FloatArray,
    T: FloatArray,
    lo: int,
    hi: int,
    n0: int,
    n_next: int | None,
    t_end: float,
    guess: np.ndarray,
    km_last: float,
    events_left: int | None = None,
    stol: float = 1e-9,
    beam: int = 400,
) -> tuple[float, _Interval] | None:
    """Exact inversion when the clicks are exact KM corners (with an at-risk table).

    Each drop of the curve is matched to whole numbers ``(d, n)`` (``d`` events
    among ``n`` at risk) such that ``KM_prev (1 - d/n)`` reproduces the clicked
    survival to within ``stol`` (the rounding of the input). Among the sequences of
    matches that are consistent (at risk never grows, the published count at the
    end of the interval is reached, the events add up to ``events_left`` when it
    is given), the one with fewest events, then closest to Guyot's estimates
    ``guess``, is kept; the censorings between drops follow from the differences
    of the ``n``. Returns that solution with its summed ``|n - guess|``, or
    ``None`` (use Guyot's result) when no drop sequence matches.
    """
    states = _drop_paths(S, lo, hi, n0, guess, km_last, events_left, False, stol, beam)
    if states is None:
        return None
    finals = []
    for (a_, sd), (tot, dev, _km, path) in states.items():
        if n_next is not None and a_ < n_next:
            continue
        if events_left is not None and sd != events_left:
            continue
        finals.append((tot, dev, path))
    if not finals:
        return None
    _, best_dev, best_path = min(finals, key=lambda x: (x[0], x[1]))
    res = _build_interval(T, lo, hi, n0, n_next, t_end, best_path, km_last)
    return None if res is None else (best_dev, res)


def _exact_options(
    S: FloatArray,
    T: FloatArray,
    lo: int,
    hi: int,
    n0: int,
    n_next: int | None,
    t_end: float,
    guess: np.ndarray,
    km_last: float,
    stol: float = 1e-9,
    beam: int = 400,
) -> dict[int, tuple[float, _Interval]]:
    """Every event count the interval can take exactly, with its best solution.

    Same matching as :func:`_exact_interval`, but the events are kept in the
    state of the dynamic programme, so that for each reachable number of events
    the consistent sequence closest to Guyot's estimates ``guess`` (smallest
    summed ``|n - guess|``, returned with it) is found. Empty when no drop
    sequence matches.
    """
    states = _drop_paths(S, lo, hi, n0, guess, km_last, None, True, stol, beam)
    if states is None:
        return {}
    by_total: dict[int, list[tuple[float, int, tuple[_Step, ...]]]] = {}
    for (a_, sd), (_tot, dev, _km, path) in states.items():
        if n_next is not None and a_ < n_next:
            continue
        by_total.setdefault(sd, []).append((dev, a_, path))
    out: dict[int, tuple[float, _Interval]] = {}
    for total in sorted(by_total):
        for dev, _a, path in sorted(by_total[total], key=lambda x: (x[0], x[1])):
            res = _build_interval(T, lo, hi, n0, n_next, t_end, path, km_last)
            if res is not None:
                out[total] = (dev, res)
                break
    return out


def _rounding_tolerance(S: FloatArray) -> float:
    """Half the last decimal place of the survival values (``1e-9`` at full precision)."""
    for dec in range(0, 9):
        scaled = S * 10.0**dec
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return 0.5 * 10.0**-dec * (1 + 1e-6)
    return 1e-9
