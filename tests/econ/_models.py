"""Models shared by the econ tests (mirrors tests/reference/econ.R)."""

from __future__ import annotations

import evisynth as ev
from evisynth.econ import AdverseEvent, SubsequentTherapy, parametric_curve

INPUTS = {
    "A": dict(one_off=105000, c_pf=12000, c_pd=60000, u_pf=0.8, u_pd=0.55, ae_rate=0.1,
              ae_cost=30000, ae_dis=-0.2, ae_dur=14 / 365.25, sub_share=0.3, sub_cost=50000,
              terminal=15000),
    "B": dict(one_off=20000, c_pf=8000, c_pd=60000, u_pf=0.8, u_pd=0.55, ae_rate=0.3,
              ae_cost=10000, ae_dis=-0.1, ae_dur=30 / 365.25, sub_share=0.6, sub_cost=400000,
              terminal=15000),
    "C": dict(one_off=150000, c_pf=10000, c_pd=60000, u_pf=0.8, u_pd=0.55, ae_rate=0.05,
              ae_cost=30000, ae_dis=-0.2, ae_dur=14 / 365.25, sub_share=0.2, sub_cost=50000,
              terminal=15000),
}


def reference_model() -> ev.PartitionedSurvival:
    w = parametric_curve
    pfs_b = w("weibull", shape=1.2, scale=0.8, cure_fraction=0.15)
    os_b = w("weibull", shape=0.9, scale=1.5, cure_fraction=0.3)
    curves = {
        "A": (w("weibull", shape=1.3, scale=3.0), w("weibull", shape=1.1, scale=8.0)),
        "B": (pfs_b, os_b),
        "C": (pfs_b.with_hazard_ratio(0.6), os_b.with_hazard_ratio(0.7)),
    }
    arms = {}
    for k, x in INPUTS.items():
        arms[k] = ev.Arm(
            pfs=curves[k][0], os=curves[k][1], one_off_cost=x["one_off"],
            state_costs={"pf": x["c_pf"], "pd": x["c_pd"]},
            utilities={"pf": x["u_pf"], "pd": x["u_pd"]},
            adverse_events=[AdverseEvent("ae", x["ae_rate"], x["ae_cost"], x["ae_dis"],
                                         x["ae_dur"])],
            subsequent=[SubsequentTherapy("later", x["sub_share"], x["sub_cost"])],
            terminal_cost=x["terminal"])
    return ev.PartitionedSurvival(arms=arms, horizon=40, discount=0.03, discount_qalys=0.015,
                                  start_age=60.5, background="us_2021", age_adjust_male=0.6)
