"""Tocilizumab for CAR-T cytokine release syndrome: the dose and the repeat limits.

Sources: Kymriah PI §2.4, ASCO 2021 and NCCN CART-6 [V], with the 3-doses-per-24-h
limit [S] (``data/clinic/clinical-protocol.md`` section 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_int, check_number
from evisynth.clinic._result import plain
from evisynth.clinic._sources import ASCO_2021, KYMRIAH_PI_TOCI, NCCN_2026
from evisynth.clinic.dosing.body_surface import _weight
from evisynth.errors import InputError

__all__ = [
    "TOCI_MAX_DOSES_24H",
    "TOCI_MAX_DOSES_TOTAL",
    "TOCI_MAX_DOSE_MG",
    "TOCI_MG_PER_KG",
    "TOCI_MG_PER_KG_UNDER_30KG",
    "TOCI_MIN_INTERVAL_H",
    "TocilizumabDose",
    "tocilizumab_dose",
]

# Tocilizumab for CRS (Kymriah PI §2.4, ASCO 2021, NCCN CART-6).
TOCI_MG_PER_KG = 8.0
TOCI_MG_PER_KG_UNDER_30KG = 12.0
TOCI_MAX_DOSE_MG = 800.0
TOCI_MIN_INTERVAL_H = 8.0
TOCI_MAX_DOSES_24H = 3  # [S]: NCCN CART-6/CART-9 transcription
TOCI_MAX_DOSES_TOTAL = 4


@dataclass(frozen=True)
class TocilizumabDose:
    """Tocilizumab dose for CRS and whether another dose is allowed now.

    Attributes
    ----------
    dose_mg
        Dose for this infusion (IV over 1 hour).
    mg_per_kg
        8, or 12 for patients under 30 kg.
    weight_kg
        Weight used.
    capped
        True if the 800 mg maximum lowered the dose.
    may_give_now
        False if a repeat limit would be broken (``doses_given`` >= 4, ``doses_last_24h``
        >= 3, or less than 8 h since the last dose).
    reasons
        How the dose and the decision were reached.
    max_dose_mg, min_interval_h, max_doses_24h, max_doses_total
        The limits applied.
    source
        Citations.
    """

    dose_mg: float
    mg_per_kg: float
    weight_kg: float
    capped: bool
    may_give_now: bool
    reasons: tuple[str, ...]
    max_dose_mg: float = TOCI_MAX_DOSE_MG
    min_interval_h: float = TOCI_MIN_INTERVAL_H
    max_doses_24h: int = TOCI_MAX_DOSES_24H
    max_doses_total: int = TOCI_MAX_DOSES_TOTAL
    source: str = f"{KYMRIAH_PI_TOCI}; {ASCO_2021}; {NCCN_2026}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (lists instead of tuples), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out


def tocilizumab_dose(
    weight_kg: float,
    *,
    doses_given: int = 0,
    doses_last_24h: int = 0,
    hours_since_last_dose: float | None = None,
) -> TocilizumabDose:
    """Tocilizumab dose for CAR-T cytokine release syndrome, with the repeat limits.

    ``8 mg/kg`` IV over 1 hour, at most 800 mg per dose; ``12 mg/kg`` for patients
    under 30 kg. Repeat only if there is no improvement, at least 8 h apart, no more
    than 3 doses in 24 h and no more than 4 doses in total. Tocilizumab is not
    indicated for ICANS without concurrent CRS.

    Parameters
    ----------
    weight_kg
        Actual body weight in kg (1-350).
    doses_given
        Doses already given in this CRS course (0-4).
    doses_last_24h
        Of those, doses given in the last 24 h.
    hours_since_last_dose
        Hours since the last dose; required when ``doses_given`` > 0.

    Returns
    -------
    TocilizumabDose
        ``.dose_mg``, ``.may_give_now``, ``.reasons`` and the limits applied.

    Raises
    ------
    InputError
        For an implausible weight, non-integer or inconsistent dose counts, or a missing
        or negative time since the last dose.

    Examples
    --------
    >>> tocilizumab_dose(70).dose_mg  # 8 x 70
    560.0
    >>> tocilizumab_dose(120).dose_mg  # 8 x 120 = 960, capped at 800
    800.0
    >>> tocilizumab_dose(20).dose_mg  # under 30 kg: 12 x 20
    240.0

    Sources: Kymriah PI §2.4 (8 mg/kg, max 800 mg, 12 mg/kg < 30 kg, >= 8 h apart,
    max 4 doses) [V]; ASCO 2021; NCCN CART-6 (max 3 doses in 24 h) [S]
    (clinical-protocol.md section 4).
    """
    w = _weight(weight_kg)
    given = check_int("doses_given", doses_given, lo=0, hi=TOCI_MAX_DOSES_TOTAL)
    last24 = check_int("doses_last_24h", doses_last_24h, lo=0, hi=given)
    hours: float | None = None
    if given > 0:
        if hours_since_last_dose is None:
            raise InputError(
                f"argument 'hours_since_last_dose': required when doses_given={given}, "
                "because doses must be at least 8 hours apart",
                where="hours_since_last_dose",
            )
        hours = check_number("hours_since_last_dose", hours_since_last_dose, lo=0.0, unit="h")
        if hours < 24.0 and last24 == 0:
            raise InputError(
                f"argument 'doses_last_24h': 0, but the last dose was {hours:g} h ago "
                "(within 24 h); count that dose",
                where="doses_last_24h",
            )
    elif hours_since_last_dose is not None:
        raise InputError(
            "argument 'hours_since_last_dose': given but doses_given=0; "
            "give the number of doses already given, or omit the time",
            where="hours_since_last_dose",
        )

    if w < 30.0:
        per_kg = TOCI_MG_PER_KG_UNDER_30KG
        raw = per_kg * w
        reasons = [f"weight {w:g} kg is under 30 kg: 12 mg/kg x {w:g} kg = {raw:g} mg"]
    else:
        per_kg = TOCI_MG_PER_KG
        raw = per_kg * w
        reasons = [f"8 mg/kg x {w:g} kg = {raw:g} mg"]
    dose = min(raw, TOCI_MAX_DOSE_MG)
    capped = raw > TOCI_MAX_DOSE_MG
    if capped:
        reasons.append(f"capped at the maximum of {TOCI_MAX_DOSE_MG:g} mg per dose")
    reasons.append("give IV over 1 hour")

    may = True
    if given >= TOCI_MAX_DOSES_TOTAL:
        may = False
        reasons.append(f"NOT NOW: {given} doses given; the maximum is 4 in total")
    if last24 >= TOCI_MAX_DOSES_24H:
        may = False
        reasons.append(f"NOT NOW: {last24} doses in the last 24 h; the maximum is 3 in 24 h")
    if hours is not None and hours < TOCI_MIN_INTERVAL_H:
        may = False
        reasons.append(
            f"NOT NOW: last dose {hours:g} h ago; repeat doses must be at least 8 h apart"
        )
    if may and given > 0:
        reasons.append(
            f"repeat dose {given + 1} of at most 4 allowed if CRS has not improved"
        )
    reasons.append("not indicated for ICANS without concurrent CRS")
    return TocilizumabDose(
        dose_mg=dose,
        mg_per_kg=per_kg,
        weight_kg=w,
        capped=capped,
        may_give_now=may,
        reasons=tuple(reasons),
    )
