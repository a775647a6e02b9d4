"""The standard set of extrapolation models fitted side by side (AIC/BIC table).

References
----------
Latimer N. NICE DSU TSD 14 (2011): the standard set of extrapolation models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evisynth.errors import ConvergenceError, InputError
from evisynth.survival.parametric.families import DISTRIBUTIONS
from evisynth.survival.parametric.fit import ParametricFit, fit_parametric


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Several fits side by side; ``table`` is sorted by AIC.

    ``failed`` maps model labels to the reason a fit could not be made.
    """

    fits: tuple[ParametricFit, ...]
    failed: dict[str, str]

    @property
    def table(self) -> pd.DataFrame:
        rows = [
            {"model": f.label, "distribution": f.distribution, "cure": f.cure, "k": f.k,
             "loglik": f.loglik, "aic": f.aic, "bic": f.bic}
            for f in self.fits
        ]
        df = pd.DataFrame(rows).sort_values("aic", kind="stable").reset_index(drop=True)
        df["delta_aic"] = df["aic"] - df["aic"].min()
        df["delta_bic"] = df["bic"] - df["bic"].min()
        return df

    def best(self, criterion: str = "aic") -> ParametricFit:
        """The fit with the lowest AIC (or BIC)."""
        if criterion not in ("aic", "bic"):
            raise InputError("argument 'criterion': use 'aic' or 'bic'", where="criterion")
        return min(self.fits, key=lambda f: getattr(f, criterion))

    def extrapolate(self, times: Any) -> pd.DataFrame:
        """Survival of every fit at ``times`` (one column per model)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        return pd.DataFrame({"time": t, **{f.label: f.survival(t) for f in self.fits}})

    def restricted_means(self, horizon: float) -> dict[str, float]:
        """Mean survival up to ``horizon`` for every fit."""
        return {f.label: f.restricted_mean(horizon) for f in self.fits}

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table.to_dict(orient="records"),
            "fits": [f.to_dict() for f in self.fits],
            "failed": dict(self.failed),
        }


def fit_parametric_models(
    time: Any,
    event: Any,
    *,
    distributions: Sequence[str] = DISTRIBUTIONS,
    cure: Sequence[bool] = (False, True),
) -> ModelComparison:
    """Fit the standard extrapolation set (NICE DSU TSD 14) and their cure versions.

    Fits that fail are listed in ``failed`` with the reason (never dropped silently).

    Examples
    --------
    >>> from evisynth.survival.simulate import example_trial
    >>> d = example_trial().query("arm == 'CAR-T'")
    >>> mc = fit_parametric_models(d.time, d.event, distributions=["exponential"])
    >>> list(mc.table["model"])
    ['exponential mixture cure', 'exponential']
    """
    fits: list[ParametricFit] = []
    failed: dict[str, str] = {}
    for dname in distributions:
        for c in cure:
            try:
                fits.append(fit_parametric(time, event, dname, cure=bool(c)))
            except ConvergenceError as exc:
                failed[f"{dname}{' mixture cure' if c else ''}"] = str(exc)
    if not fits:
        raise ConvergenceError(f"no model could be fitted: {failed}")
    return ModelComparison(tuple(fits), failed)
