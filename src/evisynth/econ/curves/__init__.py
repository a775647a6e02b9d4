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

One module per concept: the distributions' natural parameters and log survival
(``families``), the :class:`Curve` protocol with the hazard-ratio and callable
curves (``base``), parametric and mixture-cure curves (``parametric``), a
Kaplan–Meier curve with a parametric tail (``km_tail``); :func:`as_curve` here.
"""

from __future__ import annotations

from typing import Any

from evisynth.econ.curves.base import CallableCurve, Curve, HazardRatioCurve
from evisynth.econ.curves.families import CURVE_PARAMS, _unit_factor
from evisynth.econ.curves.km_tail import KMTailCurve, km_with_tail
from evisynth.econ.curves.parametric import (
    ParametricCurve,
    mixture_cure_from_landmarks,
    parametric_curve,
)
from evisynth.econ.params import Param
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

_ = _unit_factor  # read by the model file parser


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
    >>> import math
    >>> import numpy as np
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
