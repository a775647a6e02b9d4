"""``audit(text)``: extract the reported statistics of a text and check them together.

Which numbers are checked against which: a ratio against its own CI and p-value; a
risk/odds ratio or difference against two arm percentages in the same sentence (or,
failing that, of the same endpoint in the same paragraph); a hazard ratio against
landmark survival and medians of its endpoint; arm sizes against the total; design
words and arms within a paragraph; dose statements against :mod:`evisynth.clinic`
(:mod:`evisynth.audit.labels`); cost per QALY against the stated costs, QALYs and horizon.
Arms are taken in the order printed (experimental arm first, as in "A versus B").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from evisynth.audit import checks as ck
from evisynth.audit.extraction import Document, Item, endpoint_in, extract
from evisynth.audit.labels import dosing_checks, products_named
from evisynth.audit.numbers import Num
from evisynth.audit.report import AuditReport
from evisynth.errors import InputError

__all__ = ["MAX_CHARS", "audit"]

#: Longest text audited in one call (characters); longer texts are refused with an InputError.
MAX_CHARS = 2_000_000

_SURVIVAL = ("OS", "PFS", "EFS", "DFS", "RFS", "DOR")


def audit(text: str, *, source: str = "text", max_chars: int = MAX_CHARS) -> AuditReport:
    """Find reported statistics in ``text`` and check that they add up.

    Parameters
    ----------
    text
        Plain text (strip HTML first, e.g. with :func:`evisynth.audit.sources.html_to_text`).
        Empty text gives an empty report.
    source
        Name shown in the report (a file name, a study label).
    max_chars
        Longest text accepted.

    Returns
    -------
    AuditReport
        The statistics found (with character spans) and every check applied, passed or
        failed; ``.findings`` are the failed ones, most serious first.

    Raises
    ------
    InputError
        If ``text`` is not a string or is longer than ``max_chars``. Any other text,
        however malformed, gives a report.

    References
    ----------
    Brown NJL, Heathers JAJ. The GRIM test (2017); Altman DG, Bland JM. How to obtain
    the P value from a confidence interval. BMJ 2011;343:d2304; CONSORT 2010.

    Examples
    --------
    >>> r = audit("Mortality was lower (HR 0.70, 95% CI 0.58-0.85; p = 0.40).")
    >>> [(f.rule, f.severity) for f in r.findings]
    [('p-fits-ci', 'inconsistent')]
    >>> audit("").checks
    ()
    """
    if not isinstance(text, str):
        raise InputError(
            f"argument 'text': expected a string, got {type(text).__name__}", where="text"
        )
    if len(text) > max_chars:
        raise InputError(
            f"argument 'text': {len(text):,} characters is more than the {max_chars:,} an audit "
            "accepts; audit one report (an abstract or article) at a time",
            where="text",
        )
    if not text.strip():
        return AuditReport(source, len(text), (), ())
    doc = extract(text)
    return AuditReport(source, len(text), doc.items, tuple(_check_document(doc)))


def _of(doc: Document, kind: str) -> list[Item]:
    return [i for i in doc.items if i.kind == kind]


def _ratio_endpoint(doc: Document, it: Item) -> str | None:
    s = max(doc.sentence_starts[doc.sentence(it.span[0])], it.span[0] - 200)
    return endpoint_in(doc.norm[s : it.span[1]])


def _level(it: Item) -> float:
    try:
        lv = float(it.attr("level") or 95)
    except ValueError:
        return 95.0
    return lv if 50 <= lv < 100 else 95.0


def _check_document(doc: Document) -> Iterable[ck.Check]:
    ratios = _of(doc, "ratio")
    percents = _of(doc, "percents")
    pairs = [p for p in percents if len(p.numbers) == 2]
    # --- ratios: CI, symmetry, p
    for r in ratios:
        est = r.num("estimate")
        if est is None:
            continue
        yield from ck.ratio_checks(
            r.attr("measure") or "HR", est, r.num("ci_lb"), r.num("ci_ub"), r.num("p"),
            level=_level(r), sided=r.attr("sided"),
        )  # fmt: skip
    # --- counts and denominators
    for f in _of(doc, "fraction"):
        n = f.num("n")
        if n is not None:
            yield from ck.percent_count_check(f.num("percent"), n, f.num("count"))
    arms_items = _of(doc, "arms")
    for a in arms_items:
        total = a.num("total")
        arms = [v for k, v in a.numbers if k.startswith("arm")]
        if total is not None and arms:
            yield ck.arms_total_check(total, arms)
    if len(arms_items) == 1:
        arms = [v for k, v in arms_items[0].numbers if k.startswith("arm")]
        if len(arms) == 2:
            for p in pairs:
                if p.attr("landmark") or p.attr("endpoint") in _SURVIVAL:
                    continue  # Kaplan-Meier rates are not k/n
                for (_, pv), n in zip(p.numbers, arms, strict=True):
                    yield ck.arm_granularity_check(pv, n)
    # --- ratios against arm percentages, landmarks and medians
    medians = [m for m in _of(doc, "median") if m.num("m2") is not None and not m.attr("follow_up")]
    index = _Index(doc, pairs, medians)
    for r in ratios:
        measure = r.attr("measure") or "HR"
        est = r.num("estimate")
        if est is None:
            continue
        ep = _ratio_endpoint(doc, r)
        sent, para = doc.sentence(r.span[0]), doc.paragraph(r.span[0])
        lb, ub = r.num("ci_lb"), r.num("ci_ub")

        def near(group: str, *, landmark: bool, ep: str | None = ep,
                 sent: int = sent, para: int = para) -> Item | None:  # fmt: skip
            return index.near(group, landmark, sent, para, ep)

        if measure in ("RR", "OR"):
            pair = near("pairs", landmark=False)
            if pair is not None:
                p1, p2 = pair.numbers[0][1], pair.numbers[1][1]
                yield ck.two_arm_check(measure, est, p1, p2, lb, ub)
        elif measure == "HR":
            pair = near("pairs", landmark=True)
            if pair is not None:
                p1, p2 = pair.numbers[0][1], pair.numbers[1][1]
                when = f"{pair.attr('landmark')}-{pair.attr('time_unit')}"
                yield ck.hr_landmark_check(est, lb, ub, p1, p2, when)
            med = near("medians", landmark=False)
            if med is not None:
                m1, m2 = med.num("m1"), med.num("m2")
                if m1 is not None and m2 is not None:
                    yield ck.hr_median_check(est, lb, ub, m1, m2)
    for red in _of(doc, "reduction"):
        rv = red.num("reduction")
        sent = doc.sentence(red.span[0])
        near_r = [r for r in ratios if doc.sentence(r.span[0]) == sent and r.span[0] > red.span[0]]
        near_r = near_r or [r for r in ratios if doc.sentence(r.span[0]) == sent]
        if rv is not None and near_r:
            est = near_r[0].num("estimate")
            if est is not None and est.value < 1:
                yield ck.reduction_check(rv, near_r[0].attr("measure") or "HR", est)
    for d in _of(doc, "difference"):
        est = d.num("difference")
        sent = doc.sentence(d.span[0])
        same = [p for p in pairs if doc.sentence(p.span[0]) == sent]
        if est is not None and same:
            yield ck.two_arm_check("RD", est, same[0].numbers[0][1], same[0].numbers[1][1])
    # --- medians: CI contains the median; stated gains vs landmark rates
    for m in _of(doc, "median"):
        m1, lo, hi = m.num("m1"), m.num("ci_lb"), m.num("ci_ub")
        if m1 is not None and lo is not None and hi is not None:
            ok = lo.lo <= m1.hi and m1.lo <= hi.hi
            yield ck.make_check(
                "median-ci", ok, "inconsistent",
                f"median {m1.text} " + ("lies in" if ok else "lies outside")
                + f" its CI {lo.text} to {hi.text}",
                nums=(m1, lo, hi),
            )  # fmt: skip
    landmark_pairs = [p for p in pairs if p.attr("landmark")]
    for g in _of(doc, "median_gain"):
        gain = g.num("difference")
        ep = g.attr("endpoint")
        cands = [p for p in landmark_pairs if p.attr("endpoint") == ep]
        if gain is None or len(cands) != 1:
            continue
        lm = cands[0]
        t = float(lm.attr("landmark") or 0)
        unit = lm.attr("time_unit") or "month"
        if g.attr("unit") != unit:
            if unit == "year" and g.attr("unit") == "month":
                t, unit = t * 12, "month"
            elif not (unit == "month" and g.attr("unit") == "year"):
                continue
            else:
                gain = Num(gain.value * 12, gain.lo * 12, gain.hi * 12, gain.text, gain.decimals,
                           gain.relation, gain.span)  # fmt: skip
        if t > 0:
            yield ck.median_gain_check(gain, lm.numbers[0][1], lm.numbers[1][1], t, unit)
    # --- the same quantity twice
    yield from _same_quantity(doc, ratios, landmark_pairs, medians)
    # --- design, doses, economics
    yield from _design_checks(doc)
    yield from dosing_checks(doc, [i for i in doc.items if i.kind in ("dose", "weight")])
    yield from _economics(doc)


class _Index:
    """Candidates for association by sentence, and by (paragraph, endpoint)."""

    def __init__(self, doc: Document, pairs: list[Item], medians: list[Item]) -> None:
        self.by_sent: dict[tuple[str, bool, int], list[Item]] = {}
        self.by_ep: dict[tuple[str, bool, int, str], list[Item]] = {}
        for group, cands in (("pairs", pairs), ("medians", medians)):
            for c in cands:
                lm = bool(c.attr("landmark"))
                self.by_sent.setdefault((group, lm, doc.sentence(c.span[0])), []).append(c)
                ep = c.attr("endpoint")
                if ep:
                    key = (group, lm, doc.paragraph(c.span[0]), ep)
                    self.by_ep.setdefault(key, []).append(c)

    def near(self, group: str, landmark: bool, sent: int, para: int, ep: str | None) -> Item | None:
        same = self.by_sent.get((group, landmark, sent))
        if same:
            return same[0]
        if ep is None:
            return None
        same_ep = self.by_ep.get((group, landmark, para, ep), [])
        return same_ep[0] if len(same_ep) == 1 else None


def _disjoint(a: Num, b: Num) -> bool:
    return a.hi < b.lo - 1e-12 or b.hi < a.lo - 1e-12


def _same_quantity(
    doc: Document, ratios: list[Item], landmarks: list[Item], medians: list[Item]
) -> Iterable[ck.Check]:
    keyed: dict[tuple[str, ...], list[tuple[Item, Num]]] = {}
    for r in ratios:
        ep = _ratio_endpoint(doc, r)
        est = r.num("estimate")
        if ep and est is not None:
            keyed.setdefault(("ratio", r.attr("measure") or "", ep), []).append((r, est))
    for p in landmarks:
        for k, v in p.numbers:
            key: tuple[str, ...] = ("landmark", p.attr("endpoint") or "", p.attr("landmark") or "",
                   p.attr("time_unit") or "", k)  # fmt: skip
            keyed.setdefault(key, []).append((p, v))
    for m in medians:
        ep = m.attr("endpoint")
        if ep:
            for k in ("m1", "m2"):
                mv = m.num(k)
                if mv is not None:
                    keyed.setdefault(("median", ep, m.attr("unit") or "", k), []).append((m, mv))
    for key, vals in keyed.items():
        if len(vals) < 2:
            continue
        first = vals[0][1]
        for _, v in vals[1:]:
            what = " ".join(x for x in key[1:] if x)
            if _disjoint(first, v):
                yield ck.make_check(
                    "same-quantity", False, "implausible",
                    f"{key[0]} {what} is reported as {first.text} and as {v.text}; if these "
                    "are different analyses (subgroup, data cut), the text should say so",
                    tolerance=f"{first.text} means {first.interval_text()}; "
                    f"{v.text} means {v.interval_text()}",
                    nums=(first, v),
                )  # fmt: skip
            else:
                yield ck.make_check(
                    "same-quantity", True, "implausible",
                    f"{key[0]} {what} is reported twice, as {first.text} and {v.text}",
                    nums=(first, v),
                )  # fmt: skip


# ------------------------------------------------------------------------ design

#: Active (non-placebo) treatments: an arm naming one is an active comparator.
ACTIVE = re.compile(
    r"chemotherap\w*|\bchemo\b|standard[- ](?:of[- ])?care|standard (?:therapy|treatment|regimen)"
    r"|usual care|\bsurgery\b|surgical|radiotherapy|radiation|transplant\w*|immunotherapy"
    r"|cell therap\w*|active comparator"
    r"|\b\w+(?:mab|nib|platin|taxel|rubicin|mustine|parin|statin)\b",
    re.I,
)
PLACEBO = re.compile(r"placebo|\bsham\b|\bvehicle\b|\bdummy\b", re.I)
#: Arms whose delivery cannot be mimicked, so a double-blind comparison is not possible.
UNBLINDABLE = re.compile(
    r"\bsurgery\b|surgical|\boperation\b|transplant\w*|radiotherapy|radiation therapy"
    r"|cell therap\w*|cell infusion|apheresis|\bobservation\b|no treatment|no intervention"
    r"|watchful waiting|wait(?:ing)?[- ]list|usual care|best supportive care|\bexercise\b"
    r"|psychotherapy|counsel+ing",
    re.I,
)


def _unblindable(arm: str) -> set[str]:
    out = {m.group(0).lower() for m in UNBLINDABLE.finditer(arm)}
    out |= set(products_named(arm))
    return out


def _design_checks(doc: Document) -> Iterable[ck.Check]:
    by_para: dict[int, dict[str, list[Item]]] = {}
    for it in doc.items:
        if it.kind in ("design", "comparison"):
            by_para.setdefault(doc.paragraph(it.span[0]), {}).setdefault(it.kind, []).append(it)
    for groups in by_para.values():
        design = groups.get("design", [])
        comps = groups.get("comparison", [])
        said = {d.attr("statement"): d for d in design}
        # each comparison with the names of its two arms
        arms = [(c, c.attr("arm_a") or "", c.attr("arm_b") or "") for c in comps]
        if "placebo-controlled" in said:
            d = said["placebo-controlled"]
            for c, a, b in arms:
                if PLACEBO.search(a) or PLACEBO.search(b):
                    yield ck.make_check("design-placebo-active", True, "inconsistent",
                                        f"placebo-controlled, and an arm is placebo: {c.text!r}",
                                        spans=(d.span, c.span))  # fmt: skip
                    continue
                act = ACTIVE.search(b) or ACTIVE.search(a)
                if act:
                    yield ck.make_check(
                        "design-placebo-active", False, "inconsistent",
                        f"called {d.text!r}, but it compares {a!r} with {b!r}, an active "
                        f"comparator ({act.group(0)!r}) and no placebo arm",
                        spans=(d.span, c.span),
                    )  # fmt: skip
        if "double-blind" in said:
            d = said["double-blind"]
            for c, a, b in arms:
                ua, ub = _unblindable(a), _unblindable(b)
                only = (ua - ub) | (ub - ua)
                if only:
                    yield ck.make_check(
                        "design-blinding", False, "inconsistent",
                        f"called {d.text!r}, but {a!r} versus {b!r} cannot look alike to "
                        f"patients and investigators ({', '.join(sorted(only))} in one arm only)",
                        spans=(d.span, c.span),
                    )  # fmt: skip
                else:
                    yield ck.make_check("design-blinding", True, "inconsistent",
                                        f"double-blind comparison of {a!r} with {b!r}",
                                        spans=(d.span, c.span))  # fmt: skip
        if "open-label" in said and ("double-blind" in said or "single-blind" in said):
            o = said["open-label"]
            blind = said.get("double-blind") or said["single-blind"]
            extension = re.match(
                r"\s*(?:extension|phase|period|part)", doc.norm[o.span[1] : o.span[1] + 12]
            )
            if not extension:
                yield ck.make_check(
                    "design-open-and-blind", False, "implausible",
                    f"the same text calls the trial {o.text!r} and {blind.text!r}",
                    spans=(o.span, blind.span),
                )  # fmt: skip
        if "single-arm" in said and ("randomised" in said or "placebo-controlled" in said):
            s = said["single-arm"]
            other = said.get("placebo-controlled") or said["randomised"]
            sev = "inconsistent" if "placebo-controlled" in said else "implausible"
            yield ck.make_check(
                "design-single-arm", False, sev,
                f"the same text calls the study {s.text!r} and {other.text!r}",
                spans=(s.span, other.span),
            )  # fmt: skip


# --------------------------------------------------------------------- economics


def _pick(doc: Document, items: list[Item], para: int) -> Item | None:
    same = [i for i in items if doc.paragraph(i.span[0]) == para]
    if same:
        return same[0]
    return items[0] if len(items) == 1 else None


def _economics(doc: Document) -> Iterable[ck.Check]:
    icers = _of(doc, "icer")
    costs, qalys, horizons = _of(doc, "cost"), _of(doc, "qalys"), _of(doc, "horizon")
    for i in icers:
        para = doc.paragraph(i.span[0])
        c, q, h = _pick(doc, costs, para), _pick(doc, qalys, para), _pick(doc, horizons, para)
        hy = h.num("years") if h is not None else None
        yield from ck.icer_checks(
            i.num("icer") if i.attr("unit") == "QALY" else None,
            c.num("incremental_cost") if c is not None else None,
            q.num("incremental_qalys") if q is not None else None,
            hy.value if hy is not None else None,
            i.attr("wording") if i.attr("unit") == "QALY" else None,
            spans=(i.span,),
        )  # fmt: skip
