"""Per-arm numbers: percentages against counts and denominators, arms against the
total, a ratio or difference against the two arm percentages, a relative reduction
against its ratio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from evisynth.audit.numbers import Num
from evisynth.audit.rules import (
    _EPS,
    Check,
    _g,
    _overlaps,
    _tol,
    make_check,
)

__all__ = [
    "arm_granularity_check",
    "arms_total_check",
    "percent_count_check",
    "reduction_check",
    "two_arm_check",
]


# ------------------------------------------------------------ percentages, counts


def percent_count_check(percent: Num | None, n: Num, count: Num | None) -> list[Check]:
    """Check a percentage against its count and denominator (or granularity alone).

    Parameters
    ----------
    percent
        Printed percentage (0-100), or ``None`` when only ``count/n`` is printed.
    n
        Denominator (whole number).
    count
        Count, or ``None`` for "7% of 224" (then only whole-number counts are tested).

    Returns
    -------
    list of Check
        ``count-le-denominator``, ``percent-count`` or ``percent-granularity``.

    References
    ----------
    Brown NJL, Heathers JAJ. The GRIM test. Soc Psychol Personal Sci 2017;8:363-369.

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> percent_count_check(n("7"), n("224"), None)[0].passed  # 15/224 = 6.7%
    True
    >>> percent_count_check(n("28.6"), n("162"), n("46"))[-1].passed  # 46/162 = 28.40%
    False
    """
    out: list[Check] = []
    nn = n.value
    if nn <= 0 or nn != int(nn):
        return out
    if count is not None:
        ok = count.value <= nn
        out.append(make_check(
            "count-le-denominator", ok, "inconsistent",
            f"{count.text} of {n.text}" + ("" if ok else ": the count exceeds the denominator"),
            nums=(count, n),
        ))  # fmt: skip
        if not ok or percent is None:
            return out
        exact = 100.0 * count.value / nn
        ok = percent.lo - _EPS <= exact <= percent.hi + _EPS
        out.append(make_check(
            "percent-count", ok, "inconsistent",
            f"{count.text}/{n.text} = {exact:.4g}%, "
            + (f"which rounds to {percent.text}%" if ok else f"not {percent.text}%"),
            tolerance=_tol(("percentage", percent)), nums=(percent, count, n),
            implied=(("percent", exact, exact),),
        ))  # fmt: skip
        return out
    if percent is None:
        return out
    k_lo = math.ceil(percent.lo * nn / 100.0 - _EPS)
    k_hi = math.floor(percent.hi * nn / 100.0 + _EPS)
    k_lo, k_hi = max(k_lo, 0), min(k_hi, int(nn))
    ok = k_lo <= k_hi
    near = round(percent.value * nn / 100.0)
    msg = (
        f"{percent.text}% of {n.text} is {k_lo}" + (f" to {k_hi}" if k_hi > k_lo else "")
        + f" of {n.text}" if ok else
        f"{percent.text}% of {n.text} is no whole number of patients: the nearest counts "
        f"give {100 * max(near - 1, 0) / nn:.3g}%, {100 * near / nn:.3g}% or "
        f"{100 * (near + 1) / nn:.3g}%"
    )  # fmt: skip
    out.append(make_check(
        "percent-granularity", ok, "inconsistent", msg,
        tolerance=_tol(("percentage", percent)), nums=(percent, n),
        implied=(("count", float(k_lo), float(k_hi)),) if ok else (),
    ))  # fmt: skip
    return out


def arms_total_check(total: Num, arms: Sequence[Num]) -> Check:
    """Check that arm sizes add up to the stated total.

    Parameters
    ----------
    total
        Stated number of patients.
    arms
        Stated arm sizes.

    Returns
    -------
    Check
        ``arms-sum``.

    References
    ----------
    CONSORT 2010 item 13a (numbers randomly assigned to each group).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> arms_total_check(n("310"), [n("150"), n("161")]).passed
    False
    """
    s = sum(a.value for a in arms)
    ok = abs(s - total.value) < 0.5
    parts = " + ".join(a.text for a in arms)
    return make_check(
        "arms-sum", ok, "inconsistent",
        f"{parts} = {s:g}"
        + (", the stated total" if ok else f", not the stated total {total.text}"),
        nums=(total, *arms), implied=(("total", s, s),),
    )  # fmt: skip


def arm_granularity_check(percent: Num, n: Num) -> Check:
    """Whether an arm's percentage can be a whole number of that arm's patients."""
    c = percent_count_check(percent, n, None)[0]
    return make_check(
        "arm-percent-granularity", c.passed, "implausible", c.message,
        tolerance=c.tolerance, spans=c.spans, implied=c.implied,
    )  # fmt: skip


def _frac(x: Num) -> tuple[float, float]:
    return max(x.lo / 100.0, 0.0), min(x.hi / 100.0, 1.0)


def two_arm_check(
    measure: str,
    est: Num,
    p1: Num,
    p2: Num,
    lb: Num | None = None,
    ub: Num | None = None,
) -> Check:
    """Check a RR, OR or risk difference against the two arm percentages.

    Parameters
    ----------
    measure
        ``RR``, ``OR`` or ``RD`` (difference in percentage points).
    est
        Reported ratio or difference.
    p1, p2
        Arm percentages, experimental arm first (as printed).
    lb, ub
        Optional confidence bounds of ``est``.

    Returns
    -------
    Check
        ``ratio-from-arms`` or ``difference-from-arms``.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed., ch. 4 (risk ratio,
    odds ratio, risk difference from two proportions).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> two_arm_check("RR", n("1.50"), n("45"), n("30")).passed
    True
    """
    a_lo, a_hi = _frac(p1)
    b_lo, b_hi = _frac(p2)

    def rng(x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> tuple[float, float]:
        if measure == "RD":
            return 100 * (x_lo - y_hi), 100 * (x_hi - y_lo)
        if measure == "RR":
            return (x_lo / y_hi if y_hi > 0 else math.inf), (x_hi / y_lo if y_lo > 0 else math.inf)

        def odds(v: float) -> float:
            return math.inf if v >= 1 else v / (1 - v)

        ox_lo, ox_hi, oy_lo, oy_hi = odds(x_lo), odds(x_hi), odds(y_lo), odds(y_hi)
        lo = 0.0 if math.isinf(oy_hi) else (ox_lo / oy_hi if oy_hi > 0 else math.inf)
        hi = math.inf if (math.isinf(ox_hi) or oy_lo <= 0) else ox_hi / oy_lo
        return lo, hi

    rule = "difference-from-arms" if measure == "RD" else "ratio-from-arms"
    lo, hi = rng(a_lo, a_hi, b_lo, b_hi)
    name = {"RD": "difference", "RR": "risk ratio", "OR": "odds ratio"}[measure]
    tol = _tol((measure, est), ("arm 1", p1), ("arm 2", p2))
    if _overlaps(est.lo, est.hi, lo, hi):
        return make_check(
            rule, True, "inconsistent",
            f"{measure} {est.text} fits {p1.text}% vs {p2.text}% "
            f"(implied {name} {_g(lo)} to {_g(hi)})",
            tolerance=tol, nums=(est, p1, p2), implied=((name, lo, hi),),
        )  # fmt: skip
    rlo, rhi = rng(b_lo, b_hi, a_lo, a_hi)  # the arms in the other order
    if _overlaps(est.lo, est.hi, rlo, rhi):
        return make_check(
            rule, False, "note",
            f"{measure} {est.text} fits {p2.text}% vs {p1.text}%, the arms in the reverse "
            f"of the printed order (printed order implies {_g(lo)} to {_g(hi)})",
            tolerance=tol, nums=(est, p1, p2), implied=((name, lo, hi),),
        )  # fmt: skip
    outside_ci = lb is not None and ub is not None and (hi < lb.lo or lo > ub.hi)
    sev = "inconsistent" if outside_ci or (lb is None and measure == "RD") else "implausible"
    extra = (
        ", outside the reported CI" if outside_ci else
        "; an adjusted or pooled estimate may differ from the crude one" if sev == "implausible"
        else ""
    )  # fmt: skip
    return make_check(
        rule, False, sev,
        f"{measure} {est.text} does not fit {p1.text}% vs {p2.text}%: they imply a {name} of "
        f"{_g(lo)} to {_g(hi)}{extra}",
        tolerance=tol, nums=(est, p1, p2, lb, ub), implied=((name, lo, hi),),
    )  # fmt: skip


def reduction_check(reduction: Num, measure: str, est: Num) -> Check:
    """A relative reduction in percent against ``1 - ratio`` of the ratio stated with it.

    Parameters
    ----------
    reduction
        The printed reduction in percent (``45`` for "45% lower risk").
    measure
        Ratio measure (``HR``, ``RR``, ``OR``, ``IRR``).
    est
        The printed ratio.

    Returns
    -------
    Check
        ``reduction-from-ratio`` (severity ``implausible`` on failure).

    References
    ----------
    Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed., ch. 4
    (relative risk reduction = 1 - RR).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> reduction_check(n("45"), "HR", n("0.55")).passed
    True
    """
    lo, hi = 100 * (1 - est.hi), 100 * (1 - est.lo)
    ok = _overlaps(lo, hi, reduction.lo, reduction.hi)
    return make_check(
        "reduction-from-ratio", ok, "implausible",
        f"{measure} {est.text} is a {_g(lo)}% to {_g(hi)}% reduction; the text states "
        f"{reduction.text}%",
        tolerance=_tol((measure, est), ("reduction", reduction)), nums=(reduction, est),
        implied=(("reduction", lo, hi),),
    )  # fmt: skip
