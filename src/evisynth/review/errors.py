"""Problems found in a review folder, and the one error that lists them all."""

from __future__ import annotations

from collections.abc import Iterable

from evisynth.errors import InputError, Problem

__all__ = ["Problem", "ReviewError"]


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
