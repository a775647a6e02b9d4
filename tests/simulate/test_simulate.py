"""ev.simulate: closed forms, reproducibility, equivalence with a plain loop over ev.rma."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import evisynth as ev
from evisynth.engine import METHODS
from evisynth.errors import InputError
from evisynth.simulate import (
    BLOCK,
    BinaryData,
    ContinuousData,
    FixedVariances,
    RandomVariances,
    SurvivalData,
    parse_method,
)
from evisynth.simulate import run as simrun
from evisynth.simulate.design import block_rng, generate_blocks


def test_fe_z_known_variances_covers_nominal_level_closed_form() -> None:
    # With tau = 0 and known variances the FE estimate is N(mu, 1/sum(1/vi)) exactly,
    # so the z interval covers with probability 0.95 and has the constant width
    # 2 z_.975 / sqrt(sum(1/vi)).
    vi = [0.05, 0.1, 0.2, 0.4, 0.8]
    reps = 1_000_000
    tab = ev.simulate(ev.SimDesign(k=5, tau=0, mu=0.3, vi=vi), [("FE", "z")], reps=reps, seed=7)
    row = tab.iloc[0]
    se_mc = math.sqrt(0.95 * 0.05 / reps)
    assert abs(row["coverage"] - 0.95) <= 3 * se_mc
    assert row["coverage_se"] == pytest.approx(math.sqrt(row["coverage"] * (1 - row["coverage"])
                                                         / reps))
    sw = sum(1 / v for v in vi)
    width = 2 * stats.norm.ppf(0.975) / math.sqrt(sw)
    assert row["width_median"] == pytest.approx(width, rel=1e-12)
    assert row["width_mean"] == pytest.approx(width, rel=1e-12)
    # bias ~ N(0, 1/(sw reps)); rmse² is a mean of chi²_1 / sw, sd sqrt(2/reps)/sw.
    assert abs(row["bias"]) <= 4 / math.sqrt(sw * reps)
    assert abs(row["rmse"] ** 2 - 1 / sw) <= 4 * math.sqrt(2 / reps) / sw
    assert row["tau2_bias"] == 0.0
    assert row["nonconverged"] == 0.0
    assert row["reps"] == reps and row["n_converged"] == reps


def test_equal_variances_knha_is_the_exact_t_interval() -> None:
    # Equal vi: the KH interval is the one-sample t interval of iid normal yi whatever
    # the tau² estimate, so its coverage is exactly 95% for every tau (closed form).
    reps = 200_000
    tab = ev.simulate(ev.SimDesign(k=[2, 4], tau=[0, 0.5], vi=0.2), ["REML-knha"], reps=reps,
                      seed=3)
    for _, row in tab.iterrows():
        assert abs(row["coverage"] - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / reps), row
        assert abs(row["reject_rate"] - (1 - row["coverage"])) < 1e-12  # mu = 0


def test_same_seed_same_table_any_chunk_size() -> None:
    design = ev.SimDesign(k=[3, 6], tau=[0, 0.3], vi=RandomVariances(0.01, 0.5, "loguniform"))
    methods = [("REML", "knha"), ("PM", "z"), ("DL", "adhoc"), ("EB", "t")]
    reps = 3 * BLOCK + 123
    a = ev.simulate(design, methods, reps=reps, seed=11)
    b = ev.simulate(design, methods, reps=reps, seed=11, chunk_size=BLOCK)
    c = ev.simulate(design, methods, reps=reps, seed=11, chunk_size=10 * BLOCK)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, c, check_exact=True)
    d = ev.simulate(design, methods, reps=reps, seed=12)
    assert not a["coverage"].equals(d["coverage"])


def test_adding_a_method_does_not_change_the_others() -> None:
    design = ev.SimDesign(k=4, tau=0.2, vi=RandomVariances(0.02, 0.3))
    one = ev.simulate(design, ["REML-knha"], reps=5000, seed=5)
    two = ev.simulate(design, ["DL-z", "REML-knha"], reps=5000, seed=5)
    pd.testing.assert_frame_equal(
        one.reset_index(drop=True), two[two["method"] == "REML-knha"].reset_index(drop=True),
        check_exact=True,
    )


def _loop_table(design: ev.SimDesign, methods: list[tuple[str, str]], reps: int,
                seed: int) -> pd.DataFrame:
    """The table computed independently: the same data, one ev.rma call per replication."""
    ss = np.random.SeedSequence(seed)
    nblocks = -(-reps // BLOCK)
    rows = []
    for cell in design.cells():
        Y, V, _ = generate_blocks(cell, int(ss.entropy), (), range(nblocks), reps)
        for est, test in methods:
            lb, ub, e, t2 = [], [], [], []
            for r in range(reps):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ev.EvisynthWarning)
                    f = ev.rma(yi=Y[:, r], vi=V[:, r], method=est, test=test)
                lb.append(f.ci_lb)
                ub.append(f.ci_ub)
                e.append(f.estimate)
                t2.append(f.tau2)
            lb_a, ub_a, e_a, t2_a = map(np.array, (lb, ub, e, t2))
            mu = cell.mu
            cover = np.mean((lb_a <= mu) & (mu <= ub_a))
            rows.append({
                "k": cell.k, "tau": cell.tau, "method": f"{est}-{test}",
                "coverage": cover,
                "width_median": np.median(ub_a - lb_a),
                "width_mean": np.mean(ub_a - lb_a),
                "bias": np.mean(e_a - mu),
                "rmse": math.sqrt(np.mean((e_a - mu) ** 2)),
                "tau2_bias": np.mean(t2_a - cell.tau**2),
                "reject_rate": np.mean((lb_a > 0) | (ub_a < 0)),
            })
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "data",
    [RandomVariances(0.01, 0.5, "loguniform"), BinaryData(n=(20, 60), p_control=0.15),
     ContinuousData(n=(8, 40), sd=1.5), SurvivalData(n=(30, 90), hazard=0.1, follow_up=10)],
    ids=["random-vi", "binary", "continuous", "survival"],
)
def test_table_equals_a_plain_loop_over_rma(data: object) -> None:
    design = ev.SimDesign(k=[2, 4], tau=[0, 0.4], mu=0.2, vi=data)
    methods = [("REML", "knha"), ("DL", "z"), ("PM", "adhoc"), ("FE", "z")]
    reps = 150
    got = ev.simulate(design, methods, reps=reps, seed=99)
    want = _loop_table(design, methods, reps, seed=99)
    assert list(got["method"]) == list(want["method"])
    for col in ("coverage", "reject_rate"):
        assert np.array_equal(got[col].to_numpy(), want[col].to_numpy()), col
    for col in ("width_median", "width_mean", "bias", "rmse", "tau2_bias"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-9, atol=1e-12, err_msg=col)


def test_binary_data_are_escalc_log_odds_ratios() -> None:
    model = BinaryData(n=(5, 30), p_control=(0.02, 0.2))
    rng = block_rng(4, (), 0, 0)
    Y, V = model.generate(rng, 6, 400, 0.5, 0.3)
    # Regenerate the counts from the same stream (same draw order as BinaryData.generate).
    rng = block_rng(4, (), 0, 0)
    size = rng.integers(5, 30, size=(6, 400), endpoint=True)
    p0 = rng.uniform(0.02, 0.2, (6, 400))
    theta = 0.5 + 0.3 * rng.standard_normal((6, 400))
    p1 = 1 / (1 + np.exp(-(np.log(p0 / (1 - p0)) + theta)))
    a = rng.binomial(size, p1)
    c = rng.binomial(size, p0)
    es = ev.escalc("OR", ai=a.ravel(), bi=(size - a).ravel(), ci=c.ravel(),
                   di=(size - c).ravel())
    assert np.allclose(Y.ravel(), es.yi, rtol=1e-13, atol=1e-13)
    assert np.allclose(V.ravel(), es.vi, rtol=1e-13)
    assert ((a == 0) | (c == 0)).any()  # zero cells were exercised


def test_binary_bias_and_coverage_equal_exact_enumeration() -> None:
    # k = 2 trials of 10 patients per arm, tau = 0: every outcome (a1, c1, a2, c2) can
    # be enumerated, giving the exact mean of the FE estimate (small-sample bias of the
    # log odds ratio included) and the exact coverage of its z interval.
    n, p0, mu = 10, 0.3, 1.0
    p1 = 1 / (1 + math.exp(-(math.log(p0 / (1 - p0)) + mu)))
    x = np.arange(n + 1)
    pa, pc = stats.binom.pmf(x, n, p1), stats.binom.pmf(x, n, p0)
    a, c = np.meshgrid(x, x, indexing="ij")
    prob1 = np.outer(pa, pc).ravel()
    a, c = a.ravel().astype(float), c.ravel().astype(float)
    add = np.where((a == 0) | (c == 0) | (a == n) | (c == n), 0.5, 0.0)
    aa, bb, cc, dd = a + add, n - a + add, c + add, n - c + add
    y1 = np.log(aa * dd / (bb * cc))
    v1 = 1 / aa + 1 / bb + 1 / cc + 1 / dd
    w1, w2 = 1 / v1[:, None], 1 / v1[None, :]
    est = (w1 * y1[:, None] + w2 * y1[None, :]) / (w1 + w2)
    half = stats.norm.ppf(0.975) / np.sqrt(w1 + w2)
    prob = np.outer(prob1, prob1)
    mean = float((prob * est).sum())
    sd = math.sqrt(float((prob * (est - mean) ** 2).sum()))
    cover = float((prob * (np.abs(est - mu) <= half)).sum())
    reps = 200_000
    tab = ev.simulate(ev.SimDesign(k=2, tau=0, mu=mu, vi=BinaryData(n=n, p_control=p0)),
                      ["FE-z"], reps=reps, seed=2)
    row = tab.iloc[0]
    assert abs(mean - mu) > 0.02  # the bias is real ...
    assert abs(row["bias"] - (mean - mu)) <= 4 * sd / math.sqrt(reps)  # ... and reproduced
    assert abs(row["coverage"] - cover) <= 4 * math.sqrt(cover * (1 - cover) / reps)


def test_survival_data_rate_ratio_is_consistent() -> None:
    # Large trials, tau = 0: the exponential log rate ratio is unbiased to O(1/d) and
    # its variance is 1/d1 + 1/d0 (delta method); check both within Monte-Carlo error.
    model = SurvivalData(n=400, hazard=0.2, follow_up=5)
    Y, V = model.generate(block_rng(1, (), 0, 0), 2, 3000, -0.4, 0.0)
    y = Y.ravel()
    assert abs(y.mean() + 0.4) < 4 * y.std() / math.sqrt(y.size) + 0.01
    assert V.mean() == pytest.approx(y.var(), rel=0.1)
    assert model.label == "survival(n=400, hazard=0.2, follow_up=5)"


def test_progress_bar_and_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = simrun.run_task

    def flaky(task: simrun.Task) -> simrun.TaskResult:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(simrun, "run_task", flaky)
    with pytest.raises(KeyboardInterrupt):
        ev.simulate(ev.SimDesign(k=3, tau=[0, 0.1], vi=0.1), ["DL-z"], reps=100, seed=1,
                    progress=True)
    monkeypatch.setattr(simrun, "run_task", real)
    tab = ev.simulate(ev.SimDesign(k=3, tau=[0, 0.1], vi=0.1), ["DL-z"], reps=100, seed=1,
                      progress=True)
    assert len(tab) == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"design": "x"}, "expected a SimDesign"),
        ({"methods": [("REML", "kh")]}, "unknown test 'kh'"),
        ({"methods": [("RML", "z")]}, "unknown estimator 'RML'"),
        ({"methods": []}, "empty"),
        ({"methods": ["REML"]}, "ESTIMATOR-TEST"),
        ({"reps": 0}, "'reps'"),
        ({"backend": "spark"}, "'backend'"),
        ({"level": 120}, "'level'"),
        ({"seed": -1}, "'seed'"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    args = {"design": ev.SimDesign(k=2, tau=0, vi=0.1), "methods": ["DL-z"], "reps": 10}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        ev.simulate(**args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 1}, "'k'"),
        ({"k": []}, "empty"),
        ({"tau": -0.1}, "'tau'"),
        ({"k": [2, 3], "vi": [0.1, 0.2]}, "2 variances given but the design has k = 3"),
        ({"vi": 0}, "greater than 0"),
    ],
)
def test_bad_design(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        args = {"k": 2, "tau": 0, "vi": 0.1}
        args.update(kwargs)
        ev.SimDesign(**args)


def test_bad_data_models() -> None:
    with pytest.raises(InputError, match="p_control"):
        BinaryData(n=10, p_control=1.0)
    with pytest.raises(InputError, match="'n'"):
        BinaryData(n=0)
    with pytest.raises(InputError, match="'hazard'"):
        SurvivalData(hazard=0)
    with pytest.raises(InputError, match="low <= high"):
        RandomVariances(0.5, 0.1)
    with pytest.raises(InputError, match=r"'vi\.dist'"):
        RandomVariances(0.1, 0.2, "gamma")
    assert FixedVariances(0.1).label == "vi=0.1"


@settings(max_examples=80, deadline=None)
@given(
    est=st.sampled_from(list(METHODS)),
    test=st.sampled_from(["z", "t", "knha", "adhoc"]),
    upper=st.booleans(),
    sep=st.sampled_from(["-", "pair"]),
)
def test_property_method_specs_round_trip(est: str, test: str, upper: bool, sep: str) -> None:
    e = est.upper() if upper else est.lower()
    spec = f"{e}-{test}" if sep == "-" else (e, test.upper() if upper else test)
    m = parse_method(spec)
    assert (m.estimator, m.test) == (est, test)
    assert parse_method(m.label) == m


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=12))
def test_property_garbage_method_specs_raise_input_error(text: str) -> None:
    try:
        parse_method(text)
    except InputError as exc:
        assert "\n" not in str(exc)


def test_continuous_data_moments() -> None:
    # Sample means and variances of n normal patients per arm: E[vi] = 2 sd²/n exactly
    # and Var(yi) = tau² + 2 sd²/n; both within Monte-Carlo error.
    from evisynth.simulate import ContinuousData

    n, sd, tau, mu = 12, 2.0, 0.5, 0.3
    Y, V = ContinuousData(n=n, sd=sd).generate(block_rng(9, (), 0, 0), 4, 50_000, mu, tau)
    v_true = 2 * sd**2 / n
    y = Y.ravel()
    assert abs(V.mean() - v_true) <= 4 * V.std() / math.sqrt(V.size)
    assert abs(y.mean() - mu) <= 4 * math.sqrt((tau**2 + v_true) / y.size)
    var_se = (tau**2 + v_true) * math.sqrt(2 / (y.size - 1))
    assert abs(y.var(ddof=1) - (tau**2 + v_true)) <= 4 * var_se
