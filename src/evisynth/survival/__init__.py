"""Trial-level survival analysis: KM, log-rank, Cox, RMST, reconstruction from
published Kaplan–Meier curves, parametric and mixture-cure extrapolation, pooling."""

from evisynth.survival.cox import CoxResult, PHTest, cox_ph, cox_zph
from evisynth.survival.km import (
    KaplanMeier,
    MedianSurvival,
    RMSTEstimate,
    SurvivalAt,
    kaplan_meier,
)
from evisynth.survival.logrank import LogRankResult, logrank_test

__all__ = [
    "CoxResult",
    "KaplanMeier",
    "LogRankResult",
    "MedianSurvival",
    "PHTest",
    "RMSTEstimate",
    "SurvivalAt",
    "cox_ph",
    "cox_zph",
    "kaplan_meier",
    "logrank_test",
]
