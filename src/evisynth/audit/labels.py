"""Dosing statements checked against the label rules of :mod:`evisynth.clinic`.

This is the one module of :mod:`evisynth.audit` that knows product and drug names,
and it knows them only through :mod:`evisynth.clinic` (whose rules are CAR-T label
rules by design): the lymphodepletion regimens are read from
:func:`evisynth.clinic.lymphodepletion` at a body surface area of 1 m², the
tocilizumab limits from :func:`evisynth.clinic.tocilizumab_dose` and its module
constants. No dose is copied here.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence

from evisynth.audit.checks import Check, make_check
from evisynth.audit.extraction import Document, Item
from evisynth.audit.numbers import Num
from evisynth.clinic import PRODUCTS, lymphodepletion, tocilizumab_dose
from evisynth.clinic import dosing as _dosing
from evisynth.errors import InputError

__all__ = ["dosing_checks", "label_regimens", "products_named"]

# A BSA of exactly 1 m² (Mosteller: sqrt(100 * 36 / 3600)), so mg/day = mg/m²/day.
_UNIT_BSA = (100.0, 36.0)  # height_cm, weight_kg
_TOCI = "tocilizumab"


@functools.cache
def label_regimens() -> tuple[tuple[str, tuple[tuple[str, float, int], ...]], ...]:
    """Label lymphodepletion regimens as ``(label name, ((drug, mg/m²/day, days), ...))``.

    Returns
    -------
    tuple
        One entry per product of :data:`evisynth.clinic.PRODUCTS`, plus the
        bendamustine alternative where the clinic module has one.

    References
    ----------
    The prescribing information cited by :func:`evisynth.clinic.lymphodepletion`.

    Examples
    --------
    >>> names = [name for name, _ in label_regimens()]
    >>> len(names) >= len(PRODUCTS)
    True
    """
    out = []
    for product in PRODUCTS:
        for benda in (False, True):
            try:
                plan = lymphodepletion(product, _UNIT_BSA[0], _UNIT_BSA[1], bendamustine=benda)
            except InputError:
                continue
            name = f"{plan.brand} ({plan.product})" + (" bendamustine option" if benda else "")
            out.append((name, tuple((d.drug, d.mg_per_m2_per_day, d.n_days) for d in plan.drugs)))
    return tuple(out)


@functools.cache
def _label_drugs() -> frozenset[str]:
    return frozenset(d for _, reg in label_regimens() for d, _, _ in reg)


def products_named(text: str) -> tuple[str, ...]:
    """Generic names of the clinic module's products named in ``text`` (in order).

    Examples
    --------
    >>> products_named("patients received axi-cel")
    ('axicabtagene ciloleucel',)
    """
    found: list[str] = []
    tokens = re.findall(r"[A-Za-z]+", text)
    cands = [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]
    for c in cands:
        if len(c) < 5:
            continue
        try:
            p = _dosing.normalize_product(c)
        except InputError:
            continue
        if p not in found:
            found.append(p)
    return tuple(found)


def _regimen_matches(stated: dict[str, tuple[float, int | None]]) -> list[str]:
    out = []
    for name, reg in label_regimens():
        if set(stated) != {d for d, _, _ in reg}:
            continue
        if all(
            abs(stated[d][0] - mg) < 1e-9 and (stated[d][1] is None or stated[d][1] == n)
            for d, mg, n in reg
        ):
            out.append(name)
    return out


def _label_text() -> str:
    return "; ".join(
        f"{name}: " + " + ".join(f"{d} {mg:g} mg/m²/day x {n} days" for d, mg, n in reg)
        for name, reg in label_regimens()
    )


def dosing_checks(doc: Document, items: Sequence[Item]) -> list[Check]:
    """Check lymphodepletion regimens and tocilizumab doses found in a document.

    Rules: ``lymphodepletion-label`` (the mg/m²/day of the label drugs stated in one
    paragraph form a regimen of some label, and of the product named there, if any)
    and ``tocilizumab-label`` (mg/kg is the clinic module's 8, or 12 under 30 kg; a
    dose in mg or a stated maximum is at most the per-dose cap; with a stated weight,
    the dose is at most :func:`~evisynth.clinic.tocilizumab_dose`'s).

    Parameters
    ----------
    doc
        The extracted document.
    items
        Its ``dose`` and ``weight`` items.

    Returns
    -------
    list of Check
        Severity ``implausible`` for a regimen or dose off label.

    References
    ----------
    US prescribing information of the products in :data:`evisynth.clinic.PRODUCTS`
    (see :mod:`evisynth.clinic.dosing`).

    Examples
    --------
    >>> from evisynth.audit.extraction import extract
    >>> d = extract("Tocilizumab 8 mg/kg was given (maximum 1200 mg).")
    >>> [c.passed for c in dosing_checks(d, d.items)]
    [True, False]
    """
    out: list[Check] = []
    doses = [i for i in items if i.kind == "dose"]
    weights = [i for i in items if i.kind == "weight"]
    # --- lymphodepletion: label drugs in mg/m² per paragraph
    by_para: dict[int, list[Item]] = {}
    for d in doses:
        if d.attr("drug") in _label_drugs() and d.attr("unit") == "mg/m2":
            by_para.setdefault(doc.paragraph(d.span[0]), []).append(d)
    for para, ds in by_para.items():
        stated: dict[str, tuple[float, int | None]] = {}
        days_all = [d.attr("days") for d in ds if d.attr("days")]
        for d in ds:
            drug = d.attr("drug") or ""
            dose = d.num("dose")
            days = d.attr("days") or (days_all[-1] if days_all else None)
            if dose is not None:
                stated[drug] = (dose.value, int(float(days)) if days else None)
        p0 = doc.paragraph_starts[para]
        p1 = (
            doc.paragraph_starts[para + 1]
            if para + 1 < len(doc.paragraph_starts)
            else len(doc.norm)
        )
        named = products_named(doc.norm[p0:p1])
        matches = _regimen_matches(stated)
        desc = " + ".join(
            f"{k} {v:g} mg/m²" + (f" x {n} days" if n else "") for k, (v, n) in stated.items()
        )
        spans = [d.span for d in ds]
        if named:
            ok_names = [m for m in matches if any(p in m for p in named)]
            if ok_names:
                out.append(
                    make_check(
                        "lymphodepletion-label",
                        True,
                        "implausible",
                        f"{desc} is the label regimen of {ok_names[0]}",
                        spans=spans,
                    )
                )
            else:
                other = f"; it is the label regimen of {matches[0]}" if matches else ""
                out.append(make_check(
                    "lymphodepletion-label", False, "implausible",
                    f"{desc} is not the label regimen of {', '.join(named)}{other} "
                    f"(labels: {_label_text()})",
                    spans=spans,
                ))  # fmt: skip
        elif matches:
            out.append(
                make_check(
                    "lymphodepletion-label",
                    True,
                    "implausible",
                    f"{desc} is the label regimen of {matches[0]}",
                    spans=spans,
                )
            )
        else:
            out.append(make_check(
                "lymphodepletion-label", False, "implausible",
                f"{desc} matches no product label (labels: {_label_text()})", spans=spans,
            ))  # fmt: skip
    # --- tocilizumab
    cap = _dosing.TOCI_MAX_DOSE_MG
    per_kg = (_dosing.TOCI_MG_PER_KG, _dosing.TOCI_MG_PER_KG_UNDER_30KG)
    last_toci: Item | None = None
    for d in doses:
        drug = d.attr("drug") or ""
        dose = d.num("dose")
        if dose is None:
            continue
        is_cap = False
        if drug == _TOCI:
            last_toci = d
        elif (last_toci is not None and d.span[0] - last_toci.span[1] < 40
              and re.match(r"(?i)max|up\b|cap", drug)):  # fmt: skip
            is_cap = True
        else:
            continue
        unit = d.attr("unit")
        if unit == "mg/kg":
            ok = any(abs(dose.value - v) < 1e-9 for v in per_kg)
            out.append(make_check(
                "tocilizumab-label", ok, "implausible",
                f"tocilizumab {dose.text} mg/kg" + (" is a label dose" if ok else
                f" is not a label dose ({per_kg[0]:g} mg/kg, {per_kg[1]:g} mg/kg under 30 kg)"),
                nums=(dose,),
            ))  # fmt: skip
            wk = _stated_weight(weights, d) if ok else None
            if wk is not None:
                label = tocilizumab_dose(wk.value)
                ok2 = abs(label.mg_per_kg - dose.value) < 1e-9
                out.append(make_check(
                    "tocilizumab-label", ok2, "implausible",
                    f"tocilizumab {dose.text} mg/kg for {wk.text} kg; the label gives "
                    f"{label.mg_per_kg:g} mg/kg at this weight",
                    nums=(dose, wk),
                ))  # fmt: skip
        elif unit == "mg":
            ok = dose.value <= cap
            what = "a stated maximum of" if is_cap else "a dose of"
            out.append(make_check(
                "tocilizumab-label", ok, "implausible",
                f"tocilizumab {what} {dose.text} mg" + ("" if ok else
                f" is above the label cap of {cap:g} mg per dose"),
                nums=(dose,),
            ))  # fmt: skip
            wk = _stated_weight(weights, d) if ok and not is_cap else None
            if wk is not None:
                label = tocilizumab_dose(wk.value)
                ok2 = dose.value <= label.dose_mg + 0.5
                out.append(make_check(
                    "tocilizumab-label", ok2, "implausible",
                    f"tocilizumab {dose.text} mg for {wk.text} kg; the label dose is "
                    f"{label.dose_mg:g} mg",
                    nums=(dose, wk),
                ))  # fmt: skip
    return out


def _stated_weight(weights: Sequence[Item], d: Item) -> Num | None:
    """The body weight stated nearest the dose ``d`` (within 200 characters), if plausible."""
    w = _nearest(weights, d)
    wk = None if w is None else w.num("weight_kg")
    return wk if wk is not None and 1 <= wk.value <= 350 else None


def _nearest(weights: Sequence[Item], d: Item) -> Item | None:
    best = None
    for w in weights:
        gap = abs(w.span[0] - d.span[0])
        if gap < 200 and (best is None or gap < abs(best.span[0] - d.span[0])):
            best = w
    return best
