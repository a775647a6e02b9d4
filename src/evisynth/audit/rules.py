"""The rules a check can apply, and :class:`Check`, the outcome of applying one.

:data:`RULES` names every rule in words, :data:`SEVERITIES` orders what a failure
means; :func:`make_check` builds a :class:`Check` and the small helpers here write
the tolerance and the numbers of its message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evisynth.audit.numbers import Num

__all__ = ["RULES", "SEVERITIES", "TEST_Z_SLACK", "Check", "make_check"]


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


def _overlaps(lo: float, hi: float, ref_lo: float, ref_hi: float) -> bool:
    """Do ``[lo, hi]`` and ``[ref_lo, ref_hi]`` meet (within the round-off allowance)?"""
    return lo <= ref_hi + _EPS and ref_lo - _EPS <= hi
