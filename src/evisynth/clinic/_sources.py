"""Citations for the bedside rules, kept in one place so every result can name its source.

Confidence marks follow ``data/clinic/clinical-protocol.md``: ``[V]`` wording read
in a primary source or a verbatim copy, ``[S]`` seen only in a secondary summary.
Rules the notes mark ``[U]`` (unconfirmed) are not encoded anywhere in this package.
"""

from __future__ import annotations

ASTCT_2019 = (
    "Lee DW et al. ASTCT Consensus Grading for Cytokine Release Syndrome and Neurologic "
    "Toxicity Associated with Immune Effector Cells. Biol Blood Marrow Transplant "
    "2019;25:625-638, doi:10.1016/j.bbmt.2018.12.758"
)
ASCO_2021 = (
    "Santomasso BD et al. Management of Immune-Related Adverse Events in Patients Treated "
    "With CAR T-Cell Therapy: ASCO Guideline. J Clin Oncol 2021"
)
NCCN_2026 = (
    "NCCN Guidelines, Management of Immunotherapy-Related Toxicities - CAR T-Cell-Related "
    "Toxicities v2.2026, CART-6/CART-9 (read in a third-party transcription)"
)
FDA_2025 = (
    "FDA, 26 June 2025: FDA Eliminates REMS for Autologous CAR T cell Immunotherapies; "
    "labels updated to >=2 weeks monitoring (daily for >=1 week), 2 weeks proximity, "
    "no driving for 2 weeks"
)
MOSTELLER_1987 = (
    "Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098"
)
DUBOIS_1916 = (
    "DuBois D, DuBois EF. A formula to estimate the approximate surface area if height and "
    "weight be known. Arch Intern Med 1916;17:863"
)
GRIGGS_2012 = (
    "Griggs JJ et al. Appropriate chemotherapy dosing for obese adult patients with cancer: "
    "ASCO clinical practice guideline. J Clin Oncol 2012 (update 2021)"
)
YESCARTA_PI = "YESCARTA (axicabtagene ciloleucel) US Prescribing Information, sections 2.1-2.2"
BREYANZI_PI = "BREYANZI (lisocabtagene maraleucel) US Prescribing Information, section 2"
KYMRIAH_PI = "KYMRIAH (tisagenlecleucel) US Prescribing Information, section 2"
KYMRIAH_PI_TOCI = "KYMRIAH (tisagenlecleucel) US Prescribing Information, section 2.4"
KYMRIAH_PI_IG = "KYMRIAH (tisagenlecleucel) US Prescribing Information, sections 5.6-5.7"
HILL_2019 = (
    "Hill JA, Giralt S, Torgerson TR, Lazarus HM. CAR-T - and a side order of IgG, to go? "
    "Immunoglobulin replacement in patients receiving CAR-T cell therapy. Blood Rev 2019"
)
LUGANO_2014 = (
    "Cheson BD et al. Recommendations for initial evaluation, staging, and response "
    "assessment of Hodgkin and non-Hodgkin lymphoma: the Lugano classification. "
    "J Clin Oncol 2014;32:3059"
)
ZUMA7 = (
    "Locke FL et al. Axicabtagene ciloleucel as second-line therapy for large B-cell "
    "lymphoma (ZUMA-7). N Engl J Med 2022; NCT03391466"
)
TRANSFORM = (
    "Kamdar M et al. Lisocabtagene maraleucel versus standard of care ... (TRANSFORM). "
    "Lancet 2022; PubMed 35717989"
)
BELINDA = (
    "Bishop MR et al. Second-line tisagenlecleucel or standard care in aggressive B-cell "
    "lymphoma (BELINDA). N Engl J Med 2022; NCT03570892"
)
