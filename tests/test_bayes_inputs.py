"""Bad input to bayesmeta and the priors: one clear InputError each."""

from __future__ import annotations

import math

import numpy as np
import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.meta.priors import LogNormalPrior, parse_tau_prior, recommended_tau_prior

Y = [-0.9, -1.6, -1.4]
V = [0.33, 0.19, 0.42]


def test_improper_prior_with_one_study_is_refused() -> None:
    with pytest.raises(InputError, match=r"posterior is improper.*k = 1.*k >= 3"):
        ev.bayesmeta(yi=[0.1], vi=[0.05], tau_prior="improper")


def test_improper_prior_needs_three_studies_with_flat_mu() -> None:
    with pytest.raises(InputError, match="k = 2 studies"):
        ev.bayesmeta(yi=Y[:2], vi=V[:2], tau_prior="improper")
    # a normal effect prior adds one power of tau: k = 2 is then proper
    fit = ev.bayesmeta(yi=Y[:2], vi=V[:2], tau_prior="improper", mu_prior=(0, 2))
    assert math.isfinite(fit.tau_ub)


def test_user_density_without_decay_is_refused() -> None:
    with pytest.raises(InputError, match="does not decay"):
        ev.bayesmeta(yi=[0.1], vi=[0.05], tau_prior=lambda t: np.ones_like(t))


def test_single_study_with_proper_prior_returns_the_prior_for_tau() -> None:
    fit = ev.bayesmeta(yi=[0.1], vi=[0.05], tau_prior="halfnormal:0.5")
    hn = ev.HalfNormalPrior(0.5)
    assert abs(float(hn.cdf(fit.tau)) - 0.5) < 1e-10
    assert abs(float(hn.cdf(fit.tau_ub)) - 0.975) < 1e-10


@pytest.mark.parametrize("spec", ["halfnormal:0", "halfnormal:-1", "halfcauchy:0",
                                  "exponential:-2", "uniform:0", "lomax:0:1", "lognormal:0:0"])
def test_nonpositive_scale_is_refused(spec: str) -> None:
    with pytest.raises(InputError, match="greater than 0"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior=spec)


def test_prior_objects_check_their_scale() -> None:
    with pytest.raises(InputError, match=r"scale = -0\.5"):
        ev.HalfNormalPrior(-0.5)
    with pytest.raises(InputError, match="must be a finite number"):
        ev.HalfCauchyPrior(math.inf)
    with pytest.raises(InputError, match="mu_prior: sd"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior="halfnormal:0.5", mu_prior=(0, 0))


def test_unknown_prior_name_lists_the_choices() -> None:
    with pytest.raises(InputError, match=r"unknown prior 'gamma'; choose one of halfnormal:SCALE"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior="gamma:1")
    with pytest.raises(InputError, match="takes 1 parameter"):
        parse_tau_prior("halfnormal:0.5:2")
    with pytest.raises(InputError, match="is not a number"):
        parse_tau_prior("halfnormal:big")


def test_bad_prior_types() -> None:
    with pytest.raises(InputError, match="expected a prior object"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior=42)
    with pytest.raises(InputError, match="mu_prior"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior="halfnormal:0.5", mu_prior="flat")


def test_no_default_prior_outside_log_ratio_measures() -> None:
    with pytest.raises(InputError, match="no default heterogeneity prior for measure 'GEN'"):
        ev.bayesmeta(yi=Y, vi=V)
    with pytest.raises(InputError, match="no published default"):
        recommended_tau_prior("SMD")


def test_turner_lookup_errors_list_the_table() -> None:
    with pytest.raises(InputError, match="all-cause mortality; obstetric"):
        LogNormalPrior.turner("hair loss")
    with pytest.raises(InputError, match="pharmacological vs placebo/control"):
        LogNormalPrior.turner("pain", "surgery vs nothing")


def test_turner_numbers_carry_their_source() -> None:
    p = LogNormalPrior.turner("all-cause mortality", "pharmacological vs placebo/control")
    # Table IV: log(tau^2) ~ N(-3.95, 1.34^2)  ->  log(tau) ~ N(-1.975, 0.67^2)
    assert (p.meanlog, p.sdlog) == (-3.95 / 2, 1.34 / 2)
    assert "Table IV" in p.source and "all-cause mortality" in p.source
    m = LogNormalPrior.turner()
    assert (m.meanlog, m.sdlog) == (-2.56 / 2, 1.74 / 2) and "p. 993" in m.source


def test_effect_size_errors_come_from_the_shared_validators() -> None:
    with pytest.raises(InputError, match="'vi', study 2"):
        ev.bayesmeta(yi=Y, vi=[0.1, -0.2, 0.3], tau_prior="halfnormal:0.5")
    with pytest.raises(InputError, match="level"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior="halfnormal:0.5", level=150)
    with pytest.raises(InputError, match="shortest"):
        ev.bayesmeta(yi=Y, vi=V, tau_prior="halfnormal:0.5", shortest="yes")


def test_prob_arguments() -> None:
    fit = ev.bayesmeta(yi=Y, vi=V, tau_prior="halfnormal:0.5")
    with pytest.raises(InputError, match="side"):
        fit.prob(0.0, side="left")
    with pytest.raises(InputError, match="what"):
        fit.prob(0.0, what="sigma")
    assert abs(fit.prob(0.0, "<") + fit.prob(0.0, ">") - 1.0) < 1e-15


def test_batch_rows_without_studies_or_proper_posterior_are_nan() -> None:
    from evisynth.engine import bayes_batch

    y = [[0.1, 0.2], [0.3, 0.1]]
    v = [[0.1, 0.1], [0.2, 0.2]]
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        r = bayes_batch(y, v, [[True, True], [False, False]], ev.HalfNormalPrior(0.5))
    assert r.proper.tolist() == [True, False]
    assert math.isfinite(r.estimate[0]) and math.isnan(r.estimate[1])
    # improper flat tau prior with k = 2 and a flat effect prior: detected numerically
    r = bayes_batch(y, v, None, ev.ImproperUniformPrior())
    assert not r.proper.any() and np.isnan(r.ci_lb).all()
