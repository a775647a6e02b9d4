"""From a review's outcome rows to analysis inputs (``EffectSizes`` plus provenance).

The selection rule, for one outcome and one design stratum:

* ``analysis="primary"``: each trial's ``primary`` row.
* any other analysis set (``earlier-cut``, ``crossover-adjusted``, ``lead``): each
  trial's row of that set where it has one, otherwise its primary row; a trial
  with only a row of that set (e.g. a ``lead`` row and no primary row) joins.
* ``verified_only=True``: then drop every row not verified in the study's own text.

Rows become effect sizes with :func:`evisynth.escalc`: reported hazard ratios from
their CI (or exact two-sided p-value), risk ratios from two-arm counts,
single-arm proportions (``PLO``, ``PFT``...) from the CAR-T arm's counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evisynth.effects import EffectSizes, escalc
from evisynth.errors import InputError
from evisynth.review.model import MEASURES, Outcome, OutcomeRow, Study

if TYPE_CHECKING:
    from evisynth.review._review import Review

__all__ = ["ANALYSABLE", "StudyInput", "effect_sizes", "select_rows"]

#: Analysis sets that :func:`effect_sizes` accepts.
ANALYSABLE: tuple[str, ...] = ("primary", "earlier-cut", "crossover-adjusted", "lead")


@dataclass(frozen=True)
class StudyInput:
    """One study's input to an analysis: the report and the outcome row used.

    Attributes
    ----------
    study
        The report (row of studies.csv) the number comes from.
    row
        The outcome row (row of outcomes.csv) with the number and its source.
    """

    study: Study
    row: OutcomeRow

    @property
    def study_id(self) -> str:
        """Report id (studies.csv ``study_id``)."""
        return self.study.study_id

    @property
    def label(self) -> str:
        """Display label, e.g. ``ZUMA-7 (Westin 2023)``."""
        return self.study.label

    @property
    def source(self) -> str:
        """Citation of the number."""
        return self.row.source

    @property
    def verification(self) -> str:
        """``verified-in-source`` or ``from-secondary-source``."""
        return self.row.verification

    def to_dict(self) -> dict[str, Any]:
        """Flat provenance record (JSON-ready) of this input.

        Returns
        -------
        dict
            ``study_id, trial, label, design, intervention, row_id, analysis, source,
            doi_or_pmid, location, verification, derived, derivation, lead_only,
            source_rows, grading, definition``.
        """
        r = self.row
        return {
            "study_id": self.study.study_id,
            "trial": self.study.trial,
            "label": self.study.label,
            "design": self.study.design,
            "intervention": self.study.intervention,
            "row_id": r.row_id,
            "analysis": r.analysis,
            "source": r.source,
            "doi_or_pmid": r.doi_or_pmid,
            "location": r.location,
            "verification": r.verification,
            "derived": r.derived,
            "derivation": r.derivation,
            "lead_only": r.lead_only,
            "source_rows": list(r.source_rows),
            "grading": r.grading,
            "definition": r.definition,
        }


def select_rows(
    review: Review,
    outcome: str,
    analysis: str = "primary",
    design: str | None = "RCT",
    verified_only: bool = False,
) -> tuple[StudyInput, ...]:
    """The rows an analysis uses (one per trial), in the trials' order in studies.csv.

    Parameters
    ----------
    review
        A loaded review.
    outcome
        Outcome key (``"os"``).
    analysis
        ``"primary"`` or a sensitivity set (see :data:`ANALYSABLE`).
    design
        Design stratum (``"RCT"``); ``None`` takes every stratum, for a
        design-stratified subgroup analysis (never pool these into one estimate).
    verified_only
        Keep only rows verified in the study's own text.

    Returns
    -------
    tuple of StudyInput
        Possibly empty.

    Raises
    ------
    InputError
        Unknown outcome, design or analysis set.

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> [s.label for s in select_rows(load_bundled("cart_dlbcl"), "os")]
    ['ZUMA-7 (Westin 2023)', 'TRANSFORM (Kamdar 2025)']
    """
    review.outcome(outcome)
    if analysis not in ANALYSABLE:
        raise InputError(
            f"argument 'analysis': {analysis!r} is not an analysis set; use one of "
            f"{', '.join(ANALYSABLE)} ('alternative' rows are kept for the record only)",
            where="analysis",
        )
    if design is not None:
        review.design(design)
    studies = {s.study_id: s for s in review.studies}
    chosen: dict[str, StudyInput] = {}
    for wanted in ("primary", analysis):
        for row in review.rows:
            study = studies[row.study_id]
            if row.outcome == outcome and row.analysis == wanted:
                if design is None or study.design == design:
                    chosen[study.trial] = StudyInput(study, row)
    picked = [chosen[t] for t in review.trials if t in chosen]
    if verified_only:
        picked = [p for p in picked if p.row.verified]
    return tuple(picked)


def effect_sizes(
    review: Review,
    outcome: str,
    analysis: str = "primary",
    design: str | None = "RCT",
    verified_only: bool = False,
) -> tuple[EffectSizes, tuple[StudyInput, ...]]:
    """Effect sizes of one outcome, with the provenance of each study's number.

    Parameters
    ----------
    review
        A loaded review.
    outcome
        Outcome key (``"efs"``, ``"os"``, ``"cr"``, ``"crs_g3"``...).
    analysis
        ``"primary"`` (default) or a sensitivity set: ``"earlier-cut"``,
        ``"crossover-adjusted"``, ``"lead"`` (see the module docstring).
    design
        Design stratum; ``"RCT"`` by default. ``None`` takes all strata for a
        design-stratified subgroup analysis.
    verified_only
        Keep only rows verified in the study's own text.

    Returns
    -------
    (EffectSizes, tuple of StudyInput)
        ``yi``/``vi`` from :func:`evisynth.escalc` (labels are the study labels),
        and the inputs in the same order.

    Raises
    ------
    InputError
        Unknown outcome/design/analysis set, or no study has data for the
        selection (the message says which selection was empty).

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> es, used = effect_sizes(load_bundled("cart_dlbcl"), "os")
    >>> es.measure, len(es.yi), used[0].verification
    ('HR', 2, 'verified-in-source')
    """
    spec = review.outcome(outcome)
    picked = select_rows(review, outcome, analysis, design, verified_only)
    if not picked:
        stratum = "any design" if design is None else f"design {design!r}"
        extra = " verified in the study's own text" if verified_only else ""
        raise InputError(
            f"outcome {outcome!r}: no {analysis!r} rows{extra} in {stratum}; "
            "nothing to analyse",
            where=outcome,
        )
    return _escalc(spec, picked), picked


def _nan(value: float | int | None) -> float:
    return math.nan if value is None else float(value)


def _escalc(spec: Outcome, picked: tuple[StudyInput, ...]) -> EffectSizes:
    """Call :func:`evisynth.escalc` with the rows' numbers for the outcome's measure."""
    rows = [p.row for p in picked]
    labels = [p.label for p in picked]
    kind = MEASURES[spec.measure]
    if kind == "reported-ratio":
        args: dict[str, Any] = {
            "hr": [r.estimate for r in rows],
            "ci_lb": [_nan(r.ci_lb) for r in rows],
            "ci_ub": [_nan(r.ci_ub) for r in rows],
        }
        if any(r.pval is not None for r in rows):
            args["pval"] = [_nan(r.pval) for r in rows]
        return escalc(spec.measure, labels=labels, **args)
    if kind == "two-arm-counts":
        return escalc(
            spec.measure,
            ai=[r.events_int for r in rows],
            n1i=[r.n_int for r in rows],
            ci=[r.events_comp for r in rows],
            n2i=[r.n_comp for r in rows],
            labels=labels,
        )
    return escalc(
        spec.measure,
        xi=[r.events_int for r in rows],
        ni=[r.n_int for r in rows],
        labels=labels,
    )
