"""Exact inversion (evisynth's addition to Guyot's method, with an at-risk table).

Every drop of the curve is matched to whole numbers (d events among n at risk)
that reproduce the clicked survival to within the rounding of the input, and a
small dynamic programme picks the consistent sequence with the fewest events.

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
) -> _Interval | None:
    """Exact inversion when the clicks are exact KM corners (with an at-risk table).

    Each drop of the curve is matched to whole numbers ``(d, n)`` (``d`` events
    among ``n`` at risk) such that ``KM_prev (1 - d/n)`` reproduces the clicked
    survival to within ``stol`` (the rounding of the input). Among the sequences of
    matches that are consistent (at risk never grows, the published count at the
    end of the interval is reached, the events add up to the total when it is
    known), the one with fewest events, then closest to Guyot's estimates
    ``guess``, is kept; the censorings between drops follow from the differences
    of the ``n``. Returns ``None`` (use Guyot's result) when no drop sequence matches.
    """
    level = S[lo - 1] if lo > 0 else 1.0
    drops: list[int] = []
    for k in range(lo, hi + 1):
        if S[k] < level - stol:
            drops.append(k)
            level = S[k]
    # dynamic programme over the drops; state = (at risk after the drop, events so far)
    Key = tuple[int, int]
    Val = tuple[int, float, float, tuple[tuple[int, int, int], ...]]
    states: dict[Key, Val] = {(n0, 0): (0, 0.0, km_last, ())}
    for k in drops:
        g = int(guess[k - lo])
        new: dict[Key, Val] = {}
        for (a_, sd), (tot, dev, km, path) in states.items():
            cands: list[tuple[int, int]] = []
            if km <= 0 or a_ <= 0:
                continue
            if S[k] <= stol:  # a drop to 0: all at risk have the event
                if events_left is not None:
                    d0 = events_left - sd
                    if 1 <= d0 <= a_:
                        cands.append((d0, d0))
                else:
                    d0 = min(a_, max(1, g))
                    cands.append((d0, d0))
            else:
                qlo = 1 - (S[k] + stol) / km
                qhi = 1 - (S[k] - stol) / km
                if qhi <= 0:
                    continue
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
            for dd, r in cands:
                key = (r - dd, sd + dd if events_left is not None else 0)
                val = (tot + dd, dev + abs(r - g), km * (1 - dd / r), (*path, (k, dd, r)))
                if key not in new or val[:2] < new[key][:2]:
                    new[key] = val
        if not new:
            return None
        if len(new) > beam:
            new = dict(sorted(new.items(), key=lambda kv: kv[1][:2])[:beam])
        states = new
    finals = []
    for (a_, sd), (tot, dev, _km, path) in states.items():
        if n_next is not None and a_ < n_next:
            continue
        if events_left is not None and sd != events_left:
            continue
        finals.append((tot, dev, a_, path))
    if not finals:
        return None
    _, _, avail, best_path = min(finals, key=lambda x: (x[0], x[1]))
    events = list(best_path)
    if n_next is not None and avail < n_next:
        return None
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


def _rounding_tolerance(S: FloatArray) -> float:
    """Half the last decimal place of the survival values (``1e-9`` at full precision)."""
    for dec in range(0, 9):
        scaled = S * 10.0**dec
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-6):
            return 0.5 * 10.0**-dec * (1 + 1e-6)
    return 1e-9
