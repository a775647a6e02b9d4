"""Normal mixtures ``sum_j weight_j N(m_j, s_j²)`` over quadrature nodes, batched.

Given ``tau``, the overall effect, a new study's effect and each study's
shrunken effect are normal; their posteriors are mixtures over the nodes of
:class:`~evisynth.engine.bayes.BayesGrid` (weights ``(B, N)``; means and sds
``(B, N)`` or, for the studies, ``(B, K, N)``). Quantiles are solved by
safeguarded Newton iterations.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import special

from evisynth.engine.bayes._newton import _newton

Array = NDArray[np.float64]

__all__ = ["mixture_cdf", "mixture_quantile", "shortest_interval"]

_SQRT2PI = math.sqrt(2.0 * math.pi)


def mixture_cdf(weight: Array, m: Array, s: Array, q: Array) -> tuple[Array, Array]:
    """CDF and density at ``q`` ``(R,)`` of the mixtures ``sum_j weight_j N(m_j, s_j²)``.

    ``weight``, ``m``, ``s`` are ``(R, N)``.
    """
    z = (q[:, None] - m) / s
    F = (weight * special.ndtr(z)).sum(axis=1)
    f = (weight * np.exp(-0.5 * z * z) / s).sum(axis=1) / _SQRT2PI
    return F, f


def _flat(weight: Array, m: Array, s: Array) -> tuple[Array, Array, Array]:
    """``(B, K, N)`` study mixtures as ``(B*K, N)`` rows (weights repeated)."""
    if m.ndim == 2:
        return weight, m, s
    B, K, N = m.shape
    return np.repeat(weight, K, axis=0), m.reshape(B * K, N), s.reshape(B * K, N)


def mixture_quantile(weight: Array, m: Array, s: Array, p: float) -> Array:
    """Quantile ``p`` of each normal mixture ``sum_j weight_j N(m_j, s_j²)``.

    ``weight`` is ``(B, N)``; ``m``, ``s`` are ``(B, N)`` or ``(B, K, N)``.
    """
    return _quantile_vec(weight, m, s, np.full(m.shape[:-1], float(p)))


def _mixture_moments(weight: Array, m: Array, s: Array) -> tuple[Array, Array]:
    wb = weight if m.ndim == 2 else weight[:, None, :]
    mean = (wb * m).sum(axis=-1)
    var = (wb * (s * s + (m - mean[..., None]) ** 2)).sum(axis=-1)
    return mean, np.sqrt(var)


def shortest_interval(weight: Array, m: Array, s: Array, level: float) -> tuple[Array, Array]:
    """Shortest interval with posterior mass ``level`` (HPD for a unimodal mixture).

    Solves ``F(b) - F(a) = level`` and ``f(a) = f(b)`` by bisection on the
    lower tail probability ``alpha`` in ``[0, 1 - level]`` (the length
    ``q(alpha + level) - q(alpha)`` is convex in ``alpha`` for a unimodal
    density, and its derivative has the sign of ``f(a) - f(b)``).
    """
    lo = np.zeros(m.shape[:-1])
    hi = np.full(m.shape[:-1], 1.0 - level)
    for _ in range(48):
        mid = 0.5 * (lo + hi)
        a = _quantile_vec(weight, m, s, mid)
        b = _quantile_vec(weight, m, s, mid + level)
        fa = mixture_cdf(*_flat(weight, m, s), a.reshape(-1))[1].reshape(a.shape)
        fb = mixture_cdf(*_flat(weight, m, s), b.reshape(-1))[1].reshape(b.shape)
        lo = np.where(fa < fb, mid, lo)
        hi = np.where(fa < fb, hi, mid)
    mid = 0.5 * (lo + hi)
    return _quantile_vec(weight, m, s, mid), _quantile_vec(weight, m, s, mid + level)


def _quantile_vec(weight: Array, m: Array, s: Array, p: Array) -> Array:
    """Quantiles ``p`` (one per mixture) of normal mixtures, by safeguarded Newton.

    ``x = max_j (m_j + z_p s_j)`` has ``F(x) >= p`` and the minimum has
    ``F(x) <= p``; the bracket is first taken over the nodes that carry the
    mass (weight > 1e-14) and widened to all nodes where that does not hold.
    """
    shape = m.shape[:-1]
    w, mm, ss = _flat(weight, m, s)
    pf = np.asarray(p, dtype=np.float64).reshape(-1)
    cand = mm + special.ndtri(pf)[:, None] * ss
    bounds = []
    for thr in (1e-14, 0.0):
        live = w > thr
        bounds.append((np.where(live, cand, np.inf).min(axis=1),
                       np.where(live, cand, -np.inf).max(axis=1)))
    (lo, hi), (lo0, hi0) = bounds
    lo = np.where(mixture_cdf(w, mm, ss, lo)[0] <= pf, lo, lo0)
    hi = np.where(mixture_cdf(w, mm, ss, hi)[0] >= pf, hi, hi0)
    x0 = (w * cand).sum(axis=1)
    x0 = np.where(np.isfinite(x0), x0, 0.5 * (lo + hi))

    def fun(xx: Array, rows: NDArray[np.intp]) -> tuple[Array, Array]:
        return mixture_cdf(w[rows], mm[rows], ss[rows], xx)

    return _newton(fun, pf, x0, lo, hi).reshape(shape)
