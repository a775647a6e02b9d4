"""Intercept-only random-effects fits of many complete meta-analyses at once.

The simulation studies of :mod:`evisynth.simulate` fit millions of meta-analyses
that all have the same number of studies ``k``, no excluded studies and no
moderators. For that case every quadratic form of :mod:`evisynth.engine._batch`
reduces to sums over the ``k`` studies, with ``w = 1/(vi + tau²)``,
``S_j = Σ w^j``:

* ``beta = Σ w y / S_1``, ``Var(beta) = 1 / S_1``;
* ``y'Py = Σ w (y - beta)²``, ``y'PPy = Σ w² (y - beta)²``;
* ``tr(P) = S_1 - S_2 / S_1``, ``tr(PP) = S_2 - 2 S_3 / S_1 + (S_2 / S_1)²``.

The arrays are held study-major, ``(k, B)``, so that each sum over studies is
``k - 1`` vector additions of length ``B`` rather than ``B`` short reductions.
The estimators are those of :mod:`evisynth.engine.tau2` and the tests those of
:mod:`evisynth.engine.fit`, step for step: ML, REML and EB by the same
bracketed Fisher scoring (same start, same safeguards, same convergence rule,
same boundary snap and log-likelihood check), the other estimators by
:func:`evisynth.engine.estimate_tau2` itself. Results agree with
:func:`evisynth.engine.fit_batch` to rounding (tested); they are identical
whatever the batch size, because every operation is elementwise across batch
members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from evisynth.engine._batch import Array, make_batch
from evisynth.engine.tau2 import METHODS, estimate_tau2

_SCORING = ("ML", "REML", "EB")
_EPS = np.finfo(np.float64).eps
_LOG2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class InterceptFit:
    """Pooled estimate and interval of every batch member, shape ``(B,)`` each."""

    estimate: Array
    se: Array
    ci_lb: Array
    ci_ub: Array
    pval: Array
    tau2: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int64]


def _rsum(a: Array) -> Array:
    """Sum over studies (axis 0) as ``k - 1`` vector additions, in study order."""
    s = a[0] + a[1]
    for j in range(2, a.shape[0]):
        s += a[j]
    return s


def _sums(Y: Array, V: Array, t: Array) -> tuple[Array, Array, Array, Array]:
    """``w``, ``S_1``, ``beta`` and the residuals ``y - beta`` for tau² ``t`` ``(n,)``."""
    w = 1.0 / (V + t)
    s1 = _rsum(w)
    beta = _rsum(w * Y) / s1
    return w, s1, beta, Y - beta


def _step(method: str, Y: Array, V: Array, t: Array) -> Array:
    """Fisher-scoring adjustment (as :func:`evisynth.engine.tau2._scoring_step`)."""
    w, s1, _, r = _sums(Y, V, t)
    if method == "EB":
        k = Y.shape[0]
        return (_rsum(w * r * r) * k / (k - 1) - k) / s1
    wr = w * r
    yppy = _rsum(wr * wr)
    w2 = w * w
    s2 = _rsum(w2)
    if method == "ML":
        return (yppy - s1) / s2
    s3 = _rsum(w2 * w)
    q = s2 / s1
    return (yppy - (s1 - q)) / (s2 - 2.0 * s3 / s1 + q * q)


def _loglik(Y: Array, V: Array, t: Array, reml: bool) -> Array:
    """(Restricted) log-likelihood, as :func:`evisynth.engine.log_likelihood`."""
    k = Y.shape[0]
    w, s1, _, r = _sums(Y, V, t)
    ll = -0.5 * (k * _LOG2PI + _rsum(np.log(V + t)) + _rsum(w * r * r))
    if reml:
        ll = ll + 0.5 * _LOG2PI + 0.5 * np.log(1.0 / s1)
    return ll


def _hedges(Y: Array, V: Array) -> Array:
    k = Y.shape[0]
    r = Y - _rsum(Y) / k
    sv = _rsum(V)
    return (_rsum(r * r) - (sv - sv / k)) / (k - 1)


def _scoring(
    method: str, Y: Array, V: Array, tol: float, maxiter: int
) -> tuple[Array, NDArray[np.bool_], NDArray[np.int64]]:
    """Bracketed Fisher scoring of all members (see ``tau2._fisher_scoring``)."""
    n = Y.shape[1]
    k = Y.shape[0]
    threshold_all = tol * (_rsum(V) / k)
    tau2 = np.maximum(_hedges(Y, V), 0.0)
    out = tau2.copy()
    iterations = np.zeros(n, dtype=np.int64)
    converged = np.zeros(n, dtype=bool)
    # Working copies restricted to the members still iterating; converged members
    # are dropped from them once they make up an eighth of the working set (their
    # values are recorded when they converge, later iterations are discarded).
    idx = np.arange(n)
    alive = np.ones(n, dtype=bool)
    Ya, Va = Y, V
    cur = tau2
    thr = threshold_all
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    prev = np.full(n, np.inf)
    n_dead = 0
    for it in range(1, maxiter + 1):
        adj = _step(method, Ya, Va, cur)
        adj = np.where(np.isnan(adj), 0.0, adj)
        lo = np.where(adj > 0, np.maximum(lo, cur), lo)
        hi = np.where(adj < 0, np.minimum(hi, cur), hi)
        nxt = cur + adj
        bracketed = np.isfinite(hi)
        outside = (nxt < lo) | (nxt > hi) | ((nxt == lo) & (adj < 0))
        slow = bracketed & (np.abs(adj) > 0.5 * prev)
        mid = 0.5 * (lo + np.where(bracketed, hi, cur))
        nxt = np.where(outside | slow, mid, nxt)
        step = np.abs(nxt - cur)
        prev = np.where(bracketed, step, np.inf)
        cur = nxt
        done = (step < thr) & alive
        n_done = int(np.count_nonzero(done))
        if n_done:
            d = idx[done]
            out[d] = cur[done]
            iterations[d] = it
            converged[d] = True
            alive &= ~done
            n_dead += n_done
            if n_dead == idx.size:
                idx = idx[:0]
                break
            if 8 * n_dead >= idx.size:
                keep = alive
                idx = idx[keep]
                cur, lo, hi, prev, thr = cur[keep], lo[keep], hi[keep], prev[keep], thr[keep]
                Ya, Va = Ya[:, keep], Va[:, keep]
                alive = np.ones(idx.size, dtype=bool)
                n_dead = 0
    if idx.size:
        rest = idx[alive]
        out[rest] = cur[alive]
        iterations[rest] = maxiter
    # Boundary snap: converged near 0 with the score at 0 pointing below 0.
    near0 = np.flatnonzero(converged & (out < 100.0 * threshold_all))
    if near0.size:
        score0 = _step(method, Y[:, near0], V[:, near0], np.zeros(near0.size))
        out[near0] = np.where(score0 <= 0.0, 0.0, out[near0])
    if method in ("ML", "REML"):
        reml = method == "REML"
        cand = np.flatnonzero(out > tol * (_rsum(V) / k))
        if cand.size:
            Yc, Vc = Y[:, cand], V[:, cand]
            ll0 = _loglik(Yc, Vc, np.zeros(cand.size), reml)
            ll = _loglik(Yc, Vc, out[cand], reml)
            out[cand] = np.where(ll0 - ll > 1e-8, 0.0, out[cand])
    return out, converged, iterations


def fit_intercept(
    yi: NDArray[np.floating],
    vi: NDArray[np.floating],
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    *,
    tol: float = 1e-10,
    maxiter: int = 1000,
) -> InterceptFit:
    """Fit the intercept-only model to every row of ``yi``/``vi`` (all studies included).

    Parameters
    ----------
    yi, vi
        Estimates and sampling variances, shape ``(B, k)`` with ``k >= 2``.
        A transposed study-major array (``Z.T`` of a C-contiguous ``(k, B)``
        array) is used without copying.
    method
        tau² estimator, one of :data:`evisynth.engine.METHODS`.
    test
        ``"z"``, ``"t"``, ``"knha"`` or ``"adhoc"`` (see :mod:`evisynth.engine.fit`).
    level
        Confidence level in percent.
    tol, maxiter
        Convergence control of the iterative estimators (as :func:`fit_batch`).

    Returns
    -------
    InterceptFit
        ``estimate``, ``se``, ``ci_lb``, ``ci_ub``, ``pval``, ``tau2``,
        ``converged``, ``iterations``, each of shape ``(B,)``.

    Raises
    ------
    ValueError
        If ``method`` or ``test`` is unknown or ``k < 2`` (internal callers
        validate user input first).

    References
    ----------
    Viechtbauer W (2005). Bias and efficiency of meta-analytic variance
    estimators in the random-effects model. J Educ Behav Stat 30:261-293.
    Hartung J, Knapp G (2001). On tests of the overall treatment effect in
    meta-analysis with normally distributed responses. Stat Med 20:1771-1782.

    Examples
    --------
    >>> import numpy as np
    >>> from evisynth.engine.intercept import fit_intercept
    >>> f = fit_intercept(np.array([[-0.9, -1.6, -1.4, -0.2]]),
    ...                   np.array([[0.33, 0.19, 0.42, 0.07]]))
    >>> round(float(f.estimate[0]), 4)
    -0.937
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if test not in ("z", "t", "knha", "adhoc"):
        raise ValueError(f"unknown test {test!r}")
    Y = np.ascontiguousarray(np.asarray(yi, dtype=np.float64).T)
    V = np.ascontiguousarray(np.asarray(vi, dtype=np.float64).T)
    k = Y.shape[0]
    if k < 2:
        raise ValueError("fit_intercept needs k >= 2 studies")
    if method in _SCORING:
        t2, converged, iterations = _scoring(method, Y, V, tol, maxiter)
    else:
        est = estimate_tau2(make_batch(Y.T, V.T), method, tol=tol, maxiter=maxiter)
        t2, converged, iterations = est.tau2, est.converged, est.iterations
    w, s1, beta, r = _sums(Y, V, t2)
    vb = 1.0 / s1
    df = float(k - 1)
    if test in ("knha", "adhoc"):
        rss = _rsum(w * r * r)
        s2w = np.where(rss <= _EPS, 0.0, rss / df)
        if test == "adhoc":
            s2w = np.maximum(s2w, 1.0)
        vb = vb * s2w
    se = np.sqrt(vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, beta / se, np.where(beta == 0, 0.0, np.sign(beta) * np.inf))
    alpha = 1.0 - level / 100.0
    if test == "z":
        crit = float(-special.ndtri(alpha / 2))
        pval = 2.0 * special.ndtr(-np.abs(stat))
    else:
        crit = float(special.stdtrit(df, 1.0 - alpha / 2))
        pval = 2.0 * special.stdtr(df, -np.abs(stat))
    return InterceptFit(
        estimate=beta,
        se=se,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        pval=pval,
        tau2=t2,
        converged=converged,
        iterations=iterations,
    )
