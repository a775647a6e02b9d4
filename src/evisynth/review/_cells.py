"""Parsers for single CSV cells of a review folder.

Each parser takes the raw text of one cell and returns a typed value, or raises
:class:`ValueError` whose message says what was wrong and what would be right.
The loader adds the file, row and column. The parsers are pure and total: any
string either parses or raises ``ValueError``, nothing else.

>>> parse_float("0.726")
0.726
>>> parse_float("")
>>> parse_count("82")
82
>>> parse_source_rows("21;2")
(21, 2)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = [
    "ID_PATTERN",
    "parse_bool",
    "parse_choice",
    "parse_count",
    "parse_doi_or_pmid",
    "parse_float",
    "parse_id",
    "parse_int",
    "parse_keys",
    "parse_source_rows",
    "parse_text",
]

#: Identifiers (study ids, row ids, outcome keys): letters, digits, ``_ . : -``.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_IDENTIFIER = re.compile(r"(doi:10\.\d{4,9}/\S+|PMID:\d+|OpenAlex:W\d+)")
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})


def _shown(text: str) -> str:
    """The cell as it is quoted in messages (shortened, repr-quoted)."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def parse_text(raw: str) -> str | None:
    """Strip surrounding white space; an empty cell is ``None``.

    Parameters
    ----------
    raw
        The cell text.

    Returns
    -------
    str or None
        The stripped text, or ``None`` for an empty cell.

    Raises
    ------
    ValueError
        Never for ordinary text; a cell holding a line break is rejected, because
        it usually means a quoting mistake in the CSV file.

    Examples
    --------
    >>> parse_text("  abstract ")
    'abstract'
    """
    text = raw.strip()
    if "\n" in text or "\r" in text:
        raise ValueError(f"cell {_shown(text)} contains a line break; put the text on one line")
    return clean_text(text).strip() or None


#: Largest count of patients or events a cell may hold.
MAX_COUNT = 1_000_000_000

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Replace C0/C1 control characters (other than tab and line breaks) with a space.

    Control characters in a label could move the cursor of a terminal or hide
    text in a report; they never belong in a review's words.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The text with each control character replaced by a space.

    Examples
    --------
    >>> clean_text("ZUMA\x1b[2J-7")
    'ZUMA [2J-7'
    """
    return _CONTROL.sub(" ", text)


def parse_float(raw: str) -> float | None:
    """Parse a decimal number such as ``0.73`` or ``1e-3``; empty means ``None``.

    Parameters
    ----------
    raw
        The cell text.

    Returns
    -------
    float or None

    Raises
    ------
    ValueError
        Text that is not a plain finite decimal number, with the likely fix
        (decimal comma, ``<0.001``, ``NR``, percent sign).

    Examples
    --------
    >>> parse_float(" 1.5e-2 ")
    0.015
    """
    text = raw.strip()
    if not text:
        return None
    if _NUMBER.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
        raise ValueError(f"{_shown(text)} is too large; give a finite number")
    hint = "give a plain number with a decimal point, e.g. 0.73"
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        hint = "use a point, not a comma, as the decimal separator"
    elif text.startswith(("<", ">", "≤", "≥")):
        hint = "an inequality is not a number; put it in the text column (e.g. pval_text)"
    elif text.endswith("%"):
        hint = "give the number without the percent sign"
    elif text.upper() in {"NR", "NA", "N/A", "NAN", "INF", "-INF", "NE"}:
        hint = "leave the cell empty when the number is not reported"
    raise ValueError(f"{_shown(text)} is not a number; {hint}")


def parse_int(raw: str) -> int | None:
    """Parse a whole number such as ``180``; empty means ``None``.

    Parameters
    ----------
    raw
        The cell text.

    Returns
    -------
    int or None

    Raises
    ------
    ValueError
        Text that is not a whole number (``12.5``, ``12.0`` and ``twelve`` are not).

    Examples
    --------
    >>> parse_int("92")
    92
    """
    text = raw.strip()
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if _NUMBER.fullmatch(text):
        raise ValueError(f"{_shown(text)} is not a whole number; counts have no decimals")
    raise ValueError(f"{_shown(text)} is not a whole number; give digits only, e.g. 117")


def parse_count(raw: str) -> int | None:
    """Parse a count of patients or events: a whole number, 0 or more.

    Raises
    ------
    ValueError
        Not a whole number, or negative.

    Examples
    --------
    >>> parse_count("0")
    0
    """
    value = parse_int(raw)
    if value is not None and value < 0:
        raise ValueError(f"{value} is negative; a count is 0 or more")
    if value is not None and value > MAX_COUNT:
        raise ValueError(f"{_shown(str(value))} is more than {MAX_COUNT:,} (no study has that "
                         "many patients or events); check the cell")
    return value


def parse_bool(raw: str) -> bool | None:
    """Parse ``true``/``false`` (also ``yes``/``no``, any case); empty means ``None``.

    Raises
    ------
    ValueError
        Any other text.

    Examples
    --------
    >>> parse_bool("TRUE"), parse_bool("no")
    (True, False)
    """
    text = raw.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{_shown(raw.strip())} is not true or false; write true or false")


def parse_choice(raw: str, choices: Sequence[str]) -> str | None:
    """Return the cell if it is one of ``choices`` (exact spelling); empty means ``None``.

    Raises
    ------
    ValueError
        Any other text; the message lists the allowed values.

    Examples
    --------
    >>> parse_choice("primary", ["primary", "lead"])
    'primary'
    """
    text = raw.strip()
    if not text:
        return None
    if text in choices:
        return text
    close = [c for c in choices if c.lower() == text.lower()]
    if close:
        raise ValueError(f"{_shown(text)} must be spelled {close[0]!r}")
    raise ValueError(f"{_shown(text)} is not one of: {', '.join(choices)}")


def parse_id(raw: str) -> str | None:
    """Parse an identifier (study id, row id, outcome key); empty means ``None``.

    Raises
    ------
    ValueError
        Spaces or characters other than letters, digits and ``_ . : -``.

    Examples
    --------
    >>> parse_id("ZUMA7_Westin2023")
    'ZUMA7_Westin2023'
    """
    text = raw.strip()
    if not text:
        return None
    if ID_PATTERN.fullmatch(text):
        return text
    raise ValueError(
        f"{_shown(text)} is not an identifier; use letters, digits and _ . : - only "
        "(no spaces), starting with a letter or digit"
    )


def parse_keys(raw: str) -> tuple[str, ...] | None:
    """Parse ``;``-separated identifiers (``efs;pfs``) or ``*``; empty means ``None``.

    Raises
    ------
    ValueError
        An empty item (``efs;;os``), a repeated item, or an item that is not an identifier.

    Examples
    --------
    >>> parse_keys("efs; os")
    ('efs', 'os')
    """
    text = raw.strip()
    if not text:
        return None
    if text == "*":
        return ("*",)
    items = [part.strip() for part in text.split(";")]
    out: list[str] = []
    for item in items:
        if not item:
            raise ValueError(f"{_shown(text)} has an empty item; separate keys by one ';'")
        parsed = parse_id(item)
        assert parsed is not None
        if parsed in out:
            raise ValueError(f"{_shown(text)} names {parsed!r} twice")
        out.append(parsed)
    return tuple(out)


def parse_features(raw: str) -> tuple[tuple[str, str], ...]:
    """Parse design features ``name=value; name=value`` (empty: none).

    Raises
    ------
    ValueError
        An item without ``=``, an empty or repeated name.

    Examples
    --------
    >>> parse_features("crossover=planned; efs_week12=no")
    (('crossover', 'planned'), ('efs_week12', 'no'))
    """
    text = clean_text(raw).strip()
    out: list[tuple[str, str]] = []
    if not text:
        return ()
    for part in text.split(";"):
        name, eq, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or not value:
            raise ValueError(f"{_shown(part.strip())} is not a feature; write name=value "
                             "items separated by ';'")
        if name in dict(out):
            raise ValueError(f"feature {name!r} is given twice")
        out.append((name, value))
    return tuple(out)


def parse_source_rows(raw: str) -> tuple[int, ...] | None:
    """Parse ``;``-separated row numbers of the source table (``21;2``); empty means ``None``.

    Raises
    ------
    ValueError
        An item that is not a whole number of 1 or more.

    Examples
    --------
    >>> parse_source_rows("46")
    (46,)
    """
    text = raw.strip()
    if not text:
        return None
    out: list[int] = []
    for part in text.split(";"):
        item = part.strip()
        if not re.fullmatch(r"\d+", item) or int(item) < 1:
            raise ValueError(
                f"{_shown(text)}: {item!r} is not a row number; give row numbers of 1 or "
                "more separated by ';'"
            )
        out.append(int(item))
    return tuple(out)


def parse_doi_or_pmid(raw: str) -> str | None:
    """Check a DOI/PMID cell: it must name at least one ``doi:10.``, ``PMID:`` or ``OpenAlex:`` id.

    Several identifiers are separated by ``;`` (``doi:10.1182/x; PMID:36542826``);
    text around them (a remark in parentheses) is kept. Empty means ``None``.

    Raises
    ------
    ValueError
        A cell with no recognisable identifier.

    Examples
    --------
    >>> parse_doi_or_pmid("doi:10.1056/NEJMoa2301665")
    'doi:10.1056/NEJMoa2301665'
    """
    text = parse_text(raw)
    if text is None:
        return None
    if _IDENTIFIER.search(text):
        return text
    raise ValueError(
        f"{_shown(text)} holds no identifier; write doi:10.xxxx/..., PMID:12345678 or "
        "OpenAlex:W123, or leave the cell empty"
    )
