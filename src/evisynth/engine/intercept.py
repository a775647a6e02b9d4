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
bracketed Fisher scoring (same start, same safeguards, same convergence rule
``|step| < tol · (tau² + min(vi))``, same move to the boundary, snap and
log-likelihood check, same power-of-2 rescaling; ``tr(P)`` from exclusive sums
where the textbook formula cancels), the other estimators by
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
    pval: Array | None
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
    trp = s1 - q
    trpp = s2 - 2.0 * s3 / s1 + q * q
    bad = ~(trp > _SQRT_EPS * s1) | ~(trpp > _SQRT_EPS * s2)
    if bad.any():
        trp[bad], trpp[bad] = _traces_exact(w[:, bad])
    return (yppy - trp) / trpp


_SQRT_EPS = float(np.sqrt(_EPS))


def _exclusive(a: Array) -> Array:
    """``out[i] = sum_{j != i} a[j]`` over studies from prefix and suffix sums (no subtraction)."""
    k = a.shape[0]
    pre = np.cumsum(a, axis=0)
    suf = np.cumsum(a[::-1], axis=0)[::-1]
    out = np.zeros_like(a)
    out[1:] += pre[:-1]
    out[:-1] += suf[1:]
    del k
    return out


def _traces_exact(w: Array) -> tuple[Array, Array]:
    """``tr(P)``, ``tr(PP)`` without cancellation (as ``engine._batch._trace_p1``)."""
    S = _rsum(w)
    e = _exclusive(w)
    w2 = w * w
    f = _exclusive(w2)
    return _rsum(w * e) / S, (_rsum(w2 * e * e) + _rsum(w2 * f)) / (S * S)


def _step_into(method: str, Y: Array, V: Array, t: Array, W: Array, T: Array,
               U: Array) -> Array:
    """:func:`_step` with the ``(k, n)`` temporaries written into buffers (same arithmetic).

    For REML, ``tr(P) = S_1 - S_2/S_1`` cancels when one weight dominates; members
    where it has lost half its digits are recomputed from exclusive sums, as the
    general engine does.
    """
    np.add(V, t, out=W)
    np.divide(1.0, W, out=W)
    s1 = _rsum(W)
    np.multiply(W, Y, out=T)
    beta = _rsum(T) / s1
    np.subtract(Y, beta, out=T)
    if method == "EB":
        k = Y.shape[0]
        np.multiply(W, T, out=U)
        np.multiply(U, T, out=U)
        return (_rsum(U) * k / (k - 1) - k) / s1
    np.multiply(W, T, out=T)
    np.multiply(T, T, out=T)
    yppy = _rsum(T)
    np.multiply(W, W, out=T)
    s2 = _rsum(T)
    if method == "ML":
        return (yppy - s1) / s2
    np.multiply(T, W, out=T)
    s3 = _rsum(T)
    q = s2 / s1
    trp = s1 - q
    trpp = s2 - 2.0 * s3 / s1 + q * q
    bad = ~(trp > _SQRT_EPS * s1) | ~(trpp > _SQRT_EPS * s2)
    if bad.any():
        trp[bad], trpp[bad] = _traces_exact(W[:, bad])
    return (yppy - trp) / trpp


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
    """Bracketed Fisher scoring of all members, step for step ``tau2._fisher_scoring``.

    A member has converged when the scoring step at its current iterate is below
    ``tol · (tau² + min(vi))`` or its bracket is narrower than that; a step below
    0 moves to 0, where a score pointing below 0 ends with ``tau² = 0``. Members
    leave the working arrays once they make up an eighth of them (their values
    are recorded when they finish; later iterations are discarded).
    """
    n = Y.shape[1]
    vmin_all = V.min(axis=0)
    with np.errstate(all="ignore"):
        tau2 = np.maximum(_hedges(Y, V), 0.0)
    tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
    out = tau2.copy()
    iterations = np.zeros(n, dtype=np.int64)
    converged = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    alive = np.ones(n, dtype=bool)
    Ya, Va = Y, V
    cur = tau2
    vmin = vmin_all
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    prev = np.full(n, np.inf)
    n_dead = 0
    Wb, Tb, Ub = np.empty_like(Y), np.empty_like(Y), np.empty_like(Y)
    inf = np.inf
    for it in range(1, maxiter + 1):
        m = idx.size
        with np.errstate(all="ignore"):
            adj = _step_into(method, Ya, Va, cur, Wb[:, :m], Tb[:, :m], Ub[:, :m])
        failed = ~np.isfinite(adj)
        if failed.any():
            adj[failed] = 0.0
        pos = adj > 0
        np.maximum(lo, cur, out=lo, where=pos)
        np.minimum(hi, cur, out=hi, where=adj < 0)
        thr = tol * (cur + vmin)
        cand = cur + adj
        aadj = np.abs(adj)
        newton_done = aadj < thr
        # Members whose scoring step is not simply taken: below/at the lower or above
        # the upper end of the bracket, or slow (a finite prev implies a bracket).
        # The bracket logic of tau2._fisher_scoring runs on them only.
        special = np.flatnonzero((cand <= lo) | (cand > hi) | (aadj > 0.5 * prev))
        nxt = cand
        if special.size:
            c, lo_s, hi_s, cur_s = cand[special], lo[special], hi[special], cur[special]
            br = hi_s < inf
            below = c < lo_s
            lo_pos = lo_s > 0
            to_zero = below & ~lo_pos
            outside = (below & lo_pos) | (c > hi_s) | ((c == lo_s) & (adj[special] < 0) & lo_pos)
            outside |= br & (aadj[special] > 0.5 * prev[special]) & ~to_zero
            mid = 0.5 * (lo_s + np.where(br, hi_s, cur_s))
            nxt = cand.copy()
            nxt[special] = np.where(outside, mid, np.where(to_zero, 0.0, c))
        done = newton_done | ((hi - lo) < thr)
        take = newton_done & (cand >= lo) & (cand <= hi)
        final = np.where(take, cand, cur)
        zero = cur == 0.0
        if zero.any():
            at_bound = zero & ~pos
            done |= at_bound
            final[at_bound] = 0.0
        prev = np.where(hi < inf, np.abs(nxt - cur), inf)
        if failed.any():
            nxt = np.where(failed, cur, nxt)
        cur = np.where(done, final, nxt)
        finish = (done | failed) & alive
        n_fin = int(np.count_nonzero(finish))
        if n_fin:
            d = idx[finish]
            out[d] = cur[finish]
            iterations[d] = it
            converged[d] = (done & ~failed)[finish]
            alive &= ~finish
            n_dead += n_fin
            if n_dead == idx.size:
                idx = idx[:0]
                break
            if 8 * n_dead >= idx.size:
                keep = alive
                idx = idx[keep]
                cur, lo, hi, prev, vmin = cur[keep], lo[keep], hi[keep], prev[keep], vmin[keep]
                Ya, Va = Ya[:, keep], Va[:, keep]
                alive = np.ones(idx.size, dtype=bool)
                n_dead = 0
    if idx.size:
        rest = idx[alive]
        out[rest] = cur[alive]
        iterations[rest] = maxiter
    # Boundary snap: converged just above 0 with the score at 0 pointing below 0.
    near0 = np.flatnonzero(converged & (out > 0) & (out < 100.0 * tol * vmin_all))
    if near0.size:
        score0 = _step(method, Y[:, near0], V[:, near0], np.zeros(near0.size))
        out[near0] = np.where(score0 <= 0.0, 0.0, out[near0])
    if method in ("ML", "REML"):
        reml = method == "REML"
        cand_ll = np.flatnonzero(out > tol * vmin_all)
        if cand_ll.size:
            Yc, Vc = Y[:, cand_ll], V[:, cand_ll]
            ll0 = _loglik(Yc, Vc, np.zeros(cand_ll.size), reml)
            ll = _loglik(Yc, Vc, out[cand_ll], reml)
            out[cand_ll] = np.where(ll0 - ll > 1e-8, 0.0, out[cand_ll])
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
    with_pval: bool = True,
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
    with_pval
        Compute p-values (``False``: ``pval`` is ``None``; a simulation that
        only needs the intervals saves the t distribution function).

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
    # Rescale each member by a power of 2 (exact) so that its smallest variance is
    # near 1, as engine._batch.normalise; results are scaled back at the end.
    vmin = V.min(axis=0)
    ok = np.isfinite(vmin) & (vmin > 0)
    e = np.where(ok, np.round(np.log2(np.where(ok, vmin, 1.0)) / 2.0), 0.0).astype(np.int64)
    sc: Array | float = 1.0
    s2: Array | float = 1.0
    if e.any():
        sc = np.ldexp(1.0, e)
        s2 = sc * sc
        Y = Y / sc
        V = V / s2
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
    alpha = 1.0 - level / 100.0
    pval = None
    if with_pval:
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(se > 0, beta / se, np.where(beta == 0, 0.0, np.sign(beta) * np.inf))
    if test == "z":
        crit = float(-special.ndtri(alpha / 2))
        if with_pval:
            pval = 2.0 * special.ndtr(-np.abs(stat))
    else:
        crit = float(special.stdtrit(df, 1.0 - alpha / 2))
        if with_pval:
            pval = 2.0 * special.stdtr(df, -np.abs(stat))
    return InterceptFit(
        estimate=beta * sc,
        se=se * sc,
        ci_lb=(beta - crit * se) * sc,
        ci_ub=(beta + crit * se) * sc,
        pval=pval,
        tau2=t2 * s2,
        converged=converged,
        iterations=iterations,
    )
