"""Result of a deterministic cost-effectiveness run: :class:`CEAResult`.

Incremental analysis follows the usual rules (Drummond et al. 2015, ch. 4;
dampack ``calculate_icers``): strategies sorted by cost; a strategy is
*dominated* when another costs no more and gives at least as many QALYs (one
of them strictly); it is *extendedly dominated* when a combination of two
others would be better, i.e. its ICER against the previous frontier strategy
exceeds that of the next frontier strategy. ICERs are reported between
consecutive frontier strategies.

References
----------
Drummond MF, Sculpher MJ, Claxton K, Stoddart GL, Torrance GW. Methods for
the Economic Evaluation of Health Care Programmes, 4th ed. OUP, 2015.
Cantor SB. Cost-effectiveness analysis, extended dominance, and ethics.
Med Decis Making 1994;14:259-265.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evisynth._html import Table, result_html
from evisynth._validation import FloatArray
from evisynth.errors import InputError

__all__ = ["CEAResult", "frontier"]


def frontier(costs: dict[str, float], qalys: dict[str, float]) -> list[dict[str, Any]]:
    """Incremental analysis: status and ICER of every strategy.

    Parameters
    ----------
    costs, qalys
        Per strategy.

    Returns
    -------
    list of dict
        One row per strategy (cheapest first): ``arm, cost, qaly, status,
        compared_with, inc_cost, inc_qaly, icer``; ``status`` is ``reference``,
        ``frontier``, ``dominated`` or ``extendedly dominated``.

    Examples
    --------
    >>> rows = frontier({"A": 0, "B": 10, "C": 30}, {"A": 1, "B": 1.5, "C": 2})
    >>> [r["status"] for r in rows]
    ['reference', 'frontier', 'frontier']

    References
    ----------
    Drummond et al. (2015) ch. 4; Cantor (1994).
    """
    names = sorted(costs, key=lambda a: (costs[a], -qalys[a]))
    status = {a: "frontier" for a in names}
    for a in names:
        for b in names:
            if b != a and costs[b] <= costs[a] and qalys[b] >= qalys[a] and (
                costs[b] < costs[a] or qalys[b] > qalys[a]
            ):
                status[a] = "dominated"
                break
    changed = True
    while changed:
        changed = False
        front = [a for a in names if status[a] == "frontier"]
        for i in range(1, len(front) - 1):
            p, a, n = front[i - 1], front[i], front[i + 1]
            i1 = (costs[a] - costs[p]) / (qalys[a] - qalys[p])
            i2 = (costs[n] - costs[a]) / (qalys[n] - qalys[a])
            if i1 > i2:
                status[a] = "extendedly dominated"
                changed = True
                break
    front = [a for a in names if status[a] == "frontier"]
    rows = []
    for a in names:
        row: dict[str, Any] = {"arm": a, "cost": costs[a], "qaly": qalys[a], "status": status[a],
                               "compared_with": None, "inc_cost": math.nan,
                               "inc_qaly": math.nan, "icer": math.nan}
        if a in front:
            i = front.index(a)
            if i == 0:
                row["status"] = "reference"
            else:
                p = front[i - 1]
                row.update(compared_with=p, inc_cost=costs[a] - costs[p],
                           inc_qaly=qalys[a] - qalys[p],
                           icer=(costs[a] - costs[p]) / (qalys[a] - qalys[p]))
        rows.append(row)
    return rows


@dataclass(frozen=True, eq=False)
class CEAResult:
    """Costs, life-years and QALYs per arm; increments, ICERs, NMB, traces.

    Attributes
    ----------
    arms
        Arm names in model order.
    costs, qalys, life_years
        Discounted costs and QALYs, undiscounted life-years, per arm.
    costs_undiscounted, qalys_undiscounted, life_years_discounted
        The other versions.
    cost_breakdown
        Discounted cost per component (one-off, state, AE, subsequent, terminal).
    life_years_by_state, qalys_by_state
        Undiscounted life-years and discounted QALYs in ``pf`` and ``pd``.
    traces
        Per arm, ``(t, pf, pd, dead)`` state occupancy (years; monthly for ``exact``).
    clipped
        Per arm, the time intervals (years) where PFS exceeded OS and was clipped to it.
    method, cycle, correction, horizon, discount, discount_qalys
        How the model was run.
    wtp
        Willingness to pay per QALY for :meth:`nmb` (``None`` if not set).
    """

    arms: tuple[str, ...]
    costs: dict[str, float]
    qalys: dict[str, float]
    life_years: dict[str, float]
    costs_undiscounted: dict[str, float]
    qalys_undiscounted: dict[str, float]
    life_years_discounted: dict[str, float]
    cost_breakdown: dict[str, dict[str, float]]
    life_years_by_state: dict[str, dict[str, float]]
    qalys_by_state: dict[str, dict[str, float]]
    traces: dict[str, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = field(repr=False)
    clipped: dict[str, tuple[tuple[float, float], ...]]
    method: str
    cycle: float | None
    correction: str | None
    horizon: float
    discount: float
    discount_qalys: float
    wtp: float | None = None
    currency: str = ""

    def _arm(self, a: str, arg: str) -> str:
        if a not in self.arms:
            raise InputError(f"argument {arg!r}: {a!r} is not an arm; the arms are "
                             f"{', '.join(map(repr, self.arms))}", where=arg)
        return a

    def incremental(self, intervention: str, comparator: str) -> dict[str, float]:
        """Incremental cost, QALYs, life-years and ICER of ``intervention`` vs ``comparator``."""
        a, b = self._arm(intervention, "intervention"), self._arm(comparator, "comparator")
        dc = self.costs[a] - self.costs[b]
        dq = self.qalys[a] - self.qalys[b]
        return {"inc_cost": dc, "inc_qaly": dq,
                "inc_ly": self.life_years[a] - self.life_years[b],
                "icer": dc / dq if dq != 0 else math.copysign(math.inf, dc)}

    def icer(self, intervention: str, comparator: str) -> float:
        """Incremental cost per QALY gained of ``intervention`` versus ``comparator``.

        A negative value means one strategy dominates; look at :meth:`incremental`.
        """
        return self.incremental(intervention, comparator)["icer"]

    def nmb(self, wtp: float | None = None) -> dict[str, float]:
        """Net monetary benefit ``wtp * QALY - cost`` per arm."""
        w = self.wtp if wtp is None else float(wtp)
        if w is None:
            raise InputError("argument 'wtp': give a willingness to pay per QALY", where="wtp")
        return {a: w * self.qalys[a] - self.costs[a] for a in self.arms}

    def incremental_table(self) -> pd.DataFrame:
        """Dominance, extended dominance and ICERs along the frontier (cheapest first)."""
        return pd.DataFrame(frontier(self.costs, self.qalys))

    def to_frame(self) -> pd.DataFrame:
        """One row per arm: costs, QALYs and life-years (discounted and not), NMB."""
        rows = []
        for a in self.arms:
            r = {"arm": a, "cost": self.costs[a], "qaly": self.qalys[a],
                 "life_years": self.life_years[a],
                 "cost_undiscounted": self.costs_undiscounted[a],
                 "qaly_undiscounted": self.qalys_undiscounted[a],
                 "life_years_discounted": self.life_years_discounted[a]}
            if self.wtp is not None:
                r["nmb"] = self.wtp * self.qalys[a] - self.costs[a]
            rows.append(r)
        return pd.DataFrame(rows)

    def trace_frame(self, arm: str) -> pd.DataFrame:
        """State occupancy over time for one arm."""
        t, pf, pd_, dead = self.traces[self._arm(arm, "arm")]
        return pd.DataFrame({"time": t, "pf": pf, "pd": pd_, "dead": dead})

    def to_dict(self) -> dict[str, Any]:
        return {
            "arms": list(self.arms), "costs": dict(self.costs), "qalys": dict(self.qalys),
            "life_years": dict(self.life_years),
            "costs_undiscounted": dict(self.costs_undiscounted),
            "qalys_undiscounted": dict(self.qalys_undiscounted),
            "life_years_discounted": dict(self.life_years_discounted),
            "cost_breakdown": {a: dict(v) for a, v in self.cost_breakdown.items()},
            "life_years_by_state": {a: dict(v) for a, v in self.life_years_by_state.items()},
            "qalys_by_state": {a: dict(v) for a, v in self.qalys_by_state.items()},
            "clipped": {a: [list(x) for x in v] for a, v in self.clipped.items()},
            "incremental": frontier(self.costs, self.qalys),
            "method": self.method, "cycle": self.cycle, "correction": self.correction,
            "horizon": self.horizon, "discount": self.discount,
            "discount_qalys": self.discount_qalys, "wtp": self.wtp,
        }

    def _title(self) -> str:
        how = "exact integration" if self.method == "exact" else (
            f"cycles of {self.cycle:.4g} y, {self.correction} correction")
        return (f"Partitioned-survival model: horizon {self.horizon:g} y, discount "
                f"{self.discount:.3g}/{self.discount_qalys:.3g}, {how}")

    def summary(self) -> str:
        cur = f" {self.currency}" if self.currency else ""
        lines = [self._title(), ""]
        w = max(len(a) for a in self.arms)
        lines.append(f"{'arm':<{w}}  {'cost' + cur:>14}  {'QALY':>8}  {'LY':>8}")
        for a in self.arms:
            lines.append(f"{a:<{w}}  {self.costs[a]:>14,.0f}  {self.qalys[a]:>8.3f}  "
                         f"{self.life_years[a]:>8.3f}")
        lines.append("")
        for r in frontier(self.costs, self.qalys):
            if r["status"] == "frontier":
                lines.append(f"{r['arm']} vs {r['compared_with']}: +{r['inc_cost']:,.0f}{cur}, "
                             f"+{r['inc_qaly']:.3f} QALY, ICER {r['icer']:,.0f}{cur}/QALY")
            elif r["status"] != "reference":
                lines.append(f"{r['arm']}: {r['status']}")
        for a, iv in self.clipped.items():
            if iv:
                spans = ", ".join(f"{x:.3g}-{y:.3g}" for x, y in iv)
                lines.append(f"{a}: PFS above OS and clipped to it at t = {spans} years")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        rows = tuple((a, f"{self.costs[a]:,.0f}", f"{self.qalys[a]:.3f}",
                      f"{self.life_years[a]:.3f}") for a in self.arms)
        inc = [f"{r['arm']} vs {r['compared_with']}: ICER {r['icer']:,.0f}/QALY"
               if r["status"] == "frontier" else f"{r['arm']}: {r['status']}"
               for r in frontier(self.costs, self.qalys) if r["status"] != "reference"]
        return result_html(self._title(), items=inc, tables=[
            Table(rows, ("arm", "cost", "QALY", "life-years"), row_labels=False)])


_ = np  # numpy arrays in traces
