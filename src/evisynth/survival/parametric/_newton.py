"""Newton polishing of a maximum on central-difference derivatives (gradient, Hessian).

References
----------
Nocedal J, Wright SJ. Numerical Optimization, 2nd ed. (2006), ch. 3 and 8.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from evisynth._validation import FloatArray


def _polish(f: Callable[[FloatArray], float], th: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Newton steps on central-difference derivatives, with step halving."""
    for _ in range(20):
        g = _num_grad(f, th)
        H = _num_hess(f, th)
        if not np.isfinite(H).all() or not np.all(np.linalg.eigvalsh((H + H.T) / 2) > 0):
            break
        step = np.linalg.solve(H, g)
        lam = 1.0
        while lam > 1e-4 and f(th - lam * step) > f(th) + 1e-12:
            lam /= 2
        th = th - lam * step
        if np.max(np.abs(lam * step)) < 1e-10:
            break
    return th, _num_hess(f, th)


def _num_grad(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray:
    g = np.zeros_like(x)
    for i in range(len(x)):
        h = 1e-5 * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def _num_hess(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray:
    k = len(x)
    H = np.zeros((k, k))
    hs = [1e-4 * max(1.0, abs(v)) for v in x]
    f0 = f(x)
    for i in range(k):
        for j in range(i, k):
            if i == j:
                xp, xm = x.copy(), x.copy()
                xp[i] += hs[i]
                xm[i] -= hs[i]
                H[i, i] = (f(xp) - 2 * f0 + f(xm)) / hs[i] ** 2
            else:
                vals = []
                for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                    xx = x.copy()
                    xx[i] += si * hs[i]
                    xx[j] += sj * hs[j]
                    vals.append(f(xx))
                H[i, j] = H[j, i] = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * hs[i] * hs[j])
    return H
