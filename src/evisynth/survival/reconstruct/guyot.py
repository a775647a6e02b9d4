"""Guyot's step (steps 3 and 4): invert the KM recursion within one at-risk interval.

The censoring count of an interval is chosen so that it ends with the published
number at risk (:func:`_solve_interval`) or, in the last interval, so that the
events add up to the reported total (:func:`_solve_last_with_events`); the
censorings are spread evenly over the interval (:func:`_spread`).

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


@dataclass
class _Interval:
    d: np.ndarray
    cen: np.ndarray
    cen_times: list[list[float]]
    n_end: int
    km_last: float
    n_hat: np.ndarray


def _spread(c: int, t0: float, t1: float, T: FloatArray, lo: int, hi: int) -> list[list[float]]:
    """``c`` censoring times evenly inside (t0, t1), assigned to the last click <= each time."""
    out: list[list[float]] = [[] for _ in range(hi - lo + 1)]
    if c <= 0:
        return out
    pos = t0 + (t1 - t0) * np.arange(1, c + 1) / (c + 1)
    idx = np.searchsorted(T[lo : hi + 1], pos, side="right") - 1
    idx = np.clip(idx, 0, hi - lo)
    for p, j in zip(pos.tolist(), idx.tolist(), strict=True):
        out[j].append(p)
    return out


def _run(
    S: FloatArray, lo: int, hi: int, n0: int, cen_times: list[list[float]], km_last: float
) -> _Interval:
    m = hi - lo + 1
    d = np.zeros(m, dtype=int)
    cen = np.zeros(m, dtype=int)
    kept: list[list[float]] = []
    nh = np.zeros(m, dtype=int)
    n_hat = n0
    for j in range(m):
        k = lo + j
        nh[j] = n_hat
        dk = 0
        if n_hat > 0 and km_last > 0:
            dk = int(np.floor(n_hat * (1 - S[k] / km_last) + 0.5))
            dk = min(max(dk, 0), n_hat)
        if dk > 0:
            km_last = km_last * (1 - dk / n_hat)
        d[j] = dk
        ck = min(len(cen_times[j]), n_hat - dk)
        cen[j] = ck
        kept.append(cen_times[j][:ck])
        n_hat = n_hat - dk - ck
    return _Interval(d, cen, kept, n_hat, km_last, nh)


def _solve_interval(
    S: FloatArray,
    T: FloatArray,
    lo: int,
    hi: int,
    t_end: float,
    n0: int,
    n_next: int,
    km_last: float,
) -> _Interval:
    """Choose the censoring count so the interval ends with ``n_next`` at risk."""
    if S[lo] > 0:
        nxt_s = S[hi + 1] if hi + 1 < len(S) else S[hi]
        c = int(np.floor(n0 * nxt_s / S[lo] - n_next + 0.5))
    else:
        c = n0 - n_next
    c = min(max(c, 0), n0)
    tried: dict[int, _Interval] = {}
    for _ in range(200):
        res = _run(S, lo, hi, n0, _spread(c, T[lo], t_end, T, lo, hi), km_last)
        tried[c] = res
        diff = res.n_end - n_next
        if diff == 0:
            return res
        c_new = min(max(c + diff, 0), n0)
        if c_new in tried:
            break
        c = c_new
    return min(tried.values(), key=lambda r: (abs(r.n_end - n_next), int(r.cen.sum())))


def _solve_last_with_events(
    S: FloatArray, T: FloatArray, lo: int, hi: int, n0: int, target: int, km_last: float
) -> _Interval:
    """Censoring in the last interval chosen to make the events add up to ``target``."""

    def run(c: int) -> _Interval:
        return _run(S, lo, hi, n0, _spread(c, T[lo], T[hi], T, lo, hi), km_last)

    a, b = 0, n0
    cache: dict[int, _Interval] = {}

    def ev(c: int) -> int:
        if c not in cache:
            cache[c] = run(c)
        return int(cache[c].d.sum())

    if ev(0) <= target:
        return cache[0]
    while b - a > 1:  # events fall (roughly) as censoring rises
        mid = (a + b) // 2
        if ev(mid) > target:
            a = mid
        else:
            b = mid
    best = min(
        range(max(0, a - 3), min(n0, b + 3) + 1),
        key=lambda c: (abs(ev(c) - target), c),
    )
    return cache[best]
