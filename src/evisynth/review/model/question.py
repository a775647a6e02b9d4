"""What a review asks (``[question]``, ``[[designs]]``, ``[outcomes.<key>]`` of review.toml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from evisynth.review.model.fields import FROZEN, Id, VerificationName
from evisynth.review.model.vocabulary import MEASURES

__all__ = [
    "ControlRisk",
    "Design",
    "Imprecision",
    "Outcome",
    "Question",
]

class Question(BaseModel):
    """The review question as PICO (population, intervention, comparator, outcomes)."""

    model_config = FROZEN

    population: str
    intervention: str
    comparator: str
    outcomes: str
    setting: str | None = None


class Design(BaseModel):
    """A design stratum (``RCT``, ``external-control``...) and its risk-of-bias tool.

    Strata are analysed separately; ``AnalysisPlan.pool_across_designs`` says
    whether any analysis may pool across them (the default is no).
    """

    model_config = FROZEN

    key: Id
    label: str
    rob_tool: Literal["RoB 2", "ROBINS-I", "none"]
    certainty_start: Literal["high", "low"] = "high"
    description: str | None = None
    rob_note: str | None = None


class ControlRisk(BaseModel):
    """The control-arm risk that turns a relative effect into an absolute one.

    ``method = "reported"``: a reported control-arm value (``value`` is the
    survival probability, for ``quantity = "survival"``, or the event probability
    at ``time_months``) with its full source. ``method = "control-arms"``: the
    GRADE step computes it from the control arms of the analysed rows (counts).
    """

    model_config = FROZEN

    method: Literal["reported", "control-arms"]
    quantity: Literal["survival", "event"] = "event"
    time_months: float | None = Field(default=None, gt=0)
    value: float | None = Field(default=None, ge=0, le=1)
    study_id: str | None = None
    source: str | None = None
    doi_or_pmid: str | None = None
    location: str | None = None
    verification: VerificationName | None = None
    source_rows: tuple[int, ...] = ()
    note: str | None = None


class Imprecision(BaseModel):
    """Decision thresholds for the GRADE imprecision rating of one outcome.

    ``thresholds`` are on the reporting scale (ratios for ratio measures,
    proportions for one-arm proportions); a confidence interval that crosses the
    null or a threshold is imprecise. ``ois_relative_reduction`` is the relative
    effect used for the optimal information size (with ``ois_alpha``, ``ois_power``).
    """

    model_config = FROZEN

    null: float | None = None
    thresholds: tuple[float, ...] = ()
    ois_relative_reduction: float | None = Field(default=None, gt=0, lt=1)
    ois_alpha: float = Field(default=0.05, gt=0, lt=1)
    ois_power: float = Field(default=0.8, gt=0, lt=1)
    rationale: str | None = None


class Outcome(BaseModel):
    """One outcome of the review (a table ``[outcomes.<key>]`` of review.toml).

    Examples
    --------
    >>> Outcome(key="os", label="Overall survival", measure="HR").data
    'reported-ratio'
    """

    model_config = FROZEN

    key: Id
    label: str
    measure: Literal["HR", "RR", "OR", "PLO", "PFT", "PR", "PAS"]
    scale: Literal["ratio", "proportion", "percent"] = "ratio"
    favours: Literal["lower", "higher"] = "lower"
    importance: Literal["critical", "important", "not important"] = "critical"
    arm: str | None = None
    definition: str | None = None
    grading_note: str | None = None
    time_point_months: float | None = Field(default=None, gt=0)
    control_risk: ControlRisk | None = None
    imprecision: Imprecision = Imprecision()

    @property
    def data(self) -> str:
        """The kind of data each row gives: see :data:`MEASURES`."""
        return MEASURES[self.measure]
