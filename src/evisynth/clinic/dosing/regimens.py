"""Label lymphodepletion for the CD19 CAR-T products in large B-cell lymphoma.

Sources: Yescarta PI §2.1-2.2, Breyanzi PI §2, Kymriah PI §2
(``data/clinic/clinical-protocol.md`` section 3.1, [V]); ASCO (Griggs 2012, update
2021) on BSA capping [V]. Not encoded because the notes mark them unconfirmed [U]:
renal dose adjustment of fludarabine and the Breyanzi second-line cell dose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_bool, check_choice, check_number
from evisynth.clinic._result import plain
from evisynth.clinic._sources import (
    BREYANZI_PI,
    DUBOIS_1916,
    GRIGGS_2012,
    KYMRIAH_PI,
    MOSTELLER_1987,
    YESCARTA_PI,
)
from evisynth.clinic.dosing.body_surface import BSA_FORMULAS, _weight, bsa
from evisynth.clinic.dosing.products import _BRAND, normalize_product
from evisynth.errors import InputError

__all__ = ["LymphodepletionDrug", "LymphodepletionPlan", "lymphodepletion"]


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
