"""The review's outcome rows from the main extraction table: which source rows give each
trial's primary, earlier-cut, crossover-adjusted, alternative and lead estimate of every
outcome (the decisions are the row specifications below), and BELINDA's OS lead, which is
quoted only in the extraction narrative."""

from __future__ import annotations

import re

from ..common import BuildError
from .outcomes import OUTCOME_COLUMNS, Denominator, RowSpec
from .sources import NARRATIVE, SECONDARY, VERIFIED, P
from .studies import (
    BA20,
    BEL,
    CIB,
    MAZ,
    NEE,
    SAL,
    T22,
    T23,
    T25,
    TRANSFORM_ARMS,
    VAN,
    Z22,
    Z23,
    ZUMA7_ARMS,
)

Z_N = (Denominator(ZUMA7_ARMS[0]), Denominator(ZUMA7_ARMS[1]))
T_N = (Denominator(TRANSFORM_ARMS[0]), Denominator(TRANSFORM_ARMS[1]))
FDA_168 = "number of axi-cel recipients stated in the FDA review (source location text)"
T_SAFETY = ("liso-cel arm size (92 randomised, Table 1); the abstract does not state the "
            "safety-set size (the GitHub dataset also uses 92)")


def _cohorts(outcome: str, name: str, study: str, label: str, n_int: str, n_comp: str,
             notes: str) -> RowSpec:
    """A primary row of counts derived from two cohorts' percentages, each cohort's size
    taken from the n cell of its own percentage row."""
    int_row, comp_row = P(study, label, "percent", "CAR-T"), P(study, label, "percent", "SOC")
    return RowSpec(f"{outcome}.{name}.primary", outcome, study, "primary", "percent",
                   int_row, comp_row, Denominator(int_row, cell="n_cart", what=n_int),
                   Denominator(comp_row, cell="n_control", what=n_comp), notes=notes)


def _fda_n(label: str) -> Denominator:
    """The number of axi-cel recipients that an FDA-review row states in its location text."""
    return Denominator(P(Z22, label, "percent", "CAR-T"), cell="source_location",
                       pattern=r"(\d+) axi-cel recipients", what=FDA_168)


#: TRANSFORM's safety denominator: the liso-cel arm size.
T_SAFETY_N = Denominator(TRANSFORM_ARMS[0], what=T_SAFETY)
ZUMA1_EVAL = ("response-evaluable ZUMA-1 patients", "response-evaluable SCHOLAR-1 patients")
VAN_MATCHED = ("matched liso-cel patients", "matched real-world controls")
CRUDE = "Crude percentages of the two cohorts; counts derived."
MATCHED = "Propensity-matched cohorts; counts derived."


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
    _cohorts("cr", "zuma1-scholar", NEE, "CR", *ZUMA1_EVAL, notes=CRUDE),
    _cohorts("cr", "transcend-rw", VAN, "CR", *VAN_MATCHED, notes=MATCHED),
    _cohorts("cr", "singlecentre", BA20, "CR", "CAR-T patients of the cohort",
             "historical comparator patients",
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
    _cohorts("orr", "zuma1-scholar", NEE, "ORR", *ZUMA1_EVAL, notes=CRUDE),
    _cohorts("orr", "transcend-rw", VAN, "ORR", *VAN_MATCHED, notes=MATCHED),
    # ---------------------------------------------------------------- grade >= 3 CRS (PLO)
    RowSpec("crs_g3.zuma7.primary", "crs_g3", Z22, "primary", "counts",
            P(Z22, "CRS_G3plus (grading: modified Lee 2014 per secondary dataset)",
              "events/total", "CAR-T"),
            grading="Lee 2014",
            notes=CORR_NOTE + " Trial-publication grouping, as for the other trials' arms; "
                  "modified Lee 2014 grading per one secondary dataset only."),
    RowSpec("crs_g3.zuma7.alt-fda", "crs_g3", Z22, "alternative", "percent",
            P(Z22, "CRS_G3plus (FDA review)", "percent", "CAR-T"),
            n_cart=_fda_n("CRS_G3plus (FDA review)"),
            grading="not stated",
            notes="FDA reviewers' grouping of events (regulatory source, verified); counted "
                  "differently from the trial publication, so not mixed with it."),
    RowSpec("crs_g3.transform.primary", "crs_g3", T23, "primary", "percent",
            P(T23, "CRS_G3plus (grade 3; no grade 4/5)", "percent", "CAR-T"),
            n_cart=T_SAFETY_N,
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
            n_cart=_fda_n("NE_G3plus (FDA review, neurologic toxicity)"),
            grading="not stated",
            notes="FDA reviewers' grouping ('neurologic toxicity', regulatory source, "
                  "verified), broader than the trial's 'neurologic events'; not mixed with it."),
    RowSpec("ne_g3.transform.primary", "ne_g3", T23, "primary", "percent",
            P(T23, "NE_G3plus (investigator-identified neurological events; grade 3; no grade "
                   "4/5)", "percent", "CAR-T"),
            n_cart=T_SAFETY_N,
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
