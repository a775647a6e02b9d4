"""What the review report says, section by section, as blocks (no computation).

Everything numeric comes from :class:`~evisynth.review.analyse.ReviewResults`;
the section modules only word it and lay it out. Every word that belongs to one
review (arm names, favour labels, limitations, caveats about its sources) comes
from the review's ``review.toml`` (``[question]``, ``[report]``, outcome
definitions); method sentences come from the analysis plan that was run.

One module per part of the report, in reading order:
:mod:`~evisynth.report.key_findings` (the bottom line),
:mod:`~evisynth.report.summary_section` (question, Summary of Findings, glossary),
:mod:`~evisynth.report.intervals_section` (why the intervals differ),
:mod:`~evisynth.report.studies_section` (studies, risk of bias),
:mod:`~evisynth.report.outcome_section` and
:mod:`~evisynth.report.sensitivity_section` (per outcome),
:mod:`~evisynth.report.reanalysis_section`,
:mod:`~evisynth.report.published_section`,
:mod:`~evisynth.report.cea_section`,
:mod:`~evisynth.report.methods_section` (changes, limitations, methods, audit);
shared formatting lives in :mod:`~evisynth.report.wording`. The names stay
importable from here.
"""

from __future__ import annotations

from typing import Any

from evisynth.report.blocks import Block
from evisynth.report.cea_section import cea_section
from evisynth.report.intervals_section import interval_explainer
from evisynth.report.key_findings import (
    CERTAINTY_PHRASE,
    DOMAIN_WORDS,
    key_findings,
    key_sentence,
)
from evisynth.report.methods_section import (
    audit_of_statistics,
    limitations,
    methods,
    what_changed,
)
from evisynth.report.outcome_section import outcome_section, outcomes
from evisynth.report.published_section import published
from evisynth.report.reanalysis_section import reanalyses
from evisynth.report.sensitivity_section import back_frame
from evisynth.report.studies_section import evidence_base, risk_of_bias
from evisynth.report.summary_section import (
    GENERAL_TERMS,
    SOF_HEADINGS,
    glossary,
    main_findings,
    question,
)
from evisynth.report.wording import (
    MEASURE_NAMES,
    PROPORTION_MEASURES,
    VERIFICATION_SHORT,
    direction_words,
    favours,
    fmt_effect,
    fmt_value,
    lower_first,
    primary_model_sentence,
    spans_everything,
)
from evisynth.review.analyse import ReviewResults

__all__ = [
    "CERTAINTY_PHRASE",
    "DOMAIN_WORDS",
    "GENERAL_TERMS",
    "MEASURE_NAMES",
    "PROPORTION_MEASURES",
    "SOF_HEADINGS",
    "VERIFICATION_SHORT",
    "audit_of_statistics",
    "back_frame",
    "cea_section",
    "direction_words",
    "evidence_base",
    "favours",
    "fmt_effect",
    "fmt_value",
    "glossary",
    "interval_explainer",
    "key_findings",
    "key_sentence",
    "limitations",
    "lower_first",
    "main_findings",
    "methods",
    "outcome_section",
    "outcomes",
    "primary_model_sentence",
    "published",
    "question",
    "reanalyses",
    "report_blocks",
    "risk_of_bias",
    "spans_everything",
    "what_changed",
]


def report_blocks(res: ReviewResults, version: str, changes: Any = None) -> list[Block]:
    """All sections of the review report, in reading order (bottom line first)."""
    blocks: list[Block] = []
    for section in (key_findings(res), what_changed(res, changes), question(res),
                    main_findings(res), glossary(res), interval_explainer(res),
                    evidence_base(res), risk_of_bias(res), outcomes(res), reanalyses(res),
                    published(res), audit_of_statistics(res), cea_section(res),
                    limitations(res),
                    methods(res, version)):
        blocks.extend(section)
    return blocks
