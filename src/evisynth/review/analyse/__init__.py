"""Run a review's analysis plan: every outcome, stratum, alternative and sensitivity analysis.

:func:`analyse_review` turns a loaded :class:`~evisynth.review.Review` into a
:class:`ReviewResults` (frozen, JSON-ready through ``to_dict()``). It only
calls the public analyses (``rma``, ``leave_one_out``, ``subgroup``,
``regtest``, GRADE); it reads and writes no file, so the report layer renders
exactly what was computed here.

Rules that the plan leaves implicit, stated once here:

* Design strata are analysed separately (``pool_across_designs = false``); the
  only analysis that spans strata is the design subgroup analysis, which tests
  for differences between strata and never reports a pooled estimate across them.
* A stratum with one study is not pooled: its "pooled" result is the study's
  own estimate (a fixed-effect fit of k = 1) and the report says so.
* With k < 10 no small-study test is run and no funnel plot is drawn (Cochrane
  Handbook 10.4.3.1): with fewer studies neither can tell asymmetry from chance.
* GRADE: strata starting "high" are rated as randomised evidence, "low" as
  observational. ROBINS-I judgements are put on the RoB 2 scale for the
  risk-of-bias domain (low → low, moderate → some concerns, serious/critical →
  high); "no information" counts as some concerns.

The analysis is split by concept: :mod:`~evisynth.review.analyse.plan` (the whole
plan: :func:`analyse_review`, :class:`ReviewResults`),
:mod:`~evisynth.review.analyse.stratum` (one outcome in one design stratum),
:mod:`~evisynth.review.analyse.headline` (the primary model: Bayesian, GLMM or the
plan's fit), :mod:`~evisynth.review.analyse.sensitivity` (alternative methods and
sensitivity analyses), :mod:`~evisynth.review.analyse.intervals` (do the interval
methods agree?), :mod:`~evisynth.review.analyse.certainty` (GRADE),
:mod:`~evisynth.review.analyse.subgroups`, :mod:`~evisynth.review.analyse.reanalysis`
(curves to patient data), :mod:`~evisynth.review.analyse.fits` (pooling one set of
studies) and :mod:`~evisynth.review.analyse.reporting` (reporting scale and method
names).
"""

from evisynth.review.analyse.certainty import ROB_TO_GRADE
from evisynth.review.analyse.headline import Headline
from evisynth.review.analyse.intervals import (
    IntervalAgreement,
    IntervalReading,
    interval_agreement,
)
from evisynth.review.analyse.plan import OutcomeAnalysis, ReviewResults, analyse_review
from evisynth.review.analyse.reanalysis import ReanalysisResult, reanalyse
from evisynth.review.analyse.reporting import (
    METHOD_NAMES,
    TEST_NAMES,
    exact_proportion,
    method_label,
    method_sentence,
    transformed,
)
from evisynth.review.analyse.sensitivity import NamedFit
from evisynth.review.analyse.stratum import (
    INTERVAL_CHECK_REPS,
    MIN_K_FUNNEL,
    MIN_K_SMALL_STUDY_TEST,
    StratumAnalysis,
)
from evisynth.review.analyse.subgroups import (
    GlmmModerator,
    SubgroupAnalysis,
    glmm_moderator,
    subgroup_value,
)

__all__ = [
    "INTERVAL_CHECK_REPS",
    "METHOD_NAMES",
    "MIN_K_FUNNEL",
    "MIN_K_SMALL_STUDY_TEST",
    "ROB_TO_GRADE",
    "TEST_NAMES",
    "GlmmModerator",
    "Headline",
    "IntervalAgreement",
    "IntervalReading",
    "NamedFit",
    "OutcomeAnalysis",
    "ReanalysisResult",
    "ReviewResults",
    "StratumAnalysis",
    "SubgroupAnalysis",
    "analyse_review",
    "exact_proportion",
    "glmm_moderator",
    "interval_agreement",
    "method_label",
    "method_sentence",
    "reanalyse",
    "subgroup_value",
    "transformed",
]
