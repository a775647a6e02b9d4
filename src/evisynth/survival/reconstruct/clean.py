"""Step 1 of the reconstruction: clean the digitised curve and the numbers-at-risk table.

Every change made to the inputs (sorting, clipping, monotone repair, merged
times) is reported in the result's ``changes``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evisynth._validation import FloatArray, describe
from evisynth.errors import InputError

__all__ = ["CleanedAtRisk", "CleanedCurve", "clean_at_risk", "clean_curve"]


_SCALES = ("proportion", "percent")


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
