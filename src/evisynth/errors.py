"""Exceptions raised by evisynth.

Every error about the user's input is an :class:`InputError`. Its message names
where the problem is (argument, study index/label, or file/row/column), what was
wrong and what would be right, so that the command line can print it as a single
line and exit with status 2.
"""

from __future__ import annotations


class EvisynthError(Exception):
    """Base class of all evisynth errors."""


class InputError(EvisynthError, ValueError):
    """Input data or arguments are invalid.

    Parameters
    ----------
    message
        Full human-readable description: where, what was wrong, what would be right.
    where
        Optional machine-readable location (argument name, ``file:row:column``).
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


class ConvergenceError(EvisynthError, RuntimeError):
    """An iterative estimator did not converge and no fallback was requested."""


class EvisynthWarning(UserWarning):
    """Base class of warnings issued by evisynth (e.g. asymmetric CIs, low power)."""
