"""evisynth: clinical evidence synthesis on survival outcomes."""

from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "EvisynthError",
    "EvisynthWarning",
    "InputError",
    "__version__",
]
