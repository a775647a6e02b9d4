"""Cytokine release syndrome (CRS) grading by the ASTCT 2019 consensus.

Source: Lee DW et al., Biol Blood Marrow Transplant 2019;25:625-638 (table and
footnotes reproduced verbatim in PMC8021214 Table 1), as summarised in
``data/clinic/clinical-protocol.md`` section 1 (all rules used here are marked [V]).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_bool, check_choice, check_int, check_number
from evisynth.clinic._result import plain
from evisynth.clinic._sources import ASTCT_2019
from evisynth.errors import InputError

__all__ = ["FEVER_THRESHOLD_C", "OXYGEN_DEVICES", "CRSGrade", "grade_crs"]

#: ASTCT: fever is a temperature of 38.0 °C or more (NCCN's ">38" wording is not used).
FEVER_THRESHOLD_C = 38.0
#: ASTCT: low-flow nasal cannula is <= 6 L/min; above that it is high flow.
LOW_FLOW_MAX_L_MIN = 6.0

# Oxygen support -> ASTCT hypoxia grade. A nasal cannula is graded by its flow.
_OXYGEN_GRADE: dict[str, int] = {
    "none": 0,
    "nasal_cannula": 2,  # <= 6 L/min; > 6 L/min is regraded as high flow (3)
    "blow_by": 2,
    "facemask": 3,
    "non_rebreather": 3,
    "venturi": 3,
    "high_flow_nasal_cannula": 3,
    "cpap": 4,
    "bipap": 4,
    "mechanical_ventilation": 4,
}
OXYGEN_DEVICES: tuple[str, ...] = tuple(_OXYGEN_GRADE)

# Plausibility limits catch unit mistakes (°F typed as °C, mL/min typed as L/min).
_TEMP_RANGE_C = (25.0, 45.0)
_FLOW_RANGE_L_MIN = (0.0, 80.0)


@dataclass(frozen=True)
class CRSGrade:
    """ASTCT 2019 CRS grade with the reasons that set it.

    Attributes
    ----------
    grade
        0 (no CRS by ASTCT criteria) to 4. Grade 5 (death from CRS) is not assigned here.
    reasons
        Human-readable statements, one per sign considered, the deciding one first.
    fever
        Whether fever counted: measured >= 38.0 °C, or masked by treatment.
    hypotension_grade, hypoxia_grade
        Grade each sign alone would give (0 if absent).
    source
        Citation of the grading rules.
    """

    grade: int
    reasons: tuple[str, ...]
    fever: bool
    hypotension_grade: int
    hypoxia_grade: int
    source: str = ASTCT_2019

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (lists instead of tuples), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out


def _hypotension(hypotension: bool, vasopressors: int, vasopressin: bool) -> tuple[int, str]:
    # ASTCT: "multiple vasopressors (excluding vasopressin)" is grade 4, so vasopressin
    # never makes a second pressor; a pressor with or without vasopressin is grade 3.
    vp = " (plus vasopressin, which is not counted)" if vasopressin and vasopressors else ""
    if vasopressors >= 2:
        return 4, f"hypotension requiring {vasopressors} vasopressors{vp}: grade 4"
    if vasopressors == 1:
        return 3, f"hypotension requiring one vasopressor{vp}: grade 3"
    if vasopressin:
        return 3, "hypotension requiring a vasopressor (vasopressin alone): grade 3"
    if hypotension:
        return 2, "hypotension not requiring vasopressors: grade 2"
    return 0, "no hypotension"


def _hypoxia(oxygen: str, flow: float | None) -> tuple[int, str]:
    grade = _OXYGEN_GRADE[oxygen]
    flow_txt = "" if flow is None else f" at {flow:g} L/min"
    if oxygen == "nasal_cannula":
        assert flow is not None  # enforced by the caller's input checks
        if flow > LOW_FLOW_MAX_L_MIN:
            return 3, f"nasal cannula{flow_txt} is high flow (> 6 L/min): grade 3"
        return 2, f"low-flow nasal cannula{flow_txt} (<= 6 L/min): grade 2"
    if grade == 0:
        return 0, "no oxygen requirement"
    label = oxygen.replace("_", " ")
    kind = {2: "low-flow oxygen", 3: "high-flow oxygen or mask", 4: "positive pressure"}[grade]
    return grade, f"{label}{flow_txt} ({kind}): grade {grade}"


def _check_oxygen(oxygen: Any, flow: Any) -> tuple[str, float | None]:
    device = check_choice("oxygen", oxygen, OXYGEN_DEVICES)
    f = None if flow is None else check_number(
        "oxygen_flow_l_min", flow, lo=_FLOW_RANGE_L_MIN[0], hi=_FLOW_RANGE_L_MIN[1], unit="L/min"
    )
    if device == "nasal_cannula" and f is None:
        raise InputError(
            "argument 'oxygen_flow_l_min': required when oxygen='nasal_cannula', because "
            "ASTCT grades it by flow (<= 6 L/min low flow, grade 2; > 6 L/min high flow, "
            "grade 3)",
            where="oxygen_flow_l_min",
        )
    if device == "none" and f is not None and f > 0:
        raise InputError(
            f"argument 'oxygen_flow_l_min': {f:g} L/min given but oxygen='none'; "
            f"name the device (one of {', '.join(OXYGEN_DEVICES[1:])}) or omit the flow",
            where="oxygen_flow_l_min",
        )
    if device == "high_flow_nasal_cannula" and f is not None and f <= LOW_FLOW_MAX_L_MIN:
        raise InputError(
            f"argument 'oxygen_flow_l_min': {f:g} L/min is low flow (<= 6 L/min) but "
            "oxygen='high_flow_nasal_cannula'; use oxygen='nasal_cannula' for <= 6 L/min",
            where="oxygen_flow_l_min",
        )
    return device, f


def _temperature_hint(t: Any) -> str:
    try:
        x = float(t)
    except (TypeError, ValueError):
        return ""
    if 77.0 <= x <= 113.0:
        return "it looks like °F; convert with (F - 32) x 5/9"
    return "give the body temperature in °C"


def grade_crs(
    temperature_c: float | None = None,
    fever_masked: bool = False,
    hypotension: bool = False,
    vasopressors: int = 0,
    oxygen: str = "none",
    oxygen_flow_l_min: float | None = None,
    *,
    vasopressin: bool = False,
) -> CRSGrade:
    """Grade cytokine release syndrome by the ASTCT 2019 consensus.

    Fever (>= 38.0 °C, not attributable to another cause) is required for every grade;
    the grade is then the more severe of hypotension and hypoxia. Once a patient with
    CRS has received antipyretics or anti-cytokine therapy (tocilizumab, steroids),
    fever is no longer required (``fever_masked=True``) and the grade is driven by
    hypotension and hypoxia. Organ toxicities (CTCAE v5.0) do not change the grade.

    Parameters
    ----------
    temperature_c
        Highest body temperature in °C (25-45). Required unless ``fever_masked``.
    fever_masked
        True if fever was abolished by antipyretic or anti-cytokine therapy.
    hypotension
        Hypotension not attributable to another cause. ASTCT sets no blood-pressure
        threshold, so none is applied here: the clinician decides.
    vasopressors
        Number of vasopressors *other than vasopressin* needed for hypotension. Any
        vasopressor implies hypotension requiring vasopressors.
    oxygen
        Oxygen support needed for hypoxia, one of ``none, nasal_cannula, blow_by,
        facemask, non_rebreather, venturi, high_flow_nasal_cannula, cpap, bipap,
        mechanical_ventilation``.
    oxygen_flow_l_min
        Flow in L/min; required for ``nasal_cannula`` (> 6 L/min counts as high flow).
    vasopressin
        True if vasopressin is also given. It is recorded in the reasons but never
        counted as an additional vasopressor. Vasopressin as the only vasopressor is
        graded as "requiring a vasopressor" (grade 3).

    Returns
    -------
    CRSGrade
        ``.grade`` 0-4, ``.reasons`` (deciding sign first), ``.source``.

    Raises
    ------
    InputError
        For a temperature outside 25-45 °C, an unknown oxygen device, a negative or
        non-integer vasopressor count, a non-boolean flag, a nasal cannula without a
        flow, or a flow that contradicts the device.

    Examples
    --------
    The ASTCT worked example: 39.5 °C, one vasopressor and low-flow oxygen is grade 3.

    >>> grade_crs(39.5, vasopressors=1, oxygen="nasal_cannula", oxygen_flow_l_min=2).grade
    3
    >>> grade_crs(37.9, hypotension=True).grade
    0
    >>> grade_crs(37.0, fever_masked=True, hypotension=True).grade
    2

    Source: Lee DW et al., ASTCT consensus, Biol Blood Marrow Transplant 2019;25:625-638
    (PMC8021214 Table 1), clinical-protocol.md section 1 [V].
    """
    masked = check_bool("fever_masked", fever_masked)
    hypo = check_bool("hypotension", hypotension)
    vpn = check_bool("vasopressin", vasopressin)
    n_vp = check_int("vasopressors", vasopressors, lo=0, hi=10)
    device, flow = _check_oxygen(oxygen, oxygen_flow_l_min)
    if temperature_c is None:
        if not masked:
            raise InputError(
                "argument 'temperature_c': required unless fever_masked=True, because "
                f"fever (>= {FEVER_THRESHOLD_C:.1f} °C) is needed for every ASTCT CRS grade",
                where="temperature_c",
            )
        temp = None
    else:
        temp = check_number(
            "temperature_c", temperature_c, lo=_TEMP_RANGE_C[0], hi=_TEMP_RANGE_C[1],
            unit="°C", hint=_temperature_hint(temperature_c),
        )

    g_bp, why_bp = _hypotension(hypo, n_vp, vpn)
    g_o2, why_o2 = _hypoxia(device, flow)
    measured_fever = temp is not None and temp >= FEVER_THRESHOLD_C
    t_txt = "not recorded" if temp is None else f"{temp:.1f} °C"

    if measured_fever:
        fever_why = f"fever {t_txt} (>= 38.0 °C)"
    elif masked:
        fever_why = (
            f"temperature {t_txt}, fever masked by antipyretic or anti-cytokine therapy: "
            "fever no longer required, grade set by hypotension and hypoxia"
        )
    else:
        return CRSGrade(
            grade=0,
            reasons=(
                f"no fever: temperature {t_txt} is below 38.0 °C and fever is not masked by "
                "treatment; ASTCT requires fever for every CRS grade",
                why_bp,
                why_o2,
            ),
            fever=False,
            hypotension_grade=g_bp,
            hypoxia_grade=g_o2,
        )

    if g_bp == 0 and g_o2 == 0:
        if measured_fever:
            reasons = (f"{fever_why} without hypotension or hypoxia: grade 1", why_bp, why_o2)
            grade = 1
        else:
            # ASTCT grade 1 is defined by fever alone; with fever masked and neither
            # hypotension nor hypoxia no row of the table applies.
            reasons = (
                f"{fever_why}; neither hypotension nor hypoxia, so no ASTCT grade applies "
                "(grade 1 requires a measured fever); keep grading at least twice daily",
                why_bp,
                why_o2,
            )
            grade = 0
        return CRSGrade(grade, reasons, True, g_bp, g_o2)

    grade = max(g_bp, g_o2)
    deciding, other = (why_bp, why_o2) if g_bp >= g_o2 else (why_o2, why_bp)
    return CRSGrade(
        grade=grade,
        reasons=(f"grade {grade}: set by the more severe sign, {deciding}", other, fever_why),
        fever=True,
        hypotension_grade=g_bp,
        hypoxia_grade=g_o2,
    )
