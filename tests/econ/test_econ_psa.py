"""Probabilistic and one-way sensitivity analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest

import evisynth as ev
from evisynth.econ import AdverseEvent, Param, SubsequentTherapy
from evisynth.survival.simulate import example_trial

E = ev.parametric_curve


def _model(degenerate: bool = False, background: bool = True) -> tuple[ev.PartitionedSurvival,
                                                                       dict[str, Param]]:
    z = 0.0 if degenerate else None
    p = {
        "price": Param(100_000, name="price", dist="gamma", se=0.0 if degenerate else 10_000,
                       low=80_000, high=120_000),
        "c_pd": Param(30_000, name="c_pd", dist="gamma", se=z if degenerate else 6_000,
                      low=20_000, high=40_000),
        "u_pf": Param(0.8, name="u_pf", dist="beta", se=z if degenerate else 0.05, low=0.7,
                      high=0.9),
        "u_pd": Param(0.5, name="u_pd", dist="beta", se=z if degenerate else 0.05, low=0.4,
                      high=0.6),
        "hr": Param(0.7, name="hr", dist="lognormal", se=z if degenerate else 0.15, low=0.5,
                    high=0.95),
        "ae": Param(0.2, name="ae", dist="beta", se=z if degenerate else 0.04, low=0.1,
                    high=0.3),
        "share": Param(0.5, name="share", dist="beta", se=z if degenerate else 0.05),
        "dis": Param(-0.2, name="dis", dist="normal", se=z if degenerate else 0.02),
    }
    pfs0 = E("weibull", shape=1.2, scale=2.0, cure_fraction=0.2)
    os0 = E("weibull", shape=1.1, scale=5.0, cure_fraction=0.3)
    common = dict(state_costs={"pf": 5_000, "pd": p["c_pd"]},
                  utilities={"pf": p["u_pf"], "pd": p["u_pd"]})
    arms = {
        "new": ev.Arm(pfs=pfs0.with_hazard_ratio(p["hr"]), os=os0.with_hazard_ratio(p["hr"]),
                      one_off_cost={"price": p["price"]},
                      adverse_events=[AdverseEvent("ae", p["ae"], 20_000, p["dis"], 0.05)],
                      **common),
        "old": ev.Arm(pfs=pfs0, os=os0, one_off_cost=10_000,
                      subsequent=[SubsequentTherapy("later", p["share"], p["price"])],
                      **common),
    }
    m = ev.PartitionedSurvival(arms=arms, horizon=30, discount=0.03, start_age=60,
                               background="us_2021" if background else None, wtp=100_000)
    return m, p


def test_degenerate_distributions_reproduce_the_base_case_exactly():
    m, _ = _model(degenerate=True)
    base = m.run("cycles")
    psa = m.psa(50, seed=3)
    for j, a in enumerate(psa.arms):
        assert np.all(psa.costs[:, j] == base.costs[a])
        assert np.all(psa.qalys[:, j] == base.qalys[a])


def test_fit_with_zero_covariance_is_degenerate():
    d = example_trial().query("arm == 'CAR-T'")
    fit = ev.fit_parametric(d.time, d.event, "weibull", cure=True)
    curve0 = ev.econ.as_curve(fit, time_unit="months")
    z = type(fit)(**{**fit.__dict__, "vcov": np.zeros_like(fit.vcov)})
    curve = ev.econ.as_curve(z, time_unit="months")
    arms = {"a": ev.Arm(pfs=curve, os=curve, utilities={"pf": 0.8}),
            "b": ev.Arm(pfs=curve0, os=curve0, utilities={"pf": 0.7})}
    m = ev.PartitionedSurvival(arms=arms, horizon=20)
    psa = m.psa(20, seed=1)
    base = m.run("cycles")
    assert np.allclose(psa.qalys[:, 0], base.qalys["a"], rtol=1e-13, atol=0)


def test_fit_covariance_is_drawn_multivariate_normal():
    d = example_trial().query("arm == 'CAR-T'")
    fit = ev.fit_parametric(d.time, d.event, "weibull", cure=True)
    c = ev.econ.as_curve(fit, time_unit="months")
    arms = {"a": ev.Arm(pfs=c, os=c, utilities={"pf": 0.8}),
            "b": ev.Arm(pfs=c.with_hazard_ratio(1.2), os=c, utilities={"pf": 0.8})}
    m = ev.PartitionedSurvival(arms=arms, horizon=20)
    dr = m.draw(40_000, np.random.default_rng(5))
    th = dr.coefs[id(c)]
    se = np.sqrt(np.diag(fit.vcov))
    assert np.all(np.abs(th.mean(axis=0) - fit.theta) < 4 * se / math.sqrt(40_000))
    V, n = fit.vcov, 40_000
    mc_se = np.sqrt((np.outer(np.diag(V), np.diag(V)) + V**2) / n)  # se of a sample covariance
    assert np.all(np.abs(np.cov(th.T) - V) < 5 * mc_se)


def test_mean_of_linear_outputs_converges_to_expectation():
    """Undiscounted-cost pieces and QALYs are linear in gamma/beta/normal inputs: with the
    curves fixed (HR fixed), E[output] = output at the inputs' means; |mean - E| <= 4 MC se."""
    m, p = _model()
    fixed_hr = {p["hr"].name}
    m2 = m  # hr enters nonlinearly: hold it fixed by a degenerate copy
    hr = p["hr"]
    object.__setattr__(hr, "se", 0.0)
    assert hr.name in fixed_hr
    n = 100_000
    psa = m2.psa(n, seed=11)
    expect = m2.run("cycles", overrides={q: q.mean() for q in p.values()})
    for j, a in enumerate(psa.arms):
        for arr, want in ((psa.costs[:, j], expect.costs[a]), (psa.qalys[:, j], expect.qalys[a])):
            mc_se = arr.std(ddof=1) / math.sqrt(n)
            assert abs(arr.mean() - want) <= 4 * mc_se + 1e-9 * abs(want)


def test_same_seed_same_draws_and_other_seed_other_draws():
    m, _ = _model()
    a, b, c = m.psa(300, seed=7), m.psa(300, seed=7), m.psa(300, seed=8)
    assert np.array_equal(a.costs, b.costs) and np.array_equal(a.qalys, b.qalys)
    assert not np.array_equal(a.costs, c.costs)


def test_batched_psa_equals_one_run_per_draw():
    m, p = _model()
    psa = m.psa(5, seed=2)
    for i in range(5):
        ov = {q: float(psa.inputs[q.name][i]) for q in p.values() if q.name in psa.inputs}
        r = m.run("cycles", overrides=ov)
        for j, a in enumerate(psa.arms):
            assert psa.costs[i, j] == pytest.approx(r.costs[a], rel=1e-12)
            assert psa.qalys[i, j] == pytest.approx(r.qalys[a], rel=1e-12)


def test_shared_inputs_are_drawn_once():
    m, p = _model()
    dr = m.draw(10, np.random.default_rng(1))
    assert len([x for x in m.inputs() if x[2] is p["price"]]) == 1
    assert dr.values[id(p["u_pf"])].shape == (10,)


def test_ceac_frontier_evpi():
    m, _ = _model()
    psa = m.psa(4000, seed=4)
    c = psa.ceac([0, 50_000, 100_000, 300_000])
    assert np.allclose(c[list(psa.arms)].sum(axis=1), 1.0)
    assert psa.prob_cost_effective(100_000)["new"] == pytest.approx(c["new"][2])
    nb = psa.nb(100_000)
    ev_pp = np.mean(nb.max(axis=1)) - nb.mean(axis=0).max()
    out = psa.evpi(100_000, population=500, years=10, discount=0.03)
    assert out["per_patient"] == pytest.approx(ev_pp, rel=1e-12) and ev_pp >= 0
    eff = 500 * sum(1.03 ** -y for y in range(10))
    assert out["per_population"] == pytest.approx(ev_pp * eff, rel=1e-12)
    f = psa.frontier([100_000])
    assert f["optimal"][0] == psa.arms[int(np.argmax(nb.mean(axis=0)))]


def test_correlated_inputs_have_the_copula_rank_correlation():
    a = Param(0.8, name="a", dist="beta", se=0.05)
    b = Param(0.5, name="b", dist="beta", se=0.05)
    x = ev.econ.params.sample_params([a, b], 50_000, np.random.default_rng(1), {(0, 1): 0.8})
    from scipy import stats
    rho_s = stats.spearmanr(x[:, 0], x[:, 1]).statistic
    assert rho_s == pytest.approx(6 / math.pi * math.asin(0.8 / 2), abs=0.01)


def test_dsa_rows_equal_single_runs_and_threshold_is_linear_in_price():
    m, p = _model()
    d = m.dsa("new", "old", wtp=100_000)
    row = d.table.set_index("input").loc["price"]
    r = m.run("cycles", overrides={p["price"]: p["price"].low})
    inc = r.incremental("new", "old")
    assert row["out_low"] == pytest.approx(100_000 * inc["inc_qaly"] - inc["inc_cost"],
                                           rel=1e-12)
    assert d.table["swing"].is_monotonic_decreasing
    # the price enters both arms linearly: incremental cost = a + b * price
    base = m.run("exact").incremental("new", "old")
    thr = m.threshold(p["price"], "new", "old", wtp=100_000)
    at = m.run("exact", overrides={p["price"]: thr}).incremental("new", "old")
    assert at["inc_cost"] / at["inc_qaly"] == pytest.approx(100_000, rel=1e-9)
    r2 = m.run("exact", overrides={p["price"]: p["price"].value + 1.0}).incremental("new", "old")
    slope = r2["inc_cost"] - base["inc_cost"]
    want = p["price"].value + (100_000 * base["inc_qaly"] - base["inc_cost"]) / slope
    assert thr == pytest.approx(want, rel=1e-7)


def test_dsa_exact_and_cycles_agree_closely():
    m, _ = _model()
    a = m.dsa("new", "old", wtp=100_000, method="cycles").table.set_index("input")
    b = m.dsa("new", "old", wtp=100_000, method="exact").table.set_index("input")
    assert np.allclose(a.loc[b.index, "out_low"], b["out_low"], rtol=1e-3, atol=50)


def test_dsa_uses_distribution_intervals_without_a_range():
    m, p = _model()
    t = m.dsa("new", "old", wtp=100_000).table.set_index("input")
    assert t.loc["share", "range_from"] == "95% interval of its distribution"
    lo, hi = p["share"].ppf(np.array([0.025, 0.975]))
    assert (t.loc["share", "low"], t.loc["share", "high"]) == (lo, hi)
    assert t.loc["price", "range_from"] == "range"


def test_extended_dominance():
    from evisynth.econ import frontier

    # B lies above the line from A to C: ICER A->B = 100 > ICER B->C = 50
    rows = {r["arm"]: r for r in frontier({"A": 0.0, "B": 100.0, "C": 150.0, "D": 200.0},
                                          {"A": 0.0, "B": 1.0, "C": 2.0, "D": 1.5})}
    assert rows["B"]["status"] == "extendedly dominated"
    assert rows["D"]["status"] == "dominated"
    assert rows["C"]["compared_with"] == "A"
    assert rows["C"]["icer"] == pytest.approx((150.0 - 0.0) / (2.0 - 0.0))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(v=st.floats(0.05, 0.95), rel=st.floats(0.01, 0.3),
       dist=st.sampled_from(["gamma", "beta", "normal", "lognormal"]), seed=st.integers(0, 99))
def test_param_draws_have_the_stated_mean_and_sd(v, rel, dist, seed):
    se = rel * v * (1 - v) if dist == "beta" else rel * v
    p = Param(v, dist=dist, se=se if dist != "lognormal" else rel)
    x = p.draw(np.random.default_rng(seed), 20_000)
    sd = np.sqrt(np.exp(rel**2) - 1) * p.mean() if dist == "lognormal" else se
    assert abs(x.mean() - p.mean()) < 5 * sd / math.sqrt(20_000)
    assert x.std() == pytest.approx(sd, rel=0.1)
    # the inverse-CDF route (copula) gives the same distribution
    u = np.random.default_rng(seed).random(20_000)
    y = p.ppf(u)
    assert abs(y.mean() - p.mean()) < 5 * sd / math.sqrt(20_000)
