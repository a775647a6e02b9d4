"""Kaplan–Meier estimator with Greenwood variance, medians, landmarks and RMST.

Definitions follow R ``survival`` (Therneau) so that numbers can be checked
against it:

* survival: product-limit estimator over all distinct observed times;
* ``std_err``: standard error of the cumulative hazard ``-log S(t)``,
  ``sqrt(sum d / (n (n - d)))`` (Greenwood), exactly R ``survfit()$std.err``;
* confidence bands: ``log`` (R's default) ``S exp(±z se)``, ``log-log``
  (lifelines' and SAS's default) ``S^exp(±z se / log S)``, or ``plain``
  ``S ± z S se``; the transform used is stored on the result;
* median and its CI: R ``print.survfit`` (first time the curve, or the lower /
  upper band, is at or below 0.5; the midpoint rule when the curve is exactly
  0.5 over a flat stretch);
* restricted mean survival time (RMST) and its standard error: R
  ``print.survfit(rmean = tau)`` / survRM2, i.e. the Greenwood-type variance
  ``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` with ``A_j`` the area under the curve
  from event time ``t_j`` to ``tau`` (Klein & Moeschberger 2003, eq. 4.5.1).

References
----------
Kaplan EL, Meier P. J Am Stat Assoc 1958;53:457–481.
Therneau TM. A Package for Survival Analysis in R (``survival``), functions
``survfit``, ``survmean`` and ``survfit_confint``.
Klein JP, Moeschberger ML. Survival Analysis, 2nd ed. Springer 2003, §4.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evisynth._validation import FloatArray, as_float_vector, check_level
from evisynth.errors import InputError
from evisynth.survival._input import as_survival_data, check_conf_type, z_value

__all__ = [
    "KaplanMeier",
    "MedianSurvival",
    "RMSTEstimate",
    "SurvivalAt",
    "kaplan_meier",
]

_TOL = float(np.finfo(float).eps) ** 0.5


@dataclass(frozen=True)
class MedianSurvival:
    """Median survival time with its confidence interval (``None`` = not reached)."""

    median: float | None
    lower: float | None
    upper: float | None
    conf_type: str
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "lower": self.lower,
            "upper": self.upper,
            "conf_type": self.conf_type,
            "level": self.level,
        }


@dataclass(frozen=True)
class SurvivalAt:
    """Survival probability at one landmark time, with standard error and CI."""

    time: float
    survival: float
    se: float
    lower: float
    upper: float
    n_risk: int
    conf_type: str
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "survival": self.survival,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "n_risk": self.n_risk,
            "conf_type": self.conf_type,
            "level": self.level,
        }


@dataclass(frozen=True)
class RMSTEstimate:
    """Restricted mean survival time up to ``tau`` with its Greenwood-type SE."""

    tau: float
    rmst: float
    se: float
    lower: float
    upper: float
    level: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "tau": self.tau,
            "rmst": self.rmst,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
        }


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A fitted Kaplan–Meier curve (one row per distinct observed time).

    Attributes
    ----------
    time, n_risk, n_event, n_censor, survival
        The product-limit table, as R ``survfit``.
    std_err
        Standard error of ``-log S(t)`` (R ``survfit()$std.err``); ``inf`` once the
        curve has dropped to 0.
    lower, upper
        Pointwise confidence band with transform ``conf_type``; NaN where it is
        undefined (``S = 0`` for ``log``; ``S`` in {0, 1} for ``log-log``).
    """

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    survival: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray
    conf_type: str
    level: float
    n: int
    events: int
    median_survival: MedianSurvival = field(repr=False)

    # ---- evaluation --------------------------------------------------------
    def _index_at(self, t: float) -> int:
        """Index of the last table time <= t (-1 if t precedes every time)."""
        return int(np.searchsorted(self.time, t, side="right")) - 1

    def survival_function(self, times: Any) -> FloatArray:
        """Right-continuous step function S(t) evaluated at ``times``."""
        tt = as_float_vector("times", times)
        idx = np.searchsorted(self.time, tt, side="right") - 1
        out = np.where(idx >= 0, self.survival[np.maximum(idx, 0)], 1.0)
        return np.asarray(out, dtype=float)

    def at(self, t: float) -> SurvivalAt:
        """Survival at landmark time ``t`` with SE (of S) and CI, as R ``summary(fit, times=t)``.

        Where the curve has fallen to 0 the SE and the log and log-log CIs are NaN
        (undefined), as in R.

        Raises
        ------
        InputError
            If ``t`` is negative or beyond the last observed time (the estimate
            is not defined there without extrapolation).
        """
        t = float(t)
        if not np.isfinite(t) or t < 0:
            raise InputError(
                f"argument 'landmark': {t!r} must be a finite time of 0 or more", where="landmark"
            )
        if t > self.time[-1]:
            raise InputError(
                f"argument 'landmark': time {t:g} is beyond the last follow-up time "
                f"{self.time[-1]:g}; the Kaplan–Meier estimate is undefined there "
                "(use a parametric extrapolation instead)",
                where="landmark",
            )
        i = self._index_at(t)
        if i < 0:
            return SurvivalAt(t, 1.0, 0.0, 1.0, 1.0, int(self.n), self.conf_type, self.level)
        s = float(self.survival[i])
        # Greenwood's SE of S is S times the SE of the cumulative hazard; once the curve
        # has fallen to 0 that is 0 x inf, undefined (NaN, as R's summary.survfit)
        se = float(s * self.std_err[i]) if s > 0 else float("nan")
        n_risk_after = self.n_risk[i] - self.n_event[i] - self.n_censor[i]
        nxt = self.n_risk[i + 1] if i + 1 < len(self.time) else n_risk_after
        return SurvivalAt(
            time=t,
            survival=s,
            se=se,
            lower=float(self.lower[i]),
            upper=float(self.upper[i]),
            n_risk=int(self.n_risk[i] if self.time[i] == t else nxt),
            conf_type=self.conf_type,
            level=self.level,
        )

    def rmst(self, tau: float) -> RMSTEstimate:
        """Restricted mean survival time up to ``tau`` (R ``print.survfit(rmean=tau)``).

        The variance is ``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` over event times
        ``t_j <= tau`` with ``A_j = ∫_{t_j}^{tau} S(u) du`` (Klein & Moeschberger
        2003, eq. 4.5.1; survRM2). Not lifelines' ``Var[min(T, tau)]``.

        Examples
        --------
        >>> km = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 1])
        >>> round(km.rmst(4).rmst, 4)
        2.875
        """
        tau = float(tau)
        if not np.isfinite(tau) or tau <= 0:
            raise InputError(f"argument 'tau': {tau!r} must be a positive time", where="tau")
        keep = self.time <= tau
        hh = np.where(
            self.n_risk - self.n_event == 0,
            0.0,
            self.n_event / (self.n_risk * np.maximum(self.n_risk - self.n_event, 1)),
        )
        ttime = np.concatenate([self.time[keep], [tau]])
        tsurv = np.concatenate([self.survival[keep], self.survival[keep][-1:]])
        if not keep.any():
            tsurv = np.array([1.0])
        hk = np.concatenate([hh[keep], [0.0]])
        delta = np.diff(np.concatenate([[0.0], ttime]))
        rect = delta * np.concatenate([[1.0], tsurv[:-1]])
        mean = float(rect.sum())
        area_after = np.cumsum(rect[1:][::-1])
        var = float(np.sum(area_after**2 * hk[::-1][1:]))
        se = var**0.5
        z = z_value(self.level)
        return RMSTEstimate(tau, mean, se, mean - z * se, mean + z * se, self.level)

    @property
    def median(self) -> MedianSurvival:
        """Median survival with CI (R ``print.survfit`` definition)."""
        return self.median_survival

    def to_frame(self) -> pd.DataFrame:
        """The product-limit table as a DataFrame (one row per distinct time)."""
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk.astype(int),
                "n_event": self.n_event.astype(int),
                "n_censor": self.n_censor.astype(int),
                "survival": self.survival,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        def clean(a: FloatArray) -> list[float | None]:
            return [float(x) if np.isfinite(x) else None for x in a]

        return {
            "n": self.n,
            "events": self.events,
            "conf_type": self.conf_type,
            "level": self.level,
            "time": clean(self.time),
            "n_risk": [int(x) for x in self.n_risk],
            "n_event": [int(x) for x in self.n_event],
            "n_censor": [int(x) for x in self.n_censor],
            "survival": clean(self.survival),
            "std_err": clean(self.std_err),
            "lower": clean(self.lower),
            "upper": clean(self.upper),
            "median": self.median_survival.to_dict(),
        }


def confidence_band(
    surv: FloatArray, std_err: FloatArray, conf_type: str, level: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise CI for survival from the SE of the cumulative hazard (R ``survfit_confint``)."""
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            ok = surv > 0
            lo = np.where(ok, surv * np.exp(-z * std_err), np.nan)
            hi = np.where(ok, np.minimum(surv * np.exp(z * std_err), 1.0), np.nan)
        elif conf_type == "log-log":
            ok = (surv > 0) & (surv < 1)
            ls = np.log(np.where(ok, surv, 0.5))
            se2 = z * std_err / ls
            lo = np.where(ok, np.exp(-np.exp(np.log(-ls) - se2)), np.nan)
            hi = np.where(ok, np.exp(-np.exp(np.log(-ls) + se2)), np.nan)
        else:  # plain
            se2 = z * std_err * surv
            lo = np.maximum(surv - se2, 0.0)
            hi = np.minimum(surv + se2, 1.0)
            lo = np.where(np.isfinite(se2), lo, np.nan)
            hi = np.where(np.isfinite(se2), hi, np.nan)
    # where se == 0 (before any event) the band collapses onto the curve, as R, except
    # on the log-log scale, undefined at S = 1 (R survfit_confint gives NA there)
    flat = (std_err == 0) & (conf_type != "log-log")
    lo = np.where(flat, surv, lo)
    hi = np.where(flat, surv, hi)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def _first_below_half(y: FloatArray, x: FloatArray) -> float | None:
    """R ``survmean``'s ``minmin``: first x with y <= 0.5 (midpoint rule at exactly 0.5)."""
    keep = ~np.isnan(y) & (y < 0.5 + _TOL)
    if not keep.any():
        return None
    xk, yk = x[keep], y[keep]
    if abs(yk[0] - 0.5) < _TOL and (yk < yk[0]).any():
        j = int(np.flatnonzero(yk < yk[0])[0])
        return float((xk[0] + xk[j]) / 2)
    return float(xk[0])


def kaplan_meier(
    time: Any, event: Any, *, conf_type: str = "log", level: float = 95
) -> KaplanMeier:
    """Fit a Kaplan–Meier curve.

    Parameters
    ----------
    time
        Follow-up times (>= 0).
    event
        1 for an event, 0 for a censored time.
    conf_type
        Transform of the pointwise CI: ``"log"`` (R survfit default),
        ``"log-log"`` (lifelines default) or ``"plain"``.
    level
        Confidence level in percent (95) or as a proportion (0.95).

    Returns
    -------
    KaplanMeier

    Raises
    ------
    InputError
        Negative or non-finite times, event values other than 0/1, length mismatch.

    Examples
    --------
    >>> km = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    >>> km.survival.round(4).tolist()
    [0.8, 0.6, 0.3, 0.3]
    >>> km.median.median
    5.0

    References
    ----------
    Kaplan & Meier (1958); Greenwood (1926); R ``survival::survfit``.
    """
    conf_type = check_conf_type(conf_type)
    level = check_level(level)
    t, e = as_survival_data(time, event)
    uniq, inv = np.unique(t, return_inverse=True)
    n_event = np.bincount(inv, weights=e, minlength=len(uniq)).astype(float)
    n_total = np.bincount(inv, minlength=len(uniq)).astype(float)
    n_censor = n_total - n_event
    n_risk = np.cumsum(n_total[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        term = np.where(
            n_event > 0,
            np.where(n_risk > n_event, n_event / (n_risk * (n_risk - n_event)), np.inf),
            0.0,
        )
    std_err = np.sqrt(np.cumsum(term))
    lower, upper = confidence_band(surv, std_err, conf_type, level)
    med = MedianSurvival(
        median=_first_below_half(surv, uniq),
        lower=_first_below_half(lower, uniq),
        upper=_first_below_half(upper, uniq),
        conf_type=conf_type,
        level=level,
    )
    return KaplanMeier(
        time=uniq.astype(float),
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        survival=surv,
        std_err=std_err,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        level=level,
        n=len(t),
        events=int(e.sum()),
        median_survival=med,
    )
