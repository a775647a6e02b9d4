"""The one place where user-facing inputs are checked.

Every public function converts and checks its inputs through these helpers, so
that every :class:`~evisynth.errors.InputError` has the same shape: the argument
name, the study (index and label when known), what was wrong and what would be
right.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth.errors import InputError

FloatArray = NDArray[np.float64]


def study_name(i: int, labels: Sequence[str] | None) -> str:
    """Describe study ``i`` as ``study 3 ('Smith 2001')`` (1-based, as users count)."""
    if labels is not None and i < len(labels):
        return f"study {i + 1} ({labels[i]!r})"
    return f"study {i + 1}"


def as_labels(labels: Any, k: int | None = None) -> tuple[str, ...] | None:
    """Convert study labels to a tuple of strings, checking their number."""
    if labels is None:
        return None
    out = tuple(str(x) for x in (labels.tolist() if hasattr(labels, "tolist") else labels))
    if k is not None and len(out) != k:
        raise InputError(
            f"argument 'labels': has {len(out)} entries but there are {k} studies; "
            "give one label per study",
            where="labels",
        )
    return out


def as_float_vector(
    name: str,
    value: Any,
    *,
    labels: Sequence[str] | None = None,
    allow_nan: bool = False,
) -> FloatArray:
    """Convert ``value`` to a 1-D float array, rejecting NaN/inf and non-numbers.

    Raises
    ------
    InputError
        If the value is not numeric, not one-dimensional, or holds NaN/inf
        (NaN allowed with ``allow_nan=True``, for optional per-study columns).
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"argument {name!r}: expected numbers, got {value!r:.80} ({exc})", where=name
        ) from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(
            f"argument {name!r}: expected a one-dimensional sequence (one value per study), "
            f"got an array of shape {arr.shape}",
            where=name,
        )
    bad = ~np.isfinite(arr) if not allow_nan else np.isinf(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: value is {arr[i]!r}; "
            "every value must be a finite number",
            where=name,
        )
    return arr


def check_same_length(arrays: dict[str, FloatArray]) -> int:
    """Check that all named arrays have the same length and return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{n}={m}" for n, m in lengths.items())
        raise InputError(
            f"arguments have different lengths ({detail}); give one value per study in each",
            where=",".join(lengths),
        )
    return next(iter(lengths.values()), 0)


def check_positive(
    name: str, arr: FloatArray, *, labels: Sequence[str] | None = None, strict: bool = True
) -> None:
    """Raise if any value is not positive (``strict``) or negative (not ``strict``)."""
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "greater than 0" if strict else "0 or greater"
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: value is {arr[i]:g}; must be {need}",
            where=name,
        )


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive match)."""
    for c in choices:
        if isinstance(value, str) and value.upper() == c.upper():
            return c
    raise InputError(
        f"argument {name!r}: {value!r} is not one of {', '.join(choices)}", where=name
    )


def check_level(level: float) -> float:
    """Confidence level in percent (metafor convention); 0.95 is accepted as 95."""
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise InputError(f"argument 'level': {level!r} is not a number", where="level") from None
    if 0 < lv < 1:
        lv *= 100
    if not 0 < lv < 100:
        raise InputError(
            f"argument 'level': {level!r} must lie between 0 and 100 (e.g. 95)", where="level"
        )
    return lv


# --- scalar checks (bedside tools take single values, not per-study vectors) ---


def _range_text(lo: float | None, hi: float | None, unit: str) -> str:
    u = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"from {lo:g} to {hi:g}{u}"
    if lo is not None:
        return f"{lo:g}{u} or more"
    if hi is not None:
        return f"{hi:g}{u} or less"
    return "any finite number"


def check_number(
    name: str,
    value: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    hint: str = "",
) -> float:
    """Return ``value`` as a finite float within ``[lo, hi]`` (both inclusive).

    ``bool`` is rejected although Python counts it as a number: ``True`` passed
    as a weight is always a mistake.

    Raises
    ------
    InputError
        If the value is not a real number, is NaN/inf, or lies outside the range.
    """
    allowed = _range_text(lo, hi, unit)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InputError(
            f"argument {name!r}: expected a number {allowed}, got {value!r:.60} "
            f"({type(value).__name__})",
            where=name,
        )
    x = float(value)
    if not np.isfinite(x):
        raise InputError(
            f"argument {name!r}: value is {x!r}; expected a finite number {allowed}", where=name
        )
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        extra = f"; {hint}" if hint else ""
        raise InputError(
            f"argument {name!r}: value {x:g} is outside the allowed range {allowed}{extra}",
            where=name,
        )
    return x


def check_int(name: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an int within ``[lo, hi]``; ``bool`` and floats are rejected.

    Raises
    ------
    InputError
        If the value is not an integer (``True``, ``2.0`` and ``"2"`` are not) or is
        outside the range.
    """
    allowed = _range_text(lo, hi, "")
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise InputError(
            f"argument {name!r}: expected a whole number {allowed}, got {value!r:.60} "
            f"({type(value).__name__})",
            where=name,
        )
    n = int(value)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise InputError(
            f"argument {name!r}: value {n} is outside the allowed range {allowed}", where=name
        )
    return n


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False``; 0/1 and strings are rejected.

    Raises
    ------
    InputError
        If the value is not a boolean.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise InputError(
        f"argument {name!r}: expected True or False, got {value!r:.60} ({type(value).__name__})",
        where=name,
    )


def number_from_text(name: str, text: str) -> float | int:
    """Parse a number typed on the command line (an int if it has no decimal part).

    Raises
    ------
    InputError
        If the text is not a finite number.
    """
    s = text.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        x = float(s)
    except ValueError:
        raise InputError(f"option {name}: {text!r} is not a number", where=name) from None
    if not np.isfinite(x):
        raise InputError(f"option {name}: {text!r} is not a finite number", where=name)
    return x
