"""Review folders: the format, its loader and the reviews bundled with evisynth.

A review folder is ``review.toml`` (question, outcomes, analysis plan, subgroups,
PRISMA counts, exclusions) plus CSV tables (``studies.csv``, ``outcomes.csv``,
``risk_of_bias.csv``, optionally ``published.csv``); see ``docs/review-format.md``.

>>> from evisynth.review import load_bundled
>>> review = load_bundled("cart_dlbcl")
>>> es, used = review.effect_sizes("os")
>>> [u.label for u in used]
['ZUMA-7 (Westin 2023)', 'TRANSFORM (Kamdar 2025)']
"""

from evisynth.review._review import Review
from evisynth.review.errors import Problem, ReviewError
from evisynth.review.inputs import ANALYSABLE, StudyInput, effect_sizes, select_rows
from evisynth.review.load import CSV_FILES, TOML_FILE, bundled_path, load_bundled, load_review
from evisynth.review.model import (
    ANALYSES,
    MEASURES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    VERIFICATION,
    AnalysisPlan,
    ControlRisk,
    Design,
    Exclusion,
    Gap,
    Imprecision,
    MethodSpec,
    Outcome,
    OutcomeRow,
    Prisma,
    PublishedResult,
    Question,
    RiskOfBias,
    Sensitivity,
    SourceInfo,
    Study,
    Subgroup,
    UnusedRows,
)
from evisynth.review.scaffold import new_review

__all__ = [
    "ANALYSABLE",
    "ANALYSES",
    "CSV_FILES",
    "MEASURES",
    "ROB_DOMAINS",
    "ROB_JUDGEMENTS",
    "TOML_FILE",
    "VERIFICATION",
    "AnalysisPlan",
    "ControlRisk",
    "Design",
    "Exclusion",
    "Gap",
    "Imprecision",
    "MethodSpec",
    "Outcome",
    "OutcomeRow",
    "Prisma",
    "Problem",
    "PublishedResult",
    "Question",
    "Review",
    "ReviewError",
    "RiskOfBias",
    "Sensitivity",
    "SourceInfo",
    "Study",
    "StudyInput",
    "Subgroup",
    "UnusedRows",
    "bundled_path",
    "effect_sizes",
    "load_bundled",
    "load_review",
    "new_review",
    "select_rows",
]
