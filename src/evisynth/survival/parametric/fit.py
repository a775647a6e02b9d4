"""One parametric (optionally mixture-cure) model fitted by maximum likelihood.

References
----------
Collett D. Modelling Survival Data in Medical Research, 3rd ed., ch. 5–6.
Jackson C. flexsurv: J Stat Softw 2016;70(8) (parameterisations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate, optimize, special

from evisynth._validation import FloatArray
from evisynth.errors import ConvergenceError, InputError
from evisynth.survival._input import as_survival_data
from evisynth.survival.parametric._newton import _polish
from evisynth.survival.parametric.families import _DISTS, DISTRIBUTIONS, _loglik, _model_logs


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
