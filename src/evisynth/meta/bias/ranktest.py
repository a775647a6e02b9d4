"""Rank correlation test for funnel plot asymmetry (metafor's ``ranktest``).

References
----------
Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test
for publication bias. Biometrics 50:1088-1101.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import FloatArray
from evisynth.errors import InputError
from evisynth.meta.bias._common import (
    _field_dict,
    _fit_inputs,
    _low_power,
    _need_studies,
    _p_text,
    _SmallStudyResult,
)

#: Largest k for the exact Kendall p-value (its distribution costs O(k³) to build;
#: R's exact computation in cor.test becomes impractical at such sizes too).
MAX_EXACT_KENDALL = 500


@dataclass(frozen=True)
class RankTestResult(_SmallStudyResult):
    """Result of :func:`ranktest`: Kendall's tau and its two-sided p-value.

    ``exact`` tells whether the p-value is the exact permutation p-value (no
    ties) or the normal approximation with the tie-corrected variance.
    """

    tau: float
    pval: float
    exact: bool
    k: int
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary of all fields; the keys are part of the API."""
        return _field_dict(self)

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.ranktest``."""
        lines = [
            "Rank Correlation Test for Funnel Plot Asymmetry",
            "",
            f"Kendall's tau = {self.tau:.4f}, {_p_text(self.pval)} "
            f"({'exact' if self.exact else 'normal approximation, ties present'})",
            *self._note_lines(),
        ]
        return "\n".join(lines)

    def _html_title(self) -> str:
        return f"Rank correlation test for funnel plot asymmetry (k = {self.k})"


def _kendall_null_pmf(n: int) -> FloatArray:
    """Null distribution of the number of concordant pairs among ``n`` untied pairs.

    It is the distribution of inversions of a random permutation (Mahonian
    numbers / n!), built by convolving the uniform distributions on
    ``{0, ..., i-1}`` for ``i = 2..n`` (Kendall 1938); each convolution is a
    sliding window sum done with one cumulative sum.
    """
    pmf = np.array([1.0])
    for i in range(2, n + 1):
        csum = np.concatenate([[0.0], np.cumsum(pmf)])
        j = np.arange(len(pmf) + i - 1)
        hi = np.minimum(j + 1, len(pmf))
        lo = np.maximum(j - i + 1, 0)
        pmf = (csum[hi] - csum[lo]) / i
    return pmf


def _kendall(x: FloatArray, y: FloatArray, exact: bool) -> tuple[float, float, bool]:
    """Kendall's tau-b with the p-value of R's ``cor.test(method="kendall")``.

    Exact (permutation) p-value when there are no ties in either variable,
    ``exact`` is set and ``n <= MAX_EXACT_KENDALL``; otherwise the normal
    approximation with the tie-corrected variance of S (Kendall 1970, eq. 4.3),
    without continuity correction.
    """
    n = len(x)
    # S = sum over pairs i < j of sign(x_j - x_i) sign(y_j - y_i), one row at a time (O(n) memory)
    S = float(
        sum(np.dot(np.sign(x[i + 1 :] - x[i]), np.sign(y[i + 1 :] - y[i])) for i in range(n - 1))
    )
    T0 = n * (n - 1) / 2
    _, cx = np.unique(x, return_counts=True)
    _, cy = np.unique(y, return_counts=True)
    tx = cx[cx > 1].astype(np.float64)
    ty = cy[cy > 1].astype(np.float64)
    T1 = float(np.sum(tx * (tx - 1)) / 2)
    T2 = float(np.sum(ty * (ty - 1)) / 2)
    tau = S / math.sqrt((T0 - T1) * (T0 - T2))
    ties = len(tx) > 0 or len(ty) > 0
    if exact and not ties and n <= MAX_EXACT_KENDALL:
        q = round((S + T0) / 2)  # number of concordant pairs
        pmf = _kendall_null_pmf(n)
        p = float(pmf[q:].sum()) if q > T0 / 2 else float(pmf[: q + 1].sum())
        return tau, min(2.0 * p, 1.0), True
    v0 = n * (n - 1) * (2 * n + 5)
    vt = np.sum(tx * (tx - 1) * (2 * tx + 5))
    vu = np.sum(ty * (ty - 1) * (2 * ty + 5))
    v1 = np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1))
    v2 = np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = S / math.sqrt(var_s)
    return tau, float(2 * stats.norm.sf(abs(z))), False


def ranktest(fit: Any, *, exact: bool = True) -> RankTestResult:
    """Begg and Mazumdar's rank correlation test for funnel plot asymmetry.

    With the fixed-effect estimate ``θ = Σ wᵢyᵢ / Σ wᵢ`` (``wᵢ = 1/vᵢ``), the
    standardized effects ``yᵢ* = (yᵢ - θ) / sqrt(vᵢ - 1/Σwⱼ)`` are correlated with
    the variances ``vᵢ`` by Kendall's tau (tau-b). As in metafor (which calls R's
    ``cor.test`` with ``exact=TRUE``), the p-value is exact whenever neither
    variable has ties; with ties it is the normal approximation with the
    tie-corrected variance and no continuity correction. Unlike metafor, above
    ``k = 500`` (:data:`MAX_EXACT_KENDALL`) the normal approximation is used also
    without ties, because the exact distribution costs O(k³) to compute.

    Parameters
    ----------
    fit
        An intercept-only pooled result (:func:`evisynth.rma`, ``rma_mh``,
        ``rma_peto``); only its ``yi`` and ``vi`` are used.
    exact
        ``False`` forces the normal approximation.

    Returns
    -------
    RankTestResult
        ``tau``, ``pval``, ``exact`` and ``warning`` when ``k < 10``.

    Raises
    ------
    InputError
        Not an intercept-only fit, fewer than 3 studies, or all variances (or
        all standardized effects) equal, where Kendall's tau is undefined
        (metafor returns NA).

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies (Cochrane Handbook 10.4.3.1).

    References
    ----------
    Begg CB, Mazumdar M (1994). Biometrics 50:1088-1101. Kendall MG (1970).
    Rank Correlation Methods, 4th ed. Griffin.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...              vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05])
    >>> res = ev.ranktest(fit)
    >>> round(res.tau, 4), res.exact
    (1.0, True)
    """
    yi, vi, _, _, _ = _fit_inputs(fit, "ranktest")
    k = len(yi)
    _need_studies(k, "ranktest")
    wi = 1 / vi
    theta = float(np.sum(wi * yi) / np.sum(wi))
    vstar = vi - 1 / np.sum(wi)
    ystar = (yi - theta) / np.sqrt(vstar)
    for name, values in (("vi", vi), ("yi", ystar)):
        if np.all(values == values[0]):  # Kendall's tau is 0/0 (metafor: NA)
            what = "sampling variance" if name == "vi" else "standardized effect"
            raise InputError(
                f"ranktest(): every study has the same {what}, so its rank correlation "
                "is undefined; the test needs studies that differ in both",
                where=name,
            )
    tau, pval, used_exact = _kendall(ystar, vi, bool(exact))
    return RankTestResult(
        tau=tau,
        pval=pval,
        exact=used_exact,
        k=k,
        warning=_low_power(k, "the rank correlation test for funnel plot asymmetry"),
    )
