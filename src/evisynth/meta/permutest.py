"""Permutation tests for ``rma`` models (metafor's ``permutest.rma.uni``).

The observed test statistics are compared with their distribution over
re-arrangements of the data under the null hypothesis (Follmann & Proschan
1999; Higgins & Thompson 2004):

* intercept-only models: the signs of the ``yi`` are flipped (the null is a
  true effect symmetric around 0); all ``2^k`` sign patterns in exact mode;
* meta-regression: the rows of the design matrix are permuted against
  ``(yi, vi)``; in exact mode every *distinct* arrangement once, i.e.
  ``k! / Π n_j!`` designs when ``n_j`` studies share identical rows.

The exact test is used when the number of arrangements is at most ``iter``
(metafor's rule) or when ``exact=True``; otherwise ``iter`` random
arrangements are drawn, the first being the observed data (as metafor). All
refits form one batch for the engine (processed in memory-bounded chunks),
never a Python loop over refits.

p-values (two-sided, metafor's defaults): for coefficient ``j``,
``mean(|t_perm_j| >= |t_j| - tol)``; for the omnibus test
``mean(QM_perm >= QM - tol)``, with ``tol = sqrt(machine eps)`` so that
permutations reproducing the observed statistic up to rounding count.
Refits that fail (an estimator not converging) are left out, as metafor does,
and a warning says how many.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._html import Table, result_html
from evisynth._validation import FloatArray, check_bool, check_int
from evisynth.engine import fit_batch, make_batch
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta.metareg import MetaRegResult, omnibus
from evisynth.meta.results import RMAResult, _fmt_p, pval_text
from evisynth.meta.sensitivity import _model

#: Largest number of exact arrangements evaluated (memory and time bound).
MAX_EXACT = 2_000_000
_COMPTOL = math.sqrt(np.finfo(np.float64).eps)
_CHUNK_CELLS = 4_000_000  # batch members x k x p per engine call


@dataclass(frozen=True)
class PermutestResult:
    """Result of :func:`permutest`.

    ``pval`` holds one permutation p-value per coefficient (order of
    ``coef_names``), ``QM_pval`` that of the omnibus test. ``iter`` is the
    number of arrangements evaluated (all of them when ``exact``).
    ``stat_perm`` (``(iter, p)``) and ``QM_perm`` are the permutation
    distributions, NaN for refits that failed.
    """

    coef_names: tuple[str, ...]
    stat: FloatArray
    pval: FloatArray
    QM: float
    QM_pval: float
    exact: bool
    iter: int
    test: str
    stat_perm: FloatArray = field(repr=False)
    QM_perm: FloatArray = field(repr=False)
    n_failed: int = 0
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """``pval`` (list, one per coefficient), ``QM_pval``, ``exact``, ``iter``."""
        return {
            "pval": [float(x) for x in self.pval],
            "QM_pval": self.QM_pval,
            "exact": self.exact,
            "iter": self.iter,
        }

    def to_frame(self) -> Any:
        """Observed statistic and permutation p-value per coefficient."""
        import pandas as pd

        stat = "zval" if self.test == "z" else "tval"
        return pd.DataFrame(
            {stat: self.stat, "pval": self.pval},
            index=pd.Index(list(self.coef_names), name="name"),
        )

    def summary(self) -> str:
        """Text summary: how the test was done, then the coefficient p-values."""
        kind = "exact" if self.exact else f"approximate (seed {self.seed})"
        qm = "QM" if self.test == "z" else "F"
        lines = [
            f"Permutation test ({kind}; {self.iter} arrangements"
            + (f", {self.n_failed} failed refits left out" if self.n_failed else "")
            + ")",
            "",
            f"Omnibus test: {qm} = {self.QM:.4f}, permutation {pval_text(self.QM_pval)}",
            "",
        ]
        w = max(len(n) for n in self.coef_names)
        stat = "zval" if self.test == "z" else "tval"
        lines.append(f"{'':{w}s} {stat:>8s} {'pval*':>7s}")
        for j, n in enumerate(self.coef_names):
            lines.append(f"{n:{w}s} {self.stat[j]:8.4f} {_fmt_p(self.pval[j]):>7s}")
        lines.append("")
        lines.append("* permutation p-values")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html(
            f"Permutation test ({'exact' if self.exact else 'random'}, {self.iter} arrangements)",
            lines=[f"omnibus p = {self.QM_pval:.4g}"], tables=[Table.of_frame(self.to_frame())],
            note=self.summary().splitlines()[0])


def _multiset_permutations(codes: np.ndarray) -> np.ndarray:
    """All distinct orderings of the multiset ``codes`` (``(n, k)`` int array).

    Built position by position for all partial orderings at once: each step
    appends every code that still has copies left.
    """
    G = int(codes.max()) + 1
    counts = np.bincount(codes, minlength=G)
    seq = np.zeros((1, 0), dtype=np.int32)
    left = counts[None, :].copy()
    for _ in range(codes.size):
        parts, rests = [], []
        for g in range(G):
            rows = left[:, g] > 0
            if not rows.any():
                continue
            parts.append(np.column_stack([seq[rows], np.full(rows.sum(), g, dtype=np.int32)]))
            r = left[rows].copy()
            r[:, g] -= 1
            rests.append(r)
        seq = np.concatenate(parts)
        left = np.concatenate(rests)
    return seq


def n_arrangements(X: FloatArray) -> int:
    """Number of distinct arrangements: ``2^k`` sign flips (intercept only) or ``k!/Π n_j!``."""
    k = X.shape[0]
    if _intercept_only(X):
        return 2**k
    _, counts = np.unique(X, axis=0, return_counts=True)
    n = math.factorial(k)
    for c in counts:
        n //= math.factorial(int(c))
    return n


def _intercept_only(X: FloatArray) -> bool:
    return X.shape[1] == 1 and bool(np.all(X[:, 0] == 1.0))


def arrangements(X: FloatArray, iter: int, exact: bool, seed: int | None) -> np.ndarray:
    """The arrangements a permutation test evaluates.

    Returns ``(B, k)``: sign vectors (``±1.0``) for an intercept-only design,
    else row indices into ``X`` (the first row is the observed data in random
    mode). Deterministic for a given ``seed``.
    """
    k = X.shape[0]
    if _intercept_only(X):
        if exact:
            bits = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
            return 1.0 - 2.0 * bits
        rng = np.random.default_rng(seed)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(iter, k))
        signs[0] = 1.0
        return signs
    if exact:
        uniq, inverse = np.unique(X, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        codes = _multiset_permutations(inverse)
        # Row indices: the j-th occurrence of code g goes to a study holding that row.
        where = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
        rows = np.empty_like(codes)
        for g, idx in enumerate(where):
            hit = codes == g
            rows[hit] = np.tile(idx, codes.shape[0])
        return rows
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(np.arange(k), (iter, 1)), axis=1)
    perms[0] = np.arange(k)
    return perms


def permutest(
    fit: RMAResult | MetaRegResult,
    iter: int = 1000,
    seed: int | None = None,
    *,
    exact: bool = False,
) -> PermutestResult:
    """Permutation test of the coefficients and of the omnibus ``QM`` of an ``rma`` model.

    Parameters
    ----------
    fit
        A result of :func:`evisynth.rma` (with or without moderators).
    iter
        Number of random arrangements; when the number of distinct
        arrangements is at most ``iter`` the exact test over all of them is
        done instead (metafor's rule).
    seed
        Seed of the random arrangements (``numpy.random.default_rng``); same
        seed, same p-values. Without one, a seed is drawn and recorded in the
        result (``seed``), so a random test can always be repeated.
    exact
        Force the exact test however many arrangements there are (up to
        :data:`MAX_EXACT`).

    Returns
    -------
    PermutestResult
        ``pval`` (one per coefficient), ``QM_pval``, ``exact``, ``iter``;
        ``to_dict()``, ``to_frame()``, ``summary()``.

    Raises
    ------
    InputError
        If ``fit`` is not an ``rma`` result, ``iter < 2``, or an exact test
        would need more than :data:`MAX_EXACT` arrangements.

    References
    ----------
    Follmann DA, Proschan MA (1999). Valid inference in random effects
    meta-analysis. Biometrics 55:732-737. Higgins JPT, Thompson SG (2004).
    Controlling the risk of spurious findings from meta-regression. Stat Med
    23:1663-1682. Viechtbauer W et al. (2015). A comparison of procedures to
    test for moderators in mixed-effects meta-regression models. Psychol
    Methods 20:360-374.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2, -0.5], vi=[0.33, 0.19, 0.42, 0.07, 0.1])
    >>> pt = ev.permutest(fit)          # 2^5 = 32 sign flips <= 1000: exact
    >>> pt.exact, pt.iter, pt.to_dict()["pval"]
    (True, 32, [0.0625])
    """
    X, names, maxiter, tol = _model(fit)
    iter = check_int("iter", iter, lo=2)
    exact = check_bool("exact", exact)
    if seed is not None:
        seed = check_int("seed", seed, lo=0)
    else:  # draw one and record it, so that every random result can be reproduced
        seed = int(np.random.default_rng().integers(0, 2**63 - 1))
    k, p = X.shape
    n_exact = n_arrangements(X)
    use_exact = exact or n_exact <= iter
    if use_exact and n_exact > MAX_EXACT:
        raise InputError(
            f"argument 'exact': an exact test needs {n_exact:,} arrangements (more than "
            f"{MAX_EXACT:,}); use exact=False with iter= random arrangements",
            where="exact",
        )
    arr = arrangements(X, iter, use_exact, seed)
    B = arr.shape[0]
    int_only = _intercept_only(X)
    if isinstance(fit, MetaRegResult):
        btt: tuple[int, ...] = fit.btt
        stat_obs = np.asarray(fit.stat, dtype=np.float64)
        QM_obs = float(fit.QM)
    else:
        btt = (0,)
        stat_obs = np.array([fit.stat])
        QM_obs = float(fit.stat**2)  # chi²(1) = z², F(1, k-1) = t²
    df_resid = float(k - p)

    stat_perm = np.full((B, p), np.nan)
    QM_perm = np.full(B, np.nan)
    chunk = max(1, _CHUNK_CELLS // (k * p))
    for start in range(0, B, chunk):  # memory-bounded pieces of the one batch
        a = arr[start : start + chunk]
        if int_only:
            batch = make_batch(a * fit.yi[None, :], fit.vi)
        else:
            yb = np.broadcast_to(fit.yi, (len(a), k))
            batch = make_batch(yb, fit.vi, X[a.astype(np.intp)])
        f = fit_batch(batch, fit.method, fit.test, fit.level, tol=tol, maxiter=maxiter)
        qm, _ = omnibus(f.beta, f.vb, btt, fit.test, np.full(len(a), df_resid))
        ok = f.converged
        stat_perm[start : start + len(a)] = np.where(ok[:, None], f.stat, np.nan)
        QM_perm[start : start + len(a)] = np.where(ok, qm, np.nan)
    n_failed = int(np.sum(np.isnan(QM_perm)))
    if n_failed:
        warnings.warn(
            f"permutest: {n_failed} of {B} refits could not be computed (the {fit.method} "
            "estimator did not converge or QM was undefined) and are left out of the "
            "p-values, as metafor does",
            EvisynthWarning,
            stacklevel=2,
        )
    with np.errstate(invalid="ignore"):
        valid = ~np.isnan(stat_perm)
        hits = (np.abs(stat_perm) >= np.abs(stat_obs)[None, :] - _COMPTOL) & valid
        pval = hits.sum(axis=0) / valid.sum(axis=0)
        qvalid = ~np.isnan(QM_perm)
        QM_pval = float(np.sum((QM_perm >= QM_obs - _COMPTOL) & qvalid) / qvalid.sum())
    return PermutestResult(
        coef_names=names,
        stat=stat_obs,
        pval=np.minimum(pval, 1.0),
        QM=QM_obs,
        QM_pval=QM_pval,
        exact=use_exact,
        iter=B,
        test=fit.test,
        stat_perm=stat_perm,
        QM_perm=QM_perm,
        n_failed=n_failed,
        seed=None if use_exact else seed,
    )
