"""evisynth: clinical evidence synthesis on survival outcomes."""

from evisynth import transforms
from evisynth.clinic import (
    bsa,
    check_eligibility,
    follow_up_schedule,
    grade_crs,
    grade_icans,
    ice_score,
    lymphodepletion,
    tocilizumab_dose,
)
from evisynth.effects import EffectSizes, escalc
from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError
from evisynth.grade import rate_certainty, summary_of_findings
from evisynth.meta import (
    MetaRegResult,
    RMAResult,
    SubgroupResult,
    Tau2ConfInt,
    cumulative,
    fsn,
    influence,
    leave_one_out,
    permutest,
    ranktest,
    regtest,
    rma,
    rma_mh,
    rma_peto,
    subgroup,
    trimfill,
)
from evisynth.meta.glmm import GLMMResult, rma_glmm
from evisynth.meta.proportions import ProportionCI, proportion_ci
from evisynth.plots import forest, funnel
from evisynth.review import Review, ReviewError, load_review
from evisynth.survival import (
    compare_arms,
    cox_ph,
    cox_zph,
    fit_parametric,
    fit_parametric_models,
    kaplan_meier,
    logrank_test,
    pool_trials,
    reconstruct_ipd,
)

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "EffectSizes",
    "EvisynthError",
    "EvisynthWarning",
    "GLMMResult",
    "InputError",
    "MetaRegResult",
    "ProportionCI",
    "RMAResult",
    "Review",
    "ReviewError",
    "SubgroupResult",
    "Tau2ConfInt",
    "__version__",
    "bsa",
    "check_eligibility",
    "compare_arms",
    "cox_ph",
    "cox_zph",
    "cumulative",
    "escalc",
    "fit_parametric",
    "fit_parametric_models",
    "follow_up_schedule",
    "forest",
    "fsn",
    "funnel",
    "grade_crs",
    "grade_icans",
    "ice_score",
    "influence",
    "kaplan_meier",
    "leave_one_out",
    "load_review",
    "logrank_test",
    "lymphodepletion",
    "permutest",
    "pool_trials",
    "proportion_ci",
    "ranktest",
    "rate_certainty",
    "reconstruct_ipd",
    "regtest",
    "rma",
    "rma_glmm",
    "rma_mh",
    "rma_peto",
    "subgroup",
    "summary_of_findings",
    "tocilizumab_dose",
    "transforms",
    "trimfill",
]
