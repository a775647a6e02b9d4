#!/usr/bin/env python3
"""Build the bundled review ``cart_dlbcl`` from the shared extraction table.

Reads ``cart_dlbcl_studies.csv`` (one row per study x outcome x analysis x arm,
each with citation, DOI/PMID, location and confidence) and writes the review
folder ``src/evisynth/data/reviews/cart_dlbcl/`` in evisynth's review format.
Every number in the output is copied from a source row, or computed from source
rows by the arithmetic written next to it (counts from a percentage and a known
denominator, marked ``derived``); the output names the source rows it used
(spreadsheet numbering: header = row 1). Nothing is typed in by hand except the
review's decisions (which row is primary, which is a sensitivity input, which
design stratum a study belongs to, risk-of-bias judgements, thresholds), and
those are stated in this file and in the review's ``review.toml``.

The build is deterministic: the same input gives byte-identical files.

Usage::

    python tools/build_cart_review.py [--source CSV] [--toxicity CSV] [--out DIR]

Defaults: the extraction shipped inside the review folder (``sources/``:
``cart_dlbcl_studies.csv``, ``cart_toxicity_cohorts.csv`` and their notes) and
the bundled review folder itself.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "evisynth" / "data" / "reviews" / "cart_dlbcl"
DEFAULT_SOURCE = DEFAULT_OUT / "sources" / "cart_dlbcl_studies.csv"
DEFAULT_TOXICITY = DEFAULT_OUT / "sources" / "cart_toxicity_cohorts.csv"
SOURCE_NAME = "sources/cart_dlbcl_studies.csv"
TOX_NAME = "sources/cart_toxicity_cohorts.csv"
NARRATIVE = "sources/cart_dlbcl_studies.md"
#: Files of the review folder the build writes (``sources/`` is its input, not its output).
BUILT_FILES = ("review.toml", "studies.csv", "outcomes.csv", "risk_of_bias.csv", "published.csv")
#: Source-table column names -> the review format's (version 2) arm-neutral names.
V2_NAMES = {"product": "intervention", "n_cart": "n_int", "n_control": "n_comp",
            "events_cart": "events_int", "events_control": "events_comp"}

VERIFIED = "verified-in-source"
SECONDARY = "from-secondary-source"


class BuildError(Exception):
    """The source table does not match what the build expects (nothing is written)."""


# =========================================================================== source rows


@dataclass(frozen=True, eq=False)
class Src:
    """One row of the source table with its spreadsheet row number."""

    number: int
    cells: dict[str, str]
    file: str = SOURCE_NAME

    def __getitem__(self, key: str) -> str:
        return self.cells[key].strip()

    @property
    def lead(self) -> bool:
        """A single unverifiable source ("ONLY in ..."): a lead, never primary data."""
        return self["source_location"].startswith("ONLY in")

    @property
    def derived_in_source(self) -> bool:
        """The source table itself derived the count from a percentage ("derived: ...")."""
        return "derived:" in self["source_location"]


def read_source(path: Path, name: str = SOURCE_NAME) -> list[Src]:
    """The source rows, numbered as in a spreadsheet (first data row = 2)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [Src(i, row, name) for i, row in enumerate(csv.DictReader(fh), start=2)]


@dataclass(frozen=True)
class Pick:
    """Selects exactly one source row by its content."""

    study: str
    outcome: str
    measure: str
    arm: str | None = None
    confidence: str | None = None
    citation_contains: str | None = None

    def matches(self, r: Src) -> bool:
        outcome_ok = (r["outcome"].startswith(self.outcome[:-1]) if self.outcome.endswith("*")
                      else r["outcome"] == self.outcome)
        return (
            r["study_id"] == self.study
            and outcome_ok
            and r["measure"] == self.measure
            and (self.arm is None or r["arm"] == self.arm)
            and (self.confidence is None or r["confidence"] == self.confidence)
            and (self.citation_contains is None or self.citation_contains in r["source_citation"])
        )


def find(rows: Sequence[Src], pick: Pick) -> Src:
    """The one source row ``pick`` selects; anything else is a build error."""
    hits = [r for r in rows if pick.matches(r)]
    if len(hits) != 1:
        numbers = ", ".join(str(r.number) for r in hits) or "none"
        raise BuildError(f"{pick} selects {len(hits)} source rows ({numbers}); expected one")
    return hits[0]


# =========================================================================== numbers


def number(text: str, what: str, r: Src) -> Fraction:
    """A cell as an exact number (the source's decimal text, no float rounding)."""
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise BuildError(f"source row {r.number}: {what} {text!r} is not a plain number")
    return Fraction(text)


def fmt(x: Fraction) -> str:
    """Exact decimal text of a number that came from decimal text."""
    if x.denominator == 1:
        return str(x.numerator)
    text = f"{float(x):.12g}"
    if Fraction(text) != x:
        raise BuildError(f"{x} has no short decimal form")
    return text


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def count_from_percent(pct_text: str, n: int) -> tuple[int, int, int]:
    """``round(pct% x n)`` (half up) and the counts compatible with the rounded percentage."""
    pct = Fraction(pct_text)
    half = Fraction(1, 2) / 10 ** decimals(pct_text)
    count = math.floor(pct * n / 100 + Fraction(1, 2))
    lo = math.ceil((pct - half) * n / 100)
    hi = math.floor((pct + half) * n / 100)
    return count, lo, hi


def exact_p(text: str) -> str:
    """An exact p-value cell (a bare number), or '' for inequalities and qualified values."""
    return text if re.fullmatch(r"0?\.\d+|1(\.0+)?", text) else ""


# =========================================================================== provenance


def weakest(rows: Iterable[Src]) -> str:
    return SECONDARY if any(r["confidence"] != VERIFIED for r in rows) else VERIFIED


def joined(values: Iterable[str]) -> str:
    return " | ".join(dict.fromkeys(v for v in values if v))


def identifiers(rows: Iterable[Src]) -> str:
    """DOI/PMID cells that hold an identifier (cells such as 'DOI not seen' are dropped)."""
    ids = [r["source_doi_or_pmid"] for r in rows]
    return "; ".join(dict.fromkeys(
        i for i in ids if re.search(r"doi:10\.|PMID:\d|OpenAlex:W\d", i)
    ))


def provenance(rows: Sequence[Src]) -> dict[str, str]:
    """source / doi_or_pmid / location / verification / source_rows of one output row."""
    unique = list(dict.fromkeys(rows))
    files = {r.file for r in unique}
    if len(files) != 1:
        raise BuildError(f"one output row cannot mix source tables: {sorted(files)}")
    if len(unique) == 1:
        location = unique[0]["source_location"]
    else:
        location = " | ".join(f"row {r.number}: {r['source_location']}" for r in unique)
    file = files.pop()
    return {
        "source_file": "" if file == SOURCE_NAME else file,
        "source": joined(r["source_citation"] for r in unique),
        "doi_or_pmid": identifiers(unique),
        "location": location,
        "verification": weakest(unique),
        "source_rows": ";".join(str(r.number) for r in unique),
        "lead_only": "true" if any(r.lead for r in unique) else "false",
    }


# =========================================================================== studies


@dataclass(frozen=True)
class StudySpec:
    """A report included in the review, and the decisions about it."""

    study_id: str
    label: str
    design: str
    cut_order: int
    comparator: str
    n: tuple[Pick, Pick] | None = None
    n_fields: Pick | None = None  # one row whose n_cart/n_control cells give the arm sizes
    notes: str = ""
    intervention: str | None = None  # overrides the source's product cell


SOC = "standard-of-care salvage chemotherapy (± autologous transplant)"

STUDIES: tuple[StudySpec, ...] = (
    StudySpec(
        "ZUMA7_Locke2022", "ZUMA-7 (Locke 2022)", "RCT", 1, SOC,
        n=(Pick("ZUMA7_Locke2022", "randomized", "n", "CAR-T"),
           Pick("ZUMA7_Locke2022", "randomized", "n", "SOC")),
        notes="Primary EFS analysis; also holds the interim OS analysis and the FDA review's "
              "safety figures, which the source table files under this report.",
    ),
    StudySpec(
        "ZUMA7_Westin2023", "ZUMA-7 (Westin 2023)", "RCT", 2, SOC,
        n=(Pick("ZUMA7_Locke2022", "randomized", "n", "CAR-T"),
           Pick("ZUMA7_Locke2022", "randomized", "n", "SOC")),
        notes="Primary OS analysis of the same randomised population.",
    ),
    StudySpec(
        "TRANSFORM_Kamdar2022", "TRANSFORM (Kamdar 2022)", "RCT", 1, SOC,
        n=(Pick("TRANSFORM_Abramson2023", "randomized", "n", "CAR-T"),
           Pick("TRANSFORM_Abramson2023", "randomized", "n", "SOC")),
        notes="Interim analysis; only the FDA reviewers' figures for it were available.",
    ),
    StudySpec(
        "TRANSFORM_Abramson2023", "TRANSFORM (Abramson 2023)", "RCT", 2, SOC,
        n=(Pick("TRANSFORM_Abramson2023", "randomized", "n", "CAR-T"),
           Pick("TRANSFORM_Abramson2023", "randomized", "n", "SOC")),
    ),
    StudySpec(
        "TRANSFORM_Kamdar2025", "TRANSFORM (Kamdar 2025)", "RCT", 3, SOC,
        n=(Pick("TRANSFORM_Abramson2023", "randomized", "n", "CAR-T"),
           Pick("TRANSFORM_Abramson2023", "randomized", "n", "SOC")),
        notes="3-year follow-up; results reported descriptively (no P values).",
    ),
    StudySpec(
        "BELINDA_Bishop2022", "BELINDA (Bishop 2022)", "RCT", 1, SOC,
        n=(Pick("BELINDA_Bishop2022", "randomized", "n", "CAR-T"),
           Pick("BELINDA_Bishop2022", "randomized", "n", "SOC")),
        notes="The one randomised trial whose primary end point was not met. Its EFS hazard "
              "ratio, response counts and grade >=3 toxicity counts are secondary-source "
              "numbers corroborated by independent sources, so BELINDA is in the primary "
              "analyses of those outcomes (flagged as secondary). It has no corroborated OS "
              "estimate. Total randomised 322 is verified (source row 120); the arm sizes are "
              "secondary.",
    ),
    StudySpec(
        "ZUMA1_vs_SCHOLAR1_Neelapu2021", "ZUMA-1 vs SCHOLAR-1 (Neelapu 2021)",
        "external-control", 1, "SCHOLAR-1 retrospective salvage-chemotherapy cohort",
        notes="Arm sizes differ by analysis (controls: 434 response-evaluable, 424 "
              "survival-evaluable); see the outcome rows.",
    ),
    StudySpec(
        "JULIET_vs_CORAL_Maziarz2022", "JULIET vs CORAL (Maziarz 2022)",
        "external-control", 1, "CORAL follow-up historical cohort",
    ),
    StudySpec(
        "TRANSCEND_vs_SCHOLAR1_Salles2021", "TRANSCEND vs SCHOLAR-1 (Salles 2021)",
        "external-control", 1, "SCHOLAR-1 (published aggregate data; unanchored MAIC)",
    ),
    StudySpec(
        "TRANSCEND_vs_RWsynthetic_VanLe2023", "TRANSCEND vs real-world control (Van Le 2023)",
        "external-control", 1, "propensity-matched real-world conventional therapy",
        n_fields=Pick("TRANSCEND_vs_RWsynthetic_VanLe2023", "ORR", "percent", "CAR-T"),
    ),
    StudySpec(
        "BloodAdv2020_4669_singlecenter", "Single-centre cohort (Blood Adv 2020)",
        "external-control", 1, "historical alternate therapies at the same centre",
        n_fields=Pick("BloodAdv2020_4669_singlecenter", "CR", "percent", "CAR-T"),
    ),
    StudySpec(
        "CIBMTR_Shadman2022", "CIBMTR registry (Shadman 2022)", "registry-cohort", 1,
        "autologous transplant consolidation (patients in partial remission after salvage)",
        notes="Different comparator (auto-HCT in chemosensitive partial responders) and "
              "direction (the reference is auto-HCT): a stratum of its own.",
    ),
)


def study_citation(rows: Sequence[Src]) -> tuple[str, str]:
    """The report's own citation: its most frequent citation with an identifier, if any."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["source_citation"]] = counts.get(r["source_citation"], 0) + 1
    def rank(c: str) -> tuple[int, int]:
        with_id = any(identifiers([r]) for r in rows if r["source_citation"] == c)
        return (int(with_id), counts[c])
    best = max(counts, key=rank)  # ties: first in file order (dict order, max is stable)
    ids = identifiers([r for r in rows if r["source_citation"] == best])
    return best, ids


def study_cut(rows: Sequence[Src]) -> str:
    """The report's data cut: its most frequent non-baseline data-cut text."""
    counts: dict[str, int] = {}
    for r in rows:
        text = r["data_cutoff_or_followup"]
        if text and text not in ("baseline", "week 6"):
            counts[text] = counts.get(text, 0) + 1
    return max(counts, key=lambda c: counts[c]) if counts else ""


def study_row(spec: StudySpec, source: Sequence[Src], used: set[int]) -> dict[str, str]:
    own = [r for r in source if r["study_id"] == spec.study_id]
    if not own:
        raise BuildError(f"no source rows for study {spec.study_id}")
    first = own[0]
    citation, ids = study_citation(own)
    cut = study_cut(own)
    follow = re.search(r"median follow-up (\d+(?:\.\d+)?) mo", cut)
    out = {
        "study_id": spec.study_id, "trial": first["trial_name"], "label": spec.label,
        "design": spec.design, "design_detail": first["design"],
        "product": spec.intervention or first["product"],
        "comparator": spec.comparator, "line": first["line"],
        "n_cart": "", "n_control": "", "n_source": "", "n_doi_or_pmid": "", "n_location": "",
        "n_verification": "", "n_source_rows": "",
        "data_cut": cut, "cut_order": str(spec.cut_order),
        "median_follow_up_months": follow.group(1) if follow else "",
        "citation": citation, "doi_or_pmid": ids, "notes": spec.notes,
        "features": "", "features_source": "",
    }
    if spec.design == "RCT":
        out["features"], out["features_source"] = FEATURES[first["trial_name"]]
    n_rows: list[Src] = []
    if spec.n is not None:
        n_rows = [find(source, p) for p in spec.n]
        out["n_cart"], out["n_control"] = n_rows[0]["value"], n_rows[1]["value"]
    elif spec.n_fields is not None:
        n_rows = [find(source, spec.n_fields)]
        out["n_cart"], out["n_control"] = n_rows[0]["n_cart"], n_rows[0]["n_control"]
    if n_rows:
        p = provenance(n_rows)
        out.update(n_source=p["source"], n_doi_or_pmid=p["doi_or_pmid"],
                   n_location=p["location"], n_verification=p["verification"],
                   n_source_rows=p["source_rows"])
        used.update(r.number for r in n_rows)
    return out


# =========================================================================== outcome rows


@dataclass(frozen=True)
class Denominator:
    """Where a known denominator comes from: a cell of a source row, or its location text."""

    pick: Pick
    cell: str = "value"
    pattern: str | None = None
    what: str = "randomised arm size (intention to treat)"

    def get(self, source: Sequence[Src]) -> tuple[int, Src]:
        r = find(source, self.pick)
        if self.pattern is not None:
            m = re.search(self.pattern, r[self.cell])
            if m is None:
                raise BuildError(f"source row {r.number}: no match for {self.pattern!r}")
            return int(m.group(1)), r
        value = number(r[self.cell], self.cell, r)
        if value.denominator != 1:
            raise BuildError(f"source row {r.number}: denominator {value} is not whole")
        return int(value), r


@dataclass(frozen=True)
class RowSpec:
    """One output row of outcomes.csv and how it is built from source rows.

    kind: ``ratio`` (a reported HR row), ``counts`` (events/total rows),
    ``percent`` (counts derived from percentage rows and known denominators).
    """

    row_id: str
    outcome: str
    study: str
    analysis: str
    kind: str
    cart: Pick
    control: Pick | None = None
    n_cart: Denominator | None = None
    n_control: Denominator | None = None
    use_p: bool = False
    grading: str = ""
    notes: str = ""


def _ratio_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src]]:
    r = find(source, spec.cart)
    p_text = r["p_value"]
    out = {
        "estimate": fmt(number(r["value"], "value", r)),
        "ci_lb": fmt(number(r["ci_low"], "ci_low", r)) if r["ci_low"] else "",
        "ci_ub": fmt(number(r["ci_high"], "ci_high", r)) if r["ci_high"] else "",
        "pval": exact_p(p_text) if spec.use_p else "",
        "pval_text": p_text,
        "events_cart": r["events_cart"], "n_cart": r["n_cart"],
        "events_control": r["events_control"], "n_control": r["n_control"],
    }
    if spec.use_p and not out["pval"]:
        raise BuildError(f"source row {r.number}: p-value {p_text!r} is not exact")
    return out, [r]


def _counts_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src]]:
    cart = find(source, spec.cart)
    out = {"events_cart": cart["events_cart"], "n_cart": cart["n_cart"]}
    rows = [cart]
    if spec.control is not None:
        ctrl = find(source, spec.control)
        out.update(events_control=ctrl["events_control"], n_control=ctrl["n_control"])
        rows.append(ctrl)
    return out, rows


def _derive(pct_row: Src, den: Denominator, source: Sequence[Src], arm: str) -> tuple[
    str, str, str, list[Src]
]:
    n, n_row = den.get(source)
    count, lo, hi = count_from_percent(pct_row["value"], n)
    compatible = f"{lo}" if lo == hi else f"{lo}-{hi}"
    where = f"source row {n_row.number}, {den.cell}"
    text = (f"{arm}: {count} = round({pct_row['value']}% x {n}) from source row "
            f"{pct_row.number}; n = {n} = {den.what} ({where}); counts compatible with the "
            f"rounded percentage: {compatible}")
    return str(count), str(n), text, [pct_row, n_row]


def _percent_row(spec: RowSpec, source: Sequence[Src]) -> tuple[dict[str, str], list[Src], str]:
    if spec.n_cart is None:
        raise BuildError(f"{spec.row_id}: a derived row needs n_cart")
    ev, n, text, rows = _derive(find(source, spec.cart), spec.n_cart, source, "events_int")
    out = {"events_cart": ev, "n_cart": n}
    texts = [text]
    if spec.control is not None:
        if spec.n_control is None:
            raise BuildError(f"{spec.row_id}: a derived two-arm row needs n_control")
        ev2, n2, text2, rows2 = _derive(find(source, spec.control), spec.n_control, source,
                                        "events_comp")
        out.update(events_control=ev2, n_control=n2)
        texts.append(text2)
        rows += rows2
    return out, rows, "; ".join(texts)


def _check_source_derivation(r: Src) -> str:
    """Recompute a count the source table derived from a percentage; say how."""
    n = int(number(r["n_cart"], "n_cart", r))
    count, lo, hi = count_from_percent(r["value"], n)
    if r["measure"] != "percent" or str(count) != r["events_cart"] or lo != hi:
        raise BuildError(f"source row {r.number} ({r.file}): derived count {r['events_cart']} "
                         f"does not follow from {r['value']}% of {n} uniquely")
    return (f"events_int: {count} = round({r['value']}% x {n}) from source row {r.number} "
            f"({r.file}); the only count compatible with the rounded percentage (the source "
            "table derived it the same way)")


OUTCOME_COLUMNS = (
    "row_id", "outcome", "study_id", "analysis", "definition", "estimate", "ci_lb", "ci_ub",
    "pval", "pval_text", "events_cart", "n_cart", "events_control", "n_control", "grading",
    "source_file", "derived", "derivation", "lead_only", "source", "doi_or_pmid", "location",
    "verification", "source_rows", "notes",
)


def outcome_row(spec: RowSpec, source: Sequence[Src], used: set[int]) -> dict[str, str]:
    """Build one outcomes.csv row; checks the review's rules on the way."""
    derivation = ""
    if spec.kind == "ratio":
        data, rows = _ratio_row(spec, source)
    elif spec.kind == "counts":
        data, rows = _counts_row(spec, source)
    elif spec.kind == "percent":
        data, rows, derivation = _percent_row(spec, source)
    else:
        raise BuildError(f"{spec.row_id}: unknown kind {spec.kind!r}")
    if spec.kind == "counts" and any(r.derived_in_source for r in rows):
        derivation = "; ".join(_check_source_derivation(r) for r in rows if r.derived_in_source)
    data_rows = [r for r in rows if r["study_id"] == spec.study] or rows
    prov = provenance(rows)
    if prov["lead_only"] == "true" and spec.analysis not in ("lead", "alternative"):
        raise BuildError(f"{spec.row_id}: a GitHub-only row cannot be {spec.analysis!r}")
    definitions = joined(r["outcome"] for r in data_rows if r["measure"] != "n")
    used.update(r.number for r in rows)
    row = {c: "" for c in OUTCOME_COLUMNS}
    row.update(data)
    row.update(prov)
    row.update(
        row_id=spec.row_id, outcome=spec.outcome, study_id=spec.study, analysis=spec.analysis,
        definition=definitions, grading=spec.grading,
        derived="true" if derivation else "false", derivation=derivation, notes=spec.notes,
    )
    return row


def P(study: str, outcome: str, measure: str = "HR", arm: str | None = None,
      confidence: str | None = None, citation: str | None = None) -> Pick:
    return Pick(study, outcome, measure, arm, confidence, citation)


Z22, Z23 = "ZUMA7_Locke2022", "ZUMA7_Westin2023"
T22, T23, T25 = "TRANSFORM_Kamdar2022", "TRANSFORM_Abramson2023", "TRANSFORM_Kamdar2025"
BEL = "BELINDA_Bishop2022"
NEE, MAZ = "ZUMA1_vs_SCHOLAR1_Neelapu2021", "JULIET_vs_CORAL_Maziarz2022"
SAL, VAN = "TRANSCEND_vs_SCHOLAR1_Salles2021", "TRANSCEND_vs_RWsynthetic_VanLe2023"
BA20, CIB = "BloodAdv2020_4669_singlecenter", "CIBMTR_Shadman2022"

Z_N = (Denominator(P(Z22, "randomized", "n", "CAR-T")),
       Denominator(P(Z22, "randomized", "n", "SOC")))
T_N = (Denominator(P(T23, "randomized", "n", "CAR-T")),
       Denominator(P(T23, "randomized", "n", "SOC")))
FDA_168 = "number of axi-cel recipients stated in the FDA review (source location text)"
T_SAFETY = ("liso-cel arm size (92 randomised, Table 1); the abstract does not state the "
            "safety-set size (the GitHub dataset also uses 92)")


def _arm_n(study: str, outcome: str, arm: str, cell: str, what: str) -> Denominator:
    return Denominator(P(study, outcome, "percent", arm), cell=cell, what=what)


CORR_NOTE = ("Secondary source, corroborated by independent sources (source location "
             "'CORROBORATED'): data, in the primary analysis, flagged as secondary.")
GH_NOTE = "Only in the unpublished GitHub NMA dataset: a lead, not data."
NOT_ANALYSED_P = ("No confidence interval, and the p-value's sidedness is not stated; read as "
                  "two-sided it implies a narrower interval than the one reported for the same "
                  "estimate elsewhere (a one-sided reading matches it), so it is not used.")

ROWS: tuple[RowSpec, ...] = (
    # ---------------------------------------------------------------- EFS (HR)
    RowSpec("efs.zuma7.primary", "efs", Z22, "primary", "ratio",
            P(Z22, "EFS (primary endpoint; blinded central review)"),
            notes="Latest ZUMA-7 EFS analysis that is not a lead (primary EFS analysis)."),
    RowSpec("efs.zuma7.alt-ash2021", "efs", Z22, "alternative", "ratio",
            P(Z22, "EFS (primary endpoint)"),
            notes="Same analysis, unrounded, as presented at ASH 2021 (news report)."),
    RowSpec("efs.zuma7.lead-2023", "efs", Z23, "lead", "ratio",
            P(Z23, "EFS (updated, investigator-assessed)"),
            notes=GH_NOTE + " Later data cut (2023), investigator-assessed."),
    RowSpec("efs.transform.primary", "efs", T25, "primary", "ratio", P(T25, "EFS"),
            notes="Latest TRANSFORM analysis (3-year follow-up)."),
    RowSpec("efs.transform.earlier", "efs", T22, "earlier-cut", "ratio",
            P(T22, "EFS (primary endpoint; IRC)"),
            notes="Earliest data cut (interim analysis), as analysed by the FDA reviewers "
                  "(regulatory source); the Lancet-printed value was not seen."),
    RowSpec("efs.transform.alt-2023", "efs", T23, "alternative", "ratio",
            P(T23, "EFS (primary endpoint; IRC)"),
            notes="Intermediate data cut (primary analysis, 2023); secondary source."),
    RowSpec("efs.belinda.primary", "efs", BEL, "primary", "ratio",
            P(BEL, "EFS (primary endpoint; SD/PD at or after week 12 or death; IRC)"),
            notes=CORR_NOTE + " The sources agree on the HR and CI but not on the P value; "
                  "the CI is used."),
    # ---------------------------------------------------------------- PFS (HR)
    RowSpec("pfs.zuma7.primary", "pfs", Z23, "primary", "ratio",
            P(Z23, "PFS (investigator-assessed)"),
            notes=CORR_NOTE + " Investigator-assessed PFS at the primary OS analysis."),
    RowSpec("pfs.transform.primary", "pfs", T25, "primary", "ratio", P(T25, "PFS"),
            notes="Latest TRANSFORM analysis (3-year follow-up)."),
    RowSpec("pfs.transform.earlier", "pfs", T23, "earlier-cut", "ratio",
            P(T23, "PFS (IRC)", confidence=SECONDARY),
            notes="Primary analysis (2023); the HR is verified, its CI is secondary."),
    RowSpec("pfs.transform.alt-2023-verified", "pfs", T23, "alternative", "ratio",
            P(T23, "PFS (IRC)", confidence=VERIFIED),
            notes="Verified point estimate without CI ('P < .0001' only): not analysable."),
    # ---------------------------------------------------------------- OS (HR)
    RowSpec("os.zuma7.primary", "os", Z23, "primary", "ratio",
            P(Z23, "OS", citation="LBA107"),
            notes="Primary OS analysis, unrounded figures from the investigators' abstract."),
    RowSpec("os.zuma7.alt-nejm", "os", Z23, "alternative", "ratio",
            P(Z23, "OS", citation="Survival with axicabtagene"),
            notes="Same analysis as printed (rounded) in the NEJM abstract."),
    RowSpec("os.zuma7.earlier", "os", Z22, "earlier-cut", "ratio",
            P(Z22, "OS (interim)", confidence=VERIFIED),
            notes="Interim OS as cited by the investigators; other reports of the interim OS "
                  "HR conflict with it (alternative rows)."),
    RowSpec("os.zuma7.alt-interim-news", "os", Z22, "alternative", "ratio",
            P(Z22, "OS (interim)", citation="Tandem"), notes=NOT_ANALYSED_P),
    RowSpec("os.zuma7.alt-interim-github", "os", Z22, "alternative", "ratio",
            P(Z22, "OS (interim)", citation="Locke FL"), notes=GH_NOTE),
    RowSpec("os.transform.primary", "os", T25, "primary", "ratio", P(T25, "OS (ITT)"),
            notes="Latest TRANSFORM analysis (3-year follow-up), intention to treat."),
    RowSpec("os.transform.crossover", "os", T25, "crossover-adjusted", "ratio",
            P(T25, "OS (accounting for crossover)"),
            notes="Adjusted for crossover to liso-cel; the method is not named in the abstract."),
    RowSpec("os.transform.earlier", "os", T23, "earlier-cut", "ratio",
            P(T23, "OS (ITT)", confidence=SECONDARY),
            notes="Primary analysis (2023); the HR is verified, its CI is secondary."),
    RowSpec("os.transform.alt-2023-verified", "os", T23, "alternative", "ratio",
            P(T23, "OS (ITT)", confidence=VERIFIED), notes=NOT_ANALYSED_P),
    RowSpec("os.transform.alt-2023-crossover", "os", T23, "alternative", "ratio",
            P(T23, "OS (crossover-adjusted)", confidence=SECONDARY),
            notes="Crossover-adjusted OS at the earlier data cut; CI secondary."),
    RowSpec("os.transform.alt-2023-crossover-verified", "os", T23, "alternative", "ratio",
            P(T23, "OS (crossover-adjusted)", confidence=VERIFIED),
            notes="Verified point estimate without CI: not analysable."),
    RowSpec("os.juliet-coral.primary", "os", MAZ, "primary", "ratio", P(MAZ, "OS (ITT; FSW)"),
            notes="Intention-to-treat analysis (FSW weighting) preferred: the full analysis set "
                  "keeps only infused patients, which favours CAR-T."),
    RowSpec("os.juliet-coral.alt-smrw", "os", MAZ, "alternative", "ratio",
            P(MAZ, "OS (ITT; SMRW)"), notes="Same population, other weighting method."),
    RowSpec("os.juliet-coral.alt-fas", "os", MAZ, "alternative", "ratio",
            P(MAZ, "OS (FAS; FSW and SMRW)"),
            notes="Full analysis set (infused patients only)."),
    RowSpec("os.transcend-scholar.primary", "os", SAL, "primary", "ratio", P(SAL, "OS"),
            notes="Base-case unanchored MAIC."),
    RowSpec("os.cibmtr.primary", "os", CIB, "primary", "ratio", P(CIB, "OS (multivariable)"),
            use_p=True,
            notes="CAR-T vs auto-HCT (auto-HCT is the reference; HR > 1 means higher mortality "
                  "with CAR-T). No CI in the abstract: the standard error comes from the "
                  "p-value, whose sidedness is not stated; it is read as two-sided, the usual "
                  "convention for a multivariable Cox model."),
    # ---------------------------------------------------------------- CR (RR)
    RowSpec("cr.zuma7.primary", "cr", Z22, "primary", "percent",
            P(Z22, "CR", "percent", "CAR-T"), P(Z22, "CR", "percent", "SOC"), *Z_N,
            notes="Counts derived from the verified percentages."),
    RowSpec("cr.zuma7.alt-github", "cr", Z22, "alternative", "counts",
            P(Z22, "CR", "events/total", "CAR-T"), P(Z22, "CR", "events/total", "SOC"),
            notes=GH_NOTE + " Same data cut as the derived primary row."),
    RowSpec("cr.transform.primary", "cr", T23, "primary", "percent",
            P(T23, "CR (IRC)", "percent", "CAR-T"), P(T23, "CR (IRC)", "percent", "SOC"), *T_N,
            notes="Latest TRANSFORM report of complete response; counts derived from the "
                  "verified percentages."),
    RowSpec("cr.transform.alt-github", "cr", T23, "alternative", "counts",
            P(T23, "CR (IRC)", "events/total", "CAR-T"), P(T23, "CR (IRC)", "events/total", "SOC"),
            notes=GH_NOTE),
    RowSpec("cr.belinda.primary", "cr", BEL, "primary", "counts",
            P(BEL, "CR (best overall response at or after week 12; IRC)", "events/total", "CAR-T"),
            P(BEL, "CR (best overall response at or after week 12; IRC)", "events/total", "SOC"),
            notes=CORR_NOTE),
    RowSpec("cr.zuma1-scholar.primary", "cr", NEE, "primary", "percent",
            P(NEE, "CR", "percent", "CAR-T"), P(NEE, "CR", "percent", "SOC"),
            _arm_n(NEE, "CR", "CAR-T", "n_cart", "response-evaluable ZUMA-1 patients"),
            _arm_n(NEE, "CR", "SOC", "n_control", "response-evaluable SCHOLAR-1 patients"),
            notes="Crude percentages of the two cohorts; counts derived."),
    RowSpec("cr.transcend-rw.primary", "cr", VAN, "primary", "percent",
            P(VAN, "CR", "percent", "CAR-T"), P(VAN, "CR", "percent", "SOC"),
            _arm_n(VAN, "CR", "CAR-T", "n_cart", "matched liso-cel patients"),
            _arm_n(VAN, "CR", "SOC", "n_control", "matched real-world controls"),
            notes="Propensity-matched cohorts; counts derived."),
    RowSpec("cr.singlecentre.primary", "cr", BA20, "primary", "percent",
            P(BA20, "CR", "percent", "CAR-T"), P(BA20, "CR", "percent", "SOC"),
            _arm_n(BA20, "CR", "CAR-T", "n_cart", "CAR-T patients of the cohort"),
            _arm_n(BA20, "CR", "SOC", "n_control", "historical comparator patients"),
            notes="Unadjusted comparison with historical patients; counts derived."),
    # ---------------------------------------------------------------- ORR (RR)
    RowSpec("orr.zuma7.primary", "orr", Z22, "primary", "percent",
            P(Z22, "ORR", "percent", "CAR-T", VERIFIED), P(Z22, "ORR", "percent", "SOC", VERIFIED),
            *Z_N, notes="Counts derived from the verified percentages."),
    RowSpec("orr.zuma7.alt-github", "orr", Z22, "alternative", "counts",
            P(Z22, "ORR", "events/total", "CAR-T"), P(Z22, "ORR", "events/total", "SOC"),
            notes=GH_NOTE + " Same data cut as the derived primary row."),
    RowSpec("orr.transform.primary", "orr", T23, "primary", "percent",
            P(T23, "ORR (IRC)", "percent", "CAR-T"), P(T23, "ORR (IRC)", "percent", "SOC"), *T_N,
            notes="Percentages from a secondary source (news report of the ASH 2022 "
                  "presentation); counts derived."),
    RowSpec("orr.belinda.primary", "orr", BEL, "primary", "counts",
            P(BEL, "ORR (at or after week 12; IRC)", "events/total", "CAR-T"),
            P(BEL, "ORR (at or after week 12; IRC)", "events/total", "SOC"), notes=CORR_NOTE),
    RowSpec("orr.zuma1-scholar.primary", "orr", NEE, "primary", "percent",
            P(NEE, "ORR", "percent", "CAR-T"), P(NEE, "ORR", "percent", "SOC"),
            _arm_n(NEE, "ORR", "CAR-T", "n_cart", "response-evaluable ZUMA-1 patients"),
            _arm_n(NEE, "ORR", "SOC", "n_control", "response-evaluable SCHOLAR-1 patients"),
            notes="Crude percentages of the two cohorts; counts derived."),
    RowSpec("orr.transcend-rw.primary", "orr", VAN, "primary", "percent",
            P(VAN, "ORR", "percent", "CAR-T"), P(VAN, "ORR", "percent", "SOC"),
            _arm_n(VAN, "ORR", "CAR-T", "n_cart", "matched liso-cel patients"),
            _arm_n(VAN, "ORR", "SOC", "n_control", "matched real-world controls"),
            notes="Propensity-matched cohorts; counts derived."),
    # ---------------------------------------------------------------- grade >= 3 CRS (PLO)
    RowSpec("crs_g3.zuma7.primary", "crs_g3", Z22, "primary", "counts",
            P(Z22, "CRS_G3plus (grading: modified Lee 2014 per secondary dataset)",
              "events/total", "CAR-T"),
            grading="Lee 2014",
            notes=CORR_NOTE + " Trial-publication grouping, as for the other trials' arms; "
                  "modified Lee 2014 grading per one secondary dataset only."),
    RowSpec("crs_g3.zuma7.alt-fda", "crs_g3", Z22, "alternative", "percent",
            P(Z22, "CRS_G3plus (FDA review)", "percent", "CAR-T"),
            n_cart=Denominator(P(Z22, "CRS_G3plus (FDA review)", "percent", "CAR-T"),
                               cell="source_location", pattern=r"(\d+) axi-cel recipients",
                               what=FDA_168),
            grading="not stated",
            notes="FDA reviewers' grouping of events (regulatory source, verified); counted "
                  "differently from the trial publication, so not mixed with it."),
    RowSpec("crs_g3.transform.primary", "crs_g3", T23, "primary", "percent",
            P(T23, "CRS_G3plus (grade 3; no grade 4/5)", "percent", "CAR-T"),
            n_cart=Denominator(P(T23, "randomized", "n", "CAR-T"), what=T_SAFETY),
            grading="not stated",
            notes="Lee 2014 per the GitHub dataset (unverified)."),
    RowSpec("crs_g3.belinda.primary", "crs_g3", BEL, "primary", "counts",
            P(BEL, "CRS_G3plus (grading: Lee 2014 per secondary dataset)", "events/total",
              "CAR-T"),
            grading="Lee 2014",
            notes=CORR_NOTE + " Denominator = infused patients; Lee 2014 grading per one "
                  "secondary dataset only."),
    # ---------------------------------------------------------------- grade >= 3 neuro (PLO)
    RowSpec("ne_g3.zuma7.primary", "ne_g3", Z22, "primary", "counts",
            P(Z22, "NE_G3plus (neurologic events; grading CTCAE v4.03 per secondary dataset; "
                   "not ICANS/ASTCT)", "events/total", "CAR-T"),
            grading="CTCAE",
            notes=CORR_NOTE + " Trial-publication grouping ('neurologic events'); CTCAE "
                  "v4.03 per one secondary dataset only; not ICANS graded by ASTCT."),
    RowSpec("ne_g3.zuma7.alt-fda", "ne_g3", Z22, "alternative", "percent",
            P(Z22, "NE_G3plus (FDA review, neurologic toxicity)", "percent", "CAR-T"),
            n_cart=Denominator(P(Z22, "NE_G3plus (FDA review, neurologic toxicity)", "percent",
                                 "CAR-T"),
                               cell="source_location", pattern=r"(\d+) axi-cel recipients",
                               what=FDA_168),
            grading="not stated",
            notes="FDA reviewers' grouping ('neurologic toxicity', regulatory source, "
                  "verified), broader than the trial's 'neurologic events'; not mixed with it."),
    RowSpec("ne_g3.transform.primary", "ne_g3", T23, "primary", "percent",
            P(T23, "NE_G3plus (investigator-identified neurological events; grade 3; no grade "
                   "4/5)", "percent", "CAR-T"),
            n_cart=Denominator(P(T23, "randomized", "n", "CAR-T"), what=T_SAFETY),
            grading="not stated",
            notes="Investigator-identified neurological events; CTCAE v4.03 per the GitHub "
                  "dataset (unverified)."),
    RowSpec("ne_g3.belinda.primary", "ne_g3", BEL, "primary", "counts",
            P(BEL, "NE_G3plus (neurologic events; CTCAE per secondary dataset)", "events/total",
              "CAR-T"),
            grading="CTCAE",
            notes=CORR_NOTE + " Denominator = infused patients; CTCAE grading per one "
                  "secondary dataset only. Sources print 2% or 3% for this count."),
)


# =========================================================================== toxicity cohorts
# CAR-T-treated cohorts beyond the randomised arms (cart_toxicity_cohorts.csv): one report per
# patient set (its .md names the overlaps), relapsed/refractory LBCL only, products kept
# apart ("mixed:" cohorts only in the all-CAR-T real-world stratum, never in a product group).

SINGLE_ARM, REAL_WORLD = "single-arm", "real-world"
NO_ROB_DESIGNS = (SINGLE_ARM, REAL_WORLD)

TOX_STUDIES: tuple[StudySpec, ...] = (
    StudySpec("ZUMA1_Neelapu2017", "ZUMA-1 (Neelapu 2017)", SINGLE_ARM, 1, "none (single arm)",
              n_fields=P("ZUMA1_Neelapu2017", "CRS_G3plus*", "percent", "CAR-T"),
              notes="Pivotal phase 2 trial, 101 patients. Its grade >=3 rates are known only from "
                    "a single unverifiable source, so they enter the 'leads' sensitivity "
                    "analysis only. The label (108), 2-year (108) and 5-year (101) reports are "
                    "the same patients and are not used."),
    StudySpec("ZUMA1_C4_Topp2021", "ZUMA-1 cohort 4 (Topp 2021)", SINGLE_ARM, 1,
              "none (single arm)", n_fields=P("ZUMA1_C4_Topp2021", "CRS_G3plus*", "percent",
                                              "CAR-T"),
              notes="Safety-management cohort (earlier steroids and tocilizumab); different "
                    "patients from the pivotal ZUMA-1 cohort."),
    StudySpec("ZUMA1_C6_Oluwole2021", "ZUMA-1 cohort 6 (Oluwole 2021)", SINGLE_ARM, 1,
              "none (single arm)", n_fields=P("ZUMA1_C6_Oluwole2021", "CRS_G3plus*",
                                              "events/total", "CAR-T"),
              notes="Safety-management cohort (prophylactic dexamethasone); different patients "
                    "from the pivotal ZUMA-1 cohort."),
    StudySpec("JULIET_Schuster2019", "JULIET (Schuster 2019)", SINGLE_ARM, 1,
              "none (single arm)", n_fields=P("JULIET_Schuster2019", "CRS_G3plus*", "percent",
                                              "CAR-T"),
              notes="Pivotal tisagenlecleucel trial (111 infused). The regrading papers are the "
                    "same patients (any-grade events only) and are not pooled."),
    StudySpec("PILOT_Sehgal2025", "PILOT (Sehgal 2025)", SINGLE_ARM, 1, "none (single arm)",
              n_fields=P("PILOT_Sehgal2025", "CRS_G3plus*", "percent", "CAR-T"),
              notes="Second line, transplant not intended; final analysis."),
    StudySpec("ALYCANTE_Houot2023", "ALYCANTE (Houot 2023)", SINGLE_ARM, 1,
              "none (single arm)", n_fields=P("ALYCANTE_Houot2023", "CRS_G3plus*", "percent",
                                              "CAR-T"),
              notes="Second line, transplant-ineligible; ASTCT grading."),
    StudySpec("EU_singlecentre_PMID32744738", "European single-centre cohort (2020)",
              REAL_WORLD, 1, "none (treated patients only)",
              n_fields=P("EU_singlecentre_PMID32744738", "CRS_G3plus*", "percent", "CAR-T"),
              intervention="mixed: axi-cel and tisa-cel",
              notes="Commercial axi-cel and tisa-cel, not separable by product: used only in "
                    "the all-CAR-T real-world stratum, never in a product subgroup."),
    StudySpec("CIBMTR_THRLBCL2024", "CIBMTR registry, THRLBCL subset (2024)", REAL_WORLD, 1,
              "none (treated patients only)",
              n_fields=P("CIBMTR_THRLBCL2024", "CRS_G3plus*", "percent", "CAR-T"),
              intervention="mixed: axi-cel and tisa-cel",
              notes="T-cell/histiocyte-rich LBCL treated with axi-cel (69%) or tisa-cel; not "
                    "separable by product."),
)


def _tox(key: str, study: str, outcome: str, measure: str, grading: str,
         analysis: str = "primary", notes: str = "") -> RowSpec:
    return RowSpec(f"{key}.{study}.{analysis}", key, study, analysis, "counts",
                   P(study, outcome, measure, "CAR-T"), grading=grading, notes=notes)


TOX_ROWS: tuple[RowSpec, ...] = (
    _tox("crs_g3", "ZUMA1_Neelapu2017", "CRS_G3plus*", "percent", "Lee 2014", "lead",
         "A lead (single unverifiable source); counts derived by the source table."),
    _tox("ne_g3", "ZUMA1_Neelapu2017", "NE_G3plus*", "percent", "CTCAE", "lead",
         "A lead (single unverifiable source); counts derived by the source table."),
    _tox("crs_g3", "ZUMA1_C4_Topp2021", "CRS_G3plus*", "percent", "not stated"),
    _tox("ne_g3", "ZUMA1_C4_Topp2021", "NE_G3plus*", "percent", "not stated"),
    _tox("crs_g3", "ZUMA1_C6_Oluwole2021", "CRS_G3plus*", "events/total", "not stated",
         notes="Zero events is stated by the source ('all grade <=2'), not derived."),
    _tox("ne_g3", "ZUMA1_C6_Oluwole2021", "NE_G3plus*", "percent", "not stated"),
    _tox("crs_g3", "JULIET_Schuster2019", "CRS_G3plus*", "percent", "Penn",
         notes="Corroborated secondary percentage with the infused denominator."),
    _tox("ne_g3", "JULIET_Schuster2019", "NE_G3plus*", "percent", "CTCAE",
         notes="Corroborated secondary percentage; CTCAE v4.03 per secondary sources."),
    _tox("crs_g3", "PILOT_Sehgal2025", "CRS_G3plus*", "percent", "not stated"),
    _tox("ne_g3", "PILOT_Sehgal2025", "NE_G3plus*", "percent", "not stated"),
    _tox("crs_g3", "ALYCANTE_Houot2023", "CRS_G3plus*", "percent", "ASTCT 2019"),
    _tox("ne_g3", "ALYCANTE_Houot2023", "ICANS_G3plus*", "percent", "ASTCT 2019",
         notes="ICANS graded by ASTCT 2019, not CTCAE neurological events."),
    _tox("crs_g3", "EU_singlecentre_PMID32744738", "CRS_G3plus*", "percent", "not stated"),
    _tox("ne_g3", "EU_singlecentre_PMID32744738", "ICANS_G3plus*", "percent", "not stated",
         notes="ICANS (scale not stated)."),
    _tox("crs_g3", "CIBMTR_THRLBCL2024", "CRS_G3plus*", "percent", "not stated"),
)

TOX_UNUSED_RULES: tuple[tuple[str, Any], ...] = (
    ("first line (ZUMA-12): outside a relapsed/refractory pool",
     lambda r: r["line"].startswith("1L")),
    ("leukaemia and lymphoma pooled (not LBCL-specific)",
     lambda r: "ALL+NHL" in r["outcome"]),
    ("any-grade events: the review's outcomes are grade >= 3 events",
     lambda r: r["outcome"].startswith(("CRS_any", "NE_any", "ICANS_any"))),
    ("no number in the source (placeholder row)", lambda r: not r["value"]),
    ("same patients as a ZUMA-1 report already used (one row per patient set)",
     lambda r: r["study_id"].startswith("ZUMA1_")),
    ("special population in complete remission at infusion (low tumour burden): kept out "
     "of the pool", lambda r: "CRinfusion" in r["study_id"] or "noDisease" in r["study_id"]),
    ("count not derivable (no stated denominator, or several counts fit the rounded "
     "percentage)", lambda r: not r["events_cart"]),
)


def tox_unused(source: Sequence[Src], used: set[int]) -> list[dict[str, Any]]:
    groups: dict[str, list[int]] = {reason: [] for reason, _ in TOX_UNUSED_RULES}
    for r in source:
        if r.number in used:
            continue
        for reason, rule in TOX_UNUSED_RULES:
            if rule(r):
                groups[reason].append(r.number)
                break
        else:
            raise BuildError(f"toxicity source row {r.number} is neither used nor explained")
    return [{"file": TOX_NAME, "reason": reason, "rows": rows}
            for reason, rows in groups.items() if rows]


NARRATIVE_OS = re.compile(r"That dataset also lists an OS HR \((\d\.\d+), (\d\.\d+)-(\d\.\d+)\)")


def belinda_os_lead(narrative: str) -> dict[str, str]:
    """BELINDA's uncorroborated OS HR, quoted only in the extraction narrative (a lead)."""
    m = NARRATIVE_OS.search(narrative)
    if m is None:
        raise BuildError(f"{NARRATIVE}: the BELINDA OS lead sentence was not found")
    row = {c: "" for c in OUTCOME_COLUMNS}
    row.update(
        row_id="os.belinda.lead", outcome="os", study_id=BEL, analysis="lead",
        definition="OS (HR, CAR-T vs SOC)", estimate=m.group(1), ci_lb=m.group(2),
        ci_ub=m.group(3), source_file=NARRATIVE, derived="false", lead_only="true",
        source="Unpublished GitHub network-meta-analysis dataset "
               "(zoubayda-b/network-meta-analysis-project-CART), as quoted in the extraction "
               "narrative",
        location=f"{NARRATIVE}, section 1, BELINDA: '{m.group(0)}'",
        verification=SECONDARY,
        notes="A lead, not data: the extractor left it out of the table because no other "
              "source corroborates it and OS was immature at 10 months' follow-up.",
    )
    return row


# =========================================================================== control risks


@dataclass(frozen=True)
class ControlSpec:
    outcome: str
    pick: Pick
    study: str
    note: str


CONTROL: tuple[ControlSpec, ...] = (
    ControlSpec("efs", P(Z22, "EFS at 24 months", "percent", "SOC", VERIFIED), Z22,
                "ZUMA-7 standard-care arm, 24-month EFS (largest trial; verified)."),
    ControlSpec("pfs", P(T25, "PFS at 36 months", "percent", "SOC"), T25,
                "TRANSFORM standard-care arm, 36-month PFS (the trial of the primary PFS "
                "analysis; verified)."),
    ControlSpec("os", P(Z23, "OS at 48 months", "percent", "SOC"), Z23,
                "ZUMA-7 standard-care arm, 48-month OS (largest trial, longest follow-up; "
                "verified)."),
)


def control_risk(spec: ControlSpec, source: Sequence[Src], used: set[int]) -> dict[str, Any]:
    r = find(source, spec.pick)
    months = re.search(r"at (\d+) months", r["outcome"])
    if months is None:
        raise BuildError(f"source row {r.number}: no time point in {r['outcome']!r}")
    used.add(r.number)
    value = number(r["value"], "value", r) / 100
    return {
        "method": "reported", "quantity": "survival", "time_months": int(months.group(1)),
        "value": float(value), "study_id": spec.study, "source": r["source_citation"],
        "doi_or_pmid": identifiers([r]), "location": r["source_location"],
        "verification": r["confidence"], "source_rows": [r.number],
        "note": f"{spec.note} {r['value']}% in the source.",
    }


# =========================================================================== published claims

PUBLISHED_STUDIES = {
    "MA_PMID42340791_2026": "January 2026 meta-analysis (PubMed ID 42340791 per aggregator URL)",
    "MA_Asghar2024": "Asghar et al., Front Oncol 2024",
    "MA_Kim2023": "Kim et al., Cancer Res Treat 2023",
    "MA_OpenAlexW4417011161": "Meta-analysis OpenAlex W4417011161",
    "MA_BJH2022_3RCT": "Three-trial meta-analysis, Br J Haematol 2022",
}
PUBLISHED_OUTCOME = {"EFS": "efs", "PFS": "pfs", "OS": "os", "CMR": "cr", "CR": "cr",
                     "ORR": "orr", "CRS_G3plus": "crs_g3"}
PUBLISHED_COLUMNS = (
    "claim_id", "publication", "outcome", "definition", "measure", "arm", "estimate", "ci_lb",
    "ci_ub", "pval_text", "source", "doi_or_pmid", "location", "verification", "source_rows",
    "notes",
)


def published_rows(source: Sequence[Src], used: set[int]) -> list[dict[str, str]]:
    out = []
    for r in source:
        if r["study_id"] not in PUBLISHED_STUDIES or not r["value"]:
            continue
        slug = re.sub(r"[^a-z0-9]+", "-", r["outcome"].lower()).strip("-")
        arm = "" if " vs " in r["arm"] else r["arm"]
        claim = f"{r['study_id']}.{slug}" + (f".{arm.lower().replace(' ', '-')}" if arm else "")
        # The source names the meta-analysis' study set in its trial_name column; the
        # report needs it to explain why the pooled claims differ from this review's.
        note = f"Study set as given in the source: {r['trial_name']}."
        if r["outcome"] == "CMR":
            note += " Complete metabolic response, compared with this review's complete response."
        prov = provenance([r])
        out.append({
            "claim_id": re.sub(r"[^A-Za-z0-9_.:\-]", "-", claim),
            "publication": PUBLISHED_STUDIES[r["study_id"]],
            "outcome": PUBLISHED_OUTCOME.get(r["outcome"], ""),
            "definition": r["outcome"], "measure": r["measure"], "arm": arm,
            "estimate": fmt(number(r["value"], "value", r)),
            "ci_lb": fmt(number(r["ci_low"], "ci_low", r)) if r["ci_low"] else "",
            "ci_ub": fmt(number(r["ci_high"], "ci_high", r)) if r["ci_high"] else "",
            "pval_text": r["p_value"], "source": prov["source"],
            "doi_or_pmid": prov["doi_or_pmid"], "location": prov["location"],
            "verification": prov["verification"], "source_rows": prov["source_rows"],
            "notes": note,
        })
        used.add(r.number)
    return out


# =========================================================================== risk of bias


@dataclass(frozen=True)
class Judgement:
    domain: str
    outcomes: str
    judgement: str
    support: str
    rows: tuple[int, ...] = ()


NO_CONCEALMENT = ("allocation concealment is not described in the abstracts available to "
                  "this review")
OPEN_LABEL = ("Open-label by necessity (autologous CAR-T cells cannot be compared blind with "
              "chemotherapy).")
SAFETY_D4 = ("Toxicity graded by investigators aware of the assigned treatment; the grading "
             "system is not stated in the verified sources.")
D5_OTHER = ("Secondary endpoint; the statistical analysis plan was not available to this "
            "review to check that the reported analysis was pre-specified.")
OVERALL_RCT = "Some concerns in at least one domain; no domain at high risk."

ROB_RCT: dict[str, tuple[Judgement, ...]] = {
    "ZUMA-7": (
        Judgement("D1", "*", "some concerns",
                  "180 vs 179 randomised (source rows 2-3); analyses stratified by the "
                  f"randomisation factors (source row 46); {NO_CONCEALMENT}.", (2, 3, 46)),
        Judgement("D2", "*", "some concerns",
                  OPEN_LABEL + " No crossover was planned, but 56-57% of the standard-care arm "
                  "received cellular therapy off protocol (source rows 43-44, secondary; 68 of "
                  "179 received third-line cellular immunotherapy, row 45). For the effect of "
                  "assignment this is subsequent therapy, not a deviation, but it dilutes OS.",
                  (43, 44, 45)),
        Judgement("D3", "*", "low",
                  "Intention-to-treat analyses of all randomised patients (deaths counted over "
                  "180 vs 179, source row 50-51).", (50, 51)),
        Judgement("D4", "efs", "low", "EFS by blinded central review (source row 4).", (4,)),
        Judgement("D4", "os", "low", "Death is not open to assessor judgement."),
        Judgement("D4", "pfs", "some concerns",
                  "Investigator-assessed PFS in an open-label trial (source rows 54-55).",
                  (54, 55)),
        Judgement("D4", "cr;orr", "some concerns",
                  "Open-label; who assessed response is not stated in the available text."),
        Judgement("D4", "crs_g3;ne_g3", "some concerns", SAFETY_D4),
        Judgement("D5", "efs", "low", "Pre-specified primary endpoint."),
        Judgement("D5", "os", "low",
                  "Pre-specified key secondary endpoint with its own primary analysis."),
        Judgement("D5", "pfs;cr;orr;crs_g3;ne_g3", "some concerns", D5_OTHER),
        Judgement("overall", "*", "some concerns", OVERALL_RCT),
    ),
    "TRANSFORM": (
        Judgement("D1", "*", "some concerns",
                  "92 vs 92 randomised (source rows 71-72); baseline refractory disease 73% vs "
                  f"76% (rows 98-99); {NO_CONCEALMENT}.", (71, 72, 98, 99)),
        Judgement("D2", "*", "some concerns",
                  OPEN_LABEL + " Crossover to liso-cel after standard-care failure was part of "
                  "the design (66% crossed over by the 3-year analysis, source row 118); for the "
                  "effect of assignment this is not a deviation, but it dilutes OS "
                  "(crossover-adjusted OS is a sensitivity analysis).", (118,)),
        Judgement("D3", "*", "low", "Intention-to-treat analyses of all randomised patients."),
        Judgement("D4", "efs;pfs;cr;orr", "low",
                  "EFS, PFS and response assessed by an independent review committee (source "
                  "rows 68, 78, 90, 94).", (68, 78, 90, 94)),
        Judgement("D4", "os", "low", "Death is not open to assessor judgement."),
        Judgement("D4", "crs_g3;ne_g3", "some concerns", SAFETY_D4),
        Judgement("D5", "efs", "low", "Pre-specified primary endpoint."),
        Judgement("D5", "os", "low", "Pre-specified endpoint reported at every data cut."),
        Judgement("D5", "pfs;cr;orr;crs_g3;ne_g3", "some concerns", D5_OTHER),
        Judgement("overall", "*", "some concerns", OVERALL_RCT),
    ),
    "BELINDA": (
        Judgement("D1", "*", "some concerns",
                  f"322 randomised (source row 120); {NO_CONCEALMENT}.", (120,)),
        Judgement("D2", "*", "some concerns",
                  OPEN_LABEL + " Bridging chemotherapy allowed and a longer time to infusion; "
                  "81 standard-care patients crossed over after a week-12 event (source row "
                  "134, secondary); about 96% of the tisa-cel arm was infused (row 136, "
                  "secondary).", (134, 136)),
        Judgement("D3", "*", "some concerns",
                  "No primary text was available to check the completeness of outcome data."),
        Judgement("D4", "efs;cr;orr", "low",
                  "EFS and response assessed by an independent review committee (source rows "
                  "123, 128, 130).", (123, 128, 130)),
        Judgement("D4", "crs_g3;ne_g3", "some concerns", SAFETY_D4),
        Judgement("D4", "os", "low", "Death is not open to assessor judgement."),
        Judgement("D5", "efs", "low", "Pre-specified primary endpoint."),
        Judgement("D5", "cr;orr;crs_g3;ne_g3", "some concerns", D5_OTHER),
        Judgement("D5", "os", "high",
                  "No OS result in any retrieved publication or news text; the only value is "
                  "in an unpublished dataset (a lead, sensitivity analysis only)."),
        Judgement("overall", "*", "some concerns", OVERALL_RCT),
    ),
}


def _robins(confounding: tuple[str, str], selection: tuple[str, str],
            classification: tuple[str, str] = ("low", "CAR-T and comparator treatments are "
                                                "distinct and recorded."),
            reported: tuple[str, str] = ("moderate", "Several analyses were reported "
                                         "(populations, weighting or matching methods); this "
                                         "review takes the intention-to-treat or base-case "
                                         "analysis."),
            overall: tuple[str, str] = ("serious", "Serious risk in at least one domain "
                                        "(confounding in a non-randomised comparison)."),
            ) -> tuple[Judgement, ...]:
    return (
        Judgement("D1", "*", *confounding),
        Judgement("D2", "*", *selection),
        Judgement("D3", "*", *classification),
        Judgement("D4", "*", "no information",
                  "Deviations from intended treatment are not described in the abstract."),
        Judgement("D5", "*", "no information",
                  "Missing data are not described in the abstract."),
        Judgement("D6", "os", "low", "Death is not open to assessor judgement."),
        Judgement("D6", "efs;pfs;cr;orr;crs_g3;ne_g3", "serious",
                  "Response and progression assessed with different schedules and assessors in "
                  "the CAR-T cohort and the comparison cohort."),
        Judgement("D7", "*", *reported),
        Judgement("overall", "*", *overall),
    )


ROB_OBS: dict[str, tuple[Judgement, ...]] = {
    NEE: _robins(("serious", "Propensity-score comparison of a single-arm trial with a "
                  "retrospective pooled cohort; only measured confounders are addressed, and it "
                  "is not stated whether the response percentages are adjusted."),
                 ("serious", "Trial patients had to qualify for and receive manufacturing; "
                  "the historical cohort was not selected the same way.")),
    MAZ: _robins(("serious", "Propensity-score weighting (FSW/SMRW) of a single-arm trial "
                  "against a historical cohort; unmeasured confounding remains possible."),
                 ("moderate", "The intention-to-treat analysis starts follow-up at enrolment "
                  "in both cohorts; the full analysis set (infused only) would be at serious "
                  "risk.")),
    SAL: _robins(("serious", "Unanchored matching-adjusted indirect comparison: adjusts only "
                  "for characteristics the control publication reports."),
                 ("serious", "Trial patients compared with a published external cohort "
                  "selected under different criteria.")),
    VAN: _robins(("serious", "Propensity-matched real-world control; unmeasured confounding "
                  "remains possible."),
                 ("serious", "Trial patients compared with real-world patients selected under "
                  "different criteria.")),
    BA20: _robins(("critical", "The response percentages compared are unadjusted; after "
                   "adjustment the survival differences were not significant (source rows "
                   "172-176)."),
                  ("serious", "Historical comparator patients treated at the same centre in an "
                   "earlier period."),
                  classification=("moderate", "The comparator 'alternate therapies' is a mix of "
                                  "treatments."),
                  overall=("critical", "Critical risk of confounding: unadjusted comparison "
                           "with historical patients.")),
    CIB: _robins(("serious", "Registry comparison with multivariable adjustment; treatment "
                  "chosen by physicians."),
                 ("serious", "Restricted to patients in partial remission after salvage, a "
                  "selected chemosensitive group.")),
}
ROB_COLUMNS = ("study_id", "outcomes", "tool", "domain", "judgement", "support")


def rob_rows(studies: Sequence[dict[str, str]], cited: set[int]) -> list[dict[str, str]]:
    out = []
    for s in studies:
        if s["design"] in NO_ROB_DESIGNS:
            continue
        if s["design"] == "RCT":
            tool, judgements = "RoB 2", ROB_RCT[s["trial"]]
        else:
            tool, judgements = "ROBINS-I", ROB_OBS[s["study_id"]]
        for j in judgements:
            cited.update(j.rows)
            out.append({"study_id": s["study_id"], "outcomes": j.outcomes, "tool": tool,
                        "domain": j.domain, "judgement": j.judgement, "support": j.support})
    return out


# =========================================================================== exclusions

EXCLUSIONS: tuple[dict[str, str], ...] = (
    {"id": "X-2026",
     "citation": "Online article on a phase-III CAR-T trial 'X-2026', attributed to N Engl J "
                 "Med 394(2):201-203, 2026 (archyde.com)",
     "reason": "No trace in any registry or journal, and the article contradicts itself: it "
               "calls a CAR-T versus chemotherapy comparison 'double-blind, "
               "placebo-controlled'. The only source is an AI-generated page that opens with a "
               "language-model refusal. Excluded; none of its numbers is used.",
     "category": "fabricated or untraceable report", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.md section 4"},
    {"id": "ZUMA7_age65_CCR2023",
     "citation": "Prespecified subgroup analysis of patients aged >=65 years in ZUMA-7. Clin "
                 "Cancer Res 2023;29(10):1894",
     "reason": "Subgroup of ZUMA-7, which is already included: pooling it would count the same "
               "patients twice.",
     "category": "overlapping population", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "MA_PMID42340791_2026",
     "citation": "Systematic review and meta-analysis of CAR-T vs salvage chemotherapy in R/R "
                 "DLBCL (January 2026; PubMed ID 42340791 per aggregator URL; title, journal "
                 "and authors not identified)",
     "reason": "A meta-analysis, not a primary study; its pooled claims are set beside this "
               "review's results (published.csv), never pooled.",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "MA_Asghar2024",
     "citation": "Asghar K et al. Front Oncol 2024, doi:10.3389/fonc.2024.1407001",
     "reason": "A meta-analysis of the three randomised trials, not a primary study; compared "
               "with this review's results (published.csv).",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "MA_BJH2022_3RCT",
     "citation": "Meta-analysis of the three second-line CAR-T RCTs. Br J Haematol "
                 "2022;198(5):838-846, doi:10.1111/bjh.18335",
     "reason": "A meta-analysis of the three randomised trials, not a primary study; its "
               "pooled claims are set beside this review's results (published.csv).",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "MA_Kim2023",
     "citation": "Kim J et al. Cancer Res Treat 2023;55(3):1031-1047, PMID 36915243",
     "reason": "A meta-analysis of pooled single-arm proportions, not a primary study.",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "MA_OpenAlexW4417011161",
     "citation": "Meta-analysis of CAR-T vs SOC in R/R B-cell lymphoma (OpenAlex W4417011161; "
                 "title and journal not identified)",
     "reason": "A meta-analysis, not a primary study; compared with this review's results "
               "(published.csv).",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.csv"},
    {"id": "TriNetX-unattributed",
     "citation": "Unattributed TriNetX abstract comparing CAR-T with autologous transplant",
     "reason": "Its citation could not be identified, so its numbers cannot be traced; not in "
               "the extraction table.",
     "category": "source not identifiable", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.md section 2"},
    {"id": "NMA_ExpertRevAnticancerTher2024",
     "citation": "Network meta-analysis, Expert Rev Anticancer Ther 2024;24(6):457, PMID "
                 "38646700",
     "reason": "Compares CAR-T products with each other (CAR-T vs CAR-T), not CAR-T with "
               "salvage chemotherapy.",
     "category": "wrong comparator", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.md section 3"},
    {"id": "Tian2023_FrontImmunol",
     "citation": "Tian L et al. Front Immunol 2023, doi:10.3389/fimmu.2022.1041177",
     "reason": "A systematic review of CAR-T vs autologous transplant, not a primary study; "
               "its numbers were not retrieved.",
     "category": "not a primary study", "stage": "reports",
     "source": "sources/cart_dlbcl_studies.md section 3"},
)
EXCLUDED_STUDY_IDS = {e["id"] for e in EXCLUSIONS}


# =========================================================================== unused rows

UNUSED_RULES: tuple[tuple[str, Any], ...] = (
    ("excluded report (see the exclusion log)",
     lambda r: r["study_id"] in EXCLUDED_STUDY_IDS and r["study_id"] not in PUBLISHED_STUDIES),
    ("no value in the source (listed under not_reported)", lambda r: not r["value"]),
    ("median times to event: not pooled (the review pools hazard ratios)",
     lambda r: r["measure"] == "median_months"),
    ("landmark survival percentages: not pooled (one per outcome is the control-arm risk)",
     lambda r: r["measure"] == "percent"
     and re.search(r"\bat (\d+ months|\d+ years)", r["outcome"])),
    ("baseline characteristics",
     lambda r: r["data_cutoff_or_followup"] == "baseline" or "baseline" in r["outcome"]),
    ("odds ratios and risk differences: not converted to the review's risk ratios",
     lambda r: r["measure"] in ("OR", "risk difference (percentage points)")),
    ("percentage that duplicates a verified percentage used elsewhere (adds only its CI)",
     lambda r: r["measure"] == "percent" and r["confidence"] == SECONDARY and r["ci_low"]),
    ("not an outcome of the review",
     lambda r: r["outcome"] in ("Grade>=3 adverse events",
                                "progressive disease at week 6 assessment")
     or "crossover" in r["outcome"].lower() or "HSCT" in r["outcome"]
     or "HDCT" in r["outcome"] or "infused" in r["outcome"]
     or "cellular immunotherapy" in r["outcome"]
     or r["outcome"].startswith(("relapse/progression", "100-day"))),
    ("total randomised (the arm sizes are used)", lambda r: r["outcome"] == "randomized (total)"),
    ("hazard ratio without CI or exact p-value of an outcome outside the review",
     lambda r: r["measure"] == "HR"),
)


ROB_CITED = "not analysed; cited in the risk-of-bias support text"


def unused_rows(source: Sequence[Src], used: set[int], cited: set[int]) -> list[dict[str, Any]]:
    groups: dict[str, list[int]] = {ROB_CITED: []}
    groups.update({reason: [] for reason, _ in UNUSED_RULES})
    for r in source:
        if r.number in used:
            continue
        if r.number in cited:
            groups[ROB_CITED].append(r.number)
            continue
        for reason, rule in UNUSED_RULES:
            if rule(r):
                groups[reason].append(r.number)
                break
        else:
            raise BuildError(f"source row {r.number} is neither used nor explained")
    return [{"reason": reason, "rows": rows} for reason, rows in groups.items() if rows]


def gaps(source: Sequence[Src], included: set[str]) -> list[dict[str, Any]]:
    return [
        {"study_id": r["study_id"], "item": f"{r['outcome']} ({r['measure']}, {r['arm']})",
         "note": r["source_location"], "source_rows": [r.number],
         "outcome": PUBLISHED_OUTCOME.get(r["outcome"].split(" ")[0].split("/")[0], "")}
        for r in source if not r["value"] and r["study_id"] in included
    ]


# =========================================================================== TOML writing


def toml_str(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    return out.replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise BuildError(f"cannot write {value!r} as TOML")


def toml_table(name: str | None, values: dict[str, Any], array: bool = False) -> list[str]:
    lines = [] if name is None else [f"[[{name}]]" if array else f"[{name}]"]
    for key, value in values.items():
        if value is None or value == "":
            continue
        if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
            key = toml_str(key)
        if isinstance(value, list) and len(toml_value(value)) > 90:
            items = [f"  {toml_value(v)}," for v in value]
            lines += [f"{key} = [", *items, "]"]
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return [*lines, ""]


def comment(text: str) -> list[str]:
    words, lines, line = text.split(), [], "#"
    for w in words:
        if len(line) + 1 + len(w) > 92:
            lines.append(line)
            line = "#"
        line += " " + w
    return [*lines, line]


# =========================================================================== review.toml content

HR_IMPRECISION = {
    "null": 1.0, "thresholds": [0.75, 1.25], "ois_relative_reduction": 0.25,
    "rationale": "GRADE's default thresholds for an appreciable benefit or harm (25% relative "
                 "change), chosen by this review in the absence of published minimal important "
                 "differences for these outcomes.",
}
TOX_IMPRECISION = {
    "thresholds": [0.05, 0.10],
    "rationale": "Review team's choice: a pooled grade >= 3 rate below 5% or above 10% would "
                 "change how patients are monitored and where CAR-T can be given.",
}

OUTCOMES: tuple[dict[str, Any], ...] = (
    {"key": "efs", "label": "Event-free survival", "measure": "HR", "scale": "ratio",
     "favours": "lower", "importance": "critical",
     "definition": "As defined by each trial (ZUMA-7: blinded central review; TRANSFORM, "
                   "BELINDA: independent review committee; BELINDA counts stable or "
                   "progressive disease at or after week 12 as an event).",
     "imprecision": HR_IMPRECISION},
    {"key": "pfs", "label": "Progression-free survival", "measure": "HR", "scale": "ratio",
     "favours": "lower", "importance": "important", "imprecision": HR_IMPRECISION},
    {"key": "os", "label": "Overall survival", "measure": "HR", "scale": "ratio",
     "favours": "lower", "importance": "critical",
     "definition": "Intention to treat; crossover-adjusted estimates only in a sensitivity "
                   "analysis.",
     "imprecision": HR_IMPRECISION},
    {"key": "cr", "label": "Complete response", "measure": "RR", "scale": "ratio",
     "favours": "higher", "importance": "important",
     "control_risk": {"method": "control-arms", "quantity": "event",
                      "note": "From the control arms of the analysed rows."},
     "imprecision": HR_IMPRECISION},
    {"key": "orr", "label": "Overall response", "measure": "RR", "scale": "ratio",
     "favours": "higher", "importance": "important",
     "control_risk": {"method": "control-arms", "quantity": "event",
                      "note": "From the control arms of the analysed rows."},
     "imprecision": HR_IMPRECISION},
    {"key": "crs_g3", "label": "Grade ≥3 cytokine release syndrome (CAR-T arm)",
     "measure": "PLO", "scale": "proportion", "favours": "lower", "importance": "critical",
     "arm": "CAR-T",
     "grading_note": "Each row names its grading scale in the 'grading' column (Lee 2014, "
                     "Penn, ASTCT 2019, or 'not stated'); for the randomised arms the scale "
                     "comes from one secondary dataset only. Scales differ in what counts as "
                     "grade 3, so the scale is a pre-specified subgroup.",
     "imprecision": TOX_IMPRECISION},
    {"key": "ne_g3", "label": "Grade ≥3 neurological events / ICANS (CAR-T arm)",
     "measure": "PLO", "scale": "proportion", "favours": "lower", "importance": "critical",
     "arm": "CAR-T",
     "definition": "Neurological events as each source groups them (trial 'neurological "
                   "events', CTCAE) or immune effector cell-associated neurotoxicity "
                   "syndrome (ICANS, ASTCT 2019) where a cohort reports that.",
     "grading_note": "Each row names its grading scale in the 'grading' column. CTCAE "
                     "'neurological events' and ASTCT 'ICANS' are not the same outcome: in "
                     "JULIET's regrading, any-grade neurotoxicity fell from 50 (CTCAE) to 19 "
                     "(ASTCT) of 111 patients; the scale is a pre-specified subgroup.",
     "imprecision": TOX_IMPRECISION},
)

FEW_STUDIES: dict[str, Any] = {
    "max_k": 4, "model": "bayes", "tau_prior": "halfnormal:0.5",
    "prior_sensitivity": ["halfnormal:0.25", "halfnormal:1"], "proportions": "glmm",
    "rationale": "With two to four trials the between-trial variance cannot be estimated "
                 "from the data: REML can return zero and Hartung-Knapp intervals on 1-3 "
                 "degrees of freedom are erratic. A Bayesian random-effects model with a "
                 "weakly informative half-normal(0.5) prior on the between-trial standard "
                 "deviation of log hazard or risk ratios averages over the plausible "
                 "heterogeneity instead. Röver C et al. (Res Synth Methods 2021;12:448-474) "
                 "discuss half-normal priors with scales 0.5 and 1 for log ratio measures; "
                 "half-normal(0.5) gives about 95% prior probability to a between-trial "
                 "standard deviation below 1 on the log scale. Scales 0.25 and 1 are the "
                 "prior sensitivity analysis. One-arm toxicity rates use the binomial-normal "
                 "GLMM "
                 "(exact binomial likelihood; Stijnen T et al., Stat Med 2010;29:3046-3067), "
                 "which needs no continuity correction for zero events.",
}

SUBGROUPS: tuple[dict[str, Any], ...] = (
    {"key": "product", "label": "CAR-T product", "column": "intervention",
     "rationale": "The three products differ in construct and manufacturing."},
    {"key": "design", "label": "Study design", "column": "design"},
    {"key": "efs-definition", "label": "EFS definition counts stable disease at week 12",
     "column": "feature:efs_week12", "outcomes": ["efs"],
     "rationale": "BELINDA counted stable or progressive disease at or after week 12 as an "
                  "event, which makes early events likelier in both arms."},
    {"key": "bridging", "label": "Bridging chemotherapy",
     "column": "feature:bridging", "outcomes": ["efs"],
     "rationale": "Bridging chemotherapy is given because the disease cannot wait for the "
                  "cells; where it is allowed widely, more patients progress before CAR-T."},
    {"key": "time-to-infusion", "label": "Time from randomisation to infusion",
     "column": "feature:time_to_infusion", "outcomes": ["efs"],
     "rationale": "A longer wait for infusion lets the disease progress before CAR-T is "
                  "given, and EFS counts that progression against the CAR-T arm."},
    {"key": "crossover", "label": "Crossover to CAR-T in the comparator arm",
     "column": "feature:crossover", "outcomes": ["efs", "os"],
     "rationale": "Planned crossover dilutes overall survival. For EFS it marks how the "
                  "trials defined the comparator pathway: BELINDA allowed crossover only after "
                  "a week-12 event, TRANSFORM planned it after standard-care failure, ZUMA-7 "
                  "had none."},
    {"key": "grading", "label": "Toxicity grading scale", "column": "grading",
     "outcomes": ["crs_g3", "ne_g3"],
     "rationale": "Scales differ in what counts as grade 3 (Lee, Penn, ASTCT; CTCAE "
                  "neurological events vs ASTCT ICANS)."},
)

#: Design features of the randomised trials (studies.csv ``features``), each with its source.
FEATURES: dict[str, tuple[str, str]] = {
    "ZUMA-7": ("efs_week12=no; bridging=less; time_to_infusion=shorter; "
               "crossover=none planned",
               "sources/cart_dlbcl_studies.md section 1: ZUMA-7 'Crossover: none was planned'; "
               "BELINDA 'allowed bridging chemotherapy and had a longer time to infusion' "
               "(comparison with the other trials)"),
    "TRANSFORM": ("efs_week12=no; bridging=less; time_to_infusion=shorter; "
                  "crossover=planned",
                  "source row 118 (66% crossed over by design); sources/cart_dlbcl_studies.md "
                  "section 1 (BELINDA comparison for bridging)"),
    "BELINDA": ("efs_week12=yes; bridging=allowed; time_to_infusion=longer; "
                "crossover=allowed after week 12",
                "sources/cart_dlbcl_studies.md section 1: verified abstract (EFS definition, "
                "crossover after a week-12 event); 'BELINDA allowed bridging chemotherapy and "
                "had a longer time to infusion'"),
}

REPORT_TEXT: dict[str, Any] = {
    "intervention": "CAR-T",
    "comparator": "standard care",
    "intervention_arm_label": "CAR-T-treated patients",
    "limitations": [
        "Three randomised trials contribute to event-free survival and response, two to "
        "progression-free and overall survival: between-trial heterogeneity is barely "
        "estimable and every interval rests on the choice of method.",
        "Risk-of-bias judgements were made from abstracts and summaries, not full texts.",
        "Open-label trials with crossover to CAR-T in the comparator arms dilute the "
        "overall-survival comparison; a crossover-adjusted estimate is shown where a trial "
        "reports one.",
        "Toxicity from single-arm and real-world cohorts describes treated patients only; "
        "products, lines of therapy and grading scales differ between cohorts.",
    ],
    "data_caveats": [
        "Numbers were extracted from abstracts, regulatory summaries and secondary reports; "
        "no full text of the NEJM or Lancet trial papers could be read.",
        "BELINDA's results are secondary-source numbers corroborated by independent "
        "sources; no primary text of its results was available.",
    ],
    "safety_note": "Toxicity is pooled as the proportion of CAR-T-treated patients with the "
                   "event. Randomised CAR-T arms, single-arm trials and real-world cohorts "
                   "are separate strata and are never pooled together; cohorts that mix "
                   "products are used only in the real-world stratum.",
    "published_note": "Why numbers can differ: the study set (some published analyses pool "
                      "randomised trials with comparative cohort studies); the data cut "
                      "(this review uses each trial's latest analysis); the interval method "
                      "(most published analyses report z-based intervals); and definitions "
                      "(complete metabolic vs complete response; grading scales).",
    "abbreviations": {
        "CAR-T": "chimeric antigen receptor T-cell therapy",
        "EFS": "event-free survival", "PFS": "progression-free survival",
        "OS": "overall survival", "CRS": "cytokine release syndrome",
        "ICANS": "immune effector cell-associated neurotoxicity syndrome",
        "LBCL": "large B-cell lymphoma", "DLBCL": "diffuse large B-cell lymphoma",
        "R/R": "relapsed or refractory", "SOC": "standard of care",
        "ASCT": "autologous stem-cell transplantation",
        "auto-HCT": "autologous haematopoietic cell transplantation",
        "ASTCT": "American Society for Transplantation and Cellular Therapy (grading)",
        "CTCAE": "Common Terminology Criteria for Adverse Events",
        "axi-cel": "axicabtagene ciloleucel", "liso-cel": "lisocabtagene maraleucel",
        "tisa-cel": "tisagenlecleucel",
    },
}

DATA_CUT_RULE = (
    "For each trial and outcome the primary analysis uses the latest data cut whose number is "
    "not a lead: ZUMA-7 OS from the 2023 primary OS analysis (Westin 2023); ZUMA-7 EFS, "
    "response and toxicity from the 2022 primary EFS analysis (Locke 2022), because the later "
    "ZUMA-7 EFS and PFS hazard ratios are leads; TRANSFORM EFS, PFS and OS from the 3-year "
    "analysis (Kamdar 2025), response and toxicity from the 2023 primary analysis (Abramson "
    "2023), which the 3-year report does not give. The earliest other data cut of each trial "
    "is the 'earlier-cut' sensitivity analysis. Other versions of the same number (other "
    "roundings, sources, weighting methods) are kept as 'alternative' rows and not analysed. "
    "ZUMA-7 grade >=3 toxicity uses the trial publication's counts (170 treated), like the "
    "other trials; the FDA reviewers' differently grouped figures are alternative rows."
)
SOURCE_RULE = (
    "Numbers verified in the study's own text and numbers from secondary sources (news "
    "reports, reviews, presentations) both enter the primary analysis; each keeps its "
    "verification status and the report states how many primary inputs are secondary-source. "
    "Numbers seen in a single unverifiable source (source location 'ONLY in ...', e.g. an "
    "unpublished GitHub network-meta-analysis dataset) are leads, not data: they never enter the "
    "primary analysis, only the 'lead' sensitivity analysis. Every eligible randomised trial "
    "is in the primary analysis of each outcome it reports with data: BELINDA's EFS, response "
    "and grade >=3 toxicity numbers are secondary but corroborated by independent sources "
    "(source location 'CORROBORATED'), so they are data; BELINDA has no corroborated OS "
    "hazard ratio, so OS rests on ZUMA-7 and TRANSFORM, and the uncorroborated BELINDA OS "
    "value appears only in the leads analysis. A 'verified in source only' analysis shows "
    "every answer without the secondary numbers. Counts computed from a "
    "reported percentage and a known denominator are marked derived, with the arithmetic and "
    "the range of counts compatible with the rounded percentage. P-values are used only when "
    "exact and not one-sided; hazard ratios otherwise need their confidence interval."
)


CEA_COMMENT = (
    "Cost-effectiveness: the bundled US model of second-line CAR-T vs standard care "
    "(src/evisynth/data/econ/cart_2l_lbcl.toml), run with this review's pooled hazard ratios "
    "and grade >= 3 toxicity rates in place of the model file's single-trial values. 2,000 "
    "probabilistic draws keep the whole run a few seconds long."
)

CEA: dict[str, Any] = {
    "model": "cart_2l_lbcl",
    "wtp": [100000, 150000],
    "psa_draws": 2000,
    "seed": 20260101,
    "overrides": {"hr_efs": "efs", "hr_os": "os", "p_crs_g3": "crs_g3",
                  "p_icans_g3": "ne_g3"},
    "claims": [{
        "label": "'USD 45,000 per QALY saved over a 5-year horizon' (the X-2026 news page)",
        "icer": 45000,
        "horizon": 5,
        "exclusion": "X-2026",
        "note": "The news page excluded as fabricated (exclusion log, X-2026) states this "
                "figure; none of its numbers enters the review. It is examined here only "
                "because the claim circulates: can any model with these costs give USD 45,000 "
                "per QALY when the horizon stops at 5 years?",
    }],
}


def review_toml(
    studies: Sequence[dict[str, str]],
    controls: dict[str, dict[str, Any]],
    gap_list: list[dict[str, Any]],
    unused: list[dict[str, Any]],
    sha256: str,
    n_source: int,
    tables: list[dict[str, Any]],
) -> str:
    n_trials = len({s["trial"] for s in studies})
    lines = [
        "# The bundled review: CAR-T cell therapy vs salvage chemotherapy in R/R large B-cell",
        "# lymphoma. GENERATED by tools/build_cart_review.py from",
        f"# {SOURCE_NAME} and {TOX_NAME}; do not edit by hand, edit the script and",
        "# rerun it.",
        "",
        "format_version = 2",
        'title = "CAR-T cell therapy versus salvage chemotherapy in relapsed/refractory large '
        'B-cell lymphoma"',
        "summary = " + toml_str(
            "In adults with relapsed or refractory large B-cell lymphoma, how much does CAR-T "
            "cell therapy improve event-free, progression-free and overall survival and "
            "response over standard-of-care salvage chemotherapy, how toxic is it, and how "
            "certain are we? Data: a source-checked extraction from abstracts, regulatory "
            "summaries and secondary reports (no full texts of the NEJM or Lancet papers "
            "could be read)."),
        "risk_of_bias_note = " + toml_str(
            "Judgements made for this review from the abstracts, regulatory summaries and "
            "secondary reports in the shared extraction (no full texts); the support text "
            "names the source rows it relies on."),
        "",
    ]
    lines += toml_table("question", {
        "population": "Adults with relapsed or refractory large B-cell lymphoma (mainly DLBCL): "
                      "second line (primary refractory or relapse within 12 months) in the "
                      "randomised trials; mostly third line or later in the non-randomised "
                      "comparisons.",
        "intervention": "Autologous anti-CD19 CAR-T cell therapy (axicabtagene ciloleucel, "
                        "lisocabtagene maraleucel, tisagenlecleucel).",
        "comparator": "Standard-of-care salvage chemotherapy (± autologous transplant); "
                      "external or historical salvage-therapy cohorts in the non-randomised "
                      "comparisons.",
        "outcomes": "Event-free, progression-free and overall survival (hazard ratios); "
                    "complete and overall response (risk ratios); grade ≥3 cytokine release "
                    "syndrome and grade ≥3 neurological events/ICANS in the CAR-T arms "
                    "(proportions).",
    })
    lines += comment("Design strata: analysed separately, never pooled together.")
    designs = (
        {"key": "RCT", "label": "Randomised controlled trials", "rob_tool": "RoB 2",
         "certainty_start": "high",
         "description": "ZUMA-7, TRANSFORM and BELINDA: the primary evidence."},
        {"key": "external-control", "label": "Single-arm CAR-T data vs external controls",
         "rob_tool": "ROBINS-I", "certainty_start": "low",
         "description": "Non-randomised comparisons with historical, matched or weighted "
                        "external cohorts; mostly third line or later."},
        {"key": "registry-cohort", "label": "Registry cohort vs autologous transplant",
         "rob_tool": "ROBINS-I", "certainty_start": "low",
         "description": "CIBMTR: axi-cel vs auto-HCT in partial remission after salvage; a "
                        "different comparator."},
        {"key": SINGLE_ARM, "label": "Single-arm CAR-T trials (toxicity only)",
         "rob_tool": "none", "certainty_start": "low",
         "description": "Pivotal and second-line single-arm trials of one CAR-T product: "
                        "grade >= 3 toxicity among treated patients. No comparison arm.",
         "rob_note": "No comparison, so no risk-of-bias tool for comparative effects applies; "
                     "the rates depend on who was treated and how events were graded."},
        {"key": REAL_WORLD, "label": "Real-world CAR-T cohorts (toxicity only)",
         "rob_tool": "none", "certainty_start": "low",
         "description": "Registry and centre cohorts of patients treated outside trials, with "
                        "products not separable; grade >= 3 toxicity among treated patients.",
         "rob_note": "No comparison; retrospective ascertainment and grading by each centre."},
    )
    for d in designs:
        lines += toml_table("designs", d, array=True)
    for o in OUTCOMES:
        body = {k: v for k, v in o.items() if k not in ("key", "imprecision", "control_risk")}
        cr = controls.get(o["key"]) or o.get("control_risk")
        if cr is not None and cr.get("time_months"):
            body["time_point_months"] = cr["time_months"]
        lines += toml_table(f"outcomes.{o['key']}", body)
        if cr is not None:
            lines += toml_table(f"outcomes.{o['key']}.control_risk", cr)
        lines += toml_table(f"outcomes.{o['key']}.imprecision", o["imprecision"])
    lines += toml_table("analysis", {
        "method": "REML", "test": "knha", "level": 95, "design": "RCT",
        "pool_across_designs": False, "data_cut_rule": DATA_CUT_RULE,
        "source_rule": SOURCE_RULE,
    })
    lines += comment("Few trials: with k <= 4 the primary analysis is a Bayesian random-effects "
                     "model; grade >= 3 toxicity rates are pooled with the binomial-normal "
                     "GLMM.")
    lines += toml_table("analysis.few_studies", FEW_STUDIES)
    lines += comment("Shown next to the primary method: with 2-3 trials per outcome the "
                     "t-based (Hartung-Knapp) intervals on 1-2 degrees of freedom are very "
                     "wide.")
    alternatives = (
        {"method": "REML", "test": "z", "label": "REML with z-based (normal) intervals",
         "rationale": "The conventional random-effects interval; narrower than Hartung-Knapp "
                      "with few trials, and known to be too narrow when trials disagree."},
        {"method": "REML", "test": "adhoc", "label": "REML with ad hoc Hartung-Knapp",
         "rationale": "Hartung-Knapp never narrower than the z-based interval (the ad hoc "
                      "variant)."},
    )
    for a in alternatives:
        lines += toml_table("analysis.alternatives", a, array=True)
    sensitivity = (
        {"key": "dl", "label": "DerSimonian-Laird estimator", "method": "DL", "test": "z"},
        {"key": "fe", "label": "Fixed (common) effect", "method": "FE", "test": "z"},
        {"key": "leave-one-out", "label": "Leave one trial out", "leave_one_out": True},
        {"key": "earlier-cut", "label": "Earlier data cut of each trial", "rows": "earlier-cut",
         "rationale": "Each trial's earliest analysable data cut in place of its latest."},
        {"key": "crossover-adjusted", "label": "Crossover-adjusted overall survival",
         "rows": "crossover-adjusted", "outcomes": ["os"],
         "rationale": "Trials reporting a crossover-adjusted OS hazard ratio contribute it "
                      "(TRANSFORM); the others keep their intention-to-treat estimate."},
        {"key": "verified-only", "label": "Inputs verified in the study's own text",
         "verified_only": True},
        {"key": "leads", "label": "Adding unverified numbers (single-source 'leads')",
         "rows": "lead",
         "rationale": "Numbers seen in only one unverifiable source (among them BELINDA's "
                      "overall survival and ZUMA-1's toxicity rates) replace or join the "
                      "primary inputs; shows what they would change, not a basis for "
                      "conclusions."},
    )
    for s in sensitivity:
        lines += toml_table("analysis.sensitivity", s, array=True)
    lines += comment("Pre-specified sources of heterogeneity. With three randomised trials a "
                     "subgroup of one trial is that trial: the tests say whether the trials "
                     "differ, not why.")
    for g in SUBGROUPS:
        lines += toml_table("subgroups", g, array=True)
    lines += toml_table("report", {k: v for k, v in REPORT_TEXT.items()
                                   if k != "abbreviations"})
    lines += toml_table("report.abbreviations", REPORT_TEXT["abbreviations"])
    lines += comment(CEA_COMMENT)
    lines += toml_table("cea", {k: v for k, v in CEA.items() if k not in ("overrides", "claims")})
    lines += toml_table("cea.overrides", CEA["overrides"])
    for c in CEA["claims"]:
        lines += toml_table("cea.claims", c, array=True)
    lines += comment("The full search is not reproduced: the shared data were compiled from "
                     "public web pages, PubMed/PMC mirrors, journal pages, conference-abstract "
                     "mirrors, news reports and public GitHub files, without record counts. "
                     "Only the counts of what was assessed, excluded and included are stated.")
    lines += toml_table("prisma", {
        "reports_assessed": len(studies) + len(EXCLUSIONS),
        "reports_excluded": len(EXCLUSIONS),
        "reports_included": len(studies),
        "studies_included": n_trials,
        "search_reproduced": False,
        "note": "The search behind the shared data set is not reproduced and its record "
                "counts are unknown; identification and screening counts are therefore not "
                "stated. Reports assessed = reports in the shared data set and narrative.",
    })
    for e in EXCLUSIONS:
        lines += toml_table("exclusions", e, array=True)
    for g in gap_list:
        lines += toml_table("not_reported", g, array=True)
    lines += toml_table("source", {
        "file": SOURCE_NAME, "sha256": sha256, "rows": n_source,
        "built_by": "tools/build_cart_review.py",
        "note": "Source rows are numbered as in a spreadsheet (header = row 1).",
    })
    for t in tables:
        lines += toml_table("source.tables", t, array=True)
    for u in unused:
        lines += toml_table("source.unused", u, array=True)
    return "\n".join(lines).rstrip("\n") + "\n"


# =========================================================================== main


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()


def v2(row: dict[str, str]) -> dict[str, str]:
    """A studies/outcomes row with the review format's arm-neutral column names."""
    return {V2_NAMES.get(k, k): v for k, v in row.items()}


def build(source_path: Path, tox_path: Path | None = None) -> dict[str, str]:
    """All files of the review folder as {name: text}; raises BuildError on any mismatch."""
    tox_path = tox_path or source_path.with_name("cart_toxicity_cohorts.csv")
    narrative_path = source_path.with_name("cart_dlbcl_studies.md")
    raw = source_path.read_bytes()
    tox_raw = tox_path.read_bytes()
    source = read_source(source_path)
    tox = read_source(tox_path, TOX_NAME)
    used: set[int] = set()
    used_tox: set[int] = set()
    studies = [study_row(s, source, used) for s in STUDIES]
    studies += [study_row(s, tox, used_tox) for s in TOX_STUDIES]
    included = {s["study_id"] for s in studies}
    outcome_rows = [outcome_row(spec, source, used) for spec in ROWS]
    outcome_rows.append(belinda_os_lead(narrative_path.read_text(encoding="utf-8")))
    outcome_rows += [outcome_row(spec, tox, used_tox) for spec in TOX_ROWS]
    for row in outcome_rows:
        if row["study_id"] not in included:
            raise BuildError(f"{row['row_id']}: study {row['study_id']} is not included")
    controls = {c.outcome: control_risk(c, source, used) for c in CONTROL}
    published = published_rows(source, used)
    cited: set[int] = set()
    rob = rob_rows(studies, cited)
    gap_list = gaps(source, included)
    used.update(n for g in gap_list for n in g["source_rows"])
    unused = unused_rows(source, used, cited) + tox_unused(tox, used_tox)
    studies = [v2(s) for s in studies]
    outcome_rows = [v2(r) for r in outcome_rows]
    tables = [{"file": TOX_NAME, "sha256": hashlib.sha256(tox_raw).hexdigest(),
               "rows": len(tox),
               "note": "CAR-T-treated cohorts beyond the randomised arms (grade >= 3 CRS and "
                       "neurological events); rows numbered as in a spreadsheet."}]
    columns = {
        "studies.csv": tuple(studies[0]),
        "outcomes.csv": tuple(V2_NAMES.get(c, c) for c in OUTCOME_COLUMNS),
        "risk_of_bias.csv": ROB_COLUMNS,
        "published.csv": PUBLISHED_COLUMNS,
    }
    return {
        "review.toml": review_toml(studies, controls, gap_list, unused,
                                   hashlib.sha256(raw).hexdigest(), len(source), tables),
        "studies.csv": csv_text(columns["studies.csv"], studies),
        "outcomes.csv": csv_text(columns["outcomes.csv"], outcome_rows),
        "risk_of_bias.csv": csv_text(columns["risk_of_bias.csv"], rob),
        "published.csv": csv_text(columns["published.csv"], published),
    }


def write(files: dict[str, str], out: Path) -> None:
    """Write the files (UTF-8, LF), each atomically (temporary file, then rename)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        tmp = out / f".{name}.tmp"
        tmp.write_bytes(text.encode("utf-8"))
        tmp.replace(out / name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--toxicity", type=Path, default=None,
                        help="toxicity cohorts table (default: next to --source)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        files = build(args.source, args.toxicity)
    except (BuildError, OSError) as exc:
        print(f"build_cart_review: error: {exc}", file=sys.stderr)
        return 2
    write(files, args.out)
    print(f"wrote {', '.join(files)} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
