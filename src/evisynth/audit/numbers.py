"""Numbers as printed: the value, and the interval of true values that print that way.

A printed ``0.55`` is any true value in ``[0.545, 0.555]``; a printed ``78%`` is any
value in ``[77.5, 78.5]``; ``p < 0.001`` is any p-value in ``(0, 0.001)``. Every check
of :mod:`evisynth.audit.checks` works with these intervals, so its tolerance is the
one implied by the digits on the page rather than a fixed epsilon.

Text is first normalised character by character (:func:`normalize`), so that every
span found in the normalised text is also the span in the original text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from evisynth.errors import InputError

__all__ = ["Num", "as_num", "normalize", "parse_number", "parse_p"]

# One character in, one character out: spans stay valid in the original text.
_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u202f\u205f\u3000\ufeff\u00ad"
)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_TABLE = {ord(c): " " for c in _SPACES}
_TABLE.update({ord(c): "-" for c in _DASHES})
_TABLE.update(
    {
        ord("\u2a7e"): "≥",
        ord("\u2a7d"): "≤",
        ord("\u2264"): "≤",
        ord("\u2265"): "≥",
        ord("\uff1c"): "<",
        ord("\uff1e"): ">",
        ord("\uff1d"): "=",
        ord("\u2018"): "'",
        ord("\u2019"): "'",
        ord("\u201c"): '"',
        ord("\u201d"): '"',
        ord("\uff05"): "%",
        ord("\u066a"): "%",
        ord("\t"): " ",
        ord("\r"): " ",
    }
)
# A middle dot (or bullet operator) between digits is a decimal point (Lancet style).
_MIDDOT = re.compile(r"(?<=\d)[\u00b7\u2219\u22c5](?=\d)")


def normalize(text: str) -> str:
    """Map Unicode spaces, dashes, comparison signs and decimal dots to ASCII, 1:1.

    The result has exactly the length of ``text``, so a span found in it is a span
    of ``text``.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        Text of the same length with non-breaking/thin spaces as ``" "``, en/em
        dashes, U+2011 and minus signs as ``"-"``, ``·`` between digits as ``"."``.

    References
    ----------
    Unicode Standard, General Punctuation block (U+2000-U+206F).

    Examples
    --------
    >>> normalize("0\u00b755 (0\u00b742\u20130\u00b771)")
    '0.55 (0.42-0.71)'
    """
    out = text.translate(_TABLE)
    out = _MIDDOT.sub(".", out)
    return out


@dataclass(frozen=True)
class Num:
    """A printed number and the closed interval ``[lo, hi]`` of values that print so.

    Attributes
    ----------
    value
        The number as printed (``0.55``).
    lo, hi
        Smallest and largest true value consistent with the printed digits
        (``0.545``, ``0.555``); for ``p < 0.001`` they are ``0`` and ``0.001``.
    text
        The characters as printed.
    decimals
        Number of printed decimals (negative for a rounded ``1.2 million``-style scale).
    relation
        ``"="``, ``"<"``, ``"<="``, ``">"`` or ``">="`` (p-values, "less than 1%").
    span
        ``(start, end)`` in the audited text, or ``None`` for structured input.
    """

    value: float
    lo: float
    hi: float
    text: str
    decimals: int
    relation: str = "="
    span: tuple[int, int] | None = None

    @property
    def half_unit(self) -> float:
        """Half a unit of the last printed digit (the rounding tolerance)."""
        return 0.5 * 10.0 ** (-self.decimals)

    def interval_text(self) -> str:
        """``[0.545, 0.555]``: the values consistent with the printed digits."""
        return f"[{_g(self.lo)}, {_g(self.hi)}]"

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {
            "value": self.value,
            "lo": self.lo,
            "hi": self.hi,
            "text": self.text,
            "decimals": self.decimals,
            "relation": self.relation,
            "span": list(self.span) if self.span is not None else None,
        }


def _g(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"


_NUM_RE = re.compile(r"^\s*([-+]?)(\d*)(?:[.,](\d+))?\s*$")
_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
}


def parse_number(
    text: str,
    *,
    span: tuple[int, int] | None = None,
    scale: str | None = None,
    rounded_zeros: bool = False,
) -> Num:
    """Parse one printed number into its value and rounding interval.

    Accepts ``0.55``, ``.55``, ``0·55``, ``2,28`` (decimal comma), ``45,000`` and
    ``45 000`` (thousands), a leading ``-``/``−``, and an optional scale word
    (``1.2 million``).

    Parameters
    ----------
    text
        The digits as printed.
    span
        Where they are in the audited text.
    scale
        Optional ``k``, ``thousand``, ``million``, ``m``, ``bn`` or ``billion``.
    rounded_zeros
        Read trailing zeros of a whole number as possibly rounded (``45,000`` as
        ``[44,500, 45,500]``), as amounts of money usually are.

    Returns
    -------
    Num
        With ``lo, hi = value -/+ half a unit of the last printed digit``.

    Raises
    ------
    InputError
        If ``text`` is not a number.

    References
    ----------
    Rounding to the nearest unit of the last digit (ISO 80000-1, Annex B).

    Examples
    --------
    >>> n = parse_number("0.55")
    >>> (n.value, n.lo, n.hi)
    (0.55, 0.545, 0.555)
    >>> parse_number("45,000").value
    45000.0
    >>> parse_number("2,28").value
    2.28
    >>> n = parse_number("45,000", rounded_zeros=True)
    >>> (n.lo, n.hi)
    (44500.0, 45500.0)
    """
    raw = normalize(text)
    s = raw.strip()
    # thousands: 45,000 / 45 000 / 1,234,567 (a comma followed by exactly three digits)
    if re.fullmatch(r"[-+]?\d{1,3}(?:[, ]\d{3})+", s) and not re.fullmatch(r"[-+]?0[, ]\d{3}", s):
        digits = re.sub(r"[, ]", "", s)
        value = float(digits)
        decimals = 0
    else:
        m = _NUM_RE.match(s)
        if m is None or (m.group(2) == "" and m.group(3) is None):
            raise InputError(f"argument 'text': {text!r} is not a number", where="text")
        sign, whole, frac = m.group(1), m.group(2) or "0", m.group(3)
        value = float(f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}")
        decimals = len(frac) if frac else 0
    factor = 1.0
    if scale:
        key = scale.strip().lower().rstrip(".")
        if key not in _SCALES:
            raise InputError(f"argument 'scale': {scale!r} is not a known scale", where="scale")
        factor = _SCALES[key]
    if rounded_zeros and decimals == 0 and value != 0:
        digits = str(int(abs(value)))
        decimals = -(len(digits) - len(digits.rstrip("0")))
    half = 0.5 * 10.0 ** (-decimals)
    value_scaled = value * factor
    lo, hi = (value - half) * factor, (value + half) * factor
    if factor != 1.0:
        decimals -= round(math.log10(factor))
    return Num(value_scaled, _tidy(lo), _tidy(hi), text.strip(), decimals, "=", span)


def _tidy(x: float) -> float:
    # 0.55 - 0.005 is 0.5450000000000000001 in binary; print-friendly rounding.
    return float(f"{x:.12g}")


def parse_p(text: str, relation: str = "=", *, span: tuple[int, int] | None = None) -> Num:
    """Parse a printed p-value with its relation into an interval of p-values.

    ``p = 0.03`` is ``[0.025, 0.035]``; ``p < 0.001`` is ``[0, 0.001]``;
    ``p > 0.05`` is ``[0.05, 1]``; ``p = 0.000`` (a truncated print) is
    ``[0, 0.0005]``.

    Parameters
    ----------
    text
        The number, e.g. ``"0.001"``, ``".04"`` or ``"1e-5"``.
    relation
        ``"="``, ``"<"``, ``"<="``, ``">"``, ``">="`` (``≤``/``≥`` accepted).
    span
        Where the p-value is in the audited text.

    Returns
    -------
    Num
        ``lo`` and ``hi`` clipped to ``[0, 1]``.

    Raises
    ------
    InputError
        If ``text`` is not a number or the relation is unknown.

    References
    ----------
    Rounding to the nearest unit of the last digit (ISO 80000-1, Annex B).

    Examples
    --------
    >>> p = parse_p("0.001", "<")
    >>> (p.lo, p.hi)
    (0.0, 0.001)
    >>> parse_p("0.0100").hi  # four printed decimals, not 0.0 x 10^0
    0.01005
    >>> parse_p("2.1 x 10^-5").value
    2.1e-05
    """
    rel = {"≤": "<=", "≥": ">=", "=<": "<=", "=>": ">="}.get(relation, relation)
    if rel not in ("=", "<", "<=", ">", ">="):
        raise InputError(f"argument 'relation': {relation!r} is not one of =, <, <=, >, >=")
    s = normalize(text).strip()
    m = re.fullmatch(r"(\d*\.?\d+)\s*(?:[x×]\s*10\s*\^?|[eE])\s*([-+−]?\d+)", s)
    if m is not None:
        try:
            value = float(f"{m.group(1)}e{int(m.group(2))}")
            if not math.isfinite(value):
                raise OverflowError
        except (OverflowError, ValueError):
            raise InputError(f"argument 'p': {text!r} is not a p-value") from None
        mant = m.group(1)
        dec = (len(mant.split(".")[1]) if "." in mant else 0) - int(m.group(2))
        num = Num(value, value, value, text.strip(), dec, rel, span)
        half = 0.5 * 10.0 ** (-dec)
    else:
        num = parse_number(s, span=span)
        value, half = num.value, num.half_unit
    if rel == "=":
        lo, hi = max(0.0, value - half), min(1.0, value + half)
        lo = min(lo, hi)
    elif rel in ("<", "<="):
        lo, hi = 0.0, min(1.0, value)
    else:
        lo, hi = max(0.0, value), 1.0
    return Num(value, _tidy(lo), _tidy(hi), num.text, num.decimals, rel, span)


def as_num(name: str, value: Any) -> Num:
    """A structured input (``"0.60"``, ``0.6`` or a :class:`Num`) as a :class:`Num`.

    Strings keep their printed digits (``"0.60"`` has two decimals). A float is read
    through its shortest representation (``0.6`` has one decimal, so the tolerance
    is wider, never narrower, than the printed ``0.60``).

    Parameters
    ----------
    name
        Argument name, for the error message.
    value
        String, real number or :class:`Num`.

    Returns
    -------
    Num

    Raises
    ------
    InputError
        If the value is not a finite number or a numeric string.

    References
    ----------
    Python's shortest round-trip float representation (``repr``).

    Examples
    --------
    >>> as_num("ci_lb", "0.60").decimals
    2
    >>> as_num("ci_lb", 0.6).decimals
    1
    """
    if isinstance(value, Num):
        return value
    if isinstance(value, bool) or value is None:
        raise InputError(f"argument {name!r}: expected a number, got {value!r}", where=name)
    if isinstance(value, str):
        try:
            return parse_number(value)
        except InputError:
            raise InputError(
                f"argument {name!r}: {value!r:.40} is not a number", where=name
            ) from None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"argument {name!r}: expected a number, got {type(value).__name__}", where=name
        ) from None
    if not math.isfinite(x):
        raise InputError(f"argument {name!r}: value is {x!r}; must be finite", where=name)
    r = repr(x)
    if "e" in r or "E" in r:
        mant, ex = r.lower().split("e")
        dec = (len(mant.split(".")[1]) if "." in mant else 0) - int(ex)
        half = 0.5 * 10.0 ** (-dec)
        return Num(x, x - half, x + half, r, dec)
    return parse_number(r)
