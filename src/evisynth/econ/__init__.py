"""Cost-effectiveness: a three-state partitioned-survival model with background
mortality, deterministic (one-way, threshold) and vectorised probabilistic
sensitivity analysis, CEAC, frontier and EVPI, and TOML model files."""

from evisynth.econ.arm import AdverseEvent, Arm, SubsequentTherapy
from evisynth.econ.background import LifeTable, ara_brazier_utility, us_life_table_2021
from evisynth.econ.curves import (
    Curve,
    as_curve,
    km_with_tail,
    mixture_cure_from_landmarks,
    parametric_curve,
)
from evisynth.econ.dsa import DSAResult
from evisynth.econ.model import PartitionedSurvival
from evisynth.econ.modelfile import ModelFile, bundled_models, load_model, parse_model
from evisynth.econ.params import Param
from evisynth.econ.psa import PSAResult
from evisynth.econ.results import CEAResult, frontier
from evisynth.econ.summary import (
    EconSummary,
    HorizonCheck,
    horizon_check,
    report_summary,
    summarise_model,
)

__all__ = [
    "AdverseEvent",
    "Arm",
    "CEAResult",
    "Curve",
    "DSAResult",
    "EconSummary",
    "HorizonCheck",
    "LifeTable",
    "ModelFile",
    "PSAResult",
    "Param",
    "PartitionedSurvival",
    "SubsequentTherapy",
    "ara_brazier_utility",
    "as_curve",
    "bundled_models",
    "frontier",
    "horizon_check",
    "km_with_tail",
    "load_model",
    "mixture_cure_from_landmarks",
    "parametric_curve",
    "parse_model",
    "report_summary",
    "summarise_model",
    "us_life_table_2021",
]
