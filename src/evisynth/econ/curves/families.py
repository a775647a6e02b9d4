"""The parametric families of survival curves: natural parameters, log survival, time units.

Parameterisations are those of :mod:`evisynth.survival.parametric` (and flexsurv).

References
----------
Jackson C. flexsurv. J Stat Softw 2016;70(8) (parameterisations).
Prentice RL. A log gamma model and its maximum likelihood estimation. Biometrika
1974;61:539-44 (the generalised gamma).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import special

from evisynth._validation import FloatArray
from evisynth.errors import InputError

__all__ = ["CURVE_PARAMS"]

#: Natural parameters of each distribution, in order.
CURVE_PARAMS: dict[str, tuple[str, ...]] = {
    "exponential": ("rate",),
    "weibull": ("shape", "scale"),
    "gompertz": ("shape", "rate"),
    "lognormal": ("meanlog", "sdlog"),
    "loglogistic": ("shape", "scale"),
    "gengamma": ("mu", "sigma", "Q"),
}

_TIME_UNITS = {"years": 1.0, "months": 12.0, "weeks": 365.25 / 7, "days": 365.25}


def _unit_factor(time_unit: str) -> float:
    if time_unit not in _TIME_UNITS:
        raise InputError(
            f"argument 'time_unit': {time_unit!r} is not one of {', '.join(_TIME_UNITS)}",
            where="time_unit",
        )
    return _TIME_UNITS[time_unit]


def _logsf(dist: str, p: Mapping[str, FloatArray], t: FloatArray) -> FloatArray:
    """log S(t) for parameter arrays (B, 1) and times (T,) > 0 -> (B, T)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if dist == "exponential":
            return -p["rate"] * t
        if dist == "weibull":
            return -((t / p["scale"]) ** p["shape"])
        if dist == "gompertz":
            a, b = p["shape"], p["rate"]
            x = a * t
            small = np.abs(x) < 1e-8
            ratio = np.where(small, 1.0 + x / 2, np.expm1(np.where(small, 1.0, x))
                             / np.where(small, 1.0, x))
            return -b * t * ratio
        if dist == "lognormal":
            return np.asarray(special.log_ndtr(-(np.log(t) - p["meanlog"]) / p["sdlog"]))
        if dist == "loglogistic":
            return -np.logaddexp(0.0, p["shape"] * (np.log(t) - np.log(p["scale"])))
        # gengamma (Prentice 1974; flexsurv): S = 1 - P(g, u) (Q > 0), P(g, u) (Q < 0)
        mu, sig, q = p["mu"], p["sigma"], p["Q"]
        w = (np.log(t) - mu) / sig
        qz = np.abs(q) < 1e-6
        qq = np.where(qz, 1.0, q)
        g = qq**-2.0
        u = g * np.exp(qq * w)
        pos = np.log(np.maximum(special.gammaincc(g, u), 1e-300))
        neg = np.log(np.maximum(special.gammainc(g, u), 1e-300))
        return np.where(qz, special.log_ndtr(-w), np.where(q > 0, pos, neg))


def _check_natural(dist: str, vals: Mapping[str, float], where: str) -> None:
    positive = {"rate", "shape", "scale", "sdlog", "sigma"}
    if dist == "gompertz":
        positive = {"rate"}
    for k, v in vals.items():
        if k in positive and not v > 0:
            raise InputError(f"{where}: parameter {k!r} of the {dist} is {v:g}; it must be > 0",
                             where=where)
