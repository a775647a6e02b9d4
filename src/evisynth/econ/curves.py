"""Survival curves for a partitioned-survival model (model time in years).

A curve is anything that gives S(t): a parametric or mixture-cure fit of
:mod:`evisynth.survival`, a curve from published parameters
(:func:`parametric_curve`), a Kaplan–Meier curve with a parametric tail
(:func:`km_with_tail`), a baseline with a hazard ratio applied
(:meth:`Curve.with_hazard_ratio`: ``S(t)^HR``, proportional hazards) or any
callable ``t -> S(t)`` (:func:`as_curve`).

Natural parameters are those of :mod:`evisynth.survival.parametric`
(``exponential: rate``; ``weibull: shape, scale``; ``gompertz: shape, rate``;
``lognormal: meanlog, sdlog``; ``loglogistic: shape, scale``;
``gengamma: mu, sigma, Q``), in the curve's own time unit
(``time_unit``; the model always asks for years). A mixture-cure curve is
``S(t) = c + (1 - c) S_u(t)``.

Background mortality (see :mod:`evisynth.econ.background`) enters in one of
two ways, chosen by ``relative``:

* ``relative=False`` (plain curves): the hazard is floored,
  ``h(t) = max(h_curve(t), h_population(age0 + t))``;
* ``relative=True`` (default for mixture-cure curves): the curve is read as
  relative survival and multiplied by general-population survival,
  ``S(t) = S_population(t) [c + (1 - c) S_u(t)]``, so that the cured fraction
  dies at the population rate (NICE DSU TSD 21) and the hazard is never below
  it.

References
----------
Latimer N. NICE DSU TSD 14 (2011); Rutherford MJ et al. NICE DSU TSD 21 (2020).
Jackson C. flexsurv. J Stat Softw 2016;70(8) (parameterisations).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.params import Param, as_param
from evisynth.errors import InputError

__all__ = [
    "CURVE_PARAMS",
    "CallableCurve",
    "Curve",
    "HazardRatioCurve",
    "KMTailCurve",
    "ParametricCurve",
    "as_curve",
    "km_with_tail",
    "mixture_cure_from_landmarks",
    "parametric_curve",
]

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


class Curve:
    """Base class: survival on the model time scale (years).

    Subclasses implement :meth:`_survival_batch`; everything else follows.
    """

    relative: bool = False

    # -- evaluation ---------------------------------------------------------
    def _survival_batch(self, t: FloatArray, draws: Draws) -> FloatArray:
        raise NotImplementedError

    def survival_draws(self, t: Any, draws: Draws) -> FloatArray:
        """S at times ``t`` (years) for every member of a batch of inputs: ``(B, T)``."""
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        return np.asarray(self._survival_batch(tt, draws), dtype=float)

    def survival(self, t: Any) -> FloatArray:
        """S at times ``t`` (years), at the inputs' point values."""
        return self.survival_draws(t, Draws(1))[0]

    def __call__(self, t: Any) -> FloatArray:
        return self.survival(t)

    def cumhaz(self, t: Any) -> FloatArray:
        """Cumulative hazard ``-log S(t)``."""
        return np.asarray(-np.log(np.maximum(self.survival(t), 1e-300)), dtype=float)

    def hazard(self, t: Any) -> FloatArray:
        """Hazard by a central difference of the cumulative hazard (one-sided near 0)."""
        tt = np.atleast_1d(np.asarray(t, dtype=float))
        e = 1e-6 * np.maximum(1.0, tt)
        lo = np.maximum(tt - e, 0.0)
        hi = tt + e
        return np.asarray((self.cumhaz(hi) - self.cumhaz(lo)) / (hi - lo), dtype=float)

    def breakpoints(self) -> FloatArray:
        """Times (years) where S is not smooth (jumps, joins)."""
        return np.empty(0)

    def jump(self, t: float) -> float:
        """Jump of the cumulative hazard at ``t`` (0 for continuous curves)."""
        return 0.0

    # -- uncertainty --------------------------------------------------------
    def params(self) -> list[Param]:
        """Inputs the curve depends on (drawn in the probabilistic analysis)."""
        return []

    def coef_blocks(self) -> list[tuple[object, FloatArray, FloatArray]]:
        """Coefficient blocks drawn jointly normal: ``(key, mean, covariance)``."""
        return []

    # -- composition --------------------------------------------------------
    def with_hazard_ratio(self, hr: float | Param) -> HazardRatioCurve:
        """This curve with a hazard ratio applied: ``S(t)^HR`` (proportional hazards).

        Examples
        --------
        >>> c = parametric_curve("exponential", rate=0.5).with_hazard_ratio(0.5)
        >>> round(float(c.survival([2.0])[0]), 12) == round(math.exp(-0.5), 12)
        True
        """
        return HazardRatioCurve(self, hr)


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


class HazardRatioCurve(Curve):
    """``S_base(t)^HR``: a baseline curve with a proportional-hazards ratio."""

    def __init__(self, base: Curve, hr: float | Param) -> None:
        self.base = base
        self.hr = as_param(hr, "hazard_ratio")
        if not self.hr.value > 0:
            raise InputError(
                f"argument 'hazard_ratio'{' (' + self.hr.name + ')' if self.hr.name else ''}: "
                f"{self.hr.value:g} must be > 0",
                where=self.hr.name or "hazard_ratio",
            )
        self.relative = base.relative

    def __repr__(self) -> str:
        return f"HazardRatioCurve({self.base!r}, hr={self.hr.value:g})"

    def _survival_batch(self, t: FloatArray, draws: Draws) -> FloatArray:
        s = self.base._survival_batch(t, draws)
        hr = draws.value(self.hr)[:, None]
        with np.errstate(divide="ignore"):
            np.log(s, out=s)
            s *= hr
            return np.exp(s, out=s)

    def breakpoints(self) -> FloatArray:
        return self.base.breakpoints()

    def jump(self, t: float) -> float:
        return self.hr.value * self.base.jump(t)

    def params(self) -> list[Param]:
        return [*self.base.params(), self.hr]

    def coef_blocks(self) -> list[tuple[object, FloatArray, FloatArray]]:
        return self.base.coef_blocks()


class KMTailCurve(Curve):
    """Kaplan–Meier step function up to ``cutoff``, then a parametric tail.

    ``S(t) = KM(t)`` for ``t <= cutoff``, ``KM(cutoff) S_tail(t) / S_tail(cutoff)`` after.
    """

    def __init__(self, times: FloatArray, surv: FloatArray, tail: Curve, cutoff: float) -> None:
        self.times = np.asarray(times, dtype=float)
        self.surv = np.asarray(surv, dtype=float)
        self.tail = tail
        self.cutoff = float(cutoff)
        self.relative = False

    def _km(self, t: FloatArray) -> FloatArray:
        idx = np.searchsorted(self.times, t, side="right") - 1
        return np.where(idx >= 0, self.surv[np.maximum(idx, 0)], 1.0)

    def _survival_batch(self, t: FloatArray, draws: Draws) -> FloatArray:
        km = self._km(np.minimum(t, self.cutoff))
        tl = self.tail._survival_batch(np.r_[self.cutoff, t], draws)
        cond = np.where(t > self.cutoff, tl[:, 1:] / np.maximum(tl[:, :1], 1e-300), 1.0)
        return np.asarray(km[None, :] * cond, dtype=float)

    def breakpoints(self) -> FloatArray:
        return np.r_[self.times[(self.times > 0) & (self.times < self.cutoff)], self.cutoff]

    def jump(self, t: float) -> float:
        if t > self.cutoff or t <= 0:
            return 0.0
        i = np.flatnonzero(np.isclose(self.times, t, rtol=0, atol=1e-12))
        if i.size == 0:
            return 0.0
        j = int(i[0])
        before = self.surv[j - 1] if j > 0 else 1.0
        return float(np.log(max(before, 1e-300)) - np.log(max(self.surv[j], 1e-300)))

    def params(self) -> list[Param]:
        return self.tail.params()

    def coef_blocks(self) -> list[tuple[object, FloatArray, FloatArray]]:
        return self.tail.coef_blocks()


class CallableCurve(Curve):
    """A user function ``t (years, array) -> S(t)``; fixed in the probabilistic analysis."""

    def __init__(self, fn: Callable[[FloatArray], Any]) -> None:
        self.fn = fn
        self.relative = False

    def _survival_batch(self, t: FloatArray, draws: Draws) -> FloatArray:
        try:
            s = np.asarray(self.fn(t), dtype=float)
        except Exception as exc:
            raise InputError(f"curve function {self.fn!r:.60}: failed on an array of times "
                             f"({type(exc).__name__}: {exc})", where="curve") from None
        s = np.broadcast_to(s, t.shape)
        return np.broadcast_to(s, (draws.n, t.size))


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


def km_with_tail(km: Any, tail: Curve, cutoff: float, *, time_unit: str = "years") -> KMTailCurve:
    """Kaplan–Meier curve (of reconstructed or real IPD) up to ``cutoff``, then ``tail``.

    Parameters
    ----------
    km
        An :class:`evisynth.survival.KaplanMeier` or a pair ``(times, survival)``.
    tail
        Curve used beyond ``cutoff`` (conditional on survival to ``cutoff``).
    cutoff
        Join time, in ``time_unit``.
    time_unit
        Unit of the KM times and ``cutoff``.

    Returns
    -------
    KMTailCurve

    Raises
    ------
    InputError
        Times not increasing, survival increasing, cutoff <= 0.

    Examples
    --------
    >>> tail = parametric_curve("exponential", rate=0.1)
    >>> c = km_with_tail(([1.0, 2.0], [0.9, 0.8]), tail, 2.0)
    >>> round(float(c.survival([3.0])[0]), 10) == round(0.8 * math.exp(-0.1), 10)
    True

    References
    ----------
    Latimer (2011) NICE DSU TSD 14, section 3 (KM plus parametric tail).
    """
    if hasattr(km, "time") and hasattr(km, "survival"):
        times, surv = np.asarray(km.time, dtype=float), np.asarray(km.survival, dtype=float)
    else:
        times, surv = (np.asarray(x, dtype=float) for x in km)
    f = _unit_factor(time_unit)
    if times.shape != surv.shape or times.ndim != 1 or times.size == 0:
        raise InputError("argument 'km': give matching 1-D times and survival", where="km")
    if np.any(np.diff(times) <= 0) or np.any(np.diff(surv) > 0):
        raise InputError("argument 'km': times must increase and survival must not increase",
                         where="km")
    if not cutoff > 0:
        raise InputError(f"argument 'cutoff': {cutoff!r} must be > 0", where="cutoff")
    return KMTailCurve(times / f, surv, tail, cutoff / f)


def as_curve(obj: Any, *, time_unit: str = "years", name: str = "curve") -> Curve:
    """Turn a fit, a curve or a callable into a :class:`Curve`.

    Parameters
    ----------
    obj
        A :class:`Curve`; an :class:`evisynth.survival.ParametricFit` (its
        covariance is kept for the probabilistic analysis); or a callable
        ``t (years) -> S(t)``.
    time_unit
        Time unit of a fit's data (e.g. ``"months"``).
    name
        Used in error messages.

    Returns
    -------
    Curve

    Raises
    ------
    InputError
        If ``obj`` is none of these.

    Examples
    --------
    >>> c = as_curve(lambda t: np.exp(-0.2 * t))
    >>> round(float(c.survival([1.0])[0]), 10) == round(math.exp(-0.2), 10)
    True

    References
    ----------
    Latimer (2011) NICE DSU TSD 14.
    """
    if isinstance(obj, Curve):
        return obj
    if hasattr(obj, "distribution") and hasattr(obj, "theta") and hasattr(obj, "params"):
        cure = bool(obj.cure)
        nat = {k: Param(float(v), name=k) for k, v in obj.params.items() if k != "cure_fraction"}
        cf = Param(float(obj.params["cure_fraction"]), name="cure_fraction") if cure else None
        return ParametricCurve(obj.distribution, nat, cure_fraction=cf,
                               per_year=_unit_factor(time_unit), theta=obj.theta,
                               vcov=obj.vcov, time_scale=obj.time_scale)
    if callable(obj):
        return CallableCurve(obj)
    raise InputError(
        f"{name}: expected a curve, a parametric fit or a function t -> S(t); got "
        f"{type(obj).__name__}",
        where=name,
    )


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


_ = stats  # scipy.stats kept for users extending the distributions
