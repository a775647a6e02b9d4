"""Pieces shared by the extraction patterns: numbers, percentages, relations and p-values
as regular expressions, the endpoints an abbreviation names (:func:`endpoint_in`), and
turning a matched group into a :class:`~evisynth.audit.numbers.Num`.
"""

from __future__ import annotations

import re

from evisynth.audit.numbers import Num, parse_number

__all__ = ["ENDPOINTS", "endpoint_in"]


_N = r"(?:\d+(?:\.\d+)?|\.\d+)"  # a number with a decimal point
_NC = r"(?:\d+(?:[.,]\d+)?|\.\d+)"  # ... or a decimal comma (inside ratio statements)
_INT = r"(?:\d{1,3}(?:,\d{3})+|\d+)"  # whole number, optional thousands commas
_PCT = r"\s?(?:%|(?i:per\s?cent\b))"
_REL = r"(?P<{0}>≤|≥|<=|>=|=<|=>|<|>|=)"
_P = (
    r"(?:(?i:(?:one|two|1|2)[- ]sided)\s+)?"
    r"(?<![A-Za-z])(?:[Pp](?:\s*-?\s*(?i:value))?|(?i:p-?value))"
)

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "forty-eight": 48,
    "sixty": 60,
}  # fmt: skip
_TIME_NUM = (
    r"(?:\d+(?:\.\d+)?|"
    + "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
    + ")"
)

#: Endpoint vocabulary (general, not tied to any disease): label -> pattern.
ENDPOINTS: tuple[tuple[str, str], ...] = (
    ("PFS", r"progression[- ]free survival|\bPFS\b|progression or death"),
    ("EFS", r"event[- ]free survival|\bEFS\b"),
    ("DFS", r"disease[- ]free survival|\bDFS\b"),
    ("RFS", r"relapse[- ]free survival|recurrence[- ]free survival|\bRFS\b"),
    ("DOR", r"duration of (?:the )?response|\bDOR\b|\bDoR\b"),
    ("OS", r"overall survival|\bOS\b|death from any cause|all-cause mortality|\bdeath\b|mortality"),
    ("CR", r"complete (?:metabolic )?(?:response|remission)|\bCMR\b|\bCR\b|\bCRR\b"),
    ("ORR", r"overall response|objective response|response rate|\bORR\b"),
)
_ENDPOINT_RES = tuple((lab, re.compile(p, re.IGNORECASE if lab not in ("OS", "CR") else 0))
                      for lab, p in ENDPOINTS)  # fmt: skip
_OS_WORDS = re.compile(
    r"overall survival|death from any cause|all-cause mortality|death|mortality", re.I
)


def endpoint_in(text: str) -> str | None:
    """The endpoint named last in ``text`` (``OS``, ``PFS``, ...), or ``None``."""
    best: tuple[int, str] | None = None
    for lab, rx in _ENDPOINT_RES:
        for m in rx.finditer(text):
            if best is None or m.start() > best[0]:
                best = (m.start(), lab)
        if lab == "OS":
            for m in _OS_WORDS.finditer(text):
                if best is None or m.start() > best[0]:
                    best = (m.start(), lab)
    return None if best is None else best[1]


def _num(m: re.Match[str], group: str, base: int = 0) -> Num:
    s = m.group(group)
    return parse_number(s, span=(base + m.start(group), base + m.end(group)))


def _time_value(s: str) -> float:
    s = s.lower()
    return float(_WORD_NUMBERS[s]) if s in _WORD_NUMBERS else float(s)
