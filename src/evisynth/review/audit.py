"""Audit of a review's inputs, its published claims and its excluded reports.

Every extracted result (``outcomes.csv``), every published claim (``published.csv``)
and the text of every excluded report in the exclusion log go through
:mod:`evisynth.audit` before anything is pooled. Numbers are read from the CSV files
as printed (``"0.60"`` keeps two decimals) when the review was loaded from a folder;
otherwise from the parsed floats, which only widens the tolerances.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evisynth.audit import AuditReport, audit
from evisynth.audit import checks as ck
from evisynth.audit.numbers import as_num
from evisynth.audit.sources import html_to_text
from evisynth.audit.structured import as_p, check_interval, check_ratio, check_two_arms
from evisynth.errors import InputError
from evisynth.review._review import Review

__all__ = ["AuditedRecord", "ReviewAudit", "audit_excluded", "audit_review", "excluded_report_text"]

_RATIOS = ("HR", "RR", "OR", "IRR")
_ARMS = ("int", "comp")  # outcomes.csv columns events_int/n_int, events_comp/n_comp


@dataclass(frozen=True)
class AuditedRecord:
    """The audit of one input row, published claim or excluded report.

    Attributes
    ----------
    kind
        ``"input"`` (outcomes.csv), ``"published"`` (published.csv) or ``"excluded"``.
    key
        ``row_id``, ``claim_id`` or exclusion ``id``.
    label
        Study or publication, for people.
    report
        The :class:`~evisynth.audit.AuditReport`.
    """

    kind: str
    key: str
    label: str
    report: AuditReport

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {"kind": self.kind, "key": self.key, "label": self.label,
                "report": self.report.to_dict()}  # fmt: skip


@dataclass(frozen=True)
class ReviewAudit:
    """Audits of every input row, published claim and excluded report of a review."""

    records: tuple[AuditedRecord, ...]

    def of_kind(self, kind: str) -> tuple[AuditedRecord, ...]:
        """Records of one kind (``input``, ``published``, ``excluded``)."""
        return tuple(r for r in self.records if r.kind == kind)

    @property
    def findings(self) -> tuple[tuple[AuditedRecord, ck.Check], ...]:
        """Every failed check, with the record it belongs to, in record order."""
        return tuple((r, c) for r in self.records for c in r.report.findings)

    @property
    def counts(self) -> dict[str, int]:
        """Checks per severity (``ok`` = passed) over all records."""
        out = {s: 0 for s in (*ck.SEVERITIES, "ok")}
        for r in self.records:
            for k, v in r.report.counts.items():
                out[k] = out.get(k, 0) + v
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {"counts": self.counts, "records": [r.to_dict() for r in self.records]}


def _raw(review: Review, file: str, key: str) -> dict[str, dict[str, str]]:
    """Cells of a review CSV as printed, by row key (empty when not loaded from a folder)."""
    if review.path is None:
        return {}
    p = Path(review.path) / file
    if not p.is_file():
        return {}
    with p.open(encoding="utf-8", newline="") as fh:
        return {row[key]: row for row in csv.DictReader(fh) if row.get(key)}


def _cell(raw: dict[str, str], name: str, parsed: float | int | None) -> Any:
    text = (raw.get(name) or "").strip()
    if text:
        return text
    return parsed


def excluded_report_text(review: Review, exclusion_id: str) -> str:
    """The text of an excluded report as the review folder has it.

    The exclusion-log entry (citation and reason), followed by the text its ``source``
    names inside the review folder when that text is about this report alone: a
    Markdown section (``sources/notes.md section 4``) whose heading names the
    exclusion's id, or a whole file named after it. Narrative sections that describe
    several reports are not included (their numbers belong to different studies).

    Parameters
    ----------
    review
        A loaded review.
    exclusion_id
        ``id`` of an entry of the exclusion log.

    Returns
    -------
    str

    Raises
    ------
    InputError
        If the id is not in the exclusion log.

    References
    ----------
    PRISMA 2020 item 16b (studies excluded, and why).

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> "placebo-controlled" in excluded_report_text(load_bundled("cart_dlbcl"), "X-2026")
    True
    """
    for e in review.exclusions:
        if e.id == exclusion_id:
            text = f"{e.citation}.\n\n{e.reason}"
            doc = _source_section(review, e.source or "", e.id)
            return text if doc is None else f"{text}\n\n{doc}"
    have = ", ".join(e.id for e in review.exclusions) or "none"
    raise InputError(f"exclusion {exclusion_id!r} is not in the exclusion log; ids: {have}",
                     where=exclusion_id)  # fmt: skip


def _source_section(review: Review, source: str, ident: str) -> str | None:
    """The file or numbered Markdown section an exclusion's ``source`` names, if it is
    about the report ``ident`` alone (its heading or file name carries the id)."""
    if review.path is None:
        return None
    m = re.search(r"([\w./-]+\.(?:md|txt|html?))(?:\s+section\s+(\d+))?", source)
    if m is None:
        return None
    root = Path(review.path).resolve()
    f = (root / m.group(1)).resolve()
    if root not in f.parents or not f.is_file():
        return None  # only files inside the review folder
    try:
        text = f.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if f.suffix.lower() in (".html", ".htm"):
        text = html_to_text(text)
    if m.group(2) is None:
        return text if ident.lower() in f.stem.lower() else None
    sec = re.search(
        r"^(#{1,6})\s*" + re.escape(m.group(2)) + r"[.)]\s.*?(?=^\1\s|\Z)", text, re.M | re.S
    )
    if sec is None or ident not in sec.group(0).splitlines()[0]:
        return None
    return sec.group(0)


def _inputs(review: Review) -> Iterable[AuditedRecord]:
    raw_rows = _raw(review, "outcomes.csv", "row_id")
    measures = {o.key: o.measure for o in review.outcomes}
    labels = {s.study_id: s.label for s in review.studies}
    for row in review.rows:
        raw = raw_rows.get(row.row_id, {})
        label = labels.get(row.study_id, row.study_id)
        checks: list[ck.Check] = []
        measure = measures.get(row.outcome, "")
        p_text = row.pval_text if row.pval_text else (None if row.pval is None else row.pval)
        p_raw = _cell(raw, "pval_text", None) or _cell(raw, "pval", row.pval)
        if row.estimate is not None and measure in _RATIOS and (
            row.ci_lb is not None or p_text is not None
        ):
            one = isinstance(p_raw, str) and "one-sided" in p_raw.lower()
            try:
                rep = check_ratio(
                    _cell(raw, "estimate", row.estimate),
                    _cell(raw, "ci_lb", row.ci_lb) if row.ci_lb is not None else None,
                    _cell(raw, "ci_ub", row.ci_ub) if row.ci_ub is not None else None,
                    p_raw, measure=measure, one_sided=one, source=row.row_id,
                )  # fmt: skip
            except InputError:
                rep = check_ratio(row.estimate, row.ci_lb, row.ci_ub, measure=measure,
                                  source=row.row_id)  # fmt: skip
            checks += rep.checks
        for arm in _ARMS:
            k, n = getattr(row, f"events_{arm}", None), getattr(row, f"n_{arm}", None)
            if k is not None and n is not None and n > 0:
                checks += ck.percent_count_check(None, as_num("n", n), as_num("count", k))
        if checks:
            yield AuditedRecord("input", row.row_id, label,
                                AuditReport(row.row_id, 0, (), tuple(checks)))  # fmt: skip


def _published(review: Review) -> Iterable[AuditedRecord]:
    raw_rows = _raw(review, "published.csv", "claim_id")
    percents: dict[tuple[str, str], list[Any]] = {}
    for p in review.published:
        if p.measure == "percent" and p.estimate is not None:
            raw = raw_rows.get(p.claim_id, {})
            percents.setdefault((p.publication, p.definition), []).append(
                (p, _cell(raw, "estimate", p.estimate))
            )
    for p in review.published:
        raw = raw_rows.get(p.claim_id, {})
        checks: list[ck.Check] = []
        est = _cell(raw, "estimate", p.estimate)
        lb = _cell(raw, "ci_lb", p.ci_lb) if p.ci_lb is not None else None
        ub = _cell(raw, "ci_ub", p.ci_ub) if p.ci_ub is not None else None
        if p.estimate is None:
            continue
        if p.measure in _RATIOS:
            pv = p.pval_text
            try:
                as_p(pv) if pv else None
            except InputError:
                pv = None
            checks += check_ratio(est, lb, ub, pv, measure=p.measure, source=p.claim_id).checks
            arms = percents.get((p.publication, p.definition), [])
            if p.measure in ("RR", "OR") and len(arms) == 2:
                checks += check_two_arms(p.measure, est, arms[0][1], arms[1][1], lb, ub).checks
        elif lb is not None and ub is not None:
            checks += check_interval(est, lb, ub, source=p.claim_id).checks
        if checks:
            yield AuditedRecord("published", p.claim_id, p.publication,
                                AuditReport(p.claim_id, 0, (), tuple(checks)))  # fmt: skip


def audit_review(review: Review) -> ReviewAudit:
    """Audit every input row, published claim and excluded report of a review.

    Parameters
    ----------
    review
        A loaded review (:func:`evisynth.review.load_review`).

    Returns
    -------
    ReviewAudit
        One :class:`AuditedRecord` per audited row, claim and exclusion.

    References
    ----------
    Brown & Heathers, the GRIM test (2017); Altman & Bland, BMJ 2011;343:d2304
    (p from CI); PRISMA 2020 item 16b.

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> a = audit_review(load_bundled("cart_dlbcl"))
    >>> [r.key for r in a.of_kind("excluded") if r.report.findings][:1]
    ['X-2026']
    """
    records = [*_inputs(review), *_published(review)]
    for e in review.exclusions:
        records.append(AuditedRecord("excluded", e.id, e.citation, audit_excluded(review, e.id)))
    return ReviewAudit(tuple(records))


def audit_excluded(review: Review, exclusion_id: str) -> AuditReport:
    """Audit the text of one excluded report (see :func:`excluded_report_text`).

    Parameters
    ----------
    review
        A loaded review.
    exclusion_id
        ``id`` of an entry of the exclusion log, e.g. ``"X-2026"``.

    Returns
    -------
    AuditReport

    Raises
    ------
    InputError
        If the id is not in the exclusion log.

    References
    ----------
    PRISMA 2020 item 16b.

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> r = audit_excluded(load_bundled("cart_dlbcl"), "X-2026")
    >>> "design-placebo-active" in [f.rule for f in r.findings]
    True
    """
    return audit(excluded_report_text(review, exclusion_id), source=exclusion_id)
