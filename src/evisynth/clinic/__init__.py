"""Bedside CAR-T tools: ASTCT CRS/ICANS grading, ICE score, label dosing, eligibility, schedules.

For clinical decision support only: every result carries its reasons and source, and
the current prescribing information and local protocol take precedence. Rules are
taken from ``data/clinic/clinical-protocol.md``; rules it marks unconfirmed are
not encoded (see each module's docstring).
"""

from evisynth.clinic.crs import OXYGEN_DEVICES, CRSGrade, grade_crs
from evisynth.clinic.dosing import (
    PRODUCTS,
    LymphodepletionDrug,
    LymphodepletionPlan,
    TocilizumabDose,
    bsa,
    lymphodepletion,
    tocilizumab_dose,
)
from evisynth.clinic.eligibility import (
    PATIENT_FIELDS,
    TRIALS,
    Criterion,
    EligibilityResult,
    check_eligibility,
)
from evisynth.clinic.icans import ICANSGrade, grade_icans, ice_score
from evisynth.clinic.schedule import FollowUpSchedule, ScheduleEvent, follow_up_schedule

DISCLAIMER = (
    "Decision support only: confirm against the current prescribing information, "
    "institutional protocol and clinical judgement."
)

__all__ = [
    "DISCLAIMER",
    "OXYGEN_DEVICES",
    "PATIENT_FIELDS",
    "PRODUCTS",
    "TRIALS",
    "CRSGrade",
    "Criterion",
    "EligibilityResult",
    "FollowUpSchedule",
    "ICANSGrade",
    "LymphodepletionDrug",
    "LymphodepletionPlan",
    "ScheduleEvent",
    "TocilizumabDose",
    "bsa",
    "check_eligibility",
    "follow_up_schedule",
    "grade_crs",
    "grade_icans",
    "ice_score",
    "lymphodepletion",
    "tocilizumab_dose",
]
