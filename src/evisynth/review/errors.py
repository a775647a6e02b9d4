"""Problems found in a review folder, and the one error that lists them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evisynth.errors import InputError

__all__ = ["Problem", "ReviewError"]


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


def _sort_key(p: Problem) -> tuple[str, int, str]:
    return (p.file, -1 if p.row is None else p.row, p.column or "")


class ReviewError(InputError):
    """A review folder has problems; ``problems`` lists every one of them.

    The message names the folder and gives one line per problem, sorted by
    file, row and column.

    Parameters
    ----------
    folder
        The review folder (as given by the user).
    problems
        All problems found.

    Examples
    --------
    >>> err = ReviewError("rev", [Problem("studies.csv", 3, "n_int", "-1 is negative")])
    >>> print(err)
    review folder rev: 1 problem
      studies.csv, row 3, column 'n_int': -1 is negative
    """

    multiline = True

    def __init__(self, folder: str, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems), key=_sort_key))
        n = len(self.problems)
        head = f"review folder {folder}: {n} problem{'s' if n != 1 else ''}"
        lines = "\n".join(f"  {p}" for p in self.problems)
        where = self.problems[0].where if self.problems else folder
        super().__init__(f"{head}\n{lines}" if lines else head, where=where)
