"""engine.intercept.fit_intercept against R metafor (frozen rma.json) and against fit_batch.

The fast intercept-only path must give metafor's numbers on every published
dataset of tests/reference/rma.R (same tolerances as test_rma_oracle.py), and
agree with the general engine (fit_batch) to rounding on random batches, for
every estimator and test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.engine import METHODS, TESTS, fit_batch, make_batch
from evisynth.engine.intercept import fit_intercept
from tests.conftest import load_reference

REF = load_reference("rma")
RTOL = 1e-6

CASES = [
    pytest.param(name, fit, id=f"{name}-{fit['method']}-{fit['test']}")
    for name, d in REF["datasets"].items()
    for fit in d["fits"]
    if len(d["yi"]) >= 2
]


@pytest.mark.parametrize(("name", "ref"), CASES)
def test_fit_intercept_matches_metafor(name: str, ref: dict) -> None:
    d = REF["datasets"][name]
    yi, vi = np.array([d["yi"]]), np.array([d["vi"]])
    f = fit_intercept(yi, vi, ref["method"], ref["test"])
    v = float(np.mean(d["vi"]))
    for field, got, scale in (
        ("estimate", f.estimate[0], math.sqrt(v)),
        ("se", f.se[0], math.sqrt(v)),
        ("ci_lb", f.ci_lb[0], math.sqrt(v)),
        ("ci_ub", f.ci_ub[0], math.sqrt(v)),
        ("pval", f.pval[0], 1.0),
        ("tau2", f.tau2[0], v),
    ):
        want = ref[field]
        assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale, (field, got, want)
    assert bool(f.converged[0])


def _batch(seed: int, B: int, k: int, spread: float = 200.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    V = 0.005 * np.exp(rng.uniform(0.0, np.log(spread), (k, B)))
    tau2 = np.where(rng.random(B) < 0.3, 0.0, rng.uniform(0, 0.5, B))
    Y = rng.normal(0.3, np.sqrt(V + tau2))
    return Y, V


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("k", [2, 3, 7])
def test_fit_intercept_agrees_with_fit_batch(method: str, test: str, k: int) -> None:
    Y, V = _batch(k, 3000, k, spread=1e6)  # variances over six orders of magnitude
    f = fit_intercept(Y.T, V.T, method, test)
    g = fit_batch(make_batch(Y.T, V.T), method, test)
    vbar = V.mean(axis=0)
    assert np.array_equal(f.converged, g.converged)
    # Same algorithm step for step: the iteration counts agree (up to rare rounding ties).
    assert np.mean(f.iterations == g.iterations) > 0.999
    assert np.all(np.abs(f.tau2 - g.tau2) <= 1e-8 * vbar)
    for a, b in ((f.estimate, g.beta[:, 0]), (f.ci_lb, g.ci_lb[:, 0]), (f.ci_ub, g.ci_ub[:, 0]),
                 (f.se, g.se[:, 0])):
        assert np.all(np.abs(a - b) <= 1e-7 * np.sqrt(vbar))
    assert np.allclose(f.pval, g.pval[:, 0], rtol=1e-6, atol=1e-9)


def test_fit_intercept_same_result_for_any_batch_split() -> None:
    Y, V = _batch(11, 5000, 5)
    whole = fit_intercept(Y.T, V.T, "REML", "knha")
    for cut in (1, 17, 4096):
        parts = [fit_intercept(Y[:, s:s + cut].T, V[:, s:s + cut].T, "REML", "knha")
                 for s in range(0, Y.shape[1], cut)] if cut != 1 else [
            fit_intercept(Y[:, s:s + 1].T, V[:, s:s + 1].T, "REML", "knha") for s in range(50)]
        n = sum(p.tau2.size for p in parts)
        for name in ("estimate", "ci_lb", "ci_ub", "tau2"):
            got = np.concatenate([getattr(p, name) for p in parts])
            assert np.array_equal(got, getattr(whole, name)[:n]), (cut, name)


@settings(max_examples=60, deadline=None)
@given(
    k=st.integers(2, 8),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-3, 1e3),
    method=st.sampled_from(["REML", "ML", "EB", "DL", "PM"]),
)
def test_property_equals_general_engine_and_is_scale_equivariant(
    k: int, seed: int, scale: float, method: str
) -> None:
    Y, V = _batch(seed, 40, k)
    f = fit_intercept(Y.T, V.T, method, "knha")
    g = fit_batch(make_batch(Y.T, V.T), method, "knha")
    vbar = V.mean(axis=0)
    assert np.all(np.abs(f.tau2 - g.tau2) <= 1e-8 * vbar)
    assert np.all(np.abs(f.ci_lb - g.ci_lb[:, 0]) <= 1e-7 * np.sqrt(vbar))
    # y -> c y, v -> c² v scales tau² by c² and the interval by c.
    c = math.sqrt(scale)
    h = fit_intercept((c * Y).T, (scale * V).T, method, "knha")
    assert np.allclose(h.tau2, scale * f.tau2, rtol=1e-6, atol=1e-8 * scale * vbar.max())
    assert np.allclose(h.ci_ub, c * f.ci_ub, rtol=1e-6, atol=1e-7 * c * np.sqrt(vbar.max()))


def test_bad_arguments() -> None:
    y = np.zeros((1, 3))
    with pytest.raises(ValueError, match="unknown method"):
        fit_intercept(y, y + 1, "XX")
    with pytest.raises(ValueError, match="unknown test"):
        fit_intercept(y, y + 1, "DL", "q")
    with pytest.raises(ValueError, match="k >= 2"):
        fit_intercept(y[:, :1], y[:, :1] + 1)
