"""Exceptions raised by evisynth.

Every error about the user's input is an :class:`InputError`. Its message names
where the problem is (argument, study index/label, or file/row/column), what was
wrong and what would be right, so that the command line can print it as a single
line and exit with status 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

#: numpy scalar reprs (``np.float64(inf)``, ``np.str_('a')``) -> their value.
_NP_REPR = re.compile(r"\bnp\.(?:float|int|uint|bool|complex|str|bytes)\w*\(([^()]*)\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MAX_MESSAGE = 2000


def clean_message(message: str, *, multiline: bool = False) -> str:
    r"""A message fit for one terminal line: numpy scalar reprs replaced by their value,
    control characters by spaces, line breaks joined (unless ``multiline``), and at
    most 2000 characters per line.

    Examples
    --------
    >>> clean_message("value is np.float64(inf);\nsee\r above")
    'value is inf; see above'
    """
    text = _NP_REPR.sub(r"\1", str(message))
    lines = text.split("\n") if multiline else [" ".join(text.split())]
    out = []
    for line in lines:
        line = _CONTROL.sub(" ", line)
        if not multiline:
            line = " ".join(line.split())
        out.append(line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "...")
    return "\n".join(out)


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

    #: Subclasses whose message is a list of lines (a review's problems) set this.
    multiline: ClassVar[bool] = False

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(clean_message(message, multiline=self.multiline))
        self.where = where


@dataclass(frozen=True, order=True)
class Problem:
    """One problem: where it is (file, row, column) and what is wrong.

    ``row`` counts as a spreadsheet does (the header is row 1, the first data row
    is row 2); it is ``None`` for review.toml and for whole-file problems.
    ``column`` is a CSV column or a dotted TOML key (``outcomes.os.measure``).

    Examples
    --------
    >>> str(Problem("outcomes.csv", 7, "ci_lb", "0.9 is above the estimate 0.73"))
    "outcomes.csv, row 7, column 'ci_lb': 0.9 is above the estimate 0.73"
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    @property
    def where(self) -> str:
        """``file:row:column`` with the parts that are known."""
        parts = [self.file]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            parts.append(self.column)
        return ":".join(parts)

    def __str__(self) -> str:
        text = self.file
        if self.row is not None:
            text += f", row {self.row}"
        if self.column is not None:
            kind = "key" if self.file.endswith(".toml") else "column"
            text += f", {kind} {self.column!r}"
        return f"{text}: {self.reason}"


class ConvergenceError(EvisynthError, RuntimeError):
    """An iterative estimator did not converge and no fallback was requested."""


class EvisynthWarning(UserWarning):
    """Base class of warnings issued by evisynth (e.g. asymmetric CIs, low power)."""
