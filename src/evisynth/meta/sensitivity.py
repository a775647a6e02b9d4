"""Sensitivity analyses: leave-one-out, cumulative meta-analysis, influence diagnostics.

Each analysis is a batch of refits of the same model on subsets of the
studies, done in *one* engine call (``B`` = number of subsets, one mask per
row; see DESIGN.md), never a Python loop over refits.

Subset fits follow metafor's ``rma.uni`` rules: a subset with a single study
in an intercept-only model is fitted with ``tau² = 0`` and the z test (metafor
sets ``test="z"`` for ``k = 1``); a subset that cannot be fitted (fewer
studies than the model needs, a design that loses rank when a study is
removed, or an estimator that does not converge) gets NaN in its row and a
warning naming the studies concerned, where metafor silently gives ``NA``.

Influence diagnostics (Viechtbauer & Cheung 2010; metafor
``influence.rma.uni``), with ``(-i)`` marking the fit without study ``i``:

* ``rstudent``: ``(y_i - x_i b(-i)) / sqrt(s2w(-i) (v_i + tau²(-i)) + x_i V(-i) x_i')``,
  the externally standardised (deleted) residual;
* ``dffits``: ``(x_i b - x_i b(-i)) / sqrt(s2w(-i) h_i (tau²(-i) + v_i))``;
* ``cook_d``: ``(b - b(-i))' V^{-1} (b - b(-i))``;
* ``cov_r``: ``det V(-i) / det V``;
* ``dfbs_j``: ``(b_j - b_j(-i)) / sqrt(s2w(-i) [(X'W(-i)X)^{-1}]_jj)`` where
  ``W(-i) = diag(1/(v + tau²(-i)))`` over *all* k studies;
* ``hat``: diagonal of ``X (X'WX)^{-1} X'W``; ``weight``: ``100 w_i / Σ w``.

``V`` is the covariance of the coefficients (Knapp–Hartung scaled where the
test is ``knha``/``adhoc``); ``s2w`` the Knapp–Hartung scale (1 otherwise). A
study is flagged influential (``inf``) when any of ``|dffits| > 3 sqrt(p/(k-p))``,
``P(chi²_p <= cook_d) > 0.5``, ``hat > 3 p / k`` or ``|dfbs_j| > 1`` holds
(metafor's rule).
"""

from __future__ import annotations

import html
import math
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import special

from evisynth._validation import FloatArray, study_name
from evisynth.engine import fit_batch, make_batch
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta.metareg import INTERCEPT, MetaRegResult
from evisynth.meta.results import RMAResult, _fmt_p

_EPS = np.finfo(np.float64).eps


# ------------------------------------------------------------ subset fitting --
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
    from evisynth.engine._batch import _exclusive_sum

    k = len(y)
    vmin = float(v.min())
    sc = math.ldexp(1.0, round(math.log2(vmin) / 2.0))
    s2 = sc * sc
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
    if rss is not None:
        s2w = np.where(rss <= _EPS, 0.0, rss / df)
        if test == "adhoc":
            s2w = np.maximum(s2w, 1.0)
        vb = vb * s2w
    else:
        s2w = np.ones(k)
    se = np.sqrt(vb)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, beta / se, np.where(beta == 0, 0.0, np.sign(beta) * np.inf))
    alpha = 1.0 - level / 100.0
    if test == "z":
        ddf = np.full(k, np.nan)
        crit = np.full(k, -special.ndtri(alpha / 2))
        pval = 2.0 * special.ndtr(-np.abs(stat))
    else:
        ddf = np.full(k, df)
        crit = special.stdtrit(ddf, 1.0 - alpha / 2)
        pval = 2.0 * special.stdtr(ddf, -np.abs(stat))
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


# ------------------------------------------------------ leave-one-out/cumulative --
@dataclass(frozen=True)
class _SeriesResult:
    """One pooled result per row (per omitted or per added study)."""

    labels: tuple[str, ...]
    estimate: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    Q: FloatArray
    Q_pval: FloatArray
    tau2: FloatArray
    I2: FloatArray
    H2: FloatArray
    k: np.ndarray
    method: str
    test: str
    level: float
    measure: str = "GEN"
    failed: tuple[str, ...] = field(default=(), repr=False)

    COLUMNS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2")
    _ROW_NAME = "study"
    _TITLE = ""

    @property
    def stat_name(self) -> str:
        return "zval" if self.test == "z" else "tval"

    def to_frame(self) -> Any:
        """One row per omitted/added study, indexed by its label."""
        import pandas as pd

        return pd.DataFrame(
            {c: getattr(self, c) for c in self.COLUMNS},
            index=pd.Index(list(self.labels), name=self._ROW_NAME),
        )

    def to_dict(self) -> dict[str, Any]:
        """Columns as lists (NaN of a failed refit as ``None``), plus the study labels."""
        out: dict[str, Any] = {self._ROW_NAME: list(self.labels)}
        for c in self.COLUMNS:
            out[c] = _none_for_nan(np.asarray(getattr(self, c), dtype=np.float64))
        return out

    def summary(self) -> str:
        """Text table laid out like metafor's print of ``leave1out``/``cumul``."""
        w = max(len(s) for s in self.labels)
        stat = self.stat_name
        head = (
            f"{'':{w}s} {'estimate':>9s} {'se':>7s} {stat:>8s} {'pval':>7s} {'ci.lb':>8s} "
            f"{'ci.ub':>8s} {'Q':>9s} {'Qp':>7s} {'tau2':>7s} {'I2':>6s} {'H2':>6s}"
        )
        lines = [self._TITLE, "", head]
        for i, lab in enumerate(self.labels):
            if np.isnan(self.estimate[i]):
                lines.append(f"{lab:{w}s} (not computed: {self.failed[i]})")
                continue
            lines.append(
                f"{lab:{w}s} {self.estimate[i]:9.4f} {self.se[i]:7.4f} {self.stat[i]:8.4f} "
                f"{_fmt_p(self.pval[i]):>7s} {self.ci_lb[i]:8.4f} {self.ci_ub[i]:8.4f} "
                f"{self.Q[i]:9.4f} {_fmt_p(self.Q_pval[i]):>7s} {self.tau2[i]:7.4f} "
                f"{self.I2[i]:6.2f} {self.H2[i]:6.4f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        return (
            f"<div><strong>{html.escape(self._TITLE)}</strong>"
            f"{frame.to_html(float_format=lambda x: f'{x:.4g}')}</div>"
        )


@dataclass(frozen=True)
class LeaveOneOutResult(_SeriesResult):
    """Result of :func:`leave_one_out`: row ``i`` is the model fitted without study ``i``."""

    _ROW_NAME = "omitted"
    _TITLE = "Leave-one-out analysis (each row: the study omitted)"


@dataclass(frozen=True)
class CumulativeResult(_SeriesResult):
    """Result of :func:`cumulative`: row ``i`` pools the first ``i + 1`` studies in ``order``.

    ``order`` holds the 0-based positions of the studies in the original data,
    in the order in which they were added.
    """

    order: tuple[int, ...] = ()

    _ROW_NAME = "added"
    _TITLE = "Cumulative meta-analysis (each row: the study added)"


def _series(fits: SubsetFits, labels: tuple[str, ...], fit: RMAResult) -> dict[str, Any]:
    return {
        "labels": labels,
        "estimate": fits.beta[:, 0],
        "se": fits.se[:, 0],
        "stat": fits.stat[:, 0],
        "pval": fits.pval[:, 0],
        "ci_lb": fits.ci_lb[:, 0],
        "ci_ub": fits.ci_ub[:, 0],
        "Q": fits.QE,
        "Q_pval": fits.QE_pval,
        "tau2": fits.tau2,
        "I2": fits.I2,
        "H2": fits.H2,
        "k": fits.k,
        "method": fit.method,
        "test": fit.test,
        "level": fit.level,
        "measure": fit.measure,
        "failed": fits.failed,
    }


def _intercept_only(fit: Any, analysis: str) -> RMAResult:
    if isinstance(fit, MetaRegResult):
        raise InputError(
            f"{analysis}() applies to models without moderators (as metafor's); for a "
            "meta-regression use influence()",
            where="fit",
        )
    if not isinstance(fit, RMAResult):
        raise InputError(
            f"argument 'fit': expected a result of evisynth.rma, got {type(fit).__name__}",
            where="fit",
        )
    return fit


def leave_one_out(fit: RMAResult) -> LeaveOneOutResult:
    """Refit the model ``k`` times, each time without one study (one batched call).

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.

    Returns
    -------
    LeaveOneOutResult
        Columns ``estimate, se, pval, ci_lb, ci_ub, Q, Q_pval, tau2, I2, H2``,
        one row per omitted study (labelled); ``to_frame()``, ``to_dict()``,
        ``summary()``.

    Raises
    ------
    InputError
        For a meta-regression (metafor's ``leave1out`` has the same
        restriction) or ``k < 2``.

    References
    ----------
    Viechtbauer W (2010), J Stat Softw 36(3): metafor's ``leave1out``.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> loo = ev.leave_one_out(fit)
    >>> [round(x, 4) for x in loo.to_dict()["estimate"]]
    [-0.9789, -0.6533, -0.8436, -1.3567]
    """
    fit = _intercept_only(fit, "leave_one_out")
    if fit.k < 2:
        raise InputError("leave_one_out() needs at least 2 studies", where="fit")
    k = fit.k
    labels = _labels(fit.labels, k)
    X, _, maxiter, tol = _model(fit)
    fits = loo_fits(fit, X, tol, maxiter)
    _warn_failed(fits, [f"without {study_name(i, labels)}" for i in range(k)], "leave_one_out")
    return LeaveOneOutResult(**_series(fits, labels, fit))


def _sort_order(order: Any, k: int, decreasing: bool) -> np.ndarray:
    if order is None:
        return np.arange(k)[::-1] if decreasing else np.arange(k)
    keys = np.asarray(order.tolist() if hasattr(order, "tolist") else list(order))
    if keys.ndim != 1 or len(keys) != k:
        raise InputError(
            f"argument 'order': needs one sort key per study ({k}), got {keys.shape}",
            where="order",
        )
    if keys.dtype.kind in "fc" and not np.all(np.isfinite(keys)):
        i = int(np.flatnonzero(~np.isfinite(keys))[0])
        raise InputError(
            f"argument 'order', {study_name(i, None)}: sort key is {keys[i]!r}; give every "
            "study a finite key (e.g. its publication year)",
            where="order",
        )
    try:
        _, rank = np.unique(keys, return_inverse=True)
    except TypeError as exc:
        raise InputError(
            f"argument 'order': keys cannot be sorted ({exc})", where="order"
        ) from None
    # Stable, as R's order(): ties keep the original study order in both directions.
    return np.argsort(-rank if decreasing else rank, kind="stable")


def cumulative(fit: RMAResult, order: Any = None, *, decreasing: bool = False) -> CumulativeResult:
    """Cumulative meta-analysis: add the studies one at a time (one batched call).

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.
    order
        One sort key per study (e.g. publication year), as metafor's ``order``:
        studies are added by increasing key, ties in their original order.
        Default: the order of the data.
    decreasing
        Add studies by decreasing key.

    Returns
    -------
    CumulativeResult
        Columns ``estimate, se, pval, ci_lb, ci_ub, Q, Q_pval, tau2, I2, H2``,
        one row per added study (labelled). The first row is the single
        first study (tau² = 0, z test, as metafor).

    Raises
    ------
    InputError
        For a meta-regression, or sort keys of the wrong length or not finite.

    References
    ----------
    Lau J et al. (1992). Cumulative meta-analysis of therapeutic trials for
    myocardial infarction. N Engl J Med 327:248-254; metafor's ``cumul``.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> cu = ev.cumulative(fit, order=[1990, 1985, 2001, 1999])
    >>> cu.labels, bool(abs(cu.estimate[-1] - fit.estimate) < 1e-12)
    (('2', '1', '4', '3'), True)
    """
    fit = _intercept_only(fit, "cumulative")
    k = fit.k
    idx = _sort_order(order, k, decreasing)
    labels = _labels(fit.labels, k)
    masks = np.zeros((k, k), dtype=bool)
    for i in range(k):  # building masks, not refitting
        masks[i, idx[: i + 1]] = True
    fits = fit_subsets(fit.yi, fit.vi, np.ones((k, 1)), masks, fit.method, fit.test, fit.level)
    added = tuple(labels[j] for j in idx)
    _warn_failed(fits, [f"up to {a!r}" for a in added], "cumulative")
    return CumulativeResult(**_series(fits, added, fit), order=tuple(int(j) for j in idx))


# ---------------------------------------------------------------- influence --
@dataclass(frozen=True)
class InfluenceResult:
    """Result of :func:`influence`: case-deletion diagnostics, one row per study.

    ``dfbs`` has shape ``(k, p)`` (one column per coefficient, named
    ``dfbs_<coefficient>`` in the frame); ``inf`` flags influential studies by
    metafor's rule (see the module docstring).
    """

    labels: tuple[str, ...]
    coef_names: tuple[str, ...]
    rstudent: FloatArray
    dffits: FloatArray
    cook_d: FloatArray
    cov_r: FloatArray
    tau2_del: FloatArray
    QE_del: FloatArray
    hat: FloatArray
    weight: FloatArray
    inf: np.ndarray
    dfbs: FloatArray
    method: str
    test: str
    failed: tuple[str, ...] = field(default=(), repr=False)

    COLUMNS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")

    def _columns(self) -> dict[str, Any]:
        cols: dict[str, Any] = {c: getattr(self, c) for c in self.COLUMNS}
        cols["inf"] = self.inf
        for j, n in enumerate(self.coef_names):
            cols[f"dfbs_{n}"] = self.dfbs[:, j]
        return cols

    def to_frame(self) -> Any:
        """Diagnostics as a pandas DataFrame indexed by study label."""
        import pandas as pd

        return pd.DataFrame(self._columns(), index=pd.Index(list(self.labels), name="study"))

    def to_dict(self) -> dict[str, Any]:
        """Columns as lists (NaN of a failed refit as ``None``), plus the study labels."""
        out: dict[str, Any] = {"study": list(self.labels)}
        for c, val in self._columns().items():
            out[c] = [bool(x) for x in val] if c == "inf" else _none_for_nan(np.asarray(val))
        return out

    def summary(self) -> str:
        """Text table like metafor's print of ``influence()`` (``*`` = influential)."""
        w = max(len(s) for s in self.labels)
        head = (
            f"{'':{w}s} {'rstudent':>9s} {'dffits':>8s} {'cook.d':>8s} {'cov.r':>7s} "
            f"{'tau2.del':>9s} {'QE.del':>9s} {'hat':>6s} {'weight':>7s} inf"
        )
        lines = ["Influence diagnostics (case deletion)", "", head]
        for i, lab in enumerate(self.labels):
            lines.append(
                f"{lab:{w}s} {self.rstudent[i]:9.4f} {self.dffits[i]:8.4f} "
                f"{self.cook_d[i]:8.4f} {self.cov_r[i]:7.4f} {self.tau2_del[i]:9.4f} "
                f"{self.QE_del[i]:9.4f} {self.hat[i]:6.4f} {self.weight[i]:7.4f} "
                f"{'*' if self.inf[i] else ''}"
            )
        if any(self.failed):
            lines.append("")
            lines += [
                f"{self.labels[i]}: not computed ({f})" for i, f in enumerate(self.failed) if f
            ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return (
            "<div><strong>Influence diagnostics</strong>"
            f"{self.to_frame().to_html(float_format=lambda x: f'{x:.4g}')}</div>"
        )


def influence(fit: RMAResult | MetaRegResult) -> InfluenceResult:
    """Case-deletion influence diagnostics (externally standardised residuals, DFFITS,
    Cook's distance, covariance ratio, leave-one-out tau² and QE, hat values,
    weights, DFBETAS and metafor's influential flag).

    The ``k`` leave-one-out refits are one batched engine call.

    Parameters
    ----------
    fit
        A result of :func:`evisynth.rma`, with or without moderators.

    Returns
    -------
    InfluenceResult
        ``to_frame()`` columns ``rstudent, dffits, cook_d, cov_r, tau2_del,
        QE_del, hat, weight, inf`` and ``dfbs_<coefficient>``.

    Raises
    ------
    InputError
        If ``fit`` is not an ``rma`` result or ``k < 2``.

    References
    ----------
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2, -0.5], vi=[0.33, 0.19, 0.42, 0.07, 0.1])
    >>> inf = ev.influence(fit)
    >>> list(inf.to_frame().columns)[-2:]
    ['inf', 'dfbs_intrcpt']
    """
    X, names, maxiter, tol = _model(fit)
    k, p = X.shape
    if k < 2:
        raise InputError("influence() needs at least 2 studies", where="fit")
    y, v = fit.yi, fit.vi
    labels = _labels(fit.labels, k)
    beta = np.atleast_1d(np.asarray(fit.estimate, dtype=np.float64))
    if isinstance(fit, MetaRegResult):
        vb = fit.vb
    else:
        vb = np.array([[fit.se**2]])
    fits = loo_fits(fit, X, tol, maxiter)
    _warn_failed(fits, [f"without {study_name(i, labels)}" for i in range(k)], "influence")

    w = 1.0 / (v + fit.tau2)
    A = np.linalg.inv(X.T @ (w[:, None] * X))
    hat = np.einsum("ki,ij,kj->k", X, A, X) * w
    hat = np.where(hat > 1.0 - 10.0 * _EPS, 1.0, hat)

    with np.errstate(invalid="ignore", divide="ignore"):
        t2d, s2w = fits.tau2, fits.s2w
        delpred = np.einsum("ki,ki->k", X, fits.beta)
        vdelpred = np.einsum("ki,kij,kj->k", X, fits.vb, X)
        resid = y - delpred
        resid = np.where(np.abs(resid) < 100.0 * _EPS, 0.0, resid)
        rstudent = resid / np.sqrt(v * s2w + vdelpred + t2d * s2w)
        dffits = (X @ beta - delpred) / np.sqrt(s2w * hat * (t2d + v))
        # (X' W(-i) X)^{-1} over all k studies with the deleted fit's tau².
        t2z = np.where(np.isnan(t2d), 0.0, t2d)
        vb_del = np.empty((k, p, p))
        step = max(1, _CHUNK_ENTRIES // k)
        for a in range(0, k, step):  # chunks of rows: no k x k array at once
            Wd = 1.0 / (v[None, :] + t2z[a : a + step, None])
            if p == 1:
                vb_del[a : a + step, 0, 0] = 1.0 / (Wd @ (X[:, 0] * X[:, 0]))
            else:
                vb_del[a : a + step] = np.linalg.inv(np.einsum("ki,bk,kj->bij", X, Wd, X))
        dfb = beta[None, :] - fits.beta
        dfbs = dfb / np.sqrt(s2w[:, None] * np.einsum("bii->bi", vb_del))
        cook_d = np.einsum("bi,ij,bj->b", dfb, np.linalg.inv(vb), dfb)
        cov_r = np.linalg.det(np.where(np.isnan(fits.vb), 0.0, fits.vb)) / np.linalg.det(vb)
        cov_r = np.where(fits.ok, cov_r, np.nan)
        dffits_lim = math.sqrt(p / (k - p)) if k > p else math.inf
        # NaN comparisons are False: a failed refit is flagged only by its hat value, as in metafor.
        inf = (
            (np.abs(dffits) > 3.0 * dffits_lim)
            | (special.chdtr(p, cook_d) > 0.5)
            | (hat > 3.0 * p / k)
            | np.any(np.abs(dfbs) > 1.0, axis=1)
        )
    return InfluenceResult(
        labels=labels,
        coef_names=names,
        rstudent=rstudent,
        dffits=dffits,
        cook_d=cook_d,
        cov_r=cov_r,
        tau2_del=t2d,
        QE_del=fits.QE,
        hat=hat,
        weight=100.0 * w / w.sum(),
        inf=np.asarray(inf, dtype=bool),
        dfbs=dfbs,
        method=fit.method,
        test=fit.test,
        failed=fits.failed,
    )
