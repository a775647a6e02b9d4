"""The Bayesian method in simulations: equals a loop over ev.bayesmeta; interval_check of it."""

from __future__ import annotations

import numpy as np
import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.meta.priors import HalfCauchyPrior, HalfNormalPrior
from evisynth.simulate import BLOCK, RandomVariances, parse_method
from evisynth.simulate.design import generate_blocks


def test_bayes_rows_equal_a_loop_over_bayesmeta() -> None:
    design = ev.SimDesign(k=3, tau=[0.0, 0.4], mu=0.1, vi=RandomVariances(0.02, 0.3))
    reps = 40
    methods = [("bayes", "halfnormal:0.5"), ("bayes", HalfCauchyPrior(1.0))]
    tab = ev.simulate(design, methods, reps=reps, seed=3)
    ss = np.random.SeedSequence(3)
    for cell in design.cells():
        Y, V, _ = generate_blocks(cell, int(ss.entropy), (), range(-(-reps // BLOCK)), reps)
        for prior, label in ((HalfNormalPrior(0.5), "bayes(halfnormal:0.5)"),
                             (HalfCauchyPrior(1.0), f"bayes({HalfCauchyPrior(1.0).label})")):
            fits = [ev.bayesmeta(yi=Y[:, r], vi=V[:, r], tau_prior=prior) for r in range(reps)]
            lb = np.array([f.ci_lb for f in fits])
            ub = np.array([f.ci_ub for f in fits])
            est = np.array([f.estimate for f in fits])
            tau2 = np.array([f.tau for f in fits]) ** 2
            row = tab[(tab["tau"] == cell.tau) & (tab["method"] == label)].iloc[0]
            assert row["coverage"] == np.mean((lb <= cell.mu) & (cell.mu <= ub))
            np.testing.assert_allclose(row["width_mean"], np.mean(ub - lb), rtol=1e-9)
            np.testing.assert_allclose(row["bias"], np.mean(est - cell.mu), rtol=1e-9,
                                       atol=1e-12)
            np.testing.assert_allclose(row["tau2_bias"], np.mean(tau2 - cell.tau**2),
                                       rtol=1e-9, atol=1e-12)


def test_bayes_method_specs() -> None:
    a = parse_method("bayes(halfnormal:0.5)")
    b = parse_method(("Bayes", "halfnormal:0.5"))
    assert a == b and a.label == "bayes(halfnormal:0.5)"
    c = parse_method(("bayes", HalfNormalPrior(0.5)))
    assert c.label == f"bayes({HalfNormalPrior(0.5).label})"
    with pytest.raises(InputError, match="tau_prior"):
        parse_method("bayes(gamma:1)")
    with pytest.raises(InputError, match="must be a name"):
        parse_method(("REML", 3))


def test_interval_check_of_a_bayes_fit() -> None:
    es = ev.escalc("HR", hr=[0.398, 0.375, 1.07], ci_lb=[0.308, 0.259, 0.82],
                   ci_ub=[0.514, 0.542, 1.40])
    fit = ev.bayesmeta(es)
    chk = fit.interval_check(reps=200, tau=[0.1, 0.6], plot=False)
    labels = list(dict.fromkeys(chk.table["method"]))
    assert labels == [f"bayes({fit.tau_prior.label})", "REML-knha", "REML-z", "REML-adhoc"]
    assert chk.table["nonconverged"].max() == 0.0
    rma = ev.rma(es, method="REML", test="knha")
    assert chk.tau_lb == pytest.approx(rma.interval_check(reps=10, plot=False).tau_lb)
