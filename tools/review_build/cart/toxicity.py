"""Toxicity rows from the CAR-T-treated cohorts beyond the randomised arms
(cart_toxicity_cohorts.csv: grade >= 3 CRS and neurological events among treated patients),
and why each of that table's other rows is not used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .exclusions import explain_unused
from .outcomes import RowSpec
from .sources import TOX_NAME, P, Src


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
    groups = explain_unused(source, used, TOX_UNUSED_RULES, "toxicity source row")
    return [{"file": TOX_NAME, "reason": reason, "rows": rows} for reason, rows in groups.items()]
