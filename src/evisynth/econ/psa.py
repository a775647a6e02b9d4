"""Result of a probabilistic sensitivity analysis: CE plane, CEAC, frontier, EVPI.

With ``NB_ij = wtp * QALY_ij - cost_ij`` for draw i and strategy j:

* CEAC: share of draws in which each strategy has the highest NB;
* CE acceptability frontier: at each wtp the strategy with the highest
  *expected* NB, with its probability of being cost-effective;
* EVPI per patient: ``E_i[max_j NB_ij] - max_j E_i[NB_ij]``; per population:
  times the number of patients per year and the discounted sum of years
  ``sum_{y=0}^{Y-1} (1 + r)^-y``.

References
----------
Fenwick E, Claxton K, Sculpher M. Representing uncertainty: the role of
cost-effectiveness acceptability curves. Health Econ 2001;10:779-787.
Claxton K. The irrelevance of inference. J Health Econ 1999;18:341-364 (EVPI).
Briggs, Claxton & Sculpher (2006) ch. 5 and 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evisynth._html import result_html
from evisynth._validation import FloatArray, check_int, check_number
from evisynth.errors import InputError

__all__ = ["PSAResult"]


@dataclass(frozen=True, eq=False)
class PSAResult:
    """Draws of discounted costs and QALYs, ``(n, arms)``, and the input draws.

    Attributes
    ----------
    arms
        Arm names (column order).
    costs, qalys
        Discounted cost and QALYs per draw and arm.
    inputs
        Draws of every sampled input, by name.
    seed
        Seed used.
    wtp
        Default willingness to pay.
    """

    arms: tuple[str, ...]
    costs: FloatArray = field(repr=False)
    qalys: FloatArray = field(repr=False)
    inputs: dict[str, FloatArray] = field(repr=False)
    seed: int | None
    wtp: float | None = None
    currency: str = ""

    @property
    def n(self) -> int:
        return int(self.costs.shape[0])

    def _j(self, a: str, arg: str) -> int:
        if a not in self.arms:
            raise InputError(f"argument {arg!r}: {a!r} is not an arm; the arms are "
                             f"{', '.join(map(repr, self.arms))}", where=arg)
        return self.arms.index(a)

    def _w(self, wtp: float | None) -> float:
        w = self.wtp if wtp is None else wtp
        if w is None:
            raise InputError("argument 'wtp': give a willingness to pay per QALY", where="wtp")
        return check_number("wtp", w, lo=0.0)

    def mean_costs(self) -> dict[str, float]:
        return {a: float(self.costs[:, j].mean()) for j, a in enumerate(self.arms)}

    def mean_qalys(self) -> dict[str, float]:
        return {a: float(self.qalys[:, j].mean()) for j, a in enumerate(self.arms)}

    def incremental(self, intervention: str, comparator: str) -> tuple[FloatArray, FloatArray]:
        """Draws of (incremental QALYs, incremental cost): the CE plane."""
        i, k = self._j(intervention, "intervention"), self._j(comparator, "comparator")
        return self.qalys[:, i] - self.qalys[:, k], self.costs[:, i] - self.costs[:, k]

    def nb(self, wtp: float | None = None) -> FloatArray:
        """Net monetary benefit per draw and arm."""
        return np.asarray(self._w(wtp) * self.qalys - self.costs, dtype=float)

    def prob_cost_effective(self, wtp: float | None = None) -> dict[str, float]:
        """Share of draws in which each arm has the highest net benefit."""
        best = np.argmax(self.nb(wtp), axis=1)
        return {a: float(np.mean(best == j)) for j, a in enumerate(self.arms)}

    def ceac(self, wtps: Any) -> pd.DataFrame:
        """Cost-effectiveness acceptability curves: one column per arm.

        Vectorised over the wtp grid: ``(W, n, arms)`` net benefits in one array.
        """
        w = np.atleast_1d(np.asarray(wtps, dtype=float))
        if (w < 0).any() or not np.isfinite(w).all():
            raise InputError("argument 'wtps': willingness to pay must be finite and >= 0",
                             where="wtps")
        nb = w[:, None, None] * self.qalys[None] - self.costs[None]
        best = np.argmax(nb, axis=2)
        out = {"wtp": w}
        for j, a in enumerate(self.arms):
            out[a] = np.mean(best == j, axis=1)
        return pd.DataFrame(out)

    def frontier(self, wtps: Any) -> pd.DataFrame:
        """CE acceptability frontier: the arm with the highest expected NB and its probability."""
        c = self.ceac(wtps)
        w = c["wtp"].to_numpy()
        enb = w[:, None] * self.qalys.mean(axis=0)[None] - self.costs.mean(axis=0)[None]
        j = np.argmax(enb, axis=1)
        probs = c[list(self.arms)].to_numpy()
        return pd.DataFrame({"wtp": w, "optimal": [self.arms[k] for k in j],
                             "probability": probs[np.arange(len(w)), j]})

    def evpi(self, wtp: float | None = None, *, population: float | None = None,
             years: int = 1, discount: float = 0.0) -> dict[str, float]:
        """Expected value of perfect information, per patient and (optionally) per population.

        Parameters
        ----------
        wtp
            Willingness to pay per QALY.
        population
            Patients per year.
        years
            Years over which the decision applies.
        discount
            Annual discount rate for the population sum.

        Returns
        -------
        dict
            ``per_patient`` and, with ``population``, ``per_population`` and
            ``discounted_patients``.

        Raises
        ------
        InputError
            Bad wtp, population, years or discount.

        Examples
        --------
        >>> import numpy as np
        >>> p = PSAResult(("a", "b"), np.array([[0.0, 1.0], [0.0, -1.0]]),
        ...               np.zeros((2, 2)), {}, None)
        >>> p.evpi(0.0)["per_patient"]   # E max(-c) - max E(-c) = 0.5 - 0
        0.5

        References
        ----------
        Claxton (1999); Briggs, Claxton & Sculpher (2006) ch. 7.
        """
        nb = self.nb(wtp)
        pp = float(np.mean(nb.max(axis=1)) - nb.mean(axis=0).max())
        out = {"per_patient": pp}
        if population is not None:
            pop = check_number("population", population, lo=0.0)
            y = check_int("years", years, lo=1)
            r = check_number("discount", discount, lo=0.0, hi=0.999)
            eff = pop * float(np.sum((1 + r) ** -np.arange(y)))
            out["discounted_patients"] = eff
            out["per_population"] = pp * eff
        return out

    def summary(self, wtp: float | None = None) -> str:
        w = self._w(wtp)
        pce = self.prob_cost_effective(w)
        mc, mq = self.mean_costs(), self.mean_qalys()
        lines = [f"PSA: {self.n} draws (seed {self.seed})"]
        for a in self.arms:
            lines.append(f"  {a}: mean cost {mc[a]:,.0f}, mean QALY {mq[a]:.3f}, "
                         f"P(cost-effective at {w:,.0f}) = {pce[a]:.3f}")
        lines.append(f"  EVPI per patient at {w:,.0f}: {self.evpi(w)['per_patient']:,.0f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"arms": list(self.arms), "n": self.n, "seed": self.seed,
                             "mean_costs": self.mean_costs(), "mean_qalys": self.mean_qalys(),
                             "wtp": self.wtp}
        if self.wtp is not None:
            d["prob_cost_effective"] = self.prob_cost_effective()
            d["evpi_per_patient"] = self.evpi()["per_patient"]
        return d

    def _repr_html_(self) -> str:
        return result_html(None, text=self.summary() if self.wtp is not None else str(self.n))
