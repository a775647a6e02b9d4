"""Two groups, means: ``MD``, ``SMD`` (Hedges' g), ``SMDH`` (heteroscedastic SMD) and ``ROM``.

References
----------
Hedges LV (1981). Distribution theory for Glass's estimator of effect size
and related estimators. J Educ Stat 6(2):107-128.

Bonett DG (2008). Confidence intervals for standardized linear contrasts of
means. Psychol Methods 13(2):99-109 (``SMDH``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.special import poch

from evisynth._validation import (
    FloatArray,
    _check_counts,
    _check_group_size,
    _need,
    _vectors,
    as_labels,
    check_positive,
    first_true,
    study_name,
)
from evisynth.effects._common import _check_result, _refuse_first, _vtypes, _wmean
from evisynth.effects.sizes import EffectSizes
from evisynth.errors import InputError


def hedges_correction(m: FloatArray) -> FloatArray:
    """Exact small-sample bias correction of Cohen's d, ``Γ(m/2) / (sqrt(m/2) Γ((m-1)/2))``.

    ``Γ(m/2) / Γ((m-1)/2)`` is evaluated as the Pochhammer symbol
    ``poch((m-1)/2, 1/2)``: no overflow for large ``m``, and unlike a difference
    of ``lgamma`` values (metafor's route, which loses about 1e-10 relative at
    ``m = 1e6``) it keeps full precision.

    Parameters
    ----------
    m
        Degrees of freedom, ``n1 + n2 - 2``; must exceed 1.

    Returns
    -------
    numpy.ndarray
        Correction factors in (0, 1).

    References
    ----------
    Hedges LV (1981). Distribution theory for Glass's estimator of effect size
    and related estimators. J Educ Stat 6(2):107-128.

    >>> round(float(hedges_correction(np.array([18.0]))[0]), 6)  # metafor .cmicalc(18)
    0.957646
    """
    return np.asarray(poch((m - 1) / 2, 0.5) / np.sqrt(m / 2), dtype=np.float64)


def _means(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, vtype: str | Sequence[str]
) -> EffectSizes:
    names = ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i")
    _need(code, given, names, "means, SDs and sizes of both groups (" + ", ".join(names) + ")")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    m1, m2, s1, s2, n1, n2 = (arr[n] for n in names)
    check_positive("sd1i", s1, labels=labels, strict=False)
    check_positive("sd2i", s2, labels=labels, strict=False)
    _check_group_size("n1i", n1, labels)
    _check_group_size("n2i", n2, labels)
    _check_counts(arr, ("n1i", "n2i"), labels)
    vt = _vtypes(code, vtype, k)
    ni = n1 + n2
    dfree = ni - 2
    why = "check the SDs and sizes"
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Pooled SD scaled by the larger SD, so that SDs above 1e154 do not overflow.
        smax = np.maximum(s1, s2)
        r1, r2 = np.where(smax > 0, s1 / smax, 0.0), np.where(smax > 0, s2 / smax, 0.0)
        sdp = smax * np.sqrt(((n1 - 1) * r1**2 + (n2 - 1) * r2**2) / dfree)
        i = first_true(sdp == 0) if code == "SMD" else None
        if i is not None:
            raise InputError(
                f"arguments 'sd1i', 'sd2i', {study_name(i, labels)}: the pooled SD is 0 "
                "(both SDs are 0), so the standardised difference is undefined; check the SDs",
                where="measure",
            )
        if code == "MD":
            yi = m1 - m2
            vi = np.where(vt == "HO", sdp**2 * (1 / n1 + 1 / n2), s1**2 / n1 + s2**2 / n2)
            why = "both SDs are 0; check the SDs"
        elif code == "SMD":
            i = first_true(dfree <= 1)
            if i is not None:
                raise InputError(
                    f"arguments 'n1i', 'n2i', {study_name(i, labels)}: n1i + n2i = {ni[i]:g}; "
                    "SMD needs n1i + n2i >= 4 for the small-sample correction",
                    where="n1i,n2i",
                )
            cm = hedges_correction(dfree)
            diff = m1 - m2
            dd = np.where(np.isfinite(diff), diff / sdp, m1 / sdp - m2 / sdp)
            yi = cm * dd
            yw = np.float64(_wmean(yi, ni) if np.isfinite(yi).all() else 0.0)
            base = 1 / n1 + 1 / n2
            vi = np.select(
                [vt == "UB", vt == "AV", vt == "LS2"],
                [
                    base + (1 - (dfree - 2) / (dfree * cm**2)) * yi**2,
                    base + yw**2 / (2 * ni),
                    cm**2 * (base + dd**2 / (2 * ni)),
                ],
                base + yi**2 / (2 * ni),
            )
            why = "check the means and SDs"
        elif code == "SMDH":
            yi, vi = _smdh(m1, m2, s1, s2, n1, n2, vt, labels)
            why = "check the means and SDs"
        else:
            i = first_true((m1 == 0) | (m2 == 0) | (np.sign(m1) != np.sign(m2)))
            if i is not None:
                raise InputError(
                    f"arguments 'm1i', 'm2i', {study_name(i, labels)}: means {m1[i]:g} and "
                    f"{m2[i]:g}; ROM (log ratio of means) needs non-zero means of the same "
                    "sign (ratio-scale outcomes)",
                    where="m1i,m2i",
                )
            ratio = m1 / m2
            yi = np.where(np.isfinite(ratio) & (ratio > 0), np.log(np.abs(ratio)),
                          np.log(np.abs(m1)) - np.log(np.abs(m2)))
            cv1, cv2 = s1 / m1, s2 / m2
            cv1w, cv2w = np.float64(_wmean(cv1, n1)), np.float64(_wmean(cv2, n2))
            cvw = np.float64((np.sum(n1 * cv1) + np.sum(n2 * cv2)) / np.sum(n1 + n2))
            vi = np.select(
                [vt == "HO", vt == "AV", vt == "AVHO"],
                [
                    (sdp / m1) ** 2 / n1 + (sdp / m2) ** 2 / n2,
                    cv1w**2 / n1 + cv2w**2 / n2,
                    cvw**2 * (1 / n1 + 1 / n2),
                ],
                cv1**2 / n1 + cv2**2 / n2,
            )
            why = "both SDs are 0 (variance 0); check the SDs"
    _check_result(code, yi, vi, labels, why, overflow=True)
    return EffectSizes(yi, vi, code, labels, ni)


def _smdh(
    m1: FloatArray, m2: FloatArray, s1: FloatArray, s2: FloatArray, n1: FloatArray,
    n2: FloatArray, vt: np.ndarray, labels: tuple[str, ...] | None,
) -> tuple[FloatArray, FloatArray]:
    """Bonett's SMD with unequal variances, as metafor 3.8-1 ``SMDH``.

    ``yi = c(m) (m1 - m2) / sqrt((sd1² + sd2²)/2)`` with Hedges' ``c(m)``,
    ``m = n1 + n2 - 2``; ``vi`` (LS) ``c(m)² (yi² (sd1⁴/(n1-1) + sd2⁴/(n2-1)) /
    (2 (sd1²+sd2²)²) + (sd1²/(n1-1) + sd2²/(n2-1)) / ((sd1²+sd2²)/2))``, or LS2
    ``yi² (sd1²/n1 + sd2²/n2) / (2 (sd1²+sd2²)²) + 2 (sd1²/n1 + sd2²/n2) / (sd1²+sd2²)``.
    """
    def too_small(name: str, n: FloatArray) -> Callable[[int, str], str]:
        return lambda i, study: (
            f"argument {name!r}, {study}: group size is {n[i]:g}; SMDH needs at least 2 per "
            "group (each group's variance has n - 1 in a denominator)")

    _refuse_first(n1 < 2, labels, "n1i", too_small("n1i", n1))
    _refuse_first(n2 < 2, labels, "n2i", too_small("n2i", n2))
    v1, v2 = s1**2, s2**2
    _refuse_first((v1 + v2) == 0, labels, "sd1i,sd2i", lambda i, study: (
        f"arguments 'sd1i', 'sd2i', {study}: both SDs are 0, so the standardised difference "
        "is undefined; check the SDs"))
    cm = hedges_correction(n1 + n2 - 2)
    yi = cm * (m1 - m2) / np.sqrt((v1 + v2) / 2)
    ls = cm**2 * (yi**2 * (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)) / (2 * (v1 + v2) ** 2)
                  + (v1 / (n1 - 1) + v2 / (n2 - 1)) / ((v1 + v2) / 2))
    ls2 = (yi**2 * v1 / (2 * n1 * (v1 + v2) ** 2) + yi**2 * v2 / (2 * n2 * (v1 + v2) ** 2)
           + 2 * v1 / (n1 * (v1 + v2)) + 2 * v2 / (n2 * (v1 + v2)))
    return yi, np.where(vt == "LS2", ls2, ls)
