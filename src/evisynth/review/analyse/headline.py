"""The primary result a stratum leads with: Bayesian for few studies, GLMM for proportions.

Which model: see :func:`choose_headline`; the plan's frequentist fit stays in the
sensitivity table whichever model leads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evisynth.effects import EffectSizes
from evisynth.meta import RMAResult
from evisynth.review.analyse.fits import noting_warnings
from evisynth.review.analyse.reporting import (
    PROPORTION_MEASURES,
    exact_proportion,
    method_label,
    reporting_scale,
    transformed,
)
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome

__all__ = ["Headline", "choose_headline", "frequentist_headline"]


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

    @property
    def interval_kind(self) -> str:
        """``"credible"`` for a Bayesian model's interval, else ``"confidence"``."""
        return "credible" if self.model == "bayes" else "confidence"

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

    @property
    def reported(self) -> dict[str, float]:
        """Estimate, interval and prediction interval on the reporting scale."""
        return {"estimate": self.estimate, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
                "pi_lb": self.pi_lb, "pi_ub": self.pi_ub}


def frequentist_headline(fit: RMAResult, note: str | None = None) -> Headline:
    """The plan's own fit as the headline (its numbers back-transformed)."""
    t = transformed(fit)
    return Headline("frequentist", method_label(fit.method, fit.test), t["estimate"],
                    t["ci_lb"], t["ci_ub"], t["pi_lb"], t["pi_ub"],
                    f"{fit.level:g}% confidence interval", fit, note=note)


def _model_headline(model: str, label: str, res: Any, fit: RMAResult,
                    back: Callable[[float], float], interval: str, **extra: Any) -> Headline:
    """A model's result as the headline; the plan's fit carries its numbers for GRADE."""
    grade_fit = dataclasses.replace(fit, estimate=res.estimate, ci_lb=res.ci_lb,
                                    ci_ub=res.ci_ub, pi_lb=res.pi_lb, pi_ub=res.pi_ub)
    return Headline(model, label, back(res.estimate), back(res.ci_lb), back(res.ci_ub),
                    back(res.pi_lb), back(res.pi_ub), interval, grade_fit, result=res, **extra)


def _prior_words(spec: str) -> str:
    """``"halfnormal:0.5"`` in words: ``half-normal(0.5) prior on tau``."""
    name, _, scale = spec.partition(":")
    names = {"halfnormal": "half-normal", "halfcauchy": "half-Cauchy",
             "halft": "half-Student-t", "exponential": "exponential", "uniform": "uniform",
             "lognormal": "log-normal"}
    return f"{names.get(name.lower(), name)}({scale}) prior on tau" if scale else spec


def choose_headline(es: EffectSizes, used: tuple[StudyInput, ...], outcome: Outcome,
                    plan: Any, fit: RMAResult, pooled: bool) -> Headline:
    """The stratum's primary model: Bayesian for few studies, GLMM for proportions."""
    import evisynth as ev

    fs = plan.few_studies
    if (not pooled and fs is not None and outcome.measure in PROPORTION_MEASURES
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
        return frequentist_headline(fit)
    back = reporting_scale(outcome.measure)
    if outcome.measure in PROPORTION_MEASURES and fs.proportions == "glmm":
        glmm = getattr(ev, "rma_glmm", None)
        if glmm is None:
            return frequentist_headline(fit, note="The binomial-normal GLMM is not available "
                                        "in this evisynth version; the plan's method is "
                                        "used.")
        xi = [u.row.events_int for u in used]
        ni = [u.row.n_int for u in used]
        g, notes = noting_warnings(lambda: glmm(outcome.measure, xi=xi, ni=ni, level=plan.level,
                                                labels=[u.label for u in used]))
        notes += list(getattr(g, "notes", ()))
        return _model_headline("glmm", "Binomial-normal GLMM (logit link, exact likelihood)",
                               g, fit, back, f"{plan.level:g}% confidence interval",
                               note="; ".join(dict.fromkeys(notes)) or None)
    if outcome.measure in PROPORTION_MEASURES or es.k > fs.max_k or fs.model != "bayes":
        return frequentist_headline(fit)
    bayes = getattr(ev, "bayesmeta", None)
    if bayes is None:
        return frequentist_headline(fit, note="The Bayesian random-effects model is not "
                                    "available in this evisynth version; the plan's method "
                                    "is used.")
    b = bayes(es, tau_prior=fs.tau_prior, level=plan.level)
    sens = []
    for spec in fs.prior_sensitivity:
        bs = bayes(es, tau_prior=spec, level=plan.level)
        sens.append((_prior_words(spec), back(bs.estimate), back(bs.ci_lb), back(bs.ci_ub)))
    return _model_headline("bayes", f"Bayesian random effects ({_prior_words(fs.tau_prior)})",
                           b, fit, back, f"{plan.level:g}% credible interval",
                           prior_sensitivity=tuple(sens))
