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
The estimators are those of :mod:`evisynth.engine.tau2` and the tests are the
functions of :mod:`evisynth.engine.fit` (Knapp–Hartung factor, Wald statistic,
critical value, p-value): ML, REML and EB run the one scoring loop of the
engine, :func:`evisynth.engine.scoring.fisher_scoring` (start, safeguards,
convergence rule, boundary, snap and log-likelihood check), with the step
formulas of :mod:`evisynth.engine.scoring` fed by the closed-form sums above
(``tr(P)`` from exclusive sums where the textbook formula cancels); the power-of-2
rescaling is :func:`evisynth.engine._batch.power2_scale`; the other estimators
are :func:`evisynth.engine.estimate_tau2` itself. Results agree with
:func:`evisynth.engine.fit_batch` to rounding (tested); they are identical
whatever the batch size, because every operation is elementwise across batch
members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evisynth.engine._batch import Array, _exclusive_sum, make_batch, power2_scale
from evisynth.engine.fit import critical_value, knha_scale, p_value, wald_stat
from evisynth.engine.scoring import SCORING, eb_step, fisher_scoring, hedges, ml_step, reml_step
from evisynth.engine.tau2 import METHODS, estimate_tau2

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


_SQRT_EPS = float(np.sqrt(_EPS))


def _traces_exact(w: Array) -> tuple[Array, Array]:
    """``tr(P)``, ``tr(PP)`` without cancellation (as ``engine._batch._trace_p1``)."""
    S = _rsum(w)
    e = _exclusive_sum(w, axis=0)
    w2 = w * w
    f = _exclusive_sum(w2, axis=0)
    return _rsum(w * e) / S, (_rsum(w2 * e * e) + _rsum(w2 * f)) / (S * S)


def _step(method: str, Y: Array, V: Array, t: Array, W: Array, T: Array, U: Array) -> Array:
    """Fisher-scoring adjustment at ``t`` from the closed-form sums (module docstring).

    The ``(k, n)`` temporaries are written into the buffers ``W``, ``T``, ``U``.
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
        np.multiply(W, T, out=U)
        np.multiply(U, T, out=U)
        return eb_step(_rsum(U), Y.shape[0], 1, s1)
    np.multiply(W, T, out=T)
    np.multiply(T, T, out=T)
    yppy = _rsum(T)
    np.multiply(W, W, out=T)
    s2 = _rsum(T)
    if method == "ML":
        return ml_step(yppy, s1, s2)
    np.multiply(T, W, out=T)
    s3 = _rsum(T)
    q = s2 / s1
    trp = s1 - q
    trpp = s2 - 2.0 * s3 / s1 + q * q
    bad = ~(trp > _SQRT_EPS * s1) | ~(trpp > _SQRT_EPS * s2)
    if bad.any():
        trp[bad], trpp[bad] = _traces_exact(W[:, bad])
    return reml_step(yppy, trp, trpp)


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
    return hedges(_rsum(r * r), sv - sv / k, k, 1)


class _InterceptModel:
    """The fast path's side of :func:`evisynth.engine.scoring.fisher_scoring`.

    ``Y``, ``V`` are ``(k, n)``; the three ``(k, N)`` buffers (``N >= n``) are
    shared by every subset, whose steps use their first ``n`` columns.
    """

    def __init__(self, method: str, Y: Array, V: Array,
                 buffers: tuple[Array, Array, Array] | None = None) -> None:
        self.method, self.Y, self.V = method, Y, V
        self.buffers = buffers if buffers is not None else (
            np.empty_like(Y), np.empty_like(Y), np.empty_like(Y))

    def step(self, tau2: Array) -> Array:
        m = self.Y.shape[1]
        W, T, U = (b[:, :m] for b in self.buffers)
        return _step(self.method, self.Y, self.V, tau2, W, T, U)

    def loglik(self, tau2: Array, reml: bool) -> Array:
        return _loglik(self.Y, self.V, tau2, reml)

    def take(self, idx: NDArray[np.intp]) -> _InterceptModel:
        return _InterceptModel(self.method, self.Y[:, idx], self.V[:, idx], self.buffers)


def _scoring(
    method: str, Y: Array, V: Array, tol: float, maxiter: int
) -> tuple[Array, NDArray[np.bool_], NDArray[np.int64]]:
    """ML, REML or EB tau² of all members of study-major ``Y``, ``V`` ``(k, n)``.

    :func:`evisynth.engine.scoring.fisher_scoring` (the loop of the general engine
    too) from the Hedges estimate, with this module's closed-form steps.
    """
    with np.errstate(all="ignore"):
        start = _hedges(Y, V)
    return fisher_scoring(_InterceptModel(method, Y, V), method, start, V.min(axis=0), tol,
                          maxiter)


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
    sc: Array | float = 1.0
    s2: Array | float = 1.0
    scale = power2_scale(V.min(axis=0))
    if scale is not None:
        sc, s2 = scale
        Y = Y / sc
        V = V / s2
    if method in SCORING:
        t2, converged, iterations = _scoring(method, Y, V, tol, maxiter)
    else:
        est = estimate_tau2(make_batch(Y.T, V.T), method, tol=tol, maxiter=maxiter)
        t2, converged, iterations = est.tau2, est.converged, est.iterations
    w, s1, beta, r = _sums(Y, V, t2)
    vb = 1.0 / s1
    df = float(k - 1)
    if test in ("knha", "adhoc"):
        vb = vb * knha_scale(_rsum(w * r * r), df, test)
    se = np.sqrt(vb)
    crit = float(critical_value(test, level, df))
    pval = p_value(test, wald_stat(beta, se), df) if with_pval else None
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
