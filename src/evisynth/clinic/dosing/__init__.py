"""Label dosing: body surface area, label lymphodepletion for CD19 CAR-T products, tocilizumab dose.

Sources (``data/clinic/clinical-protocol.md`` sections 3.1 and 4): the US
prescribing information of Yescarta, Breyanzi and Kymriah [V]; Mosteller 1987 and
DuBois 1916 [V]; ASCO (Griggs 2012, update 2021) on BSA capping [V]; Kymriah PI §2.4,
ASCO 2021 and NCCN CART-6 for tocilizumab [V], with the 3-doses-per-24-h limit [S].
Not encoded because the notes mark them unconfirmed [U]: renal dose adjustment of
fludarabine, the Breyanzi second-line cell dose, and the label steroid tables.

One module per rule: the products and their names (``products``), body surface
area (``body_surface``), the label lymphodepletion regimens (``regimens``) and
the tocilizumab dose with its repeat limits (``tocilizumab``).
"""

from evisynth.clinic.dosing.body_surface import (
    BSA_FORMULAS,
    HEIGHT_RANGE_CM,
    WEIGHT_RANGE_KG,
    bsa,
)
from evisynth.clinic.dosing.products import PRODUCTS, normalize_product
from evisynth.clinic.dosing.regimens import (
    LymphodepletionDrug,
    LymphodepletionPlan,
    lymphodepletion,
)
from evisynth.clinic.dosing.tocilizumab import (
    TOCI_MAX_DOSE_MG,
    TOCI_MAX_DOSES_24H,
    TOCI_MAX_DOSES_TOTAL,
    TOCI_MG_PER_KG,
    TOCI_MG_PER_KG_UNDER_30KG,
    TOCI_MIN_INTERVAL_H,
    TocilizumabDose,
    tocilizumab_dose,
)

__all__ = [
    "BSA_FORMULAS",
    "HEIGHT_RANGE_CM",
    "PRODUCTS",
    "TOCI_MAX_DOSES_24H",
    "TOCI_MAX_DOSES_TOTAL",
    "TOCI_MAX_DOSE_MG",
    "TOCI_MG_PER_KG",
    "TOCI_MG_PER_KG_UNDER_30KG",
    "TOCI_MIN_INTERVAL_H",
    "WEIGHT_RANGE_KG",
    "LymphodepletionDrug",
    "LymphodepletionPlan",
    "TocilizumabDose",
    "bsa",
    "lymphodepletion",
    "normalize_product",
    "tocilizumab_dose",
]
