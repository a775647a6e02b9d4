"""Body surface area, label lymphodepletion for CD19 CAR-T products, tocilizumab dose.

Sources (``data/clinic/clinical-protocol.md`` sections 3.1 and 4): the US
prescribing information of Yescarta, Breyanzi and Kymriah [V]; Mosteller 1987 and
DuBois 1916 [V]; ASCO (Griggs 2012, update 2021) on BSA capping [V]; Kymriah PI §2.4,
ASCO 2021 and NCCN CART-6 for tocilizumab [V], with the 3-doses-per-24-h limit [S].
Not encoded because the notes mark them unconfirmed [U]: renal dose adjustment of
fludarabine, the Breyanzi second-line cell dose, and the label steroid tables.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_bool, check_choice, check_int, check_number
from evisynth.clinic._result import plain
from evisynth.clinic._sources import (
    ASCO_2021,
    BREYANZI_PI,
    DUBOIS_1916,
    GRIGGS_2012,
    KYMRIAH_PI,
    KYMRIAH_PI_TOCI,
    MOSTELLER_1987,
    NCCN_2026,
    YESCARTA_PI,
)
from evisynth.errors import InputError

__all__ = [
    "BSA_FORMULAS",
    "PRODUCTS",
    "LymphodepletionDrug",
    "LymphodepletionPlan",
    "TocilizumabDose",
    "bsa",
    "lymphodepletion",
    "normalize_product",
    "tocilizumab_dose",
]

BSA_FORMULAS: tuple[str, ...] = ("mosteller", "dubois")
# Plausibility limits: they catch metres for centimetres or pounds for kilograms.
HEIGHT_RANGE_CM = (40.0, 250.0)
WEIGHT_RANGE_KG = (1.0, 350.0)
_UNITS_HINT = "give height in cm and weight in kg"

#: Canonical product names (generic, as on the US label).
PRODUCTS: tuple[str, ...] = (
    "axicabtagene ciloleucel",
    "lisocabtagene maraleucel",
    "tisagenlecleucel",
)
_BRAND = {
    "axicabtagene ciloleucel": "Yescarta",
    "lisocabtagene maraleucel": "Breyanzi",
    "tisagenlecleucel": "Kymriah",
}
_ALIASES = {
    "axicabtagene ciloleucel": "axicabtagene ciloleucel",
    "axi cel": "axicabtagene ciloleucel",
    "yescarta": "axicabtagene ciloleucel",
    "lisocabtagene maraleucel": "lisocabtagene maraleucel",
    "liso cel": "lisocabtagene maraleucel",
    "breyanzi": "lisocabtagene maraleucel",
    "tisagenlecleucel": "tisagenlecleucel",
    "tisa cel": "tisagenlecleucel",
    "kymriah": "tisagenlecleucel",
}


def normalize_product(product: Any, name: str = "product") -> str:
    """Map a product name, brand or short name (``axi-cel``) to its generic name.

    Raises
    ------
    InputError
        If the product is not one of the three supported CD19 CAR-T products.
    """
    allowed = (
        "axicabtagene ciloleucel (Yescarta, axi-cel), lisocabtagene maraleucel "
        "(Breyanzi, liso-cel), tisagenlecleucel (Kymriah, tisa-cel)"
    )
    if isinstance(product, str):
        key = re.sub(r"[\s_\-]+", " ", product.strip().lower())
        if key in _ALIASES:
            return _ALIASES[key]
    raise InputError(f"argument {name!r}: {product!r} is not one of {allowed}", where=name)


def _height(height_cm: Any) -> float:
    return check_number(
        "height_cm", height_cm, lo=HEIGHT_RANGE_CM[0], hi=HEIGHT_RANGE_CM[1], unit="cm",
        hint=_UNITS_HINT,
    )


def _weight(weight_kg: Any) -> float:
    return check_number(
        "weight_kg", weight_kg, lo=WEIGHT_RANGE_KG[0], hi=WEIGHT_RANGE_KG[1], unit="kg",
        hint=_UNITS_HINT,
    )


def bsa(height_cm: float, weight_kg: float, formula: str = "mosteller") -> float:
    """Body surface area in m².

    Mosteller: ``sqrt(height_cm * weight_kg / 3600)``.
    DuBois: ``0.007184 * height_cm**0.725 * weight_kg**0.425``.
    Actual body weight is used, as ASCO recommends; no cap is applied here.

    Parameters
    ----------
    height_cm
        Height in cm (40-250).
    weight_kg
        Actual body weight in kg (1-350).
    formula
        ``"mosteller"`` (default) or ``"dubois"``. The CAR-T labels name no formula.

    Returns
    -------
    float
        Body surface area in m², unrounded.

    Raises
    ------
    InputError
        For a non-numeric, negative or implausible height or weight, or an unknown formula.

    Examples
    --------
    >>> bsa(160, 90)  # sqrt(160 * 90 / 3600) = sqrt(4)
    2.0
    >>> round(bsa(100, 100, formula="dubois"), 4)  # 0.007184 * 100**1.15
    1.4334

    Sources: Mosteller RD, N Engl J Med 1987;317:1098; DuBois D & DuBois EF, Arch Intern
    Med 1916;17:863 (clinical-protocol.md section 4, [V]).
    """
    h = _height(height_cm)
    w = _weight(weight_kg)
    f = check_choice("formula", formula, BSA_FORMULAS)
    if f == "mosteller":
        return math.sqrt(h * w / 3600.0)
    return 0.007184 * h**0.725 * w**0.425


@dataclass(frozen=True)
class LymphodepletionDrug:
    """One lymphodepleting drug of a label regimen.

    Attributes
    ----------
    drug
        Generic name.
    mg_per_m2_per_day
        Label dose per m² per day (IV).
    n_days
        Number of consecutive daily doses.
    daily_dose_mg
        ``mg_per_m2_per_day * bsa_m2`` (unrounded; round per local pharmacy policy).
    course_dose_mg
        ``daily_dose_mg * n_days``.
    days
        Dosing days relative to infusion (day 0) when the course ends as late as the
        label allows.
    days_earliest
        Dosing days when the course ends as early as the label allows (equal to
        ``days`` for a fixed schedule).
    """

    drug: str
    mg_per_m2_per_day: float
    n_days: int
    daily_dose_mg: float
    course_dose_mg: float
    days: tuple[int, ...]
    days_earliest: tuple[int, ...]


@dataclass(frozen=True)
class LymphodepletionPlan:
    """Label lymphodepletion for one patient and product.

    Attributes
    ----------
    product, brand
        Generic and US brand name.
    bsa_m2
        BSA used for dosing (after the optional cap).
    bsa_uncapped_m2
        BSA from the formula.
    bsa_formula
        ``mosteller`` or ``dubois``.
    bsa_capped
        True if the institutional cap lowered the BSA.
    drugs
        One :class:`LymphodepletionDrug` per drug.
    last_day_before_infusion
        ``(earliest, latest)`` day, relative to infusion, of the last lymphodepletion dose.
    cell_dose
        Label CAR-T cell dose (for information; the product is dosed by the manufacturer).
    reasons
        How the doses were obtained, including any cap and label notes.
    source
        Label citation.
    """

    product: str
    brand: str
    bsa_m2: float
    bsa_uncapped_m2: float
    bsa_formula: str
    bsa_capped: bool
    drugs: tuple[LymphodepletionDrug, ...]
    last_day_before_infusion: tuple[int, int]
    cell_dose: str
    reasons: tuple[str, ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (nested dicts and lists), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out


# Label regimens: (drug, mg/m²/day, number of days). Both drugs of a regimen are given
# on the same days (Kymriah: "cyclophosphamide starts with the first fludarabine dose").
_REGIMENS: dict[str, tuple[tuple[str, float, int], ...]] = {
    "axicabtagene ciloleucel": (("cyclophosphamide", 500.0, 3), ("fludarabine", 30.0, 3)),
    "lisocabtagene maraleucel": (("fludarabine", 30.0, 3), ("cyclophosphamide", 300.0, 3)),
    "tisagenlecleucel": (("fludarabine", 25.0, 3), ("cyclophosphamide", 250.0, 3)),
}
_KYMRIAH_BENDAMUSTINE = (("bendamustine", 90.0, 2),)
# Day (relative to infusion) of the last lymphodepletion dose: (earliest, latest).
_LAST_DAY: dict[str, tuple[int, int]] = {
    "axicabtagene ciloleucel": (-3, -3),  # days -5, -4, -3
    "lisocabtagene maraleucel": (-7, -2),  # infuse 2-7 days after lymphodepletion
    "tisagenlecleucel": (-11, -2),  # DLBCL: infuse 2-11 days after lymphodepletion
}
_TIMING = {
    "axicabtagene ciloleucel": "on the 5th, 4th and 3rd day before infusion",
    "lisocabtagene maraleucel": "infuse 2-7 days after the end of lymphodepletion",
    "tisagenlecleucel": "infuse 2-11 days after the end of lymphodepletion (DLBCL)",
}
_SOURCE = {
    "axicabtagene ciloleucel": YESCARTA_PI,
    "lisocabtagene maraleucel": BREYANZI_PI,
    "tisagenlecleucel": KYMRIAH_PI,
}


def _cell_dose(product: str, weight_kg: float) -> str:
    if product == "axicabtagene ciloleucel":
        target = min(2e6 * weight_kg, 2e8)
        return (
            f"target 2 x 10^6 CAR-positive viable T cells/kg, maximum 2 x 10^8: "
            f"{target / 1e8:.3g} x 10^8 cells for {weight_kg:g} kg"
        )
    if product == "lisocabtagene maraleucel":
        return (
            "third line and later: 50-110 x 10^6 CAR-positive viable T cells (CD8:CD4 1:1); "
            "the second-line LBCL dose is not encoded (unconfirmed in the research notes)"
        )
    return "0.6-6.0 x 10^8 CAR-positive viable T cells (flat dose, adult DLBCL)"


def _days(n_days: int, last_day: int) -> tuple[int, ...]:
    return tuple(range(last_day - n_days + 1, last_day + 1))


def lymphodepletion(
    product: str,
    height_cm: float,
    weight_kg: float,
    *,
    formula: str = "mosteller",
    bsa_cap_m2: float | None = None,
    bendamustine: bool = False,
) -> LymphodepletionPlan:
    """Lymphodepleting chemotherapy per US label for large B-cell lymphoma.

    Regimens (mg/m²/day IV, 3 consecutive days):

    - axicabtagene ciloleucel (Yescarta): cyclophosphamide 500 + fludarabine 30 on days
      -5, -4, -3.
    - lisocabtagene maraleucel (Breyanzi): fludarabine 30 + cyclophosphamide 300;
      infuse 2-7 days after lymphodepletion ends.
    - tisagenlecleucel (Kymriah, adult DLBCL): fludarabine 25 + cyclophosphamide 250;
      infuse 2-11 days after lymphodepletion ends. With ``bendamustine=True`` (grade 4
      haemorrhagic cystitis on cyclophosphamide, or refractory to a
      cyclophosphamide-containing regimen): bendamustine 90 mg/m²/day for 2 days.

    Daily dose = mg/m²/day x BSA. BSA uses actual weight; a cap is an explicit
    institutional choice, off by default, because ASCO recommends full weight-based
    dosing and calls capping at 2.0 m² common but not recommended.

    Parameters
    ----------
    product
        Generic name, brand name or short name (``axi-cel``, ``liso-cel``, ``tisa-cel``).
    height_cm, weight_kg
        Height in cm and actual body weight in kg.
    formula
        BSA formula, ``"mosteller"`` (default) or ``"dubois"``.
    bsa_cap_m2
        Optional institutional BSA cap in m² (1.0-3.0); recorded in ``reasons`` when it
        lowers the BSA.
    bendamustine
        Use Kymriah's bendamustine alternative (tisagenlecleucel only).

    Returns
    -------
    LymphodepletionPlan
        BSA, one entry per drug (mg/m²/day, days relative to infusion, daily and course
        dose in mg), timing, label cell dose, reasons and source.

    Raises
    ------
    InputError
        For an unknown product or formula, implausible height/weight, a cap outside
        1.0-3.0 m², or ``bendamustine=True`` with a product other than tisagenlecleucel.

    Examples
    --------
    >>> plan = lymphodepletion("axi-cel", height_cm=160, weight_kg=90)  # BSA 2.0 m²
    >>> [(d.drug, d.daily_dose_mg, d.days) for d in plan.drugs]
    [('cyclophosphamide', 1000.0, (-5, -4, -3)), ('fludarabine', 60.0, (-5, -4, -3))]

    Sources: Yescarta PI §2.1-2.2; Breyanzi PI §2; Kymriah PI §2 (clinical-protocol.md
    section 3.1, [V]); ASCO (Griggs 2012, update 2021) on capping [V].
    """
    prod = normalize_product(product)
    use_benda = check_bool("bendamustine", bendamustine)
    if use_benda and prod != "tisagenlecleucel":
        raise InputError(
            f"argument 'bendamustine': the bendamustine alternative is in the Kymriah "
            f"(tisagenlecleucel) label only, not for {prod}; use bendamustine=False",
            where="bendamustine",
        )
    f = check_choice("formula", formula, BSA_FORMULAS)
    area = bsa(height_cm, weight_kg, formula=f)
    w = _weight(weight_kg)
    reasons = [f"BSA {area:.2f} m² by {f.capitalize()} from actual body weight"]
    used = area
    capped = False
    if bsa_cap_m2 is not None:
        cap = check_number("bsa_cap_m2", bsa_cap_m2, lo=1.0, hi=3.0, unit="m²")
        if area > cap:
            used, capped = cap, True
            reasons.append(
                f"BSA capped at {cap:g} m² by institutional choice (uncapped {area:.2f} m²); "
                "ASCO recommends full weight-based dosing without a routine cap"
            )
        else:
            reasons.append(f"institutional BSA cap {cap:g} m² not reached")

    sources = [_SOURCE[prod], MOSTELLER_1987 if f == "mosteller" else DUBOIS_1916]
    if bsa_cap_m2 is not None:
        sources.append(GRIGGS_2012)
    regimen = _KYMRIAH_BENDAMUSTINE if use_benda else _REGIMENS[prod]
    earliest, latest = _LAST_DAY[prod]
    drugs = tuple(
        LymphodepletionDrug(
            drug=name,
            mg_per_m2_per_day=mg,
            n_days=n,
            daily_dose_mg=mg * used,
            course_dose_mg=mg * used * n,
            days=_days(n, latest),
            days_earliest=_days(n, earliest),
        )
        for name, mg, n in regimen
    )
    for d in drugs:
        reasons.append(
            f"{d.drug} {d.mg_per_m2_per_day:g} mg/m²/day x {used:.2f} m² = "
            f"{d.daily_dose_mg:.1f} mg/day for {d.n_days} days"
        )
    reasons.append(f"timing: {_TIMING[prod]}")
    if prod == "tisagenlecleucel":
        reasons.append(
            "label: lymphodepletion may be omitted if WBC <= 1 x 10^9/L within 1 week "
            "before infusion"
        )
    reasons.append(
        "renal dose adjustment of fludarabine/cyclophosphamide is not applied: "
        "see those drugs' prescribing information"
    )
    return LymphodepletionPlan(
        product=prod,
        brand=_BRAND[prod],
        bsa_m2=used,
        bsa_uncapped_m2=area,
        bsa_formula=f,
        bsa_capped=capped,
        drugs=drugs,
        last_day_before_infusion=(earliest, latest),
        cell_dose=_cell_dose(prod, w),
        reasons=tuple(reasons),
        source="; ".join(sources),
    )


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
