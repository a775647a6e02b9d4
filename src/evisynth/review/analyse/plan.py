"""The whole analysis plan: every outcome's strata and subgroups, the Summary of Findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evisynth.grade import SoFRow, SoFTable, summary_of_findings
from evisynth.meta.results import LOG_MEASURES
from evisynth.review._review import Review
from evisynth.review.analyse.certainty import control_risk
from evisynth.review.analyse.reanalysis import ReanalysisResult, reanalyse
from evisynth.review.analyse.stratum import StratumAnalysis, analyse_stratum
from evisynth.review.analyse.subgroups import SubgroupAnalysis, analyse_subgroups
from evisynth.review.cea import CEAResults, run_cea
from evisynth.review.model import Outcome

__all__ = ["OutcomeAnalysis", "ReviewResults", "analyse_review"]


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


def _sof_row(oa: OutcomeAnalysis, arm_label: str | None = None) -> SoFRow | None:
    """The outcome's row of the Summary of Findings (``None``: not analysed)."""
    p = oa.primary
    if p is None:
        return None
    o = oa.outcome
    baseline = control_risk(o, p.studies)
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
        # A Bayesian headline pools to a credible interval; the table's headers follow.
        "interval": "confidence" if p.headline is None else p.headline.interval_kind,
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
            s for s in (analyse_stratum(review, outcome, d) for d in design_order) if s is not None
        )
        analyses.append(OutcomeAnalysis(outcome, strata,
                                        analyse_subgroups(review, outcome, strata)))
    arm = review.report.intervention_arm_label
    rows = [r for r in (_sof_row(oa, arm) for oa in analyses) if r is not None]
    sof = summary_of_findings(rows) if rows else None
    reanalyses = tuple(reanalyse(review, spec) for spec in review.reanalyses)
    return ReviewResults(review=review, outcomes=tuple(analyses), sof=sof,
                         reanalyses=reanalyses, cost_effectiveness=run_cea(review, analyses))
