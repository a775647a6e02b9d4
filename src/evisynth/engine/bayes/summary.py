"""Posterior summaries of ``B`` Bayesian meta-analyses: :func:`bayes_batch`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evisynth.engine.bayes.grid import (
    _GL_N,
    _PANELS,
    BayesGrid,
    TauDensity,
    _loglik,
    posterior_grid,
)
from evisynth.engine.bayes.mixture import (
    _SQRT2PI,
    _mixture_moments,
    mixture_cdf,
    mixture_quantile,
    shortest_interval,
)

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

__all__ = ["BayesArrays", "bayes_batch", "summarise", "tau_shortest"]

_MAX_ELEMS = 3_000_000  # elements of the largest (chunk, nodes, k) temporary


@dataclass(frozen=True)
class BayesArrays:
    """Posterior summaries of ``B`` Bayesian meta-analyses (all ``(B,)`` unless noted).

    ``estimate`` is the posterior median of ``mu``; ``ci_lb``/``ci_ub`` the
    central credible interval; ``pi_lb``/``pi_ub`` the interval of a new
    study's true effect; ``tau_*`` the posterior of ``tau``. ``bf01_tau0`` is
    ``p(y | tau = 0) / p(y)``; ``bf01_mu0`` is the Savage–Dickey ratio
    ``p(mu = 0 | y) / p(mu = 0)`` (NaN under a flat effect prior). Study
    arrays ``theta_*`` are ``(B, k)`` (NaN where masked) when requested.
    """

    estimate: Array
    mean: Array
    sd: Array
    ci_lb: Array
    ci_ub: Array
    tau_median: Array
    tau_mean: Array
    tau_lb: Array
    tau_ub: Array
    pi_median: Array
    pi_lb: Array
    pi_ub: Array
    log_marglik: Array
    bf01_tau0: Array
    bf01_mu0: Array
    proper: BoolArray
    theta_mean: Array | None = None
    theta_sd: Array | None = None
    theta_median: Array | None = None
    theta_lb: Array | None = None
    theta_ub: Array | None = None


def _interval(grid: BayesGrid, m: Array, s: Array, a: float, shortest: bool,
              level: float) -> tuple[Array, Array]:
    if not shortest:
        return mixture_quantile(grid.weight, m, s, a), mixture_quantile(grid.weight, m, s, 1 - a)
    return shortest_interval(grid.weight, m, s, level)


def tau_shortest(grid: BayesGrid, level: float) -> tuple[Array, Array]:
    """Shortest interval for ``tau`` (``[0, q(level)]`` when the density falls from 0)."""
    lo = np.zeros(grid.B)
    hi = np.full(grid.B, 1.0 - level)
    for _ in range(48):
        mid = 0.5 * (lo + hi)
        a = grid.tau_quantile(mid)
        b = grid.tau_quantile(mid + level)
        fa = np.where(a > 0, grid.tau_density(a[:, None])[:, 0], 0.0)
        fb = grid.tau_density(b[:, None])[:, 0]
        lo = np.where(fa < fb, mid, lo)
        hi = np.where(fa < fb, hi, mid)
    mid = 0.5 * (lo + hi)
    a = np.where(mid <= 1e-12, 0.0, grid.tau_quantile(np.maximum(mid, 1e-300)))
    return a, grid.tau_quantile(mid + level)


def summarise(grid: BayesGrid, level: float, shortest: bool, studies: bool) -> BayesArrays:
    a = (1.0 - level) / 2.0
    mm, ms = grid.components("mu")
    pm, ps = grid.components("pred")
    mean, sd = _mixture_moments(grid.weight, mm, ms)
    # sd(mu | tau) grows like tau under a flat effect prior (it is bounded by the
    # prior sd otherwise), so E|mu| and E mu² exist iff E tau and E tau² do.
    flat = grid.mu_prior is None
    mean = np.where(grid.finite_mean | (not flat), mean, np.nan)
    sd = np.where(grid.finite_var | (not flat), sd, np.inf)
    med = mixture_quantile(grid.weight, mm, ms, 0.5)
    lb, ub = _interval(grid, mm, ms, a, shortest, level)
    pmed = mixture_quantile(grid.weight, pm, ps, 0.5)
    plb, pub = _interval(grid, pm, ps, a, shortest, level)
    tmed = grid.tau_quantile(0.5)
    if shortest:
        tlb, tub = tau_shortest(grid, level)
    else:
        tlb, tub = grid.tau_quantile(a), grid.tau_quantile(1.0 - a)
    tmean = np.where(grid.finite_mean, (grid.weight * grid.tau).sum(axis=1), np.inf)
    ll0 = _loglik(np.zeros((grid.B, 1)), grid.yi, grid.vi, grid.mask, grid.mu_prior)[0][:, 0]
    bf_tau = np.exp(ll0 - grid.log_norm)
    if grid.mu_prior is None:
        bf_mu = np.full(grid.B, np.nan)
    else:
        m0, s0 = grid.mu_prior
        post0 = mixture_cdf(grid.weight, mm, ms, np.zeros(grid.B))[1]
        prior0 = math.exp(-0.5 * (m0 / s0) ** 2) / (s0 * _SQRT2PI)
        bf_mu = post0 / prior0
    out: dict[str, Array | None] = {}
    if studies:
        sm, ss = grid.study_components()
        tmn, tsd = _mixture_moments(grid.weight, sm, ss)
        # Shrunken effects have bounded conditional variances (v_i tau²/(v_i + tau²)
        # plus a bounded term), so their moments always exist.
        out = {
            "theta_mean": tmn,
            "theta_sd": tsd,
            "theta_median": mixture_quantile(grid.weight, sm, ss, 0.5),
        }
        tl, tu = _interval(grid, sm, ss, a, shortest, level)
        out["theta_lb"], out["theta_ub"] = tl, tu
        for key, val in out.items():
            if val is not None:
                out[key] = np.where(grid.mask & grid.proper[:, None], val, np.nan)
    bad = ~grid.proper
    def nan(x: Array) -> Array:
        return np.where(bad, np.nan, x)
    return BayesArrays(
        estimate=nan(med), mean=nan(mean), sd=nan(sd), ci_lb=nan(lb), ci_ub=nan(ub),
        tau_median=nan(tmed), tau_mean=nan(tmean), tau_lb=nan(tlb), tau_ub=nan(tub),
        pi_median=nan(pmed), pi_lb=nan(plb), pi_ub=nan(pub), log_marglik=nan(grid.log_norm),
        bf01_tau0=nan(bf_tau), bf01_mu0=nan(bf_mu), proper=grid.proper, **out,
    )


def bayes_batch(
    yi: ArrayLike,
    vi: ArrayLike,
    mask: ArrayLike | None = None,
    prior: TauDensity | None = None,
    *,
    mu_prior: tuple[float, float] | None = None,
    level: float = 95.0,
    shortest: bool = False,
    studies: bool = False,
) -> BayesArrays:
    """Bayesian random-effects meta-analysis of ``B`` data sets at once.

    Parameters
    ----------
    yi, vi
        Estimates and sampling variances, ``(k,)`` or ``(B, k)``.
    mask
        ``(B, k)`` booleans, ``True`` = study included (default: all).
    prior
        Heterogeneity prior with ``logpdf(tau)`` and ``upper`` (see
        :mod:`evisynth.meta.priors`; the same prior for every member).
    mu_prior
        ``None`` for a flat effect prior, else ``(mean, sd)`` of a normal prior.
    level
        Credible level in percent.
    shortest
        Shortest (highest-density for unimodal posteriors) instead of central
        intervals.
    studies
        Also return the shrunken study effects (``theta_*``, ``(B, k)``).

    Returns
    -------
    BayesArrays
        Arrays of shape ``(B,)``; rows whose posterior is improper are NaN with
        ``proper = False``.

    References
    ----------
    Röver C (2020), J Stat Softw 93(6) (the DIRECT algorithm of bayesmeta);
    Gelman et al. (2013), Bayesian Data Analysis, section 5.4.

    Examples
    --------
    >>> import numpy as np
    >>> from evisynth.engine import bayes_batch
    >>> from evisynth.meta.priors import HalfNormalPrior
    >>> y = np.array([[-0.9, -1.6, -1.4], [-0.2, 0.1, 0.3]])
    >>> v = np.array([[0.33, 0.19, 0.42], [0.07, 0.05, 0.1]])
    >>> r = bayes_batch(y, v, prior=HalfNormalPrior(0.5))
    >>> r.estimate.shape, bool(r.ci_lb[0] < r.estimate[0] < r.ci_ub[0])
    ((2,), True)
    """
    if prior is None:
        raise ValueError("bayes_batch needs a prior (e.g. HalfNormalPrior(0.5))")
    y = np.atleast_2d(np.asarray(yi, dtype=np.float64))
    v = np.atleast_2d(np.asarray(vi, dtype=np.float64))
    m = np.ones(y.shape, dtype=bool) if mask is None else np.atleast_2d(np.asarray(mask, bool))
    y, v, m = np.broadcast_arrays(y, v, m)
    lv = float(level) / 100.0 if level > 1 else float(level)
    B, k = y.shape
    chunk = max(1, _MAX_ELEMS // (_PANELS * _GL_N * max(k, 1) * (3 if studies else 1)))
    parts: list[BayesArrays] = []
    for s in range(0, B, chunk):
        sl = slice(s, s + chunk)
        g = posterior_grid(y[sl], v[sl], m[sl], prior, mu_prior)
        parts.append(summarise(g, lv, shortest, studies))
    if len(parts) == 1:
        return parts[0]
    fields: dict[str, Any] = {}
    for name in BayesArrays.__dataclass_fields__:
        vals = [getattr(p, name) for p in parts]
        fields[name] = None if vals[0] is None else np.concatenate(vals, axis=0)
    return BayesArrays(**fields)
