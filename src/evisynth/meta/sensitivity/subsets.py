"""Batched refits of one model on subsets of its studies, shared by the sensitivity analyses.

:func:`fit_subsets` refits a model on many masks of studies in one engine call
(metafor's ``rma.uni`` rules for subsets, NaN with the reason where a subset
cannot be fitted); :func:`loo_fits` gives the ``k`` leave-one-out refits of a
fit once (a closed form for intercept-only models, chunked refits otherwise)
for :func:`~evisynth.meta.sensitivity.leave_one_out` and
:func:`~evisynth.meta.sensitivity.influence` to share.
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import special

from evisynth._validation import FloatArray
from evisynth.engine import fit_batch, make_batch
from evisynth.engine.fit import critical_value, knha_scale, p_value, wald_stat
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta.metareg import INTERCEPT, MetaRegResult
from evisynth.meta.results import RMAResult

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class SubsetFits:
    """Refits of one model on ``B`` subsets of its studies (NaN where a refit failed).

    Shapes ``(B,)`` unless stated; ``p`` coefficients. ``failed`` holds, per
    subset, an empty string or the reason why it could not be fitted.
    """

    beta: FloatArray  # (B, p)
    vb: FloatArray  # (B, p, p)
    se: FloatArray  # (B, p)
    stat: FloatArray  # (B, p)
    pval: FloatArray  # (B, p)
    ci_lb: FloatArray  # (B, p)
    ci_ub: FloatArray  # (B, p)
    pi_lb: FloatArray
    pi_ub: FloatArray
    tau2: FloatArray
    QE: FloatArray
    QE_pval: FloatArray
    I2: FloatArray
    H2: FloatArray
    s2w: FloatArray
    ddf: FloatArray
    vt: FloatArray
    k: np.ndarray
    weights: FloatArray  # (B, k)
    converged: np.ndarray
    iterations: np.ndarray
    failed: tuple[str, ...]

    @property
    def ok(self) -> np.ndarray:
        return np.array([not f for f in self.failed], dtype=bool)


_FIELDS = ("beta", "vb", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2",
           "QE", "QE_pval", "I2", "H2", "s2w", "ddf", "vt", "weights")


def fit_subsets(
    yi: FloatArray,
    vi: FloatArray,
    X: FloatArray,
    masks: np.ndarray,
    method: str,
    test: str,
    level: float,
    *,
    tol: float = 1e-10,
    maxiter: int = 1000,
    tau2_init: float | None = None,
) -> SubsetFits:
    """Refit the model ``yi ~ X`` on every subset ``masks[b]`` (one engine call per kind).

    Parameters
    ----------
    yi, vi
        Effect sizes and sampling variances, ``(k,)``.
    X
        Design ``(k, p)``.
    masks
        Boolean ``(B, k)``: studies included in each subset.
    method, test, level
        As in :func:`evisynth.rma`.
    tau2_init
        Warm start of Fisher scoring for every subset (e.g. the full-data
        tau²); default the Hedges estimate of each subset.

    Returns
    -------
    SubsetFits
        One row per subset; rows that cannot be fitted are NaN with a reason.
    """
    masks = np.asarray(masks, dtype=bool)
    B, k = masks.shape
    p = X.shape[1]
    kb = masks.sum(axis=1)
    int_only = p == 1 and bool(np.all(X[:, 0] == 1.0))
    failed = [""] * B
    single = int_only & (kb == 1)
    need = p if method == "FE" else p + 1
    regular = ~single & (kb >= need) & ((kb > p) | (test == "z"))
    for b in np.flatnonzero(~single & ~regular):
        failed[b] = (
            f"{kb[b]} studies are too few for {p} coefficient(s)"
            + ("" if method == "FE" else " and tau²")
            + ("" if test == "z" else f" with test={test!r}")
        )
    if p > 1 and regular.any():
        idx = np.flatnonzero(regular)
        Xm = np.where(masks[idx][:, :, None], X[None, :, :], 0.0)
        Xm = Xm / np.maximum(np.abs(X).max(axis=0), 1e-300)
        rank = np.linalg.matrix_rank(Xm)
        for b in idx[rank < p]:
            failed[b] = "the design loses rank without the omitted studies"
            regular[b] = False

    out: dict[str, np.ndarray] = {
        "beta": np.full((B, p), np.nan), "vb": np.full((B, p, p), np.nan),
        "se": np.full((B, p), np.nan), "stat": np.full((B, p), np.nan),
        "pval": np.full((B, p), np.nan), "ci_lb": np.full((B, p), np.nan),
        "ci_ub": np.full((B, p), np.nan), "weights": np.full((B, k), np.nan),
    }
    for name in ("pi_lb", "pi_ub", "tau2", "QE", "QE_pval", "I2", "H2", "s2w", "ddf", "vt"):
        out[name] = np.full(B, np.nan)
    converged = np.zeros(B, dtype=bool)
    iterations = np.zeros(B, dtype=np.int64)

    def put(idx: np.ndarray, tst: str, tau2: FloatArray | None) -> None:
        batch = make_batch(yi, vi, X, masks[idx])
        init = None if tau2_init is None or tau2 is not None else np.full(idx.size, tau2_init)
        f = fit_batch(
            batch, method, tst, level, tau2=tau2, tol=tol, maxiter=maxiter, tau2_init=init
        )
        for name in _FIELDS:
            out[name][idx] = getattr(f, name)
        converged[idx] = f.converged
        iterations[idx] = f.iterations

    if regular.any():
        put(np.flatnonzero(regular), test, None)
    if single.any():
        idx = np.flatnonzero(single)
        put(idx, "z", np.zeros(idx.size))
    for b in np.flatnonzero((single | regular) & ~converged):
        failed[b] = f"the {method} estimator did not converge in {maxiter} iterations"
    bad = np.array([bool(f) for f in failed])
    for name in _FIELDS:
        out[name][bad] = np.nan
    return SubsetFits(
        **out, k=kb, converged=converged, iterations=iterations, failed=tuple(failed)
    )


#: Leave-one-out refits are done in chunks of rows holding at most this many
#: ``(row, study)`` entries, so that k = 10,000 never needs a k x k batch in memory.
_CHUNK_ENTRIES = 1 << 20

#: The leave-one-out refits of the last few fits, shared by leave_one_out() and
#: influence(): id(fit) -> (weak reference to the fit, control key, refits).
_LOO_CACHE: dict[int, tuple[Any, tuple[Any, ...], SubsetFits]] = {}


def loo_fits(fit: Any, X: FloatArray, tol: float, maxiter: int) -> SubsetFits:
    """The ``k`` leave-one-out refits of ``fit``, computed once per fit and shared.

    :func:`leave_one_out` and :func:`influence` of the same result object reuse
    one set of refits (the fit is immutable; it is held by a weak reference).
    The refits are done in chunks of rows (:data:`_CHUNK_ENTRIES`), each one
    batched engine call, with Fisher scoring started at the full fit's tau² (a
    warm start: one omitted study moves tau² little); the ``(B, k)`` per-refit
    weights are not kept.
    """
    key = (fit.method, fit.test, fit.level, tol, maxiter, X.shape)
    hit = _LOO_CACHE.get(id(fit))
    if hit is not None and hit[0]() is fit and hit[1] == key:
        return hit[2]
    y, v = fit.yi, fit.vi
    k = len(y)
    int_only = X.shape[1] == 1 and bool(np.all(X[:, 0] == 1.0))
    if int_only and fit.method in _LOO_FAST and k >= 3:
        closed = _loo_closed(y, v, fit.method, fit.test, fit.level, tol=tol, maxiter=maxiter)
        if closed is not None:
            _remember(fit, key, closed)
            return closed
    step = max(1, _CHUNK_ENTRIES // max(k, 1))
    parts = []
    for a in range(0, k, step):
        b = min(k, a + step)
        masks = np.ones((b - a, k), dtype=bool)
        masks[np.arange(b - a), np.arange(a, b)] = False
        part = fit_subsets(y, v, X, masks, fit.method, fit.test, fit.level, tol=tol,
                           maxiter=maxiter, tau2_init=float(fit.tau2))
        if k > step:  # several chunks: drop the (rows, k) weights at once
            part = replace(part, weights=np.empty((b - a, 0)))
        parts.append(part)
    if len(parts) == 1:
        fits = parts[0]
    else:
        cat = {n: np.concatenate([getattr(q, n) for q in parts]) for n in _FIELDS if n != "weights"}
        fits = SubsetFits(
            **cat,
            weights=np.empty((k, 0)),
            k=np.concatenate([q.k for q in parts]),
            converged=np.concatenate([q.converged for q in parts]),
            iterations=np.concatenate([q.iterations for q in parts]),
            failed=tuple(f for q in parts for f in q.failed),
        )
    _remember(fit, key, fits)
    return fits


def _remember(fit: Any, key: tuple[Any, ...], fits: SubsetFits) -> None:
    for i in [i for i, (ref, _, _) in _LOO_CACHE.items() if ref() is None]:
        del _LOO_CACHE[i]
    while len(_LOO_CACHE) >= 8:
        del _LOO_CACHE[next(iter(_LOO_CACHE))]
    _LOO_CACHE[id(fit)] = (weakref.ref(fit), key, fits)


#: Estimators with a dedicated intercept-only leave-one-out path.
_LOO_FAST = ("FE", "DL", "ML", "REML", "EB")
#: The study-major scoring of engine.intercept sums over studies with one vector
#: addition per study, so it pays off while chunks still hold a few hundred rows;
#: beyond this k (ML/REML/EB) the general chunked refits are faster.
_LOO_SCORING_MAX_K = 4096


def _loo_closed(
    y: FloatArray, v: FloatArray, method: str, test: str, level: float,
    *, tol: float = 1e-10, maxiter: int = 1000,
) -> SubsetFits | None:
    """Leave-one-out refits of an intercept-only model from O(k) updates where they exist.

    With FE weights ``w = 1/v``, full-data mean ``mu`` and residuals
    ``r = y - mu`` (so ``sum w r = 0``), omitting study ``i`` gives
    ``S1(-i) = sum_{j != i} w_j``, ``mu(-i) = mu - w_i r_i / S1(-i)``,
    ``Q(-i) = sum_{j != i} w_j r_j² - (w_i r_i)² / S1(-i)`` and
    ``tr P(-i) = S1(-i) - S2(-i) / S1(-i)`` (exclusive sums, no subtraction of
    totals), hence the DL ``tau²(-i)``, ``vt``, ``I²``, ``H²``. The random-effects
    estimate of a row with ``tau²(-i) > 0`` needs its own weights
    ``1/(v_j + tau²(-i))``: one pass over the studies per row, in chunks of rows.
    ML, REML and EB (``k <= 4096``): tau²(-i) by the study-major Fisher scoring
    of :mod:`evisynth.engine.intercept` (the same algorithm and convergence rule
    as the general engine) on the ``(k - 1, rows)`` reduced data sets, in chunks.
    Returns None (use the general refits) where one study carries more than
    99.9% of a subset's weight, where ``tr P(-i)`` would cancel.
    """
    from evisynth.engine._batch import _exclusive_sum, power2_scale

    k = len(y)
    scale = power2_scale(np.asarray([v.min()]))
    sc, s2 = (1.0, 1.0) if scale is None else (float(scale[0][0]), float(scale[1][0]))
    y, v = y / sc, v / s2
    w = 1.0 / v
    S1 = w.sum()
    mu = float(w @ y) / S1
    r = y - mu
    S1i = _exclusive_sum(w[None, :])[0]
    wmax = np.sort(w)[-2:]
    big = np.where(w == wmax[-1], wmax[0], wmax[-1])  # largest weight without study i
    if np.any(big > (1.0 - 1e-3) * S1i):
        return None
    S2i = _exclusive_sum((w * w)[None, :])[0]
    wr = w * r
    Qi = np.maximum(_exclusive_sum((wr * r)[None, :])[0] - wr * wr / S1i, 0.0)
    df = float(k - 2)
    trp = S1i - S2i / S1i
    step = max(1, _CHUNK_ENTRIES // k)
    converged = np.ones(k, dtype=bool)
    iterations = np.zeros(k, dtype=np.int64)
    if method == "DL":
        t2 = np.maximum((Qi - df) / trp, 0.0)
    elif method == "FE":
        t2 = np.zeros(k)
    elif k > _LOO_SCORING_MAX_K:
        return None
    else:
        from evisynth.engine.intercept import _scoring

        t2 = np.empty(k)
        j = np.arange(k - 1)[:, None]
        for a in range(0, k, step):
            rows = np.arange(a, min(k, a + step))
            idx = j + (j >= rows[None, :])  # (k - 1, rows): study j of the set without row i
            t2[rows], converged[rows], iterations[rows] = _scoring(
                method, y[idx], v[idx], tol, maxiter
            )
    beta = mu - wr / S1i
    SW = S1i.copy()
    rss = _exclusive_sum((wr * r)[None, :])[0] - wr * wr / S1i if test in ("knha", "adhoc") \
        else None
    re = np.flatnonzero(t2 > 0)
    for a in range(0, re.size, step):
        rows = re[a : a + step]
        W = 1.0 / (v[None, :] + t2[rows, None])
        W[np.arange(rows.size), rows] = 0.0
        SW[rows] = W.sum(axis=1)
        c = (W @ r) / SW[rows]
        beta[rows] = mu + c
        if rss is not None:
            R = r[None, :] - c[:, None]
            rss[rows] = np.einsum("bk,bk->b", W * R, R)
    vb = 1.0 / SW
    s2w = np.ones(k) if rss is None else knha_scale(rss, df, test)
    vb = vb * s2w
    se = np.sqrt(vb)
    stat = wald_stat(beta, se)
    ddf = np.full(k, np.nan if test == "z" else df)
    crit = np.broadcast_to(critical_value(test, level, ddf), (k,))
    pval = p_value(test, stat, ddf)
    vt = df / trp
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "FE":
            I2 = np.where(Qi > 0, np.maximum(0.0, 100.0 * (Qi - df) / Qi), 0.0)
            H2 = Qi / df
        else:
            I2 = 100.0 * t2 / (vt + t2)
            H2 = t2 / vt + 1.0
    pi_half = crit * np.sqrt(se * se + t2)

    def col(a: FloatArray) -> FloatArray:
        return (a * sc)[:, None]

    out: dict[str, Any] = dict(
        beta=col(beta), vb=(vb * s2)[:, None, None], se=col(se), stat=stat[:, None],
        pval=pval[:, None], ci_lb=col(beta - crit * se), ci_ub=col(beta + crit * se),
        pi_lb=(beta - pi_half) * sc, pi_ub=(beta + pi_half) * sc, tau2=t2 * s2, QE=Qi,
        QE_pval=special.chdtrc(df, Qi), I2=I2, H2=H2, s2w=s2w, ddf=ddf, vt=vt * s2,
    )
    failed = tuple(
        "" if c else f"the {method} estimator did not converge in {maxiter} iterations"
        for c in converged
    )
    if not converged.all():
        for name in out:
            out[name] = np.where(
                converged.reshape((k,) + (1,) * (out[name].ndim - 1)), out[name], np.nan
            )
    return SubsetFits(
        **out, k=np.full(k, k - 1), weights=np.empty((k, 0)), converged=converged,
        iterations=iterations, failed=failed,
    )


def _warn_failed(fits: SubsetFits, what: Sequence[str], analysis: str) -> None:
    bad = [f"{what[b]}: {fits.failed[b]}" for b in range(len(what)) if fits.failed[b]]
    if bad:
        warnings.warn(
            f"{analysis}: {len(bad)} refit(s) could not be computed and are NaN ("
            + "; ".join(bad)
            + ")",
            EvisynthWarning,
            stacklevel=3,
        )


def _labels(labels: Sequence[str] | None, k: int) -> tuple[str, ...]:
    return tuple(labels) if labels is not None else tuple(str(i + 1) for i in range(k))


def _model(fit: Any) -> tuple[FloatArray, tuple[str, ...], int, float]:
    """``(X, names, maxiter, tol)`` of a fitted model."""
    if isinstance(fit, MetaRegResult):
        return fit.X, fit.coef_names, fit.maxiter, fit.tol
    if isinstance(fit, RMAResult):
        return np.ones((fit.k, 1)), (INTERCEPT,), 1000, 1e-10
    raise InputError(
        f"argument 'fit': expected a result of evisynth.rma, got {type(fit).__name__}",
        where="fit",
    )


def _none_for_nan(a: np.ndarray) -> list[Any]:
    return [None if isinstance(x, float) and math.isnan(x) else x for x in a.tolist()]

