"""Published meta-analyses' pooled claims (published.csv), set beside the review's own
results and never pooled."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .provenance import provenance
from .sources import Src, fmt, number

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
