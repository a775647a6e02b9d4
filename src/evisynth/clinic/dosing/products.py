"""The CD19 CAR-T products of the labels: generic names, brands and short names.

Sources: the US prescribing information of Yescarta, Breyanzi and Kymriah [V]
(``data/clinic/clinical-protocol.md`` section 3.1).
"""

from __future__ import annotations

import re
from typing import Any

from evisynth.errors import InputError

__all__ = ["PRODUCTS", "normalize_product"]

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

    Examples
    --------
    >>> normalize_product("Axi-cel")
    'axicabtagene ciloleucel'
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
