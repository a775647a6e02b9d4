"""The one place where user-facing inputs are checked.

Every public function converts and checks its inputs through these helpers, so
that every :class:`~evisynth.errors.InputError` has the same shape: the argument
name, the study (index and label when known), what was wrong and what would be
right.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth.errors import EvisynthWarning, InputError

FloatArray = NDArray[np.float64]


MAX_ECHO = 60
"""Longest piece of user text (a cell, a label, a path) echoed in a message."""


def fmt_num(x: Any) -> str:
    """Format a number for a message: ``1.5``, ``1e+300``, ``inf``, ``nan`` (never a repr).

    Examples
    --------
    >>> fmt_num(np.float64(np.inf)), fmt_num(0.25), fmt_num(10**400)
    ('inf', '0.25', 'a whole number of 401 digits')
    """
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        n = int(x)
        digits = len(str(abs(n)))
        return str(n) if digits <= 20 else f"a whole number of {digits} digits"
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError, OverflowError):
        return describe(x)


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` on one line (control characters shown as ``?``), cut to ``limit`` characters."""
    one = "".join(c if c.isprintable() else "?" for c in str(text))
    return one if len(one) <= limit else one[: limit - 3] + "..."


def describe(value: Any, limit: int = MAX_ECHO) -> str:
    """One-line description of any value for a message: short repr of text and
    numbers, ``an array of shape (2, 3)`` for arrays, else the type name."""
    if isinstance(value, str):
        return repr(shorten(value, limit))
    if isinstance(value, bytes):
        return f"bytes {shorten(repr(value), limit)}"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Real):
        return fmt_num(value)
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def study_name(i: int, labels: Sequence[str] | None, unit: str = "study") -> str:
    """Describe study ``i`` as ``study 3 ('Smith 2001')`` (1-based, as users count)."""
    if labels is not None and i < len(labels):
        return f"{unit} {i + 1} ({shorten(labels[i])!r})"
    return f"{unit} {i + 1}"


def as_labels(labels: Any, k: int | None = None) -> tuple[str, ...] | None:
    """Convert study labels to a tuple of strings, checking their number.

    A single string is refused (it would become one label per character).
    """
    if labels is None:
        return None
    if isinstance(labels, str | bytes):
        raise InputError(
            f"argument 'labels': got the single text {describe(labels)}; give a sequence "
            "with one label per study",
            where="labels",
        )
    try:
        seq = labels.tolist() if hasattr(labels, "tolist") else list(labels)
        if not isinstance(seq, list):
            raise TypeError
    except TypeError:
        raise InputError(
            f"argument 'labels': expected a sequence of labels, got {describe(labels)}",
            where="labels",
        ) from None
    out = tuple(str(x) for x in seq)
    if k is not None and len(out) != k:
        raise InputError(
            f"argument 'labels': has {len(out)} entries but there are {k} studies; "
            "give one label per study",
            where="labels",
        )
    return out


def _not_a_number(x: Any) -> bool:
    return isinstance(x, bool | np.bool_ | str | bytes) or not isinstance(x, numbers.Real)


def as_float_vector(
    name: str,
    value: Any,
    *,
    labels: Sequence[str] | None = None,
    allow_nan: bool = False,
    allow_bool: bool = False,
    unit: str = "study",
) -> FloatArray:
    """Convert ``value`` to a 1-D float array, rejecting NaN/inf and non-numbers.

    Booleans, strings and bytes are refused, not coerced (``True`` is not 1 and
    ``"3"`` is not 3 here); ``allow_bool=True`` accepts booleans (event
    indicators). Integers too large for a float are refused. ``unit`` names an
    element in messages (``"study"``, ``"subject"``).

    Raises
    ------
    InputError
        If the value is not numeric, not one-dimensional, or holds NaN/inf
        (NaN allowed with ``allow_nan=True``, for optional per-study columns).
    """
    if isinstance(value, str | bytes):
        raise InputError(
            f"argument {name!r}: expected numbers (one per {unit}), got the text "
            f"{describe(value)}",
            where=name,
        )
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raw = None
    if raw is not None and raw.dtype.kind in "iuf" and not isinstance(value, np.ndarray) \
            and isinstance(value, list | tuple):
        # numpy silently turns [True, 2] into [1, 2]: look at the elements themselves.
        for i, x in enumerate(value):
            if isinstance(x, bool | np.bool_) and not allow_bool:
                raise InputError(
                    f"argument {name!r}, {study_name(i, labels, unit)}: expected numbers, "
                    f"got {x} (bool)",
                    where=name,
                )
    if raw is None or raw.dtype.kind not in "biuf":
        seq = raw.ravel().tolist() if raw is not None and raw.ndim else None
        if raw is not None and raw.ndim == 0:
            seq = [raw.item()]
        if seq is None:
            try:
                seq = list(value)
            except TypeError:
                seq = [value]
        for i, x in enumerate(seq):
            if x is None or (not isinstance(x, bool | np.bool_) and _is_na(x)):
                if allow_nan:
                    continue
                raise InputError(
                    f"argument {name!r}, {study_name(i, labels, unit)}: value is missing; "
                    "every value must be a finite number",
                    where=name,
                )
            if _not_a_number(x) and not (allow_bool and isinstance(x, bool | np.bool_)):
                raise InputError(
                    f"argument {name!r}, {study_name(i, labels, unit)}: expected numbers, "
                    f"got {describe(x)} ({type(x).__name__})",
                    where=name,
                )
    elif raw.dtype.kind == "b" and not allow_bool:
        raise InputError(
            f"argument {name!r}: expected numbers, got True/False values; "
            "give the numbers themselves (e.g. 1 and 0)",
            where=name,
        )
    try:
        arr = np.asarray(value if raw is None or raw.dtype.kind != "O" else
                         [np.nan if x is None or _is_na(x) else x for x in raw.ravel()],
                         dtype=np.float64)
        if raw is not None and raw.dtype.kind == "O":
            arr = arr.reshape(raw.shape)
    except OverflowError:
        raise InputError(
            f"argument {name!r}: a value is too large for a floating-point number "
            "(more than about 1.8e308); rescale the data",
            where=name,
        ) from None
    except (TypeError, ValueError):
        raise InputError(
            f"argument {name!r}: expected a sequence of numbers (one per {unit}), got "
            f"{describe(value)}",
            where=name,
        ) from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(
            f"argument {name!r}: expected a one-dimensional sequence (one value per {unit}), "
            f"got an array of shape {arr.shape}",
            where=name,
        )
    bad = ~np.isfinite(arr) if not allow_nan else np.isinf(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"argument {name!r}, {study_name(i, labels, unit)}: value is {fmt_num(arr[i])}; "
            "every value must be a finite number",
            where=name,
        )
    return arr


def as_float_matrix(
    name: str, value: Any, *, rows: int, unit: str = "subject", allow_bool: bool = False
) -> FloatArray:
    """Convert ``value`` to a 2-D float array with ``rows`` rows (1-D becomes one column).

    Every column is checked as :func:`as_float_vector` checks a vector.

    Raises
    ------
    InputError
        If the value is not numeric (booleans, text), has another number of rows,
        or holds NaN/inf.
    """
    if isinstance(value, str | bytes):
        raise InputError(
            f"argument {name!r}: expected numbers (one row per {unit}), got the text "
            f"{describe(value)}",
            where=name,
        )
    if hasattr(value, "columns") and hasattr(value, "__getitem__"):
        cols = [value[c] for c in value.columns]
    else:
        try:
            raw = np.asarray(value) if not isinstance(value, list | tuple) else None
        except (TypeError, ValueError, OverflowError):
            raw = None
        if raw is not None and raw.ndim == 2:
            cols = [raw[:, j] for j in range(raw.shape[1])]
        elif raw is not None and raw.ndim == 1:
            cols = [raw]
        elif isinstance(value, list | tuple) and value and all(
                isinstance(r, list | tuple) for r in value):
            width = {len(r) for r in value}
            if len(width) != 1:
                raise InputError(
                    f"argument {name!r}: rows have different lengths ({sorted(width)})",
                    where=name,
                )
            cols = [[r[j] for r in value] for j in range(width.pop())]
        elif isinstance(value, list | tuple):
            cols = [value]
        else:
            raise InputError(
                f"argument {name!r}: expected a table of numbers, got {describe(value)}",
                where=name,
            )
    out = [as_float_vector(name, c, allow_bool=allow_bool, unit=unit) for c in cols]
    for c in out:
        if len(c) != rows:
            raise InputError(
                f"argument {name!r}: expected {rows} rows (one per {unit}), got {len(c)}",
                where=name,
            )
    if not out:
        raise InputError(f"argument {name!r}: has no columns", where=name)
    return np.column_stack(out)


def _is_na(x: Any) -> bool:
    """True for float NaN and pandas' NA/NaT (without importing pandas)."""
    if isinstance(x, float | np.floating):
        return bool(np.isnan(x))
    return type(x).__name__ in ("NAType", "NaTType")


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
            f"argument {name!r}, {study_name(i, labels)}: value is {fmt_num(arr[i])}; "
            f"must be {need}",
            where=name,
        )


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive match)."""
    for c in choices:
        if isinstance(value, str) and value.upper() == c.upper():
            return c
    raise InputError(
        f"argument {name!r}: {describe(value)} is not one of {', '.join(choices)}", where=name
    )


def check_level(level: Any) -> float:
    """Confidence level in percent (metafor convention); 0.95 is accepted as 95.

    Raises
    ------
    InputError
        If ``level`` is not a real number (``True`` and ``"95"`` are not) or does
        not lie strictly between 0 and 100.
    """
    if _not_a_number(level):
        raise InputError(
            f"argument 'level': expected a number between 0 and 100 (e.g. 95), got "
            f"{describe(level)} ({type(level).__name__})",
            where="level",
        )
    try:
        lv = float(level)
    except OverflowError:
        lv = float("inf")
    if 0 < lv < 1:
        lv *= 100
    if not 0 < lv < 100:
        raise InputError(
            f"argument 'level': {fmt_num(level)} must lie between 0 and 100 (e.g. 95)",
            where="level",
        )
    return lv


TOL_RANGE = (1e-15, 1e-2)
MAXITER_MAX = 100_000


def check_control(tol: Any, maxiter: Any) -> tuple[float, int]:
    """Check the convergence controls of the iterative estimators.

    ``tol`` is relative (see :mod:`evisynth.engine.tau2`), so it must lie in
    ``[1e-15, 0.01]``: smaller cannot be met in double precision, larger
    reports an unconverged value as converged. ``maxiter`` is a whole number
    from 1 to 100000.

    Raises
    ------
    InputError
        If either is not a number of that kind and range.
    """
    t = check_number("tol", tol, lo=TOL_RANGE[0], hi=TOL_RANGE[1],
                     hint="the default 1e-10 suits almost every analysis")
    m = check_int("maxiter", maxiter, lo=1, hi=MAXITER_MAX)
    return t, m


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
    if isinstance(value, float) and (lo is None or value >= lo) and (hi is None or value <= hi) \
            and value - value == 0.0:
        return float(value) if isinstance(value, float) else value  # the common case
    allowed = _range_text(lo, hi, unit)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InputError(
            f"argument {name!r}: expected a number {allowed}, got {describe(value)} "
            f"({type(value).__name__})",
            where=name,
        )
    try:
        x = float(value)
    except OverflowError:
        x = float("inf") if str(value)[:1] != "-" else float("-inf")
    if not np.isfinite(x):
        raise InputError(
            f"argument {name!r}: value is {fmt_num(value)}; expected a finite number {allowed}",
            where=name,
        )
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        extra = f"; {hint}" if hint else ""
        raise InputError(
            f"argument {name!r}: value {fmt_num(x)} is outside the allowed range {allowed}{extra}",
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
    if type(value) is int and (lo is None or value >= lo) and (hi is None or value <= hi):
        return value  # the common case, checked without building any message
    allowed = _range_text(lo, hi, "")
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise InputError(
            f"argument {name!r}: expected a whole number {allowed}, got {describe(value)} "
            f"({type(value).__name__})",
            where=name,
        )
    n = int(value)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise InputError(
            f"argument {name!r}: value {fmt_num(n)} is outside the allowed range {allowed}",
            where=name,
        )
    return n


def check_whole(name: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> int:
    """Return a whole number given as an int or as a float with no fractional part
    (``10.0`` from a table is 10); ``bool``, text, NaN and infinities are rejected.

    Raises
    ------
    InputError
        If the value is not a whole number or is outside ``[lo, hi]``.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) \
            and not isinstance(value, numbers.Integral):
        x = float(value)
        if not np.isfinite(x) or x != int(x):
            raise InputError(
                f"argument {name!r}: expected a whole number {_range_text(lo, hi, '')}, "
                f"got {fmt_num(x)}",
                where=name,
            )
        value = int(x)
    return check_int(name, value, lo=lo, hi=hi)


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
        f"argument {name!r}: expected True or False, got {describe(value)} "
        f"({type(value).__name__})",
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
        raise InputError(
            f"option {name}: {describe(text)} is not a number", where=name
        ) from None
    if not np.isfinite(x):
        raise InputError(f"option {name}: {describe(text)} is not a finite number", where=name)
    return x


# --- counts (escalc and the Mantel-Haenszel/Peto pools) ---


_TO = ("all", "only0", "if0all", "none")


# metafor leaves PAS/PFT uncorrected unless 'add' is given explicitly: both
# transforms are finite at 0 and 1.
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
