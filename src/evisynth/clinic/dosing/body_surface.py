"""Body surface area (Mosteller, DuBois) and the plausibility limits of height and weight.

Sources: Mosteller 1987 and DuBois 1916 [V]; ASCO (Griggs 2012, update 2021) on
actual body weight [V] (``data/clinic/clinical-protocol.md`` section 4).
"""

from __future__ import annotations

import math
from typing import Any

from evisynth._validation import check_choice, check_number

__all__ = ["BSA_FORMULAS", "HEIGHT_RANGE_CM", "WEIGHT_RANGE_KG", "bsa"]

BSA_FORMULAS: tuple[str, ...] = ("mosteller", "dubois")
# Plausibility limits: they catch metres for centimetres or pounds for kilograms.
HEIGHT_RANGE_CM = (40.0, 250.0)
WEIGHT_RANGE_KG = (1.0, 350.0)
_UNITS_HINT = "give height in cm and weight in kg"


def _measure(name: str, value: Any, limits: tuple[float, float], unit: str) -> float:
    """A height or weight within its plausibility limits, in the unit the tools use."""
    return check_number(name, value, lo=limits[0], hi=limits[1], unit=unit, hint=_UNITS_HINT)


def _height(height_cm: Any) -> float:
    return _measure("height_cm", height_cm, HEIGHT_RANGE_CM, "cm")


def _weight(weight_kg: Any) -> float:
    return _measure("weight_kg", weight_kg, WEIGHT_RANGE_KG, "kg")


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
