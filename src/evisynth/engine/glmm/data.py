"""Data builders: the conditional model of 2x2 tables and one-group proportions
laid out as :class:`~evisynth.engine.glmm.likelihood.GLMMData`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from evisynth.engine.glmm.likelihood import Array, BoolArray, GLMMData


def nchg_data(
    ai: Array, bi: Array, ci: Array, di: Array, X: Array, mask: BoolArray | None = None
) -> GLMMData:
    """Conditional (exact) model for 2x2 tables, ``(B, k)`` counts, design ``X (B, k, p)``.

    Given the margins, ``ai`` follows Fisher's noncentral hypergeometric
    distribution with log odds ratio ``X beta + u`` (metafor's ``model="CM.EL"``).
    """
    a, b, c, d = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in (ai, bi, ci, di))
    B, k = a.shape
    n1, n2, m1 = a + b, c + d, a + c
    lo = np.maximum(0.0, m1 - n2)
    hi = np.minimum(n1, m1)
    S = int((hi - lo).max()) + 1
    xs = lo[..., None] + np.arange(S, dtype=np.float64)
    ok = xs <= hi[..., None]
    xs = np.where(ok, xs, lo[..., None])
    lc = (
        special.gammaln(n1 + 1)[..., None] - special.gammaln(xs + 1)
        - special.gammaln(n1[..., None] - xs + 1)
        + special.gammaln(n2 + 1)[..., None] - special.gammaln(m1[..., None] - xs + 1)
        - special.gammaln(n2[..., None] - m1[..., None] + xs + 1)
    )
    lc = np.where(ok, lc, -np.inf)
    m = np.ones((B, k), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    Xb = np.broadcast_to(np.asarray(X, dtype=np.float64), (B, k, np.shape(X)[-1]))
    return GLMMData(
        y=a[:, :, None],
        n=m1[:, :, None],
        off=np.zeros((B, k, 1)),
        D=Xb[:, :, None, :].copy(),
        A=None,
        z=np.ones((B, k, 1)),
        obs=np.broadcast_to(m[:, :, None], (B, k, 1)).copy(),
        mask=m,
        family="nchg",
        support=xs[:, :, None, :],
        logc=lc[:, :, None, :],
    )


def proportions_data(xi: Array, ni: Array, mask: BoolArray | None = None) -> GLMMData:
    """Random-intercept logistic model (``PLO``, intercept only) for ``xi, ni`` of shape ``(B, k)``.

    ``mask (B, k)`` selects the studies of each member (leave-one-out: ``~eye(k)``).
    """
    x = np.atleast_2d(np.asarray(xi, dtype=np.float64))
    n = np.atleast_2d(np.asarray(ni, dtype=np.float64))
    B, k = x.shape
    m = np.ones((B, k), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    return GLMMData(
        y=x[:, :, None],
        n=n[:, :, None],
        off=np.zeros((B, k, 1)),
        D=np.ones((B, k, 1, 1)),
        A=None,
        z=np.ones((B, k, 1)),
        obs=np.broadcast_to(m[:, :, None], (B, k, 1)).copy(),
        mask=m,
        family="binomial",
    )
