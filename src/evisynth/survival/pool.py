"""Pooling a treatment effect across trials from (reconstructed) patient data.

Two routes, side by side:

* **one-stage**: a Cox model on the stacked patient data with the arm as the
  covariate and a separate baseline hazard per trial (stratified by trial);
* **two-stage**: a Cox model per trial, then a random-effects meta-analysis of
  the log hazard ratios with :func:`evisynth.meta.rma` (REML by default, z-test).

References
----------
Tudur Smith C, Williamson PR, Marson AG. Stat Med 2005;24:1307–1319 (one- and
two-stage IPD meta-analysis of time-to-event data).
Burke DL, Ensor J, Riley RD. Stat Med 2017;36:855–875.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evisynth._validation import check_level
from evisynth.errors import InputError
from evisynth.meta.rma import rma
from evisynth.survival.cox import CoxResult, cox_ph

__all__ = ["PooledSurvival", "pool_trials"]


@dataclass(frozen=True, eq=False)
class PooledSurvival:
    """One-stage and two-stage pooled hazard ratios (experimental vs reference).

    Attributes
    ----------
    trials
        Trial labels, in the order of ``per_trial``.
    per_trial
        The Cox fit of each trial.
    one_stage
        Cox model stratified by trial on all patients.
    two_stage
        ``rma`` result on the per-trial log hazard ratios.
    """

    reference: str
    experimental: str
    trials: tuple[str, ...]
    per_trial: tuple[CoxResult, ...]
    one_stage: CoxResult
    two_stage: Any
    method: str
    level: float

    def to_frame(self) -> pd.DataFrame:
        """Per-trial and pooled hazard ratios, one row each."""
        rows = [
            {"analysis": f"trial {name}", "hr": float(c.hr[0]), "hr_lower": float(c.hr_lower[0]),
             "hr_upper": float(c.hr_upper[0]), "log_hr": float(c.coef[0]),
             "se": float(c.se[0]), "n": c.n, "events": c.events}
            for name, c in zip(self.trials, self.per_trial, strict=True)
        ]
        c = self.one_stage
        rows.append({"analysis": "one-stage (Cox stratified by trial)", "hr": float(c.hr[0]),
                     "hr_lower": float(c.hr_lower[0]), "hr_upper": float(c.hr_upper[0]),
                     "log_hr": float(c.coef[0]), "se": float(c.se[0]), "n": c.n,
                     "events": c.events})
        m = self.two_stage
        rows.append({"analysis": f"two-stage (rma, {self.method})",
                     "hr": float(np.exp(m.estimate)), "hr_lower": float(np.exp(m.ci_lb)),
                     "hr_upper": float(np.exp(m.ci_ub)), "log_hr": float(m.estimate),
                     "se": float(m.se), "n": sum(x.n for x in self.per_trial),
                     "events": sum(x.events for x in self.per_trial)})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        c, m = self.one_stage, self.two_stage
        return {
            "reference": self.reference,
            "experimental": self.experimental,
            "trials": list(self.trials),
            "per_trial": [
                {"trial": name, "log_hr": float(x.coef[0]), "se": float(x.se[0]),
                 "hr": float(x.hr[0]), "hr_lower": float(x.hr_lower[0]),
                 "hr_upper": float(x.hr_upper[0]), "n": x.n, "events": x.events}
                for name, x in zip(self.trials, self.per_trial, strict=True)
            ],
            "one_stage": {"log_hr": float(c.coef[0]), "se": float(c.se[0]),
                          "hr": float(c.hr[0]), "hr_lower": float(c.hr_lower[0]),
                          "hr_upper": float(c.hr_upper[0]), "pval": float(c.pval[0])},
            "two_stage": {"method": self.method, "log_hr": float(m.estimate),
                          "se": float(m.se), "hr": float(np.exp(m.estimate)),
                          "hr_lower": float(np.exp(m.ci_lb)),
                          "hr_upper": float(np.exp(m.ci_ub)), "pval": float(m.pval),
                          "tau2": float(m.tau2), "I2": float(m.I2)},
            "level": self.level,
        }


def pool_trials(
    data: pd.DataFrame,
    *,
    trial: str = "trial",
    arm: str = "arm",
    time: str = "time",
    event: str = "event",
    reference: str | None = None,
    method: str = "REML",
    level: float = 95,
) -> PooledSurvival:
    """Pool the hazard ratio across trials, one-stage and two-stage.

    Parameters
    ----------
    data
        Stacked patient data, one row per patient, with trial, arm, time and event columns.
    trial, arm, time, event
        Column names.
    reference
        Reference arm label (shared by all trials); default: first in sorted order.
    method
        Heterogeneity estimator of the two-stage meta-analysis (passed to ``rma``).
    level
        Confidence level.

    Returns
    -------
    PooledSurvival

    Raises
    ------
    InputError
        Missing columns, not exactly two arm labels overall, a trial lacking an arm,
        fewer than two trials.

    Examples
    --------
    >>> from evisynth.survival.simulate import example_trial
    >>> a = example_trial().assign(trial="T1")
    >>> b = example_trial().assign(trial="T2", time=lambda d: d.time * 1.1)
    >>> res = pool_trials(pd.concat([a, b]), reference="Standard care")
    >>> res.trials
    ('T1', 'T2')

    References
    ----------
    Tudur Smith et al., Stat Med 2005; Burke et al., Stat Med 2017.
    """
    lv = check_level(level)
    if not isinstance(data, pd.DataFrame):
        raise InputError("argument 'data': expected a pandas DataFrame", where="data")
    for col, arg in ((trial, "trial"), (arm, "arm"), (time, "time"), (event, "event")):
        if col not in data.columns:
            raise InputError(
                f"argument {arg!r}: no column {col!r} in the data (columns are "
                f"{list(data.columns)})",
                where=arg,
            )
    arms = sorted(set(data[arm].astype(str)))
    if len(arms) != 2:
        raise InputError(
            f"argument 'arm': column {arm!r} has {len(arms)} distinct labels; pooling needs "
            "the same two arms in every trial",
            where="arm",
        )
    ref = arms[0] if reference is None else str(reference)
    if ref not in arms:
        raise InputError(f"argument 'reference': {ref!r} is not one of {arms}", where="reference")
    exp = arms[1] if arms[0] == ref else arms[0]
    trials = tuple(sorted(set(data[trial].astype(str))))
    if len(trials) < 2:
        raise InputError("argument 'trial': pooling needs at least two trials", where="trial")
    tr = data[trial].astype(str).to_numpy()
    x = (data[arm].astype(str) == exp).to_numpy(dtype=float)
    t = data[time].to_numpy(dtype=float)
    e = data[event].to_numpy(dtype=float)
    per = []
    for name in trials:
        m = tr == name
        if x[m].min() == x[m].max():
            raise InputError(
                f"argument 'data', trial {name!r}: has only one arm; every trial needs both "
                f"{ref!r} and {exp!r}",
                where="data",
            )
        per.append(cox_ph(t[m], e[m], pd.DataFrame({exp: x[m]}), level=lv))
    one = cox_ph(t, e, pd.DataFrame({exp: x}), strata=tr, level=lv)
    yi = np.array([c.coef[0] for c in per])
    vi = np.array([c.se[0] ** 2 for c in per])
    two = rma(yi=yi, vi=vi, method=method, test="z", level=lv, labels=list(trials))
    return PooledSurvival(ref, exp, trials, tuple(per), one, two, method, lv)
