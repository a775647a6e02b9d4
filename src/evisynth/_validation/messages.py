"""How input errors show values: numbers, text, any value, and which study."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

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
