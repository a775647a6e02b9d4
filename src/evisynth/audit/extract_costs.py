"""Economic results in text: cost per QALY (ICER), incremental cost and QALYs, and the
time horizon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evisynth.audit.items import (
    Item,
)
from evisynth.audit.numbers import Num, parse_number
from evisynth.audit.patterns import (
    _TIME_NUM,
    _num,
    _time_value,
)

_CUR = r"(?P<cur>US\$|USD\s?|EUR\s?|GBP\s?|CAD\s?|AUD\s?|CHF\s?|\$|€|£|¥)"
_AMOUNT = (
    r"(?P<amt>\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<scale>k\b|thousand|million|mn\b|m\b|bn\b|billion)?"
)
_ICER = re.compile(
    _CUR + r"\s?" + _AMOUNT + r"\s*(?:per|/|for each|for every)\s*(?:additional\s+|one\s+)?"
    r"(?P<unit>QALYs?|quality[- ]adjusted life[- ]years?|life[- ]years?|LYs?|LYG|DALYs?)"
    r"(?:\s+(?P<word>gained|saved|averted|lost))?",
    re.I,
)
_INC_COST = re.compile(
    r"(?i:incremental cost)s?\s*(?:was|were|of|:|=|,)?\s*" + _CUR + r"\s?" + _AMOUNT
)
_QALY = r"(?:QALYs?|quality[- ]adjusted life[- ]years?)"
_INC_QALY = re.compile(
    r"(?:(?i:incremental)\s+" + _QALY + r"\s*(?:was|were|of|:|=|,)?\s*(?P<q1>\d+(?:\.\d+)?))"
    r"|(?:(?P<q2>\d+(?:\.\d+)?)\s*(?:incremental\s+)?" + _QALY + r"\s+(?:gained|more|additional))"
)
_HORIZON = re.compile(
    r"(?P<h>"
    + _TIME_NUM
    + r")[- ](?P<u>year|month)s?\s+(?:time\s+)?horizon|horizon\s+of\s+(?P<h2>"
    + _TIME_NUM
    + r")\s*(?P<u2>years?|months?)",
    re.I,
)


def _amount(m: re.Match[str]) -> Num:
    scale = m.group("scale")
    end = m.end("scale") if scale else m.end("amt")
    return parse_number(m.group("amt"), span=(m.start("amt"), end), rounded_zeros=True,
                        scale=scale)  # fmt: skip


def _economics(norm: str) -> Iterator[Item]:
    for m in _ICER.finditer(norm):
        unit = m.group("unit")
        u = "QALY" if re.match(r"(?i)q", unit) else "DALY" if re.match(r"(?i)d", unit) else "LY"
        attrs = [("currency", m.group("cur").strip()), ("unit", u)]
        if m.group("word"):
            attrs.append(("wording", m.group("word").lower()))
        yield Item("icer", (m.start(), m.end()), m.group(0), (("icer", _amount(m)),), tuple(attrs))
    for m in _INC_COST.finditer(norm):
        yield Item("cost", (m.start(), m.end()), m.group(0), (("incremental_cost", _amount(m)),),
                   (("currency", m.group("cur").strip()),))  # fmt: skip
    for m in _INC_QALY.finditer(norm):
        g = "q1" if m.group("q1") else "q2"
        yield Item("qalys", (m.start(), m.end()), m.group(0), (("incremental_qalys", _num(m, g)),))
    for m in _HORIZON.finditer(norm):
        g, ug = ("h", "u") if m.group("h") else ("h2", "u2")
        h = _time_value(m.group(g))
        years = h / 12.0 if m.group(ug).lower().startswith("month") else h
        num = Num(years, years, years, m.group(g), 0, "=", (m.start(g), m.end(g)))
        yield Item("horizon", (m.start(), m.end()), m.group(0), (("years", num),))
