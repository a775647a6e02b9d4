"""GRADE: certainty of the evidence per outcome and the Summary-of-Findings table.

:func:`rate_certainty` rates one outcome from its pooled result and the
reviewers' judgements (rules in :mod:`evisynth.grade.domains`);
:func:`summary_of_findings` assembles the table, with absolute effects from
:mod:`evisynth.grade.absolute` and footnotes from the downgrade reasons.
Nothing here fits a model or reads a file.
"""

from evisynth.grade.absolute import (
    AbsoluteEffect,
    absolute_effect,
    events_per_1000,
    risk_from_hr,
    risk_from_or,
    risk_from_rd,
    risk_from_rr,
)
from evisynth.grade.certainty import CERTAINTY_LEVELS, CertaintyRating, rate_certainty
from evisynth.grade.domains import (
    DomainRating,
    rate_imprecision,
    rate_inconsistency,
    rate_indirectness,
    rate_publication_bias,
    rate_risk_of_bias,
)
from evisynth.grade.ois import OptimalInformationSize, optimal_events, optimal_information_size
from evisynth.grade.sof import SoFRow, SoFTable, summary_of_findings

__all__ = [
    "CERTAINTY_LEVELS",
    "AbsoluteEffect",
    "CertaintyRating",
    "DomainRating",
    "OptimalInformationSize",
    "SoFRow",
    "SoFTable",
    "absolute_effect",
    "events_per_1000",
    "optimal_events",
    "optimal_information_size",
    "rate_certainty",
    "rate_imprecision",
    "rate_inconsistency",
    "rate_indirectness",
    "rate_publication_bias",
    "rate_risk_of_bias",
    "risk_from_hr",
    "risk_from_or",
    "risk_from_rd",
    "risk_from_rr",
    "summary_of_findings",
]
