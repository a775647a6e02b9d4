"""Two groups, counts: ``RR``, ``OR``, ``RD``, ``AS``, ``PETO`` from 2x2 tables and ``IRR``,
``IRD``, ``IRSD`` from events and person-time, with metafor's zero-cell handling and ``drop00``."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from evisynth._validation import (
    _check_counts,
    _need,
    _two_by_two,
    _vectors,
    as_labels,
    check_positive,
    study_name,
)
from evisynth.effects._common import _add_cells, _check_result, _vtypes, _wmean
from evisynth.effects.sizes import EffectSizes
from evisynth.errors import EvisynthWarning, InputError


def _two_group(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    drop00: bool,
    vtype: str | Sequence[str],
) -> EffectSizes:
    a, b, c, d, labels = _two_by_two(code, given, labels)
    k = a.size
    vt = _vtypes(code, vtype, k)
    keep = _kept(~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0))) if drop00 else
                 np.ones(k, dtype=bool), "no events (or only events)")
    ni = (a + b + c + d)[keep]
    a, b, c, d = _add_cells([a, b, c, d], add, to, keep)
    a, b, c, d, vt = a[keep], b[keep], c[keep], d[keep], vt[keep]
    labs = _subset_labels(labels, keep)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif code == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif code == "AS":
            yi = np.arcsin(np.sqrt(p1)) - np.arcsin(np.sqrt(p2))
            vi = 1 / (4 * n1) + 1 / (4 * n2)
        elif code == "PETO":
            nt = n1 + n2
            vp = (a + c) * (b + d) * (n1 / nt) * (n2 / nt) / (nt - 1)
            yi = (a - (a + c) * n1 / nt) / vp
            vi = 1 / vp
        else:
            yi = p1 - p2
            p1w, p2w = _wmean(p1, n1), _wmean(p2, n2)
            vi = np.select(
                [vt == "UB", vt == "AV"],
                [
                    p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1),
                    p1w * (1 - p1w) / n1 + p2w * (1 - p2w) / n2,
                ],
                p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2,
            )
    return _sizes(
        code, yi, vi, labs, ni, keep, labels,
        f"a zero cell with add={add:g}, to={to!r}; use to='only0' (metafor default) "
        "with add > 0, or drop00=True for studies without events in both groups",
    )  # fmt: skip


def _two_rates(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    drop00: bool,
) -> EffectSizes:
    names = ("x1i", "x2i", "t1i", "t2i")
    _need(code, given, names, "events x1i, x2i and person-times t1i, t2i of both groups")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    _check_counts(arr, ("x1i", "x2i"), labels)
    for n in ("t1i", "t2i"):
        check_positive(n, arr[n], labels=labels)
    x1, x2, t1, t2 = (arr[n] for n in names)
    keep = _kept(~((x1 == 0) & (x2 == 0)) if drop00 else np.ones(k, dtype=bool), "no events")
    ni = (t1 + t2)[keep]  # metafor's ni attribute for rates: total person-time
    x1, x2 = _add_cells([x1, x2], add, to, keep)
    x1, x2, t1, t2 = x1[keep], x2[keep], t1[keep], t2[keep]
    labs = _subset_labels(labels, keep)
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "IRD":
            yi = x1 / t1 - x2 / t2
            vi = x1 / t1 / t1 + x2 / t2 / t2
        elif code == "IRSD":
            yi = np.sqrt(x1 / t1) - np.sqrt(x2 / t2)
            vi = 1 / (4 * t1) + 1 / (4 * t2)
        else:
            yi = np.log(x1 / t1) - np.log(x2 / t2)
            vi = 1 / x1 + 1 / x2
    return _sizes(
        code, yi, vi, labs, ni, keep, labels,
        f"no events in a group with add={add:g}, to={to!r}; use to='only0' with add > 0 "
        "(metafor default), or drop00=True",
    )  # fmt: skip


def _kept(keep: np.ndarray, what: str) -> np.ndarray:
    """``keep`` (the studies ``drop00`` leaves in), refused when it leaves none."""
    if not keep.any():
        raise InputError(
            f"argument 'drop00': every study has {what} in both groups, so none is left; "
            "use drop00=False",
            where="drop00",
        )
    return keep


def _sizes(
    code: str,
    yi: np.ndarray,
    vi: np.ndarray,
    labs: tuple[str, ...] | None,
    ni: np.ndarray,
    keep: np.ndarray,
    labels: tuple[str, ...] | None,
    why: str,
) -> EffectSizes:
    """The effect sizes of the kept studies, refused where NA; a warning names the dropped."""
    _check_result(code, yi, vi, labs, why)
    _warn_dropped(keep, labels)
    return EffectSizes(yi, vi, code, labs, ni, tuple(int(i) for i in np.flatnonzero(~keep)))


def _warn_dropped(keep: np.ndarray, labels: tuple[str, ...] | None) -> None:
    dropped = np.flatnonzero(~keep)
    if dropped.size:
        names = ", ".join(study_name(int(i), labels) for i in dropped)
        warnings.warn(
            f"drop00=True: left out {dropped.size} studies with no events (or only events) "
            f"in both groups: {names}",
            EvisynthWarning,
            stacklevel=5,
        )


def _subset_labels(labels: tuple[str, ...] | None, keep: np.ndarray) -> tuple[str, ...] | None:
    if labels is None:
        return None
    return tuple(lab for lab, k in zip(labels, keep, strict=True) if k)
