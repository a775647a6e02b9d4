"""Effect estimates in text: ratios with their interval and p-value (``HR 0.55 (95% CI
0.42-0.71; p < 0.001)``), risk differences in percentage points, relative reductions,
and (in the same pass) body weights in kilograms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evisynth.audit.items import (
    Item,
)
from evisynth.audit.numbers import Num, parse_p
from evisynth.audit.patterns import (
    _N,
    _NC,
    _P,
    _PCT,
    _REL,
    _num,
)
from evisynth.errors import InputError

_MEASURES = (
    (
        "HR",
        r"(?i:(?:adjusted |stratified |unstratified |cause[- ]specific |subdistribution )?"
        r"hazard ratios?)|a?HRs?|sHR",
    ),
    ("RR", r"(?i:(?:adjusted )?(?:relative risk|risk ratio)s?)|a?RRs?"),
    ("OR", r"(?i:(?:adjusted )?odds ratios?)|a?ORs?"),
    ("IRR", r"(?i:(?:incidence )?rate ratios?)|IRRs?"),
)
_MEASURE_RE = "|".join(f"(?P<m_{code}>{p})" for code, p in _MEASURES)
_CI_WORD = r"(?i:confidence interval|credible interval|CI|CrI)"
_SEP = r"\s*(?:-|to|,|;|(?i:and))\s*"
_RATIO = re.compile(
    r"(?<![A-Za-z])(?:" + _MEASURE_RE + r")(?![A-Za-z])"
    r"(?:\s*[(\[](?:a?HR|RR|OR|IRR)[)\]])?"
    r"(?:\s*\(\s*95\s?%\s*" + _CI_WORD + r"\s*\))?"
    r"(?:\s+(?:for|of)\s+[A-Za-z][A-Za-z ,'\-]{0,50}?)?"
    r"(?:\s*(?:was|were|is|of|:|=|,))*\s*"
    r"(?P<est>" + _NC + r")(?![\d%])"
    r"(?:"
    r"(?P<ci>[\s,;]*(?P<open>[(\[])?\s*"
    r"(?:(?P<level>\d{2}(?:\.\d+)?)" + _PCT + r"\s*)?"
    r"(?P<ciword>" + _CI_WORD + r"(?:\s*[(\[]CI[)\]])?)?[\s,:=]*"
    r"(?P<lb>" + _NC + r")" + _SEP + r"(?P<ub>" + _NC + r")(?![\d%])"
    r"(?:\s*[;,]\s*"
    + _P
    + r"\s*"
    + _REL.format("rel1")
    + r"\s*(?P<p1>"
    + _N
    + r"(?:\s*[x×]\s*10\^?-\d+|[eE]-?\d+)?))?"
    r"\s*(?P<close>[)\]])?"
    r"))?"
    r"(?:[\s,;]*\(?\s*"
    + _P
    + r"\s*"
    + _REL.format("rel2")
    + r"\s*(?P<p2>"
    + _N
    + r"(?:\s*[x×]\s*10\^?-\d+|[eE]-?\d+)?))?"
)


def _ratios(norm: str) -> Iterator[Item]:
    for m in _RATIO.finditer(norm):
        code = next(c for c, _ in _MEASURES if m.group(f"m_{c}"))
        if (
            code == "OR"
            and m.group("m_OR") in ("OR", "ORs")
            and norm[m.start() : m.start() + 2] != "OR"
        ):
            continue
        has_ci = m.group("lb") is not None
        before = norm[max(0, m.start() - 3) : m.start()]
        wrapped = re.search(r"[(\[]\s*$", before) and m.group("close")
        if has_ci and not (m.group("open") or m.group("ciword") or wrapped):
            has_ci = False  # "HR 0.55, 0.42" is not a CI without a bracket or the word CI
        nums: list[tuple[str, Num]] = [("estimate", _num(m, "est"))]
        attrs: list[tuple[str, str]] = [("measure", code)]
        end = m.end("est")
        if has_ci:
            nums += [("ci_lb", _num(m, "lb")), ("ci_ub", _num(m, "ub"))]
            attrs.append(("level", m.group("level") or "95"))
            end = m.end("ci")
        for g, rel in (("p1", "rel1"), ("p2", "rel2")):
            if m.group(g) and (has_ci or g == "p2"):
                try:
                    p = parse_p(m.group(g), m.group(rel), span=(m.start(g), m.end(g)))
                except InputError:
                    continue
                nums.append(("p", p))
                end = max(end, m.end(g))
                break
        if not has_ci and m.group("p2") is None:
            end = m.end("est")
        tail = norm[m.start() : end + 40].lower()
        if "one-sided" in tail or "one sided" in tail or "1-sided" in tail:
            attrs.append(("sided", "one"))
        elif "two-sided" in tail or "2-sided" in tail:
            attrs.append(("sided", "two"))
        yield Item("ratio", (m.start(), end), norm[m.start() : end], tuple(nums), tuple(attrs))


_DIFF = re.compile(
    r"(?i:(?:absolute |risk )?difference)\s*(?:in [a-z ]{1,30}?)?\s*(?:was|of|:|=|,)?\s*"
    r"(?P<d>-?\d+(?:\.\d+)?)\s*(?i:percentage[- ]points?|pp\b|%|points?)"
)
_WEIGHT = re.compile(
    r"(?P<w>\d+(?:\.\d+)?)[- ]?kg\s+(?:patient|man|woman|adult|child|participant)"
    r"|weigh(?:ing|s|ed)\s+(?P<w2>\d+(?:\.\d+)?)\s*kg",
    re.I,
)


_REDUCTION = re.compile(
    r"(?<![\d.])(?P<r>" + _N + r")" + _PCT
    + r"\s+(?:relative\s+)?(?:reduction|lower|decrease|reduced)"
    r"\s+(?:in\s+)?(?:the\s+)?(?:risk|hazard|odds|rate)"
    r"|(?:reduced|lowered|decreased|cut)\s+the\s+(?:risk|hazard|odds|rate)\s+of\s+"
    r"[a-z ,\-]{1,40}?\s+by\s+"
    r"(?P<r2>" + _N + r")" + _PCT,
    re.I,
)


def _differences(norm: str) -> Iterator[Item]:
    for m in _REDUCTION.finditer(norm):
        g = "r" if m.group("r") else "r2"
        yield Item("reduction", (m.start(), m.end()), m.group(0), (("reduction", _num(m, g)),))
    for m in _DIFF.finditer(norm):
        yield Item("difference", (m.start(), m.end()), m.group(0), (("difference", _num(m, "d")),))
    for m in _WEIGHT.finditer(norm):
        g = "w" if m.group("w") else "w2"
        yield Item("weight", (m.start(), m.end()), m.group(0), (("weight_kg", _num(m, g)),))
