"""Estimators of the between-study variance tau², batched over ``(B, k)``.

Definitions follow Viechtbauer (2005) and the metafor documentation
(``?rma.uni``), for the general mixed-effects model ``y = X beta + u + e`` with
``u ~ N(0, tau²)`` and ``e ~ N(0, vi)``; with ``X`` a column of ones this is the
random-effects model. ``k`` is the number of included studies, ``p`` the number
of coefficients, ``P`` the projection of :mod:`evisynth.engine._batch`.

Closed-form estimators (results truncated at 0, as metafor does):

* ``DL``  DerSimonian & Laird (1986): ``(Q - (k-p)) / tr(P)`` with ``W = 1/vi``.
* ``HE``  Hedges (1983), Hedges & Olkin: ``(RSS_ols - tr(P_ols V)) / (k-p)``.
* ``HS``  Hunter & Schmidt (2004): ``(Q - k) / sum(1/vi)``.
* ``HSk`` Hunter–Schmidt with the small-sample factor: ``(k/(k-p) Q - k) / sum(1/vi)``
  (Brannick et al. 2019).
* ``SJ``  Sidik & Jonkman (2005): ``tau0² Q(tau0²) / (k-p)`` with
  ``tau0² = var(y) (k-1)/k`` (intercept-only variance, also for meta-regression,
  as metafor).

Iterative estimators (all batch members iterate together; converged members are
frozen):

* ``ML``, ``REML`` Fisher scoring from the (truncated) HE estimate
  (Viechtbauer 2005), kept inside a bracket of the score's root so that tau²
  never goes below 0 and oscillating sequences still converge.
* ``EB`` empirical Bayes (Morris 1983; Berkey et al. 1995), the same scoring
  scheme with the adjustment ``(k/(k-p) Q(tau²) - k) / sum(w)``.
* ``PM`` Paule & Mandel (1982): the root of the generalised Q statistic
  ``Q(tau²) = k - p``, 0 if ``Q(0) < k - p``. Found by safeguarded Newton steps
  inside a bisection bracket; ``Q`` is strictly decreasing in tau².

The scoring loop, its convergence criterion (the step at the current iterate
below ``tol · (tau² + v_min)``, ``v_min`` the smallest sampling variance of the
member's studies, ``tol = 1e-10`` by default) and its boundary rules are
:func:`evisynth.engine.scoring.fisher_scoring`, shared with the intercept-only
fast path; this module supplies the steps for any design. The criterion is
relative to tau² and, near 0, to the most precise study: an uninformative study
(huge ``vi``) cannot loosen it (adding a study can only lower ``v_min``), and
rescaling ``y -> c y``, ``v -> c² v`` rescales tau² by ``c²`` with the same
iterations. The Paule–Mandel root finder stops when the Newton step or the
bracket is below ``1e-2 · tol · (tau² + v_min)``; its bracket starts at
``RSS_ols / (k - p)``, which always contains the root.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evisynth.engine._batch import Array, Batch, normalise, weights, wls
from evisynth.engine.scoring import SCORING, eb_step, fisher_scoring, hedges, ml_step, reml_step

METHODS = ("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
ITERATIVE = ("ML", "REML", "EB", "PM")
#: Other names of the fixed-effect model: metafor's "EE" (equal effects, its name since
#: version 3.0) and "CE" (common effect) fit the same model as "FE".
METHOD_ALIASES = {"EE": "FE", "CE": "FE"}


@dataclass(frozen=True)
class Tau2Estimate:
    """Estimated tau² for every batch member.

    Attributes
    ----------
    tau2
        Estimates, shape ``(B,)``, all >= 0.
    converged
        ``True`` where the iteration met the criterion (always ``True`` for
        closed-form estimators).
    iterations
        Iterations used per member (0 for closed-form estimators).
    """

    tau2: Array
    converged: np.ndarray
    iterations: np.ndarray


def generalised_q(batch: Batch, tau2: Array) -> Array:
    """Generalised Q statistic ``y'P(tau²)y`` with weights ``1/(vi + tau²)``, shape ``(B,)``."""
    return wls(batch.X, batch.yi, weights(batch, tau2)).yPy


def _closed_form(method: str, batch: Batch) -> Array:
    k = batch.k.astype(np.float64)
    p = batch.p
    B = batch.B
    if method == "FE":
        return np.zeros(B)
    if method in ("DL", "HS", "HSk"):
        fe = wls(batch.X, batch.yi, weights(batch, np.zeros(B)))
        Q = fe.yPy
        if method == "DL":
            return (Q - (k - p)) / fe.trace_P()
        sum_w = fe.w.sum(axis=1)
        if method == "HS":
            return (Q - k) / sum_w
        return (k / (k - p) * Q - k) / sum_w
    if method == "HE":
        return _hedges(batch)
    if method == "SJ":
        ybar = np.where(batch.mask, batch.yi, 0.0).sum(axis=1) / k
        tau0 = np.where(batch.mask, (batch.yi - ybar[:, None]) ** 2, 0.0).sum(axis=1) / k
        return tau0 * generalised_q(batch, tau0) / (k - p)
    raise ValueError(f"not a closed-form method: {method}")  # pragma: no cover


def _hedges(batch: Batch) -> Array:
    """Untruncated Hedges estimator (also the starting value of ML/REML/EB)."""
    k = batch.k.astype(np.float64)
    ols = wls(batch.X, batch.yi, batch.mask.astype(np.float64))
    rss = ols.yPy
    # tr(P_ols V) = sum(v) - tr((X'X)^{-1} X'VX) over included studies.
    XtVX = np.einsum("bki,bk,bkj->bij", batch.X, np.where(batch.mask, batch.vi, 0.0), batch.X)
    trPV = np.where(batch.mask, batch.vi, 0.0).sum(axis=1) - np.einsum(
        "bij,bji->b", ols.XtWX_inv, XtVX
    )
    return hedges(rss, trPV, k, batch.p)


def _scoring_step(method: str, batch: Batch, tau2: Array) -> Array:
    """Fisher-scoring adjustment of tau² (Viechtbauer 2005, eqs. 8, 11; metafor's EB step)."""
    fit = wls(batch.X, batch.yi, weights(batch, tau2))
    if method == "ML":
        w = fit.w
        return ml_step(fit.yPPy, w.sum(axis=1), (w**2).sum(axis=1))
    if method == "REML":
        return reml_step(fit.yPPy, fit.trace_P(), fit.trace_PP())
    return eb_step(fit.yPy, batch.k.astype(np.float64), batch.p, fit.w.sum(axis=1))


def mean_vi(batch: Batch) -> Array:
    """Mean sampling variance of the included studies."""
    return np.where(batch.mask, batch.vi, 0.0).sum(axis=1) / batch.k


def min_vi(batch: Batch) -> Array:
    """Smallest sampling variance of the included studies: the absolute unit of the
    convergence criterion. Adding a study can only lower it, so an uninformative
    study (huge ``vi``) can never loosen the criterion."""
    return np.where(batch.mask, batch.vi, np.inf).min(axis=1)


@dataclass(frozen=True)
class _BatchModel:
    """The general engine's side of :func:`evisynth.engine.scoring.fisher_scoring`."""

    method: str
    batch: Batch

    def step(self, tau2: Array) -> Array:
        return _scoring_step(self.method, self.batch, tau2)

    def loglik(self, tau2: Array, reml: bool) -> Array:
        return log_likelihood(self.batch, tau2, reml)

    def take(self, idx: np.ndarray) -> _BatchModel:
        return _BatchModel(self.method, _take(self.batch, idx))


def _take(batch: Batch, idx: np.ndarray) -> Batch:
    # While every member is still iterating, the batch itself is the subset: no copy.
    if idx.size == batch.B:
        return batch
    return Batch(yi=batch.yi[idx], vi=batch.vi[idx], X=batch.X[idx], mask=batch.mask[idx])


def solve_q(
    batch: Batch,
    target: Array,
    upper: Array | None = None,
    *,
    tol: float = 1e-12,
    maxiter: int = 200,
    scale: Array | None = None,
) -> tuple[Array, np.ndarray]:
    """Solve ``Q(tau²) = target`` for every batch member (Q-profile / Paule–Mandel).

    ``Q`` is strictly decreasing, so the root is unique. Members with
    ``Q(0) <= target`` get 0. Without ``upper`` the bracket's upper end is
    ``RSS_ols / target``, which always brackets the root because
    ``Q(tau²) <= RSS_ols / (min(vi) + tau²)``; with a given ``upper`` a member
    whose ``Q(upper) > target`` gets ``upper`` and ``found = False`` (as metafor
    reports a bound ``> tau2.max``).

    The iteration stops when the step or the bracket is below
    ``tol · (tau² + scale)`` (``scale`` defaults to the smallest sampling
    variance, see :func:`min_vi`).

    Returns
    -------
    (root, found)
        Roots ``(B,)`` and whether each was bracketed.
    """
    sb, _, s2 = normalise(batch)
    up = None if upper is None else np.asarray(upper, dtype=np.float64) / s2
    sc = None if scale is None else np.asarray(scale, dtype=np.float64) / s2
    root, found, _, _ = _solve_q(sb, target, up, tol=tol, maxiter=maxiter, scale=sc)
    return root * s2, found


def _solve_q(
    batch: Batch,
    target: Array,
    upper: Array | None,
    *,
    tol: float,
    maxiter: int,
    scale: Array | None,
) -> tuple[Array, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`solve_q` that also returns per-member convergence and iteration counts."""
    B = batch.B
    target = np.broadcast_to(np.asarray(target, dtype=np.float64), (B,)).copy()
    floor = min_vi(batch) if scale is None else np.broadcast_to(
        np.asarray(scale, dtype=np.float64), (B,))
    lo = np.zeros(B)
    q_lo = generalised_q(batch, lo)
    at_zero = q_lo <= target
    found = np.ones(B, dtype=bool)
    if upper is None:
        rss = wls(batch.X, batch.yi, batch.mask.astype(np.float64)).yPy
        with np.errstate(divide="ignore", invalid="ignore"):
            hi = np.where(target > 0, rss / target, np.inf) * (1.0 + 1e-6) + floor
        hi = np.where(np.isfinite(hi) & (hi > 0), hi, np.finfo(np.float64).max)
        q_hi = generalised_q(batch, hi)
        found = ~(q_hi > target) | at_zero
    else:
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), (B,)).copy()
        q_hi = generalised_q(batch, hi)
        found = ~(q_hi > target) | at_zero
    root = np.where(at_zero, 0.0, np.where(found, 0.5 * (lo + hi), hi))
    active = ~at_zero & found
    converged = at_zero | ~found
    iterations = np.zeros(B, dtype=np.int64)
    x = root.copy()
    for _ in range(maxiter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        sub = _take(batch, idx)
        fit = wls(sub.X, sub.yi, weights(sub, x[idx]))
        f = fit.yPy - target[idx]
        iterations[idx] += 1
        # Shrink the bracket with the sign of f (Q decreasing: f > 0 means root to the right).
        lo[idx] = np.where(f > 0, x[idx], lo[idx])
        hi[idx] = np.where(f > 0, hi[idx], x[idx])
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x[idx] + f / fit.yPPy  # dQ/dtau² = -y'PPy
        inside = (newton > lo[idx]) & (newton < hi[idx]) & np.isfinite(newton)
        nxt = np.where(inside, newton, 0.5 * (lo[idx] + hi[idx]))
        step = np.abs(nxt - x[idx])
        eps = tol * (x[idx] + floor[idx])
        x[idx] = np.where(f == 0, x[idx], nxt)  # an exact root stays where it is
        done = (step < eps) | (f == 0) | (hi[idx] - lo[idx] < eps)
        converged[idx] = done
        active[idx[done]] = False
    root = np.where(at_zero, 0.0, np.where(found, x, hi))
    return root, found, converged, iterations


def estimate_tau2(
    batch: Batch,
    method: str,
    *,
    tol: float = 1e-10,
    maxiter: int = 1000,
    tau2_init: Array | None = None,
) -> Tau2Estimate:
    """Estimate tau² for every batch member with ``method`` (see module docstring).

    Parameters
    ----------
    batch
        Engine input from :func:`evisynth.engine.make_batch`.
    method
        One of :data:`METHODS`.
    tol
        Relative convergence threshold of the iterative methods (module docstring).
    maxiter
        Maximum number of iterations for iterative methods.
    tau2_init
        Starting values ``(B,)`` of Fisher scoring (ML, REML, EB), e.g. the
        full-data tau² for leave-one-out refits (a warm start); default the
        Hedges estimate. The convergence rule is the same whatever the start.

    Returns
    -------
    Tau2Estimate
        The computation runs on data rescaled by a power of 2 (:func:`normalise`),
        so variances far from 1 cannot overflow its intermediate sums.
    """
    batch, _, s2 = normalise(batch)
    init = None if tau2_init is None else np.broadcast_to(
        np.asarray(tau2_init, dtype=np.float64), (batch.B,)) / s2
    est = estimate_scaled(batch, method, tol, maxiter, init)
    if np.all(s2 == 1.0):
        return est
    return Tau2Estimate(est.tau2 * s2, est.converged, est.iterations)


def estimate_scaled(
    batch: Batch, method: str, tol: float, maxiter: int, init: Array | None = None
) -> Tau2Estimate:
    """:func:`estimate_tau2` on a batch that :func:`normalise` has already rescaled."""
    B = batch.B
    if method in ("FE", "DL", "HE", "HS", "HSk", "SJ"):
        t = np.maximum(_closed_form(method, batch), 0.0)
        return Tau2Estimate(t, np.ones(B, dtype=bool), np.zeros(B, dtype=np.int64))
    if method in SCORING:
        start = _hedges(batch) if init is None else init
        t, conv, its = fisher_scoring(_BatchModel(method, batch), method, start,
                                      min_vi(batch), tol, maxiter)
        return Tau2Estimate(t, conv, its)
    if method == "PM":
        k = batch.k.astype(np.float64)
        root, found, conv, its = _solve_q(
            batch, k - batch.p, None, tol=tol * 1e-2, maxiter=maxiter, scale=None
        )
        return Tau2Estimate(root, conv & found, its)
    raise ValueError(f"unknown method {method!r}")  # pragma: no cover


def log_likelihood(batch: Batch, tau2: Array, reml: bool) -> Array:
    """(Restricted) log-likelihood of the normal mixed-effects model at ``tau2``.

    ``ll = -1/2 [ (k - p·reml) log 2π + Σ log(vi+tau²) + reml·log|X'WX| + y'Py ]``
    (Viechtbauer 2005, eqs. 5 and 9).
    """
    fit = wls(batch.X, batch.yi, weights(batch, tau2))
    k = batch.k.astype(np.float64)
    logv = np.where(batch.mask, np.log(batch.vi + tau2[:, None]), 0.0).sum(axis=1)
    ll = -0.5 * (k * np.log(2 * np.pi) + logv + fit.yPy)
    if reml:
        if batch.p == 1:
            logdet_inv = np.log(fit.XtWX_inv[:, 0, 0])
        else:
            _, logdet_inv = np.linalg.slogdet(fit.XtWX_inv)
        ll = ll + 0.5 * batch.p * np.log(2 * np.pi) + 0.5 * logdet_inv
    return ll
