"""Q-profile bounds far from zero against exact arithmetic, where metafor loses digits.

With effects around -30000 and variances down to 1e-6, metafor 3.8-1's
``confint()`` bounds of tau² are off by up to 2% (found by the random
differential runs: e.g. k = 39, level 90, upper bound 1.0337e-4 where the
exact root is 1.0537e-4; on seed 1 below metafor gives 4.7185e-5 for 4.7531e-5),
while its estimates still agree. evisynth's bounds
agree with the root of the Q-profile equation solved here in 60-digit decimal
arithmetic, the oracle of this test (the data are drawn here, seeded).
"""

from __future__ import annotations

from decimal import Decimal, getcontext

import numpy as np
import pytest
from scipy import stats

import evisynth as ev


def q_root(y: np.ndarray, v: np.ndarray, target: float, hi: float) -> float:
    """tau² where the generalised Q statistic equals ``target`` (0 if Q(0) < target)."""
    getcontext().prec = 60
    Y = [Decimal(float(a)) for a in y]
    V = [Decimal(float(a)) for a in v]
    t_ = Decimal(target)

    def Q(t: Decimal) -> Decimal:
        w = [1 / (a + t) for a in V]
        mu = sum(a * b for a, b in zip(w, Y, strict=True)) / sum(w)
        return sum(a * (b - mu) ** 2 for a, b in zip(w, Y, strict=True))

    lo, up = Decimal(0), Decimal(hi)
    if Q(lo) < t_:
        return 0.0
    assert Q(up) < t_
    for _ in range(120):  # Q decreases in tau²
        mid = (lo + up) / 2
        lo, up = (mid, up) if Q(mid) > t_ else (lo, mid)
    return float(lo)


@pytest.mark.parametrize(("seed", "k", "level"), [(1, 39, 90), (2, 13, 99), (3, 58, 95)])
def test_qprofile_bounds_match_exact_roots(seed: int, k: int, level: float) -> None:
    rng = np.random.default_rng(seed)
    vi = 10 ** rng.uniform(-6, -0.5, k)
    yi = -30000 + rng.normal(0, np.sqrt(vi + 1e-4))
    fit = ev.rma(yi=yi, vi=vi, method="REML", level=level)
    ci = fit.confint()
    a = 1 - level / 100
    hi = max(100.0, 10 * fit.tau2)
    want_ub = q_root(yi, vi, stats.chi2.ppf(a / 2, k - 1), hi)
    want_lb = q_root(yi, vi, stats.chi2.ppf(1 - a / 2, k - 1), hi)
    assert want_ub > 0
    assert abs(ci.tau2_ub - want_ub) <= 1e-10 * want_ub
    assert abs(ci.tau2_lb - want_lb) <= 1e-10 * want_ub


def exact_wls(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> tuple[float, list[float]]:
    """Weighted residual sum of squares and coefficients in rational arithmetic."""
    from fractions import Fraction

    A = [[Fraction(1)] + [Fraction(float(a)) for a in row] for row in X]
    Y = [Fraction(float(a)) for a in y]
    W = [1 / Fraction(float(a)) for a in v]
    q, n = len(A[0]), len(A)
    M = [[sum(W[i] * A[i][r] * A[i][c] for i in range(n)) for c in range(q)] for r in range(q)]
    b = [sum(W[i] * A[i][r] * Y[i] for i in range(n)) for r in range(q)]
    for i in range(q):  # Gaussian elimination, exact
        for j in range(i + 1, q):
            f = M[j][i] / M[i][i]
            M[j] = [a - f * c for a, c in zip(M[j], M[i], strict=True)]
            b[j] -= f * b[i]
    beta = [Fraction(0)] * q
    for i in reversed(range(q)):
        beta[i] = (b[i] - sum(M[i][j] * beta[j] for j in range(i + 1, q))) / M[i][i]
    rss = sum(W[i] * (Y[i] - sum(A[i][j] * beta[j] for j in range(q))) ** 2 for i in range(n))
    return float(rss), [float(x) for x in beta]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ill_conditioned_metareg_matches_exact_arithmetic(seed: int) -> None:
    # Moderators around 1e4 with a spread of ~100: the weighted design has a
    # condition number near 1e6. metafor 3.8-1 loses digits here (random runs:
    # QE 11.434789 for the exact 11.434828, k = 20), or refuses the design as
    # "not of full rank"; evisynth agrees with exact rational arithmetic.
    rng = np.random.default_rng(seed)
    k = 20
    X = rng.normal(1e4, 100, (k, 3))
    vi = 10 ** rng.uniform(-3, 1, k)
    yi = (X - 1e4) @ np.array([0.003, -0.002, 0.001]) + rng.normal(0, np.sqrt(vi))
    fit = ev.rma(yi=yi, vi=vi, mods=X, method="FE")
    assert np.linalg.cond(np.column_stack([np.ones(k), X]) / np.sqrt(vi)[:, None]) > 1e5
    rss, beta = exact_wls(yi, vi, X)
    assert abs(fit.QE - rss) <= 1e-9 * rss
    np.testing.assert_allclose(fit.estimate, beta, rtol=1e-7)
