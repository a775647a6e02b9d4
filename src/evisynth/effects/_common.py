"""What the measure families share: variance types, the zero-cell rule, refusing NA results."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from evisynth._validation import (
    FloatArray,
    check_choice,
    describe,
    first_true,
    fmt_num,
    study_name,
)
from evisynth.errors import InputError

_VTYPES: dict[str, tuple[str, ...]] = {
    "RD": ("LS", "UB", "AV"),
    "PR": ("LS", "UB", "AV"),
    "PLO": ("LS", "AV"),
    "MD": ("LS", "UB", "HO"),
    "SMD": ("LS", "UB", "LS2", "AV"),
    "ROM": ("LS", "HO", "AV", "AVHO"),
    "COR": ("LS", "AV"),
    "UCOR": ("LS", "UB", "AV"),
    "SMDH": ("LS", "LS2"),
    "PCOR": ("LS", "AV"),
}


def _vtypes(code: str, vtype: str | Sequence[str], k: int) -> np.ndarray:
    """Per-study variance types, validated against the measure's choices."""
    choices = _VTYPES.get(code, ("LS",))
    if isinstance(vtype, str):
        raw: list[Any] = [vtype]
    elif isinstance(vtype, list | tuple) or (isinstance(vtype, np.ndarray) and vtype.ndim == 1):
        raw = list(vtype)
    else:
        raise InputError(
            f"argument 'vtype': expected one of {', '.join(choices)} or a list with one per "
            f"study, got {describe(vtype)}",
            where="vtype",
        )
    if len(raw) not in (1, k):
        raise InputError(
            f"argument 'vtype': has {len(raw)} entries but there are {k} studies; "
            "give one vtype or one per study",
            where="vtype",
        )
    out = [check_choice("vtype", v, choices) for v in raw]
    return np.array(out * k if len(out) == 1 else out, dtype=object)


def _check_result(
    code: str,
    yi: FloatArray,
    vi: FloatArray,
    labels: tuple[str, ...] | None,
    why: str,
    *,
    overflow: bool = False,
) -> None:
    """Refuse, naming the study, what metafor would return as NA (or a zero variance).

    ``why`` explains a zero or undefined variance. With ``overflow=True`` (the
    caller has ruled out every other cause of an infinity) an infinite value is
    reported as out of the range of double precision instead.
    """
    i = first_true(~np.isfinite(yi) | ~np.isfinite(vi) | (vi <= 0))
    if i is not None:
        if vi[i] == 0:
            why = "the variance is 0; " + why
        elif overflow and not (np.isnan(yi[i]) or np.isnan(vi[i])):
            why = ("a value is too large for a floating-point number (about 1.8e308); "
                   "rescale the data (e.g. other units)")
        raise InputError(
            f"measure {code!r}, {study_name(i, labels)}: effect size or variance cannot be "
            f"computed (yi = {fmt_num(yi[i])}, vi = {fmt_num(vi[i])}); {why}",
            where="measure",
        )


def _wmean(x: FloatArray, w: FloatArray) -> float:
    return float(np.sum(x * w) / np.sum(w))


def _add_cells(cells: list[FloatArray], add: float, to: str, keep: FloatArray) -> list[FloatArray]:
    """metafor's zero-cell rule: which studies get ``add`` in every cell."""
    zero = np.zeros_like(cells[0], dtype=bool)
    for c in cells:
        zero |= c == 0
    zero &= keep.astype(bool)
    if to == "all":
        mask = np.ones_like(zero)
    elif to == "only0":
        mask = zero
    elif to == "if0all":
        mask = np.full_like(zero, bool(zero.any()))
    else:
        mask = np.zeros_like(zero)
    return [c + add * mask for c in cells]


def _refuse_first(
    bad: np.ndarray,
    labels: tuple[str, ...] | None,
    where: str,
    message: Callable[[int, str], str],
) -> None:
    """Raise for the first study flagged in ``bad``: ``message(i, "study 2 ('Lab')")``."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(message(i, study_name(i, labels)), where=where)
