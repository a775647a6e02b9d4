"""Shared wording of the review report: numbers, effects, arm and favour labels.

Formats what :class:`~evisynth.review.analyse.ReviewResults` holds; computes
nothing. Every review-specific word comes from the review's ``review.toml``.
"""

from __future__ import annotations

from typing import Any

from evisynth.grade.sof import INTERVAL_ABBR
from evisynth.report.blocks import Heading, slug
from evisynth.review.analyse import (
    NamedFit,
    ReviewResults,
    StratumAnalysis,
    method_sentence,
    transformed,
)
from evisynth.review.model import Outcome, ReportText

__all__ = [
    "MEASURE_NAMES",
    "PROPORTION_MEASURES",
    "VERIFICATION_SHORT",
    "direction_words",
    "favours",
    "fmt_effect",
    "fmt_value",
    "lower_first",
    "primary_model_sentence",
    "spans_everything",
]


VERIFICATION_SHORT = {"verified-in-source": "verified", "from-secondary-source": "secondary"}


PROPORTION_MEASURES = ("PLO", "PFT", "PR", "PAS")


MEASURE_NAMES = {"HR": "hazard ratio", "RR": "risk ratio", "OR": "odds ratio"}


def _h(level: int, text: str, prefix: str = "") -> Heading:
    return Heading(level, text, slug(prefix + text))


def _words(res: ReviewResults) -> ReportText:
    return res.review.report


def lower_first(text: str) -> str:
    """``Event-free survival`` -> ``event-free survival``; acronyms (``ICANS``) untouched."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _num(x: float) -> str:
    """Readable ratio: two decimals, three significant digits below 0.1."""
    if x != x:
        return "not computed"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 0.1 or x == 0:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _percent(x: float) -> str:
    """Readable percentage: ``5.4%``, ``0.16%``, never scientific notation."""
    p = 100 * x
    if p == 0:
        return "0%"
    if p >= 99.95 or p >= 10:
        return f"{p:.0f}%" if p >= 99.5 else f"{p:.1f}%"
    if p >= 1 or float(f"{p:.2g}") >= 1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def fmt_value(o: Outcome, x: float) -> str:
    """``0.39`` for ratios, ``3.6%`` for proportions."""
    return _percent(x) if o.measure in PROPORTION_MEASURES else _num(x)


def spans_everything(o: Outcome, lb: float, ub: float) -> bool:
    """A proportion interval that says nothing (about 0% to about 100%)."""
    return o.measure in PROPORTION_MEASURES and lb < 0.005 and ub > 0.995


def fmt_effect(o: Outcome, est: float, lb: float, ub: float) -> str:
    """``0.39 (0.27 to 0.57)`` for ratios, ``3.6% (1.2% to 10%)`` for proportions.

    A proportion interval from about 0% to about 100% is not printed: the data
    cannot bound the rate, and the text says so instead.
    """
    if spans_everything(o, lb, ub):
        return (f"{fmt_value(o, est)} (no usable interval: the data are compatible with "
                "almost any rate)")
    return f"{fmt_value(o, est)} ({fmt_value(o, lb)} to {fmt_value(o, ub)})"


def _fit_line(o: Outcome, fit: NamedFit | StratumAnalysis) -> str:
    """A result's estimate and interval as reported (the primary model where it has one)."""
    t = fit.reported
    if t is None:
        return "—"
    return fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])


def _plain_line(o: Outcome, fit: Any) -> str:
    """A frequentist fit's estimate and CI on the reporting scale."""
    if fit is None:
        return "—"
    t = transformed(fit)
    return fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])


def interval_kind(fit: StratumAnalysis | NamedFit | None) -> str:
    """``"credible"`` where the reported numbers come from a Bayesian model, else ``"confidence"``.

    The model is the one the review's analysis ran for this result (its headline).
    """
    h = getattr(fit, "headline", None)
    return "confidence" if h is None else h.interval_kind


def ci_abbr(fit: StratumAnalysis | NamedFit | None) -> str:
    """``CrI`` for a Bayesian result's interval, ``CI`` for a frequentist one."""
    return INTERVAL_ABBR[interval_kind(fit)]


def pi_name(fit: StratumAnalysis | NamedFit | None) -> str:
    """``predictive`` (Bayesian posterior predictive) or ``prediction`` interval."""
    return "predictive" if interval_kind(fit) == "credible" else "prediction"


def _p(p: float) -> str:
    """``p = 0.046`` / ``p < 0.001`` (never scientific notation)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}" if p < 0.01 else f"p = {p:.3g}"


def _tau2(x: float) -> str:
    return "0" if x == 0 else "< 0.001" if x < 0.001 else f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{x:.0f}%"


def favours(res: ReviewResults, o: Outcome) -> tuple[str, str]:
    """Forest-plot labels (left, right) of an outcome, from the review's arm names.

    The arm names alone: the forest plot writes "Favours" before each.
    """
    w = _words(res)
    good, bad = w.intervention, w.comparator
    return (good, bad) if o.favours == "lower" else (bad, good)


def direction_words(res: ReviewResults, o: Outcome) -> str:
    """``Hazard ratios below 1 favour drug X.`` (from the review's words)."""
    w = _words(res)
    side = "below" if o.favours == "lower" else "above"
    name = MEASURE_NAMES.get(o.measure, o.measure)
    return f"{name.capitalize()}s {side} 1 favour {w.intervention}."


def _est(s: StratumAnalysis) -> tuple[float, float, float]:
    t = s.reported
    return t["estimate"], t["ci_lb"], t["ci_ub"]


def _tests_used(res: ReviewResults) -> set[str]:
    plan = res.review.analysis
    tests = {plan.test} | {a.test for a in plan.alternatives}
    tests |= {sn.test for sn in plan.sensitivity if sn.test}
    return tests


def primary_model_sentence(res: ReviewResults) -> str:
    """The models the primary analyses actually used, in words (from the plan run)."""
    plan = res.review.analysis
    used = [oa.primary.headline for oa in res.outcomes
            if oa.primary is not None and oa.primary.headline is not None
            and oa.primary.pooled]
    models = dict.fromkeys(h.model for h in used)
    parts = []
    if "bayes" in models:
        fs = plan.few_studies
        lab = next(h.label for h in used if h.model == "bayes")
        parts.append(f"{lab} for outcomes with at most "
                     f"{fs.max_k if fs else 4} studies (posterior medians with 95% credible "
                     "intervals)")
    if "glmm" in models:
        parts.append("the binomial-normal generalised linear mixed model for rates")
    if "frequentist" in models or not parts:
        parts.append(method_sentence(plan.method, plan.test)
                     + (" for the other outcomes" if parts else ""))
    return f"Primary analysis: {plan.design} stratum; " + "; ".join(parts) + "."
