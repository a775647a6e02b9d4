"""Medians with their units (``median OS 25.5 vs 11.1 months``) and median gains in text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evisynth.audit.extract_effects import (
    _CI_WORD,
    _SEP,
)
from evisynth.audit.items import (
    Item,
)
from evisynth.audit.numbers import Num
from evisynth.audit.patterns import (
    _N,
    _TIME_NUM,
    _num,
    _time_value,
    endpoint_in,
)

_UNIT = r"(?P<{0}>months?|mo\b\.?|years?|yrs?|weeks?|wks?|days?)"
_MEDIAN = re.compile(
    r"\bmedian\s+(?P<what>[A-Za-z][A-Za-z\- ]{0,50}?)\s*(?:\((?:[A-Z]{2,4})\)\s*)?"
    r"(?:was|were|of|:|,)?\s*"
    r"(?P<m1>" + _N + r")\s*" + _UNIT.format("u1") + r"?"
    r"(?:\s*\(\s*(?:95\s?%\s*"
    + _CI_WORD
    + r"[\s,:]*)?(?P<lb>"
    + _N
    + r")"
    + _SEP
    + r"(?P<ub>"
    + _N
    + r"|NR|not reached)\s*\))?"
    r"(?:[^%\d;]{0,60}?\b(?:versus|vs\.?|compared with|and)\s+(?P<m2>"
    + _N
    + r")\s*"
    + _UNIT.format("u2")
    + r"?)?",
    re.I,
)
_GAIN = re.compile(
    r"(?P<d>" + _TIME_NUM + r")[- ](?P<u>month|year|week)s?\s+(?P<ep>[A-Za-z\- ]{0,30}?)"
    r"(?:improvement|gain|benefit|prolongation|extension)\b",
    re.I,
)


def _unit(s: str | None) -> str | None:
    if not s:
        return None
    s = s.lower().rstrip(".")
    for u in ("month", "year", "week", "day"):
        if s.startswith(u[:2]) and (s[:1] != "m" or s.startswith("mo")):
            return u
    if s.startswith(("yr",)):
        return "year"
    if s.startswith("wk"):
        return "week"
    return None


def _medians(norm: str) -> Iterator[Item]:
    for m in _MEDIAN.finditer(norm):
        u1, u2 = _unit(m.group("u1")), _unit(m.group("u2"))
        unit = u1 or u2
        if unit is None:
            continue
        nums: list[tuple[str, Num]] = [("m1", _num(m, "m1"))]
        if m.group("lb") and m.group("ub") and re.fullmatch(_N, m.group("ub")):
            nums += [("ci_lb", _num(m, "lb")), ("ci_ub", _num(m, "ub"))]
        if m.group("m2"):
            nums.append(("m2", _num(m, "m2")))
        what = m.group("what")
        attrs = [("unit", unit), ("what", what.strip().lower())]
        ep = endpoint_in(what)
        if ep:
            attrs.append(("endpoint", ep))
        if re.search(r"follow", what, re.I):
            attrs.append(("follow_up", "yes"))
        yield Item("median", (m.start(), m.end()), m.group(0), tuple(nums), tuple(attrs))
    for m in _GAIN.finditer(norm):
        ep = endpoint_in(m.group("ep") + " " + norm[m.end() : m.end() + 30])
        if ep is None:
            continue
        d = _time_value(m.group("d"))
        num = Num(d, d - 0.5, d + 0.5, m.group("d"), 0, "=", (m.start("d"), m.end("d")))
        if not m.group("d")[0].isdigit():
            num = Num(d, d, d, m.group("d"), 0, "=", (m.start("d"), m.end("d")))
        yield Item(
            "median_gain",
            (m.start(), m.end()),
            m.group(0),
            (("difference", num),),
            (("unit", m.group("u").lower()), ("endpoint", ep)),
        )
