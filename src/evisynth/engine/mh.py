"""Mantel–Haenszel and Peto pooling of 2x2 tables, batched over ``(..., k)`` arrays.

Per study: ``a, b`` events and non-events in group 1, ``c, d`` in group 2,
``n1 = a + b``, ``n2 = c + d``, ``N = n1 + n2``. Every function reduces over the
last axis, so a whole batch of pooled analyses (leave-one-out, bootstrap,
simulation) is one call. numpy only; the user functions
:func:`evisynth.rma_mh` and :func:`evisynth.rma_peto` (``meta/binary/``) check the
counts and call these.

References
----------
Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel
variance consistent in both sparse data and large-strata limiting models.
Biometrics 42:311-323.
Greenland S, Robins JM (1985). Estimation of a common effect parameter from
sparse follow-up data. Biometrics 41:55-68.
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and
after myocardial infarction. Prog Cardiovasc Dis 27:335-371.
Breslow NE, Day NE (1980). Statistical Methods in Cancer Research I. IARC.
Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
72:91-95.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CMHArrays", "MHArrays", "PetoArrays", "cmh_tests", "mh_or", "mh_rd", "mh_rr", "peto",
    "peto_parts",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MHArrays:
    """Mantel–Haenszel estimate (analysis scale) and its variance, shape ``(...)``.

    ``estimate`` is ``nan`` where it is undefined (OR: ``Σ a d / N`` or
    ``Σ b c / N`` is 0; RR: no events in one group across all tables).
    """

    estimate: Array
    var: Array


def mh_or(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """Log MH odds ratio with the Robins–Breslow–Greenland (1986) variance.

    ``OR = R / S`` with ``R = Σ a d / N``, ``S = Σ b c / N``; with
    ``P = (a + d)/N``, ``Q = (b + c)/N``:
    ``var(log OR) = Σ P R / (2 R²) + Σ (P S + Q R) / (2 R S) + Σ Q S / (2 S²)``.
    """
    N = a + b + c + d
    Ri, Si = a * d / N, b * c / N
    Pi, Qi = (a + d) / N, (b + c) / N
    R, S = Ri.sum(axis=-1), Si.sum(axis=-1)
    ok = (R > 0) & (S > 0)
    Rs, Ss = np.where(ok, R, 1.0), np.where(ok, S, 1.0)
    var = 0.5 * (
        (Pi * Ri).sum(axis=-1) / Rs**2
        + (Pi * Si + Qi * Ri).sum(axis=-1) / (Rs * Ss)
        + (Qi * Si).sum(axis=-1) / Ss**2
    )
    return MHArrays(np.where(ok, np.log(Rs / Ss), np.nan), np.where(ok, var, np.nan))


def mh_rr(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """Log MH risk ratio with the Greenland–Robins (1985) variance.

    ``RR = R / S`` with ``R = Σ a n2 / N``, ``S = Σ c n1 / N``;
    ``var(log RR) = Σ (n1 n2 (a + c) / N² - a c / N) / (R S)``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    R = (a * n2 / N).sum(axis=-1)
    S = (c * n1 / N).sum(axis=-1)
    ok = (a.sum(axis=-1) > 0) & (c.sum(axis=-1) > 0)
    Rs, Ss = np.where(ok, R, 1.0), np.where(ok, S, 1.0)
    var = ((n1 / N) * (n2 / N) * (a + c) - (a / N) * c).sum(axis=-1) / (Rs * Ss)
    return MHArrays(np.where(ok, np.log(Rs / Ss), np.nan), np.where(ok, var, np.nan))


def mh_rd(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """MH risk difference with the Greenland–Robins (1985) variance.

    ``RD = Σ (a n2 - c n1) / N / W`` with ``W = Σ n1 n2 / N``;
    ``var = (RD Σ (c (n1/N)² - a (n2/N)² + (n1/N)(n2/N)(n2 - n1)/2)
    + Σ (a (n2 - c) + c (n1 - a)) / (2N)) / W²``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    W = (n1 * (n2 / N)).sum(axis=-1)
    rd = (a * (n2 / N) - c * (n1 / N)).sum(axis=-1) / W
    var = (
        rd
        * (c * (n1 / N) ** 2 - a * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2).sum(
            axis=-1
        )
        + (a * (n2 - c) / N + c * (n1 - a) / N).sum(axis=-1) / 2
    ) / W**2
    return MHArrays(rd, var)


@dataclass(frozen=True)
class CMHArrays:
    """Cochran–Mantel–Haenszel tests and Breslow–Day/Tarone heterogeneity tests.

    ``MH`` uses the hypergeometric variance (``N - 1``), ``CO`` (Cochran) the
    binomial one (``N``); both with df 1. ``BD``/``TA`` are computed over the
    ``k_pos`` tables with a positive fitted count and events and non-events
    (df ``k_pos - 1``).
    """

    MH: Array
    CO: Array
    BD: Array
    TA: Array
    k_pos: NDArray[np.int64]


def cmh_tests(
    a: Array, b: Array, c: Array, d: Array, log_or: Array, correct: bool = True
) -> CMHArrays:
    """CMH test of OR = 1 and the Breslow–Day/Tarone tests of a common OR.

    ``CMH = (|Σ (a - n1 m1/N)| - cc)² / Σ n1 n2 m1 m2 / (N² (N - 1))`` with
    ``m1 = a + c``, ``m2 = b + d`` and ``cc = 1/2`` when ``correct``. For
    Breslow–Day, ``A₁`` is the fitted count in cell ``a`` under the common MH
    odds ratio ψ (the root of the quadratic ``A(N - n1 - m1 + A) ψ⁻¹ =
    (n1 - A)(m1 - A)`` inside the table's margins), ``BD = Σ (a - A₁)² / V`` with
    ``1/V = 1/A₁ + 1/(n1 - A₁) + 1/(m1 - A₁) + 1/(N - n1 - m1 + A₁)``, and
    Tarone's correction ``TA = BD - (Σ (a - A₁))² / Σ V``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    cc = 0.5 if correct else 0.0
    dev = np.abs((a - (n1 / N) * xt).sum(axis=-1)) - cc
    both = (xt.sum(axis=-1) > 0) & (yt.sum(axis=-1) > 0)
    CO = np.where(both, dev**2 / ((n1 / N) * (n2 / N) * (xt * (yt / N))).sum(axis=-1), np.nan)
    MH = np.where(
        both, dev**2 / ((n1 / N) * (n2 / N) * (xt * (yt / (N - 1)))).sum(axis=-1), np.nan
    )

    psi = np.exp(log_or)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        A = psi * (n1 + xt) + (n2 - xt)
        B = np.sqrt(A**2 - 4 * n1 * xt * psi * (psi - 1))
        N11 = np.where(psi == 1, (n1 / N) * xt, (A - B) / (2 * (psi - 1)))
        pos = (N11 > 0) & (xt > 0) & (yt > 0)
        N12, N21 = n1 - N11, xt - N11
        N22 = N11 - n1 - xt + N
        inv_v = 1 / N11 + 1 / N12 + 1 / N21 + 1 / N22
        BD = np.where(pos, (a - N11) ** 2 * inv_v, 0.0).sum(axis=-1)
        TA = BD - np.where(pos, a - N11, 0.0).sum(axis=-1) ** 2 / np.where(
            pos, 1 / inv_v, 0.0
        ).sum(axis=-1)
    defined = np.isfinite(log_or)
    return CMHArrays(
        MH=MH,
        CO=CO,
        BD=np.where(defined, np.maximum(BD, 0.0), np.nan),
        TA=np.where(defined, np.maximum(TA, 0.0), np.nan),
        k_pos=np.where(defined, pos.sum(axis=-1), 0),
    )


@dataclass(frozen=True)
class PetoArrays:
    """Peto's log odds ratio (``estimate``, ``var``) and its heterogeneity statistic.

    ``Q`` is computed over the ``k_pos`` tables with a positive hypergeometric
    variance.
    """

    estimate: Array
    var: Array
    Q: Array
    k_pos: NDArray[np.int64]


def peto_parts(a: Array, b: Array, c: Array, d: Array) -> tuple[Array, Array]:
    """Per table: observed minus expected events in group 1, ``O - E``, and the
    hypergeometric variance ``V = m1 m2 n1 n2 / (N² (N - 1))``."""
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    return a - xt * n1 / N, xt * yt * (n1 / N) * (n2 / N) / (N - 1)


def peto(a: Array, b: Array, c: Array, d: Array) -> PetoArrays:
    """Peto's one-step odds ratio (Yusuf et al. 1985).

    ``log OR = Σ (O - E) / Σ V``, ``var = 1 / Σ V``;
    ``Q = Σ (O - E)² / V - (Σ (O - E))² / Σ V`` over tables with ``V > 0``.
    ``estimate`` is ``nan`` where ``Σ V = 0``.
    """
    oe, V = peto_parts(a, b, c, d)
    sV = V.sum(axis=-1)
    ok = sV > 0
    sVs = np.where(ok, sV, 1.0)
    pos = V > 0
    Q = np.where(pos, oe**2 / np.where(pos, V, 1.0), 0.0).sum(axis=-1) - oe.sum(axis=-1) ** 2 / sVs
    return PetoArrays(
        estimate=np.where(ok, oe.sum(axis=-1) / sVs, np.nan),
        var=np.where(ok, 1 / sVs, np.nan),
        Q=np.where(ok, np.maximum(Q, 0.0), np.nan),
        k_pos=pos.sum(axis=-1),
    )
