"""Find reported statistics in free text.

Each pattern turns a way abstracts print a statistic into an :class:`Item` that keeps
its numbers (as :class:`~evisynth.audit.numbers.Num`, with rounding intervals) and its
character span. Patterns run on :func:`~evisynth.audit.numbers.normalize`-d text, which
has the same length as the original, so spans point into the original text.

Recognised (examples are illustrative, not quotations):

- ratios with CI and p: ``HR 0.55 (95% CI 0.42-0.71; p < 0.001)``,
  ``hazard ratio, 0.40; 95% confidence interval, 0.31 to 0.51``, ``RR = 2.28 [1.82; 2.86]``,
  ``OR 2,1 (1,3-3,4)``;
- arm percentages: ``61% with the new drug versus 40% with usual care``,
  ``rates were 30% and 22%, respectively``;
- counts: ``46/162 (28.4%)``, ``28% (46 of 162)``, ``13 (7%) of 180``, ``7% of 224 patients``;
- totals and arms: ``310 patients (150 ..., 160 ...)``,
  ``310 patients ... (n = 150) ... (n = 160)``;
- medians with units and landmark survival: ``median OS 25.5 vs 11.1 months``,
  ``24-month PFS 41%``, ``OS at 2 years was 61% and 52%``;
- cost per QALY, incremental cost and QALYs, time horizon;
- design words (double-blind, placebo-controlled, open-label, single-arm, randomised) and
  the arms compared;
- drug doses (``fludarabine 30 mg/m² per day for 3 days``, ``8 mg/kg``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evisynth.audit.numbers import Num, normalize, parse_number, parse_p
from evisynth.errors import InputError

__all__ = ["Document", "Item", "extract"]


@dataclass(frozen=True)
class Item:
    """One reported statistic found in the text.

    Attributes
    ----------
    kind
        ``ratio``, ``percents``, ``fraction``, ``arms``, ``median``, ``median_gain``,
        ``icer``, ``cost``, ``qalys``, ``horizon``, ``design``, ``comparison``, ``dose``,
        ``difference``, ``reduction`` or ``weight``.
    span
        ``(start, end)`` character offsets in the audited text.
    text
        The characters of the span.
    numbers
        Named numbers, e.g. ``(("estimate", Num), ("ci_lb", Num), ...)``.
    attrs
        Named words, e.g. ``(("measure", "HR"), ("endpoint", "OS"))``.
    """

    kind: str
    span: tuple[int, int]
    text: str
    numbers: tuple[tuple[str, Num], ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()

    def num(self, name: str) -> Num | None:
        """The number called ``name``, or ``None``."""
        for k, v in self.numbers:
            if k == name:
                return v
        return None

    def attr(self, name: str) -> str | None:
        """The word called ``name``, or ``None``."""
        for k, v in self.attrs:
            if k == name:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {
            "kind": self.kind,
            "span": list(self.span),
            "text": self.text,
            "numbers": {k: v.to_dict() for k, v in self.numbers},
            "attrs": dict(self.attrs),
        }


@dataclass(frozen=True)
class Document:
    """Normalised text, its sentence and paragraph boundaries, and the items found."""

    text: str
    norm: str
    items: tuple[Item, ...]
    sentence_starts: tuple[int, ...] = field(repr=False, default=())
    paragraph_starts: tuple[int, ...] = field(repr=False, default=())

    def sentence(self, pos: int) -> int:
        """Index of the sentence holding character ``pos``."""
        return bisect.bisect_right(self.sentence_starts, pos) - 1

    def paragraph(self, pos: int) -> int:
        """Index of the paragraph holding character ``pos``."""
        return bisect.bisect_right(self.paragraph_starts, pos) - 1


# --------------------------------------------------------------------------- pieces

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


# ---------------------------------------------------------------------------- ratios

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


# ----------------------------------------------------------------------- percentages

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


# --------------------------------------------------------------------------- medians

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


# ---------------------------------------------------------------------- economics

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


# ------------------------------------------------------------------------- design

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


# ------------------------------------------------------------- differences, weights

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


# --------------------------------------------------------------------------- whole

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"'])|\n\s*\n|\n(?=\s*[-*#•])")
_PARA_END = re.compile(r"\n\s*\n")


def _boundaries(norm: str, rx: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    start = 0
    for m in rx.finditer(norm):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(norm)))
    return [(a, b) for a, b in out if b > a] or [(0, len(norm))]


def extract(text: str) -> Document:
    """Find every reported statistic in ``text``.

    Parameters
    ----------
    text
        Plain text (HTML already stripped).

    Returns
    -------
    Document
        The normalised text, sentence and paragraph boundaries, and the
        :class:`Item` list in reading order.

    Raises
    ------
    InputError
        If ``text`` is not a string.

    References
    ----------
    Reporting formats as in the ICMJE recommendations and CONSORT 2010 (items 17a-b):
    estimate, confidence interval and exact p-value.

    Examples
    --------
    >>> doc = extract("The hazard ratio was 0.62 (95% CI, 0.50 to 0.77).")
    >>> [(i.kind, i.num("estimate").value, i.num("ci_ub").value) for i in doc.items]
    [('ratio', 0.62, 0.77)]
    """
    if not isinstance(text, str):
        raise InputError(f"argument 'text': expected a string, got {type(text).__name__}",
                         where="text")  # fmt: skip
    norm = normalize(text)
    sentences = _boundaries(norm, _SENT_END)
    paragraphs = _boundaries(norm, _PARA_END)
    items: list[Item] = []
    in_ratio = bytearray(len(norm) + 1)
    for it in _ratios(norm):
        items.append(it)
        in_ratio[it.span[0] : it.span[1]] = b"\x01" * (it.span[1] - it.span[0])
    for gen in (_percent_groups(norm, sentences), _fractions(norm), _arms(norm, sentences),
                _medians(norm), _economics(norm), _design(norm), _doses(norm),
                _differences(norm)):  # fmt: skip
        for it in gen:
            inside = it.kind in ("percents", "fraction", "difference", "reduction")
            if inside and in_ratio[it.span[0]]:
                continue  # the "95%" of a CI inside a ratio statement
            items.append(it)
    in_frac = bytearray(len(norm) + 1)
    for i in items:
        if i.kind == "fraction":
            in_frac[i.span[0] : i.span[1]] = b"\x01" * (i.span[1] - i.span[0])
    items = [
        i for i in items
        if not (i.kind == "percents" and len(i.numbers) == 1 and in_frac[i.span[0]])
    ]  # fmt: skip
    items.sort(key=lambda i: (i.span[0], i.span[1]))
    fixed = tuple(
        Item(i.kind, i.span, text[i.span[0] : i.span[1]], i.numbers, i.attrs) for i in items
    )
    return Document(
        text, norm, fixed,
        tuple(a for a, _ in sentences), tuple(a for a, _ in paragraphs),
    )  # fmt: skip
