"""Survival numbers checked against each other: a hazard ratio against two landmark
survival percentages or two medians, and a median gain against the two medians.
"""

from __future__ import annotations

import math

from evisynth.audit.arm_rules import (
    _frac,
)
from evisynth.audit.numbers import Num
from evisynth.audit.rules import (
    Check,
    _g,
    _overlaps,
    _tol,
    make_check,
)

__all__ = ["hr_landmark_check", "hr_median_check", "median_gain_check"]


def hr_landmark_check(
    est: Num, lb: Num | None, ub: Num | None, s1: Num, s2: Num, time: str
) -> Check:
    """HR implied by two landmark survival percentages under proportional hazards.

    Parameters
    ----------
    est, lb, ub
        Reported hazard ratio (arm 1 vs arm 2) and CI bounds (may be ``None``).
    s1, s2
        Survival percentages of arm 1 and arm 2 at the same time point.
    time
        The time point, for the message (``"12 month"``).

    Returns
    -------
    Check
        ``hr-landmark-ph``, severity ``note`` if the implied HR lies outside the CI
        (or outside the estimate's rounding when there is no CI).

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220
    (S1 = S0^HR under proportional hazards).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> c = hr_landmark_check(n("0.50"), None, None, n("70"), n("49"), "12 month")
    >>> c.passed  # log 0.70 / log 0.49 = 0.4999
    True
    """
    a_lo, a_hi = _frac(s1)
    b_lo, b_hi = _frac(s2)
    if not (0 < a_lo and a_hi < 1 and 0 < b_lo and b_hi < 1):
        lo, hi = 0.0, math.inf
    else:
        lo = math.log(a_hi) / math.log(b_lo)
        hi = math.log(a_lo) / math.log(b_hi)
    ref = (lb.lo, ub.hi) if lb is not None and ub is not None else (est.lo, est.hi)
    ok = _overlaps(lo, hi, *ref)
    where = "its CI" if lb is not None else "its rounding"
    return make_check(
        "hr-landmark-ph", ok, "note",
        f"{time} survival {s1.text}% vs {s2.text}% implies HR {_g(lo)} to {_g(hi)} under "
        f"proportional hazards; reported HR {est.text}"
        + ("" if ok else
           f" (outside {where}: hazards may not be proportional, or a number is off)"),
        tolerance=_tol(("HR", est), ("arm 1", s1), ("arm 2", s2)),
        nums=(est, lb, ub, s1, s2), implied=(("HR", lo, hi),),
    )  # fmt: skip


def hr_median_check(est: Num, lb: Num | None, ub: Num | None, m1: Num, m2: Num) -> Check:
    """HR implied by two medians under exponential survival (``HR = m2 / m1``).

    Parameters
    ----------
    est, lb, ub
        Reported hazard ratio (arm 1 vs arm 2) and CI bounds (may be ``None``).
    m1, m2
        Median times of arm 1 and arm 2 (same unit).

    Returns
    -------
    Check
        ``hr-median-exponential`` (severity ``note`` on failure).

    References
    ----------
    Tierney JF et al. Practical methods for incorporating summary time-to-event data
    into meta-analysis. Trials 2007;8:16 (median ratio under exponential survival).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> hr_median_check(n("0.5"), None, None, n("20.0"), n("10.0")).passed
    True
    """
    lo = m2.lo / m1.hi if m1.hi > 0 else math.inf
    hi = m2.hi / m1.lo if m1.lo > 0 else math.inf
    ref = (lb.lo, ub.hi) if lb is not None and ub is not None else (est.lo, est.hi)
    ok = _overlaps(lo, hi, *ref)
    return make_check(
        "hr-median-exponential", ok, "note",
        f"medians {m1.text} vs {m2.text} imply HR {_g(lo)} to {_g(hi)} under exponential "
        f"survival; reported HR {est.text}" + ("" if ok else " (survival may not be exponential)"),
        tolerance=_tol(("HR", est), ("median 1", m1), ("median 2", m2)),
        nums=(est, lb, ub, m1, m2), implied=(("HR", lo, hi),),
    )  # fmt: skip


def median_gain_check(gain: Num, s1: Num, s2: Num, t: float, unit: str) -> Check:
    """Gain in median survival implied by two landmark rates under exponential survival."""
    a_lo, a_hi = _frac(s1)
    b_lo, b_hi = _frac(s2)
    if not (0 < a_lo and a_hi < 1 and 0 < b_lo and b_hi < 1):
        return make_check("median-gain-landmark", True, "note", "rates at 0% or 100%: not compared")

    def med(s: float) -> float:
        return t * math.log(2) / -math.log(s)

    lo = med(a_lo) - med(b_hi)
    hi = med(a_hi) - med(b_lo)
    ok = _overlaps(lo, hi, gain.lo, gain.hi)
    return make_check(
        "median-gain-landmark", ok, "note",
        f"{t:g}-{unit} rates {s1.text}% vs {s2.text}% imply a gain in median of {_g(lo)} to "
        f"{_g(hi)} {unit}s under exponential survival; the text states {gain.text} {unit}s",
        tolerance=_tol(("gain", gain), ("arm 1", s1), ("arm 2", s2)),
        nums=(gain, s1, s2), implied=(("median gain", lo, hi),),
    )  # fmt: skip
