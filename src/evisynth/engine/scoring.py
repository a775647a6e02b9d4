"""Fisher scoring for ML, REML and EB tau², one loop for every engine path.

The general engine (:mod:`evisynth.engine.tau2`, any design ``X``, masks) and the
intercept-only fast path (:mod:`evisynth.engine.intercept`, study-major sums)
differ only in how they compute the scoring step at given tau² values; the
iteration around it is :func:`fisher_scoring`, here once. A path hands it a
:class:`ScoringModel`: the step for its current members, the (restricted)
log-likelihood, and how to restrict itself to a subset of members. The step
formulas themselves (Viechtbauer 2005, eqs. 8 and 11; metafor's EB step) are
:func:`ml_step`, :func:`reml_step` and :func:`eb_step`, fed by each path with its
own sums; :func:`hedges` is the starting value.

Convergence criterion: a member has converged when the Fisher-scoring step
computed *at the current iterate* (score over information, so a statement about
the score at the reported value) is below ``tol · (tau² + v_min)``, where
``v_min`` is the smallest sampling variance of the member's studies; or when the
bracket of the root has shrunk below that width. A step that would go below 0
moves to 0, where a score pointing below 0 ends the iteration with ``tau2 = 0``
exactly (maximum on the boundary).

References
----------
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators
in the random-effects model. J Educ Behav Stat 30:261-293.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from evisynth.engine._batch import Array

SCORING = ("ML", "REML", "EB")


class ScoringModel(Protocol):
    """What :func:`fisher_scoring` needs from an engine path, for its ``n`` members."""

    def step(self, tau2: Array) -> Array:
        """Fisher-scoring adjustment (score over information) at ``tau2`` ``(n,)``."""

    def loglik(self, tau2: Array, reml: bool) -> Array:
        """(Restricted) log-likelihood at ``tau2`` ``(n,)``."""

    def take(self, idx: NDArray[np.intp]) -> ScoringModel:
        """The same model restricted to members ``idx``."""


def ml_step(yPPy: Array, sum_w: Array, sum_w2: Array) -> Array:
    """ML scoring step ``(y'PPy - Σw) / Σw²`` (Viechtbauer 2005, eq. 8)."""
    return (yPPy - sum_w) / sum_w2


def reml_step(yPPy: Array, trace_P: Array, trace_PP: Array) -> Array:
    """REML scoring step ``(y'PPy - tr P) / tr PP`` (Viechtbauer 2005, eq. 11)."""
    return (yPPy - trace_P) / trace_PP


def eb_step(yPy: Array, k: Array | int, p: int, sum_w: Array) -> Array:
    """Empirical Bayes step ``(k/(k-p) y'Py - k) / Σw`` (Morris 1983; metafor)."""
    return (yPy * k / (k - p) - k) / sum_w


def hedges(rss: Array, trace_PV: Array, k: Array | int, p: int) -> Array:
    """Untruncated Hedges estimate ``(RSS_ols - tr(P_ols V)) / (k - p)``, the start of scoring."""
    return (rss - trace_PV) / (k - p)


def fisher_scoring(
    model: ScoringModel,
    method: str,
    tau2_init: Array,
    vmin: Array,
    tol: float,
    maxiter: int,
) -> tuple[Array, NDArray[np.bool_], NDArray[np.int64]]:
    """Fisher scoring of every member, safeguarded by a bracket of the score's root.

    The sign of each scoring step is the sign of the score, so every iterate
    tells on which side of the root it lies. A step that leaves the bracket
    ``[lo, hi]`` built this way, or one that is not at least half the one before
    it inside a finite bracket (oscillation), is replaced by bisection. Where
    metafor's plain iteration converges this gives the same root; where it
    oscillates (metafor stops with an error) this still converges. Then a
    member that converged just above 0 while the score at 0 points below 0 is
    put on the boundary, and for ML and REML a member whose likelihood at 0 is
    higher gets 0 (metafor's rule when scoring stalls at a local maximum).

    Members leave the working arrays once the finished ones make up an eighth
    of them; until then finished members are carried along and their later
    iterates discarded (every operation is elementwise across members, so the
    result does not depend on the batch).

    Parameters
    ----------
    model
        The path's step, log-likelihood and subsetting (:class:`ScoringModel`).
    method
        ``"ML"``, ``"REML"`` or ``"EB"`` (which checks to run after the loop).
    tau2_init
        Starting values ``(n,)``; negative or non-finite ones start at 0.
    vmin
        Smallest sampling variance of each member ``(n,)``.
    tol, maxiter
        Convergence threshold (module docstring) and iteration limit.

    Returns
    -------
    (tau2, converged, iterations)
        Arrays of shape ``(n,)``.

    References
    ----------
    Viechtbauer W (2005). J Educ Behav Stat 30:261-293.

    Examples
    --------
    A model whose score vanishes at tau² = 0.5 (step ``0.5 - tau²``):

    >>> import numpy as np
    >>> class Toy:
    ...     def __init__(self, n): self.n = n
    ...     def step(self, t): return 0.5 - t
    ...     def loglik(self, t, reml): return -(t - 0.5) ** 2
    ...     def take(self, idx): return Toy(idx.size)
    >>> t, ok, it = fisher_scoring(Toy(1), "REML", np.zeros(1), np.ones(1), 1e-10, 100)
    >>> float(t[0]), bool(ok[0]), int(it[0])
    (0.5, True, 2)
    """
    with np.errstate(invalid="ignore"):
        tau2 = np.maximum(tau2_init, 0.0)
    tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
    n = tau2.size
    out = tau2.copy()
    iterations = np.zeros(n, dtype=np.int64)
    converged = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    alive = np.ones(n, dtype=bool)
    work = model
    cur = tau2
    vm = vmin
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    prev = np.full(n, np.inf)
    n_dead = 0
    inf = np.inf
    for it in range(1, maxiter + 1):
        if idx.size == 0:
            break
        with np.errstate(all="ignore"):
            adj = work.step(cur)
        failed = ~np.isfinite(adj)
        if failed.any():
            adj[failed] = 0.0
        pos = adj > 0
        np.maximum(lo, cur, out=lo, where=pos)
        np.minimum(hi, cur, out=hi, where=adj < 0)
        thr = tol * (cur + vm)
        cand = cur + adj
        aadj = np.abs(adj)
        newton_done = aadj < thr
        # Members whose scoring step is not simply taken: below/at the lower or above
        # the upper end of the bracket, or slow (a finite prev implies a bracket).
        # The bracket logic runs on them only.
        special = np.flatnonzero((cand <= lo) | (cand > hi) | (aadj > 0.5 * prev))
        nxt = cand
        if special.size:
            c, lo_s, hi_s, cur_s = cand[special], lo[special], hi[special], cur[special]
            br = hi_s < inf
            below = c < lo_s
            lo_pos = lo_s > 0
            # Below the lower bracket end: 0 itself is the next candidate if the
            # bracket reaches down to 0, otherwise bisect.
            to_zero = below & ~lo_pos
            outside = (below & lo_pos) | (c > hi_s) | ((c == lo_s) & (adj[special] < 0) & lo_pos)
            outside |= br & (aadj[special] > 0.5 * prev[special]) & ~to_zero
            mid = 0.5 * (lo_s + np.where(br, hi_s, cur_s))
            nxt = cand.copy()
            nxt[special] = np.where(outside, mid, np.where(to_zero, 0.0, c))
        done = newton_done | ((hi - lo) < thr)
        # A converged Newton step is taken when it stays inside the bracket.
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
                cur, lo, hi, prev, vm = cur[keep], lo[keep], hi[keep], prev[keep], vm[keep]
                work = work.take(np.flatnonzero(keep))
                alive = np.ones(idx.size, dtype=bool)
                n_dead = 0
    if idx.size:
        rest = idx[alive]
        out[rest] = cur[alive]
        iterations[rest] = maxiter
    # Boundary snap: converged just above 0 with the score at 0 pointing below 0.
    near0 = np.flatnonzero(converged & (out > 0) & (out < 100.0 * tol * vmin))
    if near0.size:
        score0 = model.take(near0).step(np.zeros(near0.size))
        out[near0] = np.where(score0 <= 0.0, 0.0, out[near0])
    if method in ("ML", "REML"):
        reml = method == "REML"
        cand_ll = np.flatnonzero(out > tol * vmin)
        if cand_ll.size:
            sub = model.take(cand_ll)
            ll0 = sub.loglik(np.zeros(cand_ll.size), reml)
            ll = sub.loglik(out[cand_ll], reml)
            out[cand_ll] = np.where(ll0 - ll > 1e-8, 0.0, out[cand_ll])
    return out, converged, iterations
