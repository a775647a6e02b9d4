"""What one arm accrues from its state occupancy: costs, QALYs and life-years.

Per arm, with ``d_c``/``d_q`` the cost/QALY discount factors
``(1 + r)^-t``, ``a(t)`` the optional age adjustment of utilities and all
integrals from 0 to the horizon ``H``:

* cost = one-off costs (time 0, undiscounted)
  + sum over states of cost per year x ``int occupancy d_c``
  + AE rate x unit cost (time 0)
  + sum over subsequent therapies of share x cost x ``E_c[PFS event] / E[PFS event]``
  (the share is of the arm's patients; timing is that of the PFS events within H)
  + terminal cost x ``int f_OS d_c`` (deaths within H);
* QALYs = sum over states of utility x ``int occupancy a d_q``
  - sum over AEs of rate x ``|disutility|`` x duration (at time 0);
* life-years = ``int OS``.

References
----------
Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support
Document 19: partitioned survival analysis for decision modelling in health
care, 2017.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evisynth._validation import FloatArray
from evisynth.econ._draws import Draws
from evisynth.econ.arm import STATES, Arm
from evisynth.econ.integrate import Integrals


@dataclass
class _Out:
    cost: FloatArray
    cost_u: FloatArray
    qaly: FloatArray
    qaly_u: FloatArray
    ly: FloatArray
    ly_d: FloatArray
    parts: dict[str, FloatArray]
    ly_state: dict[str, FloatArray]
    q_state: dict[str, FloatArray]


def _outcomes(arm: Arm, it: Integrals, dr: Draws) -> _Out:
    v = dr.value
    parts: dict[str, FloatArray] = {}
    undisc = np.zeros(dr.n)
    for k, sh, p in arm.one_off:
        x = v(p) if sh is None else v(sh) * v(p)
        parts[f"one-off: {k}"] = x
        undisc = undisc + x
    for s in STATES:
        for k, p in arm.state_costs[s]:
            parts[f"{s}: {k.removeprefix(s + ' ')}"] = v(p) * it.ly_c[s]
            undisc = undisc + v(p) * it.ly[s]
    q_loss = np.zeros(dr.n)
    for ae in arm.adverse_events:
        parts[f"AE: {ae.name}"] = v(ae.rate) * v(ae.cost)
        undisc = undisc + v(ae.rate) * v(ae.cost)
        q_loss = q_loss + v(ae.rate) * np.abs(v(ae.disutility)) * v(ae.duration)
    with np.errstate(invalid="ignore", divide="ignore"):
        timing = np.where(it.ev_pfs_u > 0, it.ev_pfs_c / it.ev_pfs_u, 0.0)
    for st in arm.subsequent:
        c = np.sum([v(x) for x in st.costs], axis=0)
        parts[f"subsequent: {st.name}"] = v(st.share) * c * timing
        undisc = undisc + np.where(it.ev_pfs_u > 0, v(st.share) * c, 0.0)
    parts["terminal"] = v(arm.terminal_cost) * it.ev_os_c
    undisc = undisc + v(arm.terminal_cost) * it.ev_os_u
    cost = np.sum(list(parts.values()), axis=0)
    q_state = {s: v(arm.utilities[s]) * it.q_d[s] for s in STATES}
    qaly = q_state["pf"] + q_state["pd"] - q_loss
    qaly_u = sum(v(arm.utilities[s]) * it.q_u[s] for s in STATES) - q_loss
    ly = it.ly["pf"] + it.ly["pd"]
    ly_d = it.ly_c["pf"] + it.ly_c["pd"]
    return _Out(cost, undisc, qaly, np.asarray(qaly_u), ly, ly_d, parts,
                dict(it.ly), q_state)
