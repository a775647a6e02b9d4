"""Two-arm comparison of survival on patient data (real or reconstructed).

One call gives what a trial reanalysis reports: Kaplan–Meier curves with a
stated CI transform, medians with CIs, survival at landmark times and their
difference, the log-rank test, the Cox hazard ratio (Efron ties) with a
proportional-hazards check (R ``cox.zph`` score test), and the restricted mean
survival time per arm and its difference with the Greenwood-type variance.

Differences are *experimental minus reference*; the hazard ratio is
*experimental versus reference*. Landmark and RMST differences use
independent-arm normal approximations: ``se = sqrt(se_1^2 + se_0^2)``
(Klein et al., Stat Med 2007;26:4505–4519; Royston & Parmar, BMC Med Res
Methodol 2013;13:152).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from evisynth._validation import check_level, shorten
from evisynth.errors import InputError
from evisynth.survival._input import check_conf_type, z_value
from evisynth.survival.cox import CoxResult, PHTest, cox_ph, cox_zph
from evisynth.survival.km import KaplanMeier, RMSTEstimate, SurvivalAt, kaplan_meier
from evisynth.survival.logrank import LogRankResult, logrank_test

__all__ = ["LandmarkComparison", "RMSTComparison", "TwoArmComparison", "compare_arms"]


def _difference_dict(c: LandmarkComparison | RMSTComparison) -> dict[str, Any]:
    """The per-arm estimates and their difference, as both comparisons report them."""
    return {
        "reference": c.reference.to_dict(),
        "experimental": c.experimental.to_dict(),
        "difference": c.difference,
        "se": c.se,
        "lower": c.lower,
        "upper": c.upper,
        "pval": c.pval,
    }


@dataclass(frozen=True)
class LandmarkComparison:
    """Survival at one time in each arm and the difference (experimental - reference)."""

    time: float
    reference: SurvivalAt
    experimental: SurvivalAt
    difference: float
    se: float
    lower: float
    upper: float
    pval: float

    def to_dict(self) -> dict[str, Any]:
        return {"time": self.time, **_difference_dict(self)}


@dataclass(frozen=True)
class RMSTComparison:
    """RMST up to ``tau`` per arm and the difference (experimental - reference)."""

    tau: float
    reference: RMSTEstimate
    experimental: RMSTEstimate
    difference: float
    se: float
    lower: float
    upper: float
    pval: float

    def to_dict(self) -> dict[str, Any]:
        return {"tau": self.tau, **_difference_dict(self)}


@dataclass(frozen=True, eq=False)
class TwoArmComparison:
    """Everything :func:`compare_arms` computes; ``to_dict()`` for JSON."""

    reference: str
    experimental: str
    km_reference: KaplanMeier
    km_experimental: KaplanMeier
    landmarks: tuple[LandmarkComparison, ...]
    logrank: LogRankResult
    cox: CoxResult
    ph_test: PHTest
    rmst: RMSTComparison
    conf_type: str
    level: float

    @property
    def hr(self) -> float:
        """Hazard ratio, experimental versus reference."""
        return float(self.cox.hr[0])

    def to_dict(self) -> dict[str, Any]:
        def arm(km: KaplanMeier) -> dict[str, Any]:
            return {"n": km.n, "events": km.events, "median": km.median.to_dict()}

        return {
            "reference": self.reference,
            "experimental": self.experimental,
            "conf_type": self.conf_type,
            "level": self.level,
            "arms": {
                self.reference: arm(self.km_reference),
                self.experimental: arm(self.km_experimental),
            },
            "landmarks": [lm.to_dict() for lm in self.landmarks],
            "logrank": self.logrank.to_dict(),
            "cox": {
                "hr": self.hr,
                "hr_lower": float(self.cox.hr_lower[0]),
                "hr_upper": float(self.cox.hr_upper[0]),
                "log_hr": float(self.cox.coef[0]),
                "se": float(self.cox.se[0]),
                "pval": float(self.cox.pval[0]),
                "ties": self.cox.ties,
            },
            "ph_test": self.ph_test.to_dict(),
            "rmst": self.rmst.to_dict(),
            "km": {
                self.reference: self.km_reference.to_dict(),
                self.experimental: self.km_experimental.to_dict(),
            },
        }

    def summary(self) -> str:
        """A readable plain-text summary."""

        def fmt(x: float | None) -> str:
            return "not reached" if x is None else f"{x:.4g}"

        lv = f"{self.level:g}%"
        lines = [
            f"Two-arm survival comparison: {self.experimental} vs {self.reference} "
            f"(pointwise CIs: {self.conf_type} transform, {lv})",
        ]
        for name, km in ((self.reference, self.km_reference),
                         (self.experimental, self.km_experimental)):
            m = km.median
            lines.append(
                f"  {name}: n={km.n}, events={km.events}, median {fmt(m.median)} "
                f"({lv} CI {fmt(m.lower)} to {fmt(m.upper)})"
            )
        for lm in self.landmarks:
            lines.append(
                f"  S({lm.time:g}): {self.reference} {lm.reference.survival:.3f} "
                f"[{lm.reference.lower:.3f}, {lm.reference.upper:.3f}], {self.experimental} "
                f"{lm.experimental.survival:.3f} [{lm.experimental.lower:.3f}, "
                f"{lm.experimental.upper:.3f}]; difference {lm.difference:+.3f} "
                f"({lm.lower:+.3f} to {lm.upper:+.3f}), p={lm.pval:.3g}"
            )
        lines.append(
            f"  Log-rank: chi2={self.logrank.chisq:.3f} on {self.logrank.df} df, "
            f"p={self.logrank.pval:.3g}"
        )
        c = self.cox
        lines.append(
            f"  Cox HR ({c.ties} ties): {c.hr[0]:.3f} ({lv} CI {c.hr_lower[0]:.3f} to "
            f"{c.hr_upper[0]:.3f}), p={c.pval[0]:.3g}"
        )
        lines.append(
            f"  PH check (cox.zph score test, {self.ph_test.transform} transform): "
            f"chi2={self.ph_test.chisq[0]:.3f}, p={self.ph_test.pval[0]:.3g}"
        )
        r = self.rmst
        lines.append(
            f"  RMST to {r.tau:g}: {self.reference} {r.reference.rmst:.4g} (se "
            f"{r.reference.se:.3g}), {self.experimental} {r.experimental.rmst:.4g} (se "
            f"{r.experimental.se:.3g}); difference {r.difference:+.4g} ({r.lower:+.4g} to "
            f"{r.upper:+.4g}), p={r.pval:.3g}"
        )
        return "\n".join(lines)


def _column(df: pd.DataFrame, name: str, arg: str) -> pd.Series:
    if name not in df.columns:
        raise InputError(
            f"argument {arg!r}: no column {shorten(str(name))!r} in the data (columns are "
            f"{', '.join(shorten(str(c), 30) for c in list(df.columns)[:20])})",
            where=arg,
        )
    return df[name]


def compare_arms(
    data: pd.DataFrame,
    *,
    arm: str = "arm",
    time: str = "time",
    event: str = "event",
    reference: str | None = None,
    landmarks: Sequence[float] = (),
    tau: float | None = None,
    conf_type: str = "log",
    level: float = 95,
    zph_transform: str = "km",
) -> TwoArmComparison:
    """Compare survival between two arms.

    Parameters
    ----------
    data
        Patient data, one row per patient.
    arm, time, event
        Column names: arm label, follow-up time, event indicator (1 event, 0 censored).
    reference
        The reference (control) arm; default: the first label in sorted order.
    landmarks
        Times at which to report survival and the between-arm difference.
    tau
        RMST horizon; default: the smaller of the two arms' largest follow-up
        times (survRM2's default).
    conf_type
        KM CI transform: ``"log"`` (R's default), ``"log-log"`` (lifelines') or ``"plain"``.
    level
        Confidence level (95 or 0.95).
    zph_transform
        Time transform of the PH score test: ``"km"`` (R default) or ``"identity"``.

    Returns
    -------
    TwoArmComparison

    Raises
    ------
    InputError
        Missing columns, not exactly two arms, unknown reference, a landmark or
        ``tau`` beyond an arm's follow-up, bad times or events.

    Examples
    --------
    >>> from evisynth.survival.simulate import example_trial
    >>> res = compare_arms(example_trial(), reference="Standard care", landmarks=[12])
    >>> res.experimental
    'CAR-T'
    """
    conf_type = check_conf_type(conf_type)
    lv = check_level(level)
    if not isinstance(data, pd.DataFrame):
        raise InputError("argument 'data': expected a pandas DataFrame", where="data")
    raw_arm = _column(data, arm, "arm")
    missing = np.flatnonzero(raw_arm.isna().to_numpy()
                             | (raw_arm.astype(str).str.strip() == "").to_numpy())
    if missing.size:
        i = int(missing[0])
        raise InputError(
            f"argument 'data', column {shorten(arm)!r}, subject {i + 1}: the arm label is "
            "missing; every subject needs one",
            where="arm",
        )
    labels = raw_arm.astype(str).to_numpy()
    t = _column(data, time, "time").to_numpy()
    e = _column(data, event, "event").to_numpy()
    levels = sorted(set(labels.tolist()))
    if len(levels) != 2:
        raise InputError(
            f"argument 'arm': column {arm!r} has {len(levels)} distinct arm(s) "
            f"({', '.join(levels[:5])}); a two-arm comparison needs exactly two",
            where="arm",
        )
    if reference is None:
        reference = levels[0]
    elif str(reference) not in levels:
        raise InputError(
            f"argument 'reference': {reference!r} is not one of the arms {levels}",
            where="reference",
        )
    reference = str(reference)
    experimental = levels[1] if levels[0] == reference else levels[0]
    is_exp = labels == experimental
    km0 = kaplan_meier(t[~is_exp], e[~is_exp], conf_type=conf_type, level=lv)
    km1 = kaplan_meier(t[is_exp], e[is_exp], conf_type=conf_type, level=lv)
    z = z_value(lv)
    lms = []
    for L in landmarks:
        s0, s1 = km0.at(float(L)), km1.at(float(L))
        diff = s1.survival - s0.survival
        se = float(np.hypot(s0.se, s1.se))
        # se is 0 before any event in both arms (no difference: p = 1) and NaN where
        # an arm's curve has fallen to 0 (its SE is undefined, so is the test)
        p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else 1.0 if se == 0 else np.nan
        lms.append(LandmarkComparison(float(L), s0, s1, diff, se, diff - z * se, diff + z * se, p))
    if tau is None:
        tau = float(min(km0.time[-1], km1.time[-1]))
    elif tau > min(km0.time[-1], km1.time[-1]):
        raise InputError(
            f"argument 'tau': {tau:g} is beyond the follow-up of an arm (last times "
            f"{km0.time[-1]:g} and {km1.time[-1]:g}); the RMST is not estimable there",
            where="tau",
        )
    r0, r1 = km0.rmst(tau), km1.rmst(tau)
    rd = r1.rmst - r0.rmst
    rse = float(np.hypot(r0.se, r1.se))
    rmst = RMSTComparison(
        float(tau), r0, r1, rd, rse, rd - z * rse, rd + z * rse,
        float(2 * stats.norm.sf(abs(rd) / rse)) if rse > 0 else 1.0,
    )
    x = is_exp.astype(float)
    cox = cox_ph(t, e, pd.DataFrame({experimental: x}), level=lv)
    ph = cox_zph(t, e, pd.DataFrame({experimental: x}), transform=zph_transform)
    return TwoArmComparison(
        reference=reference,
        experimental=experimental,
        km_reference=km0,
        km_experimental=km1,
        landmarks=tuple(lms),
        logrank=logrank_test(t, e, labels),
        cox=cox,
        ph_test=ph,
        rmst=rmst,
        conf_type=conf_type,
        level=lv,
    )
