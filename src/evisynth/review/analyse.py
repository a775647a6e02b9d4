"""Run a review's analysis plan: every outcome, stratum, alternative and sensitivity analysis.

:func:`analyse_review` turns a loaded :class:`~evisynth.review.Review` into a
:class:`ReviewResults` (frozen, JSON-ready through ``to_dict()``). It only
calls the public analyses (``rma``, ``leave_one_out``, ``subgroup``,
``regtest``, GRADE); it reads and writes no file, so the report layer renders
exactly what was computed here.

Rules that the plan leaves implicit, stated once here:

* Design strata are analysed separately (``pool_across_designs = false``); the
  only analysis that spans strata is the design subgroup analysis, which tests
  for differences between strata and never reports a pooled estimate across them.
* A stratum with one study is not pooled: its "pooled" result is the study's
  own estimate (a fixed-effect fit of k = 1) and the report says so.
* With k < 10 no small-study test is run and no funnel plot is drawn (Cochrane
  Handbook 10.4.3.1): with fewer studies neither can tell asymmetry from chance.
* GRADE: strata starting "high" are rated as randomised evidence, "low" as
  observational. ROBINS-I judgements are put on the RoB 2 scale for the
  risk-of-bias domain (low → low, moderate → some concerns, serious/critical →
  high); "no information" counts as some concerns.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evisynth.effects import EffectSizes
from evisynth.errors import EvisynthWarning, InputError
from evisynth.grade import (
    CertaintyRating,
    DomainRating,
    SoFRow,
    SoFTable,
    optimal_information_size,
    rate_certainty,
    summary_of_findings,
)
from evisynth.meta import RMAResult, leave_one_out, rma, subgroup
from evisynth.meta.bias import RegTestResult, TrimFillResult, regtest, trimfill
from evisynth.meta.results import LOG_MEASURES
from evisynth.meta.sensitivity import LeaveOneOutResult
from evisynth.meta.subgroup import SubgroupResult
from evisynth.review._review import Review
from evisynth.review.cea import CEAResults, run_cea
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome, Reanalysis, Sensitivity
from evisynth.survival import Reconstruction, TwoArmComparison, compare_arms, reconstruct_ipd
from evisynth.transforms import back_transform

#: ROBINS-I judgements on the RoB 2 scale used by the GRADE risk-of-bias domain.
ROB_TO_GRADE = {
    "low": "low",
    "some concerns": "some concerns",
    "high": "high",
    "moderate": "some concerns",
    "serious": "high",
    "critical": "high",
    "no information": "some concerns",
}

MIN_K_SMALL_STUDY_TEST = 10
MIN_K_FUNNEL = 10
#: Replications per tau value of the design-matched interval check (fixed seed).
INTERVAL_CHECK_REPS = 2000


@dataclass(frozen=True)
class NamedFit:
    """A labelled fit of the same studies (alternative method or sensitivity analysis)."""

    key: str
    label: str
    fit: RMAResult | None
    note: str | None = None
    studies: tuple[StudyInput, ...] = ()
    leave_one_out: LeaveOneOutResult | None = None
    headline: Headline | None = None

    @property
    def reported(self) -> dict[str, float] | None:
        """Estimate and intervals on the reporting scale, from the primary model."""
        if self.headline is not None:
            h = self.headline
            return {"estimate": h.estimate, "ci_lb": h.ci_lb, "ci_ub": h.ci_ub,
                    "pi_lb": h.pi_lb, "pi_ub": h.pi_ub}
        return None if self.fit is None else transformed(self.fit)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "note": self.note}
        if self.headline is not None:
            out["headline"] = self.headline.to_dict()
        if self.fit is not None:
            out.update(self.fit.to_dict())
            out["method"], out["test"] = self.fit.method, self.fit.test
            out["transformed"] = transformed(self.fit)
            out["studies"] = [s.label for s in self.studies]
        if self.leave_one_out is not None:
            out["leave_one_out"] = self.leave_one_out.to_dict()
        return out


@dataclass(frozen=True)
class StratumAnalysis:
    """One outcome in one design stratum: the plan's primary fit and everything around it."""

    design: str
    design_label: str
    certainty_start: str
    studies: tuple[StudyInput, ...]
    es: EffectSizes
    fit: RMAResult
    pooled: bool
    alternatives: tuple[NamedFit, ...]
    sensitivity: tuple[NamedFit, ...]
    regtest: RegTestResult | None
    trimfill: TrimFillResult | None
    small_study_note: str
    certainty: CertaintyRating | None
    participants: int | None
    notes: tuple[str, ...] = ()
    intervals: IntervalAgreement | None = None
    headline: Headline | None = None
    interval_check: Any = None

    @property
    def reported(self) -> dict[str, float]:
        """Estimate, interval and prediction interval the report leads with."""
        h = self.headline
        if h is None:
            return transformed(self.fit)
        return {"estimate": h.estimate, "ci_lb": h.ci_lb, "ci_ub": h.ci_ub,
                "pi_lb": h.pi_lb, "pi_ub": h.pi_ub}

    @property
    def k(self) -> int:
        return len(self.studies)

    @property
    def n_secondary(self) -> int:
        """Inputs of this analysis seen only in a secondary source."""
        return sum(not s.row.verified for s in self.studies)

    def study_records(self) -> list[dict[str, Any]]:
        """Each study's input with its weight and provenance (JSON-ready)."""
        w = self.fit.weights_percent if self.pooled else np.array([100.0])
        one_arm = self.es.measure in _PROPORTION_MEASURES
        return [
            {
                **(exact_proportion(s.row.events_int, s.row.n_int, self.fit.level)
                   if one_arm else {}),
                "study_id": s.study_id,
                "label": s.label,
                "yi": float(self.es.yi[i]),
                "vi": float(self.es.vi[i]),
                "weight": float(w[i]),
                "source": s.source,
                "doi_or_pmid": s.row.doi_or_pmid,
                "location": s.row.location,
                "verification": s.verification,
                "derived": s.row.derived,
                "row_id": s.row.row_id,
            }
            for i, s in enumerate(self.studies)
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fit.to_dict())
        out.update(
            {
                "design": self.design,
                "method": self.fit.method,
                "test": self.fit.test,
                "pooled": self.pooled,
                "transformed": transformed(self.fit),
                "studies": self.study_records(),
                "n_secondary_source_inputs": self.n_secondary,
                "participants": self.participants,
                "alternatives": {a.key: a.to_dict() for a in self.alternatives},
                "sensitivity": {s.key: s.to_dict() for s in self.sensitivity},
                "small_study": {
                    "note": self.small_study_note,
                    "regtest": None if self.regtest is None else self.regtest.to_dict(),
                    "trimfill": None if self.trimfill is None else self.trimfill.to_dict(),
                },
                "certainty": None if self.certainty is None else self.certainty.to_dict(),
                "notes": list(self.notes),
                "intervals": None if self.intervals is None else self.intervals.to_dict(),
                "headline": None if self.headline is None else self.headline.to_dict(),
                "interval_check": None if self.interval_check is None
                else self.interval_check.to_dict(),
            }
        )
        return out


@dataclass(frozen=True)
class Headline:
    """The primary result of one stratum as reported: which model, and its numbers.

    ``estimate``, ``ci_lb``, ``ci_ub``, ``pi_lb``, ``pi_ub`` are on the reporting
    scale (ratios, proportions). ``grade_fit`` is the plan's ``rma`` fit with its
    estimate and intervals replaced by the headline's (analysis scale), so that
    GRADE and the Summary of Findings rate and show the numbers the report leads
    with. ``prior_sensitivity`` holds ``(label, estimate, ci_lb, ci_ub)`` rows.
    """

    model: str  # "bayes", "glmm" or "frequentist"
    label: str
    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    interval: str
    grade_fit: RMAResult
    result: Any = None
    note: str | None = None
    prior_sensitivity: tuple[tuple[str, float, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model, "label": self.label, "estimate": self.estimate,
            "ci_lb": self.ci_lb, "ci_ub": self.ci_ub, "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub, "interval": self.interval, "note": self.note,
            "prior_sensitivity": [
                {"prior": p, "estimate": e, "ci_lb": lb, "ci_ub": ub}
                for p, e, lb, ub in self.prior_sensitivity],
        }
        if self.result is not None and hasattr(self.result, "to_dict"):
            out["result"] = self.result.to_dict()
        return out


def _frequentist_headline(fit: RMAResult, note: str | None = None) -> Headline:
    t = transformed(fit)
    return Headline("frequentist", method_label(fit.method, fit.test), t["estimate"],
                    t["ci_lb"], t["ci_ub"], t["pi_lb"], t["pi_ub"],
                    f"{fit.level:g}% confidence interval", fit, note=note)


def _prior_words(spec: str) -> str:
    name, _, scale = spec.partition(":")
    names = {"halfnormal": "half-normal", "halfcauchy": "half-Cauchy",
             "halft": "half-Student-t", "exponential": "exponential", "uniform": "uniform",
             "lognormal": "log-normal"}
    return f"{names.get(name.lower(), name)}({scale}) prior on tau" if scale else spec


def _headline(es: EffectSizes, used: tuple[StudyInput, ...], outcome: Outcome,
              plan: Any, fit: RMAResult, pooled: bool) -> Headline:
    """The stratum's primary model: Bayesian for few studies, GLMM for proportions."""
    import evisynth as ev

    fs = plan.few_studies
    if (not pooled and fs is not None and outcome.measure in _PROPORTION_MEASURES
            and len(used) == 1):
        # one cohort: its own rate with the exact (Clopper-Pearson) interval
        r = used[0].row
        ex = exact_proportion(r.events_int, r.n_int, plan.level)
        if ex:
            lo, hi = ex["exact_ci"]
            return Headline("exact", "One study: exact (Clopper–Pearson) interval",
                            ex["proportion"], lo, hi, lo, hi,
                            f"{plan.level:g}% confidence interval (exact)", fit)
    if not pooled or fs is None:
        return _frequentist_headline(fit)
    f = back_transform(outcome.measure)

    def back(x: float) -> float:
        return float(np.asarray(f(x)).reshape(-1)[0])

    if outcome.measure in _PROPORTION_MEASURES and fs.proportions == "glmm":
        glmm = getattr(ev, "rma_glmm", None)
        if glmm is None:
            return _frequentist_headline(fit, note="The binomial-normal GLMM is not available "
                                         "in this evisynth version; the plan's method is "
                                         "used.")
        xi = [u.row.events_int for u in used]
        ni = [u.row.n_int for u in used]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EvisynthWarning)
            g = glmm(outcome.measure, xi=xi, ni=ni, level=plan.level,
                     labels=[u.label for u in used])
        notes = [str(w.message) for w in caught if issubclass(w.category, EvisynthWarning)]
        notes += list(getattr(g, "notes", ()))
        grade_fit = dataclasses.replace(fit, estimate=g.estimate, ci_lb=g.ci_lb,
                                        ci_ub=g.ci_ub, pi_lb=g.pi_lb, pi_ub=g.pi_ub)
        return Headline("glmm", "Binomial-normal GLMM (logit link, exact likelihood)",
                        back(g.estimate), back(g.ci_lb), back(g.ci_ub), back(g.pi_lb),
                        back(g.pi_ub), f"{plan.level:g}% confidence interval", grade_fit,
                        result=g, note="; ".join(dict.fromkeys(notes)) or None)
    if outcome.measure in _PROPORTION_MEASURES or es.k > fs.max_k or fs.model != "bayes":
        return _frequentist_headline(fit)
    bayes = getattr(ev, "bayesmeta", None)
    if bayes is None:
        return _frequentist_headline(fit, note="The Bayesian random-effects model is not "
                                     "available in this evisynth version; the plan's method "
                                     "is used.")
    b = bayes(es, tau_prior=fs.tau_prior, level=plan.level)
    sens = []
    for spec in fs.prior_sensitivity:
        bs = bayes(es, tau_prior=spec, level=plan.level)
        sens.append((_prior_words(spec), back(bs.estimate), back(bs.ci_lb), back(bs.ci_ub)))
    grade_fit = dataclasses.replace(fit, estimate=b.estimate, ci_lb=b.ci_lb, ci_ub=b.ci_ub,
                                    pi_lb=b.pi_lb, pi_ub=b.pi_ub)
    return Headline("bayes", f"Bayesian random effects ({_prior_words(fs.tau_prior)})",
                    back(b.estimate), back(b.ci_lb), back(b.ci_ub), back(b.pi_lb),
                    back(b.pi_ub), f"{plan.level:g}% credible interval", grade_fit, result=b,
                    prior_sensitivity=tuple(sens))


@dataclass(frozen=True)
class IntervalReading:
    """Where one credible interval lies relative to the outcome's decision thresholds."""

    label: str
    ci_lb: float
    ci_ub: float
    sides: tuple[str, ...]  # per threshold: "below", "above" or "crosses"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
                "sides": list(self.sides)}


@dataclass(frozen=True)
class IntervalAgreement:
    """Do the defensible interval methods lead to the same conclusion?

    ``thresholds`` are on the reporting scale (the null first for ratio
    outcomes, then the review's decision thresholds); each reading says, for
    every threshold, whether the interval lies wholly below, wholly above, or
    crosses it. ``disagree`` is true when two readings differ: the data then
    cannot settle the question with this few studies, and GRADE imprecision is
    rated down (see :func:`analyse_review`).
    """

    thresholds: tuple[float, ...]
    readings: tuple[IntervalReading, ...]

    @property
    def disagree(self) -> bool:
        return len({r.sides for r in self.readings}) > 1

    def to_dict(self) -> dict[str, Any]:
        return {"thresholds": list(self.thresholds), "disagree": self.disagree,
                "readings": [r.to_dict() for r in self.readings]}


def exact_proportion(events: int | None, n: int | None, level: float = 95) -> dict[str, Any]:
    """A study's proportion and its exact (Clopper–Pearson) interval.

    Parameters
    ----------
    events, n
        Events and participants (``None`` or ``n <= 0``: nothing to compute).
    level
        Confidence level in percent.

    Returns
    -------
    dict
        ``proportion`` and ``exact_ci`` ``(lower, upper)``; empty without counts.

    Examples
    --------
    >>> r = exact_proportion(0, 40)
    >>> r["proportion"], r["exact_ci"][0], round(r["exact_ci"][1], 4)
    (0.0, 0.0, 0.0881)

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in
    the case of the binomial. Biometrika 1934;26:404-413.
    """
    if events is None or n is None or n <= 0:
        return {}
    import evisynth as ev

    pci = getattr(ev, "proportion_ci", None)
    if pci is not None:
        r = pci([events], [n], method="exact", level=level)
        lo, hi = float(r.ci_lb[0]), float(r.ci_ub[0])
    else:  # Clopper-Pearson from the beta quantiles
        from scipy.stats import beta

        a = (1 - level / 100) / 2
        lo = 0.0 if events == 0 else float(beta.ppf(a, events, n - events + 1))
        hi = 1.0 if events == n else float(beta.ppf(1 - a, events + 1, n - events))
    return {"proportion": events / n, "exact_ci": (lo, hi)}


def _sides(lb: float, ub: float, thresholds: tuple[float, ...]) -> tuple[str, ...]:
    return tuple("below" if ub < t else "above" if lb > t else "crosses" for t in thresholds)


def interval_agreement(outcome: Outcome, primary_label: str, primary: RMAResult,
                       alternatives: tuple[NamedFit, ...],
                       headline: Headline | None = None) -> IntervalAgreement | None:
    """Read the primary and the alternative intervals against the decision thresholds.

    Parameters
    ----------
    outcome
        The outcome (its ``imprecision`` null and thresholds, on the reporting scale).
    primary_label, primary
        The plan's fit and its label.
    alternatives
        The other methods of the plan.
    headline
        The primary model's result when it is not the plan's fit (Bayesian, GLMM).

    Returns
    -------
    IntervalAgreement or None
        ``None`` when the outcome has no thresholds.

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
    ...                ci_ub=[0.51, 0.54, 1.40])
    >>> o = Outcome(key="efs", label="EFS", measure="HR")
    >>> fit = ev.rma(es, method="REML", test="knha")
    >>> alt = NamedFit("z", "REML + z", ev.rma(es, method="REML", test="z"))
    >>> agreement = interval_agreement(o, "REML + HK", fit, (alt,))
    >>> [r.sides for r in agreement.readings], agreement.disagree
    ([('crosses',), ('crosses',)], False)
    """
    imp = outcome.imprecision
    thresholds: list[float] = []
    if outcome.measure not in _PROPORTION_MEASURES:
        thresholds.append(1.0 if imp.null is None else imp.null)
    thresholds += [t for t in imp.thresholds if t not in thresholds]
    if not thresholds:
        return None
    fits = [(primary_label, primary)] + [(a.label, a.fit) for a in alternatives
                                         if a.fit is not None]
    readings = []
    if headline is not None and headline.model != "frequentist":
        readings.append(IntervalReading(headline.label, headline.ci_lb, headline.ci_ub,
                                        _sides(headline.ci_lb, headline.ci_ub,
                                               tuple(thresholds))))
    for label, f in fits:
        t = transformed(f)
        readings.append(IntervalReading(label, t["ci_lb"], t["ci_ub"],
                                        _sides(t["ci_lb"], t["ci_ub"], tuple(thresholds))))
    return IntervalAgreement(tuple(thresholds), tuple(readings))


_PROPORTION_MEASURES = ("PLO", "PFT", "PR", "PAS")


def _adjust_certainty(c: CertaintyRating | None, fit: RMAResult,
                      agreement: IntervalAgreement | None) -> CertaintyRating | None:
    """Make GRADE imprecision agree with what the intervals say.

    * Intervals of defensible methods on different sides of a decision threshold:
      imprecision is serious (rated down once) even if the primary interval alone
      would not be.
    * A zero-width interval (identical estimates under Hartung-Knapp) is not
      precision: imprecision is rated down and the reason says why.
    """
    if c is None:
        return None
    imp = c.imprecision
    reasons = []
    if agreement is not None and agreement.disagree:
        shown = "; ".join(f"{r.label}: {r.ci_lb:.3g} to {r.ci_ub:.3g}"
                          for r in agreement.readings)
        reasons.append("defensible interval methods lead to different conclusions about the "
                       f"decision thresholds ({shown})")
    if math.isclose(fit.ci_lb, fit.ci_ub) and fit.k > 1:
        reasons.append("the interval has zero width because the studies' estimates are "
                       "identical; that is not real precision")
    if not reasons:
        return c
    text = imp.reason + " Also: " + "; ".join(reasons) + "."
    rating = min(imp.rating, -1) if imp.rating == 0 else imp.rating
    return dataclasses.replace(c, imprecision=DomainRating(imp.domain, rating, text))


@dataclass(frozen=True)
class OutcomeAnalysis:
    """All analyses of one outcome: its strata (primary design first) and subgroups."""

    outcome: Outcome
    strata: tuple[StratumAnalysis, ...]
    subgroups: tuple[SubgroupAnalysis, ...] = field(default=())

    @property
    def primary(self) -> StratumAnalysis | None:
        return self.strata[0] if self.strata else None


@dataclass(frozen=True)
class ReanalysisResult:
    """A trial reanalysed from its digitised curves: reconstructions and the comparison."""

    spec: Reanalysis
    reconstructions: tuple[tuple[str, Reconstruction], ...]
    comparison: TwoArmComparison

    def to_dict(self) -> dict[str, Any]:
        comp = self.comparison.to_dict()
        comp.pop("km", None)  # the step functions belong in the figure, not the summary
        return {
            "label": self.spec.label,
            "synthetic": self.spec.synthetic,
            "time_unit": self.spec.time_unit,
            "reconstruction": {arm: {"case": r.case, **r.diagnostics.to_dict()}
                               for arm, r in self.reconstructions},
            "comparison": comp,
            "sources": {a.arm: {"source": a.source, "location": a.location,
                                "verification": a.verification} for a in self.spec.arms},
        }


@dataclass(frozen=True)
class ReviewResults:
    """Everything :func:`analyse_review` computed, ready for the report."""

    review: Review
    outcomes: tuple[OutcomeAnalysis, ...]
    sof: SoFTable | None
    reanalyses: tuple[ReanalysisResult, ...] = ()
    cost_effectiveness: CEAResults | None = None

    def to_dict(self) -> dict[str, Any]:
        """``results.json``: per outcome key the primary analysis (``rma`` keys,
        ``transformed``, ``studies`` ...), the other strata and the subgroups."""
        outcomes: dict[str, Any] = {}
        for oa in self.outcomes:
            if oa.primary is None:
                outcomes[oa.outcome.key] = {"label": oa.outcome.label, "analysed": False}
                continue
            entry = oa.primary.to_dict()
            entry["label"] = oa.outcome.label
            entry["measure"] = oa.outcome.measure
            entry["other_strata"] = {s.design: s.to_dict() for s in oa.strata[1:]}
            entry["subgroups"] = {f"{g.key}/{g.design}": g.to_dict() for g in oa.subgroups}
            outcomes[oa.outcome.key] = entry
        return {
            "title": self.review.title,
            "analysis_plan": {
                "method": self.review.analysis.method,
                "test": self.review.analysis.test,
                "level": self.review.analysis.level,
                "design": self.review.analysis.design,
            },
            "outcomes": outcomes,
            "summary_of_findings": None if self.sof is None else self.sof.to_dict(),
            "reanalyses": {r.spec.key: r.to_dict() for r in self.reanalyses},
            **({} if self.cost_effectiveness is None
               else {"cost_effectiveness": self.cost_effectiveness.to_dict()}),
        }


#: Plain names of the tau² estimators and tests (the report's method sentences use them).
METHOD_NAMES = {
    "FE": "fixed (common) effect", "EE": "fixed (common) effect",
    "DL": "DerSimonian–Laird", "HE": "Hedges", "HS": "Hunter–Schmidt",
    "HSk": "Hunter–Schmidt (small-sample)", "SJ": "Sidik–Jonkman", "ML": "maximum likelihood",
    "REML": "restricted maximum likelihood (REML)", "EB": "empirical Bayes",
    "PM": "Paule–Mandel",
}
TEST_NAMES = {
    "z": "z-based (normal) intervals", "t": "t-based intervals",
    "knha": "Hartung–Knapp (t-based) intervals",
    "adhoc": "ad hoc Hartung–Knapp intervals (never narrower than the z-based interval)",
}


def method_label(method: str, test: str) -> str:
    """Short label of a pooling method.

    Examples
    --------
    >>> method_label("REML", "knha"), method_label("FE", "z")
    ('REML + Hartung–Knapp', 'Fixed effect')
    """
    if method in ("FE", "EE"):
        return "Fixed effect"
    short = {"z": "z", "t": "t", "knha": "Hartung–Knapp", "adhoc": "ad hoc Hartung–Knapp"}
    return f"{method} + {short.get(test, test)}"


def method_sentence(method: str, test: str) -> str:
    """The method in words, for the report.

    Examples
    --------
    >>> method_sentence("FE", "z")
    'fixed (common) effect model with z-based (normal) intervals'
    """
    if method in ("FE", "EE"):
        return f"fixed (common) effect model with {TEST_NAMES.get(test, test)}"
    return (f"random-effects model: {METHOD_NAMES.get(method, method)} estimate of the "
            f"between-study variance, {TEST_NAMES.get(test, test)}")


def transformed(fit: RMAResult) -> dict[str, float]:
    """Estimate, CI and PI on the reporting scale (ratios, proportions)."""
    f = back_transform(fit.measure)
    keys = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
    return {k: float(np.asarray(f(getattr(fit, k))).reshape(-1)[0]) for k in keys}


def _participants(studies: tuple[StudyInput, ...], outcome: Outcome) -> int | None:
    total = 0
    for s in studies:
        r = s.row
        if outcome.measure in ("PLO", "PFT", "PR", "PAS"):
            n = r.n_int
        else:
            a = r.n_int if r.n_int is not None else s.study.n_int
            b = r.n_comp if r.n_comp is not None else s.study.n_comp
            n = None if a is None or b is None else a + b
        if n is None:
            return None
        total += n
    return total


def _fit(es: EffectSizes, method: str, test: str, level: float) -> tuple[RMAResult, bool]:
    """Pool, or, for one study, return the study itself (FE with k = 1)."""
    fit, pooled, _ = _fit_noted(es, method, test, level)
    return fit, pooled


def _fit_noted(
    es: EffectSizes, method: str, test: str, level: float
) -> tuple[RMAResult, bool, tuple[str, ...]]:
    """:func:`_fit` and the warnings the fit raised (they reach the report as notes)."""
    if es.k == 1:
        return rma(es, method="FE", test="z", level=level), False, ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvisynthWarning)
        fit = rma(es, method=method, test=test, level=level)
    notes = tuple(dict.fromkeys(str(w.message) for w in caught
                                if issubclass(w.category, EvisynthWarning)))
    return fit, True, notes


def _select(
    review: Review, outcome: Outcome, design: str | None, analysis: str, verified_only: bool
) -> tuple[EffectSizes, tuple[StudyInput, ...]] | None:
    try:
        es, used = review.effect_sizes(
            outcome.key, analysis=analysis, design=design, verified_only=verified_only
        )
    except InputError:
        return None
    return es, tuple(used)


def _sensitivity(
    review: Review, outcome: Outcome, design: str, spec: Sensitivity, primary: RMAResult,
    primary_studies: tuple[StudyInput, ...], level: float,
) -> NamedFit | None:
    if spec.outcomes and outcome.key not in spec.outcomes:
        return None
    plan = review.analysis
    method = spec.method or plan.method
    test = spec.test or plan.test
    if spec.leave_one_out:
        if primary.k < 3:
            return NamedFit(spec.key, spec.label, None,
                            note=f"not run: leaving one of {primary.k} studies out leaves "
                                 f"{primary.k - 1}, too few to pool")
        return NamedFit(spec.key, spec.label, None, leave_one_out=leave_one_out(primary),
                        studies=primary_studies)
    picked = _select(review, outcome, design, spec.rows, spec.verified_only)
    if picked is None:
        return NamedFit(spec.key, spec.label, None, note="no studies in this analysis set")
    es, used = picked
    same_rows = [s.row.row_id for s in used] == [s.row.row_id for s in primary_studies]
    if same_rows and spec.method is None and spec.test is None:
        return NamedFit(spec.key, spec.label, None, studies=used,
                        note="same inputs as the primary analysis (nothing to replace)")
    fit, pooled = _fit(es, method, test, level)
    note = None if pooled else "one study: its own estimate, not pooled"
    headline = None
    if spec.method is None and spec.test is None:
        # same model as the primary analysis, on other inputs
        h = _headline(es, used, outcome, plan, fit, pooled)
        headline = h if h.model != "frequentist" else None
    return NamedFit(spec.key, spec.label, fit, note=note, studies=used, headline=headline)


def _certainty(
    review: Review, outcome: Outcome, design_start: str, studies: tuple[StudyInput, ...],
    fit: RMAResult, participants: int | None, reg: RegTestResult | None,
    interval: str = "confidence",
) -> CertaintyRating | None:
    rob = []
    for s in studies:
        overall = [r for r in review.rob_for(s.study_id, outcome.key) if r.domain == "overall"]
        if not overall:
            return None
        rob.append(ROB_TO_GRADE[overall[0].judgement])
    imp = outcome.imprecision
    ois = None
    control = _control_risk(outcome, studies)
    if outcome.measure in ("RR", "OR") and imp.ois_relative_reduction and control is not None:
        ois = optimal_information_size(control, rrr=imp.ois_relative_reduction,
                                       alpha=imp.ois_alpha, power=imp.ois_power)
    thresholds = imp.thresholds or None
    if outcome.measure in ("PLO", "PFT", "PR", "PAS") and thresholds is None:
        return None
    return rate_certainty(
        fit,
        design="RCT" if design_start == "high" else "observational",
        rob=rob,
        thresholds=thresholds,
        ois=ois,
        information=participants if ois is not None else None,
        small_study_test=reg,
        outcome=outcome.label,
        interval=interval,
    )


def _control_risk(outcome: Outcome, studies: tuple[StudyInput, ...]) -> float | None:
    """Comparator risk (RR/OR) or survival (HR) at the outcome's time point."""
    cr = outcome.control_risk
    if cr is None:
        return None
    if cr.method == "reported":
        return cr.value
    events = [s.row.events_comp for s in studies]
    totals = [s.row.n_comp for s in studies]
    if any(e is None for e in events) or any(n is None for n in totals):
        return None
    return sum(e for e in events if e is not None) / sum(n for n in totals if n is not None)


def _stratum(review: Review, outcome: Outcome, design_key: str) -> StratumAnalysis | None:
    plan = review.analysis
    picked = _select(review, outcome, design_key, "primary", False)
    if picked is None:
        return None
    es, used = picked
    design = review.design(design_key)
    fit, pooled, fit_notes = _fit_noted(es, plan.method, plan.test, plan.level)
    notes: list[str] = list(fit_notes)
    if not pooled:
        notes.append("One study: its own estimate is shown; nothing is pooled.")
    alternatives = tuple(
        NamedFit(f"{a.method}-{a.test}", a.label or f"{a.method} with {a.test} test",
                 _fit(es, a.method, a.test, plan.level)[0], studies=used)
        for a in plan.alternatives
    ) if pooled else ()
    sens = tuple(
        s for s in (
            _sensitivity(review, outcome, design_key, spec, fit, used, plan.level)
            for spec in plan.sensitivity
        ) if s is not None
    )
    reg: RegTestResult | None = None
    tf: TrimFillResult | None = None
    if fit.k >= MIN_K_SMALL_STUDY_TEST:
        reg = regtest(fit)
        tf = trimfill(fit)
        ss_note = "Egger-type regression test and trim-and-fill (k >= 10)."
    else:
        ss_note = (f"Not tested: k = {fit.k} < {MIN_K_SMALL_STUDY_TEST}; small-study tests have "
                   "too little power to tell asymmetry from chance (Cochrane Handbook 10.4.3.1).")
    participants = _participants(used, outcome)
    headline = _headline(es, used, outcome, plan, fit, pooled)
    if headline.note:
        notes.append(headline.note)
    gfit = headline.grade_fit
    certainty = _certainty(review, outcome, design.certainty_start, used, gfit, participants,
                           reg, "credible" if headline.model == "bayes" else "confidence")
    agreement = interval_agreement(outcome, method_label(plan.method, plan.test), fit,
                                   alternatives, headline) if pooled else None
    certainty = _adjust_certainty(certainty, fit, agreement)
    check = None
    if (pooled and design_key == plan.design and outcome.measure not in _PROPORTION_MEASURES
            and hasattr(fit, "interval_check")):
        methods = [f"{plan.method}-{plan.test}"] + [f"{a.method}-{a.test}"
                                                     for a in plan.alternatives]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvisynthWarning)
            check = fit.interval_check(reps=INTERVAL_CHECK_REPS, methods=methods, plot=False)
    return StratumAnalysis(
        design=design_key,
        design_label=design.label,
        certainty_start=design.certainty_start,
        studies=used,
        es=es,
        fit=fit,
        pooled=pooled,
        alternatives=alternatives,
        sensitivity=sens,
        regtest=reg,
        trimfill=tf,
        small_study_note=ss_note,
        certainty=certainty,
        participants=participants,
        notes=tuple(notes),
        intervals=agreement,
        headline=headline,
        interval_check=check,
    )


@dataclass(frozen=True)
class SubgroupAnalysis:
    """One pre-specified subgroup variable within one design stratum of one outcome."""

    key: str
    label: str
    design: str
    design_label: str
    result: SubgroupResult | None
    note: str
    rationale: str | None = None
    k: int = 0
    column: str = ""
    glmm: GlmmModerator | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "design": self.design, "note": self.note,
                "column": self.column,
                "glmm": None if self.glmm is None else self.glmm.to_dict(),
                "rationale": self.rationale, "k": self.k,
                "result": None if self.result is None else self.result.to_dict()}


@dataclass(frozen=True)
class GlmmModerator:
    """A subgroup variable of one-arm rates as a GLMM moderator.

    ``test``: the omnibus Wald test of the moderator (QM, df, p) from
    :func:`evisynth.rma_glmm` with indicator columns for the groups;
    ``groups``: per group its k, events/total and rate with a 95% interval (the
    group's own GLMM when it has two or more studies, else the study's exact
    interval).
    """

    qm: float
    df: int
    pval: float
    groups: tuple[tuple[str, int, float, float, float, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"QM": self.qm, "df": self.df, "pval": self.pval,
                "groups": [{"group": g, "k": k, "estimate": e, "ci_lb": lb, "ci_ub": ub,
                            "method": m} for g, k, e, lb, ub, m in self.groups]}


def glmm_moderator(used: tuple[StudyInput, ...], groups: list[str],
                   level: float) -> GlmmModerator | None:
    """Group rates and the moderator test with the binomial-normal GLMM (if available)."""
    import evisynth as ev

    glmm = getattr(ev, "rma_glmm", None)
    if glmm is None:
        return None
    xi = [u.row.events_int for u in used]
    ni = [u.row.n_int for u in used]
    if any(v is None for v in xi + ni):
        return None
    levels = list(dict.fromkeys(groups))
    mods = np.array([[1.0 if g == lev else 0.0 for lev in levels[1:]] for g in groups])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = glmm("PLO", xi=xi, ni=ni, mods=mods, level=level)
        except InputError:
            return None
        rows = []
        for lev in levels:
            idx = [i for i, g in enumerate(groups) if g == lev]
            if len(idx) >= 2:
                g = glmm("PLO", xi=[xi[i] for i in idx], ni=[ni[i] for i in idx], level=level)
                t = g.transf()
                rows.append((lev, len(idx), t["estimate"], t["ci_lb"], t["ci_ub"], "GLMM"))
            else:
                ex = exact_proportion(xi[idx[0]], ni[idx[0]], level)
                lo, hi = ex["exact_ci"]
                rows.append((lev, 1, ex["proportion"], lo, hi, "exact"))
    if fit.QM is None or fit.QM_df is None or fit.QM_pval is None:
        return None
    return GlmmModerator(float(fit.QM), int(fit.QM_df), float(fit.QM_pval), tuple(rows))


def subgroup_value(study: StudyInput, column: str) -> str | None:
    """A study input's value of a subgroup column: ``feature:NAME``, a studies.csv column
    or an outcomes.csv column (in that order).

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> _, used = load_bundled("cart_dlbcl").effect_sizes("efs")
    >>> [subgroup_value(u, "feature:efs_week12") for u in used]
    ['no', 'no', 'yes']
    """
    if column.startswith("feature:"):
        return study.study.feature(column.removeprefix("feature:"))
    if column in type(study.study).model_fields:
        value = getattr(study.study, column)
    else:
        value = getattr(study.row, column, None)
    return None if value is None else str(value)


def _subgroups(review: Review, outcome: Outcome,
               strata: tuple[StratumAnalysis, ...]) -> tuple[SubgroupAnalysis, ...]:
    out: list[SubgroupAnalysis] = []
    plan = review.analysis
    for sg in review.subgroups:
        if sg.outcomes and outcome.key not in sg.outcomes:
            continue
        if sg.column == "design":
            # The only analysis that spans strata: a test of their difference, never a pool.
            picked = _select(review, outcome, None, "primary", False)
            targets = [("all", "all designs", picked)]
        else:
            targets = [(s.design, s.design_label, (s.es, s.studies)) for s in strata]
        for design, design_label, chosen in targets:
            if chosen is None:
                continue
            es, used = chosen
            values = [subgroup_value(s, sg.column) for s in used]
            keep = [i for i, v in enumerate(values) if v is not None]
            if len(used) < 2:
                continue
            groups = [str(values[i]) for i in keep]
            if len(set(groups)) < 2:
                shown = groups[0] if groups else "no value"
                out.append(SubgroupAnalysis(
                    sg.key, sg.label, design, design_label, None,
                    f"not run: all {len(used)} studies share {sg.column} = {shown!r}",
                    sg.rationale, len(used), sg.column))
                continue
            sub_es = es if len(keep) == len(used) else EffectSizes(
                yi=es.yi[keep], vi=es.vi[keep], measure=es.measure,
                labels=None if es.labels is None else tuple(es.labels[i] for i in keep))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EvisynthWarning)
                res = subgroup(sub_es, groups, method=plan.method, test="z", tau2="separate",
                               level=plan.level)
            if sg.column == "design":
                note = "Test for subgroup differences only; strata are not pooled together."
            else:
                note = f"Subgroups within the stratum: {design_label}."
            singles = sum(1 for g in set(groups) if groups.count(g) == 1)
            if singles:
                note += (f" {singles} of {len(set(groups))} subgroups hold a single study: "
                         "the test asks whether studies differ, it cannot say why (with so few "
                         "studies, design features, products and populations are confounded).")
            gm = None
            fs = plan.few_studies
            if (outcome.measure in _PROPORTION_MEASURES and fs is not None
                    and fs.proportions == "glmm"):
                gm = glmm_moderator(tuple(used[i] for i in keep), groups, plan.level)
                if gm is not None:
                    note += (" Rates and the moderator test from the binomial-normal GLMM "
                             "(the figure shows the logit-normal subgroup analysis).")
            out.append(SubgroupAnalysis(sg.key, sg.label, design, design_label, res, note,
                                        sg.rationale, len(keep), sg.column, gm))
    return tuple(out)


def _sof_row(oa: OutcomeAnalysis, arm_label: str | None = None) -> SoFRow | None:
    p = oa.primary
    if p is None:
        return None
    o = oa.outcome
    baseline = _control_risk(o, p.studies)
    when = None
    if o.measure == "HR" and o.control_risk is not None and o.control_risk.time_months:
        when = f"{o.control_risk.time_months:g} months"
    abs_ok = o.measure in ("HR", "RR", "OR")
    kwargs: dict[str, Any] = {
        "participants": p.participants,
        "certainty": p.certainty,
        "design": "RCT" if p.certainty_start == "high" else "observational",
        "baseline": baseline if abs_ok else None,
        "baseline_source": (o.control_risk.source if o.control_risk is not None else None),
        "time_point": when,
    }
    gfit = p.fit if p.headline is None else p.headline.grade_fit
    if o.measure in LOG_MEASURES:
        return SoFRow.from_fit(o.label, gfit, **kwargs)
    t = p.reported
    return SoFRow(o.label, o.measure, t["estimate"], t["ci_lb"], t["ci_ub"],
                  studies=p.k,
                  comment="pooled proportion among "
                          + (arm_label or "people in the intervention arm"),
                  **kwargs)


def analyse_review(review: Review) -> ReviewResults:
    """Run every analysis the review's plan asks for.

    Parameters
    ----------
    review
        A loaded review (:func:`evisynth.load_review`).

    Returns
    -------
    ReviewResults
        Per outcome: each design stratum's primary fit, the alternative
        methods, sensitivity analyses, small-study assessment and GRADE
        certainty; subgroup analyses; the Summary-of-Findings table.

    Raises
    ------
    InputError
        If an outcome's inputs cannot be turned into effect sizes.

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> res = analyse_review(load_bundled("cart_dlbcl"))
    >>> res.outcomes[0].primary.fit.k
    3
    """
    plan = review.analysis
    design_order = [plan.design] + [d.key for d in review.designs if d.key != plan.design]
    analyses = []
    for outcome in review.outcomes:
        strata = tuple(
            s for s in (_stratum(review, outcome, d) for d in design_order) if s is not None
        )
        analyses.append(OutcomeAnalysis(outcome, strata, _subgroups(review, outcome, strata)))
    arm = review.report.intervention_arm_label
    rows = [r for r in (_sof_row(oa, arm) for oa in analyses) if r is not None]
    sof = summary_of_findings(rows) if rows else None
    reanalyses = tuple(reanalyse(review, spec) for spec in review.reanalyses)
    return ReviewResults(review=review, outcomes=tuple(analyses), sof=sof,
                         reanalyses=reanalyses, cost_effectiveness=run_cea(review, analyses))


def reanalyse(review: Review, spec: Reanalysis) -> ReanalysisResult:
    """Reconstruct each arm's patient data from its digitised curve and compare the arms.

    Reconstruction: :func:`evisynth.reconstruct_ipd` (Guyot et al. 2012) with
    whatever the review gives (numbers at risk, total events, n). Comparison:
    :func:`evisynth.compare_arms` (KM, log-rank, Cox, landmarks, RMST).
    """
    recs = []
    for arm in spec.arms:
        curve = review.curve_table(arm.curve).to_frame()
        at_risk = None if arm.at_risk is None else review.curve_table(arm.at_risk).to_frame()
        try:
            rec = reconstruct_ipd(curve, at_risk, total_events=arm.total_events, n=arm.n,
                                  scale=arm.scale)
        except InputError as exc:
            raise InputError(f"reanalysis {spec.key!r}, arm {arm.arm!r}: {exc}",
                             where=arm.curve) from None
        recs.append((arm.arm, rec))
    ipd = pd.concat([r.ipd.assign(arm=name) for name, r in recs], ignore_index=True)
    comparison = compare_arms(ipd, arm="arm", reference=spec.reference,
                              landmarks=spec.landmarks, tau=spec.tau)
    return ReanalysisResult(spec=spec, reconstructions=tuple(recs), comparison=comparison)
