"""Typed, immutable objects of a review folder (pydantic models).

A review folder holds ``review.toml`` (question, outcomes, analysis plan,
subgroups, PRISMA counts, exclusions) and CSV tables (``studies.csv``,
``outcomes.csv``, ``risk_of_bias.csv`` and optionally ``published.csv``). The
loader (:func:`evisynth.review.load_review`) turns them into the objects below;
every object is frozen and every collection is a tuple.

CSV-backed models accept the raw cell text (the loader passes strings) as well
as typed values (code and tests may build them directly): cells are parsed by
:mod:`evisynth.review._cells`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from evisynth.engine import METHODS, TESTS
from evisynth.review import _cells

__all__ = [
    "ANALYSES",
    "MEASURES",
    "ROB_DOMAINS",
    "ROB_JUDGEMENTS",
    "VERIFICATION",
    "AnalysisPlan",
    "ControlRisk",
    "CurveTable",
    "Design",
    "Exclusion",
    "FewStudies",
    "Gap",
    "Imprecision",
    "MethodSpec",
    "Outcome",
    "OutcomeRow",
    "Prisma",
    "PublishedResult",
    "Question",
    "Reanalysis",
    "ReanalysisArm",
    "ReportText",
    "RiskOfBias",
    "Sensitivity",
    "SourceFile",
    "SourceInfo",
    "Study",
    "Subgroup",
    "UnusedRows",
]

#: Analysis sets an outcome row can belong to (column ``analysis`` of outcomes.csv).
#: ``primary``: used in the primary analysis (one row per trial and outcome).
#: ``earlier-cut``, ``crossover-adjusted``, ``lead``: replace the trial's primary row
#: in the sensitivity analysis of that name. ``alternative``: kept for the record
#: (another rounding, source or version of a number), never analysed.
ANALYSES: tuple[str, ...] = ("primary", "earlier-cut", "crossover-adjusted", "lead", "alternative")

#: Effect measures an outcome can use, with the data each row must give.
MEASURES: dict[str, str] = {
    "HR": "reported-ratio",
    "RR": "two-arm-counts",
    "OR": "two-arm-counts",
    "PLO": "one-arm-counts",
    "PFT": "one-arm-counts",
    "PR": "one-arm-counts",
    "PAS": "one-arm-counts",
}

#: Verification status of a number (as in the shared extraction table).
VERIFICATION: tuple[str, ...] = ("verified-in-source", "from-secondary-source")

#: Risk-of-bias domains per tool (``overall`` is required as well).
ROB_DOMAINS: dict[str, dict[str, str]] = {
    "RoB 2": {
        "D1": "Bias arising from the randomization process",
        "D2": "Bias due to deviations from intended interventions",
        "D3": "Bias due to missing outcome data",
        "D4": "Bias in measurement of the outcome",
        "D5": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
    "ROBINS-I": {
        "D1": "Bias due to confounding",
        "D2": "Bias in selection of participants into the study",
        "D3": "Bias in classification of interventions",
        "D4": "Bias due to deviations from intended interventions",
        "D5": "Bias due to missing data",
        "D6": "Bias in measurement of outcomes",
        "D7": "Bias in selection of the reported result",
        "overall": "Overall risk of bias",
    },
}

#: Allowed judgements per tool, from least to most concern.
ROB_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    "RoB 2": ("low", "some concerns", "high", "no information"),
    "ROBINS-I": ("low", "moderate", "serious", "critical", "no information"),
}

_FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _cell(parser: Callable[[str], Any]) -> BeforeValidator:
    """Parse strings (CSV cells) with ``parser``; pass typed values through."""

    def parse(value: Any) -> Any:
        return parser(value) if isinstance(value, str) else value

    return BeforeValidator(parse)


def _choice(choices: tuple[str, ...]) -> BeforeValidator:
    return _cell(lambda raw: _cells.parse_choice(raw, choices))


Text = Annotated[str, _cell(_cells.parse_text)]
OptText = Annotated[str | None, _cell(_cells.parse_text)]
Id = Annotated[str, _cell(_cells.parse_id)]
OptFloat = Annotated[float | None, _cell(_cells.parse_float)]
OptCount = Annotated[int | None, _cell(_cells.parse_count)]
Flag = Annotated[bool, _cell(lambda raw: bool(_cells.parse_bool(raw)))]
OptDoi = Annotated[str | None, _cell(_cells.parse_doi_or_pmid)]
SourceRows = Annotated[tuple[int, ...], _cell(lambda raw: _cells.parse_source_rows(raw) or ())]
Verification = Annotated[
    Literal["verified-in-source", "from-secondary-source"], _choice(VERIFICATION)
]
OptVerification = Annotated[
    Literal["verified-in-source", "from-secondary-source"] | None, _choice(VERIFICATION)
]
Analysis = Annotated[
    Literal["primary", "earlier-cut", "crossover-adjusted", "lead", "alternative"],
    _choice(ANALYSES),
]


# --------------------------------------------------------------------------- CSV rows


class Study(BaseModel):
    """One report (publication or data cut) of a study: a row of ``studies.csv``.

    Several reports of one randomised population share the ``trial`` name and are
    ordered by ``cut_order`` (1 = earliest data cut). Every number carries its
    source: ``n_int``/``n_comp`` come with ``n_source``, ``n_location`` and
    ``n_verification``.

    Examples
    --------
    >>> s = Study(study_id="T1", trial="T", label="T (2020)", design="RCT",
    ...           intervention="drug X", cut_order=1, citation="Doe 2020")
    >>> s.n_int is None
    True
    """

    model_config = _FROZEN

    study_id: Id
    trial: Text
    label: Text
    design: Id
    design_detail: OptText = None
    intervention: Text
    comparator: OptText = None
    line: OptText = None
    n_int: OptCount = None
    n_comp: OptCount = None
    n_source: OptText = None
    n_doi_or_pmid: OptDoi = None
    n_location: OptText = None
    n_verification: OptVerification = None
    n_source_rows: SourceRows = ()
    data_cut: OptText = None
    cut_order: Annotated[int, _cell(_cells.parse_int), Field(ge=1)]
    median_follow_up_months: Annotated[
        Annotated[float, Field(gt=0)] | None, _cell(_cells.parse_float)
    ] = None
    citation: Text
    doi_or_pmid: OptDoi = None
    notes: OptText = None
    features: Annotated[tuple[tuple[str, str], ...], _cell(_cells.parse_features)] = ()
    features_source: OptText = None

    def feature(self, name: str) -> str | None:
        """The value of design feature ``name`` (column ``features``), or ``None``."""
        return dict(self.features).get(name)


class OutcomeRow(BaseModel):
    """One extracted result: a row of ``outcomes.csv`` (study x outcome x analysis).

    Ratio outcomes (HR) give ``estimate`` with ``ci_lb``/``ci_ub`` or an exact
    two-sided ``pval``; count outcomes give ``events_*``/``n_*``. Every row names
    its ``source`` (citation), ``doi_or_pmid``, ``location`` in the source and
    ``verification``; ``source_rows`` are the row numbers in the table it was built
    from. ``derived`` marks counts computed from a reported percentage and a known
    denominator (``derivation`` says how); ``lead_only`` marks numbers whose only
    source is a lead (an unpublished dataset), which never enter the primary analysis.

    Examples
    --------
    >>> r = OutcomeRow(row_id="os-1", outcome="os", study_id="T1", analysis="primary",
    ...                estimate="0.726", ci_lb="0.540", ci_ub="0.977", source="Doe 2023",
    ...                location="abstract", verification="verified-in-source")
    >>> r.estimate, r.derived
    (0.726, False)
    """

    model_config = _FROZEN

    row_id: Id
    outcome: Id
    study_id: Id
    analysis: Analysis
    definition: OptText = None
    estimate: OptFloat = None
    ci_lb: OptFloat = None
    ci_ub: OptFloat = None
    pval: OptFloat = None
    pval_text: OptText = None
    events_int: OptCount = None
    n_int: OptCount = None
    events_comp: OptCount = None
    n_comp: OptCount = None
    grading: OptText = None
    source_file: OptText = None
    derived: Flag = False
    derivation: OptText = None
    lead_only: Flag = False
    source: Text
    doi_or_pmid: OptDoi = None
    location: Text
    verification: Verification
    source_rows: SourceRows = ()
    notes: OptText = None

    @property
    def verified(self) -> bool:
        """``True`` when every number of the row was read in the study's own text."""
        return self.verification == "verified-in-source"


class RiskOfBias(BaseModel):
    """One risk-of-bias judgement: a row of ``risk_of_bias.csv``.

    ``outcomes`` is ``("*",)`` for all outcomes or a tuple of outcome keys;
    ``domain`` is ``D1``... or ``overall`` (see :data:`ROB_DOMAINS`).

    Examples
    --------
    >>> RiskOfBias(study_id="T1", outcomes="efs;os", tool="RoB 2", domain="D1",
    ...            judgement="low", support="central randomisation").outcomes
    ('efs', 'os')
    """

    model_config = _FROZEN

    study_id: Id
    outcomes: Annotated[tuple[str, ...], _cell(lambda raw: _cells.parse_keys(raw) or ())]
    tool: Annotated[Literal["RoB 2", "ROBINS-I"], _choice(tuple(ROB_DOMAINS))]
    domain: Text
    judgement: Text
    support: Text

    def applies_to(self, outcome: str) -> bool:
        """Whether this judgement covers ``outcome``."""
        return self.outcomes == ("*",) or outcome in self.outcomes


class PublishedResult(BaseModel):
    """A pooled result claimed by a published meta-analysis: a row of ``published.csv``.

    Kept beside the review's own results for comparison, never pooled with them.

    Examples
    --------
    >>> PublishedResult(claim_id="c1", publication="Doe 2024", definition="OS",
    ...                 measure="HR", estimate="0.76", source="Doe 2024",
    ...                 location="abstract", verification="verified-in-source").estimate
    0.76
    """

    model_config = _FROZEN

    claim_id: Id
    publication: Text
    outcome: Annotated[str | None, _cell(_cells.parse_id)] = None
    definition: Text
    measure: Text
    arm: OptText = None
    estimate: OptFloat = None
    ci_lb: OptFloat = None
    ci_ub: OptFloat = None
    pval_text: OptText = None
    source: Text
    doi_or_pmid: OptDoi = None
    location: Text
    verification: Verification
    source_rows: SourceRows = ()
    notes: OptText = None


# --------------------------------------------------------------------------- review.toml


class Question(BaseModel):
    """The review question as PICO (population, intervention, comparator, outcomes)."""

    model_config = _FROZEN

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

    model_config = _FROZEN

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

    model_config = _FROZEN

    method: Literal["reported", "control-arms"]
    quantity: Literal["survival", "event"] = "event"
    time_months: float | None = Field(default=None, gt=0)
    value: float | None = Field(default=None, ge=0, le=1)
    study_id: str | None = None
    source: str | None = None
    doi_or_pmid: str | None = None
    location: str | None = None
    verification: Literal["verified-in-source", "from-secondary-source"] | None = None
    source_rows: tuple[int, ...] = ()
    note: str | None = None


class Imprecision(BaseModel):
    """Decision thresholds for the GRADE imprecision rating of one outcome.

    ``thresholds`` are on the reporting scale (ratios for ratio measures,
    proportions for one-arm proportions); a confidence interval that crosses the
    null or a threshold is imprecise. ``ois_relative_reduction`` is the relative
    effect used for the optimal information size (with ``ois_alpha``, ``ois_power``).
    """

    model_config = _FROZEN

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

    model_config = _FROZEN

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


def _known(kind: str, choices: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not a {kind}; use one of {', '.join(choices)}")
        return value

    return AfterValidator(check)


#: A tau² estimator / test name as metafor spells it (checked against the engine's lists).
MethodName = Annotated[str, _known("method", METHODS)]
TestName = Annotated[str, _known("test", TESTS)]


class MethodSpec(BaseModel):
    """A pooling method: tau² estimator and test (metafor vocabulary)."""

    model_config = _FROZEN

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

    model_config = _FROZEN

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

    model_config = _FROZEN

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

    model_config = _FROZEN

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

    model_config = _FROZEN

    key: Id
    label: str
    column: str
    rationale: str | None = None
    outcomes: tuple[str, ...] = ()
    prespecified: bool = True


class Prisma(BaseModel):
    """PRISMA 2020 flow counts; a count nobody can state honestly is left out (``None``).

    The loader checks the arithmetic of the counts that are given, and that
    ``reports_excluded``, ``reports_included`` and ``studies_included`` agree with
    the exclusion log and studies.csv.
    """

    model_config = _FROZEN

    records_databases: int | None = Field(default=None, ge=0)
    records_other_sources: int | None = Field(default=None, ge=0)
    duplicates_removed: int | None = Field(default=None, ge=0)
    records_screened: int | None = Field(default=None, ge=0)
    records_excluded: int | None = Field(default=None, ge=0)
    reports_sought: int | None = Field(default=None, ge=0)
    reports_not_retrieved: int | None = Field(default=None, ge=0)
    reports_assessed: int | None = Field(default=None, ge=0)
    reports_excluded: int | None = Field(default=None, ge=0)
    studies_included: int | None = Field(default=None, ge=0)
    reports_included: int | None = Field(default=None, ge=0)
    search_reproduced: bool = True
    note: str | None = None


class Exclusion(BaseModel):
    """One excluded record or report, with the reason (the exclusion log)."""

    model_config = _FROZEN

    id: Id
    citation: str
    reason: str
    category: str
    stage: Literal["records", "reports"] = "reports"
    source: str | None = None


class Gap(BaseModel):
    """A result that no source gave (kept so the report can say it is missing)."""

    model_config = _FROZEN

    study_id: str
    item: str
    note: str
    source_rows: tuple[int, ...] = ()
    outcome: str | None = None


class UnusedRows(BaseModel):
    """Rows of a source table that the review does not use, and why.

    ``file`` names the table when it is not the main ``[source] file``.
    """

    model_config = _FROZEN

    reason: str
    rows: tuple[int, ...]
    file: str | None = None


class SourceFile(BaseModel):
    """A further source table the review was built from (``[[source.tables]]``)."""

    model_config = _FROZEN

    file: str
    sha256: str | None = None
    rows: int | None = Field(default=None, ge=0)
    note: str | None = None


class SourceInfo(BaseModel):
    """Where the review's data came from (file, checksum, rows not used and why)."""

    model_config = _FROZEN

    file: str
    sha256: str | None = None
    rows: int | None = Field(default=None, ge=0)
    built_by: str | None = None
    unused: tuple[UnusedRows, ...] = ()
    tables: tuple[SourceFile, ...] = ()
    note: str | None = None


class ReportText(BaseModel):
    """The review's own words for the report (``[report]`` of review.toml).

    The report builder is general: every word that belongs to one review (short
    names of the arms, what "favours" means, limitations, caveats about the data
    sources) comes from here.
    ``intervention`` and ``comparator`` are short arm names ("CAR-T", "placebo");
    ``favours`` the two forest-plot labels (lower values, higher values) for
    outcomes where lower favours the intervention; ``limitations`` and
    ``data_caveats`` are sentences listed in the Limitations section;
    ``safety_note`` introduces the one-arm (safety) outcomes; ``published_note``
    explains why published pooled claims may differ; ``abbreviations`` maps each
    abbreviation the review's words use to its meaning.
    """

    model_config = _FROZEN

    intervention: str = "intervention"
    comparator: str = "comparator"
    intervention_arm_label: str | None = None
    limitations: tuple[str, ...] = ()
    data_caveats: tuple[str, ...] = ()
    safety_note: str | None = None
    published_note: str | None = None
    abbreviations: dict[str, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------- curve reanalyses


class ReanalysisArm(BaseModel):
    """One arm of a digitised Kaplan–Meier figure (a table ``[[reanalyses.arms]]``).

    ``curve`` and ``at_risk`` are CSV files inside the review folder: ``time,
    survival`` (``scale`` says proportion or percent) and ``time, n_risk``.
    ``total_events`` and ``n`` are what the paper reports; give what is known.
    Every number carries its source, like an outcome row.
    """

    model_config = _FROZEN
    arm: str
    curve: str
    at_risk: str | None = None
    total_events: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1)
    scale: Literal["proportion", "percent"] = "proportion"
    source: str
    location: str
    verification: Literal["verified-in-source", "from-secondary-source"]


class Reanalysis(BaseModel):
    """A trial reanalysed from its published Kaplan–Meier curves (``[[reanalyses]]``).

    ``synthetic = true`` marks simulated example data; the report then says so in
    its heading and first line. ``reference`` names the control arm.

    Examples
    --------
    >>> arm = dict(curve="km.csv", source="Doe 2020", location="Fig 2",
    ...            verification="verified-in-source")
    >>> Reanalysis(key="t", label="T", reference="B",
    ...            arms=[dict(arm="A", **arm), dict(arm="B", **arm)]).reference
    'B'
    """

    model_config = _FROZEN
    key: Id
    label: str
    synthetic: bool = False
    study_id: str | None = None
    outcome: str | None = None
    time_unit: str = "months"
    reference: str
    landmarks: tuple[float, ...] = ()
    tau: float | None = Field(default=None, gt=0)
    note: str | None = None
    arms: tuple[ReanalysisArm, ...]

    @field_validator("arms")
    @classmethod
    def _two_arms(cls, value: tuple[ReanalysisArm, ...]) -> tuple[ReanalysisArm, ...]:
        names = [a.arm for a in value]
        if len(names) != 2 or len(set(names)) != 2:
            raise ValueError(f"needs exactly two arms with different names, got {names}")
        return value


class CurveTable(BaseModel):
    """A numeric CSV file of the review folder (digitised curve or numbers at risk)."""

    model_config = _FROZEN
    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.rows), columns=list(self.columns))
