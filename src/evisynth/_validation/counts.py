"""Counts, shared by ``escalc`` and the Mantel-Haenszel/Peto pools: required
arguments, the zero-cell options, count ranges, events against group sizes."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from evisynth._validation.arrays import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_positive,
    check_same_length,
    first_true,
    reject_first,
)
from evisynth._validation.messages import fmt_num, study_name
from evisynth._validation.scalars import check_choice, check_number
from evisynth.errors import EvisynthWarning, InputError

_TO = ("all", "only0", "if0all", "none")


# metafor leaves PAS/PFT/AS/IRSD uncorrected unless 'add' is given explicitly: all
# four are finite at 0 (and 1).
_NO_ADD_BY_DEFAULT = ("PAS", "PFT", "AS", "IRSD")


def _need(code: str, given: dict[str, Any], names: Sequence[str], how: str) -> None:
    missing = [a for a in names if a not in given]
    if missing:
        raise InputError(
            f"measure {code!r} needs {how}; missing: {', '.join(missing)}",
            where=",".join(missing),
        )


def _check_add_to(code: str, add: float | None, to: str) -> tuple[float, str]:
    to_ = check_choice("to", to, _TO)
    if add is None:
        return (0.0 if code in _NO_ADD_BY_DEFAULT else 0.5), to_
    a = check_number("add", add, lo=0.0, hint="give a number >= 0 (metafor's default is 1/2)")
    return a, to_


def _vectors(
    given: dict[str, Any], names: Sequence[str], labels: tuple[str, ...] | None
) -> tuple[dict[str, FloatArray], int]:
    arrays = {n: as_float_vector(n, given[n], labels=labels) for n in names if n in given}
    k = check_same_length(arrays)
    return arrays, k


MAX_COUNT = 1e15
"""Largest accepted count or group size (whole numbers are exact below 2**53, about 9e15)."""


def _check_counts(
    arrays: dict[str, FloatArray],
    names: Sequence[str],
    labels: tuple[str, ...] | None,
    stacklevel: int = 4,
) -> None:
    """Counts must be from 0 to :data:`MAX_COUNT`; non-integer counts are accepted
    with a warning (``stacklevel`` points it at the user's call)."""
    for n in names:
        if n in arrays:
            check_positive(n, arrays[n], labels=labels, strict=False)
            i = first_true(arrays[n] > MAX_COUNT)
            if i is not None:
                raise InputError(
                    f"argument {n!r}, {study_name(i, labels)}: count {fmt_num(arrays[n][i])} "
                    f"is above {MAX_COUNT:.0e}, beyond which counts are not exact in double "
                    "precision; check the data",
                    where=n,
                )
    for n in names:
        if n in arrays:
            i = first_true(arrays[n] != np.round(arrays[n]))
            if i is not None:
                warnings.warn(
                    f"argument {n!r}, {study_name(i, labels)}: count {arrays[n][i]:g} is not a "
                    "whole number; it is used as given (metafor does the same)",
                    EvisynthWarning,
                    stacklevel=stacklevel,
                )


def _events_and_rest(
    ev_name: str,
    rest_name: str,
    tot_name: str,
    arrays: dict[str, FloatArray],
    labels: tuple[str, ...] | None,
) -> FloatArray:
    """Non-events from the total when only the total is given; check consistency."""
    ev = arrays[ev_name]
    if tot_name in arrays:
        tot = arrays[tot_name]
        reject_first(ev > tot, ev_name, labels, lambda i: (
            f"{ev[i]:g} events exceed the group size {tot_name}={tot[i]:g}; events must be "
            "at most the group size"))
        if rest_name in arrays:
            rest = arrays[rest_name]
            reject_first(rest != tot - ev, tot_name, labels, lambda i: (
                f"{tot_name}={tot[i]:g} is not {ev_name} + {rest_name} = {ev[i] + rest[i]:g}; "
                "give consistent numbers or only one of them"))
        return tot - ev
    return arrays[rest_name]


def _check_group_size(name: str, n: FloatArray, labels: tuple[str, ...] | None) -> None:
    i = first_true(n <= 0)
    if i is not None:
        # ``name`` is an argument ("n1i") or a sum of two ("ai+bi"): name each argument.
        parts = name.split("+")
        which = (f"argument {parts[0]!r}" if len(parts) == 1 else
                 "arguments " + " and ".join(repr(p) for p in parts))
        size = "group size" if len(parts) == 1 else f"group size {' + '.join(parts)}"
        raise InputError(
            f"{which}, {study_name(i, labels)}: {size} is {n[i]:g}; "
            "each group needs at least one participant",
            where=parts[0],
        )


def _two_by_two(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, *, empty: str | None = None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, tuple[str, ...] | None]:
    """The counts ``a, b, c, d`` of 2x2 tables, checked (escalc's two-group measures and
    the Mantel-Haenszel/Peto pools).

    ``given`` holds the arguments passed (``ai``, ``ci`` and ``bi``, ``di`` or the group
    sizes ``n1i``, ``n2i``); ``labels`` come from :func:`as_labels`. With ``empty``, no
    tables at all raise that message. Returns ``a, b, c, d`` and the labels, checked
    against the number of tables.

    Raises
    ------
    InputError
        If an argument is missing, a count is negative, too large or larger than its
        group, totals disagree, or a group is empty.
    """
    how = "ai, ci and either bi, di or n1i, n2i (group sizes)"
    _need(code, given, ("ai", "ci"), how)
    if "bi" not in given and "n1i" not in given:
        _need(code, given, ("bi",), how + " (give bi or n1i)")
    if "di" not in given and "n2i" not in given:
        _need(code, given, ("di",), how + " (give di or n2i)")
    names = ("ai", "bi", "ci", "di", "n1i", "n2i")
    arrays, k = _vectors(given, names, labels)
    if empty is not None and k < 1:
        raise InputError(empty, where="ai")
    labels = as_labels(labels, k)
    _check_counts(arrays, names, labels, stacklevel=5)
    a, c = arrays["ai"], arrays["ci"]
    b = _events_and_rest("ai", "bi", "n1i", arrays, labels)
    d = _events_and_rest("ci", "di", "n2i", arrays, labels)
    _check_group_size("n1i" if "n1i" in arrays else "ai+bi", a + b, labels)
    _check_group_size("n2i" if "n2i" in arrays else "ci+di", c + d, labels)
    return a, b, c, d, labels
