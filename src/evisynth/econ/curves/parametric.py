"""Parametric and mixture-cure curves: :func:`parametric_curve`, and a cure model from
two landmarks (:func:`mixture_cure_from_landmarks`).

A mixture-cure curve is ``S(t) = c + (1 - c) S_u(t)``.

References
----------
Jackson C. flexsurv. J Stat Softw 2016;70(8) (parameterisations).
Boag JW (1949); Berkson J, Gage RP (1952): the mixture-cure model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import optimize, special

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.curves.base import Curve
from evisynth.econ.curves.families import CURVE_PARAMS, _check_natural, _logsf, _unit_factor
from evisynth.econ.params import Param, as_param
from evisynth.errors import InputError

__all__ = ["ParametricCurve", "mixture_cure_from_landmarks", "parametric_curve"]


class ParametricCurve(Curve):
    """A parametric (optionally mixture-cure) curve; see :func:`parametric_curve`."""

    def __init__(
        self,
        distribution: str,
        params: Mapping[str, Param],
        *,
        cure_fraction: Param | None = None,
        per_year: float = 1.0,
        relative: bool | None = None,
        theta: FloatArray | None = None,
        vcov: FloatArray | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self.distribution = distribution
        self.natural = dict(params)
        self.cure_fraction = cure_fraction
        self.per_year = float(per_year)
        self.relative = (cure_fraction is not None) if relative is None else bool(relative)
        self.theta = None if theta is None else np.asarray(theta, dtype=float)
        self.vcov = None if vcov is None else np.asarray(vcov, dtype=float)
        self.time_scale = float(time_scale)

    def __repr__(self) -> str:
        kv = ", ".join(f"{k}={v.value:g}" for k, v in self.natural.items())
        cf = f", cure_fraction={self.cure_fraction.value:g}" if self.cure_fraction else ""
        return f"ParametricCurve({self.distribution!r}, {kv}{cf})"

    def params(self) -> list[Param]:
        if self.theta is not None and self.vcov is not None:
            return []
        out = list(self.natural.values())
        if self.cure_fraction is not None:
            out.append(self.cure_fraction)
        return out

    def coef_blocks(self) -> list[tuple[object, FloatArray, FloatArray]]:
        if self.theta is not None and self.vcov is not None:
            return [(self, self.theta, self.vcov)]
        return []

    def _from_theta(self, th: FloatArray) -> tuple[dict[str, FloatArray], FloatArray | None]:
        """Natural parameters from internal coefficients (those of survival.parametric)."""
        d = self.distribution
        col = [th[:, i : i + 1] for i in range(th.shape[1])]
        nat: dict[str, FloatArray]
        if d == "exponential":
            nat = {"rate": np.exp(col[0])}
        elif d in ("weibull", "loglogistic"):
            nat = {"shape": np.exp(-col[1]), "scale": np.exp(col[0])}
        elif d == "gompertz":
            nat = {"shape": col[0] / self.time_scale, "rate": np.exp(col[1])}
        elif d == "lognormal":
            nat = {"meanlog": col[0], "sdlog": np.exp(col[1])}
        else:
            nat = {"mu": col[0], "sigma": np.exp(col[1]), "Q": col[2]}
        cure = special.expit(col[-1]) if self.cure_fraction is not None else None
        return nat, cure

    def _survival_batch(self, t: FloatArray, draws: Draws) -> FloatArray:
        if self.theta is not None and self.vcov is not None and id(self) in draws.coefs:
            nat, cure = self._from_theta(draws.coef(self, self.theta))
        else:
            nat = {k: draws.value(v)[:, None] for k, v in self.natural.items()}
            cure = (draws.value(self.cure_fraction)[:, None]
                    if self.cure_fraction is not None else None)
        tu = t * self.per_year
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ls = _logsf(self.distribution, nat, tu)
        ls = np.array(np.broadcast_to(ls, (draws.n, t.size)), dtype=float, copy=True) \
            if np.shape(ls) != (draws.n, t.size) else ls
        ls[:, tu == 0] = 0.0
        s = np.exp(ls, out=ls) if ls.shape == (draws.n, t.size) else np.exp(ls)
        if cure is not None:
            s *= 1.0 - cure
            s += cure
        return np.asarray(s, dtype=float)


def parametric_curve(
    distribution: str,
    *,
    cure_fraction: float | Param | None = None,
    time_unit: str = "years",
    relative: bool | None = None,
    **params: float | Param,
) -> ParametricCurve:
    """A curve from published parameters (natural scale of :mod:`evisynth.survival.parametric`).

    Parameters
    ----------
    distribution
        ``exponential, weibull, gompertz, lognormal, loglogistic, gengamma``.
    cure_fraction
        Makes it a mixture-cure curve ``c + (1 - c) S_u(t)``.
    time_unit
        Unit the parameters refer to: ``years`` (default), ``months``, ``weeks``, ``days``.
    relative
        Read the curve as relative survival (multiplied by population survival);
        default ``True`` for mixture-cure curves, ``False`` otherwise.
    **params
        The natural parameters, numbers or :class:`~evisynth.econ.params.Param`.

    Returns
    -------
    ParametricCurve

    Raises
    ------
    InputError
        Unknown distribution, missing/unknown/invalid parameters.

    Examples
    --------
    >>> c = parametric_curve("weibull", shape=1.5, scale=2.0)
    >>> round(float(c.survival([2.0])[0]), 10) == round(math.exp(-1.0), 10)
    True

    References
    ----------
    Jackson (2016), flexsurv parameterisations; Latimer (2011) NICE DSU TSD 14.
    """
    if distribution not in CURVE_PARAMS:
        raise InputError(
            f"argument 'distribution': {distribution!r} is not one of {', '.join(CURVE_PARAMS)}",
            where="distribution",
        )
    need = CURVE_PARAMS[distribution]
    if set(params) != set(need):
        raise InputError(
            f"{distribution} curve: needs parameters {', '.join(need)}; got "
            f"{', '.join(params) or 'none'}",
            where="params",
        )
    ps = {k: as_param(params[k], k) for k in need}
    _check_natural(distribution, {k: v.value for k, v in ps.items()}, f"{distribution} curve")
    cf = None
    if cure_fraction is not None:
        cf = as_param(cure_fraction, "cure_fraction")
        if not 0 <= cf.value < 1:
            raise InputError(f"argument 'cure_fraction': {cf.value:g} must lie in [0, 1)",
                             where="cure_fraction")
    return ParametricCurve(distribution, ps, cure_fraction=cf, per_year=_unit_factor(time_unit),
                           relative=relative)


def mixture_cure_from_landmarks(
    t1: float, s1: float, t2: float, s2: float
) -> tuple[float, float]:
    """Exponential mixture-cure curve through two survival landmarks.

    Solves ``s_i = c + (1 - c) exp(-rate t_i)`` (i = 1, 2) for the cure
    fraction ``c`` and ``rate``. A solution with ``c > 0`` exists when
    ``0 < s2 < s1 < 1``, ``t1 < t2`` and ``s2 > s1^(t2/t1)`` (the curve
    flattens faster than an exponential).

    Parameters
    ----------
    t1, s1, t2, s2
        The two landmarks (time, survival).

    Returns
    -------
    (cure_fraction, rate)

    Raises
    ------
    InputError
        If no such curve exists.

    Examples
    --------
    >>> c, r = mixture_cure_from_landmarks(2.0, 0.5, 5.0, 0.3)
    >>> round(c + (1 - c) * math.exp(-r * 2.0), 12)
    0.5

    References
    ----------
    Boag JW (1949); Berkson J, Gage RP (1952): the mixture-cure model.
    """
    if not (0 < t1 < t2 and 0 < s2 < s1 < 1):
        raise InputError("landmarks: need 0 < t1 < t2 and 0 < s2 < s1 < 1", where="landmarks")
    if not s2 > s1 ** (t2 / t1):
        raise InputError(
            f"landmarks: S({t2:g}) = {s2:g} is not above S({t1:g})^(t2/t1) = "
            f"{s1 ** (t2 / t1):.4g}; no exponential mixture-cure curve passes through both",
            where="landmarks",
        )

    def gap(c: float) -> float:
        rate = -math.log((s1 - c) / (1 - c)) / t1
        return c + (1 - c) * math.exp(-rate * t2) - s2

    c = float(optimize.brentq(gap, 0.0, s2 * (1 - 1e-14), xtol=1e-15, rtol=1e-15))
    return c, -math.log((s1 - c) / (1 - c)) / t1
