"""The reports included in the review (studies.csv): the review's decisions about each
(design stratum, data-cut order, comparator, where the arm sizes come from) and the row
built from its source rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..common import BuildError
from .provenance import identifiers, provenance
from .sources import P, Pick, Src, find

#: Short names of the study ids that the outcome rows, control risks and judgements use.
Z22, Z23 = "ZUMA7_Locke2022", "ZUMA7_Westin2023"
T22, T23, T25 = "TRANSFORM_Kamdar2022", "TRANSFORM_Abramson2023", "TRANSFORM_Kamdar2025"
BEL = "BELINDA_Bishop2022"
NEE, MAZ = "ZUMA1_vs_SCHOLAR1_Neelapu2021", "JULIET_vs_CORAL_Maziarz2022"
SAL, VAN = "TRANSCEND_vs_SCHOLAR1_Salles2021", "TRANSCEND_vs_RWsynthetic_VanLe2023"
BA20, CIB = "BloodAdv2020_4669_singlecenter", "CIBMTR_Shadman2022"


def randomised(study: str) -> tuple[Pick, Pick]:
    """The source rows of a trial's randomised arm sizes (CAR-T, then standard care)."""
    return Pick(study, "randomized", "n", "CAR-T"), Pick(study, "randomized", "n", "SOC")


#: Arm sizes of the randomised trials: all reports of one trial use the same two rows.
ZUMA7_ARMS, TRANSFORM_ARMS, BELINDA_ARMS = randomised(Z22), randomised(T23), randomised(BEL)

# Design strata of the toxicity-only cohorts (cart_toxicity_cohorts.csv).
SINGLE_ARM, REAL_WORLD = "single-arm", "real-world"
NO_ROB_DESIGNS = (SINGLE_ARM, REAL_WORLD)


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
        n=ZUMA7_ARMS,
        notes="Primary EFS analysis; also holds the interim OS analysis and the FDA review's "
              "safety figures, which the source table files under this report.",
    ),
    StudySpec(
        "ZUMA7_Westin2023", "ZUMA-7 (Westin 2023)", "RCT", 2, SOC,
        n=ZUMA7_ARMS,
        notes="Primary OS analysis of the same randomised population.",
    ),
    StudySpec(
        "TRANSFORM_Kamdar2022", "TRANSFORM (Kamdar 2022)", "RCT", 1, SOC,
        n=TRANSFORM_ARMS,
        notes="Interim analysis; only the FDA reviewers' figures for it were available.",
    ),
    StudySpec(
        "TRANSFORM_Abramson2023", "TRANSFORM (Abramson 2023)", "RCT", 2, SOC,
        n=TRANSFORM_ARMS,
    ),
    StudySpec(
        "TRANSFORM_Kamdar2025", "TRANSFORM (Kamdar 2025)", "RCT", 3, SOC,
        n=TRANSFORM_ARMS,
        notes="3-year follow-up; results reported descriptively (no P values).",
    ),
    StudySpec(
        "BELINDA_Bishop2022", "BELINDA (Bishop 2022)", "RCT", 1, SOC,
        n=BELINDA_ARMS,
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


# CAR-T-treated cohorts beyond the randomised arms (cart_toxicity_cohorts.csv): one report per
# patient set (its .md names the overlaps), relapsed/refractory LBCL only, products kept
# apart ("mixed:" cohorts only in the all-CAR-T real-world stratum, never in a product group).
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
