"""One reader for numeric CSV tables: every bad cell named by file, row and column.

Two things read numbers from a user's CSV file: the ``evisynth meta`` command (a
table of effect sizes or counts) and the review loader (digitised curves and
numbers at risk). Both follow the rules here:

* Rows are counted as a spreadsheet counts them: the header is row 1, the first
  data row is row 2; blank lines are skipped but still counted.
* A cell is a number when its text, stripped of surrounding spaces, is a decimal
  number in Python's notation (``0.25``, ``-3``, ``1e-4``) written in ASCII;
  digit-group underscores (``1_000``) are refused. It must be finite.
* An empty cell and the missing-value spellings of :data:`MISSING_TOKENS` are
  missing: refused, or NaN where the caller allows missing cells.
* Every problem of a file is collected (as :class:`evisynth.errors.Problem`, the
  file/row/column record a review folder's problems use too), so that a user
  sees all of them at once; :func:`raise_problems` turns them into one
  :class:`~evisynth.errors.InputError` line.

References
----------
Shafranovich Y (2005). Common Format and MIME Type for Comma-Separated Values
(CSV) Files. RFC 4180.
"""

from __future__ import annotations

import csv
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evisynth._validation import FloatArray, shorten
from evisynth.errors import InputError, Problem

__all__ = [
    "MISSING_TOKENS",
    "NumericTable",
    "parse_cell",
    "raise_problems",
    "read_numeric_csv",
    "read_records",
]

#: Cell texts that mean "missing" (R, pandas and JSON spellings), compared in lower case.
MISSING_TOKENS = ("na", "nan", "null", "none", "n/a", "")

#: Most problems listed in one message (the rest are counted).
MAX_LISTED = 12


def _cell_text(cell: Any) -> str:
    """A cell for a message: quoted, one line, cut to a bounded length."""
    return repr(shorten(str(cell)))


@dataclass(frozen=True)
class NumericTable:
    """A numeric CSV table as read: its columns, rows and the rows' spreadsheet numbers.

    Examples
    --------
    >>> t = NumericTable("km.csv", ("time", "survival"), ((0.0, 1.0), (2.0, 0.8)), (2, 3))
    >>> t.column("survival").tolist()
    [1.0, 0.8]
    """

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    row_numbers: tuple[int, ...]

    def column(self, name: str) -> FloatArray:
        """The values of column ``name`` (a KeyError for a column the table does not have)."""
        if name not in self.columns:
            raise KeyError(name)
        j = self.columns.index(name)
        return np.array([row[j] for row in self.rows], dtype=np.float64)


def parse_cell(cell: Any, *, allow_missing: bool = False) -> tuple[float, str | None]:
    """A CSV cell as a finite float, or NaN with what is wrong with it.

    Parameters
    ----------
    cell
        The cell as read: text, or a number (pandas converts numeric columns;
        NaN stands for an empty cell there).
    allow_missing
        Accept an empty cell or a :data:`MISSING_TOKENS` spelling as NaN.

    Returns
    -------
    tuple of (float, str or None)
        ``(value, None)`` for a good cell; ``(nan, what)`` otherwise, where ``what``
        completes the sentence "cell ...": ``"is empty"``, ``"is 'NA' (a missing
        value); give a number"``, ``"is 'abc', not a number"`` or ``"is 'inf', not
        a finite number"``. A missing cell with ``allow_missing`` is ``(nan, None)``.

    Raises
    ------
    Nothing: a bad cell is described, not raised, so that a reader can collect
    every problem of a file.

    References
    ----------
    RFC 4180 (CSV cells are text); Python's ``float`` for the number syntax.

    Examples
    --------
    >>> parse_cell(" 0.25 ")
    (0.25, None)
    >>> parse_cell("abc")
    (nan, "is 'abc', not a number")
    >>> parse_cell("NA", allow_missing=True)
    (nan, None)
    >>> parse_cell("1e999")
    (nan, "is '1e999', not a finite number")
    """
    nan = float("nan")
    if isinstance(cell, bool | np.bool_):
        return nan, f"is {_cell_text(cell)}, not a number"
    if isinstance(cell, numbers.Real):
        value = float(cell)
        if math.isnan(value):  # how pandas reads an empty cell
            return nan, None if allow_missing else "is empty"
        if math.isinf(value):
            return nan, f"is {_cell_text(cell)}, not a finite number"
        return value, None
    text = "" if cell is None else str(cell).strip()
    if text.lower() in MISSING_TOKENS:
        if allow_missing:
            return nan, None
        if not text:
            return nan, "is empty"
        return nan, f"is {_cell_text(cell)} (a missing value); give a number"
    try:
        value = float(text) if text.isascii() and "_" not in text else nan
    except ValueError:
        value = nan
    if math.isnan(value):
        return nan, f"is {_cell_text(cell)}, not a number"
    if math.isinf(value):
        return nan, f"is {_cell_text(cell)}, not a finite number"
    return value, None


def read_records(path: Path, name: str | None = None) -> tuple[list[tuple[int, list[str]]],
                                                               Problem | None]:
    """The non-blank CSV records of a file with their spreadsheet row numbers.

    Parameters
    ----------
    path
        The file (read as UTF-8, a byte-order mark allowed).
    name
        How messages name the file (default: ``path`` as given).

    Returns
    -------
    tuple of (list, Problem or None)
        ``[(row, cells), ...]`` (the header is row 1; blank lines are skipped but
        counted), and the problem that stopped the reading, if any: the records
        are then empty.

    Raises
    ------
    Nothing: an unreadable file is returned as a problem.

    References
    ----------
    RFC 4180 (records, quoting).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("a,b\\n\\n1,2\\n", encoding="utf-8")
    >>> read_records(p, "t.csv")
    ([(1, ['a', 'b']), (3, ['1', '2'])], None)
    """
    shown = str(path) if name is None else name
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            records = [(number, record) for number, record in enumerate(csv.reader(fh), start=1)
                       if record and any(cell.strip() for cell in record)]
    except UnicodeDecodeError as exc:
        return [], Problem(shown, None, None,
                               f"cannot be read as UTF-8 text (byte {exc.start + 1}); save it "
                               "as UTF-8 CSV")
    except csv.Error as exc:
        return [], Problem(shown, None, None, f"cannot be read as CSV ({shorten(str(exc))})")
    except OSError as exc:
        return [], Problem(shown, None, None, f"cannot be read ({exc.strerror or exc})")
    return records, None


def read_numeric_csv(
    path: Path,
    columns: Sequence[str],
    *,
    name: str | None = None,
    allow_missing: Iterable[str] = (),
) -> tuple[NumericTable | None, list[Problem]]:
    """Read a CSV file whose header is exactly ``columns`` and whose cells are numbers.

    Parameters
    ----------
    path
        The file.
    columns
        The header the file must have, in this order.
    name
        How messages name the file (default: ``path`` as given).
    allow_missing
        Columns whose empty or NA cells are read as NaN instead of refused.

    Returns
    -------
    tuple of (NumericTable or None, list of Problem)
        The table, or ``None`` when there is any problem; and every problem
        found: an unreadable file, a wrong header (then the cells are not read),
        each bad cell, each row with too few or too many cells, no data rows.

    Raises
    ------
    Nothing: problems are returned (see :func:`raise_problems`).

    References
    ----------
    RFC 4180 (CSV); the cell rule of :func:`parse_cell`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "km.csv"
    >>> _ = p.write_text("time,survival\\n0,1\\n2,abc\\n", encoding="utf-8")
    >>> table, problems = read_numeric_csv(p, ("time", "survival"), name="km.csv")
    >>> table, [str(q) for q in problems]
    (None, ["km.csv, row 3, column 'survival': cell is 'abc', not a number"])
    """
    shown = str(path) if name is None else name
    want = tuple(columns)
    optional = set(allow_missing)
    records, failed = read_records(path, shown)
    if failed is not None:
        return None, [failed]
    if not records or records[0][0] != 1:
        return None, [Problem(shown, 1, None, "no header row; the first row names the "
                                  f"columns ({', '.join(want)})")]
    got = tuple(cell.strip() for cell in records[0][1])
    if got != want:
        return None, [Problem(shown, 1, None,
                                  f"header is {', '.join(shorten(c) for c in got)}; expected "
                                  f"{', '.join(want)}")]
    problems: list[Problem] = []
    rows: list[tuple[float, ...]] = []
    numbers_: list[int] = []
    for row, cells in records[1:]:
        values = []
        for col, cell in zip(want, cells, strict=False):
            value, what = parse_cell(cell, allow_missing=col in optional)
            if what is not None:
                problems.append(Problem(shown, row, col, f"cell {what}"))
            values.append(value)
        if len(cells) != len(want):
            problems.append(Problem(shown, row, None,
                                        f"has {len(cells)} cells; expected {len(want)}"))
        rows.append(tuple(values))
        numbers_.append(row)
    if not rows:
        problems.append(Problem(shown, None, None, "has no data rows"))
    if problems:
        return None, problems
    return NumericTable(shown, want, tuple(rows), tuple(numbers_)), []


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise one :class:`~evisynth.errors.InputError` line listing every problem.

    Parameters
    ----------
    problems
        The problems (of one file or several); nothing is raised when empty.

    Returns
    -------
    None

    Raises
    ------
    InputError
        ``file, row 3, column 'x': cell is empty`` for one problem;
        ``N problems: ...; ...`` (at most :data:`MAX_LISTED` listed, the rest
        counted) for several. ``where`` is the first problem's place.

    References
    ----------
    House style for input errors (one line, names file, row and column).

    Examples
    --------
    >>> raise_problems([])
    >>> try:
    ...     raise_problems([Problem("a.csv", 2, "x", "cell is empty"),
    ...                     Problem("a.csv", 3, None, "has 1 cells; expected 2")])
    ... except InputError as exc:
    ...     print(exc)
    2 problems: a.csv, row 2, column 'x': cell is empty; a.csv, row 3: has 1 cells; expected 2
    """
    if not problems:
        return
    first = problems[0]
    if len(problems) == 1:
        raise InputError(str(first), where=first.where)
    listed = "; ".join(str(p) for p in problems[:MAX_LISTED])
    more = f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
    raise InputError(f"{len(problems)} problems: {listed}{more}", where=first.where)
