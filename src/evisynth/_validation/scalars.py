"""Single values: options, levels, convergence controls, numbers, whole numbers, flags."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evisynth._validation.messages import describe, fmt_num
from evisynth.errors import InputError


def _not_a_number(x: Any) -> bool:
    return isinstance(x, bool | np.bool_ | str | bytes) or not isinstance(x, numbers.Real)


def check_choice(name: str, value: str, choices: Sequence[str],
                 aliases: Mapping[str, str] | None = None) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive match).

    ``aliases`` maps other accepted spellings to a choice (e.g. metafor's ``"EE"``,
    equal effects, to ``"FE"``); the choice is returned.

    Examples
    --------
    >>> check_choice("method", "reml", ("FE", "REML"))
    'REML'
    >>> check_choice("method", "EE", ("FE", "REML"), aliases={"EE": "FE"})
    'FE'
    """
    for c in choices:
        if isinstance(value, str) and value.upper() == c.upper():
            return c
    for alias, c in (aliases or {}).items():
        if isinstance(value, str) and value.upper() == alias.upper():
            return c
    also = "".join(f" ({a} means {c})" for a, c in (aliases or {}).items())
    raise InputError(
        f"argument {name!r}: {describe(value)} is not one of {', '.join(choices)}{also}",
        where=name,
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
