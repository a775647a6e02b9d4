"""The model families: log-density and log-survival of each distribution, and the
(mixture-cure) log-likelihood. Parameterisations: see :mod:`evisynth.survival.parametric`.

References
----------
Prentice RL. Biometrika 1974;61:539–544 (generalised gamma).
Jackson C. flexsurv: J Stat Softw 2016;70(8) (parameterisations).
Boag JW. J R Stat Soc B 1949;11:15–53; Berkson J, Gage RP. JASA 1952;47:501–515 (cure).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from evisynth._validation import FloatArray

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
