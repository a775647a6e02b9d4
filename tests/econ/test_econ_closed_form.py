"""Exponential PFS and OS with constant costs and utilities: closed forms.

With S(t) = exp(-l t), discount factor (1 + r)^-t = exp(-d t), d = log(1 + r):
    A(l, d) = int_0^H exp(-(l + d) t) dt = (1 - exp(-(l + d) H)) / (l + d)
    years in pf = A(l_pfs, d), in pd = A(l_os, d) - A(l_pfs, d)
    discounted PFS events = l_pfs A(l_pfs, d); undiscounted = 1 - exp(-l_pfs H)
Half-cycle (trapezoid) with cycle c = H / K on g(t) = exp(-a t):
    T = c (1 + q)(1 - q^K) / (2 (1 - q)), q = exp(-a c)
so T / A = (a c / 2) coth(a c / 2), a relative error in [0, (a c)^2 / 12].
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.econ import AdverseEvent, SubsequentTherapy

E = ev.parametric_curve


def A(lam: float, d: float, H: float) -> float:
    a = lam + d
    return H if a == 0 else -math.expm1(-a * H) / a


def trap(lam: float, d: float, H: float, K: int) -> float:
    a, c = lam + d, H / K
    if a == 0:
        return H
    q = math.exp(-a * c)
    return c * (1 + q) * (-math.expm1(-a * H)) / (2 * (-math.expm1(-a * c)))


def build(lp, lo, r, H, costs=(1000.0, 20000.0), u=(0.8, 0.5), one_off=5000.0,
          ae=(0.2, 3000.0, -0.1, 0.05), sub=(0.4, 60000.0), terminal=7000.0, rq=None):
    arm = ev.Arm(pfs=E("exponential", rate=lp), os=E("exponential", rate=lo),
                 one_off_cost=one_off, state_costs={"pf": costs[0], "pd": costs[1]},
                 utilities={"pf": u[0], "pd": u[1]},
                 adverse_events=[AdverseEvent("ae", *ae)],
                 subsequent=[SubsequentTherapy("later", *sub)], terminal_cost=terminal)
    other = ev.Arm(pfs=E("exponential", rate=2 * lp), os=E("exponential", rate=2 * lo))
    return ev.PartitionedSurvival(arms={"x": arm, "y": other}, horizon=H, discount=r,
                                  discount_qalys=rq)


def expected(lp, lo, r, H, costs=(1000.0, 20000.0), u=(0.8, 0.5), one_off=5000.0,
             ae=(0.2, 3000.0, -0.1, 0.05), sub=(0.4, 60000.0), terminal=7000.0, rq=None,
             integral=A):
    d = math.log1p(r)
    dq = d if rq is None else math.log1p(rq)
    pf_c, pd_c = integral(lp, d, H), integral(lo, d, H) - integral(lp, d, H)
    pf_q, pd_q = integral(lp, dq, H), integral(lo, dq, H) - integral(lp, dq, H)
    ev_pfs_c = lp * A(lp, d, H)
    ev_pfs_u = -math.expm1(-lp * H)
    ev_os_c = lo * A(lo, d, H)
    cost = (one_off + costs[0] * pf_c + costs[1] * pd_c + ae[0] * ae[1]
            + sub[0] * sub[1] * ev_pfs_c / ev_pfs_u + terminal * ev_os_c)
    qaly = u[0] * pf_q + u[1] * pd_q - ae[0] * abs(ae[2]) * ae[3]
    return {"cost": cost, "qaly": qaly, "ly": A(lo, 0.0, H), "ly_pf": A(lp, 0.0, H),
            "ly_pd": A(lo, 0.0, H) - A(lp, 0.0, H)}


@pytest.mark.parametrize("r", [0.0, 0.03, 0.035])
@pytest.mark.parametrize(("lp", "lo", "H"), [(0.5, 0.2, 40.0), (1.3, 0.05, 10.0),
                                             (0.25, 0.25, 5.0)])
def test_exact_matches_closed_form(lp, lo, r, H):
    res = build(lp, lo, r, H).run("exact")
    exp = expected(lp, lo, r, H)
    assert res.costs["x"] == pytest.approx(exp["cost"], rel=1e-9)
    assert res.qalys["x"] == pytest.approx(exp["qaly"], rel=1e-9)
    assert res.life_years["x"] == pytest.approx(exp["ly"], rel=1e-9)
    assert res.life_years_by_state["x"]["pf"] == pytest.approx(exp["ly_pf"], rel=1e-9)
    assert res.life_years_by_state["x"]["pd"] == pytest.approx(exp["ly_pd"], rel=1e-9,
                                                               abs=1e-12)


def test_separate_qaly_discount_rate():
    res = build(0.4, 0.1, 0.03, 30.0, rq=0.015).run("exact")
    exp = expected(0.4, 0.1, 0.03, 30.0, rq=0.015)
    assert res.qalys["x"] == pytest.approx(exp["qaly"], rel=1e-9)
    assert res.costs["x"] == pytest.approx(exp["cost"], rel=1e-9)


def test_undiscounted_versions():
    res = build(0.5, 0.2, 0.03, 40.0).run("exact")
    exp = expected(0.5, 0.2, 0.0, 40.0)
    assert res.qalys_undiscounted["x"] == pytest.approx(exp["qaly"], rel=1e-9)
    assert res.costs_undiscounted["x"] == pytest.approx(exp["cost"] - 0.4 * 60000 * (
        0.5 * A(0.5, 0, 40) / -math.expm1(-0.5 * 40)) + 0.4 * 60000, rel=1e-9)


@pytest.mark.parametrize("r", [0.0, 0.03])
@pytest.mark.parametrize("K", [480, 120, 40])
def test_half_cycle_is_the_trapezoid_closed_form(r, K):
    lp, lo, H = 0.5, 0.2, 40.0
    res = build(lp, lo, r, H).run("cycles", cycle=H / K, correction="half-cycle")
    d = math.log1p(r)
    for state, got in res.life_years_by_state["x"].items():
        want = trap(lp, 0, H, K) if state == "pf" else trap(lo, 0, H, K) - trap(lp, 0, H, K)
        assert got == pytest.approx(want, rel=1e-12)
    q_want = 0.8 * trap(lp, d, H, K) + 0.5 * (trap(lo, d, H, K) - trap(lp, d, H, K)) \
        - 0.2 * 0.1 * 0.05
    assert res.qalys["x"] == pytest.approx(q_want, rel=1e-12)


@pytest.mark.parametrize("correction", ["half-cycle", "life-table"])
@pytest.mark.parametrize("r", [0.0, 0.03])
def test_monthly_cycles_within_documented_bound(correction, r):
    """|error| <= sum_states |coef| * A * (a c)^2 / 12 for each exponential term."""
    lp, lo, H, c = 0.5, 0.2, 40.0, 1 / 12
    res = build(lp, lo, r, H).run("cycles", cycle=c, correction=correction)
    exact = expected(lp, lo, r, H)
    d = math.log1p(r)
    # QALYs: 0.8 A(lp) + 0.5 (A(lo) - A(lp)) = 0.3 A(lp) + 0.5 A(lo)
    bound_q = sum(abs(w) * A(lam, d, H) * ((lam + d) * c) ** 2 / 12
                  for w, lam in ((0.3, lp), (0.5, lo)))
    assert abs(res.qalys["x"] - exact["qaly"]) <= bound_q * 1.0001
    # life-table: same second order (mid-point discounting of a trapezoid average)
    assert abs(res.qalys["x"] - exact["qaly"]) / exact["qaly"] < 1e-3


def test_no_correction_is_first_order():
    lp, lo, H = 0.5, 0.2, 40.0
    exact = build(lp, lo, 0.0, H).run("exact").life_years["x"]
    e1 = build(lp, lo, 0.0, H).run("cycles", cycle=1 / 12, correction="none").life_years["x"]
    e2 = build(lp, lo, 0.0, H).run("cycles", cycle=1 / 24, correction="none").life_years["x"]
    # start-of-cycle counting over-counts by about c/2 (for S(0) = 1): error halves
    assert (e1 - exact) / (e2 - exact) == pytest.approx(2.0, rel=0.01)


@settings(max_examples=25, deadline=None)
@given(lp=st.floats(0.05, 3.0), ratio=st.floats(0.05, 1.0), r=st.floats(0.0, 0.08),
       H=st.floats(0.5, 60.0))
def test_property_exact_equals_closed_form(lp, ratio, r, H):
    lo = lp * ratio
    res = build(lp, lo, r, H).run("exact")
    exp = expected(lp, lo, r, H)
    assert res.costs["x"] == pytest.approx(exp["cost"], rel=1e-9)
    assert res.qalys["x"] == pytest.approx(exp["qaly"], rel=1e-9)


def lifetable_sum(lam: float, d: float, H: float, K: int) -> float:
    """sum_k c (q^k + q^(k+1)) / 2 * exp(-d c (k + 1/2)), q = exp(-lam c)."""
    c = H / K
    q, rr = math.exp(-lam * c), math.exp(-(lam + d) * c)
    return c * (1 + q) / 2 * math.exp(-d * c / 2) * (1 - rr**K) / (1 - rr)


@pytest.mark.parametrize("r", [0.0, 0.03])
@pytest.mark.parametrize("K", [480, 37])
def test_life_table_correction_is_its_closed_form(r, K):
    lp, lo, H = 0.5, 0.2, 40.0
    res = build(lp, lo, r, H).run("cycles", cycle=H / K, correction="life-table")
    d = math.log1p(r)
    q_want = (0.8 * lifetable_sum(lp, d, H, K)
              + 0.5 * (lifetable_sum(lo, d, H, K) - lifetable_sum(lp, d, H, K))
              - 0.2 * 0.1 * 0.05)
    assert res.qalys["x"] == pytest.approx(q_want, rel=1e-12)
