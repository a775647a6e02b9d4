"""Risk-of-bias judgements (risk_of_bias.csv): RoB 2 for the randomised trials, ROBINS-I
for the non-randomised comparisons, each with its support text and the source rows it
cites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .studies import BA20, CIB, MAZ, NEE, NO_ROB_DESIGNS, SAL, VAN


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
