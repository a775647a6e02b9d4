"""The :class:`Curve` protocol, and the curves built on others or on a function.

:class:`HazardRatioCurve` applies a hazard ratio to a baseline (``S(t)^HR``,
proportional hazards); :class:`CallableCurve` wraps a user function ``t -> S(t)``.

References
----------
Latimer N. NICE DSU TSD 14 (2011).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.params import Param, as_param
from evisynth.errors import InputError

__all__ = ["CallableCurve", "Curve", "HazardRatioCurve"]


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
        >>> import math
        >>> from evisynth.econ.curves import parametric_curve
        >>> c = parametric_curve("exponential", rate=0.5).with_hazard_ratio(0.5)
        >>> round(float(c.survival([2.0])[0]), 12) == round(math.exp(-0.5), 12)
        True
        """
        return HazardRatioCurve(self, hr)


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
