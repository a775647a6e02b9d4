"""Typed, immutable objects of a review folder (pydantic models).

A review folder holds ``review.toml`` (question, outcomes, analysis plan,
subgroups, PRISMA counts, exclusions) and CSV tables (``studies.csv``,
``outcomes.csv``, ``risk_of_bias.csv`` and optionally ``published.csv``). The
loader (:func:`evisynth.review.load_review`) turns them into the objects below;
every object is frozen and every collection is a tuple.

One module per part of the folder: :mod:`~evisynth.review.model.rows` (the CSV
tables), :mod:`~evisynth.review.model.question` (question, designs, outcomes),
:mod:`~evisynth.review.model.plan` (analysis plan, subgroups),
:mod:`~evisynth.review.model.record` (PRISMA, exclusions, gaps, sources, report
words), :mod:`~evisynth.review.model.curves` (curve reanalyses); the allowed words
are in :mod:`~evisynth.review.model.vocabulary` and the field types, which parse
CSV cells with :mod:`evisynth.review._cells`, in :mod:`~evisynth.review.model.fields`.
"""

from evisynth.review.model.curves import CurveTable, Reanalysis, ReanalysisArm

# the field types, importable from here as before the split (not part of __all__)
from evisynth.review.model.fields import Analysis as Analysis
from evisynth.review.model.fields import Flag as Flag
from evisynth.review.model.fields import Id as Id
from evisynth.review.model.fields import MethodName as MethodName
from evisynth.review.model.fields import OptCount as OptCount
from evisynth.review.model.fields import OptDoi as OptDoi
from evisynth.review.model.fields import OptFloat as OptFloat
from evisynth.review.model.fields import OptText as OptText
from evisynth.review.model.fields import OptVerification as OptVerification
from evisynth.review.model.fields import SourceRows as SourceRows
from evisynth.review.model.fields import TestName as TestName
from evisynth.review.model.fields import Text as Text
from evisynth.review.model.fields import Verification as Verification
from evisynth.review.model.plan import AnalysisPlan, FewStudies, MethodSpec, Sensitivity, Subgroup
from evisynth.review.model.question import ControlRisk, Design, Imprecision, Outcome, Question
from evisynth.review.model.record import (
    Exclusion,
    Gap,
    Prisma,
    ReportText,
    SourceFile,
    SourceInfo,
    UnusedRows,
)
from evisynth.review.model.rows import OutcomeRow, PublishedResult, RiskOfBias, Study
from evisynth.review.model.vocabulary import (
    ANALYSES,
    MEASURES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    VERIFICATION,
)

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
