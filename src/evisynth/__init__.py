"""evisynth: clinical evidence synthesis on survival outcomes."""

from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError
from evisynth.meta import RMAResult, Tau2ConfInt, rma

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "EvisynthError",
    "EvisynthWarning",
    "InputError",
    "RMAResult",
    "Tau2ConfInt",
    "rma",
    "__version__",
]
