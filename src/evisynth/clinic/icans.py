"""ICE score and ICANS grading for adults by the ASTCT 2019 consensus.

Source: Lee DW et al., Biol Blood Marrow Transplant 2019;25:625-638 (ICE table as
reproduced in PMC9327779 and PMC8153820; ASCO 2021 pocket guideline p.9), as
summarised in ``data/clinic/clinical-protocol.md`` section 2 (rules marked [V]).
The paediatric CAPD pathway (<12 years, marked [S] in the notes) is not encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_choice, check_int
from evisynth.clinic._result import plain
from evisynth.clinic._sources import ASTCT_2019
from evisynth.errors import InputError

__all__ = [
    "CEREBRAL_EDEMA",
    "CONSCIOUSNESS",
    "ICE_ITEM_MAX",
    "MOTOR",
    "SEIZURE",
    "ICANSGrade",
    "grade_icans",
    "ice_score",
]

#: Maximum points per ICE item (ASTCT): orientation to year, month, city and hospital;
#: naming three objects; following commands; writing a sentence; counting back by 10.
ICE_ITEM_MAX: dict[str, int] = {
    "orientation": 4,
    "naming": 3,
    "commands": 1,
    "writing": 1,
    "attention": 1,
}

# Domain value -> ASTCT ICANS grade of that domain alone.
_CONSCIOUSNESS: dict[str, int] = {
    "awake": 0,
    "awakens_spontaneously": 1,
    "awakens_to_voice": 2,
    "awakens_to_tactile": 3,
    "unarousable": 4,
}
_SEIZURE: dict[str, int] = {
    "none": 0,
    "resolves_rapidly": 3,
    "nonconvulsive_resolves_with_intervention": 3,
    "prolonged_or_repetitive": 4,
}
_MOTOR: dict[str, int] = {"none": 0, "deep_focal_weakness": 4}
_CEREBRAL_EDEMA: dict[str, int] = {
    "none": 0,
    "focal_local": 3,
    "diffuse_or_posturing_or_cn6_palsy_or_papilledema_or_cushing": 4,
}
CONSCIOUSNESS: tuple[str, ...] = tuple(_CONSCIOUSNESS)
SEIZURE: tuple[str, ...] = tuple(_SEIZURE)
MOTOR: tuple[str, ...] = tuple(_MOTOR)
CEREBRAL_EDEMA: tuple[str, ...] = tuple(_CEREBRAL_EDEMA)

_DESCRIBE: dict[str, str] = {
    "awakens_spontaneously": "depressed consciousness, awakens spontaneously",
    "awakens_to_voice": "depressed consciousness, awakens to voice",
    "awakens_to_tactile": "depressed consciousness, awakens only to tactile stimulus",
    "unarousable": "unarousable (or needs vigorous/repetitive tactile stimuli; stupor or coma)",
    "resolves_rapidly": "clinical seizure, focal or generalised, that resolves rapidly",
    "nonconvulsive_resolves_with_intervention": (
        "non-convulsive seizures on EEG that resolve with intervention"
    ),
    "prolonged_or_repetitive": (
        "life-threatening prolonged seizure (> 5 min) or repetitive seizures without "
        "return to baseline in between"
    ),
    "deep_focal_weakness": "deep focal motor weakness (hemiparesis, paraparesis)",
    "focal_local": "focal/local oedema on neuroimaging",
    "diffuse_or_posturing_or_cn6_palsy_or_papilledema_or_cushing": (
        "diffuse cerebral oedema, decerebrate/decorticate posturing, cranial nerve VI "
        "palsy, papilloedema or Cushing's triad"
    ),
}


def ice_score(orientation: int, naming: int, commands: int, writing: int, attention: int) -> int:
    """Immune effector cell-associated encephalopathy (ICE) score, 0-10.

    Parameters
    ----------
    orientation
        Orientation to year, month, city and hospital: 0-4 (one point each).
    naming
        Names three objects (e.g. clock, pen, button): 0-3.
    commands
        Follows simple commands (e.g. "show me 2 fingers"): 0-1.
    writing
        Writes a standard sentence: 0-1.
    attention
        Counts backwards from 100 by 10: 0-1.

    Returns
    -------
    int
        Sum of the items; 10 means no impairment.

    Raises
    ------
    InputError
        If an item is not a whole number (``True`` is not accepted) or is outside its range.

    Examples
    --------
    >>> ice_score(orientation=4, naming=3, commands=1, writing=1, attention=1)
    10
    >>> ice_score(3, 2, 1, 0, 0)
    6

    Source: Lee DW et al., ASTCT consensus 2019 (ICE table, PMC9327779, PMC8153820;
    ASCO 2021 p.9), clinical-protocol.md section 2 [V].
    """
    values = {
        "orientation": orientation,
        "naming": naming,
        "commands": commands,
        "writing": writing,
        "attention": attention,
    }
    return sum(check_int(k, v, lo=0, hi=ICE_ITEM_MAX[k]) for k, v in values.items())


@dataclass(frozen=True)
class ICANSGrade:
    """ASTCT 2019 ICANS grade (adults) with the reasons that set it.

    Attributes
    ----------
    grade
        0 (no ICANS by ASTCT criteria) to 4; the most severe domain decides.
    reasons
        One statement per domain, the deciding domain first.
    ice_grade
        Grade from the ICE score alone (``None`` when the score was not given).
    consciousness_grade, seizure_grade, motor_grade, cerebral_edema_grade
        Grade of each other domain alone (0 if absent).
    source
        Citation of the grading rules.
    """

    grade: int
    reasons: tuple[str, ...]
    ice_grade: int | None
    consciousness_grade: int
    seizure_grade: int
    motor_grade: int
    cerebral_edema_grade: int
    source: str = ASTCT_2019

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (lists instead of tuples), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out


def _ice_grade(ice: int, unarousable: bool) -> tuple[int, str]:
    if ice == 10:
        return 0, "ICE score 10: no encephalopathy"
    if ice >= 7:
        return 1, f"ICE score {ice} (7-9): grade 1"
    if ice >= 3:
        return 2, f"ICE score {ice} (3-6): grade 2"
    if ice == 0 and unarousable:
        return 4, "ICE score 0 because unarousable and unable to perform ICE: grade 4"
    return 3, f"ICE score {ice} (0-2): grade 3"


def _domain(name: str, value: str, table: dict[str, int]) -> tuple[int, str]:
    g = table[value]
    if g == 0:
        return 0, f"{name.replace('_', ' ')}: {value}"
    return g, f"{_DESCRIBE[value]}: grade {g}"


def grade_icans(
    ice: int | None = None,
    consciousness: str = "awake",
    seizure: str = "none",
    motor: str = "none",
    cerebral_edema: str = "none",
) -> ICANSGrade:
    """Grade ICANS in adults (and children >= 12 years) by the ASTCT 2019 consensus.

    The grade is that of the most severe domain, counting only findings not
    attributable to another cause (e.g. sedating medication for depressed
    consciousness). Tremor and myoclonus (CTCAE v5.0) do not affect the grade, and
    intracranial haemorrhage is graded by CTCAE instead, so neither is an argument.

    Parameters
    ----------
    ice
        ICE score 0-10 (see :func:`ice_score`). It may be omitted only when
        ``consciousness`` is ``awakens_to_tactile`` or ``unarousable``: then the level
        of consciousness alone already gives grade 3 or 4, which no ICE score can raise.
    consciousness
        ``awake``, ``awakens_spontaneously`` (grade 1), ``awakens_to_voice`` (2),
        ``awakens_to_tactile`` (3), ``unarousable`` (4).
    seizure
        ``none``, ``resolves_rapidly`` (3), ``nonconvulsive_resolves_with_intervention``
        (3), ``prolonged_or_repetitive`` (4).
    motor
        ``none`` or ``deep_focal_weakness`` (4).
    cerebral_edema
        ``none``, ``focal_local`` (3),
        ``diffuse_or_posturing_or_cn6_palsy_or_papilledema_or_cushing`` (4).

    Returns
    -------
    ICANSGrade
        ``.grade`` 0-4, ``.reasons`` (deciding domain first), one grade per domain.

    Raises
    ------
    InputError
        For an ICE score outside 0-10 or not a whole number, an unknown domain value,
        a missing ICE score in an arousable patient, or a non-zero ICE score in an
        unarousable patient.

    Examples
    --------
    The ASTCT worked example: ICE 3 with a generalised seizure is grade 3.

    >>> grade_icans(ice=3, seizure="resolves_rapidly").grade
    3
    >>> grade_icans(ice=0).grade  # awake with global aphasia
    3
    >>> grade_icans(ice=0, consciousness="unarousable").grade
    4

    Source: Lee DW et al., ASTCT consensus 2019 (ICANS table and footnotes),
    clinical-protocol.md section 2 [V].
    """
    level = check_choice("consciousness", consciousness, CONSCIOUSNESS)
    sz = check_choice("seizure", seizure, SEIZURE)
    mot = check_choice("motor", motor, MOTOR)
    edema = check_choice("cerebral_edema", cerebral_edema, CEREBRAL_EDEMA)
    unarousable = level == "unarousable"
    if ice is None:
        if _CONSCIOUSNESS[level] < 3:
            raise InputError(
                f"argument 'ice': required when consciousness={level!r}, because an ICE "
                "score of 0-2 would give grade 3; give the ICE score 0-10 (see ice_score)",
                where="ice",
            )
        ice_val = None
    else:
        ice_val = check_int("ice", ice, lo=0, hi=10)
        if unarousable and ice_val != 0:
            raise InputError(
                f"argument 'ice': {ice_val} contradicts consciousness='unarousable', since an "
                "unarousable patient cannot perform the ICE test; give ice=0 or omit it",
                where="ice",
            )

    graded: list[tuple[int, str, str]] = []  # (grade, domain, reason)
    if ice_val is None:
        ice_g: int | None = None
        graded.append((0, "ice", "ICE score not given; consciousness alone sets grade 3 or 4"))
    else:
        ice_g, why = _ice_grade(ice_val, unarousable)
        graded.append((ice_g, "ice", why))
    for name, value, table in (
        ("consciousness", level, _CONSCIOUSNESS),
        ("seizure", sz, _SEIZURE),
        ("motor", mot, _MOTOR),
        ("cerebral_edema", edema, _CEREBRAL_EDEMA),
    ):
        g, why = _domain(name, value, table)
        graded.append((g, name, why))

    grade = max(g for g, _, _ in graded)
    # Stable sort: the most severe domain first, ties kept in table order.
    ordered = sorted(graded, key=lambda t: -t[0])
    reasons = [why for _, _, why in ordered]
    if grade > 0:
        reasons[0] = f"grade {grade}: set by the most severe domain, {reasons[0]}"
    else:
        reasons.insert(0, "grade 0: no ASTCT ICANS finding")
    g_of = {name: g for g, name, _ in graded}
    return ICANSGrade(
        grade=grade,
        reasons=tuple(reasons),
        ice_grade=ice_g,
        consciousness_grade=g_of["consciousness"],
        seizure_grade=g_of["seizure"],
        motor_grade=g_of["motor"],
        cerebral_edema_grade=g_of["cerebral_edema"],
    )
