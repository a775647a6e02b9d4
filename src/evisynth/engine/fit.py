"""Fit the (mixed-effects) meta-analytic model for a whole batch at once.

Given tau² (estimated by :mod:`evisynth.engine.tau2` or fixed), the coefficients
are the weighted least-squares estimates with weights ``1/(vi + tau²)`` and
covariance ``(X'WX)^{-1}`` (Viechtbauer 2010, metafor ``rma.uni``). Tests:

* ``z``: normal reference distribution.
* ``t``: t distribution with ``k - p`` degrees of freedom, same covariance.
* ``knha``: Hartung & Knapp (2001), Sidik & Jonkman (2002): covariance scaled by
  ``s² = y'Py / (k - p)`` (0 when ``y'Py`` is numerically 0, as metafor), t with
  ``k - p`` df.
* ``adhoc``: as ``knha`` with ``s² = max(1, s²)`` (Röver et al. 2015; Knapp &
  Hartung 2003), so the interval is never narrower than the ``t`` interval.

Heterogeneity: Cochran's ``Q`` (``QE``) with weights ``1/vi`` and ``k - p`` df;
``I² = 100 tau² / (tau² + s²)`` and ``H² = (tau² + s²) / s²`` with the "typical"
within-study variance ``s² = (k - p) / tr(P)`` (Higgins & Thompson 2002,
generalised as in metafor); for ``FE``, ``I² = max(0, 100 (Q - (k-p)) / Q)`` and
``H² = Q / (k - p)``. Prediction interval (intercept-only models):
``estimate ± crit · sqrt(se² + tau²)``, with the same critical value as the
confidence interval (metafor's default ``pi.type``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The distribution functions come from scipy.special directly: the same routines that
# scipy.stats wraps, without its per-call argument checking (a large share of a
# small meta-analysis' run time).
from scipy import special

from evisynth.engine._batch import Array, Batch, normalise, weights, wls
from evisynth.engine.tau2 import Tau2Estimate, estimate_scaled

TESTS = ("z", "t", "knha", "adhoc")
_EPS = np.finfo(np.float64).eps


def knha_scale(rss: Array, df: Array | float, test: str) -> Array:
    """Knapp–Hartung factor ``s² = y'Py / (k - p)``, 0 where ``y'Py`` is numerically 0
    (as metafor); for ``adhoc`` at least 1 (Röver et al. 2015).

    References
    ----------
    Hartung J, Knapp G (2001). Stat Med 20:1771-1782.
    """
    s2w = np.where(rss <= _EPS, 0.0, rss / df)
    if test == "adhoc":
        s2w = np.maximum(s2w, 1.0)
    return s2w


def wald_stat(beta: Array, se: Array) -> Array:
    """``beta / se``; a zero standard error (Knapp–Hartung with all residuals 0) gives
    an infinite statistic, or 0 when the estimate is 0 too, rather than metafor's NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Array = np.where(se > 0, beta / se, np.where(beta == 0, 0.0, np.sign(beta) * np.inf))
    return out


def critical_value(test: str, level: float, df: Array | float) -> Array:
    """Two-sided critical value at ``level`` percent: normal for ``z``, else t with ``df``."""
    alpha = 1.0 - level / 100.0
    if test == "z":
        return np.asarray(-special.ndtri(alpha / 2))
    return np.asarray(special.stdtrit(df, 1.0 - alpha / 2))


def p_value(test: str, stat: Array, df: Array | float) -> Array:
    """Two-sided p-value of ``stat``: normal for ``z``, else t with ``df``."""
    if test == "z":
        return np.asarray(2.0 * special.ndtr(-np.abs(stat)))
    return np.asarray(2.0 * special.stdtr(df, -np.abs(stat)))


@dataclass(frozen=True)
class FitArrays:
    """Everything the fit computes, as arrays over the batch.

    Shapes: ``(B,)`` unless stated; ``p`` = number of coefficients.
    """

    beta: Array  # (B, p)
    vb: Array  # (B, p, p), after any Knapp–Hartung scaling
    se: Array  # (B, p)
    stat: Array  # (B, p) z or t statistics
    pval: Array  # (B, p)
    ci_lb: Array  # (B, p)
    ci_ub: Array  # (B, p)
    crit: Array  # critical value used for CIs and prediction intervals
    ddf: Array  # t degrees of freedom (nan for z)
    s2w: Array  # Knapp–Hartung scale factor (1 for z and t)
    tau2: Array
    QE: Array
    QE_pval: Array
    I2: Array
    H2: Array
    vt: Array  # "typical" within-study variance s²
    k: np.ndarray
    weights: Array  # (B, k) model weights 1/(vi + tau²), 0 if excluded
    converged: np.ndarray
    iterations: np.ndarray

    @property
    def pi_lb(self) -> Array:
        """Lower prediction bound of the first coefficient (intercept-only models)."""
        return self.beta[:, 0] - self.crit * np.sqrt(self.se[:, 0] ** 2 + self.tau2)

    @property
    def pi_ub(self) -> Array:
        """Upper prediction bound of the first coefficient (intercept-only models)."""
        return self.beta[:, 0] + self.crit * np.sqrt(self.se[:, 0] ** 2 + self.tau2)


def fit_batch(
    batch: Batch,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    *,
    tau2: Array | None = None,
    tol: float = 1e-10,
    maxiter: int = 1000,
    tau2_init: Array | None = None,
) -> FitArrays:
    """Fit every batch member (see module docstring for the formulas).

    Parameters
    ----------
    batch
        Engine input (:func:`evisynth.engine.make_batch`).
    method
        tau² estimator, one of :data:`evisynth.engine.tau2.METHODS`.
    test
        One of :data:`TESTS`.
    level
        Confidence level in percent.
    tau2
        Fixed tau² values ``(B,)``; when given, ``method`` is not used to estimate.
    tol, maxiter
        Convergence control of iterative tau² estimators.
    tau2_init
        Starting values of Fisher scoring ``(B,)`` (a warm start; see
        :func:`evisynth.engine.estimate_tau2`).
    """
    B, p = batch.B, batch.p
    k = batch.k
    # Work on data rescaled by powers of 2 (exact), so that weights of variances
    # near 1e-300 or 1e300 do not overflow; results are scaled back at the end.
    batch, sc, s2 = normalise(batch)
    if tau2 is None:
        init = None if tau2_init is None else np.broadcast_to(
            np.asarray(tau2_init, dtype=np.float64), (B,)) / s2
        est = estimate_scaled(batch, method, tol, maxiter, init)  # batch is normalised already
    else:
        t = np.broadcast_to(np.asarray(tau2, dtype=np.float64), (B,)) / s2
        est = Tau2Estimate(t, np.ones(B, dtype=bool), np.zeros(B, dtype=np.int64))
    t2 = est.tau2

    model = wls(batch.X, batch.yi, weights(batch, t2))
    vb = model.XtWX_inv
    df_resid = (k - p).astype(np.float64)
    if test in ("knha", "adhoc"):
        s2w = knha_scale(model.yPy, df_resid, test)
        vb = vb * s2w[:, None, None]
    else:
        s2w = np.ones(B)
    se = np.sqrt(np.einsum("bii->bi", vb))
    stat = wald_stat(model.beta, se)
    if test == "z":
        ddf = np.full(B, np.nan)
        crit = np.full(B, critical_value(test, level, ddf))
        pval = p_value(test, stat, ddf)
    else:
        ddf = df_resid
        crit = critical_value(test, level, ddf)
        pval = p_value(test, stat, ddf[:, None])
    ci_lb = model.beta - crit[:, None] * se
    ci_ub = model.beta + crit[:, None] * se

    # With tau² = 0 everywhere the model fit *is* the fixed-effect fit (same weights).
    fe = model if not t2.any() else wls(batch.X, batch.yi, weights(batch, np.zeros(B)))
    QE = np.maximum(fe.yPy, 0.0)
    has_df = df_resid > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        QE_pval = np.where(has_df, special.chdtrc(np.maximum(df_resid, 1), QE), 1.0)
        vt = np.where(has_df, df_resid / fe.trace_P(), 0.0)
        if method == "FE" and tau2 is None:
            I2 = np.where(has_df & (QE > 0), np.maximum(0.0, 100.0 * (QE - df_resid) / QE), 0.0)
            H2 = np.where(has_df, QE / df_resid, 1.0)
        else:
            I2 = np.where(has_df, 100.0 * t2 / (vt + t2), 0.0)
            H2 = np.where(has_df, t2 / vt + 1.0, 1.0)
    QE = np.where(has_df, QE, 0.0)

    c1, c2 = sc[:, None], s2[:, None]
    return FitArrays(
        beta=model.beta * c1,
        vb=vb * s2[:, None, None],
        se=se * c1,
        stat=stat,
        pval=pval,
        ci_lb=ci_lb * c1,
        ci_ub=ci_ub * c1,
        crit=crit,
        ddf=ddf,
        s2w=s2w,
        tau2=t2 * s2,
        QE=QE,
        QE_pval=QE_pval,
        I2=I2,
        H2=H2,
        vt=vt * s2,
        k=k,
        weights=model.w / c2,
        converged=est.converged,
        iterations=est.iterations,
    )
