"""The review's own text and settings in review.toml: the question, design strata,
outcomes and their imprecision thresholds, the analysis plan (few-studies model,
alternatives, sensitivity analyses, subgroups), the report's wording, the data-cut and
source rules, and the cost-effectiveness run. Decisions of the review, stated here."""

from __future__ import annotations

from typing import Any

from .studies import REAL_WORLD, SINGLE_ARM

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

#: Control risk of the response outcomes: from the control arms of the analysed rows.
CONTROL_ARMS = {"method": "control-arms", "quantity": "event",
                "note": "From the control arms of the analysed rows."}

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
     "control_risk": CONTROL_ARMS,
     "imprecision": HR_IMPRECISION},
    {"key": "orr", "label": "Overall response", "measure": "RR", "scale": "ratio",
     "favours": "higher", "importance": "important",
     "control_risk": CONTROL_ARMS,
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


QUESTION: dict[str, str] = {
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
}

#: Design strata: analysed separately, never pooled together.
DESIGNS: tuple[dict[str, str], ...] = (
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


#: Other interval methods, shown next to the primary one.
ALTERNATIVES: tuple[dict[str, str], ...] = (
    {"method": "REML", "test": "z", "label": "REML with z-based (normal) intervals",
     "rationale": "The conventional random-effects interval; narrower than Hartung-Knapp "
                  "with few trials, and known to be too narrow when trials disagree."},
    {"method": "REML", "test": "adhoc", "label": "REML with ad hoc Hartung-Knapp",
     "rationale": "Hartung-Knapp never narrower than the z-based interval (the ad hoc "
                  "variant)."},
)

#: The sensitivity analyses of the plan.
SENSITIVITY: tuple[dict[str, Any], ...] = (
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
