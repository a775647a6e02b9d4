"""Per-study sequences: labels, numeric vectors and tables, equal lengths, signs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evisynth._validation.messages import describe, fmt_num, study_name
from evisynth._validation.scalars import _not_a_number
from evisynth.errors import InputError

FloatArray = NDArray[np.float64]


def first_true(mask: NDArray[np.bool_]) -> int | None:
    """Index of the first ``True`` entry of ``mask`` (the study a message names), else ``None``.

    Examples
    --------
    >>> first_true(np.array([False, True, True])), first_true(np.zeros(2, dtype=bool))
    (1, None)
    """
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def reject_first(
    bad: NDArray[np.bool_],
    name: str,
    labels: Sequence[str] | None,
    what: Callable[[int], str],
    *,
    unit: str = "study",
) -> None:
    """Raise ``argument 'name', study i (label): what(i)`` for the first ``bad`` study.

    Raises
    ------
    InputError
        If any entry of ``bad`` is ``True``; ``where`` is ``name``.

    Examples
    --------
    >>> reject_first(np.array([False]), "vi", None, lambda i: "negative")  # nothing to reject
    """
    i = first_true(bad)
    if i is not None:
        raise InputError(f"argument {name!r}, {study_name(i, labels, unit)}: {what(i)}",
                         where=name)


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
    reject_first(~np.isfinite(arr) if not allow_nan else np.isinf(arr), name, labels,
                 lambda i: f"value is {fmt_num(arr[i])}; every value must be a finite number",
                 unit=unit)
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
    need = "greater than 0" if strict else "0 or greater"
    reject_first(arr <= 0 if strict else arr < 0, name, labels,
                 lambda i: f"value is {fmt_num(arr[i])}; must be {need}")
