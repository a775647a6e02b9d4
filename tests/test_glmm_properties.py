"""Properties and bad input of rma_glmm / proportion_ci (hypothesis)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.engine.glmm import fit_glmm, proportions_data
from evisynth.errors import ConvergenceError, InputError


@st.composite
def tables(draw: st.DrawFn, k_min: int = 2, k_max: int = 6) -> tuple[np.ndarray, ...]:
    k = draw(st.integers(k_min, k_max))
    n1 = np.array(draw(st.lists(st.integers(5, 60), min_size=k, max_size=k)), float)
    n2 = np.array(draw(st.lists(st.integers(5, 60), min_size=k, max_size=k)), float)
    a = np.array([draw(st.integers(0, int(m))) for m in n1], float)
    c = np.array([draw(st.integers(0, int(m))) for m in n2], float)
    return a, n1, c, n2


def _informative(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray) -> bool:
    keep = ~(((a == 0) & (c == 0)) | ((a == n1) & (c == n2)))
    return bool(
        keep.sum() >= 2 and a[keep].sum() > 0 and c[keep].sum() > 0
        and (n1 - a)[keep].sum() > 0 and (n2 - c)[keep].sum() > 0
    )


@settings(max_examples=10, deadline=None)
@given(tables())
def test_swapping_arms_flips_the_log_odds_ratio(t: tuple[np.ndarray, ...]) -> None:
    a, n1, c, n2 = t
    if not _informative(a, n1, c, n2):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            f = ev.rma_glmm("OR", ai=a, n1i=n1, ci=c, n2i=n2)
            g = ev.rma_glmm("OR", ai=c, n1i=n2, ci=a, n2i=n1)
        except (ConvergenceError, InputError):
            return
    # the model is symmetric in the arms (random effect coded +-1/2): the fits mirror
    # (to the precision of the finite-difference Newton iterations)
    assert g.estimate == pytest.approx(-f.estimate, rel=1e-5, abs=1e-7)
    assert g.se == pytest.approx(f.se, rel=1e-5, abs=1e-8)
    assert g.tau2 == pytest.approx(f.tau2, rel=1e-5, abs=1e-8)
    assert g.QE_LRT == pytest.approx(f.QE_LRT, rel=1e-8, abs=1e-9)
    assert g.QE_Wld == pytest.approx(f.QE_Wld, rel=1e-8, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 80), st.floats(0, 1)), min_size=2, max_size=6))
def test_zero_event_studies_stay_in_the_model(rows: list[tuple[int, float]]) -> None:
    n = np.array([r[0] for r in rows], float)
    x = np.floor(np.array([r[1] for r in rows]) * n)
    x[0] = 0.0  # at least one study without events
    if x.sum() == 0:
        x[-1] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = ev.rma_glmm("PLO", xi=x, ni=n)
    assert f.k == len(x)
    # no continuity correction: the FE likelihood-ratio statistic is the exact binomial one
    from scipy import stats

    p = x.sum() / n.sum()
    ll_fe = stats.binom.logpmf(x, n, p).sum()
    ll_sat = stats.binom.logpmf(x, n, x / n).sum()
    assert f.QE_LRT == pytest.approx(max(2 * (ll_sat - ll_fe), 0.0), rel=1e-6, abs=1e-8)
    fe = ev.rma_glmm("PLO", xi=x, ni=n, method="FE")
    assert fe.transf()["estimate"] == pytest.approx(p, rel=1e-7)
    lb, ub = f.transf()["ci_lb"], f.transf()["ci_ub"]
    assert 0.0 <= lb < ub <= 1.0
    # An interval reaching the bounds of [0, 1] (e.g. 0/12 beside 1/1) must be flagged.
    if not 0.0 < lb < ub < 1.0:
        assert f.flat


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 4), st.integers(3, 6), st.integers(0, 10_000))
def test_batched_equals_one_by_one(B: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 80, size=(B, k)).astype(float)
    x = rng.binomial(n.astype(int), rng.uniform(0.05, 0.6, size=(B, 1))).astype(float)
    x[:, 0] = np.maximum(x[:, 0], 1)
    mask = rng.uniform(size=(B, k)) > 0.2
    mask[:, :2] = True
    batch = fit_glmm(proportions_data(x, n, mask))
    for b in range(B):
        one = fit_glmm(proportions_data(x[b][mask[b]][None], n[b][mask[b]][None]))
        assert batch.converged[b] and one.converged[0]
        np.testing.assert_allclose(batch.gamma[b], one.gamma[0], rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(batch.theta[b], one.theta[0], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(batch.ll[b], one.ll[0], rtol=1e-10)


def test_leave_one_out_batch_matches_rma_glmm() -> None:
    x = np.array([4.0, 0, 7, 2, 9])
    n = np.array([40.0, 25, 52, 30, 41])
    k = len(x)
    loo = fit_glmm(proportions_data(np.tile(x, (k, 1)), np.tile(n, (k, 1)), ~np.eye(k, dtype=bool)))
    for i in range(k):
        keep = np.arange(k) != i
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = ev.rma_glmm("PLO", xi=x[keep], ni=n[keep])
        assert loo.gamma[i, 0] == pytest.approx(f.estimate, rel=1e-7, abs=1e-9)
        assert loo.theta[i] ** 2 == pytest.approx(f.tau2, rel=1e-5, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 200), st.floats(0, 1)), min_size=1, max_size=8),
       st.sampled_from(["exact", "wilson"]), st.floats(50, 99.9))
def test_proportion_ci_contains_the_proportion(rows: list[tuple[int, float]], method: str,
                                               level: float) -> None:
    n = np.array([r[0] for r in rows], float)
    x = np.round(np.array([r[1] for r in rows]) * n)
    r = ev.proportion_ci(x, n, method=method, level=level)
    tiny = 1e-12
    assert np.all((0 <= r.ci_lb) & (r.ci_lb <= r.pi + tiny) & (r.pi <= r.ci_ub + tiny))
    assert np.all(r.ci_ub <= 1)
    # the bounds at 0 and n events: exactly 0/1 (exact), 0/1 up to rounding (Wilson)
    np.testing.assert_allclose(r.ci_lb[x == 0], 0.0, atol=tiny)
    np.testing.assert_allclose(r.ci_ub[x == n], 1.0, atol=tiny)
    wider = ev.proportion_ci(x, n, method=method, level=min(level + 0.05, 99.99))
    assert np.all(wider.ci_lb <= r.ci_lb + 1e-12) and np.all(wider.ci_ub >= r.ci_ub - 1e-12)


def test_two_studies_zero_events_gives_a_finite_interval() -> None:
    f = ev.rma_glmm("PLO", xi=[0, 3], ni=[15, 20])
    t = f.transf()
    assert f.k == 2 and 0 < t["ci_lb"] < t["estimate"] < t["ci_ub"] < 1
    assert not f.flat
    d = f.to_dict()
    assert d["QE_df"] == 1 and d["nAGQ"] == 7 and "QE_Wld" in d and "QE_LRT" in d
    assert "Tests for Heterogeneity" in f.summary() and "<table>" in f._repr_html_()
    assert math.isclose(f.expit()["estimate"], t["estimate"])
    assert math.isclose(f.exp()["estimate"], math.exp(f.estimate))


def test_flat_likelihood_is_flagged() -> None:
    with pytest.warns(ev.EvisynthWarning, match="nearly flat"):
        f = ev.rma_glmm("PLO", xi=[0, 2], ni=[2, 2])
    assert f.flat and any("flat" in n for n in f.notes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(xi=[3, 12], ni=[10, 10]), r"'xi', study 2: 12 events exceed the total ni=10"),
        (dict(xi=[3, -1], ni=[10, 10]), r"'xi', study 2: value is -1; must be 0 or greater"),
        (dict(xi=[3, 1.5], ni=[10, 10]), r"'xi', study 2: count 1.5 is not a whole number"),
        (dict(xi=[3, 1], ni=[10, 0]), r"'ni', study 2: value is 0"),
        (dict(xi=[3, 1], ni=[10, 10], labels=["A", "B"], mi=[7, 9]), r"exactly one of"),
        (dict(xi=[0, 0], ni=[10, 10]), r"every study has no events"),
        (dict(xi=[3], ni=[10]), r"at least 2"),
        (dict(xi=[3, 1], ni=[10, 10], ai=[1, 2]), r"'ai' is not used"),
        (dict(xi=[3, 1], ni=[10, 10], nAGQ=0), r"nAGQ"),
    ],
)
def test_bad_input_plo(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        ev.rma_glmm("PLO", **kwargs)


def test_bad_input_names_the_study_label() -> None:
    with pytest.raises(InputError, match=r"study 2 \('Trial B'\)"):
        ev.rma_glmm("PLO", xi=[3, 12], ni=[10, 10], labels=["Trial A", "Trial B"])


def test_bad_input_two_groups() -> None:
    with pytest.raises(InputError, match=r"'ci', study 1: 9 events exceed the total n2i=5"):
        ev.rma_glmm("OR", ai=[1, 2], n1i=[10, 10], ci=[9, 1], n2i=[5, 10])
    with pytest.raises(InputError, match="no events in this group"):
        ev.rma_glmm("OR", ai=[0, 0], n1i=[10, 10], ci=[3, 1], n2i=[10, 10])
    with pytest.raises(InputError, match=r"UM\.RS"):
        ev.rma_glmm("OR", ai=[1, 2], n1i=[10, 10], ci=[3, 1], n2i=[10, 10], model="UM.RS")
    with pytest.raises(InputError, match="'t2i', study 2"):
        ev.rma_glmm("IRR", x1i=[1, 2], t1i=[10, 10], x2i=[3, 1], t2i=[10, -1])


def test_double_zero_studies_are_dropped_with_a_warning() -> None:
    with pytest.warns(ev.EvisynthWarning, match=r"study 3 \('C'\) left out"):
        f = ev.rma_glmm("OR", ai=[1, 4, 0], n1i=[20, 30, 10], ci=[5, 6, 0], n2i=[20, 30, 10],
                        labels=["A", "B", "C"])
    assert f.k == 2 and f.dropped == (2,)


def test_non_convergence_says_what_was_tried() -> None:
    with pytest.raises(ConvergenceError, match=r"did not converge in 1 Newton-Raphson"):
        ev.rma_glmm("PLO", xi=[4, 0, 7, 2], ni=[40, 25, 52, 30], maxiter=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(xi=[1, 11], ni=[10, 10]), r"'xi', study 2: 11 events exceed"),
        (dict(xi=[1, 2], ni=[10, 10], method="nope"), r"'method'"),
        (dict(xi=[1, 2], ni=[10, 10], level=150), r"'level'"),
        (dict(xi=[1, 2], ni=[10], ), r"different lengths"),
    ],
)
def test_bad_input_proportion_ci(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        ev.proportion_ci(**kwargs)


@pytest.mark.parametrize("model", ["CM.EL", "CM.AL"])
def test_conditional_models_mirror_when_arms_swap(model: str) -> None:
    a, n1 = np.array([0.0, 1, 2, 5]), np.array([116.0, 44, 208, 151])
    c, n2 = np.array([3.0, 3, 9, 6]), np.array([117.0, 35, 195, 157])
    f = ev.rma_glmm("OR", ai=a, n1i=n1, ci=c, n2i=n2, model=model)
    g = ev.rma_glmm("OR", ai=c, n1i=n2, ci=a, n2i=n1, model=model)
    assert g.estimate == pytest.approx(-f.estimate, rel=1e-6)
    assert g.se == pytest.approx(f.se, rel=1e-5)
    assert g.tau2 == pytest.approx(f.tau2, rel=1e-5, abs=1e-9)
    assert g.ll == pytest.approx(f.ll, rel=1e-10)
