"""Audit numbers that are already parsed (a review's input rows, published claims).

Each function takes the numbers as printed: strings keep their digits (``"0.60"``
has two decimals, so its tolerance is ``[0.595, 0.605]``); floats are read through
their shortest representation (``0.6`` -> one decimal, a wider tolerance). P-values
may be text (``"<0.001"``, ``"= 0.03"``) or numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evisynth.audit import checks as ck
from evisynth.audit.numbers import Num, as_num, normalize, parse_number, parse_p
from evisynth.audit.report import AuditReport
from evisynth.errors import InputError

__all__ = [
    "as_p",
    "check_arms",
    "check_icer",
    "check_interval",
    "check_percent",
    "check_ratio",
    "check_two_arms",
]

_RATIOS = ("HR", "RR", "OR", "IRR")


def as_p(value: Any, name: str = "p") -> Num:
    """A p-value given as text (``"<0.001"``, ``"p = .03"``, ``"0.04 (one-sided)"``) or number.

    Parameters
    ----------
    value
        The p-value; text may start with ``p``, a relation (``<``, ``≤``, ``=``...).
    name
        Argument name for errors.

    Returns
    -------
    Num
        The interval of p-values consistent with the text.

    Raises
    ------
    InputError
        If the value is not a p-value in [0, 1].

    References
    ----------
    Rounding to the nearest unit of the last digit (ISO 80000-1, Annex B).

    Examples
    --------
    >>> (as_p("<0.001").lo, as_p("<0.001").hi)
    (0.0, 0.001)
    >>> as_p(0.03).hi
    0.035
    """
    if isinstance(value, Num):
        return value
    if isinstance(value, str):
        s = normalize(value).strip()
        m = re.match(
            r"(?i)^\s*(?:p(?:\s*-?\s*value)?)?\s*(≤|≥|<=|>=|<|>|=)?\s*(\d*\.?\d+(?:[eE]-?\d+)?)", s
        )
        if m is None:
            raise InputError(f"argument {name!r}: {value!r:.40} is not a p-value", where=name)
        p = parse_p(m.group(2), m.group(1) or "=")
    else:
        n = as_num(name, value)
        p = parse_p(n.text, "=")
    if not 0 <= p.value <= 1:
        raise InputError(f"argument {name!r}: {value!r} is outside [0, 1]", where=name)
    return p


def _report(source: str, checks: Sequence[ck.Check]) -> AuditReport:
    return AuditReport(source, 0, (), tuple(checks))


def check_ratio(
    estimate: Any,
    ci_lb: Any = None,
    ci_ub: Any = None,
    p: Any = None,
    *,
    measure: str = "HR",
    level: float = 95.0,
    one_sided: bool = False,
    source: str = "ratio",
) -> AuditReport:
    """Audit a reported ratio (HR, RR, OR, IRR) with its CI and/or p-value.

    Parameters
    ----------
    estimate
        Ratio as printed (``"0.55"``) or a number.
    ci_lb, ci_ub
        Confidence bounds, or ``None``.
    p
        P-value (text such as ``"<0.001"`` or a number), or ``None``.
    measure
        ``HR``, ``RR``, ``OR`` or ``IRR``.
    level
        Confidence level in percent.
    one_sided
        The source calls its p-value one-sided.
    source
        Label of the report.

    Returns
    -------
    AuditReport
        Checks ``ci-order``, ``ci-contains-estimate``, ``ci-log-symmetric``, ``p-fits-ci``.

    Raises
    ------
    InputError
        For a non-numeric value, an unknown measure, or only one CI bound.

    References
    ----------
    Altman DG, Bland JM. How to obtain the P value from a confidence interval.
    BMJ 2011;343:d2304.

    Examples
    --------
    >>> r = check_ratio("0.68", "0.54", "0.86", "0.001")
    >>> r.consistent
    True
    >>> check_ratio("0.81", "0.67", "0.99", "0.02").findings[0].severity  # fits one-sided only
    'implausible'
    """
    m = str(measure).upper()
    if m not in _RATIOS:
        raise InputError(f"argument 'measure': {measure!r} is not one of {', '.join(_RATIOS)}",
                         where="measure")  # fmt: skip
    if (ci_lb is None) != (ci_ub is None):
        raise InputError("arguments 'ci_lb', 'ci_ub': give both bounds or neither",
                         where="ci_lb,ci_ub")  # fmt: skip
    est = as_num("estimate", estimate)
    lb = None if ci_lb is None else as_num("ci_lb", ci_lb)
    ub = None if ci_ub is None else as_num("ci_ub", ci_ub)
    pv = None if p is None else as_p(p)
    checks = ck.ratio_checks(m, est, lb, ub, pv, level=float(level),
                             sided="one" if one_sided else None)  # fmt: skip
    return _report(source, checks)


def check_interval(
    estimate: Any, ci_lb: Any, ci_ub: Any, *, source: str = "interval"
) -> AuditReport:
    """Audit an estimate that is not a ratio (a proportion, a mean) against its interval.

    Only order and containment are checked: such intervals need not be symmetric.

    Parameters
    ----------
    estimate, ci_lb, ci_ub
        As printed.
    source
        Label of the report.

    Returns
    -------
    AuditReport
        ``ci-order`` and ``ci-contains-estimate``.

    Raises
    ------
    InputError
        For a non-numeric value.

    References
    ----------
    Altman DG et al. Statistics with Confidence, 2nd ed., BMJ Books 2000, ch. 3.

    Examples
    --------
    >>> check_interval("0.40", "0.15", "0.65").consistent
    True
    >>> check_interval("0.70", "0.15", "0.65").findings[0].rule
    'ci-contains-estimate'
    """
    est, lb, ub = as_num("estimate", estimate), as_num("ci_lb", ci_lb), as_num("ci_ub", ci_ub)
    ordered = lb.lo < ub.hi
    out = [ck.make_check(
        "ci-order", ordered, "inconsistent",
        f"CI {lb.text} to {ub.text}: "
        + ("ordered" if ordered else "the lower bound is above the upper bound (swapped?)"),
        nums=(lb, ub),
    )]  # fmt: skip
    if ordered:
        inside = lb.lo <= est.hi and est.lo <= ub.hi
        out.append(ck.make_check(
            "ci-contains-estimate", inside, "inconsistent",
            f"{est.text} " + ("lies in" if inside else "lies outside")
            + f" its CI {lb.text} to {ub.text}",
            nums=(est, lb, ub),
        ))  # fmt: skip
    return _report(source, out)


def check_percent(
    percent: Any, n: Any, count: Any = None, *, source: str = "percentage"
) -> AuditReport:
    """Audit a percentage against its denominator (and count, if given).

    Parameters
    ----------
    percent
        Percentage 0-100 as printed.
    n
        Denominator.
    count
        Count, or ``None`` (then: can the percentage be a whole number of ``n``?).
    source
        Label of the report.

    Returns
    -------
    AuditReport
        ``percent-count`` or ``percent-granularity`` (and ``count-le-denominator``).

    Raises
    ------
    InputError
        If a value is not a number, or ``n`` is not a positive whole number.

    References
    ----------
    Brown NJL, Heathers JAJ. The GRIM test. Soc Psychol Personal Sci 2017;8:363-369.

    Examples
    --------
    >>> check_percent("7", 224).consistent
    True
    """
    nn = as_num("n", n)
    if nn.value <= 0 or nn.value != int(nn.value):
        raise InputError(f"argument 'n': {n!r} must be a positive whole number", where="n")
    pc = as_num("percent", percent)
    c = None if count is None else as_num("count", count)
    return _report(source, ck.percent_count_check(pc, nn, c))


def check_arms(total: Any, arms: Sequence[Any], *, source: str = "arms") -> AuditReport:
    """Audit that arm sizes add up to the total.

    Parameters
    ----------
    total
        Total number of patients.
    arms
        Arm sizes.
    source
        Label of the report.

    Returns
    -------
    AuditReport
        One ``arms-sum`` check.

    Raises
    ------
    InputError
        If a value is not a number or ``arms`` is empty.

    References
    ----------
    CONSORT 2010 item 13a.

    Examples
    --------
    >>> check_arms(359, [180, 179]).consistent
    True
    """
    if isinstance(arms, str) or not len(arms):
        raise InputError(
            "argument 'arms': give the arm sizes as a sequence of numbers", where="arms"
        )
    t = as_num("total", total)
    a = [as_num(f"arms[{i}]", v) for i, v in enumerate(arms)]
    return _report(source, [ck.arms_total_check(t, a)])


def check_two_arms(
    measure: str,
    estimate: Any,
    percent1: Any,
    percent2: Any,
    ci_lb: Any = None,
    ci_ub: Any = None,
    *,
    source: str = "two arms",
) -> AuditReport:
    """Audit a RR, OR or risk difference (``RD``, percentage points) against two arm percentages.

    Parameters
    ----------
    measure
        ``RR``, ``OR`` or ``RD``.
    estimate
        The reported ratio or difference.
    percent1, percent2
        Experimental and control arm percentages.
    ci_lb, ci_ub
        Optional CI of the estimate (decides inconsistent vs implausible).
    source
        Label of the report.

    Returns
    -------
    AuditReport
        One ``ratio-from-arms`` or ``difference-from-arms`` check.

    Raises
    ------
    InputError
        For an unknown measure or a non-numeric value.

    References
    ----------
    Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed., ch. 4.

    Examples
    --------
    >>> check_two_arms("RR", "2.28", "56", "24.5").consistent
    True
    """
    m = str(measure).upper()
    if m not in ("RR", "OR", "RD"):
        raise InputError(
            f"argument 'measure': {measure!r} is not one of RR, OR, RD", where="measure"
        )
    est = as_num("estimate", estimate)
    lb = None if ci_lb is None else as_num("ci_lb", ci_lb)
    ub = None if ci_ub is None else as_num("ci_ub", ci_ub)
    c = ck.two_arm_check(m, est, as_num("percent1", percent1), as_num("percent2", percent2), lb, ub)
    return _report(source, [c])


def _money(name: str, value: Any) -> Num:
    n = as_num(name, value)
    if isinstance(value, str | int) and not isinstance(value, bool) and n.decimals == 0:
        return parse_number(n.text.replace(",", ""), rounded_zeros=True)
    return n


def check_icer(
    icer: Any = None,
    incremental_cost: Any = None,
    incremental_qalys: Any = None,
    horizon_years: float | None = None,
    *,
    wording: str | None = None,
    source: str = "ICER",
) -> AuditReport:
    """Audit a cost per QALY: arithmetic, the QALYs it needs within the horizon, its wording.

    Parameters
    ----------
    icer
        Incremental cost per QALY.
    incremental_cost, incremental_qalys
        Per-patient increments.
    horizon_years
        Time horizon in years.
    wording
        ``"gained"``, ``"saved"``... as printed after "per QALY".
    source
        Label of the report.

    Returns
    -------
    AuditReport
        ``icer-arithmetic``, ``icer-horizon``, ``icer-wording`` as applicable.

    Raises
    ------
    InputError
        For a non-numeric value.

    References
    ----------
    Drummond MF et al. Methods for the Economic Evaluation of Health Care Programmes,
    4th ed., OUP 2015.

    Examples
    --------
    >>> check_icer("50000", "600000", horizon_years=5).consistent  # needs 12 QALYs in 5 years
    False
    """
    i = None if icer is None else _money("icer", icer)
    c = None if incremental_cost is None else _money("incremental_cost", incremental_cost)
    q = None if incremental_qalys is None else as_num("incremental_qalys", incremental_qalys)
    h = None if horizon_years is None else as_num("horizon_years", horizon_years).value
    return _report(source, ck.icer_checks(i, c, q, h, wording))
