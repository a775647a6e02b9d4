"""Properties of bayesmeta / bayes_batch that hold for any data (hypothesis).

Expected values come from closed forms derived here: the fixed-effect model
(``tau -> 0``), the normal posterior of ``mu`` for a known ``tau``, and the
same analysis run one by one.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

import evisynth as ev
from evisynth.engine import bayes_batch

Z975 = float(stats.norm.ppf(0.975))

studies = st.integers(min_value=2, max_value=8).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.005, 2.0, allow_nan=False), min_size=k, max_size=k),
    )
)
priors = st.sampled_from(["halfnormal:0.5", "halfcauchy:0.5", "uniform:2", "exponential:0.3",
                          "lomax:1:0.5", "turner"])


def close(a: float, b: float, rtol: float, atol: float = 1e-12) -> bool:
    return abs(a - b) <= rtol * abs(b) + atol


@settings(max_examples=25, deadline=None)
@given(studies, priors, st.randoms(use_true_random=False))
def test_study_order_is_irrelevant(data, prior, rnd) -> None:
    y, v = data
    perm = list(range(len(y)))
    rnd.shuffle(perm)
    a = ev.bayesmeta(yi=y, vi=v, tau_prior=prior)
    b = ev.bayesmeta(yi=[y[i] for i in perm], vi=[v[i] for i in perm], tau_prior=prior)
    for f in ("estimate", "ci_lb", "ci_ub", "tau", "tau_lb", "tau_ub", "pi_lb", "pi_ub",
              "log_marglik"):
        assert close(getattr(a, f), getattr(b, f), 1e-9, 1e-12), f
    assert np.allclose(a.theta_median[perm], b.theta_median, rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(studies)
def test_prior_scale_to_zero_gives_the_fixed_effect_model(data) -> None:
    """With tau forced to ~0, mu | y is N(sum(w y)/sum(w), 1/sum(w)), w = 1/v."""
    y, v = np.array(data[0]), np.array(data[1])
    w = 1.0 / v
    m, se = float((w * y).sum() / w.sum()), float(1.0 / math.sqrt(w.sum()))
    fit = ev.bayesmeta(yi=y, vi=v, tau_prior=ev.HalfNormalPrior(1e-7))
    assert close(fit.estimate, m, 1e-6, 1e-9)
    assert close(fit.sd, se, 1e-6)
    assert close(fit.ci_lb, m - Z975 * se, 1e-6, 1e-9)
    assert close(fit.ci_ub, m + Z975 * se, 1e-6, 1e-9)
    fe = ev.rma(yi=y, vi=v, method="FE")
    assert close(fit.ci_lb, fe.ci_lb, 1e-6, 1e-9)


@settings(max_examples=25, deadline=None)
@given(studies, st.floats(0.05, 1.5))
def test_known_tau_gives_the_weighted_mean_normal(data, tau0) -> None:
    """A prior concentrated at tau0 (log-normal, sdlog 1e-8) fixes tau."""
    y, v = np.array(data[0]), np.array(data[1])
    w = 1.0 / (v + tau0**2)
    m, se = float((w * y).sum() / w.sum()), float(1.0 / math.sqrt(w.sum()))
    fit = ev.bayesmeta(yi=y, vi=v, tau_prior=ev.LogNormalPrior(math.log(tau0), 1e-8))
    assert close(fit.tau, tau0, 1e-7)
    assert close(fit.estimate, m, 1e-6, 1e-9)
    assert close(fit.sd, se, 1e-6)
    assert close(fit.ci_ub, m + Z975 * se, 1e-6, 1e-9)
    sp = math.sqrt(se**2 + tau0**2)
    assert close(fit.pi_lb, m - Z975 * sp, 1e-6, 1e-9)
    # each study's shrunken effect: precision-weighted between y_i and mu
    b = v / (v + tau0**2)
    sm = (1 - b) * y + b * m
    assert np.allclose(fit.theta_median, sm, rtol=1e-6, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.lists(studies, min_size=2, max_size=5), priors)
# padding once leaked into the grid's anchor (the mean of the included variances)
@example([([0.0, 0.0], [1.0, 1.0]), ([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])], "halfnormal:0.5")
def test_batched_equals_one_by_one(datasets, prior) -> None:
    """Ragged data sets padded into one (B, k) batch with a mask."""
    kmax = max(len(y) for y, _ in datasets)
    B = len(datasets)
    Y = np.full((B, kmax), 7.0)
    V = np.full((B, kmax), 3.0)
    M = np.zeros((B, kmax), bool)
    for i, (y, v) in enumerate(datasets):
        Y[i, : len(y)], V[i, : len(y)], M[i, : len(y)] = y, v, True
    p = ev.meta.priors.parse_tau_prior(prior)
    r = bayes_batch(Y, V, M, p, studies=True)
    for i, (y, v) in enumerate(datasets):
        one = ev.bayesmeta(yi=y, vi=v, tau_prior=p)
        for f, g in (("estimate", "estimate"), ("ci_lb", "ci_lb"), ("ci_ub", "ci_ub"),
                     ("tau_median", "tau"), ("tau_ub", "tau_ub"), ("pi_lb", "pi_lb"),
                     ("bf01_tau0", "bf01_tau0")):
            assert close(float(getattr(r, f)[i]), getattr(one, g), 1e-12, 1e-14), f
        assert r.theta_median is not None
        assert np.allclose(r.theta_median[i, : len(y)], one.theta_median, rtol=1e-12)
        assert np.all(np.isnan(r.theta_median[i, len(y):]))


@settings(max_examples=20, deadline=None)
@given(studies, priors)
def test_intervals_are_ordered_and_probabilities_consistent(data, prior) -> None:
    fit = ev.bayesmeta(yi=data[0], vi=data[1], tau_prior=prior)
    assert fit.ci_lb < fit.estimate < fit.ci_ub
    assert fit.pi_lb <= fit.ci_lb and fit.ci_ub <= fit.pi_ub
    assert 0 <= fit.tau_lb < fit.tau < fit.tau_ub
    assert close(fit.prob(fit.ci_lb), 0.025, 1e-9, 1e-12)
    assert close(fit.prob(fit.estimate, "above"), 0.5, 1e-9)
    assert close(fit.prob(fit.tau_ub, what="tau"), 0.975, 1e-9)
    short = ev.bayesmeta(yi=data[0], vi=data[1], tau_prior=prior, shortest=True)
    assert short.ci_ub - short.ci_lb <= fit.ci_ub - fit.ci_lb + 1e-12
    assert close(short.prob(short.ci_ub) - short.prob(short.ci_lb), 0.95, 1e-9)


def test_density_integrates_to_one() -> None:
    es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
                   ci_ub=[0.51, 0.54, 1.40])
    fit = ev.bayesmeta(es)
    for what in ("mu", "pred"):
        x, f = fit.density(what, n=4001)
        assert abs(np.trapezoid(f, x) - 1.0) < 2e-3
    x, f = fit.density("tau", x=np.linspace(0, 20, 200001))
    assert abs(np.trapezoid(f, x) - 1.0) < 1e-6


def test_leave_one_out_is_the_one_by_one_analysis() -> None:
    y, v = [-0.92, -0.98, 0.07, -0.4], [0.017, 0.035, 0.019, 0.05]
    fit = ev.bayesmeta(yi=y, vi=v, tau_prior="halfnormal:0.5")
    loo = fit.leave_one_out()
    for i in range(4):
        one = ev.bayesmeta(yi=y[:i] + y[i + 1:], vi=v[:i] + v[i + 1:], tau_prior="halfnormal:0.5")
        for key, field in (("estimate", "estimate"), ("ci_lb", "ci_lb"), ("tau", "tau"),
                           ("tau_ub", "tau_ub"), ("pi_ub", "pi_ub")):
            assert close(float(loo[key][i]), getattr(one, field), 1e-12, 1e-14)


def test_prior_sensitivity_rows_are_the_single_fits() -> None:
    from evisynth.meta.bayes import prior_sensitivity

    y, v = [-0.92, -0.98, 0.07], [0.017, 0.035, 0.019]
    rows = prior_sensitivity(yi=y, vi=v, tau_priors=["halfnormal:1", ev.LogNormalPrior.turner()])
    for row, p in zip(rows, ["halfnormal:1", ev.LogNormalPrior.turner()], strict=True):
        one = ev.bayesmeta(yi=y, vi=v, tau_prior=p)
        assert row["ci_ub"] == one.ci_ub and row["tau"] == one.tau
    assert "Table" not in rows[0]["source"] and "p. 993" in rows[1]["source"]


def test_to_dict_exp_and_summary() -> None:
    es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
                   ci_ub=[0.51, 0.54, 1.40], labels=["A", "B", "C"])
    fit = ev.bayesmeta(es)
    d = fit.to_dict()
    assert d["tau_prior"] == "half-normal(scale=0.5)" and d["interval"] == "central"
    assert d["tau2"] == fit.tau**2 and len(d["theta_median"]) == 3
    e = fit.exp()
    assert e["ci_lb"] == math.exp(fit.ci_lb) and e["pi_ub"] == math.exp(fit.pi_ub)
    s = fit.summary()
    assert "On the ratio scale (HR)" in s and "A " in s
    assert "<table>" in fit._repr_html_()
