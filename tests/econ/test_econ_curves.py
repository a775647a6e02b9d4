"""Curve adapters: fits, KM with a parametric tail, callables, hazard ratios, life table."""

from __future__ import annotations

import math

import numpy as np
import pytest

import evisynth as ev
from evisynth.econ import as_curve, km_with_tail, mixture_cure_from_landmarks
from evisynth.econ import us_life_table_2021 as lt2021
from evisynth.survival.simulate import example_trial

E = ev.parametric_curve


def _ly(curve, H, **kw):
    arms = {"a": ev.Arm(pfs=curve, os=curve), "b": ev.Arm(pfs=curve, os=curve)}
    return ev.PartitionedSurvival(arms=arms, horizon=H, discount=0.0, **kw).run(
        "exact").life_years["a"]


@pytest.mark.parametrize("dist", ["weibull", "lognormal", "loglogistic", "gompertz"])
@pytest.mark.parametrize("cure", [False, True])
def test_fit_in_months_integrates_to_its_restricted_mean(dist, cure):
    d = example_trial().query("arm == 'CAR-T'")
    fit = ev.fit_parametric(d.time, d.event, dist, cure=cure)
    c = as_curve(fit, time_unit="months")
    assert c.relative == cure
    assert _ly(c, 5.0) == pytest.approx(fit.restricted_mean(60.0) / 12, rel=1e-8)
    t = np.array([0.0, 0.5, 2.0, 7.0])
    assert c.survival(t) == pytest.approx(fit.survival(12 * t), rel=1e-12)


def test_km_with_exponential_tail_closed_form():
    d = example_trial().query("arm == 'Standard care'")
    km = ev.kaplan_meier(d.time, d.event)
    cut, lam, H = 24.0, 0.3, 10.0  # cut in months; tail rate per year; horizon in years
    c = km_with_tail(km, E("exponential", rate=lam), cut, time_unit="months")
    s_cut = float(km.survival_function([cut])[0])
    want = km.rmst(cut).rmst / 12 + s_cut * (1 - math.exp(-lam * (H - 2.0))) / lam
    assert _ly(c, H) == pytest.approx(want, rel=1e-10)
    # cycles converge to it as the cycle shrinks
    arms = {"a": ev.Arm(pfs=c, os=c), "b": ev.Arm(pfs=c, os=c)}
    m = ev.PartitionedSurvival(arms=arms, horizon=H, discount=0.0)
    errs = [abs(m.run("cycles", cycle=h).life_years["a"] - want) for h in (1 / 12, 1 / 120)]
    assert errs[1] < errs[0]


def test_km_with_tail_and_floor_never_beats_population_survival():
    d = example_trial().query("arm == 'CAR-T'")
    km = ev.kaplan_meier(d.time, d.event)
    c = km_with_tail(km, E("exponential", rate=1e-6), 36.0, time_unit="months")
    arms = {"a": ev.Arm(pfs=c, os=c), "b": ev.Arm(pfs=c, os=c)}
    res = ev.PartitionedSurvival(arms=arms, horizon=40, discount=0.0, start_age=60,
                                 background="us_2021").run("exact")
    t, pf, pd_, _ = res.traces["a"]
    assert np.all(pf + pd_ <= lt2021().survival(60, t) + 1e-12)


def test_floor_on_a_flat_curve_gives_population_life_expectancy():
    """S = 1 floored by the life table is population survival: the integral of the step
    hazard has the closed form sum_j S(j) (1 - exp(-mu_j)) / mu_j over whole years."""
    lt = lt2021()
    c = as_curve(lambda t: np.ones_like(t))
    got = _ly(c, 30.0, start_age=60, background=lt)
    mu = lt.rates[60:90]
    s_start = np.exp(-np.r_[0.0, np.cumsum(mu)[:-1]])
    want = float(np.sum(s_start * -np.expm1(-mu) / mu))
    assert got == pytest.approx(want, rel=1e-12)


def test_hazard_ratio_and_landmarks():
    c = E("exponential", rate=0.4, cure_fraction=0.2)
    h = c.with_hazard_ratio(0.5)
    t = np.array([0.0, 1.0, 3.0])
    assert h.survival(t) == pytest.approx(c.survival(t) ** 0.5, rel=1e-14)
    cf, r = mixture_cure_from_landmarks(2.0, 0.5, 5.0, 0.3)
    assert cf + (1 - cf) * math.exp(-5 * r) == pytest.approx(0.3, rel=1e-12)
    with pytest.raises(ev.InputError, match="no exponential mixture-cure curve"):
        mixture_cure_from_landmarks(2.0, 0.5, 5.0, 0.1)


def test_life_table_cumulative_hazard_is_exact_per_year():
    lt = lt2021()
    assert float(lt.survival(60.0, [1.0])[0]) == pytest.approx(1 - lt.qx[60], rel=1e-14)
    s = float(lt.survival(60.5, [1.0])[0])
    want = math.exp(-0.5 * lt.rates[60] - 0.5 * lt.rates[61])
    assert s == pytest.approx(want, rel=1e-14)
