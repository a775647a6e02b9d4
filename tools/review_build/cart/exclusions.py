"""What the review leaves out, and why: the exclusion log, the reasons for every unused
source row, and the items the sources do not report (review.toml ``exclusions``,
``source.unused``, ``not_reported``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..common import BuildError
from .published import PUBLISHED_OUTCOME, PUBLISHED_STUDIES
from .sources import SECONDARY, Src

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


def explain_unused(source: Sequence[Src], used: set[int], rules: Sequence[tuple[str, Any]],
                   what: str = "source row") -> dict[str, list[int]]:
    """Every source row not in ``used``, under the reason of the first rule it meets (in
    the rules' order); a row that no rule explains stops the build."""
    groups: dict[str, list[int]] = {reason: [] for reason, _ in rules}
    for r in source:
        if r.number in used:
            continue
        for reason, rule in rules:
            if rule(r):
                groups[reason].append(r.number)
                break
        else:
            raise BuildError(f"{what} {r.number} is neither used nor explained")
    return {reason: rows for reason, rows in groups.items() if rows}


def unused_rows(source: Sequence[Src], used: set[int], cited: set[int]) -> list[dict[str, Any]]:
    rules = ((ROB_CITED, lambda r: r.number in cited), *UNUSED_RULES)
    return [{"reason": reason, "rows": rows}
            for reason, rows in explain_unused(source, used, rules).items()]


def gaps(source: Sequence[Src], included: set[str]) -> list[dict[str, Any]]:
    return [
        {"study_id": r["study_id"], "item": f"{r['outcome']} ({r['measure']}, {r['arm']})",
         "note": r["source_location"], "source_rows": [r.number],
         "outcome": PUBLISHED_OUTCOME.get(r["outcome"].split(" ")[0].split("/")[0], "")}
        for r in source if not r["value"] and r["study_id"] in included
    ]
