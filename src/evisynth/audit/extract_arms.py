"""Numbers per arm in text: arm percentages and landmark survival (``61% versus 40%``,
``24-month PFS 41%``), counts with their denominators (``46/162 (28.4%)``), and totals
split into arms (``310 patients (150 ..., 160 ...)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evisynth.audit.extract_effects import (
    _CI_WORD,
)
from evisynth.audit.items import (
    Item,
)
from evisynth.audit.numbers import Num, parse_number
from evisynth.audit.patterns import (
    _INT,
    _N,
    _PCT,
    _TIME_NUM,
    _num,
    _time_value,
    endpoint_in,
)

_CI_AHEAD = re.compile(r"\s*" + _CI_WORD)
_PCT_RE = re.compile(r"(?<![\d.,])(?P<v>" + _N + r")" + _PCT)
_CONNECT = re.compile(
    r"\b(?:versus|vs\.?|v\.|compared (?:with|to)|against|as opposed to)\s|\band\b|,\s*(?=\d)", re.I
)
_LANDMARK_BEFORE = re.compile(
    r"(?P<t>" + _TIME_NUM + r")[- ](?P<u>month|year|week|day)s?\b(?:[- ](?:landmark|rates?))?", re.I
)
_LANDMARK_AT = re.compile(
    r"\bat\s+(?P<t>" + _TIME_NUM + r")\s*(?P<u>months?|years?|weeks?|days?|mo|yr)\b", re.I
)


def _percent_groups(norm: str, doc_sentences: list[tuple[int, int]]) -> Iterator[Item]:
    for s0, s1 in doc_sentences:
        sent = norm[s0:s1]
        pcts = [m for m in _PCT_RE.finditer(sent)]
        used: set[int] = set()
        for i, m in enumerate(pcts):
            if i in used:
                continue
            # skip the confidence level of "95% CI"
            if _CI_AHEAD.match(sent, m.end()):
                continue
            group = [m]
            connector = ""
            j = i + 1
            while j < len(pcts):
                if pcts[j].start() - group[-1].end() > 90:
                    break
                mid = sent[group[-1].end() : pcts[j].start()]
                if "%" in mid or len(mid) > 90 or re.search(r"[;:]", mid):
                    break
                if _CI_AHEAD.match(sent, pcts[j].end()):
                    break
                c = _CONNECT.search(mid)
                if c is None:
                    break
                word = c.group(0).strip().lower().rstrip(",")
                if (
                    word in ("and", "")
                    and "respectively" not in sent[pcts[j].end() : pcts[j].end() + 40]
                ):
                    break
                connector = connector or (word or ",")
                group.append(pcts[j])
                j += 1
            for k in range(i, j):
                used.add(k)
            before = sent[max(0, group[0].start() - 120) : group[0].start()]
            before = re.split(r"[;]", before)[-1]
            attrs: list[tuple[str, str]] = []
            lm = None
            for rx in (_LANDMARK_BEFORE, _LANDMARK_AT):
                for mm in rx.finditer(before + sent[group[0].start() : group[-1].end()]):
                    lm = mm
            ep = endpoint_in(before + " " + sent[group[0].start() : group[-1].end()])
            if ep:
                attrs.append(("endpoint", ep))
            if lm is not None and ep in ("OS", "PFS", "EFS", "DFS", "RFS", "DOR"):
                unit = lm.group("u").lower()
                unit = {"mo": "month", "yr": "year"}.get(unit, unit.rstrip("s"))
                attrs += [("landmark", f"{_time_value(lm.group('t')):g}"), ("time_unit", unit)]
            if connector:
                attrs.append(("connector", connector))
            nums = tuple(
                (f"p{k + 1}", parse_number(g.group("v"), span=(s0 + g.start("v"), s0 + g.end("v"))))
                for k, g in enumerate(group)
            )
            a, b = s0 + group[0].start(), s0 + group[-1].end()
            yield Item("percents", (a, b), norm[a:b], nums, tuple(attrs))


# --------------------------------------------------------------------------- counts

_FRACTION = re.compile(
    r"(?<![\d./,])(?P<k>"
    + _INT
    + r")\s*(?:/|\bof\b|\bout of\b)\s*(?P<n>"
    + _INT
    + r")(?![\d/.]|\s*%)"
    r"(?:(?:\s+[A-Za-z][A-Za-z\-]*){0,2}\s*[(\[,]\s*(?P<pct>" + _N + r")" + _PCT + r"\s*[)\]]?)?"
)
_PCT_FRACTION = re.compile(
    r"(?<![\d.,])(?P<pct>" + _N + r")" + _PCT + r"\s*[(\[]\s*(?:n\s*=\s*)?(?P<k>" + _INT + r")"
    r"\s*(?:/|\bof\b|\bout of\b)\s*(?P<n>" + _INT + r")\s*[)\]]"
)
_COUNT_PCT_OF_N = re.compile(
    r"(?<![\d.,])(?P<k>" + _INT + r")\s*[(\[]\s*(?P<pct>" + _N + r")" + _PCT + r"\s*[)\]]"
    r"\s+of\s+(?:the\s+|all\s+)?(?P<n>" + _INT + r")(?![\d.])"
)
_PCT_OF_N = re.compile(
    r"(?<![\d.,])(?P<pct>" + _N + r")" + _PCT + r"\s+of\s+(?:the\s+)?(?P<n>" + _INT + r")\s+"
    r"(?=[A-Za-z])"
)


def _fractions(norm: str) -> Iterator[Item]:
    covered = bytearray(len(norm) + 1)
    for rx in (_COUNT_PCT_OF_N, _PCT_FRACTION, _FRACTION, _PCT_OF_N):
        for m in rx.finditer(norm):
            if covered[m.start()] or covered[max(m.start(), m.end() - 1)]:
                continue
            if rx is _FRACTION and re.search(r"\d\s*/\s*\d+\s*/", norm[m.start() : m.end() + 3]):
                continue  # a date such as 12/05/2023
            nums: list[tuple[str, Num]] = []
            if "k" in rx.groupindex and m.group("k") is not None:
                nums.append(("count", _num(m, "k")))
            nums.append(("n", _num(m, "n")))
            if m.group("pct") is not None:
                nums.append(("percent", _num(m, "pct")))
            if rx is _FRACTION and m.group("pct") is None:
                # "3 of 5" or "5/3" alone: a proportion only when a population word follows
                pop = re.match(
                    r"\s*(?:patients|participants|subjects|people|cases)", norm[m.end("n") :]
                )
                if not pop and ("/" not in m.group(0) or nums[0][1].value > nums[1][1].value):
                    continue
            end = m.end() if rx is not _PCT_OF_N else m.end("n")
            if rx is _FRACTION and m.group("pct") is None:
                end = m.end("n")
            covered[m.start() : end] = b"\x01" * (end - m.start())
            yield Item("fraction", (m.start(), end), norm[m.start() : end], tuple(nums))


_POP = (
    r"(?:patients|participants|subjects|people|adults|children|individuals|women|men|persons|cases)"
)
_ARMS_PAREN = re.compile(
    r"(?<![\d.,])(?P<total>"
    + _INT
    + r")\s+(?:[a-z]+\s+){0,2}?"
    + _POP
    + r"\b(?P<between>[^()%.;]{0,60}?)"
    r"\(\s*(?P<inner>[^()%]{1,160})\)"
)
_ARM_NUM = re.compile(
    r"(?<![\d.,/])(?:n\s*=\s*)?(?P<a>" + _INT + r")(?![\d.,]*\s*(?:%|/|mg|kg|months?|years?))"
)
_N_EQ = re.compile(r"\(\s*n\s*=\s*(?P<a>" + _INT + r")\s*\)", re.I)
_TOTAL = re.compile(
    r"(?<![\d.,])(?P<total>" + _INT + r")\s+(?:[a-z]+\s+){0,2}?" + _POP + r"\b", re.I
)


def _arms(norm: str, sentences: list[tuple[int, int]]) -> Iterator[Item]:
    taken: set[int] = set()
    for m in _ARMS_PAREN.finditer(norm):
        if re.search(r"\d", m.group("between")):
            continue
        inner = m.group("inner")
        arms = [a for a in _ARM_NUM.finditer(inner)]
        if not 2 <= len(arms) <= 4:
            continue
        if not re.search(r"(?i)\bvs\.?|versus|\band\b|,|;|\bto\b|\bor\b", inner):
            continue
        base = m.start("inner")
        nums = [("total", _num(m, "total"))] + [
            (
                f"arm{k + 1}",
                parse_number(a.group("a"), span=(base + a.start("a"), base + a.end("a"))),
            )
            for k, a in enumerate(arms)
        ]
        taken.add(m.start())
        yield Item("arms", (m.start(), m.end()), m.group(0), tuple(nums))
    for s0, s1 in sentences:
        sent = norm[s0:s1]
        t = _TOTAL.search(sent)
        if t is None or (s0 + t.start()) in taken:
            continue
        eqs = list(_N_EQ.finditer(sent, t.end()))
        if not 2 <= len(eqs) <= 4:
            continue
        nums = [
            (
                "total",
                parse_number(t.group("total"), span=(s0 + t.start("total"), s0 + t.end("total"))),
            )
        ]
        nums += [
            (f"arm{k + 1}", parse_number(e.group("a"), span=(s0 + e.start("a"), s0 + e.end("a"))))
            for k, e in enumerate(eqs)
        ]
        a, b = s0 + t.start(), s0 + eqs[-1].end()
        yield Item("arms", (a, b), norm[a:b], tuple(nums))
