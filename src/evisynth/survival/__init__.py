"""Trial-level survival analysis: KM, log-rank, Cox, RMST, reconstruction from
published Kaplan–Meier curves, parametric and mixture-cure extrapolation, pooling."""

from evisynth.survival.compare import (
    LandmarkComparison,
    RMSTComparison,
    TwoArmComparison,
    compare_arms,
)
from evisynth.survival.cox import CoxResult, PHTest, cox_ph, cox_zph
from evisynth.survival.km import (
    KaplanMeier,
    MedianSurvival,
    RMSTEstimate,
    SurvivalAt,
    kaplan_meier,
)
from evisynth.survival.logrank import LogRankResult, logrank_test
from evisynth.survival.parametric import (
    DISTRIBUTIONS,
    ModelComparison,
    ParametricFit,
    fit_parametric,
    fit_parametric_models,
)
from evisynth.survival.pool import PooledSurvival, pool_trials
from evisynth.survival.reconstruct import (
    CleanedAtRisk,
    CleanedCurve,
    Reconstruction,
    ReconstructionDiagnostics,
    clean_at_risk,
    clean_curve,
    reconstruct_ipd,
)

__all__ = [
    "DISTRIBUTIONS",
    "CleanedAtRisk",
    "CleanedCurve",
    "CoxResult",
    "KaplanMeier",
    "LandmarkComparison",
    "LogRankResult",
    "MedianSurvival",
    "ModelComparison",
    "PHTest",
    "ParametricFit",
    "PooledSurvival",
    "RMSTComparison",
    "RMSTEstimate",
    "Reconstruction",
    "ReconstructionDiagnostics",
    "SurvivalAt",
    "TwoArmComparison",
    "clean_at_risk",
    "clean_curve",
    "compare_arms",
    "cox_ph",
    "cox_zph",
    "fit_parametric",
    "fit_parametric_models",
    "kaplan_meier",
    "logrank_test",
    "pool_trials",
    "reconstruct_ipd",
]
