"""Small-study effects: Egger-type regression, rank correlation, trim and fill, fail-safe N.

The definitions are those of R metafor 3.8-1 (``regtest``, ``ranktest``,
``trimfill``, ``fsn``); the numbers are checked against it (tests/reference/bias.R).

Every funnel-plot asymmetry result carries a ``warning`` text (also issued as an
:class:`~evisynth.errors.EvisynthWarning`) when there are fewer than 10 studies:
the Cochrane Handbook (section 10.4.3.1) advises that such tests be used only with
at least 10 studies, because with fewer their power is too low to distinguish
chance from real asymmetry.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis
detected by a simple, graphical test. BMJ 315:629-634.
Sterne JAC, Egger M (2005). Regression methods to detect publication and other
bias in meta-analysis. In: Rothstein, Sutton, Borenstein (eds), Publication Bias
in Meta-Analysis. Wiley, 99-110.
Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test
for publication bias. Biometrics 50:1088-1101.
Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of
testing and adjusting for publication bias in meta-analysis. Biometrics
56:455-463; and JASA 95:89-98.
Rosenthal R (1979). The "file drawer problem" and tolerance for null results.
Psychol Bull 86:638-641. Orwin RG (1983). A fail-safe N for effect size in
meta-analysis. J Educ Stat 8:157-159. Rosenberg MS (2005). The file-drawer
problem revisited. Evolution 59:464-468.
Higgins JPT et al. (eds). Cochrane Handbook for Systematic Reviews of
Interventions, version 6, section 10.4.3.1.
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    check_choice,
    check_number,
    check_positive,
    check_same_length,
)
from evisynth.effects import EffectSizes
from evisynth.engine import fit_batch, make_batch
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.results import RMAResult, _fmt_p
from evisynth.meta.rma import effect_inputs, rma

__all__ = [
    "FsnResult",
    "RankTestResult",
    "RegTestResult",
    "TrimFillResult",
    "fsn",
    "ranktest",
    "regtest",
    "trimfill",
]

#: Fewer studies than this: the asymmetry tests carry a low-power warning.
MIN_STUDIES_FOR_POWER = 10

#: Largest k for the exact Kendall p-value (its distribution costs O(k³) to build;
#: R's exact computation in cor.test becomes impractical at such sizes too).
MAX_EXACT_KENDALL = 500

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


# ----------------------------------------------------------------- shared helpers


def _low_power(k: int, what: str, why: str | None = None) -> str | None:
    """The Cochrane low-power warning for ``k < 10`` (issued and returned), else ``None``."""
    if k >= MIN_STUDIES_FOR_POWER:
        return None
    why = why or "has too little power to distinguish chance from real asymmetry"
    msg = (
        f"only {k} studies: with fewer than {MIN_STUDIES_FOR_POWER} studies {what} {why} "
        "(Cochrane Handbook, section 10.4.3.1); interpret it with caution"
    )
    warnings.warn(msg, EvisynthWarning, stacklevel=3)
    return msg


def _fit_inputs(fit: Any, fn: str) -> tuple[FloatArray, FloatArray, str, str, float]:
    """``(yi, vi, method, test, level)`` of an intercept-only pooled result."""
    needed = ("yi", "vi", "method", "test", "level")
    if not all(hasattr(fit, a) for a in needed):
        raise InputError(
            f"{fn}(): argument 'fit': expected a result of evisynth.rma, rma_mh or rma_peto, "
            f"got {type(fit).__name__}",
            where="fit",
        )
    p = getattr(fit, "p", 1)
    # a meta-regression result holds a vector of coefficients, even when p = 1
    if (isinstance(p, int) and p > 1) or np.ndim(getattr(fit, "estimate", 0.0)) > 0:
        raise InputError(
            f"{fn}(): argument 'fit': the model has moderators; {fn} is defined here for "
            "models without moderators (refit with rma(es) and no mods)",
            where="fit",
        )
    yi = np.asarray(fit.yi, dtype=np.float64)
    vi = np.asarray(fit.vi, dtype=np.float64)
    return yi, vi, str(fit.method), str(fit.test), float(fit.level)


def _need_studies(k: int, fn: str, minimum: int = 3) -> None:
    if k < minimum:
        raise InputError(
            f"{fn}() needs at least {minimum} studies, got k = {k}", where="fit"
        )


def _p_text(p: float) -> str:
    return "p < .0001" if p < 1e-4 else f"p = {p:.4f}"


def _fmt(x: float | None, digits: int = 4) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def dict_html(title: str, d: dict[str, Any], note: str | None = None) -> str:
    """A result dictionary as a small HTML table (shared by the result classes here)."""
    rows = []
    for key, v in d.items():
        if isinstance(v, float):
            cell = f"{v:.6g}"
        elif isinstance(v, list | tuple):
            cell = ", ".join(f"{x:.6g}" if isinstance(x, float) else str(x) for x in v)
        else:
            cell = "" if v is None else str(v)
        rows.append(
            f"<tr><th style='text-align:left'>{html.escape(str(key))}</th>"
            f"<td>{html.escape(cell)}</td></tr>"
        )
    extra = f"<p><em>{html.escape(note)}</em></p>" if note else ""
    return f"<div><strong>{html.escape(title)}</strong><table>{''.join(rows)}</table>{extra}</div>"


# ----------------------------------------------------------------------- regtest


@dataclass(frozen=True)
class RegTestResult:
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
        if self.warning:
            lines += ["", f"Note: {self.warning}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return dict_html(
            f"Regression test for funnel plot asymmetry ({self._model_text()}; predictor: "
            f"{_PREDICTOR_NAMES[self.predictor]}; k = {self.k})",
            self.to_dict(),
            self.warning,
        )


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
    else:
        # Weighted least squares with an estimated dispersion is exactly the
        # Knapp-Hartung-scaled fixed-effect fit: s² = RSS_w / (k - 2), t on k - 2 df.
        f = fit_batch(batch, "FE", "knha", level)
        t_based = True
    limit = predictor in _LIMIT_PREDICTORS
    return RegTestResult(
        model=model,
        predictor=predictor,
        stat=float(f.stat[0, 1]),
        pval=float(f.pval[0, 1]),
        df=float(f.ddf[0]) if t_based else None,
        limit_estimate=float(f.beta[0, 0]) if limit else None,
        limit_ci_lb=float(f.ci_lb[0, 0]) if limit else None,
        limit_ci_ub=float(f.ci_ub[0, 0]) if limit else None,
        slope=float(f.beta[0, 1]),
        slope_se=float(f.se[0, 1]),
        tau2=float(f.tau2[0]),
        method=method if model == "rma" else "FE",
        test=test if model == "rma" else "lm",
        level=level,
        k=k,
        warning=_low_power(k, "the regression test for funnel plot asymmetry"),
    )


# ---------------------------------------------------------------------- ranktest


@dataclass(frozen=True)
class RankTestResult:
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
        """Plain-Python dictionary; the keys are part of the API."""
        return {
            "tau": self.tau,
            "pval": self.pval,
            "exact": self.exact,
            "k": self.k,
            "warning": self.warning,
        }

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.ranktest``."""
        lines = [
            "Rank Correlation Test for Funnel Plot Asymmetry",
            "",
            f"Kendall's tau = {self.tau:.4f}, {_p_text(self.pval)} "
            f"({'exact' if self.exact else 'normal approximation, ties present'})",
        ]
        if self.warning:
            lines += ["", f"Note: {self.warning}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return dict_html(
            f"Rank correlation test for funnel plot asymmetry (k = {self.k})",
            self.to_dict(),
            self.warning,
        )


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
        Not an intercept-only fit, or fewer than 3 studies.

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
    tau, pval, used_exact = _kendall(ystar, vi, bool(exact))
    return RankTestResult(
        tau=tau,
        pval=pval,
        exact=used_exact,
        k=k,
        warning=_low_power(k, "the rank correlation test for funnel plot asymmetry"),
    )


# ---------------------------------------------------------------------- trimfill


@dataclass(frozen=True)
class TrimFillResult:
    """Result of :func:`trimfill`: the estimated number of missing studies and the refit.

    ``estimate`` … ``Q_pval`` are those of ``fit``, the random-/fixed-effects
    model refitted to the observed plus the ``k0`` filled studies (the original
    fit when ``k0 = 0``). ``filled_yi``/``filled_vi`` are the imputed studies.
    ``se_k0`` is the standard error of the estimator of ``k0`` (``nan`` where
    the L0 variance formula turns negative, as in metafor); ``p_k0`` is the
    p-value of the test of ``k0 = 0`` for ``R0`` (``None`` for ``L0``).
    """

    k0: int
    side: str
    estimator: str
    se_k0: float
    p_k0: float | None
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    I2: float
    H2: float
    Q: float
    Q_pval: float
    k: int
    filled_yi: FloatArray = field(repr=False)
    filled_vi: FloatArray = field(repr=False)
    fit: RMAResult = field(repr=False)
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        return {
            "k0": self.k0,
            "side": self.side,
            "estimate": self.estimate,
            "se": self.se,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "tau2": self.tau2,
            "pval": self.pval,
            "k": self.k,
            "estimator": self.estimator,
            "se_k0": None if math.isnan(self.se_k0) else self.se_k0,
            "p_k0": self.p_k0,
            "filled_yi": [float(v) for v in self.filled_yi],
            "filled_vi": [float(v) for v in self.filled_vi],
            "warning": self.warning,
        }

    def to_frame(self) -> Any:
        """All studies (observed, then filled) as a pandas DataFrame: ``label, yi, vi, filled``."""
        import pandas as pd

        f = self.fit
        n_obs = f.k - self.k0
        labels = f.labels or tuple(f"Study {i + 1}" for i in range(n_obs)) + tuple(
            f"Filled {j + 1}" for j in range(self.k0)
        )
        return pd.DataFrame(
            {
                "label": list(labels),
                "yi": np.asarray(f.yi),
                "vi": np.asarray(f.vi),
                "filled": [False] * n_obs + [True] * self.k0,
            }
        )

    def summary(self) -> str:
        """Text summary: the estimated number of missing studies, then the refitted model."""
        se = _fmt(self.se_k0)
        head = [
            f"Estimated number of missing studies on the {self.side} side: {self.k0} "
            f"(SE = {se}; estimator {self.estimator}"
            + (f", {_p_text(self.p_k0)}" if self.p_k0 is not None else "")
            + ")",
            "",
        ]
        tail = ["", f"Note: {self.warning}"] if self.warning else []
        return "\n".join(head) + self.fit.summary() + "\n".join(tail)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        d = {k: v for k, v in self.to_dict().items() if k not in ("filled_yi", "filled_vi")}
        return dict_html(
            f"Trim and fill ({self.estimator}): {self.k0} studies filled on the "
            f"{self.side} side",
            d,
            self.warning,
        )


def _k0_estimate(
    ys: FloatArray, beta: float, estimator: str
) -> tuple[int, float]:
    """One step of Duval & Tweedie: ``(k0, se_k0)`` from the centred, side-flipped effects.

    ``ys`` are the effects sorted in increasing order on the side-flipped scale
    (missing studies assumed on the left). Ranks of ``|y - beta|`` break ties by
    position (R's ``ties.method = "first"``); rounding is half-to-even as R's.
    """
    k = len(ys)
    yc = ys - beta
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)
    signed = np.sign(yc) * ranks
    if estimator == "R0":
        neg = -signed[signed < 0]
        # no negative ranks: the rightmost run spans all k studies
        k0f = k - (float(neg.max()) if neg.size else 0.0) - 1
        se = math.sqrt(2 * max(0.0, k0f) + 2)
    else:
        Sr = float(signed[signed > 0].sum())
        k0f = (4 * Sr - k * (k + 1)) / (2 * k - 1)
        var_sr = (
            k * (k + 1) * (2 * k + 1)
            + 10 * k0f**3
            + 27 * k0f**2
            + 17 * k0f
            - 18 * k * k0f**2
            - 18 * k * k0f
            + 6 * k**2 * k0f
        ) / 24
        se = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
        se = max(0.0, se) if not math.isnan(se) else se
    return max(0, int(np.round(k0f))), se


def trimfill(
    fit: RMAResult,
    *,
    estimator: str = "L0",
    side: str | None = None,
    test: str | None = None,
    maxiter: int = 100,
) -> TrimFillResult:
    """Duval and Tweedie's trim-and-fill method (metafor's ``trimfill``).

    Algorithm (metafor 3.8-1): the side on which studies are missing is, unless
    given, ``"right"`` if the slope of the Egger-type meta-regression of ``yi``
    on ``sqrt(vi)`` (the fit's tau² estimator) is negative, else ``"left"``.
    Effects are flipped so that the missing side is the left one and sorted.
    Starting from ``k0 = 0``, repeatedly: estimate the pooled effect ``b`` from
    the studies left after trimming the ``k0`` most extreme ones, rank
    ``|yᵢ - b|`` over all studies, and update ``k0`` by ``L0 = (4 Sr - k(k+1)) /
    (2k - 1)`` (``Sr``: sum of the positive signed ranks) or ``R0 = γ* - 1``
    (``γ*``: length of the rightmost run of positive ranks), rounded and
    truncated at 0, until ``k0`` no longer changes. The ``k0`` trimmed studies
    are mirrored around ``b`` (``2b - yᵢ``, same ``vᵢ``) and the model is
    refitted to observed plus filled studies.

    All trimmed-set estimates ``b`` are computed in one batched engine call
    (one batch member per possible ``k0``), so the iteration itself is a lookup.

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.
    estimator
        ``"L0"`` (default) or ``"R0"``.
    side
        ``None`` (chosen from the regression test, as above), ``"left"`` or
        ``"right"``: the side on which studies are presumed missing.
    test
        Test of the refitted model; default the fit's own test (see Notes).
    maxiter
        Maximum number of iterations.

    Returns
    -------
    TrimFillResult
        ``k0``, ``side``, the refitted estimate, interval and tau², the filled
        studies and the refit itself (``.fit``).

    Raises
    ------
    InputError
        ``fit`` is not an intercept-only :func:`rma` result, fewer than 3
        studies, unknown estimator/side/test.
    ConvergenceError
        ``k0`` still changing after ``maxiter`` iterations, or the tau²
        estimator not converging.

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies (Cochrane Handbook 10.4.3.1).

    Notes
    -----
    metafor refits the filled data with its default ``test="z"`` whatever the
    test of the original model (unless ``test=`` is passed); evisynth keeps the
    original model's test unless ``test`` is given, so that a Knapp–Hartung
    analysis stays one after filling.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...              vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05])
    >>> tf = ev.trimfill(fit)
    >>> tf.k0, tf.side, round(tf.estimate, 4)
    (5, 'left', 0.1602)
    """
    if not isinstance(fit, RMAResult):
        raise InputError(
            "trimfill(): argument 'fit': expected a result of evisynth.rma, got "
            f"{type(fit).__name__}",
            where="fit",
        )
    yi, vi, method, fit_test, level = _fit_inputs(fit, "trimfill")
    estimator = check_choice("estimator", estimator, ("L0", "R0"))
    from evisynth.engine import TESTS

    test_ = fit_test if test is None else check_choice("test", test, TESTS)
    k = len(yi)
    _need_studies(k, "trimfill")

    if side is None:
        X = np.column_stack([np.ones(k), np.sqrt(vi)])
        if np.linalg.matrix_rank(X) < 2:
            raise InputError(
                "trimfill(): all studies have the same variance, so the side of the missing "
                "studies cannot be estimated from the funnel plot; give side='left' or "
                "side='right'",
                where="side",
            )
        reg = fit_batch(make_batch(yi, vi, X), method, "z", level)
        side_ = "right" if reg.beta[0, 1] < 0 else "left"
    else:
        side_ = check_choice("side", side, ("left", "right"))
    sign = -1.0 if side_ == "right" else 1.0

    order = np.argsort(sign * yi, kind="stable")
    ys, vs = sign * yi[order], vi[order]
    # Batch member j keeps the k - j smallest (flipped) effects; j = k - 1 keeps a
    # single study, whose estimate is that study's effect whatever the weights.
    n_fit = k - 1
    keep = np.arange(k)[None, :] < (k - np.arange(n_fit))[:, None]
    trimmed = fit_batch(make_batch(ys, vs, mask=keep), method, "z", level)
    betas = np.append(trimmed.beta[:, 0], ys[0])

    k0, k0_prev, it = 0, -1, 0
    used: set[int] = set()
    se_k0 = math.nan
    while k0 != k0_prev:
        it += 1
        if it > maxiter:
            raise ConvergenceError(
                f"trimfill(): the number of missing studies did not settle in {maxiter} "
                "iterations; increase maxiter="
            )
        k0_prev = k0
        used.add(k0)
        k0, se_k0 = _k0_estimate(ys, float(betas[k0]), estimator)
    if not all(trimmed.converged[j] for j in used if j < n_fit):
        raise ConvergenceError(
            f"trimfill(): the {method} estimator did not converge for a trimmed data set; "
            "use a non-iterative method such as method='DL'"
        )
    beta = sign * float(betas[k0])

    idx = order[k - k0 :]
    filled_yi = 2 * beta - yi[idx]
    filled_vi = vi[idx]
    if k0 == 0 and test_ == fit_test:
        refit = fit
    else:
        labels = (
            (fit.labels or tuple(f"Study {i + 1}" for i in range(k)))
            + tuple(f"Filled {j + 1}" for j in range(k0))
        )
        refit = rma(
            yi=np.concatenate([yi, filled_yi]),
            vi=np.concatenate([vi, filled_vi]),
            method=method,
            test=test_,
            level=level,
            labels=labels,
        )
    return TrimFillResult(
        k0=k0,
        side=side_,
        estimator=estimator,
        se_k0=se_k0,
        p_k0=0.5 ** (k0 + 1) if estimator == "R0" else None,
        estimate=refit.estimate,
        se=refit.se,
        stat=refit.stat,
        pval=refit.pval,
        ci_lb=refit.ci_lb,
        ci_ub=refit.ci_ub,
        tau2=refit.tau2,
        I2=refit.I2,
        H2=refit.H2,
        Q=refit.Q,
        Q_pval=refit.Q_pval,
        k=refit.k,
        filled_yi=filled_yi,
        filled_vi=filled_vi,
        fit=refit,
        warning=_low_power(k, "trim and fill"),
    )


# --------------------------------------------------------------------------- fsn


@dataclass(frozen=True)
class FsnResult:
    """Result of :func:`fsn`: the fail-safe N.

    ``pval`` is the p-value of the combined test (Rosenthal: one-sided Stouffer;
    Rosenberg: two-sided fixed-effect z test; ``None`` for Orwin); ``meanes`` the
    mean effect (Orwin: unweighted or inverse-variance weighted; Rosenberg:
    fixed-effect estimate); ``target`` the effect size that Orwin's method aims at.
    """

    fsnum: int
    type: str
    alpha: float
    pval: float | None
    meanes: float | None
    target: float | None
    k: int
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        return {
            "fsnum": self.fsnum,
            "type": self.type,
            "alpha": self.alpha,
            "pval": self.pval,
            "meanes": self.meanes,
            "target": self.target,
            "k": self.k,
            "warning": self.warning,
        }

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.fsn``."""
        approach = {
            "Rosenthal": "Rosenthal Approach",
            "Orwin": "Orwin Approach",
            "Rosenberg": "Rosenberg Approach",
        }[self.type]
        lines = [f"Fail-safe N Calculation Using the {approach}", ""]
        if self.type == "Rosenthal":
            lines += [
                f"Observed Significance Level: {_fmt_p(self.pval or 0.0)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        elif self.type == "Orwin":
            lines += [
                f"Average Effect Size: {_fmt(self.meanes)}",
                f"Target Effect Size:  {_fmt(self.target)}",
            ]
        else:
            lines += [
                f"Average Effect Size:         {_fmt(self.meanes)}",
                f"Observed Significance Level: {_fmt_p(self.pval or 0.0)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        lines += ["", f"Fail-safe N: {self.fsnum}"]
        if self.warning:
            lines += ["", f"Note: {self.warning}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return dict_html(f"Fail-safe N ({self.type})", self.to_dict(), self.warning)


def _ceil_count(x: float) -> int:
    """metafor's rounding of the fail-safe N: up, unless within sqrt(eps) of an integer."""
    if abs(x - round(x)) >= math.sqrt(np.finfo(np.float64).eps):
        return math.ceil(x)
    return round(x)


def fsn(
    es: EffectSizes | None = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    type: str = "Rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
    weighted: bool = False,
) -> FsnResult:
    """Fail-safe N: how many null studies would overturn the result (metafor's ``fsn``).

    * ``Rosenthal`` (1979): with ``zᵢ = yᵢ/sqrt(vᵢ)`` and the Stouffer statistic
      ``Z = |Σzᵢ| / sqrt(k)``, the number of studies averaging ``z = 0`` that
      brings the one-sided Stouffer p-value to ``alpha``:
      ``N = max(0, k (Z / z₁₋α)² - k)``.
    * ``Orwin`` (1983): the number of studies with effect 0 that brings the
      (unweighted, or with ``weighted=True`` inverse-variance weighted) mean
      effect ``ȳ`` down to ``target`` (default ``ȳ/2``): ``N = max(0, k (ȳ -
      target) / target)``; ``target`` takes the sign of ``ȳ``.
    * ``Rosenberg`` (2005): the number of studies with effect 0 and average
      weight that makes the two-sided fixed-effect z test non-significant:
      ``N = max(0, k ((Σwᵢyᵢ / z₁₋α/₂)² - Σwᵢ) / Σwᵢ)``.

    ``N`` is rounded up to a whole number of studies (unless within
    ``sqrt(eps)`` of an integer), as in metafor.

    Parameters
    ----------
    es
        Effect sizes; alternatively ``yi`` with ``vi`` or ``sei``.
    yi, vi, sei
        Estimates and their variances or standard errors (not needed for the
        unweighted Orwin method, where only ``yi`` is used).
    type
        ``"Rosenthal"`` (default), ``"Orwin"`` or ``"Rosenberg"``.
    alpha
        Target significance level (Rosenthal, Rosenberg).
    target
        Target average effect (Orwin); must not be 0.
    weighted
        Orwin only: inverse-variance weighted mean effect.

    Returns
    -------
    FsnResult
        ``fsnum``, ``type`` and the quantities it was computed from.

    Raises
    ------
    InputError
        Bad effect sizes or variances, unknown type, ``alpha`` outside (0, 1),
        ``target = 0`` (no finite number of null studies reaches it), a mean
        effect of exactly 0 for Orwin.

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies. Note that the Cochrane Handbook (section
        10.4.3.1) advises against fail-safe N altogether: it ignores
        the possibility that missing studies report effects opposite to
        the observed ones.

    Examples
    --------
    >>> import evisynth as ev
    >>> ev.fsn(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...        vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05]).fsnum
    95
    """
    type_ = check_choice("type", type, ("Rosenthal", "Orwin", "Rosenberg"))
    a = check_number("alpha", alpha, lo=0, hi=1)
    if not 0 < a < 1:
        raise InputError(
            f"argument 'alpha': {alpha!r} must lie strictly between 0 and 1 (e.g. 0.05)",
            where="alpha",
        )
    needs_vi = type_ != "Orwin" or weighted
    if needs_vi or es is not None:
        y, v, _, _ = effect_inputs(es, yi, vi, sei, None)
    else:
        if yi is None:
            raise InputError("missing effect sizes: pass an EffectSizes or yi=", where="yi")
        y = as_float_vector("yi", yi)
        v = np.ones_like(y)
    k = len(y)
    if k < 1:
        raise InputError("no studies: yi is empty", where="yi")

    pval: float | None = None
    meanes: float | None = None
    target_used: float | None = None
    if type_ == "Rosenthal":
        z_avg = abs(float(np.sum(y / np.sqrt(v)))) / math.sqrt(k)
        pval = float(stats.norm.sf(z_avg))
        n = max(0.0, k * (z_avg / stats.norm.isf(a)) ** 2 - k)
    elif type_ == "Orwin":
        w = 1 / v if weighted else np.ones(k)
        meanes = float(np.sum(w * y) / np.sum(w))
        if meanes == 0:
            raise InputError(
                "fsn(type='Orwin'): the mean effect is exactly 0, so there is nothing for "
                "null studies to reduce",
                where="yi",
            )
        tg = meanes / 2 if target is None else check_number("target", target)
        if tg == 0:
            raise InputError(
                "argument 'target': 0 cannot be reached by adding any finite number of null "
                "studies; give a non-zero target effect (default: half the mean effect)",
                where="target",
            )
        if math.copysign(1, tg) != math.copysign(1, meanes):
            tg = -tg
        target_used = tg
        n = max(0.0, k * (meanes - tg) / tg)
    else:
        w = 1 / v
        sw = float(np.sum(w))
        meanes = float(np.sum(w * y) / sw)
        pval = float(2 * stats.norm.sf(abs(meanes * math.sqrt(sw))))
        w_p = (float(np.sum(w * y)) / stats.norm.isf(a / 2)) ** 2 - sw
        n = max(0.0, k * w_p / sw)
    return FsnResult(
        fsnum=_ceil_count(n),
        type=type_,
        alpha=a,
        pval=pval,
        meanes=meanes,
        target=target_used,
        k=k,
        warning=_low_power(
            k,
            "the fail-safe N",
            "is unstable, and the tests for funnel plot asymmetry it stands in for have too "
            "little power",
        ),
    )
