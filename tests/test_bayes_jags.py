"""bayesmeta against JAGS MCMC (frozen by tests/reference/bayesmeta_jags.R): a looser check.

Four chains of 250,000 iterations; every posterior quantile must agree within
five Monte Carlo standard errors (computed in R from the effective sample size
and a kernel density estimate at the quantile).
"""

from __future__ import annotations

import numpy as np

import evisynth as ev
from tests.conftest import load_reference

JAGS = load_reference("bayesmeta_jags")
DATA = load_reference("bayesmeta")["datasets"][JAGS["dataset"]]


def test_quantiles_agree_with_jags_within_mc_error() -> None:
    fit = ev.bayesmeta(yi=DATA["yi"], vi=DATA["vi"], tau_prior=JAGS["prior"],
                       mu_prior=tuple(JAGS["mu_prior"]))
    ours = {
        "mu": [fit.ci_lb, fit.estimate, fit.ci_ub],
        "tau": [fit.tau_lb, fit.tau, fit.tau_ub],
        "theta_new": [fit.pi_lb, fit.pi_median, fit.pi_ub],
    }
    for i in range(len(DATA["yi"])):
        ours[f"theta[{i + 1}]"] = [fit.theta_lb[i], fit.theta_median[i], fit.theta_ub[i]]
    assert JAGS["quantiles"] == [0.025, 0.5, 0.975]
    for name, got in ours.items():
        p = JAGS["params"][name]
        q, se = np.array(p["q"]), np.array(p["mcse"])
        assert np.all(se < 5e-3), (name, se)
        assert np.all(np.abs(np.array(got) - q) <= 5 * se), (name, got, q, se)
    assert abs(fit.mean - JAGS["params"]["mu"]["mean"]) < 5 * JAGS["params"]["mu"]["mcse"][1]
