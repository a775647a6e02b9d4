"""engine.scoring.fisher_scoring, the one Fisher-scoring loop of the general and the
intercept-only paths, and the power-of-2 rescaling they share.

Expected values are closed forms derived here: a toy model whose scoring step is
``c - tau²`` has its root at ``c`` (at 0 when ``c < 0``, the boundary rule); the
Hedges and step formulas are checked against their definitions.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.engine import make_batch
from evisynth.engine._batch import power2_scale, wls
from evisynth.engine.intercept import _InterceptModel, _scoring
from evisynth.engine.scoring import eb_step, fisher_scoring, ml_step, reml_step
from evisynth.engine.tau2 import _BatchModel, _scoring_step, estimate_tau2


class _Linear:
    """Score step ``c - t`` (root ``c``); log-likelihood ``-(t - c)²`` maximal at ``c``."""

    def __init__(self, c: np.ndarray, calls: list[int] | None = None) -> None:
        self.c = c
        self.calls = calls if calls is not None else []

    def step(self, t: np.ndarray) -> np.ndarray:
        self.calls.append(t.size)
        return self.c - t

    def loglik(self, t: np.ndarray, reml: bool) -> np.ndarray:
        return -((t - np.maximum(self.c, 0.0)) ** 2)

    def take(self, idx: np.ndarray) -> _Linear:
        return type(self)(self.c[idx], self.calls)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=40),
       st.floats(0.0, 3.0))
def test_linear_score_converges_to_root_or_boundary(cs: list[float], start: float) -> None:
    c = np.array(cs)
    t, ok, its = fisher_scoring(_Linear(c), "REML", np.full(c.size, start), np.ones(c.size),
                                1e-10, 100)
    assert ok.all()
    assert np.all(its >= 1)
    assert np.allclose(t, np.maximum(c, 0.0), rtol=0, atol=1e-9)
    # A negative root ends exactly on the boundary.
    assert np.all(t[c < 0] == 0.0)


def test_members_leave_the_working_arrays_when_done() -> None:
    # Half the members converge at once (step 0), the others need several steps:
    # later steps run on the unfinished members only.
    c = np.concatenate([np.zeros(8), np.linspace(1.0, 2.0, 8)])
    calls: list[int] = []
    start = np.where(np.arange(16) < 8, 0.0, 10.0)
    t, ok, _ = fisher_scoring(_Linear(c, calls), "EB", start, np.ones(16), 1e-10, 100)
    assert ok.all() and np.allclose(t, c)
    assert calls[0] == 16 and min(calls) < 16


def test_maxiter_reached_is_not_converged() -> None:
    class Slow(_Linear):
        def step(self, t: np.ndarray) -> np.ndarray:
            return 1e-3 * np.ones_like(t)  # always a little further: never converges

    t, ok, its = fisher_scoring(Slow(np.ones(3)), "ML", np.zeros(3), np.ones(3), 1e-10, 7)
    assert not ok.any() and np.all(its == 7)
    assert np.allclose(t, 7e-3)


def test_higher_likelihood_at_zero_gives_zero() -> None:
    class Stuck(_Linear):
        def loglik(self, t: np.ndarray, reml: bool) -> np.ndarray:
            return np.where(t == 0, 1.0, 0.0)  # the maximum at 0 beats the stationary point

    for method, want in (("REML", 0.0), ("ML", 0.0), ("EB", 1.5)):
        t, _, _ = fisher_scoring(Stuck(np.array([1.5])), method, np.zeros(1), np.ones(1),
                                 1e-10, 100)
        assert t[0] == want, method


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 9), st.integers(0, 2**32 - 1))
def test_both_paths_take_the_same_steps(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    V = rng.uniform(0.01, 1.0, (k, 6))
    Y = rng.normal(0.0, np.sqrt(V + 0.1))
    b = make_batch(Y.T, V.T)
    t = rng.uniform(0.0, 0.5, 6)
    for method in ("ML", "REML", "EB"):
        general = _BatchModel(method, b).step(t)
        fast = _InterceptModel(method, Y, V).step(t)
        assert np.allclose(general, fast, rtol=1e-10, atol=1e-12)
        a, _, _ = _scoring(method, Y, V, 1e-10, 1000)
        g = estimate_tau2(b, method)
        assert np.allclose(a, g.tau2, rtol=1e-8, atol=1e-12)


def test_step_formulas_are_their_definitions() -> None:
    rng = np.random.default_rng(3)
    y, v = rng.normal(size=(1, 7)), rng.uniform(0.1, 1.0, (1, 7))
    b = make_batch(y, v)
    t = np.array([0.2])
    fit = wls(b.X, b.yi, 1.0 / (b.vi + t[:, None]))
    w = fit.w[0]
    P = np.diag(w) - np.outer(w, w) / w.sum()  # P for an intercept-only model
    r = y[0]
    assert np.isclose(reml_step(r @ P @ P @ r, np.trace(P), np.trace(P @ P)),
                      _scoring_step("REML", b, t)[0])
    assert np.isclose(ml_step(r @ P @ P @ r, w.sum(), (w**2).sum()), _scoring_step("ML", b, t)[0])
    assert np.isclose(eb_step(r @ P @ r, 7, 1, w.sum()), _scoring_step("EB", b, t)[0])


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-300, 1e300))
def test_power2_scale_brings_vmin_near_one(vmin: float) -> None:
    scale = power2_scale(np.array([vmin]))
    if scale is None:
        assert 0.5 <= vmin < 2.0
        return
    s, s2 = scale
    m, _ = np.frexp(s[0])
    assert m == 0.5  # a power of 2: the rescaling is exact
    assert s2[0] == s[0] * s[0]
    # vmin = m 2^ex with m in [1/2, 1), s² = 2^(2 (ex // 2)): vmin / s² = m 2^(ex mod 2).
    assert 0.5 <= vmin / s2[0] < 2.0


def test_power2_scale_leaves_non_positive_alone() -> None:
    assert power2_scale(np.array([0.0, np.inf, np.nan, 0.5])) is None
    s, _ = power2_scale(np.array([0.0, 1e-8]))  # type: ignore[misc]
    assert s[0] == 1.0 and s[1] != 1.0
