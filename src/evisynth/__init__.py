"""evisynth: clinical evidence synthesis on survival outcomes."""

from evisynth import transforms
from evisynth.audit import AuditReport, audit
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
from evisynth.econ import (
    AdverseEvent,
    Arm,
    CEAResult,
    Param,
    PartitionedSurvival,
    SubsequentTherapy,
    parametric_curve,
)
from evisynth.effects import EffectSizes, escalc
from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError
from evisynth.grade import rate_certainty, summary_of_findings
from evisynth.meta import (
    BayesMetaResult,
    MetaRegResult,
    RMAResult,
    SubgroupResult,
    Tau2ConfInt,
    bayesmeta,
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
from evisynth.meta.priors import (
    CustomPrior,
    ExponentialPrior,
    HalfCauchyPrior,
    HalfNormalPrior,
    HalfStudentTPrior,
    ImproperUniformPrior,
    LogNormalPrior,
    LomaxPrior,
    NormalEffectPrior,
    UniformPrior,
)
from evisynth.meta.proportions import ProportionCI, proportion_ci
from evisynth.plots import forest, funnel
from evisynth.review import Review, ReviewError, load_review
from evisynth.review.api import ReviewResults, review_format_doc, run_review
from evisynth.simulate import SimDesign, simulate
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

# ``audit`` is the callable package evisynth.audit (calling it runs audit.text.audit), so
# that ``import evisynth.audit.checks`` is not shadowed by the function.
globals()["audit"] = __import__("sys").modules["evisynth.audit"]

__version__ = "0.1.0"

__all__ = [
    "AdverseEvent",
    "Arm",
    "AuditReport",
    "BayesMetaResult",
    "CEAResult",
    "ConvergenceError",
    "CustomPrior",
    "EffectSizes",
    "EvisynthError",
    "EvisynthWarning",
    "ExponentialPrior",
    "GLMMResult",
    "HalfCauchyPrior",
    "HalfNormalPrior",
    "HalfStudentTPrior",
    "ImproperUniformPrior",
    "InputError",
    "LogNormalPrior",
    "LomaxPrior",
    "MetaRegResult",
    "NormalEffectPrior",
    "Param",
    "PartitionedSurvival",
    "ProportionCI",
    "RMAResult",
    "Review",
    "ReviewError",
    "ReviewResults",
    "SimDesign",
    "SubgroupResult",
    "SubsequentTherapy",
    "Tau2ConfInt",
    "UniformPrior",
    "__version__",
    "audit",
    "bayesmeta",
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
    "parametric_curve",
    "permutest",
    "pool_trials",
    "proportion_ci",
    "ranktest",
    "rate_certainty",
    "reconstruct_ipd",
    "regtest",
    "review_format_doc",
    "rma",
    "rma_glmm",
    "rma_mh",
    "rma_peto",
    "run_review",
    "simulate",
    "subgroup",
    "summary_of_findings",
    "tocilizumab_dose",
    "transforms",
    "trimfill",
]
