"""Fitting a meta-regression (:func:`fit_metareg`) and its omnibus Wald test (:func:`omnibus`);
formulas in :mod:`evisynth.meta.metareg`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import FloatArray, check_choice, check_level
from evisynth.engine import METHOD_ALIASES, METHODS, TESTS, estimate_tau2, fit_batch, make_batch
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta.metareg.design import build_design, resolve_btt
from evisynth.meta.metareg.result import MetaRegResult
from evisynth.meta.rma import check_converged, fit_values, warn_knha_fe


def omnibus(
    beta: FloatArray, vb: FloatArray, btt: Sequence[int], test: str, df_resid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Batched Wald test of ``beta[btt] = 0``: ``(QM, pval)`` for ``beta (B, p)``, ``vb (B, p, p)``.

    Chi-square with ``m`` df under ``z``; ``QM / m`` against ``F(m, k - p)`` otherwise.
    Members with a singular ``vb[btt, btt]`` (e.g. Knapp–Hartung scale 0) get NaN.
    """
    idx = np.asarray(btt)
    b = beta[:, idx]
    V = vb[:, idx[:, None], idx[None, :]]
    m = len(idx)
    B = beta.shape[0]
    QM = np.full(B, np.nan)
    ok = np.abs(np.linalg.det(V)) > 0
    if ok.any():
        sol = np.linalg.solve(V[ok], b[ok][:, :, None])[:, :, 0]
        QM[ok] = np.einsum("bi,bi->b", b[ok], sol)
    if test == "z":
        return QM, stats.chi2.sf(QM, m)
    QM = QM / m
    with np.errstate(invalid="ignore"):
        pval = np.where(df_resid > 0, stats.f.sf(QM, m, np.maximum(df_resid, 1)), np.nan)
    return QM, pval


def _pseudo_r2(
    y: FloatArray, v: FloatArray, method: str, tau2: float, QE: float, p: int, tol: float,
    maxiter: int,
) -> float:
    k = len(y)
    if method == "FE":
        if np.all(y == y[0]):
            return 0.0
        w = 1.0 / v
        Q0 = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
        return max(0.0, 100.0 * (1.0 - (QE / Q0) * (k - 1) / (k - p)))
    est = estimate_tau2(make_batch(y, v), method, tol=tol, maxiter=maxiter)
    if not est.converged[0]:
        warnings.warn(
            "R² is not available: the intercept-only model needed for it did not converge",
            EvisynthWarning,
            stacklevel=4,
        )
        return math.nan
    tau2_0 = float(est.tau2[0])
    if tau2_0 == 0.0:
        return 0.0
    return max(0.0, 100.0 * (tau2_0 - tau2) / tau2_0)


def fit_metareg(
    y: FloatArray,
    v: FloatArray,
    lab: tuple[str, ...] | None,
    measure: str,
    *,
    mods: Any,
    intercept: bool,
    btt: Any,
    data: Any,
    method: str,
    test: str,
    level: float,
    tol: float,
    maxiter: int,
) -> MetaRegResult:
    """Fit a meta-regression on checked effect sizes (called by :func:`evisynth.rma`).

    See :func:`evisynth.rma` for the parameters; formulas in the module docstring.

    Raises
    ------
    InputError
        Bad moderators (see :func:`build_design`), bad ``btt``, too few studies
        for the number of coefficients, or an unknown method/test.
    ConvergenceError
        If the iterative tau² estimator does not converge.
    """
    method = check_choice("method", method, METHODS, METHOD_ALIASES)
    test = check_choice("test", test, TESTS)
    lv = check_level(level)
    k = len(y)
    if mods is None:
        if not intercept:
            raise InputError(
                "argument 'intercept': a model without moderators needs the intercept; "
                "give mods= or leave intercept=True",
                where="intercept",
            )
        raise InputError(
            "arguments 'btt'/'data' apply to meta-regression only: give mods= as well",
            where="mods",
        )
    X, names, int_incl = build_design(mods, data, intercept, k, lab)
    p = X.shape[1]
    need = p if method == "FE" else p + 1
    if k < need:
        raise InputError(
            f"too few studies: a model with {p} coefficient(s)"
            + ("" if method == "FE" else " and tau²")
            + f" needs at least {need} studies, got k = {k}; drop moderators"
            + ("" if method == "FE" else " or use method='FE'"),
            where="mods",
        )
    if test != "z" and k <= p:
        raise InputError(
            f"test={test!r} needs more studies than coefficients (k - p degrees of freedom); "
            f"got k = {k}, p = {p}",
            where="test",
        )
    warn_knha_fe(method, test, stacklevel=3)
    bt = resolve_btt(btt, names, int_incl)
    f = fit_batch(make_batch(y, v, X), method, test, lv, tol=tol, maxiter=maxiter)
    check_converged(f, method, maxiter)
    df_resid = np.array([k - p], dtype=np.float64)
    QM, QMp = omnibus(f.beta, f.vb, bt, test, df_resid)
    if not np.isfinite(QM[0]):
        warnings.warn(
            "QM cannot be computed: the covariance of the tested coefficients is singular "
            "(e.g. a Knapp-Hartung scale of 0 when the model fits the data exactly)",
            EvisynthWarning,
            stacklevel=3,
        )
    tau2 = float(f.tau2[0])
    QE = float(f.QE[0])
    # R² needs an intercept, a moderator and (for FE's adjusted R²) residual df.
    R2 = (
        _pseudo_r2(y, v, method, tau2, QE, p, tol, maxiter)
        if (int_incl and 1 < p < k)
        else None
    )
    return MetaRegResult(
        coef_names=names,
        estimate=f.beta[0].copy(),
        se=f.se[0].copy(),
        stat=f.stat[0].copy(),
        pval=f.pval[0].copy(),
        ci_lb=f.ci_lb[0].copy(),
        ci_ub=f.ci_ub[0].copy(),
        vb=f.vb[0].copy(),
        QM=float(QM[0]),
        QM_df=len(bt),
        QM_ddf=None if test == "z" else k - p,
        QM_pval=float(QMp[0]),
        QE=QE,
        QE_pval=float(f.QE_pval[0]),
        R2=R2,
        k=k,
        p=p,
        btt=bt,
        method=method,
        test=test,
        level=lv,
        **fit_values(f),
        intercept=int_incl,
        yi=y,
        vi=v,
        X=X,
        weights=f.weights[0].copy(),
        labels=lab,
        measure=measure,
        tol=tol,
        maxiter=maxiter,
    )
