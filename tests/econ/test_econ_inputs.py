"""Bad input raises InputError naming the input (and its TOML line for files)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.econ import AdverseEvent, Param, SubsequentTherapy
from evisynth.errors import InputError

E = ev.parametric_curve


def _arm(**kw):
    base = dict(pfs=E("exponential", rate=0.5), os=E("exponential", rate=0.2),
                state_costs={"pf": 100.0, "pd": 200.0}, utilities={"pf": 0.8, "pd": 0.5})
    base.update(kw)
    return ev.Arm(**base)


def _model(**kw):
    return ev.PartitionedSurvival(arms={"a": _arm(), "b": _arm()}, **{"horizon": 10, **kw})


def test_negative_cost_names_the_input():
    with pytest.raises(InputError, match=r"'price'.*costs must be 0 or more"):
        _arm(one_off_cost={"acquisition": Param(-5.0, name="price")})
    with pytest.raises(InputError, match=r"pd cost.*-1"):
        _arm(state_costs={"pd": -1.0})
    with pytest.raises(InputError, match="terminal cost"):
        _arm(terminal_cost=-3.0)


@pytest.mark.parametrize("u", [1.2, -0.7, 7.0])
def test_utility_outside_range_says_why(u):
    with pytest.raises(InputError, match=r"utility pf.*outside \[-0.6, 1\].*-0.594") as e:
        _arm(utilities={"pf": u})
    assert "\n" not in str(e.value)


def test_utility_at_the_limits_is_accepted():
    _arm(utilities={"pf": 1.0, "pd": -0.6})


def test_increasing_curve_is_rejected_with_where():
    with pytest.raises(InputError, match=r"arm 'a', pfs curve: survival increases .* t ="):
        ev.PartitionedSurvival(arms={"a": _arm(pfs=lambda t: np.exp(-0.5 * t) + 0.01 * t),
                                     "b": _arm()}, horizon=10)


def test_curve_not_starting_at_one():
    with pytest.raises(InputError, match="starts at 1"):
        ev.PartitionedSurvival(arms={"a": _arm(os=lambda t: 0.9 * np.exp(-t)), "b": _arm()},
                               horizon=10)


@pytest.mark.parametrize("h", [0, -1, 0.0, math.nan, math.inf])
def test_horizon_must_be_positive(h):
    with pytest.raises(InputError, match="'horizon'"):
        _model(horizon=h)


def test_unknown_distribution_names_the_input():
    with pytest.raises(InputError, match=r"distribution \(input 'x'\): 'gama' is unknown"):
        Param(1.0, name="x", dist="gama")
    with pytest.raises(InputError, match="'distribution'"):
        E("weibul", shape=1, scale=1)


def test_other_bad_inputs():
    with pytest.raises(InputError, match="at least two arms"):
        ev.PartitionedSurvival(arms={"a": _arm()}, horizon=5)
    with pytest.raises(InputError, match="start_age"):
        _model(background="us_2021")
    with pytest.raises(InputError, match="unknown state 'progressed'"):
        _arm(utilities={"progressed": 0.5})
    with pytest.raises(InputError, match="must be a proportion"):
        _arm(adverse_events=[AdverseEvent("x", 1.5)])
    with pytest.raises(InputError, match=r"\[-1.6, 0\]"):
        _arm(adverse_events=[AdverseEvent("x", 0.1, disutility=0.2)])
    with pytest.raises(InputError, match="must be a proportion"):
        _arm(subsequent=[SubsequentTherapy("x", 2.0, 10.0)])
    with pytest.raises(InputError, match="hazard_ratio"):
        E("exponential", rate=1.0).with_hazard_ratio(0.0)
    with pytest.raises(InputError, match="needs parameters shape, scale"):
        E("weibull", shape=1.0)
    with pytest.raises(InputError, match="'rate' of the exponential"):
        E("exponential", rate=-1.0)
    with pytest.raises(InputError, match="a beta needs a value"):
        Param(1.5, name="p", dist="beta", se=0.1)
    with pytest.raises(InputError, match="low 2 is above high 1"):
        Param(1.5, name="p", low=2, high=1)
    with pytest.raises(InputError, match="'method'"):
        _model().run("quadrature")
    with pytest.raises(InputError, match="'correction'"):
        _model().run("cycles", correction="half")
    with pytest.raises(InputError, match="is not an arm"):
        _model().run().icer("a", "c")
    with pytest.raises(InputError, match="expected a curve"):
        _arm(pfs=3.0)


def test_psa_draws_outside_range_are_reported():
    u = Param(0.95, name="u", dist="normal", se=0.2)
    m = ev.PartitionedSurvival(arms={"a": _arm(utilities={"pf": u}), "b": _arm()}, horizon=5)
    with pytest.raises(InputError, match=r"'u'.*outside \[-0.6, 1\]; use a beta"):
        m.psa(1000, seed=1)


@settings(max_examples=30, deadline=None)
@given(c1=st.floats(0, 1e6), c2=st.floats(0, 1e6), u1=st.floats(-0.6, 1), u2=st.floats(-0.6, 1),
       r=st.floats(0, 0.1), h=st.floats(0.1, 50), lp=st.floats(0.01, 2), k=st.floats(0.3, 3))
def test_model_properties(c1, c2, u1, u2, r, h, lp, k):
    """Occupancies are within [0, horizon]; costs are non-negative and linear in a one-off;
    discounting never increases an outcome; PFS never counts above OS."""
    arm = ev.Arm(pfs=E("weibull", shape=k, scale=1 / lp), os=E("exponential", rate=lp / 2),
                 one_off_cost=c1, state_costs={"pf": c2, "pd": c2},
                 utilities={"pf": u1, "pd": u2})
    m = ev.PartitionedSurvival(arms={"a": arm, "b": _arm()}, horizon=h, discount=r)
    res = m.run("exact")
    ly = res.life_years_by_state["a"]
    assert -1e-12 <= ly["pf"] <= h + 1e-9 and -1e-12 <= ly["pd"] <= h + 1e-9
    assert ly["pf"] + ly["pd"] <= h * (1 + 1e-12)
    assert res.costs["a"] >= c1 - 1e-6
    assert res.costs["a"] <= res.costs_undiscounted["a"] + 1e-6 * max(1.0, res.costs["a"])
    assert res.life_years_discounted["a"] <= res.life_years["a"] + 1e-12
    bump = m.run("exact", overrides={arm.one_off[0][2]: c1 + 1000.0})
    assert bump.costs["a"] - res.costs["a"] == pytest.approx(1000.0, rel=1e-9)
    assert abs(res.qalys["a"]) <= h + 1e-9
