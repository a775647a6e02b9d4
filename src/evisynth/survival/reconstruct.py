"""Reconstruct individual patient data from a published Kaplan–Meier curve.

The algorithm is that of Guyot, Ades, Ouwens & Welton (2012), written here from
the paper's description:

1. Clean the digitised points (:func:`clean_curve`) and the numbers-at-risk
   table (:func:`clean_at_risk`), reporting every change.
2. Split the curve at the at-risk times ``t_i``; each interval starts at the
   click at ``t_i`` (a point is inserted there on the flat curve if needed).
3. For each interval but the last, guess the number censored from the drop in
   the curve, ``c = round(n_i S(t_{i+1}) / S(t_i) - n_{i+1})``, spread the
   censorings evenly over the interval, and invert the KM recursion click by
   click: ``d_k = round(n_k (1 - S_k / KM_last))``, ``KM_k = KM_last (1 - d_k / n_k)``,
   ``n_{k+1} = n_k - d_k - c_k``. Correct ``c`` by the miss on the published
   ``n_{i+1}`` and repeat until it is hit (or cannot be: then the reconstructed
   count is kept and reported).
4. Last interval: with a total event count ``D``, the censoring is chosen so the
   reconstructed events add up to ``D`` as closely as possible; otherwise it
   is the average censoring per unit time of the earlier intervals (Guyot's
   assumption), or none at all when there is no at-risk table.
5. Events are placed at their click times, censorings at their evenly spread
   times; everyone still at risk at the end is censored at the last click.

An addition to Guyot's method (evisynth's own; used only with an at-risk
table): after step 3/4 each interval is also tried *exactly*. Every drop of the
curve is matched to whole numbers (d events among n at risk) that reproduce the
clicked survival to within the rounding of the input (half its last decimal),
and a small dynamic programme picks the consistent sequence with the fewest
events (then the one closest to Guyot's numbers at risk). When the clicks are
the exact step corners of a KM curve this recovers the events at every time and
the numbers at risk exactly; when no consistent sequence exists (real, noisy
digitisations) Guyot's result is kept. ``changes`` says how many intervals were
resolved exactly.

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
survival data: reconstructing the data from published Kaplan-Meier survival
curves. BMC Med Res Methodol 2012;12:9. doi:10.1186/1471-2288-12-9
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evisynth._validation import FloatArray, check_whole, describe
from evisynth.errors import InputError
from evisynth.survival.km import kaplan_meier

__all__ = [
    "CleanedAtRisk",
    "CleanedCurve",
    "Reconstruction",
    "ReconstructionDiagnostics",
    "clean_at_risk",
    "clean_curve",
    "reconstruct_ipd",
]

_SCALES = ("proportion", "percent")


# ---------------------------------------------------------------------------
# input cleaning
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class CleanedCurve:
    """Digitised curve after cleaning: sorted, within [0, 1], non-increasing,
    starting at (0, 1). ``changes`` lists, in words, everything that was altered."""

    time: FloatArray
    survival: FloatArray
    changes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class CleanedAtRisk:
    """Numbers-at-risk table after cleaning (starts at time 0, non-increasing)."""

    time: FloatArray
    n_risk: np.ndarray
    changes: tuple[str, ...]


def _column(table: Any, col: str, arg: str) -> FloatArray:
    if isinstance(table, pd.DataFrame):
        cols = {str(c).strip().lower(): c for c in table.columns}
        if col not in cols:
            raise InputError(
                f"argument {arg!r}: no column {col!r} (columns are {list(table.columns)}); "
                f"name the columns {'time, survival' if arg == 'curve' else 'time, n_risk'}",
                where=f"{arg}:{col}",
            )
        raw = table[cols[col]]
    elif isinstance(table, Mapping):
        if col not in table:
            raise InputError(f"argument {arg!r}: no key {col!r}", where=f"{arg}:{col}")
        raw = table[col]
    else:
        raise InputError(
            f"argument {arg!r}: expected a DataFrame with columns "
            f"{'time, survival' if arg == 'curve' else 'time, n_risk'}, got {type(table).__name__}",
            where=arg,
        )
    cells = list(np.asarray(raw, dtype=object).ravel())
    for i, cell in enumerate(cells):
        ok = isinstance(cell, numbers.Real) and not isinstance(cell, bool | np.bool_)
        try:
            good = ok and math.isfinite(float(cell))
        except OverflowError:
            good = False
        if not good:
            raise InputError(
                f"argument {arg!r}, row {i + 1}, column {col!r}: {describe(cell)} is not a "
                "finite number",
                where=f"{arg}:{i + 1}:{col}",
            )
    return np.asarray(cells, dtype=np.float64)


def _pava_decreasing(y: FloatArray) -> FloatArray:
    """Least-squares non-increasing fit (pool-adjacent-violators)."""
    vals: list[float] = []
    wts: list[int] = []
    for v in y.tolist():
        vals.append(v)
        wts.append(1)
        while len(vals) > 1 and vals[-2] < vals[-1]:
            w = wts[-2] + wts[-1]
            m = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w
            vals[-2:] = [m]
            wts[-2:] = [w]
    return np.repeat(np.array(vals), np.array(wts))


def clean_curve(
    curve: Any,
    *,
    scale: str = "proportion",
    max_increase: float = 0.02,
    time_tolerance: float = 0.01,
) -> CleanedCurve:
    """Clean digitised Kaplan–Meier coordinates and say what was changed.

    Repairs (each reported in ``changes``): percent scale, values a little
    outside [0, 1] (by at most ``max_increase``) clipped, small negative times
    set to 0, points sorted by time (drops: upper corner first), exact duplicate
    clicks removed, a missing ``(0, 1)`` start added (or a start just below 1 set
    to 1), and small increases of the curve removed by isotonic (pool-adjacent-
    violators) regression.

    Parameters
    ----------
    curve
        DataFrame (or mapping) with columns ``time`` and ``survival``.
    scale
        ``"proportion"`` (0–1) or ``"percent"`` (0–100).
    max_increase
        Largest rise of the curve (and excursion outside [0, 1]) treated as
        digitising noise, on the 0–1 scale.
    time_tolerance
        Horizontal digitising noise, as a fraction of the largest time.

    Returns
    -------
    CleanedCurve

    Raises
    ------
    InputError
        Missing columns, non-numbers, fewer than two points, survival outside
        [0, 1] by more than ``max_increase``, values that look like percent with
        ``scale="proportion"``, times below 0 by more than 1% of the time range,
        a rise of the curve larger than ``max_increase``.

    Examples
    --------
    >>> c = clean_curve(pd.DataFrame({"time": [2, 1, 3], "survival": [0.8, 0.9, 0.81]}))
    >>> c.time.tolist(), [round(float(s), 3) for s in c.survival]
    ([0.0, 1.0, 2.0, 3.0], [1.0, 0.9, 0.805, 0.805])
    """
    if scale not in _SCALES:
        raise InputError(f"argument 'scale': {scale!r} is not one of {_SCALES}", where="scale")
    if not 0 <= max_increase < 0.5:
        raise InputError("argument 'max_increase': must be in [0, 0.5)", where="max_increase")
    t = _column(curve, "time", "curve")
    s = _column(curve, "survival", "curve")
    rows = np.arange(1, len(t) + 1)
    changes: list[str] = []
    if len(t) < 2:
        raise InputError(
            f"argument 'curve': has {len(t)} point(s); a curve needs at least two",
            where="curve",
        )
    if scale == "percent":
        s = s / 100.0
    elif s.max() > 1.5 and s.max() <= 100 + 100 * max_increase:
        raise InputError(
            f"argument 'curve', column 'survival': values go up to {s.max():g}, which looks "
            "like percent; pass scale='percent' (or divide by 100)",
            where="curve:survival",
        )
    hi = np.flatnonzero(s > 1 + max_increase)
    lo = np.flatnonzero(s < -max_increase)
    for idx, what in ((hi, "above 1"), (lo, "below 0")):
        if idx.size:
            i = int(idx[0])
            raise InputError(
                f"argument 'curve', row {rows[i]}, column 'survival': {s[i]:g} is {what} "
                f"by more than the digitising tolerance {max_increase:g}; survival must be "
                "a proportion in [0, 1]",
                where=f"curve:{rows[i]}:survival",
            )
    n_clip = int(((s > 1) | (s < 0)).sum())
    if n_clip:
        s = np.clip(s, 0.0, 1.0)
        changes.append(f"clipped {n_clip} survival value(s) slightly outside [0, 1]")
    span = max(float(t.max()), 0.0)
    neg = np.flatnonzero(t < 0)
    if neg.size:
        i = int(neg[np.argmin(t[neg])])
        if t[i] < -0.01 * span or span == 0:
            raise InputError(
                f"argument 'curve', row {rows[i]}, column 'time': {t[i]:g} is before time 0; "
                "times must be 0 or later",
                where=f"curve:{rows[i]}:time",
            )
        t = np.where(t < 0, 0.0, t)
        changes.append(f"set {neg.size} slightly negative time(s) to 0")
    order = np.lexsort((-s, t))
    if not np.array_equal(order, np.arange(len(t))):
        moved = int((order != np.arange(len(t))).sum())
        changes.append(f"sorted the points by time ({moved} were out of order)")
    t, s, rows = t[order], s[order], rows[order]
    gap = time_tolerance * span
    aligned = 0
    for _ in range(len(t)):
        swap = np.flatnonzero((np.diff(s) > 0) & (np.diff(t) <= gap) & (np.diff(t) > 0))
        if not swap.size:
            break
        for j in swap.tolist():
            t[j + 1] = t[j]
            aligned += 1
        order = np.lexsort((-s, t))
        t, s, rows = t[order], s[order], rows[order]
    if aligned:
        changes.append(
            f"put {aligned} pair(s) of drop corners clicked in the wrong horizontal order "
            f"(less than {gap:.4g} apart) at one time"
        )
    if t[0] > 0:
        t, s, rows = np.r_[0.0, t], np.r_[1.0, s], np.r_[0, rows]
        changes.append("added the missing start point (0, 1)")
    elif s[0] < 1:
        if s[0] >= 1 - max_increase:
            changes.append(f"set the survival at time 0 from {s[0]:g} to 1")
            s = s.copy()
            s[0] = 1.0
        else:
            t, s, rows = np.r_[0.0, t], np.r_[1.0, s], np.r_[0, rows]
            changes.append("added the start point (0, 1) before a drop at time 0")
    runmin = np.minimum.accumulate(s)
    rise = s - np.r_[s[0], runmin[:-1]]
    if (rise > max_increase).any():
        i = int(np.argmax(rise))
        raise InputError(
            f"argument 'curve', row {rows[i]}: survival rises to {s[i]:g} at time {t[i]:g} "
            f"after having been {runmin[i - 1]:g}; a Kaplan–Meier curve never increases and "
            f"this rise is larger than the digitising tolerance {max_increase:g} — check the "
            "clicks (a point from another curve?) or raise max_increase",
            where=f"curve:{rows[i]}:survival",
        )
    if (rise > 0).any():
        fitted = _pava_decreasing(s)
        fitted[0] = 1.0 if s[0] == 1.0 else fitted[0]
        fitted = np.minimum.accumulate(fitted)
        n_ch = int((np.abs(fitted - s) > 1e-12).sum())
        changes.append(
            f"made the curve non-increasing (isotonic regression): {n_ch} value(s) changed, "
            f"by at most {np.abs(fitted - s).max():.4g}"
        )
        s = fitted
    dup = np.zeros(len(t), dtype=bool)
    dup[1:] = (np.diff(t) == 0) & (np.diff(s) == 0)
    if dup.any():
        changes.append(f"removed {int(dup.sum())} duplicate point(s)")
        t, s, rows = t[~dup], s[~dup], rows[~dup]
    if t[-1] <= 0:
        raise InputError(
            "argument 'curve': every point is at time 0; a curve needs follow-up time",
            where="curve",
        )
    return CleanedCurve(time=t, survival=s, changes=tuple(changes))


def clean_at_risk(
    at_risk: Any, *, n: int | None = None, last_time: float | None = None
) -> CleanedAtRisk:
    """Check and tidy a numbers-at-risk table (columns ``time``, ``n_risk``).

    Repairs (reported): rows sorted by time, repeated identical rows dropped, a
    missing time-0 row added from ``n``, rows after the curve's last time or
    after the first zero dropped.

    Raises
    ------
    InputError
        Negative times, counts that are negative or not whole numbers, counts that
        grow over time, two different counts for one time, no time-0 row and no
        ``n``, ``n`` disagreeing with the time-0 count.

    Examples
    --------
    >>> r = clean_at_risk(pd.DataFrame({"time": [0, 6, 12], "n_risk": [100, 60, 31]}))
    >>> r.n_risk.tolist()
    [100, 60, 31]
    """
    t = _column(at_risk, "time", "at_risk")
    m = _column(at_risk, "n_risk", "at_risk")
    rows = np.arange(1, len(t) + 1)
    changes: list[str] = []
    if len(t) == 0:
        raise InputError("argument 'at_risk': the table is empty", where="at_risk")
    for i in range(len(t)):
        if t[i] < 0:
            raise InputError(
                f"argument 'at_risk', row {i + 1}, column 'time': {t[i]:g} is before time 0",
                where=f"at_risk:{i + 1}:time",
            )
        if m[i] < 0 or m[i] != np.round(m[i]):
            raise InputError(
                f"argument 'at_risk', row {i + 1}, column 'n_risk': {m[i]:g} is not a whole "
                "number of patients (0 or more)",
                where=f"at_risk:{i + 1}:n_risk",
            )
    order = np.argsort(t, kind="stable")
    if not np.array_equal(order, np.arange(len(t))):
        changes.append("sorted the at-risk table by time")
    t, m, rows = t[order], m[order], rows[order]
    same_t = np.r_[False, np.diff(t) == 0]
    if same_t.any():
        i = int(np.flatnonzero(same_t)[0])
        if (m[same_t] != m[np.flatnonzero(same_t) - 1]).any():
            raise InputError(
                f"argument 'at_risk', rows {rows[i - 1]} and {rows[i]}: time {t[i]:g} appears "
                "twice with different counts; keep one",
                where=f"at_risk:{rows[i]}:time",
            )
        changes.append(f"removed {int(same_t.sum())} repeated at-risk row(s)")
        t, m, rows = t[~same_t], m[~same_t], rows[~same_t]
    grow = np.flatnonzero(np.diff(m) > 0)
    if grow.size:
        i = int(grow[0]) + 1
        raise InputError(
            f"argument 'at_risk', row {rows[i]}: {int(m[i])} at risk at time {t[i]:g} is more "
            f"than {int(m[i - 1])} at time {t[i - 1]:g}; numbers at risk can only fall",
            where=f"at_risk:{rows[i]}:n_risk",
        )
    if t[0] > 0:
        if n is None:
            raise InputError(
                "argument 'at_risk': the table does not start at time 0; add the time-0 row "
                "or give n (the number of patients in the arm)",
                where="at_risk",
            )
        if n < m[0]:
            raise InputError(
                f"argument 'n': {n} patients is fewer than the {int(m[0])} at risk at "
                f"time {t[0]:g}",
                where="n",
            )
        t, m = np.r_[0.0, t], np.r_[float(n), m]
        changes.append(f"added the time-0 row of the at-risk table from n = {n}")
    elif n is not None and int(m[0]) != n:
        raise InputError(
            f"argument 'n': {n} disagrees with the {int(m[0])} at risk at time 0 in the "
            "at-risk table; give one or make them agree",
            where="n",
        )
    zero = np.flatnonzero(m == 0)
    if zero.size and zero[0] + 1 < len(m):
        k = int(zero[0]) + 1
        changes.append(f"dropped {len(m) - k} at-risk row(s) after the count reached 0")
        t, m = t[:k], m[:k]
    if last_time is not None:
        beyond = t > last_time
        if beyond.any():
            changes.append(
                f"dropped {int(beyond.sum())} at-risk row(s) after the curve's last time "
                f"{last_time:g}"
            )
            t, m = t[~beyond], m[~beyond]
    if m[0] == 0:
        raise InputError("argument 'at_risk': no patients at risk at time 0", where="at_risk")
    return CleanedAtRisk(time=t, n_risk=m.astype(int), changes=tuple(changes))


# ---------------------------------------------------------------------------
# reconstruction
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ReconstructionDiagnostics:
    """How well the reconstructed data reproduce the inputs.

    ``curve_max_abs_error``/``curve_rmse``/``curve_mean_abs_error``: KM of the
    reconstructed data against the cleaned digitised survival at every click.
    ``at_risk_time``/``at_risk_published``/``at_risk_reconstructed``: the table
    against the reconstructed numbers at risk (``None`` without a table).
    """

    n_patients: int
    n_events: int
    total_events_given: int | None
    curve_max_abs_error: float
    curve_rmse: float
    curve_mean_abs_error: float
    at_risk_time: tuple[float, ...] | None
    at_risk_published: tuple[int, ...] | None
    at_risk_reconstructed: tuple[int, ...] | None
    at_risk_max_abs_diff: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_patients": self.n_patients,
            "n_events": self.n_events,
            "total_events_given": self.total_events_given,
            "curve_max_abs_error": self.curve_max_abs_error,
            "curve_rmse": self.curve_rmse,
            "curve_mean_abs_error": self.curve_mean_abs_error,
            "at_risk_time": None if self.at_risk_time is None else list(self.at_risk_time),
            "at_risk_published": None
            if self.at_risk_published is None
            else list(self.at_risk_published),
            "at_risk_reconstructed": None
            if self.at_risk_reconstructed is None
            else list(self.at_risk_reconstructed),
            "at_risk_max_abs_diff": self.at_risk_max_abs_diff,
        }


@dataclass(frozen=True, eq=False)
class Reconstruction:
    """Reconstructed patient data for one arm.

    Attributes
    ----------
    ipd
        DataFrame ``time, event`` (1 = event, 0 = censored), one row per patient.
    table
        Per click: ``time, survival`` (cleaned input), ``n_risk, n_event, n_censor``.
    case
        Which inputs were used: ``"at_risk+events"``, ``"at_risk"``, ``"n+events"``, ``"n"``.
    changes
        Every repair made to the inputs, and every assumption forced by them.
    diagnostics
        :class:`ReconstructionDiagnostics`.
    """

    ipd: pd.DataFrame
    table: pd.DataFrame
    case: str
    changes: tuple[str, ...]
    diagnostics: ReconstructionDiagnostics

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "changes": list(self.changes),
            "diagnostics": self.diagnostics.to_dict(),
            "ipd": {
                "time": self.ipd["time"].tolist(),
                "event": self.ipd["event"].astype(int).tolist(),
            },
        }


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


MAX_PATIENTS = 1_000_000
"""Largest arm that :func:`reconstruct_ipd` reconstructs (memory grows with the patients)."""


def reconstruct_ipd(
    curve: Any,
    at_risk: Any = None,
    total_events: int | None = None,
    n: int | None = None,
    *,
    scale: str = "proportion",
    max_increase: float = 0.02,
    time_tolerance: float = 0.01,
) -> Reconstruction:
    """Reconstruct patient-level ``(time, event)`` data from a digitised KM curve.

    Parameters
    ----------
    curve
        DataFrame with columns ``time`` and ``survival`` (the digitised clicks;
        ideally both corners of every step).
    at_risk
        Optional numbers-at-risk table, DataFrame with columns ``time``, ``n_risk``.
    total_events
        Optional total number of events in the arm (``D``).
    n
        Number of patients; required without an at-risk table, optional with one
        (then it must agree with the time-0 count, or supplies it).
    scale
        ``"proportion"`` or ``"percent"`` for the survival column.
    max_increase, time_tolerance
        Digitising tolerances, see :func:`clean_curve`.

    Returns
    -------
    Reconstruction
        ``.ipd`` (DataFrame ``time, event``), ``.changes``, ``.diagnostics``.

    Raises
    ------
    InputError
        Bad curve or table (see :func:`clean_curve`, :func:`clean_at_risk`),
        neither table nor ``n``, ``total_events`` negative or above the arm size.

    Examples
    --------
    >>> curve = pd.DataFrame({"time": [0, 1, 1, 2, 2, 3],
    ...                       "survival": [1, 1, 0.9, 0.9, 0.8, 0.8]})
    >>> rec = reconstruct_ipd(curve, n=10, total_events=2)
    >>> int(rec.ipd["event"].sum()), len(rec.ipd)
    (2, 10)

    References
    ----------
    Guyot P et al. BMC Med Res Methodol 2012;12:9.
    """
    cc = clean_curve(curve, scale=scale, max_increase=max_increase, time_tolerance=time_tolerance)
    changes = list(cc.changes)
    T, S = cc.time.copy(), cc.survival.copy()
    if n is not None:
        n = check_whole("n", n, lo=1, hi=MAX_PATIENTS)
    if at_risk is not None:
        ar = clean_at_risk(at_risk, n=n, last_time=float(T[-1]))
        changes += list(ar.changes)
        nar_t, nar_n = ar.time, ar.n_risk.copy()
        case = "at_risk"
    else:
        if n is None:
            raise InputError(
                "argument 'n': without an at-risk table give n, the number of patients in the arm",
                where="n",
            )
        nar_t, nar_n = np.array([0.0]), np.array([n])
        case = "n"
    n_total = int(nar_n[0])
    if n_total > MAX_PATIENTS:
        raise InputError(
            f"argument 'at_risk': {n_total} patients at time 0; at most {MAX_PATIENTS} "
            "patients per arm can be reconstructed",
            where="at_risk",
        )
    if total_events is not None:
        total_events = check_whole("total_events", total_events, lo=0, hi=n_total)
        case += "+events"

    # make every at-risk time a click (the curve is flat up to it from the last click)
    inserted = 0
    for ti in nar_t[1:]:
        if not np.any(T == ti):
            j = int(np.searchsorted(T, ti, side="right"))
            T = np.insert(T, j, ti)
            S = np.insert(S, j, S[j - 1])
            inserted += 1
    if inserted:
        changes.append(
            f"inserted {inserted} point(s) on the flat curve at the at-risk table times"
        )
    stol = _rounding_tolerance(cc.survival)
    lower = [int(np.searchsorted(T, ti, side="left")) for ti in nar_t]
    K, n_int = len(T), len(nar_t)
    d_all = np.zeros(K, dtype=int)
    c_all = np.zeros(K, dtype=int)
    cen_all: list[list[float]] = [[] for _ in range(K)]
    km_last = 1.0
    n_start = n_total
    c_prev = 0
    n_exact = 0
    for i in range(n_int):
        lo = lower[i]
        hi = lower[i + 1] - 1 if i + 1 < n_int else K - 1
        if i + 1 < n_int:
            res = _solve_interval(
                S, T, lo, hi, float(nar_t[i + 1]), n_start, int(nar_n[i + 1]), km_last
            )
            exact = _exact_interval(
                S, T, lo, hi, n_start, int(nar_n[i + 1]), float(nar_t[i + 1]), res.n_hat,
                km_last, stol=stol,
            )
            if exact is not None:
                res = exact
                n_exact += 1
            if res.n_end != nar_n[i + 1]:
                changes.append(
                    f"at-risk count at time {nar_t[i + 1]:g} cannot be matched: published "
                    f"{int(nar_n[i + 1])}, reconstructed {res.n_end} (the curve and the table "
                    "disagree); kept the reconstructed count"
                )
            c_prev += int(res.cen.sum())
        else:
            if total_events is not None:
                target = total_events - int(d_all.sum())
                res = _solve_last_with_events(S, T, lo, hi, n_start, target, km_last)
            else:
                if n_int > 1:
                    span_prev = float(nar_t[-1] - nar_t[0])
                    c = int(np.floor(c_prev * float(T[hi] - nar_t[-1]) / span_prev + 0.5))
                    c = min(max(c, 0), n_start)
                    changes.append(
                        f"no total event count: assumed {c} censoring(s) after time "
                        f"{nar_t[-1]:g} (same censoring rate as before it)"
                    )
                else:
                    c = 0
                    changes.append(
                        "no at-risk table and no total event count: assumed no censoring "
                        "before the end of the curve (this over-states the numbers at risk)"
                    )
                res = _run(S, lo, hi, n_start, _spread(c, T[lo], T[hi], T, lo, hi), km_last)
            if at_risk is not None:
                left = None if total_events is None else total_events - int(d_all.sum())
                exact = _exact_interval(
                    S, T, lo, hi, n_start, None, float(T[hi]), res.n_hat, km_last, left,
                    stol=stol,
                )
                if exact is not None and (
                    total_events is None or int(d_all.sum() + exact.d.sum()) == total_events
                ):
                    res = exact
                    n_exact += 1
        d_all[lo : hi + 1] = res.d
        c_all[lo : hi + 1] = res.cen
        for j, ct in enumerate(res.cen_times):
            cen_all[lo + j] = ct
        km_last = res.km_last
        n_start = res.n_end
    if n_exact:
        changes.append(
            f"{n_exact} of {n_int} interval(s) resolved exactly (every drop matched whole "
            "numbers of events and patients at risk, or the curve was flat); Guyot's "
            "approximation used in the others"
        )
    if total_events is not None and int(d_all.sum()) != total_events:
        changes.append(
            f"the curve cannot give exactly {total_events} events: reconstructed "
            f"{int(d_all.sum())}"
        )
    # build the patient table
    ev_times = np.repeat(T, d_all)
    cen_times = np.array([x for lst in cen_all for x in lst], dtype=float)
    end_cens = np.full(n_start, T[-1])
    ipd = pd.DataFrame(
        {
            "time": np.concatenate([ev_times, cen_times, end_cens]),
            "event": np.concatenate(
                [np.ones(len(ev_times), int), np.zeros(len(cen_times) + n_start, int)]
            ),
        }
    )
    ipd = ipd.sort_values(["time", "event"], ascending=[True, False], kind="stable")
    ipd = ipd.reset_index(drop=True)
    n_risk_click = n_total - np.concatenate([[0], np.cumsum(d_all + c_all)[:-1]])
    table = pd.DataFrame(
        {
            "time": T,
            "survival": S,
            "n_risk": n_risk_click,
            "n_event": d_all,
            "n_censor": c_all,
        }
    )
    # diagnostics
    km = kaplan_meier(ipd["time"], ipd["event"])
    # distance from each click to the reconstructed step function (a click may sit
    # anywhere on a vertical drop, so compare with both S(t-) and S(t))
    s_right = km.survival_function(T)
    idx_left = np.searchsorted(km.time, T, side="left") - 1
    s_left = np.where(idx_left >= 0, km.survival[np.maximum(idx_left, 0)], 1.0)
    lo_s, hi_s = np.minimum(s_left, s_right), np.maximum(s_left, s_right)
    err = np.maximum.reduce([lo_s - S, S - hi_s, np.zeros_like(S)])
    if at_risk is not None:
        tt = ipd["time"].to_numpy()
        nar_recon = tuple(int((tt >= x).sum()) for x in nar_t)
        ar_diag: tuple[Any, ...] = (
            tuple(float(x) for x in nar_t),
            tuple(int(x) for x in nar_n),
            nar_recon,
            int(np.max(np.abs(np.array(nar_recon) - nar_n))),
        )
    else:
        ar_diag = (None, None, None, None)
    diag = ReconstructionDiagnostics(
        n_patients=len(ipd),
        n_events=int(ipd["event"].sum()),
        total_events_given=total_events,
        curve_max_abs_error=float(err.max()),
        curve_rmse=float(np.sqrt(np.mean(err**2))),
        curve_mean_abs_error=float(err.mean()),
        at_risk_time=ar_diag[0],
        at_risk_published=ar_diag[1],
        at_risk_reconstructed=ar_diag[2],
        at_risk_max_abs_diff=ar_diag[3],
    )
    return Reconstruction(ipd=ipd, table=table, case=case, changes=tuple(changes), diagnostics=diag)
