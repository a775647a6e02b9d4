"""One-way deterministic sensitivity analysis (the tornado diagram's numbers).

Every input is set to each end of its ``low``/``high`` range in turn (an input
with a distribution but no range: the 2.5% and 97.5% points of its
distribution), all other inputs at their point values; the outcome (incremental net monetary benefit
at a willingness to pay, or the ICER) is recorded. With the cycles method all
``2 P`` rows are one batched model evaluation.

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. OUP, 2006, ch. 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evisynth._html import result_html
from evisynth.econ._draws import Draws
from evisynth.econ.params import Param
from evisynth.errors import InputError

if TYPE_CHECKING:
    from evisynth.econ.model import PartitionedSurvival

__all__ = ["DSAResult", "run_dsa"]


@dataclass(frozen=True, eq=False)
class DSAResult:
    """One row per input: ``input, role, low, high, out_low, out_high, swing``, sorted by swing.

    ``base`` is the outcome at the point values; ``outcome`` is ``nmb`` or ``icer``.
    """

    table: pd.DataFrame = field(repr=False)
    base: float
    outcome: str
    intervention: str
    comparator: str
    wtp: float | None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "outcome": self.outcome, "intervention": self.intervention,
                "comparator": self.comparator, "wtp": self.wtp,
                "rows": self.table.to_dict(orient="records")}

    def summary(self, top: int = 10) -> str:
        lab = "incremental NMB" if self.outcome == "nmb" else "ICER"
        lines = [f"One-way sensitivity, {self.intervention} vs {self.comparator}: {lab} "
                 f"base {self.base:,.0f}"]
        for r in self.table.head(top).itertuples():
            lines.append(f"  {r.input}: {r.low:g} -> {r.out_low:,.0f}; {r.high:g} -> "
                         f"{r.out_high:,.0f}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return result_html(None, text=self.summary())


def run_dsa(model: PartitionedSurvival, intervention: str, comparator: str, *,
            wtp: float | None, method: str, outcome: str) -> DSAResult:
    """Compute a :class:`DSAResult` (see :meth:`PartitionedSurvival.dsa`)."""
    arms = list(model.arms)
    for a, arg in ((intervention, "intervention"), (comparator, "comparator")):
        if a not in arms:
            raise InputError(f"argument {arg!r}: {a!r} is not an arm", where=arg)
    if outcome not in ("nmb", "icer"):
        raise InputError(f"argument 'outcome': {outcome!r} is not 'nmb' or 'icer'",
                         where="outcome")
    w = model.wtp if wtp is None else float(wtp)
    if outcome == "nmb" and w is None:
        raise InputError("argument 'wtp': the net monetary benefit needs a willingness to pay",
                         where="wtp")
    if method not in ("exact", "cycles"):
        raise InputError(f"argument 'method': {method!r} is not 'exact' or 'cycles'",
                         where="method")
    rows: list[tuple[str, Param, float, float, str]] = []
    for _, role, p in model.inputs():
        if p.low is not None and p.high is not None:
            rows.append((role, p, p.low, p.high, "range"))
        elif p.dist != "fixed" and p.sd > 0:
            lo, hi = (float(x) for x in p.ppf(np.array([0.025, 0.975])))
            rows.append((role, p, lo, hi, "95% interval of its distribution"))
    if not rows:
        raise InputError("one-way sensitivity: no input has a low/high range or a "
                         "distribution", where="inputs")
    for _, p, lo, hi, _ in rows:
        model._check_values({id(p): lo})
        model._check_values({id(p): hi})
    i, k = arms.index(intervention), arms.index(comparator)

    def out(c: np.ndarray, q: np.ndarray) -> np.ndarray:
        dc, dq = c[:, i] - c[:, k], q[:, i] - q[:, k]
        if outcome == "nmb":
            assert w is not None
            return np.asarray(w * dq - dc)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(dc / dq)

    P = len(rows)
    if method == "cycles":
        dr = Draws(2 * P + 1)
        for j, (_, p, lo, hi, _) in enumerate(rows):
            v = np.full(2 * P + 1, p.value)
            v[2 * j], v[2 * j + 1] = lo, hi
            dr.values[id(p)] = v
        c, q = model.evaluate_batch(dr)
        res = out(c, q)
    else:
        vals = []
        for _, p, lo, hi, _ in rows:
            for x in (lo, hi):
                r = model.run("exact", overrides={p: x})
                vals.append([[r.costs[a] for a in arms], [r.qalys[a] for a in arms]])
        r0 = model.run("exact")
        vals.append([[r0.costs[a] for a in arms], [r0.qalys[a] for a in arms]])
        arr = np.asarray(vals)
        res = out(arr[:, 0, :], arr[:, 1, :])
    base = float(res[-1])
    table = pd.DataFrame({
        "input": [p.name or role for role, p, *_ in rows],
        "role": [r[0] for r in rows],
        "value": [r[1].value for r in rows],
        "low": [r[2] for r in rows], "high": [r[3] for r in rows],
        "out_low": res[0:2 * P:2], "out_high": res[1:2 * P:2],
        "range_from": [r[4] for r in rows],
        "assumption": [r[1].assumption for r in rows],
    })
    table["swing"] = (table["out_high"] - table["out_low"]).abs()
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return DSAResult(table, base, outcome, intervention, comparator, w)
