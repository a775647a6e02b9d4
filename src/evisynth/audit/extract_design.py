"""How a trial was run, in text: design words (double-blind, placebo-controlled,
open-label, single-arm, randomised), the arms compared, and drug doses
(``fludarabine 30 mg/m² per day for 3 days``, ``8 mg/kg``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evisynth.audit.items import (
    Item,
)
from evisynth.audit.patterns import (
    _WORD_NUMBERS,
    _num,
    _time_value,
)

_DESIGN_WORDS = (
    ("double-blind", r"double[- ]blind(?:ed)?|double[- ]masked|triple[- ]blind(?:ed)?"),
    ("single-blind", r"single[- ]blind(?:ed)?|assessor[- ]blind(?:ed)?|observer[- ]blind(?:ed)?"),
    ("open-label", r"open[- ]label|unblinded|non[- ]blinded"),
    ("placebo-controlled", r"placebo[- ]controlled"),
    ("single-arm", r"single[- ]arm|single[- ]group|uncontrolled"),
    ("randomised", r"randomi[sz]ed|randomly assigned|randomly allocated"),
)
_COMPARE = re.compile(
    r"(?P<a>[A-Za-z0-9][^.;:()]{0,80}?)\s+(?:versus|vs\.?|compared (?:with|to)|against)\s+"
    r"(?P<b>[A-Za-z0-9][^.;:(),]{0,80})",
    re.I,
)
_ASSIGNED = re.compile(
    r"(?:assigned|allocated|randomi[sz]ed)\s+(?:\d+\s+\w+\s+)?(?:\([^)]*\)\s*)?"
    r"(?:in a \d:\d ratio\s+)?to\s+(?:receive\s+)?"
    r"(?P<a>[A-Za-z0-9][^.;:()]{0,80}?)\s+or\s+(?P<b>[A-Za-z0-9][^.;:(),]{0,80})",
    re.I,
)


_ARM_END = re.compile(
    r"""['"]|\b(?:comparison|comparisons|trial|trials|study|studies|in|among|for|who|at|was|"""
    r"""were|is|are|showed|shows|resulted|led|improved|reduced|arm|group|groups)\b""",
    re.I,
)
_ARM_START = re.compile(
    r"(?i)\b(?:of|with|comparing|compared|between|trial|study|assigned to|receive|received|"
    r"calls|called|describes|described|is|was|were|reports|reported|tested|testing)\b"
)


def _arm_words(s: str, *, left: bool = False) -> str:
    s = re.sub(r"\s+", " ", s).strip(" ,")
    if left:
        s = _ARM_START.split(s)[-1]
        s = re.split(r"""['"]""", s)[-1]
    else:
        s = _ARM_END.split(s)[0]
    s = s.strip(" ,")
    return re.sub(r"(?i)^(?:(?:to|either|a|an|the|receive|with)\s+)+", "", s).strip(" ,")


def _design(norm: str) -> Iterator[Item]:
    for label, pat in _DESIGN_WORDS:
        for m in re.finditer(r"\b(?:" + pat + r")\b", norm, re.I):
            if label == "randomised" and re.search(
                r"(?i)\bnon[- ]$", norm[max(0, m.start() - 4) : m.start()]
            ):
                continue
            yield Item("design", (m.start(), m.end()), m.group(0), (), (("statement", label),))
    for rx in (_COMPARE, _ASSIGNED):
        for m in rx.finditer(norm):
            a = m.group("a").strip()
            b = m.group("b").strip()
            # keep the last few words of the left arm: "... trial of drug X versus Y"
            a, b = _arm_words(a, left=True), _arm_words(b)
            if not a or not b or re.search(r"\d\s?%|^\d", a) or re.search(r"\d\s?%|^\d", b):
                continue
            yield Item("comparison", (m.start(), m.end()), m.group(0), (),
                       (("arm_a", a), ("arm_b", b)))  # fmt: skip


# -------------------------------------------------------------------------- doses

_DOSE_UNIT = (
    r"(?P<unit>mg\s*/\s*m\s*(?:2|²|\^2)|mg per (?:square )?(?:metre|meter|m2|m²)(?: squared)?"
    r"|mg\s*/\s*kg|mg per kg|mg)(?![A-Za-z])"
)
_DOSE_AFTER = re.compile(
    r"\b(?P<drug>[a-z][a-z]{4,})\b[\s,:]*(?:\((?:[^()]{0,30})\)\s*)?"
    r"(?:at\s+(?:a\s+dose\s+of\s+)?|dosed at\s+)?"
    r"(?P<dose>\d+(?:\.\d+)?)\s*" + _DOSE_UNIT,
    re.I,
)
_DOSE_BEFORE = re.compile(
    r"(?P<dose>\d+(?:\.\d+)?)\s*"
    + _DOSE_UNIT
    + r"(?:\s*(?:/\s*day|per day|daily|/d\b))?\s+(?:of\s+)?(?P<drug>[a-z][a-z]{4,})\b",
    re.I,
)
_DAYS = re.compile(
    r"(?:for|over|x|×)\s*(?P<n>\d+|"
    + "|".join(w for w in _WORD_NUMBERS if "-" not in w)
    + r")\s*(?:consecutive\s+)?days?"
    r"|on days?\s+(?P<d1>-?\d+)\s*(?:to|-|through|and)\s*(?P<d2>-?\d+)",
    re.I,
)


def _doses(norm: str) -> Iterator[Item]:
    seen: set[int] = set()
    for rx in (_DOSE_AFTER, _DOSE_BEFORE):
        for m in rx.finditer(norm):
            if m.start("dose") in seen:
                continue
            seen.add(m.start("dose"))
            unit = re.sub(r"\s+", "", m.group("unit").lower())
            unit = "mg/m2" if ("m2" in unit or "m²" in unit or "metre" in unit or "meter" in unit
                               or "m^2" in unit) else "mg/kg" if "kg" in unit else "mg"  # fmt: skip
            attrs = [("drug", m.group("drug").lower()), ("unit", unit)]
            tail = norm[m.end() : m.end() + 60]
            d = _DAYS.match(re.sub(r"^[\s,/]*(?:per\s+day|/\s*day|daily)?[\s,]*", "", tail))
            d = d or _DAYS.search(tail[:40])
            if d is not None:
                if d.group("n"):
                    attrs.append(("days", f"{_time_value(d.group('n')):g}"))
                else:
                    n_days = abs(int(d.group("d2")) - int(d.group("d1"))) + 1
                    attrs.append(("days", str(n_days)))
            yield Item("dose", (m.start(), m.end()), m.group(0), (("dose", _num(m, "dose")),),
                       tuple(attrs))  # fmt: skip
