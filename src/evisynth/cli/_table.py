"""Reading a user's CSV table: separator and decimal-comma detection, forgiving column
matching with "did you mean" suggestions, and every problem of a file reported at once.

The rules (documented in ``evisynth meta --help`` and the README):

* The separator is the one of ``,`` ``;`` tab ``|`` that splits the header into the
  most fields while every data row has no more fields than the header
  (:func:`sniff_format`). With ``;``, tab or ``|`` and numbers written ``0,25``
  (and none written ``0.25``), the comma is read as the decimal mark.
* A column is found by its exact name, else by its name ignoring case, spaces,
  dots and hyphens (``CI_UB``, ``ci.ub`` and ``ci ub`` all match ``ci_ub``). A
  name that matches nothing is reported with the closest column names.
* All missing columns and bad cells are collected and reported together: one
  line, ``FILE: N problems: ...; ...``.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evisynth._csv import parse_cell
from evisynth.cli._io import cell_text, show_path
from evisynth.errors import InputError

#: Separators tried, in order of preference for ties.
SEPARATORS = (",", ";", "\t", "|")

#: Human names of the separators, for messages.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


#: Most problems listed in one message (the rest are counted).
MAX_LISTED = 12

#: Other names people give the metafor data arguments (suggested, never used silently).
ALIASES: dict[str, tuple[str, ...]] = {
    "yi": ("es", "effect", "estimate", "y", "loghr", "log_hr", "lnhr", "logor", "logrr"),
    "vi": ("var", "variance", "v"),
    "sei": ("se", "stderr", "std_err", "standard_error"),
    "ci_lb": ("lower", "lcl", "lci", "ci_lower", "lower_ci", "ci_low", "low", "lb"),
    "ci_ub": ("upper", "ucl", "uci", "ci_upper", "upper_ci", "ci_high", "high", "ub"),
    "pval": ("p", "p_value", "pvalue"),
    "hr": ("hazard_ratio",),
}

_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+(?:[eE][+-]?\d+)?\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+(?:[eE][+-]?\d+)?\s*$")


@dataclass(frozen=True)
class CsvFormat:
    """How a table was read: ``sep`` and ``decimal`` (``"."`` or ``","``)."""

    sep: str = ","
    decimal: str = "."

    def describe(self) -> str:
        """``"semicolon-separated, decimal comma"``; empty for the plain CSV default."""
        if self.sep == "," and self.decimal == ".":
            return ""
        text = f"{SEPARATOR_NAMES[self.sep]}-separated"
        return text + (", decimal comma" if self.decimal == "," else "")


def _records(text: str, sep: str) -> list[tuple[int, list[str]]]:
    """Non-blank records with their line numbers (the header is line 1)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    out: list[tuple[int, list[str]]] = []
    try:
        for rec in reader:
            if any(c.strip() for c in rec):
                out.append((reader.line_num, rec))
    except csv.Error:
        return out
    return out


def sniff_format(text: str) -> CsvFormat:
    """The separator and decimal mark of a CSV text (see the module docstring).

    Parameters
    ----------
    text
        The file content (or its first lines).

    Returns
    -------
    CsvFormat

    Raises
    ------
    Nothing: a text no separator splits is read as a one-column comma table.

    References
    ----------
    RFC 4180 (CSV); the ``;``-and-decimal-comma convention of spreadsheets in
    locales that write ``0,5`` (R's ``read.csv2``).

    Examples
    --------
    >>> sniff_format("yi;vi\\n0,25;0,04\\n")
    CsvFormat(sep=';', decimal=',')
    >>> sniff_format("yi,vi\\n0.25,0.04\\n")
    CsvFormat(sep=',', decimal='.')
    """
    head = "\n".join(text.splitlines()[:200])
    best, best_n = ",", 1
    for sep in SEPARATORS:
        recs = _records(head, sep)
        if not recs:
            continue
        n = len(recs[0][1])
        if n > best_n and all(len(r) <= n for _, r in recs[1:]):
            best, best_n = sep, n
    decimal = "."
    if best != ",":
        cells = [c for _, r in _records(head, best)[1:] for c in r]
        commas = sum(bool(_DECIMAL_COMMA.match(c)) for c in cells)
        points = sum(bool(_DECIMAL_POINT.match(c)) for c in cells)
        if commas and not points:
            decimal = ","
    return CsvFormat(best, decimal)


def column_key(name: Any) -> str:
    """A column name for matching: case-folded, spaces, dots and hyphens made ``_``.

    Examples
    --------
    >>> column_key(" CI.UB "), column_key("ci ub"), column_key("Ci-Ub")
    ('ci_ub', 'ci_ub', 'ci_ub')
    """
    return re.sub(r"[\s.\-]+", "_", str(name).strip().casefold())


def suggest(name: str, columns: Iterable[Any], exclude: Iterable[Any] = ()) -> list[str]:
    """Up to three column names close to ``name`` (known aliases first, then by spelling).

    Parameters
    ----------
    name
        The name asked for (a metafor argument or a column given with a flag).
    columns
        The file's column names.
    exclude
        Columns not to suggest (already used for something else).

    Returns
    -------
    list of str

    Raises
    ------
    Nothing.

    References
    ----------
    Python :func:`difflib.get_close_matches` (Ratcliff-Obershelp similarity).

    Examples
    --------
    >>> suggest("ci_ub", ["study", "hr", "ci_lower", "ci_upper"])
    ['ci_upper']
    >>> suggest("vi", ["yi", "v"])
    ['v']
    """
    skip = {str(c) for c in exclude}
    cols = [str(c) for c in columns if str(c) not in skip]
    by_key: dict[str, str] = {}
    for c in cols:
        by_key.setdefault(column_key(c), c)
    key = column_key(name)
    out = [by_key[a] for a in ALIASES.get(key, ()) if a in by_key]
    for k in difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6):
        if by_key[k] not in out:
            out.append(by_key[k])
    return out[:3]


def match_column(name: str, columns: Iterable[Any]) -> tuple[str | None, list[str]]:
    """The column of ``columns`` that ``name`` refers to, and the ambiguous candidates.

    An exact match wins; otherwise the one column with the same
    :func:`column_key`. Returns ``(None, [])`` when nothing matches and
    ``(None, candidates)`` when several columns match ignoring case.

    Examples
    --------
    >>> match_column("ci_ub", ["HR", "CI_LB", "CI_UB"])
    ('CI_UB', [])
    >>> match_column("yi", ["YI", "Yi"])
    (None, ['YI', 'Yi'])
    """
    cols = [str(c) for c in columns]
    if name in cols:
        return name, []
    hits = [c for c in cols if column_key(c) == column_key(name)]
    if len(hits) == 1:
        return hits[0], []
    return None, hits


@dataclass
class Problems:
    """Problems of one file, collected and raised together as one line."""

    path: Path
    columns: Sequence[str] = ()
    items: list[tuple[str, str]] = field(default_factory=list)
    column_problem: bool = False

    def add(self, text: str, where: str) -> None:
        self.items.append((text, where))

    def missing(self, name: str, flag: str | None, exclude: Iterable[str] = ()) -> None:
        """Record that column ``name`` (asked for by ``flag``) is not in the file."""
        _, hits = match_column(name, self.columns)
        shown = show_path(self.path)
        what = f"no column {cell_text(name)}" + (f" (option {flag})" if flag else "")
        if hits:
            what += "; " + " and ".join(cell_text(h) for h in hits) + " all match it ignoring " \
                "case: rename one or give the exact name"
        else:
            near = suggest(name, self.columns, exclude)
            if near:
                what += "; did you mean " + " or ".join(cell_text(c) for c in near) + "?"
        self.column_problem = True
        self.add(what, f"{shown}:{name}" if flag is None else flag)

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` listing every problem (no-op if there is none)."""
        if not self.items:
            return
        shown = show_path(self.path)
        tail = ""
        if self.column_problem:
            tail = "; the file has columns: " + ", ".join(
                cell_text(c)[1:-1] for c in list(self.columns)[:30])
        n = len(self.items)
        if n == 1:
            text, where = self.items[0]
            sep = ", " if text.startswith("row ") else ": "
            raise InputError(f"{shown}{sep}{text}{tail}", where=where)
        listed = "; ".join(t for t, _ in self.items[:MAX_LISTED])
        more = f"; and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
        raise InputError(f"{shown}: {n} problems: {listed}{more}{tail}", where=self.items[0][1])


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV table whatever its separator and decimal mark; errors name the file.

    The format found is kept in ``df.attrs["csv_format"]`` (a :class:`CsvFormat`).

    Raises
    ------
    InputError
        If the file is missing, not text, empty, has no data rows, or a row has more
        fields than the header (with a hint about decimal commas).
    """
    shown = show_path(path)
    if not path.is_file():
        what = "is not a file" if path.exists() else "file not found"
        raise InputError(f"{shown}: {what}", where=shown)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown}: cannot be read as CSV (not UTF-8 text: byte "
                         f"{exc.start + 1})", where=shown) from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot be read ({exc.strerror})", where=shown) from None
    fmt = sniff_format(text)
    recs = _records(text, fmt.sep)
    if recs:
        n = len(recs[0][1])
        for line, rec in recs[1:]:
            if len(rec) > n:
                hint = ""
                if fmt.sep == "," and any(_DECIMAL_COMMA.match(f"{a},{b}")
                                          for a, b in itertools.pairwise(rec)):
                    hint = ("; if the numbers use decimal commas (0,5), separate the columns "
                            "with ';' instead")
                raise InputError(
                    f"{shown}, row {line}: {len(rec)} fields but the header has {n} "
                    f"({SEPARATOR_NAMES[fmt.sep]}-separated){hint}", where=f"{shown}:{line}")
    try:
        # Only an empty cell is missing; "NA", "NaN", "null" stay text, so that a
        # message can tell them apart from an empty cell.
        df = pd.read_csv(io.StringIO(text), sep=fmt.sep, decimal=fmt.decimal,
                         skipinitialspace=True, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        why = " ".join(str(exc).split())[:160]
        raise InputError(f"{shown}: cannot be read as CSV ({why})", where=shown) from None
    if df.empty:
        raise InputError(f"{shown}: has a header but no data rows", where=shown)
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["csv_format"] = fmt
    return df


def read_format(path: Path) -> str:
    """:meth:`CsvFormat.describe` of a file (its first 64 KiB); empty for a plain CSV."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return ""
    return sniff_format(head).describe()


def numeric_cells(df: pd.DataFrame, column: str, problems: Problems, *,
                  allow_empty: bool = False) -> Any:
    """Column ``column`` as floats; every bad cell is added to ``problems``.

    Rows are counted as in a spreadsheet: the header is row 1. With
    ``allow_empty`` empty (or NA) cells become NaN.
    """
    shown = show_path(problems.path)
    raw = df[column]
    parsed = [parse_cell(cell, allow_missing=allow_empty) for cell in raw]
    arr = np.array([value for value, _ in parsed], dtype=np.float64)
    fmt = df.attrs.get("csv_format", CsvFormat())
    for i, (_, what) in enumerate(parsed):
        if what is None:
            continue
        cell = raw.iloc[i]
        if fmt.decimal == "." and _DECIMAL_COMMA.match(str(cell)):
            what += " (decimal comma? the file mixes 0,5 and 0.5)" if fmt.sep != "," \
                else " (decimal comma?)"
        problems.add(f"row {i + 2}, column {cell_text(column)}: cell {what}",
                     f"{shown}:{i + 2}:{column}")
    return arr
