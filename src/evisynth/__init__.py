"""evisynth: clinical evidence synthesis on survival outcomes."""

from evisynth import transforms
from evisynth.effects import EffectSizes, escalc
from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError
from evisynth.meta import RMAResult, Tau2ConfInt, rma

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "EffectSizes",
    "EvisynthError",
    "EvisynthWarning",
    "InputError",
    "RMAResult",
    "Tau2ConfInt",
    "rma",
    "__version__",
    "escalc",
    "transforms",
]
