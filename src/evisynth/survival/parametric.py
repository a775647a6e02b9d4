"""Parametric survival models for extrapolation, with mixture-cure versions.

Distributions and parameterisations (natural parameters in brackets):

========================  ==========================================================
``exponential``           S(t) = exp(-rate t)                                [rate]
``weibull``               S(t) = exp(-(t/scale)^shape)                [shape, scale]
                          (R ``survreg``: mu = log scale, sigma = 1/shape)
``gompertz``              h(t) = rate exp(shape t),
                          S(t) = exp(-(rate/shape)(exp(shape t) - 1))   [shape, rate]
                          (flexsurv's parameterisation; shape < 0 gives a plateau)
``lognormal``             log T ~ Normal(meanlog, sdlog)            [meanlog, sdlog]
``loglogistic``           S(t) = 1 / (1 + (t/scale)^shape)            [shape, scale]
                          (R ``survreg``: mu = log scale, sigma = 1/shape)
``gengamma``              generalised gamma of Prentice (1974)      [mu, sigma, Q]
                          w = (log t - mu)/sigma, g = Q^-2, u = g exp(Q w);
                          S = 1 - P(g, u) for Q > 0, P(g, u) for Q < 0,
                          the log-normal for Q = 0 (flexsurv ``gengamma``)
========================  ==========================================================

Mixture cure (Boag 1949; Berkson & Gage 1952): a fraction ``cure`` never has the
event, ``S(t) = cure + (1 - cure) S_u(t)``, ``f(t) = (1 - cure) f_u(t)``; the
cure fraction is estimated on the logit scale.

Estimation: maximum likelihood, ``sum_events log f(t) + sum_censored log S(t)``
(on the time scale, as R ``survreg`` and flexsurv report it), maximised with
scipy (Nelder–Mead, then BFGS, then Newton steps on central-difference
derivatives). The covariance of the internal parameters is the inverse of the
numerical Hessian. AIC = 2k - 2 logL; BIC = k log(n) - 2 logL with ``n`` the
number of patients.

References
----------
Collett D. Modelling Survival Data in Medical Research, 3rd ed., ch. 5–6.
Prentice RL. Biometrika 1974;61:539–544 (generalised gamma).
Jackson C. flexsurv: J Stat Softw 2016;70(8) (parameterisations).
Latimer N. NICE DSU TSD 14 (2011): the standard set of extrapolation models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats

from evisynth._validation import FloatArray
from evisynth.errors import ConvergenceError, InputError
from evisynth.survival._input import as_survival_data

__all__ = [
    "DISTRIBUTIONS",
    "ModelComparison",
    "ParametricFit",
    "fit_parametric",
    "fit_parametric_models",
]

DISTRIBUTIONS = ("exponential", "weibull", "gompertz", "lognormal", "loglogistic", "gengamma")


def _softplus(z: FloatArray) -> FloatArray:
    return np.asarray(np.logaddexp(0.0, z), dtype=float)


def _expm1_over_x(x: FloatArray) -> FloatArray:
    small = np.abs(x) < 1e-8
    xs = np.where(small, 1.0, x)
    return np.where(small, 1.0 + x / 2, np.expm1(xs) / xs)


# Each distribution: internal parameter names, logpdf(t, th, tscale), logsf(t, th, tscale),
# natural(th, tscale) -> dict. ``tscale`` is the mean observed time (Gompertz shape units).
@dataclass(frozen=True)
class _Dist:
    name: str
    internal: tuple[str, ...]
    logpdf: Callable[[FloatArray, FloatArray, float], FloatArray]
    logsf: Callable[[FloatArray, FloatArray, float], FloatArray]
    natural: Callable[[FloatArray, float], dict[str, float]]


def _exp_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    return th[0] - np.exp(th[0]) * t


def _exp_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    return -np.exp(th[0]) * t


def _wei_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    mu, sig = th[0], np.exp(th[1])
    return np.asarray(-np.exp((np.log(t) - mu) / sig), dtype=float)


def _wei_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    mu, sig = th[0], np.exp(th[1])
    z = (np.log(t) - mu) / sig
    return np.asarray(z - np.exp(z) - np.log(sig) - np.log(t), dtype=float)


def _gom_ab(th: FloatArray, s: float) -> tuple[float, float]:
    return float(th[0]) / s, float(np.exp(th[1]))


def _gom_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    a, b = _gom_ab(th, s)
    return np.asarray(-b * t * _expm1_over_x(a * t), dtype=float)


def _gom_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    a, b = _gom_ab(th, s)
    return np.asarray(np.log(b) + a * t + _gom_lsf(t, th, s), dtype=float)


def _ln_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    return np.asarray(stats.norm.logsf((np.log(t) - th[0]) / np.exp(th[1])), dtype=float)


def _ln_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    sig = np.exp(th[1])
    z = (np.log(t) - th[0]) / sig
    return np.asarray(stats.norm.logpdf(z) - np.log(sig) - np.log(t), dtype=float)


def _ll_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    return -_softplus((np.log(t) - th[0]) / np.exp(th[1]))


def _ll_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    sig = np.exp(th[1])
    z = (np.log(t) - th[0]) / sig
    return np.asarray(z - np.log(sig) - np.log(t) - 2 * _softplus(z), dtype=float)


_Q_ZERO = 1e-6


def _gg_lsf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    mu, sig, q = th[0], np.exp(th[1]), th[2]
    w = (np.log(t) - mu) / sig
    if abs(q) < _Q_ZERO:
        return np.asarray(stats.norm.logsf(w), dtype=float)
    g = q**-2
    u = g * np.exp(q * w)
    if q > 0:
        return np.asarray(stats.gamma.logsf(u, g), dtype=float)
    return np.asarray(stats.gamma.logcdf(u, g), dtype=float)


def _gg_lpdf(t: FloatArray, th: FloatArray, s: float) -> FloatArray:
    mu, sig, q = th[0], np.exp(th[1]), th[2]
    w = (np.log(t) - mu) / sig
    if abs(q) < _Q_ZERO:
        return np.asarray(stats.norm.logpdf(w) - np.log(sig) - np.log(t), dtype=float)
    g = q**-2
    return np.asarray(
        -np.log(sig * t) + np.log(abs(q)) + g * np.log(g) + g * (q * w - np.exp(q * w))
        - special.gammaln(g),
        dtype=float,
    )


_DISTS: dict[str, _Dist] = {
    "exponential": _Dist(
        "exponential", ("log_rate",), _exp_lpdf, _exp_lsf,
        lambda th, s: {"rate": float(np.exp(th[0]))},
    ),
    "weibull": _Dist(
        "weibull", ("mu", "log_sigma"), _wei_lpdf, _wei_lsf,
        lambda th, s: {"shape": float(np.exp(-th[1])), "scale": float(np.exp(th[0]))},
    ),
    "gompertz": _Dist(
        "gompertz", ("shape_x_mean_time", "log_rate"), _gom_lpdf, _gom_lsf,
        lambda th, s: {"shape": float(th[0]) / s, "rate": float(np.exp(th[1]))},
    ),
    "lognormal": _Dist(
        "lognormal", ("mu", "log_sigma"), _ln_lpdf, _ln_lsf,
        lambda th, s: {"meanlog": float(th[0]), "sdlog": float(np.exp(th[1]))},
    ),
    "loglogistic": _Dist(
        "loglogistic", ("mu", "log_sigma"), _ll_lpdf, _ll_lsf,
        lambda th, s: {"shape": float(np.exp(-th[1])), "scale": float(np.exp(th[0]))},
    ),
    "gengamma": _Dist(
        "gengamma", ("mu", "log_sigma", "Q"), _gg_lpdf, _gg_lsf,
        lambda th, s: {"mu": float(th[0]), "sigma": float(np.exp(th[1])), "Q": float(th[2])},
    ),
}


def _model_logs(
    dist: _Dist, cure: bool, t: FloatArray, th: FloatArray, s: float
) -> tuple[FloatArray, FloatArray]:
    """(log f, log S) of the (possibly mixture-cure) model at times t."""
    base = th[:-1] if cure else th
    lf, ls = dist.logpdf(t, base, s), dist.logsf(t, base, s)
    if not cure:
        return lf, ls
    lp = -_softplus(-th[-1])  # log cure
    l1p = -_softplus(th[-1])  # log (1 - cure)
    return l1p + lf, np.logaddexp(lp, l1p + ls)


def _loglik(dist: _Dist, cure: bool, t: FloatArray, e: FloatArray, th: FloatArray, s: float
            ) -> float:
    with np.errstate(all="ignore"):
        lf, ls = _model_logs(dist, cure, t, th, s)
        val = float(np.sum(np.where(e == 1, lf, ls)))
    return val if np.isfinite(val) else -np.inf


def _polish(f: Callable[[FloatArray], float], th: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Newton steps on central-difference derivatives, with step halving."""
    for _ in range(20):
        g = _num_grad(f, th)
        H = _num_hess(f, th)
        if not np.isfinite(H).all() or not np.all(np.linalg.eigvalsh((H + H.T) / 2) > 0):
            break
        step = np.linalg.solve(H, g)
        lam = 1.0
        while lam > 1e-4 and f(th - lam * step) > f(th) + 1e-12:
            lam /= 2
        th = th - lam * step
        if np.max(np.abs(lam * step)) < 1e-10:
            break
    return th, _num_hess(f, th)


def _num_grad(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray:
    g = np.zeros_like(x)
    for i in range(len(x)):
        h = 1e-5 * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def _num_hess(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray:
    k = len(x)
    H = np.zeros((k, k))
    hs = [1e-4 * max(1.0, abs(v)) for v in x]
    f0 = f(x)
    for i in range(k):
        for j in range(i, k):
            if i == j:
                xp, xm = x.copy(), x.copy()
                xp[i] += hs[i]
                xm[i] -= hs[i]
                H[i, i] = (f(xp) - 2 * f0 + f(xm)) / hs[i] ** 2
            else:
                vals = []
                for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                    xx = x.copy()
                    xx[i] += si * hs[i]
                    xx[j] += sj * hs[j]
                    vals.append(f(xx))
                H[i, j] = H[j, i] = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * hs[i] * hs[j])
    return H


@dataclass(frozen=True, eq=False)
class ParametricFit:
    """A fitted parametric (optionally mixture-cure) survival model.

    Attributes
    ----------
    distribution, cure
        Model family and whether it is the mixture-cure version.
    params
        Natural parameters (see the module table), plus ``cure_fraction`` for cure models.
    theta, theta_names, vcov
        Internal (unconstrained) estimates and their covariance (inverse Hessian;
        ``None`` when the cure fraction is at its boundary 0, see ``note``).
    note
        Why ``vcov`` is missing, if it is.
    loglik, aic, bic, k, n, events
        Fit statistics: k parameters, n patients.
    """

    distribution: str
    cure: bool
    params: dict[str, float]
    theta: FloatArray
    theta_names: tuple[str, ...]
    vcov: FloatArray | None
    loglik: float
    aic: float
    bic: float
    k: int
    n: int
    events: int
    time_scale: float
    note: str | None = None

    @property
    def label(self) -> str:
        return f"{self.distribution}{' mixture cure' if self.cure else ''}"

    def _logs(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        return _model_logs(_DISTS[self.distribution], self.cure, t, self.theta, self.time_scale)

    def survival(self, times: Any) -> FloatArray:
        """Fitted (extrapolated) survival S(t); S(0) = 1."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if (t < 0).any() or not np.isfinite(t).all():
            raise InputError("argument 'times': must be finite and >= 0", where="times")
        out = np.ones_like(t)
        pos = t > 0
        with np.errstate(all="ignore"):
            out[pos] = np.exp(self._logs(t[pos])[1])
        return out

    def hazard(self, times: Any) -> FloatArray:
        """Fitted hazard h(t) = f(t) / S(t) for t > 0."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if (t <= 0).any():
            raise InputError("argument 'times': the hazard is evaluated at t > 0", where="times")
        lf, ls = self._logs(t)
        return np.asarray(np.exp(lf - ls), dtype=float)

    def restricted_mean(self, horizon: float) -> float:
        """Mean survival up to ``horizon``: ∫_0^horizon S(t) dt (adaptive quadrature)."""
        h = float(horizon)
        if not np.isfinite(h) or h <= 0:
            raise InputError("argument 'horizon': must be a positive time", where="horizon")
        val, _ = integrate.quad(lambda x: float(self.survival([x])[0]), 0.0, h, limit=200,
                                epsabs=1e-10, epsrel=1e-10)
        return float(val)

    def to_dict(self) -> dict[str, Any]:
        return {
            "distribution": self.distribution,
            "cure": self.cure,
            "params": dict(self.params),
            "theta": dict(zip(self.theta_names, self.theta.tolist(), strict=True)),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "k": self.k,
            "n": self.n,
            "events": self.events,
            "note": self.note,
        }


def _starts(name: str, cure: bool, t: FloatArray, e: FloatArray, s: float) -> list[FloatArray]:
    rate = max(e.sum(), 0.5) / t.sum()
    base: list[FloatArray]
    if name == "exponential":
        base = [np.array([np.log(rate)])]
    elif name in ("weibull", "loglogistic", "lognormal"):
        mu0 = -np.log(rate)
        base = [np.array([mu0, 0.0]), np.array([np.log(np.median(t)), 0.0])]
    elif name == "gompertz":
        base = [np.array([0.0, np.log(rate)]), np.array([-0.5, np.log(rate)]),
                np.array([0.5, np.log(rate)])]
    else:  # gengamma: from the Weibull (Q = 1) and log-normal (Q near 0) fits
        out_gg = []
        for sub, q0 in (("weibull", (1.0,)), ("lognormal", (0.1, -0.3))):
            try:
                f = fit_parametric(t, e, sub, cure=cure)
            except ConvergenceError:
                continue
            for q in q0:
                th0 = f.theta
                out_gg.append(np.r_[th0[:2], q, th0[2:]] if cure else np.r_[th0, q])
        if out_gg:
            return out_gg
        base = [np.array([-np.log(rate), 0.0, 1.0])]
    if not cure:
        return base
    out = []
    for b in base:
        for p in (0.1, 0.3, 0.6):
            out.append(np.r_[b, np.log(p / (1 - p))])
    return out


def fit_parametric(
    time: Any, event: Any, distribution: str, *, cure: bool = False
) -> ParametricFit:
    """Fit one parametric survival model by maximum likelihood.

    Parameters
    ----------
    time, event
        Follow-up times (> 0) and event indicators (1 event, 0 censored).
    distribution
        One of ``exponential, weibull, gompertz, lognormal, loglogistic, gengamma``.
    cure
        Fit the mixture-cure version (adds the cure fraction).

    Returns
    -------
    ParametricFit

    Raises
    ------
    InputError
        Unknown distribution, a time of 0, no events.
    ConvergenceError
        No start value led to a finite, converged maximum.

    Examples
    --------
    >>> fit = fit_parametric([2.0, 3.0, 5.0, 7.0], [1, 1, 0, 1], "exponential")
    >>> round(fit.params["rate"], 6)  # D / sum(t) = 3 / 17
    0.176471

    References
    ----------
    Collett (2015) ch. 5; flexsurv parameterisations (Jackson 2016).
    """
    if distribution not in _DISTS:
        raise InputError(
            f"argument 'distribution': {distribution!r} is not one of {', '.join(DISTRIBUTIONS)}",
            where="distribution",
        )
    t, e = as_survival_data(time, event)
    if (t <= 0).any():
        i = int(np.flatnonzero(t <= 0)[0])
        raise InputError(
            f"argument 'time', subject {i + 1}: time is {t[i]:g}; parametric models need "
            "times > 0 (a time of 0 has zero density)",
            where="time",
        )
    if e.sum() == 0:
        raise InputError("argument 'event': no events; nothing to fit", where="event")
    dist = _DISTS[distribution]
    s = float(t.mean())

    def nll(th: FloatArray) -> float:
        v = -_loglik(dist, cure, t, e, np.asarray(th, dtype=float), s)
        return v if np.isfinite(v) else 1e300

    best: optimize.OptimizeResult | None = None
    for x0 in _starts(distribution, cure, t, e, s):
        if not np.isfinite(nll(x0)) or nll(x0) >= 1e299:
            continue
        r1 = optimize.minimize(nll, x0, method="Nelder-Mead",
                               options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-10})
        r2 = optimize.minimize(nll, r1.x, method="BFGS", options={"gtol": 1e-8})
        r = r2 if r2.fun <= r1.fun else r1
        if best is None or r.fun < best.fun:
            best = r
    if best is None or not np.isfinite(best.fun) or best.fun >= 1e299:
        raise ConvergenceError(f"{distribution} fit: no start value gave a finite likelihood")
    th = np.asarray(best.x, dtype=float)
    # Newton polish on central differences
    with np.errstate(all="ignore"):
        th, H = _polish(nll, th)
    with np.errstate(all="ignore"):
        eig = np.linalg.eigvalsh((H + H.T) / 2) if np.isfinite(H).all() else np.array([-1.0])
    vcov: FloatArray | None
    note: str | None = None
    if np.all(eig > 0):
        vcov = np.asarray(np.linalg.inv(H), dtype=float)
    elif cure and th[-1] < -8:
        vcov = None
        note = (
            f"the cure fraction is at its boundary (estimate {special.expit(th[-1]):.2g}): "
            "the data show no plateau and the model reduces to the plain "
            f"{dist.name}; no covariance matrix"
        )
    else:
        raise ConvergenceError(
            f"{dist.name}{' mixture cure' if cure else ''} fit: the likelihood has no proper "
            "maximum (Hessian not positive definite); the model is not identifiable from "
            "these data"
        )
    ll = -nll(th)
    k = len(th)
    names = dist.internal + (("logit_cure",) if cure else ())
    params = dist.natural(th[:-1] if cure else th, s)
    if cure:
        params["cure_fraction"] = float(special.expit(th[-1]))
    return ParametricFit(
        distribution=distribution,
        cure=cure,
        params=params,
        theta=th,
        theta_names=names,
        vcov=vcov,
        loglik=ll,
        aic=2 * k - 2 * ll,
        bic=k * np.log(len(t)) - 2 * ll,
        k=k,
        n=len(t),
        events=int(e.sum()),
        time_scale=s,
        note=note,
    )


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Several fits side by side; ``table`` is sorted by AIC.

    ``failed`` maps model labels to the reason a fit could not be made.
    """

    fits: tuple[ParametricFit, ...]
    failed: dict[str, str]

    @property
    def table(self) -> pd.DataFrame:
        rows = [
            {"model": f.label, "distribution": f.distribution, "cure": f.cure, "k": f.k,
             "loglik": f.loglik, "aic": f.aic, "bic": f.bic}
            for f in self.fits
        ]
        df = pd.DataFrame(rows).sort_values("aic", kind="stable").reset_index(drop=True)
        df["delta_aic"] = df["aic"] - df["aic"].min()
        df["delta_bic"] = df["bic"] - df["bic"].min()
        return df

    def best(self, criterion: str = "aic") -> ParametricFit:
        """The fit with the lowest AIC (or BIC)."""
        if criterion not in ("aic", "bic"):
            raise InputError("argument 'criterion': use 'aic' or 'bic'", where="criterion")
        return min(self.fits, key=lambda f: getattr(f, criterion))

    def extrapolate(self, times: Any) -> pd.DataFrame:
        """Survival of every fit at ``times`` (one column per model)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        return pd.DataFrame({"time": t, **{f.label: f.survival(t) for f in self.fits}})

    def restricted_means(self, horizon: float) -> dict[str, float]:
        """Mean survival up to ``horizon`` for every fit."""
        return {f.label: f.restricted_mean(horizon) for f in self.fits}

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table.to_dict(orient="records"),
            "fits": [f.to_dict() for f in self.fits],
            "failed": dict(self.failed),
        }


def fit_parametric_models(
    time: Any,
    event: Any,
    *,
    distributions: Sequence[str] = DISTRIBUTIONS,
    cure: Sequence[bool] = (False, True),
) -> ModelComparison:
    """Fit the standard extrapolation set (NICE DSU TSD 14) and their cure versions.

    Fits that fail are listed in ``failed`` with the reason (never dropped silently).

    Examples
    --------
    >>> from evisynth.survival.simulate import example_trial
    >>> d = example_trial().query("arm == 'CAR-T'")
    >>> mc = fit_parametric_models(d.time, d.event, distributions=["exponential"])
    >>> list(mc.table["model"])
    ['exponential mixture cure', 'exponential']
    """
    fits: list[ParametricFit] = []
    failed: dict[str, str] = {}
    for dname in distributions:
        for c in cure:
            try:
                fits.append(fit_parametric(time, event, dname, cure=bool(c)))
            except ConvergenceError as exc:
                failed[f"{dname}{' mixture cure' if c else ''}"] = str(exc)
    if not fits:
        raise ConvergenceError(f"no model could be fitted: {failed}")
    return ModelComparison(tuple(fits), failed)
