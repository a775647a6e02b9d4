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
from evisynth.meta import (
    MetaRegResult,
    permutest,
    SubgroupResult,
    subgroup,
    cumulative,
    influence,
    leave_one_out,
    RMAResult,
    Tau2ConfInt,
    fsn,
    ranktest,
    regtest,
    rma,
    rma_mh,
    rma_peto,
    trimfill,
)
from evisynth.grade import rate_certainty, summary_of_findings
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
    "MetaRegResult",
    "permutest",
    "SubgroupResult",
    "subgroup",
    "cumulative",
    "influence",
    "leave_one_out",
    "ConvergenceError",
    "EffectSizes",
    "EvisynthError",
    "EvisynthWarning",
    "InputError",
    "RMAResult",
    "Tau2ConfInt",
    "rma",
    "fsn",
    "ranktest",
    "regtest",
    "trimfill",
    "forest",
    "funnel",
    "rate_certainty",
    "summary_of_findings",
    "rma_mh",
    "rma_peto",
    "__version__",
    "escalc",
    "Review",
    "ReviewError",
    "load_review",
    "transforms",
    "bsa",
    "check_eligibility",
    "follow_up_schedule",
    "grade_crs",
    "grade_icans",
    "ice_score",
    "lymphodepletion",
    "tocilizumab_dose",
    "compare_arms",
    "cox_ph",
    "cox_zph",
    "kaplan_meier",
    "logrank_test",
    "reconstruct_ipd",
    "fit_parametric",
    "fit_parametric_models",
    "pool_trials",
]
