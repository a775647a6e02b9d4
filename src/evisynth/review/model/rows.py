"""The rows of a review folder's CSV tables: studies, outcomes, risk of bias, published claims."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from evisynth.review import _cells
from evisynth.review.model.fields import (
    FROZEN,
    Analysis,
    Flag,
    Id,
    OptCount,
    OptDoi,
    OptFloat,
    OptText,
    OptVerification,
    SourceRows,
    Text,
    Verification,
    cell,
    choice,
)
from evisynth.review.model.vocabulary import ROB_DOMAINS

__all__ = [
    "OutcomeRow",
    "PublishedResult",
    "RiskOfBias",
    "Study",
]

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

    model_config = FROZEN

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
    cut_order: Annotated[int, cell(_cells.parse_int), Field(ge=1)]
    median_follow_up_months: Annotated[
        Annotated[float, Field(gt=0)] | None, cell(_cells.parse_float)
    ] = None
    citation: Text
    doi_or_pmid: OptDoi = None
    notes: OptText = None
    features: Annotated[tuple[tuple[str, str], ...], cell(_cells.parse_features)] = ()
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

    model_config = FROZEN

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

    model_config = FROZEN

    study_id: Id
    outcomes: Annotated[tuple[str, ...], cell(lambda raw: _cells.parse_keys(raw) or ())]
    tool: Annotated[Literal["RoB 2", "ROBINS-I"], choice(tuple(ROB_DOMAINS))]
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

    model_config = FROZEN

    claim_id: Id
    publication: Text
    outcome: Annotated[str | None, cell(_cells.parse_id)] = None
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
