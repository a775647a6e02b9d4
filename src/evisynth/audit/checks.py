"""Consistency checks of reported statistics, with tolerances from the printed digits.

Every check returns a :class:`Check`: the rule it applied, whether it passed, a
severity for a failure (``inconsistent``: the printed numbers cannot all be true;
``implausible``: they can, but only under an unusual reading; ``note``: a
model-based comparison with implied values), the tolerance it used and the spans
of the numbers involved.

Tolerances are never fixed epsilons: a printed ``0.55`` stands for ``[0.545, 0.555]``
(:mod:`evisynth.audit.numbers`), and a check fails only when *no* set of true values
inside those intervals satisfies the rule. For ratios the estimate, both confidence
bounds and the p-value are tested jointly: with ``m = log(ratio)`` and
``s = z_crit * se`` every rule is a linear inequality in ``(m, s)``, so "consistent
with rounding" is the non-emptiness of a small polygon, found exactly by enumerating
its vertices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from scipy.special import ndtr, ndtri

from evisynth.audit.numbers import Num

__all__ = [
    "RULES",
    "SEVERITIES",
    "Check",
    "arms_total_check",
    "hr_landmark_check",
    "hr_median_check",
    "icer_checks",
    "percent_count_check",
    "ratio_checks",
    "two_arm_check",
]

#: Severities of a failed check, most serious first.
SEVERITIES: tuple[str, ...] = ("inconsistent", "implausible", "note")

#: Rule identifier -> the rule, in words.
RULES: dict[str, str] = {
    "ci-order": "the lower confidence bound is below the upper bound",
    "ci-contains-estimate": "the confidence interval contains the point estimate",
    "ci-log-symmetric": (
        "a Wald interval of a ratio is symmetric about the estimate on the log scale: "
        "log(estimate) = (log(lower) + log(upper)) / 2 for some true values that round "
        "to the printed ones (HR: inconsistent if not; RR/OR/IRR: implausible, since "
        "exact or score intervals are not symmetric)"
    ),
    "p-fits-ci": (
        "the two-sided Wald p-value 2*(1 - Phi(|log estimate| / se)), se = "
        "(log upper - log lower) / (2 z), fits the printed p for some true values "
        "consistent with the printed digits (halved if the text says one-sided); a miss "
        "within 5% on the z scale is a note (log-rank or score tests differ from Wald), "
        "a fit only with the other sidedness is implausible"
    ),
    "percent-count": "count / denominator x 100 rounds to the printed percentage",
    "percent-granularity": (
        "a percentage of n patients is k/n x 100 for a whole number k (GRIM-style test)"
    ),
    "count-le-denominator": "a count does not exceed its denominator",
    "arms-sum": "the arm sizes add up to the stated total",
    "arm-percent-granularity": (
        "each arm's percentage is k/n x 100 for a whole number k of that arm's size "
        "(arms taken in the order they are listed)"
    ),
    "ratio-from-arms": (
        "a risk ratio equals p1/p2, an odds ratio p1(1-p2)/(p2(1-p1)), for arm "
        "percentages in the order printed (inconsistent if the implied value lies "
        "outside the reported CI; implausible if only outside the estimate's rounding, "
        "as an adjusted estimate may differ)"
    ),
    "difference-from-arms": "a risk difference equals p1 - p2 in percentage points",
    "reduction-from-ratio": (
        "a stated relative reduction (\"a 45% lower risk\") equals 1 - ratio of the ratio "
        "reported with it (implausible if not: it may refer to another estimate)"
    ),
    "hr-landmark-ph": (
        "under proportional hazards S1(t) = S2(t)^HR, so HR = log S1(t) / log S2(t) "
        "(a model-based note; it fails when the implied HR lies outside the reported CI)"
    ),
    "hr-median-exponential": (
        "under exponential survival HR = median2 / median1 (a model-based note; it "
        "fails when the implied HR lies outside the reported CI)"
    ),
    "median-gain-landmark": (
        "under exponential survival the median is t log 2 / -log S(t); a stated gain "
        "in median survival is compared with the gain the landmark rates imply (note)"
    ),
    "median-ci": "the confidence interval of a median contains the median",
    "same-quantity": (
        "the same quantity (measure, endpoint, time point, arm) reported twice has "
        "overlapping rounding intervals"
    ),
    "design-placebo-active": (
        "a placebo-controlled trial compares with placebo (or sham/vehicle): an active "
        "comparator without placebo contradicts it"
    ),
    "design-blinding": (
        "double-blind needs arms that can look alike: an arm that is a procedure, a cell "
        "therapy, observation or usual care cannot be double-blind"
    ),
    "design-open-and-blind": "a trial is not both open-label and blinded",
    "design-single-arm": "a single-arm study is neither randomised nor placebo-controlled",
    "lymphodepletion-label": (
        "a lymphodepletion regimen (drugs, mg/m2/day, days) matches a product label of "
        "evisynth.clinic, and the label of the product named"
    ),
    "tocilizumab-label": (
        "a tocilizumab dose follows evisynth.clinic: its mg/kg and its per-dose cap"
    ),
    "icer-wording": "QALYs are gained (or lost), not saved; costs per QALY are per QALY gained",
    "icer-arithmetic": "ICER = incremental cost / incremental QALYs",
    "icer-horizon": (
        "the QALYs an ICER implies (incremental cost / ICER) do not exceed the time "
        "horizon in years (one QALY per person-year at most)"
    ),
}

_EPS = 1e-9
#: Allowance on the z scale between a reported p-value and the Wald p-value of the CI,
#: because trials often report a (stratified) log-rank or score test p-value. Within it a
#: p-value that misses by more than rounding is a ``note``, not ``inconsistent``.
TEST_Z_SLACK = 0.05


@dataclass(frozen=True)
class Check:
    """The outcome of one rule applied to some reported numbers.

    Attributes
    ----------
    rule
        Identifier, a key of :data:`RULES`.
    description
        The rule in words.
    passed
        True if some true values consistent with the printed digits satisfy the rule.
    severity
        ``"ok"`` when passed, else ``"inconsistent"``, ``"implausible"`` or ``"note"``.
    message
        What was checked and, for a failure, what does not add up.
    tolerance
        The intervals of true values the printed digits allow.
    spans
        Character spans of the numbers involved (empty for structured input).
    implied
        Values implied by the other numbers, as ``(name, lo, hi)``.
    """

    rule: str
    description: str
    passed: bool
    severity: str
    message: str
    tolerance: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    implied: tuple[tuple[str, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {
            "rule": self.rule,
            "description": self.description,
            "passed": self.passed,
            "severity": self.severity,
            "message": self.message,
            "tolerance": self.tolerance,
            "spans": [list(s) for s in self.spans],
            "implied": [{"name": n, "lo": lo, "hi": hi} for n, lo, hi in self.implied],
        }


def make_check(
    rule: str,
    passed: bool,
    severity: str,
    message: str,
    *,
    tolerance: str = "",
    nums: Sequence[Num | None] = (),
    spans: Sequence[tuple[int, int]] = (),
    implied: Sequence[tuple[str, float, float]] = (),
) -> Check:
    """Build a :class:`Check` (severity ``"ok"`` when it passed)."""
    sp = tuple(spans) + tuple(n.span for n in nums if n is not None and n.span is not None)
    return Check(
        rule, RULES[rule], passed, "ok" if passed else severity, message, tolerance,
        tuple(sorted(set(sp))), tuple(implied),
    )  # fmt: skip


def _g(x: float) -> str:
    if math.isinf(x):
        return "infinity"
    return f"{x:.4g}"


def _tol(*pairs: tuple[str, Num | None]) -> str:
    return "; ".join(f"{name} {n.text} means {n.interval_text()}" for name, n in pairs if n)


# ----------------------------------------------------------- 2-D linear feasibility


def _vertices(rows: list[tuple[float, float, float]]) -> list[tuple[float, float]]:
    """Vertices of the polygon ``{x: a*x0 + b*x1 <= c for (a, b, c) in rows}``."""
    out = []
    for (a1, b1, c1), (a2, b2, c2) in combinations(rows, 2):
        det = a1 * b2 - a2 * b1
        if abs(det) < 1e-15:
            continue
        x0 = (c1 * b2 - c2 * b1) / det
        x1 = (a1 * c2 - a2 * c1) / det
        if all(a * x0 + b * x1 <= c + _EPS * (1 + abs(c)) for a, b, c in rows):
            out.append((x0, x1))
    return out


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -1e6


def _ratio_rows(est: Num, lb: Num, ub: Num) -> list[tuple[float, float, float]]:
    """(m, s) constraints: m = log ratio, s = z_crit * se, rounding of all three numbers."""
    rows = [
        (-1.0, 0.0, -_log(est.lo)), (1.0, 0.0, _log(est.hi)),  # log est.lo <= m <= log est.hi
        (-1.0, 1.0, -_log(lb.lo)), (1.0, -1.0, _log(lb.hi)),  # lb: log lb.lo <= m - s <= log lb.hi
        (-1.0, -1.0, -_log(ub.lo)), (1.0, 1.0, _log(ub.hi)),  # ub: log ub.lo <= m + s <= log ub.hi
        (0.0, -1.0, 0.0),  # s >= 0
    ]  # fmt: skip
    return rows


def _z_of_p(p: float) -> float:
    return math.inf if p <= 0 else float(-ndtri(p / 2.0)) if p < 1 else 0.0


def _p_of_z(z: float) -> float:
    return float(2.0 * ndtr(-abs(z)))


def _z_range(rows: list[tuple[float, float, float]], zc: float) -> tuple[float, float] | None:
    """Range of z = zc*|m|/s over the polygon (None if the polygon is empty)."""
    zs: list[float] = []
    for sign in (1.0, -1.0):
        verts = _vertices([*rows, (-sign, 0.0, 0.0)])  # sign*m >= 0
        for m, s in verts:
            zs.append(math.inf if s <= 1e-15 else zc * abs(m) / s)
    if not zs:
        return None
    return min(zs), max(zs)


def _p_feasible(
    rows: list[tuple[float, float, float]],
    zc: float,
    p: Num,
    factor: float = 1.0,
    slack: float = 0.0,
) -> bool:
    """Is some (m, s) in the polygon with its two-sided p in factor * [p.lo, p.hi]?

    ``slack`` widens the matching z range by that fraction on each side.
    """
    plo, phi = min(1.0, p.lo * factor), min(1.0, p.hi * factor)
    if phi <= 0:
        return False  # "p = 0.000" or "p < 0": no test gives p = 0
    zlo, zhi = _z_of_p(phi), _z_of_p(plo)  # p large -> z small
    zlo, zhi = zlo * (1 - slack), zhi * (1 + slack)
    for sign in (1.0, -1.0):
        extra = [(-sign, 0.0, 0.0), (-sign * zc, zlo, 0.0)]  # sign*zc*m >= zlo*s
        if math.isfinite(zhi):
            extra.append((sign * zc, -zhi, 0.0))  # sign*zc*m <= zhi*s
        if _vertices(rows + extra):
            return True
    return False


# -------------------------------------------------------------------------- ratios


def ratio_checks(
    measure: str,
    est: Num,
    lb: Num | None,
    ub: Num | None,
    p: Num | None,
    *,
    level: float = 95.0,
    sided: str | None = None,
) -> list[Check]:
    """Check a reported ratio against its confidence interval and p-value.

    Parameters
    ----------
    measure
        ``HR``, ``RR``, ``OR`` or ``IRR`` (the label only changes severities).
    est, lb, ub
        Estimate and confidence bounds as printed (bounds may be ``None``).
    p
        Printed p-value (:func:`~evisynth.audit.numbers.parse_p`), or ``None``.
    level
        Confidence level in percent.
    sided
        ``"one"`` if the text calls the p-value one-sided.

    Returns
    -------
    list of Check
        ``ci-order``, ``ci-contains-estimate``, ``ci-log-symmetric`` and ``p-fits-ci``
        (the last only with a p-value).

    References
    ----------
    Altman DG, Bland JM. How to obtain the P value from a confidence interval.
    BMJ 2011;343:d2304. Brown GW. Standard deviation, standard error: which 'standard'
    should we use? The log-scale symmetry is that of Wald intervals (Wald 1943).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n, parse_p
    >>> p = parse_p("0.001", "<")
    >>> [c.passed for c in ratio_checks("HR", n("0.55"), n("0.42"), n("0.71"), p)]
    [True, True, True, True]
    """
    out: list[Check] = []
    zc = float(-ndtri((1 - level / 100.0) / 2.0))
    if est.value <= 0 or (lb is not None and lb.value <= 0) or (ub is not None and ub.value <= 0):
        out.append(make_check(
            "ci-order", False, "inconsistent",
            f"{measure} {est.text}: a ratio and its confidence bounds must be positive",
            nums=(est, lb, ub),
        ))  # fmt: skip
        return out
    if lb is not None and ub is not None:
        tol = _tol((measure, est), ("lower bound", lb), ("upper bound", ub))
        ordered = lb.lo < ub.hi
        out.append(make_check(
            "ci-order", ordered, "inconsistent",
            f"CI {lb.text} to {ub.text}: "
            + ("ordered" if ordered else "the lower bound is above the upper bound (swapped?)"),
            tolerance=_tol(("lower bound", lb), ("upper bound", ub)), nums=(lb, ub),
        ))  # fmt: skip
        if not ordered:
            return out
        contains = lb.lo <= est.hi and est.lo <= ub.hi
        out.append(make_check(
            "ci-contains-estimate", contains, "inconsistent",
            f"{measure} {est.text} " + ("lies in" if contains else "lies outside")
            + f" its CI {lb.text} to {ub.text}",
            tolerance=tol, nums=(est, lb, ub),
        ))  # fmt: skip
        if not contains:
            return out
        rows = _ratio_rows(est, lb, ub)
        zr = _z_range(rows, zc)
        gm_lo = math.sqrt(lb.lo * ub.lo)
        gm_hi = math.sqrt(lb.hi * ub.hi)
        sym = zr is not None
        sev = "inconsistent" if measure == "HR" else "implausible"
        out.append(make_check(
            "ci-log-symmetric", sym, sev,
            f"{measure} {est.text} with CI {lb.text} to {ub.text}: the CI's log-scale midpoint "
            f"is {_g(gm_lo)} to {_g(gm_hi)}"
            + ("" if sym else f", which cannot round to {est.text}"),
            tolerance=tol, nums=(est, lb, ub), implied=(("estimate", gm_lo, gm_hi),),
        ))  # fmt: skip
        if p is not None:
            if zr is None:  # fall back to the CI alone for the p-value check
                rows = rows[2:]
                zr = _z_range(rows, zc)
            if zr is None:
                return out
            p_lo, p_hi = _p_of_z(zr[1]), _p_of_z(zr[0])
            ptxt = f"p {p.relation} {p.text}"
            tol_p = tol + "; " + _tol(("p", p))
            implied = (("p", p_lo, p_hi),)
            nums = (est, lb, ub, p)
            head = f"{ptxt} with {measure} {est.text} (CI {lb.text} to {ub.text}): "
            imp = f"the two-sided Wald p-value they imply is {_g(p_lo)} to {_g(p_hi)}"
            one = sided == "one"
            fits = {
                (f, s): _p_feasible(rows, zc, p, factor=f, slack=s)
                for f in (1.0, 2.0) for s in (0.0, TEST_Z_SLACK)
            }  # fmt: skip
            as_stated, other = (2.0, 1.0) if one else (1.0, 2.0)
            if fits[as_stated, 0.0]:
                passed, sev, why = True, "inconsistent", "fits; " + imp
            elif fits[other, 0.0]:
                passed, sev = False, "implausible"
                why = (("called one-sided, but it is the two-sided value; " if one else
                        "fits only as a one-sided p-value; ") + imp)  # fmt: skip
            elif fits[as_stated, TEST_Z_SLACK]:
                passed, sev = False, "note"
                why = (f"beyond rounding, but within {100 * TEST_Z_SLACK:g}% on the z scale, "
                       "as a log-rank or score test p-value can differ from the Wald p-value "
                       "of the CI; " + imp)  # fmt: skip
            elif fits[other, TEST_Z_SLACK]:
                passed, sev = False, "implausible"
                why = ("fits only as a " + ("two" if one else "one")
                       + f"-sided p-value, and only within {100 * TEST_Z_SLACK:g}% on the z "
                       "scale (a log-rank or score test); " + imp)  # fmt: skip
            else:
                passed, sev, why = False, "inconsistent", "does not fit: " + imp
            if one:
                why += " (the text says one-sided)"
            out.append(make_check(
                "p-fits-ci", passed, sev, head + why,
                tolerance=tol_p, nums=nums, implied=implied,
            ))  # fmt: skip
    return out


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
    if est.lo <= hi + _EPS and lo - _EPS <= est.hi:
        return make_check(
            rule, True, "inconsistent",
            f"{measure} {est.text} fits {p1.text}% vs {p2.text}% "
            f"(implied {name} {_g(lo)} to {_g(hi)})",
            tolerance=tol, nums=(est, p1, p2), implied=((name, lo, hi),),
        )  # fmt: skip
    rlo, rhi = rng(b_lo, b_hi, a_lo, a_hi)  # the arms in the other order
    if est.lo <= rhi + _EPS and rlo - _EPS <= est.hi:
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


def _overlaps(lo: float, hi: float, ref_lo: float, ref_hi: float) -> bool:
    return lo <= ref_hi + _EPS and ref_lo - _EPS <= hi


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


def icer_checks(
    icer: Num | None,
    cost: Num | None,
    qalys: Num | None,
    horizon_years: float | None,
    wording: str | None = None,
    spans: Sequence[tuple[int, int]] = (),
) -> list[Check]:
    """Check an ICER's wording, its arithmetic and the QALYs it needs within the horizon.

    Parameters
    ----------
    icer
        Cost per QALY gained, or ``None``.
    cost, qalys
        Incremental cost and incremental QALYs per patient, or ``None``.
    horizon_years
        Time horizon in years, or ``None`` (lifetime / not stated).
    wording
        The word after "per QALY" (``gained``, ``saved``...), if any.
    spans
        Spans of the ICER statement.

    Returns
    -------
    list of Check
        ``icer-wording``, ``icer-arithmetic``, ``icer-horizon`` as applicable.

    References
    ----------
    Drummond MF et al. Methods for the Economic Evaluation of Health Care Programmes,
    4th ed., OUP 2015, ch. 4 (ICER; one QALY is one year in full health).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> [c.passed for c in icer_checks(n("50,000"), n("100,000"), None, 1.0)]
    [False]
    """
    out: list[Check] = []
    if wording is not None:
        ok = wording != "saved"
        out.append(make_check(
            "icer-wording", ok, "note",
            "cost per QALY " + (wording if ok else "saved: QALYs are gained, not saved; "
                                "write 'per QALY gained'"),
            spans=spans,
        ))  # fmt: skip
    if icer is not None and cost is not None and qalys is not None and qalys.hi > 0:
        lo = cost.lo / qalys.hi
        hi = cost.hi / qalys.lo if qalys.lo > 0 else math.inf
        ok = _overlaps(lo, hi, icer.lo, icer.hi)
        out.append(make_check(
            "icer-arithmetic", ok, "inconsistent",
            f"incremental cost {cost.text} / {qalys.text} QALYs = {_g(lo)} to {_g(hi)} per QALY; "
            f"the stated ICER is {icer.text}",
            tolerance=_tol(("ICER", icer), ("cost", cost), ("QALYs", qalys)),
            nums=(icer, cost, qalys), spans=spans, implied=(("ICER", lo, hi),),
        ))  # fmt: skip
    if horizon_years is not None and horizon_years > 0:
        need: tuple[float, float] | None = None
        if qalys is not None:
            need = (qalys.lo, qalys.hi)
        elif icer is not None and cost is not None and icer.hi > 0:
            need = (cost.lo / icer.hi, cost.hi / icer.lo if icer.lo > 0 else math.inf)
        if need is not None:
            ok = need[0] <= horizon_years + _EPS
            out.append(make_check(
                "icer-horizon", ok, "inconsistent",
                f"{_g(need[0])} to {_g(need[1])} QALYs per patient are implied; a "
                f"{horizon_years:g}-year horizon allows at most {horizon_years:g}",
                nums=(icer, cost, qalys), spans=spans, implied=(("QALYs", need[0], need[1]),),
            ))  # fmt: skip
    return out
