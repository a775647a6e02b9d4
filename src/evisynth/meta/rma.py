"""``rma``: fixed- and random-effects meta-analysis (metafor's ``rma.uni``)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_choice,
    check_control,
    check_level,
    check_positive,
    check_same_length,
    fmt_num,
    study_name,
)
from evisynth.effects import EffectSizes
from evisynth.engine import METHOD_ALIASES, METHODS, TESTS, fit_batch, make_batch
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.results import RMAResult

if TYPE_CHECKING:
    from evisynth.meta.metareg import MetaRegResult


def effect_inputs(
    es: EffectSizes | None,
    yi: Any,
    vi: Any,
    sei: Any,
    labels: Any,
) -> tuple[FloatArray, FloatArray, tuple[str, ...] | None, str]:
    """Resolve ``es`` or ``yi`` with ``vi``/``sei`` into checked arrays.

    Returns ``(yi, vi, labels, measure)``.

    Raises
    ------
    InputError
        If both or neither of ``es`` and ``yi`` are given, variances are missing
        or not positive, lengths differ, or any value is NaN/inf.
    """
    if es is not None:
        if yi is not None or vi is not None or sei is not None:
            raise InputError(
                "give either an EffectSizes object or yi with vi/sei, not both", where="es"
            )
        if not isinstance(es, EffectSizes):
            raise InputError(
                f"argument 'es': expected an EffectSizes (from evisynth.escalc), got "
                f"{type(es).__name__}; or pass yi= and vi=",
                where="es",
            )
        lab = as_labels(labels, es.k) if labels is not None else es.labels
        y, v, measure = np.asarray(es.yi), np.asarray(es.vi), es.measure
    else:
        if yi is None:
            raise InputError(
                "missing effect sizes: pass an EffectSizes or yi= with vi=", where="yi"
            )
        if (vi is None) == (sei is None):
            raise InputError(
                "give exactly one of vi= (sampling variances) or sei= (standard errors)",
                where="vi",
            )
        lab0 = as_labels(labels)
        y = as_float_vector("yi", yi, labels=lab0)
        if vi is not None:
            v = as_float_vector("vi", vi, labels=lab0)
        else:
            s = as_float_vector("sei", sei, labels=lab0)
            check_positive("sei", s, labels=lab0)
            v = s**2
        check_same_length({"yi": y, "vi" if vi is not None else "sei": v})
        lab = as_labels(labels, len(y))
        measure = "GEN"
    check_positive("vi", v, labels=lab)
    check_effect_range(y, v, lab)
    return y, v, lab, measure


#: Accepted ranges (documented in the README): beyond them double precision cannot
#: hold the squares and weights that pooling needs.
YI_MAX = 1e150
VI_RANGE = (1e-150, 1e150)


def check_effect_range(y: FloatArray, v: FloatArray, labels: tuple[str, ...] | None) -> None:
    """Refuse ``|yi| > 1e150`` and ``vi`` outside ``[1e-150, 1e150]``, naming the study.

    Raises
    ------
    InputError
        If a value is outside the range that double precision can pool.
    """
    if y.size and np.max(np.abs(y)) > YI_MAX:
        i = int(np.flatnonzero(np.abs(y) > YI_MAX)[0])
        raise InputError(
            f"argument 'yi', {study_name(i, labels)}: value is {fmt_num(y[i])}; effect sizes "
            f"must lie within ±{YI_MAX:.0e} (rescale the data)",
            where="yi",
        )
    if v.size and (v.min() < VI_RANGE[0] or v.max() > VI_RANGE[1]):
        i = int(np.flatnonzero((v < VI_RANGE[0]) | (v > VI_RANGE[1]))[0])
        raise InputError(
            f"argument 'vi', {study_name(i, labels)}: value is {fmt_num(v[i])}; sampling "
            f"variances must lie from {VI_RANGE[0]:.0e} to {VI_RANGE[1]:.0e} (rescale the data)",
            where="vi",
        )


def check_fit_finite(f: Any, labels: tuple[str, ...] | None = None) -> None:
    """Refuse a fit whose estimate, standard error, tau² or Q is not a finite number.

    Raises
    ------
    InputError
        If double precision could not represent the result (extreme but in-range data).
    """
    if not all(np.isfinite(a).all() for a in (f.beta, f.se, f.tau2, f.QE, f.I2, f.H2)):
        raise InputError(
            "arguments 'yi', 'vi': the effect sizes are too far apart relative to their "
            "standard errors to be pooled in double precision (a result is not finite); "
            "check the data for a wrong unit or a misplaced decimal point",
            where="yi,vi",
        )


def warn_knha_fe(method: str, test: str, stacklevel: int) -> None:
    """Warn when the Knapp-Hartung adjustment is asked of a fixed-effects model."""
    if method == "FE" and test in ("knha", "adhoc"):
        warnings.warn(
            "the Knapp-Hartung adjustment is meant for random-effects models, not method='FE'",
            EvisynthWarning,
            stacklevel=stacklevel + 1,
        )


def check_converged(f: Any, method: str, maxiter: int) -> None:
    """Raise :class:`~evisynth.errors.ConvergenceError` if the engine fit did not converge."""
    if not f.converged[0]:
        raise ConvergenceError(
            f"the {method} estimator did not converge in {maxiter} iterations; "
            "increase maxiter= or use a non-iterative method such as method='DL'"
        )


def fit_values(f: Any, i: int = 0) -> dict[str, Any]:
    """The heterogeneity and estimation fields of batch member ``i`` of an engine fit
    (``tau2, I2, H2, ddf, s2w, vt, converged, iterations``), as result fields."""
    return {
        "tau2": float(f.tau2[i]),
        "I2": float(f.I2[i]),
        "H2": float(f.H2[i]),
        "ddf": float(f.ddf[i]),
        "s2w": float(f.s2w[i]),
        "vt": float(f.vt[i]),
        "converged": bool(f.converged[i]),
        "iterations": int(f.iterations[i]),
    }


def pooled_values(f: Any, i: int = 0) -> dict[str, Any]:
    """The fields of an :class:`RMAResult` that batch member ``i`` of an intercept-only
    engine fit gives: the pooled estimate with its test and intervals, Q, and
    :func:`fit_values`."""
    return {
        "estimate": float(f.beta[i, 0]),
        "se": float(f.se[i, 0]),
        "stat": float(f.stat[i, 0]),
        "pval": float(f.pval[i, 0]),
        "ci_lb": float(f.ci_lb[i, 0]),
        "ci_ub": float(f.ci_ub[i, 0]),
        "Q": float(f.QE[i]),
        "Q_pval": float(f.QE_pval[i]),
        "pi_lb": float(f.pi_lb[i]),
        "pi_ub": float(f.pi_ub[i]),
        **fit_values(f, i),
    }


@overload
def rma(
    es: EffectSizes | None = ...,
    *,
    yi: Any = ...,
    vi: Any = ...,
    sei: Any = ...,
    method: str = ...,
    test: str = ...,
    level: float = ...,
    labels: Any = ...,
    tol: float = ...,
    maxiter: int = ...,
    mods: None = ...,
    intercept: Literal[True] = ...,
    btt: None = ...,
    data: None = ...,
) -> RMAResult: ...


@overload
def rma(
    es: EffectSizes | None = ...,
    *,
    yi: Any = ...,
    vi: Any = ...,
    sei: Any = ...,
    method: str = ...,
    test: str = ...,
    level: float = ...,
    labels: Any = ...,
    tol: float = ...,
    maxiter: int = ...,
    mods: Any,
    intercept: bool = ...,
    btt: Any = ...,
    data: Any = ...,
) -> MetaRegResult: ...


def rma(
    es: EffectSizes | None = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    labels: Any = None,
    tol: float = 1e-10,
    maxiter: int = 1000,
    mods: Any = None,
    intercept: bool = True,
    btt: Any = None,
    data: Any = None,
) -> RMAResult | MetaRegResult:
    """Fixed- or random-effects meta-analysis of effect sizes.

    Parameters
    ----------
    es
        Effect sizes from :func:`evisynth.escalc`; alternatively give ``yi`` with
        ``vi`` or ``sei``.
    yi, vi, sei
        Estimates and their sampling variances or standard errors.
    method
        tau² estimator: ``"FE"`` (fixed effect, tau² = 0), ``"DL"``, ``"HE"``,
        ``"HS"``, ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"`` (default), ``"EB"``,
        ``"PM"``. Formulas: :mod:`evisynth.engine.tau2`.
    test
        ``"z"`` (default), ``"t"``, ``"knha"`` (Hartung–Knapp–Sidik–Jonkman) or
        ``"adhoc"`` (HKSJ with the ad hoc ``max(1, q)`` correction); see
        :mod:`evisynth.engine.fit`.
    level
        Confidence level in percent (``0.95`` is read as 95).
    labels
        Study labels (default: those of ``es``).
    tol, maxiter
        Convergence control of the iterative estimators (ML, REML, EB, PM):
        stop when the Fisher-scoring step at the current value is below
        ``tol × (tau² + min(vi))`` (``tol`` from 1e-15 to 0.01).
    mods
        Moderators for a meta-regression (:mod:`evisynth.meta.metareg`): an
        array ``(k,)``/``(k, q)``, a DataFrame, or a formula string such as
        ``"~ ablat + alloc"`` evaluated on ``data`` by formulaic.
    intercept
        Add an intercept to array/DataFrame moderators (formulas decide
        themselves: ``"~ 0 + x"``).
    btt
        Coefficients tested by the omnibus ``QM`` test: 0-based positions or
        names, or a string matched against the names (default: all but the
        intercept).
    data
        Table of moderators (one row per study) for a formula in ``mods``.

    Returns
    -------
    RMAResult or MetaRegResult
        Without ``mods``: pooled estimate, its interval and test, heterogeneity
        statistics and the prediction interval; ``to_dict()``, ``summary()``,
        ``confint()``. With ``mods``: a :class:`MetaRegResult` (coefficient
        table, ``QM``, residual ``QE``/``tau2``/``I2``/``H2``, pseudo-``R2``).

    Raises
    ------
    InputError
        Bad inputs (see :func:`effect_inputs`), an unknown method or test,
        ``k < 2`` for a random-effects method or a t-based test.
    ConvergenceError
        If Fisher scoring does not converge within ``maxiter`` iterations
        (the message suggests ``maxiter`` or a non-iterative method).

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
    J Stat Softw 36(3). Viechtbauer W (2005). Bias and efficiency of
    meta-analytic variance estimators in the random-effects model. J Educ Behav
    Stat 30:261-293.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> round(fit.estimate, 4), fit.k
    (-0.937, 4)
    """
    y, v, lab, measure = effect_inputs(es, yi, vi, sei, labels)
    tol, maxiter = check_control(tol, maxiter)
    if mods is not None or not intercept or btt is not None or data is not None:
        from evisynth.meta.metareg import fit_metareg

        return fit_metareg(
            y, v, lab, measure, mods=mods, intercept=intercept, btt=btt, data=data,
            method=method, test=test, level=level, tol=tol, maxiter=maxiter,
        )
    method = check_choice("method", method, METHODS, METHOD_ALIASES)
    test = check_choice("test", test, TESTS)
    lv = check_level(level)
    k = len(y)
    if k < 1:
        raise InputError("no studies: yi is empty", where="yi")
    if method != "FE" and k < 2:
        raise InputError(
            f"method={method!r} needs at least 2 studies to estimate tau², got k = {k}; "
            "use method='FE' for a single study",
            where="method",
        )
    if test != "z" and k < 2:
        raise InputError(
            f"test={test!r} needs at least 2 studies (k - 1 degrees of freedom), got k = {k}",
            where="test",
        )
    warn_knha_fe(method, test, stacklevel=2)
    with np.errstate(all="ignore"):
        f = fit_batch(make_batch(y, v), method, test, lv, tol=tol, maxiter=maxiter)
    check_fit_finite(f)
    check_converged(f, method, maxiter)
    if test == "knha" and f.s2w[0] == 0.0:
        warnings.warn(
            "all studies lie exactly on the pooled estimate, so the Knapp-Hartung scale factor "
            "is 0 and the standard error is 0 (as in metafor); test='adhoc' avoids this",
            EvisynthWarning,
            stacklevel=2,
        )
    return RMAResult(
        **pooled_values(f),
        k=k,
        method=method,
        test=test,
        level=lv,
        yi=y,
        vi=v,
        weights=f.weights[0],
        labels=lab,
        measure=measure,
    )
