"""Properties of rma and the batched engine that must hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import evisynth as ev
from evisynth.engine import METHODS, TESTS, fit_batch, make_batch

FIELDS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q", "pi_lb", "pi_ub")


@st.composite
def meta_data(draw: st.DrawFn, min_k: int = 3, max_k: int = 12) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(min_k, max_k))
    yi = draw(arrays(np.float64, k, elements=st.floats(-3, 3, allow_nan=False)))
    vi = draw(arrays(np.float64, k, elements=st.floats(0.005, 2.0, allow_nan=False)))
    return yi, vi


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= 1e-6 * abs(b) + 1e-9 * scale


@pytest.mark.filterwarnings("ignore:the Knapp-Hartung adjustment")
@settings(max_examples=40, deadline=None)
@given(data=meta_data(), method=st.sampled_from(METHODS), test=st.sampled_from(TESTS),
       seed=st.integers(0, 2**32 - 1))
def test_study_order_does_not_matter(data, method, test, seed) -> None:
    yi, vi = data
    perm = np.random.default_rng(seed).permutation(len(yi))
    a = ev.rma(yi=yi, vi=vi, method=method, test=test).to_dict()
    b = ev.rma(yi=yi[perm], vi=vi[perm], method=method, test=test).to_dict()
    for f in FIELDS:
        assert close(b[f], a[f], float(np.mean(vi))), f


@settings(max_examples=40, deadline=None)
@given(data=meta_data(), method=st.sampled_from(METHODS),
       c=st.floats(1e-3, 1e3), shift=st.floats(-10, 10))
def test_location_and_scale_equivariance(data, method, c, shift) -> None:
    """y -> c*y + shift, v -> c²v: estimate and bounds transform alike, tau² scales by c²,
    I², H², Q and p-values are unchanged."""
    yi, vi = data
    a = ev.rma(yi=yi, vi=vi, method=method)
    b = ev.rma(yi=c * yi + shift, vi=c**2 * vi, method=method)
    s = c * np.sqrt(np.mean(vi))
    assert close(b.estimate, c * a.estimate + shift, s + abs(shift))
    assert close(b.se, c * a.se, s)
    assert close(b.tau2, c**2 * a.tau2, s**2)
    assert close(b.ci_lb, c * a.ci_lb + shift, s + abs(shift))
    for f in ("I2", "H2", "Q", "Q_pval"):
        assert close(getattr(b, f), getattr(a, f), 1.0), f
    if abs(a.estimate) > 1e-6 and shift == 0:
        assert close(b.pval, a.pval, 1.0)


@settings(max_examples=25, deadline=None)
@given(data=meta_data(), method=st.sampled_from(METHODS), test=st.sampled_from(TESTS))
def test_batched_equals_one_by_one(data, method, test) -> None:
    """A (B, k) batch with masks gives each member's single-analysis result."""
    yi, vi = data
    k = len(yi)
    mask = ~np.eye(k, dtype=bool)  # leave-one-out: B = k members
    batched = fit_batch(make_batch(yi, vi, mask=mask), method, test)
    for i in range(k):
        one = fit_batch(make_batch(np.delete(yi, i), np.delete(vi, i)), method, test)
        for name in ("beta", "se", "tau2", "QE", "I2", "ci_lb", "pval"):
            got = np.ravel(getattr(batched, name)[i])[0]
            want = np.ravel(getattr(one, name)[0])[0]
            assert close(got, want, float(np.mean(vi))), (name, i)


@settings(max_examples=40, deadline=None)
@given(data=meta_data(), method=st.sampled_from(METHODS))
def test_invariants(data, method) -> None:
    yi, vi = data
    f = ev.rma(yi=yi, vi=vi, method=method)
    assert f.tau2 >= 0
    assert 0 <= f.I2 < 100
    assert f.H2 >= 1 or method == "FE"
    assert f.ci_lb <= f.estimate <= f.ci_ub
    assert f.pi_lb <= f.ci_lb and f.pi_ub >= f.ci_ub
    assert min(yi) - 1e-12 <= f.estimate <= max(yi) + 1e-12  # a weighted mean
    assert 0 <= f.pval <= 1 and 0 <= f.Q_pval <= 1


@settings(max_examples=30, deadline=None)
@given(data=meta_data())
def test_knha_adhoc_never_narrower_than_t(data) -> None:
    yi, vi = data
    t = ev.rma(yi=yi, vi=vi, test="t")
    adhoc = ev.rma(yi=yi, vi=vi, test="adhoc")
    assert adhoc.ci_ub - adhoc.ci_lb >= (t.ci_ub - t.ci_lb) * (1 - 1e-12)


@pytest.mark.parametrize("method", ["ML", "REML", "EB", "PM"])
def test_tau2_zero_boundary_reported_as_exact_zero(method) -> None:
    # Q = 0.9 < k - 1 = 4: every estimator of the between-study variance is at the boundary.
    f = ev.rma(yi=[0.10, 0.12, 0.08, 0.11, 0.09], vi=[0.04, 0.05, 0.03, 0.06, 0.02], method=method)
    assert f.tau2 == 0.0
    assert f.I2 == 0.0
