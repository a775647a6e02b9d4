"""Egger-type regression test for funnel plot asymmetry (metafor's ``regtest``).

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
detected by a simple, graphical test. BMJ 315:629-634.
Sterne JAC, Egger M (2005). Regression methods to detect publication and other
bias in meta-analysis. In: Rothstein, Sutton, Borenstein (eds), Publication Bias
in Meta-Analysis. Wiley, 99-110.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    check_choice,
    check_positive,
    check_same_length,
)
from evisynth.engine import fit_batch, make_batch
from evisynth.errors import ConvergenceError, InputError
from evisynth.meta.bias._common import (
    _fit_inputs,
    _fmt,
    _low_power,
    _need_studies,
    _p_text,
    _SmallStudyResult,
)

PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
# Predictors that vanish as the study becomes infinitely precise, so that the
# intercept is the "limit estimate" (metafor reports it for these only).
_LIMIT_PREDICTORS = ("sei", "vi", "ninv", "sqrtninv")
_PREDICTOR_NAMES = {
    "sei": "standard error",
    "vi": "sampling variance",
    "ni": "sample size",
    "ninv": "inverse of the sample size",
    "sqrtni": "square root of the sample size",
    "sqrtninv": "inverse of the square root of the sample size",
}



@dataclass(frozen=True)
class RegTestResult(_SmallStudyResult):
    """Result of :func:`regtest`: the Egger-type test and the limit estimate.

    ``stat`` is a z statistic for ``model="rma"`` with ``test="z"`` and a t
    statistic with ``df`` degrees of freedom otherwise. ``limit_estimate`` and its
    interval (the intercept: the expected effect of an infinitely precise study)
    are ``None`` for the predictors ``ni`` and ``sqrtni``, which do not vanish as
    precision grows.
    """

    model: str
    predictor: str
    stat: float
    pval: float
    df: float | None
    limit_estimate: float | None
    limit_ci_lb: float | None
    limit_ci_ub: float | None
    slope: float
    slope_se: float
    tau2: float
    method: str
    test: str
    level: float
    k: int
    warning: str | None = None

    @property
    def t_based(self) -> bool:
        """``True`` when ``stat`` is a t statistic."""
        return self.df is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        d: dict[str, Any] = {
            "stat": self.stat,
            "pval": self.pval,
            "limit_estimate": self.limit_estimate,
            "limit_ci_lb": self.limit_ci_lb,
            "limit_ci_ub": self.limit_ci_ub,
        }
        if self.df is not None:
            d["df"] = self.df
        d["k"] = self.k
        d["warning"] = self.warning
        return d

    def _model_text(self) -> str:
        if self.model == "lm":
            return "weighted regression with multiplicative dispersion"
        if self.method == "FE":
            return "fixed-effects meta-regression model"
        return f"mixed-effects meta-regression model (tau^2 estimator: {self.method})"

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.regtest``."""
        st = "t" if self.t_based else "z"
        dfs = f", df = {int(self.df)}" if self.df is not None else ""
        lines = [
            "Regression Test for Funnel Plot Asymmetry",
            "",
            f"Model:     {self._model_text()}",
            f"Predictor: {_PREDICTOR_NAMES[self.predictor]}",
            "",
            f"Test for Funnel Plot Asymmetry: {st} = {self.stat:.4f}{dfs}, "
            f"{_p_text(self.pval)}",
        ]
        if self.limit_estimate is not None:
            lines.append(
                f"Limit Estimate (as {self.predictor} -> 0):   b = {self.limit_estimate:.4f} "
                f"(CI: {_fmt(self.limit_ci_lb)}, {_fmt(self.limit_ci_ub)})"
            )
        lines += self._note_lines()
        return "\n".join(lines)

    def _html_title(self) -> str:
        return (f"Regression test for funnel plot asymmetry ({self._model_text()}; predictor: "
                f"{_PREDICTOR_NAMES[self.predictor]}; k = {self.k})")


def _sample_sizes(ni: Any, fit: Any, k: int) -> FloatArray:
    labels = getattr(fit, "labels", None)
    if ni is None:
        ni = getattr(fit, "ni", None)
    if ni is None:
        raise InputError(
            "regtest(): the predictors ni, ninv, sqrtni and sqrtninv need the sample sizes; "
            "pass ni= (one total sample size per study)",
            where="ni",
        )
    n = as_float_vector("ni", ni, labels=labels)
    check_same_length({"ni": n, "yi": np.empty(k)})
    check_positive("ni", n, labels=labels)
    return n


def regtest(
    fit: Any,
    *,
    model: str = "rma",
    predictor: str = "sei",
    ni: Any = None,
) -> RegTestResult:
    """Egger-type regression test for funnel plot asymmetry (metafor's ``regtest``).

    The effect sizes are regressed on a measure of precision, ``yi = b0 + b1 x_i``:
    with ``model="rma"`` as a meta-regression with the fit's tau² estimator,
    test and level (Sterne & Egger 2005), with ``model="lm"`` as a weighted
    least-squares regression with weights ``1/vi`` and a multiplicative
    dispersion parameter (Egger et al. 1997; the classical Egger test). The test
    of asymmetry is the test of ``b1 = 0``. For the predictors that vanish as the
    study becomes infinitely precise (``sei``, ``vi``, ``ninv``, ``sqrtninv``),
    the intercept ``b0`` is the *limit estimate* with its confidence interval.

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma` (or :func:`rma_mh`,
        :func:`rma_peto`, which count as fixed-effect fits).
    model
        ``"rma"`` (default) or ``"lm"``.
    predictor
        ``"sei"`` (standard error, default), ``"vi"`` (variance), ``"ni"``
        (sample size), ``"ninv"`` (1/ni), ``"sqrtni"`` or ``"sqrtninv"``.
    ni
        Total sample size per study, needed for the ``ni``-based predictors.

    Returns
    -------
    RegTestResult
        ``stat, pval, df`` (t-based tests), ``limit_estimate, limit_ci_lb,
        limit_ci_ub``, the slope, and ``warning`` when ``k < 10``.

    Raises
    ------
    InputError
        Not an intercept-only fit, fewer than 3 studies, an unknown model or
        predictor, missing or invalid ``ni``, or a predictor that is the same for
        every study.
    ConvergenceError
        If an iterative tau² estimator does not converge in the regression.

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies (Cochrane Handbook 10.4.3.1).

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...              vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05])
    >>> res = ev.regtest(fit)
    >>> round(res.stat, 4), round(res.limit_estimate, 4)
    (3.6788, -0.2219)
    """
    yi, vi, method, test, level = _fit_inputs(fit, "regtest")
    model = check_choice("model", model, ("rma", "lm"))
    predictor = check_choice("predictor", predictor, PREDICTORS)
    k = len(yi)
    _need_studies(k, "regtest")
    if predictor in ("sei", "vi"):
        x = np.sqrt(vi) if predictor == "sei" else vi
    else:
        n = _sample_sizes(ni, fit, k)
        x = {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[
            predictor
        ]
    X = np.column_stack([np.ones(k), x])
    if np.linalg.matrix_rank(X) < 2:
        raise InputError(
            f"argument 'predictor': {predictor!r} takes the same value in every study, so "
            "its slope cannot be separated from the intercept; choose another predictor",
            where="predictor",
        )
    batch = make_batch(yi, vi, X)
    if model == "rma":
        f = fit_batch(batch, method, test, level)
        if not f.converged[0]:
            raise ConvergenceError(
                f"regtest(): the {method} estimator did not converge in the regression model; "
                "refit with a non-iterative method such as method='DL'"
            )
        t_based = test != "z"
        se, stat, pval, ci_lb, ci_ub = f.se[0], f.stat[0], f.pval[0], f.ci_lb[0], f.ci_ub[0]
    else:
        # Weighted least squares with an estimated dispersion (R's lm() with weights
        # 1/vi): the fixed-effect t-test fit, standard errors scaled by
        # s = sqrt(RSS_w / (k - 2)). Not test="knha", which sets s = 0 when
        # RSS_w <= eps, as metafor's rma does; lm() has no such floor.
        f = fit_batch(batch, "FE", "t", level)
        t_based = True
        s = float(np.sqrt(np.sum((yi - X @ f.beta[0]) ** 2 / vi) / (k - 2)))
        with np.errstate(divide="ignore", invalid="ignore"):
            se, stat = f.se[0] * s, f.stat[0] / s
        pval = 2.0 * student_t.sf(np.abs(stat), k - 2)
        ci_lb = f.beta[0] - (f.beta[0] - f.ci_lb[0]) * s
        ci_ub = f.beta[0] + (f.ci_ub[0] - f.beta[0]) * s
    limit = predictor in _LIMIT_PREDICTORS
    return RegTestResult(
        model=model,
        predictor=predictor,
        stat=float(stat[1]),
        pval=float(pval[1]),
        df=float(f.ddf[0]) if t_based else None,
        limit_estimate=float(f.beta[0, 0]) if limit else None,
        limit_ci_lb=float(ci_lb[0]) if limit else None,
        limit_ci_ub=float(ci_ub[0]) if limit else None,
        slope=float(f.beta[0, 1]),
        slope_se=float(se[1]),
        tau2=float(f.tau2[0]),
        method=method if model == "rma" else "FE",
        test=test if model == "rma" else "lm",
        level=level,
        k=k,
        warning=_low_power(k, "the regression test for funnel plot asymmetry"),
    )
