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
from evisynth.econ.params import Param
from evisynth.econ.psa import PSAResult
from evisynth.econ.results import CEAResult, frontier

__all__ = [
    "AdverseEvent",
    "Arm",
    "CEAResult",
    "Curve",
    "DSAResult",
    "LifeTable",
    "PSAResult",
    "Param",
    "PartitionedSurvival",
    "SubsequentTherapy",
    "ara_brazier_utility",
    "as_curve",
    "frontier",
    "km_with_tail",
    "mixture_cure_from_landmarks",
    "parametric_curve",
    "us_life_table_2021",
]
