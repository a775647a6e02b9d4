"""A Kaplan–Meier curve with a parametric tail: :func:`km_with_tail`.

References
----------
Latimer N. NICE DSU TSD 14 (2011), section 3 (KM plus parametric tail).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.curves.base import Curve
from evisynth.econ.curves.families import _unit_factor
from evisynth.econ.params import Param
from evisynth.errors import InputError

__all__ = ["KMTailCurve", "km_with_tail"]


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
    >>> import math
    >>> from evisynth.econ.curves import parametric_curve
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
