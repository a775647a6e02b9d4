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
    check_positive,
    check_same_length,
)
from evisynth._validation.messages import fmt_num, study_name
from evisynth._validation.scalars import check_choice, check_number
from evisynth.errors import EvisynthWarning, InputError

_TO = ("all", "only0", "if0all", "none")


# metafor leaves PAS/PFT uncorrected unless 'add' is given explicitly: both
# transforms are finite at 0 and 1.
_NO_ADD_BY_DEFAULT = ("PAS", "PFT")


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
    arrays: dict[str, FloatArray], names: Sequence[str], labels: tuple[str, ...] | None
) -> None:
    """Counts must be from 0 to :data:`MAX_COUNT`; non-integer counts are accepted
    with a warning."""
    for n in names:
        if n in arrays:
            check_positive(n, arrays[n], labels=labels, strict=False)
            big = arrays[n] > MAX_COUNT
            if big.any():
                i = int(np.flatnonzero(big)[0])
                raise InputError(
                    f"argument {n!r}, {study_name(i, labels)}: count {fmt_num(arrays[n][i])} "
                    f"is above {MAX_COUNT:.0e}, beyond which counts are not exact in double "
                    "precision; check the data",
                    where=n,
                )
    for n in names:
        if n in arrays:
            frac = arrays[n] != np.round(arrays[n])
            if frac.any():
                i = int(np.flatnonzero(frac)[0])
                warnings.warn(
                    f"argument {n!r}, {study_name(i, labels)}: count {arrays[n][i]:g} is not a "
                    "whole number; it is used as given (metafor does the same)",
                    EvisynthWarning,
                    stacklevel=4,
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
        over = ev > tot
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise InputError(
                f"argument {ev_name!r}, {study_name(i, labels)}: {ev[i]:g} events exceed the "
                f"group size {tot_name}={tot[i]:g}; events must be at most the group size",
                where=ev_name,
            )
        if rest_name in arrays:
            bad = arrays[rest_name] != tot - ev
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"argument {tot_name!r}, {study_name(i, labels)}: {tot_name}={tot[i]:g} is "
                    f"not {ev_name} + {rest_name} = {ev[i] + arrays[rest_name][i]:g}; give "
                    "consistent numbers or only one of them",
                    where=tot_name,
                )
        return tot - ev
    return arrays[rest_name]


def _check_group_size(name: str, n: FloatArray, labels: tuple[str, ...] | None) -> None:
    bad = n <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
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
