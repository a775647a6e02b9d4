"""Correlations: raw ``COR``, bias-corrected ``UCOR`` and Fisher's z ``ZCOR`` from ``ri, ni``.

References
----------
Olkin I, Pratt JW (1958). Unbiased estimation of certain correlation
coefficients. Ann Math Stat 29(1):201-211 (``UCOR`` and its unbiased variance).

Fisher RA (1921). On the "probable error" of a coefficient of correlation
deduced from a small sample. Metron 1:3-32 (``ZCOR``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import hyp2f1

from evisynth._validation import (
    FloatArray,
    _check_counts,
    _need,
    _vectors,
    as_labels,
    check_positive,
    fmt_num,
)
from evisynth.effects._common import _check_result, _refuse_first, _vtypes, _wmean
from evisynth.effects.sizes import EffectSizes

#: Smallest sample size (exclusive) each measure needs: the variance has ``ni - 3``
#: in a denominator (metafor sets it NA for ``ni <= 3``); UCOR's correction needs
#: the hypergeometric series with ``(ni - 2)/2 > 1``.
_MIN_N = {"COR": 3.0, "ZCOR": 3.0, "UCOR": 4.0}


def _hyp2f1(a: float, b: float, c: FloatArray, x: FloatArray) -> FloatArray:
    """Gauss' hypergeometric ``2F1(a, b; c; x)`` for ``0 <= x <= 1``, ``c > a + b``.

    scipy's ``hyp2f1`` returns NaN for large ``c`` near ``x = 1`` (``c`` about 100
    and up), the sample sizes of most studies; there the power series converges
    in a few dozen terms even at ``x = 1`` (its terms fall like ``k^(a+b-c-1)``),
    so it is summed directly for ``c >= 8`` (agreeing with scipy to ~1e-14 where
    both work). Below that scipy is used.
    """
    c = np.asarray(c, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    out = np.asarray(hyp2f1(a, b, c, x), dtype=np.float64)
    big = c >= 8
    if big.any():
        cb, xb = c[big], x[big]
        term = np.ones_like(cb)
        total = term.copy()
        for k in range(100_000):
            term = term * (a + k) * (b + k) / ((cb + k) * (k + 1)) * xb
            total = total + term
            if np.all(term <= 1e-17 * total):
                break
        out[big] = total
    return out


def _correlations(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, vtype: str | Sequence[str]
) -> EffectSizes:
    """``COR``, ``UCOR`` or ``ZCOR`` as metafor 3.8-1's ``escalc``.

    Formulas (metafor): COR ``yi = r``; UCOR ``yi = r 2F1(1/2, 1/2; (n-2)/2; 1-r²)``;
    ``vi`` for both: LS ``(1 - yi²)² / (n - 1)``, AV the same with the
    ``ni``-weighted mean of ``yi``, UB (UCOR only)
    ``yi² - (1 - (n-3)/(n-2) (1-r²) 2F1(1, 1; n/2; 1-r²))``. ZCOR
    ``yi = atanh(r)``, ``vi = 1/(n - 3)``.
    """
    _need(code, given, ("ri", "ni"), "correlations ri and sample sizes ni")
    arr, k = _vectors(given, ("ri", "ni"), labels)
    labels = as_labels(labels, k)
    r, n = arr["ri"], arr["ni"]
    _check_counts(arr, ("ni",), labels)
    _refuse_first(np.abs(r) > 1, labels, "ri", lambda i, study: (
        f"argument 'ri', {study}: correlation is {fmt_num(r[i])}; "
        "a correlation must be between -1 and 1"))
    need = "UCOR's bias correction needs ni > 4" if code == "UCOR" else (
        f"{code} needs ni > 3 (the variance has ni - 3 in a denominator)")
    _refuse_first(n <= _MIN_N[code], labels, "ni", lambda i, study: (
        f"argument 'ni', {study}: sample size is {fmt_num(n[i])}; {need}"))
    vt = _vtypes(code, vtype, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "ZCOR":
            yi = np.arctanh(r)
            vi = 1 / (n - 3)
            why = "a correlation of exactly -1 or 1 has no Fisher z; check ri"
        else:
            yi = r * _hyp2f1(0.5, 0.5, (n - 2) / 2, 1 - r**2) if code == "UCOR" else r.copy()
            yw = np.float64(_wmean(yi, n))
            x = 1 - r**2
            vi = np.select(
                [vt == "UB", vt == "AV"],
                [
                    yi**2 - (1 - (n - 3) / (n - 2) * x * _hyp2f1(1.0, 1.0, n / 2, x)),
                    np.full(k, (1 - yw**2) ** 2) / (n - 1),
                ],
                (1 - yi**2) ** 2 / (n - 1),
            )
            why = "a correlation of -1 or 1 has sampling variance 0; check ri"
    _check_result(code, yi, vi, labels, why)
    return EffectSizes(yi, vi, code, labels, n)


def _partial(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, vtype: str | Sequence[str]
) -> EffectSizes:
    """``PCOR`` / ``ZPCOR``: partial correlation from a regression t-statistic, as metafor 3.8-1.

    ``r = ti / sqrt(ti² + df)`` with ``df = ni - mi - 1`` (``mi`` predictors
    besides the one tested). PCOR ``vi`` LS ``(1 - r²)²/df`` (AV: the
    ``ni``-weighted mean ``r``); ZPCOR ``yi = atanh(r)``, ``vi = 1/df``.
    """
    names = ("ti", "mi", "ni")
    _need(code, given, names,
          "the t-statistics ti, the numbers of other predictors mi and the sample sizes ni")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    t, m, n = (arr[a] for a in names)
    _check_counts(arr, ("mi", "ni"), labels)
    check_positive("ni", n, labels=labels)
    dfree = n - m - 1
    _refuse_first(dfree <= 0, labels, "ni,mi", lambda i, study: (
        f"arguments 'ni', 'mi', {study}: ni - mi - 1 = {fmt_num(dfree[i])}; "
        "the residual degrees of freedom must be greater than 0 (check ni and mi)"))
    vt = _vtypes(code, vtype, k)
    with np.errstate(divide="ignore", over="ignore"):
        r = t / np.sqrt(t**2 + dfree)
        if code == "ZPCOR":
            yi, vi = np.arctanh(r), 1 / dfree
        else:
            yw = np.float64(_wmean(r, n))
            yi = r
            vi = np.where(vt == "AV", (1 - yw**2) ** 2 / dfree, (1 - r**2) ** 2 / dfree)
    _check_result(code, yi, vi, labels, "the t-statistic is too large for its degrees of "
                  "freedom (|r| = 1 in double precision); check ti")
    return EffectSizes(yi, vi, code, labels, n)
