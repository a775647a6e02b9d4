"""Safeguarded Newton iterations for ``F(x) = p`` with a monotone ``F``, batched.

Used for the quantiles of ``tau`` (:meth:`BayesGrid.tau_quantile`) and of the
normal mixtures (:mod:`evisynth.engine.bayes.mixture`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def _newton(
    fun: Callable[[Array, NDArray[np.intp]], tuple[Array, Array]], p: Array, x0: Array,
    lo: Array, hi: Array, *, xtol: float = 1e-13, ftol: float = 1e-16, maxiter: int = 200,
) -> Array:
    """Solve ``F(x) = p`` for monotone ``F``, safeguarded; ``fun(x, rows) -> (F, F')``.

    Newton steps that leave the current bracket ``[lo, hi]`` are replaced by
    bisection, so every row converges; only rows still iterating are evaluated.
    """
    x = np.clip(x0, lo, hi)
    active = np.arange(x.size)
    for _ in range(maxiter):
        if active.size == 0:
            break
        xa = x[active]
        F, d = fun(xa, active)
        g = F - p[active]
        la = np.where(g < 0, xa, lo[active])
        ha = np.where(g > 0, xa, hi[active])
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = xa - g / d
        bad = ~np.isfinite(xn) | (xn <= la) | (xn >= ha)
        xn = np.where(bad, 0.5 * (la + ha), xn)
        scale = np.maximum(1.0, np.abs(xa))
        hit = np.abs(g) <= ftol
        done = hit | (np.abs(xn - xa) <= xtol * scale) | (ha - la <= xtol * scale)
        x[active] = np.where(hit, xa, xn)
        lo[active], hi[active] = la, ha
        active = active[~done]
    return x
