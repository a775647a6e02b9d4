"""The analysis plan of review.toml: ``[analysis]``, its methods and sensitivity analyses,
and the ``[[subgroups]]``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from evisynth.review.model.fields import FROZEN, Id, MethodName, TestName

__all__ = [
    "AnalysisPlan",
    "FewStudies",
    "MethodSpec",
    "Sensitivity",
    "Subgroup",
]

class MethodSpec(BaseModel):
    """A pooling method: tau² estimator and test (metafor vocabulary)."""

    model_config = FROZEN

    method: MethodName = "REML"
    test: TestName = "knha"
    label: str | None = None
    rationale: str | None = None


class Sensitivity(BaseModel):
    """One sensitivity analysis of the plan.

    ``rows`` names the analysis set (see :data:`ANALYSES`) whose rows replace each
    trial's primary row; ``method``/``test`` override the primary method;
    ``leave_one_out`` asks for a leave-one-out analysis; ``verified_only`` keeps
    only rows verified in the study's own text. ``outcomes`` limits the analysis
    to some outcomes (empty: all).
    """

    model_config = FROZEN

    key: Id
    label: str
    rows: Literal["primary", "earlier-cut", "crossover-adjusted", "lead"] = "primary"
    method: MethodName | None = None
    test: TestName | None = None
    leave_one_out: bool = False
    verified_only: bool = False
    outcomes: tuple[str, ...] = ()
    rationale: str | None = None


class FewStudies(BaseModel):
    """The primary model for outcomes with few studies (``[analysis.few_studies]``).

    With ``k <= max_k`` studies the primary analysis is ``model = "bayes"``: a
    Bayesian random-effects model (normal-normal) with ``tau_prior`` on the
    between-study standard deviation (``"halfnormal:0.5"``: half-normal with
    scale 0.5 on the log-ratio scale, Röver et al. 2021), flat prior on the
    effect; ``prior_sensitivity`` lists the priors of the prior-sensitivity
    rows. The plan's frequentist method stays in the sensitivity table.
    ``proportions = "glmm"`` pools one-arm proportions with the binomial-normal
    GLMM instead of the logit-transformed normal model.
    """

    model_config = FROZEN

    max_k: int = Field(default=4, ge=2)
    model: Literal["bayes", "frequentist"] = "bayes"
    tau_prior: str = "halfnormal:0.5"
    prior_sensitivity: tuple[str, ...] = ("halfnormal:0.25", "halfnormal:1")
    proportions: Literal["glmm", "normal"] = "glmm"
    rationale: str | None = None


class AnalysisPlan(BaseModel):
    """The analysis plan: primary method, alternatives shown, sensitivity analyses.

    ``design`` is the design stratum of the primary analysis; ``rows`` the analysis
    set used (``primary``). ``data_cut_rule`` and ``source_rule`` state in words
    which data cut and which sources the primary analysis uses.
    """

    model_config = FROZEN

    method: MethodName = "REML"
    test: TestName = "knha"
    level: float = Field(default=95, gt=50, lt=100)
    design: str = "RCT"
    pool_across_designs: bool = False
    data_cut_rule: str | None = None
    source_rule: str | None = None
    alternatives: tuple[MethodSpec, ...] = ()
    sensitivity: tuple[Sensitivity, ...] = ()
    few_studies: FewStudies | None = None


class Subgroup(BaseModel):
    """A subgroup variable: a column of studies.csv (``intervention``, ``design``...).

    ``column = "grading"`` (or another outcome-row column) groups by the row's
    cell instead, e.g. the toxicity grading scale. ``outcomes`` limits the
    subgroup analysis to some outcomes (empty: all); ``prespecified`` and
    ``rationale`` record why the variable was chosen before seeing the results.
    """

    model_config = FROZEN

    key: Id
    label: str
    column: str
    rationale: str | None = None
    outcomes: tuple[str, ...] = ()
    prespecified: bool = True
