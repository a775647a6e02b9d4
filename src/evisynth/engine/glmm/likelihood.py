"""The model and its marginal likelihood: the data layout, adaptive Gauss–Hermite
quadrature per study, and the exact gradient of the quadrature formula
(see :mod:`evisynth.engine.glmm` for the model and references).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import special

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

FAMILIES = ("binomial", "poisson", "nchg")


@dataclass(frozen=True)
class GLMMData:
    """Engine input; ``B`` batch members, ``k`` studies, ``J`` observations per study.

    ``y, n, off, z, obs`` have shape ``(B, k, J)`` (``n`` is ignored for the
    Poisson family; ``obs`` marks observations that exist), ``D`` has shape
    ``(B, k, J, m)``, ``A`` is ``(B, k, J)`` or ``None`` (no study intercepts)
    and ``mask (B, k)`` marks the studies included in each member.
    """

    y: Array
    n: Array
    off: Array
    D: Array
    A: Array | None
    z: Array
    obs: BoolArray
    mask: BoolArray
    family: str
    support: Array | None = None
    logc: Array | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        B, k, J = self.y.shape
        return int(B), int(k), int(J)

    @property
    def m(self) -> int:
        return int(self.D.shape[3])


@lru_cache(maxsize=32)
def gh_rule(nagq: int) -> tuple[Array, Array]:
    """Gauss–Hermite nodes and weights for the standard normal density (weights sum to 1)."""
    t, w = np.polynomial.hermite_e.hermegauss(nagq)
    return t, w / w.sum()


def _cond_terms(data: GLMMData, eta: Array) -> tuple[Array, Array, Array]:
    """Per-observation log density, score ``y - mu`` and weight ``d mu/d eta`` at ``eta``."""
    y, n = data.y, data.n
    if data.family == "nchg":
        ll = _logdens(data, eta)
        score, wt, _ = _family_terms(data, eta)
    elif data.family == "binomial":
        # log f = y eta - n log(1 + e^eta) + log C(n, y)
        ll = y * eta - n * np.logaddexp(0.0, eta)
        mu_p = special.expit(eta)
        score = y - n * mu_p
        wt = n * mu_p * (1.0 - mu_p)
    else:
        # A trial Newton step can push eta past log(max float): the density is then
        # -inf and the step is halved, so the overflow is expected, not an error.
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        ll = y * eta - mu
        score = y - mu
        wt = mu
    obs = data.obs
    return np.where(obs, ll, 0.0), np.where(obs, score, 0.0), np.where(obs, wt, 0.0)


def log_constants(data: GLMMData) -> Array:
    """Per-study sum of the constants of the log density (``log C(n, y)`` or ``-log y!``)."""
    if data.family == "nchg":
        assert data.support is not None and data.logc is not None
        hit = (data.support == data.y[..., None]) & np.isfinite(data.logc)
        c = np.where(hit, data.logc, 0.0).sum(axis=-1)
    elif data.family == "binomial":
        c = special.gammaln(data.n + 1) - special.gammaln(data.y + 1) - special.gammaln(
            data.n - data.y + 1
        )
    else:
        c = -special.gammaln(data.y + 1)
    return np.where(data.obs, c, 0.0).sum(axis=2)


def linear_predictor(data: GLMMData, gamma: Array, alpha: Array | None) -> Array:
    """Fixed part of ``eta``, shape ``(B, k, J)``."""
    eta = data.off + np.einsum("bkjm,bm->bkj", data.D, gamma)
    if data.A is not None and alpha is not None:
        eta = eta + data.A * alpha[:, :, None]
    return eta


@dataclass(frozen=True)
class StudyLik:
    """Per-study marginal log-likelihood ``ll (B, k)`` with the conditional modes ``u``.

    ``grad (B, k, P)`` (when asked for): derivatives of each study's ``ll`` with
    respect to ``(gamma, theta, alpha_i)`` (theta only when estimated, alpha only
    when the model has study intercepts).
    """

    ll: Array
    u: Array
    drsum: Array
    grad: Array | None = None


def study_loglik(
    data: GLMMData,
    gamma: Array,
    theta: Array,
    alpha: Array | None,
    nagq: int,
    *,
    grad: bool = False,
    with_theta: bool = True,
) -> StudyLik:
    """Adaptive Gauss–Hermite marginal log-likelihood of every study (see module docstring).

    Excluded studies (``mask`` false) contribute 0. ``drsum`` is the
    conditional deviance (sum of squared deviance residuals) at the modes,
    lme4's ``deviance()`` of a GLMM, per study. With ``grad=True`` the exact
    gradient of the quadrature formula is returned too, differentiated through
    the mode (implicit function theorem on ``g'(u) = 0``) and the scale.
    """
    eta0 = linear_predictor(data, gamma, alpha)
    tz = theta[:, None, None] * data.z
    u = np.zeros(eta0.shape[:2])

    def g_parts(uu: Array) -> tuple[Array, Array, Array]:
        ll, sc, wt = _cond_terms(data, eta0 + tz * uu[:, :, None])
        g = ll.sum(axis=2) - 0.5 * uu**2
        g1 = (tz * sc).sum(axis=2) - uu
        g2 = -(tz**2 * wt).sum(axis=2) - 1.0
        return g, g1, g2

    g, g1, g2 = g_parts(u)
    for _ in range(100):
        step = -g1 / g2
        new = u + step
        gn, g1n, g2n = g_parts(new)
        # g is strictly concave; halve steps that overshoot (possible far in the tails).
        for _ in range(30):
            bad = gn < g - 1e-12 * (1.0 + np.abs(g))
            if not bad.any():
                break
            step = np.where(bad, 0.5 * step, step)
            new = u + step
            gn, g1n, g2n = g_parts(new)
        u, g, g1, g2 = new, gn, g1n, g2n
        if np.all(np.abs(step) <= 1e-13 * (1.0 + np.abs(u))):
            break
    # two more Newton steps at the converged point: u to machine precision, so that the
    # likelihood is a smooth function of the parameters for the finite differences
    for _ in range(2):
        u = u - g1 / g2
        g, g1, g2 = g_parts(u)
    sig = 1.0 / np.sqrt(-g2)
    t, w = gh_rule(nagq)
    if nagq == 1:
        ll = np.log(sig) + g
    else:
        # all nodes at once: a trailing node axis on eta
        uq = u[:, :, None] + sig[:, :, None] * t  # (B, k, Q)
        eta_q = eta0[:, :, :, None] + tz[:, :, :, None] * uq[:, :, None, :]
        lq = _logdens(data, eta_q)
        gq = np.where(data.obs[..., None], lq, 0.0).sum(axis=2) - 0.5 * uq**2 + 0.5 * t**2
        top = gq.max(axis=-1)
        ll = np.log(sig) + top + np.log(np.exp(gq - top[..., None]) @ w)
    ll = ll + log_constants(data)
    drsum = _deviance_residuals(data, eta0 + tz * u[:, :, None])
    mask = data.mask
    gr = None
    if grad:
        gr = np.where(
            mask[:, :, None], _gradient(data, eta0, theta, u, g2, sig, nagq, with_theta), 0.0
        )
    return StudyLik(
        np.where(mask, ll, 0.0), np.where(mask, u, 0.0), np.where(mask, drsum, 0.0), gr
    )


def _observed(data: GLMMData, eta: Array) -> tuple[Array, Array]:
    """Counts ``y`` and sizes ``n``, shaped to broadcast against ``eta``'s trailing axes."""
    y, n = data.y, data.n
    extra = eta.ndim - y.ndim
    if extra:
        y = y.reshape(y.shape + (1,) * extra)
        n = n.reshape(n.shape + (1,) * extra)
    return y, n


def _family_terms(data: GLMMData, eta: Array) -> tuple[Array, Array, Array]:
    """Score ``y - mu``, weight ``w = dmu/deta`` and ``dw/deta`` per observation.

    ``eta`` may carry trailing axes beyond ``(B, k, J)`` (quadrature nodes).
    """
    y, n = _observed(data, eta)
    if data.family == "nchg":
        _, mean, var, k3 = _nchg_moments(data, eta)
        return y - mean, var, k3
    if data.family == "binomial":
        p = special.expit(eta)
        w = n * p * (1.0 - p)
        return y - n * p, w, w * (1.0 - 2.0 * p)
    mu = np.exp(eta)
    return y - mu, mu, mu


def _gradient(
    data: GLMMData,
    eta0: Array,
    theta: Array,
    u: Array,
    g2: Array,
    sig: Array,
    nagq: int,
    with_theta: bool,
) -> Array:
    """Per-study gradient of the AGQ log-likelihood, ``(B, k, P)`` (see study_loglik).

    Parameter order: gamma (m), theta (if ``with_theta``), alpha (if the model has
    study intercepts).
    """
    B, k, _ = data.y.shape
    m = data.m
    obs = data.obs
    z = np.where(obs, data.z, 0.0)
    th = theta[:, None, None]
    cols = [np.where(obs[..., None], data.D, 0.0)]
    if data.A is not None:
        cols.append(np.where(obs, data.A, 0.0)[..., None])
    dfix = np.concatenate(cols, axis=-1)  # d eta / d (gamma, alpha), (B, k, J, Pf)
    uh = u[:, :, None]
    sc, w, w1 = _family_terms(data, eta0 + th * z * uh)
    sc, w, w1 = (np.where(obs, a, 0.0) for a in (sc, w, w1))
    # partial derivatives of g'(u) and g''(u) at the mode, and g'''(u)
    dg1 = -np.einsum("bkj,bkjp->bkp", w * th * z, dfix)
    dg2 = -np.einsum("bkj,bkjp->bkp", w1 * th**2 * z**2, dfix)
    g3 = -(w1 * th**3 * z**3).sum(axis=2)
    if with_theta:
        dg1_th = (sc * z - w * th * z * z * uh).sum(axis=2)[..., None]
        dg2_th = -(2 * th * z**2 * w + th**2 * z**3 * w1 * uh).sum(axis=2)[..., None]
        dg1 = np.concatenate([dg1[..., :m], dg1_th, dg1[..., m:]], axis=-1)
        dg2 = np.concatenate([dg2[..., :m], dg2_th, dg2[..., m:]], axis=-1)
    du = -dg1 / g2[..., None]  # implicit function theorem on g'(u) = 0
    dlogsig = -0.5 * (dg2 + g3[..., None] * du) / g2[..., None]
    dsig = sig[..., None] * dlogsig
    t, wq = gh_rule(nagq)
    uq = u[:, :, None] + sig[:, :, None] * t  # (B, k, Q)
    eta_q = eta0[..., None] + (th * z)[..., None] * uq[:, :, None, :]  # (B, k, J, Q)
    scq, _, _ = _family_terms(data, eta_q)
    scq = np.where(obs[..., None], scq, 0.0)
    gp = np.einsum("bkjq,bkjp->bkqp", scq, dfix)
    if with_theta:
        pth = ((scq * z[..., None]).sum(axis=2) * uq)[..., None]
        gp = np.concatenate([gp[..., :m], pth, gp[..., m:]], axis=-1)
    g1q = (scq * (th * z)[..., None]).sum(axis=2) - uq
    dLq = gp + g1q[..., None] * (du[:, :, None, :] + t[None, None, :, None] * dsig[:, :, None, :])
    if nagq == 1:
        pi = np.ones((B, k, 1))
    else:
        lq = _logdens(data, eta_q)
        Lq = np.where(obs[..., None], lq, 0.0).sum(axis=2) - 0.5 * uq**2 + 0.5 * t**2
        Lq = Lq + np.log(wq)
        Lq = Lq - Lq.max(axis=-1, keepdims=True)
        pi = np.exp(Lq)
        pi = pi / pi.sum(axis=-1, keepdims=True)
    out: Array = dlogsig + np.einsum("bkq,bkqp->bkp", pi, dLq)
    return out


def _logdens(data: GLMMData, eta: Array) -> Array:
    """Log density without its constants, per observation; ``eta`` may carry trailing axes."""
    y, n = _observed(data, eta)
    if data.family == "nchg":
        lse = _nchg_moments(data, eta)[0]
        out: Array = y * eta - lse
        return out
    if data.family == "binomial":
        out = y * eta - n * np.logaddexp(0.0, eta)
        return out
    out = y * eta - np.exp(eta)
    return out


def _nchg_moments(data: GLMMData, eta: Array) -> tuple[Array, Array, Array, Array]:
    """Fisher's noncentral hypergeometric distribution with log odds ratio ``eta``.

    Returns ``log Σ_x C(n1, x) C(n2, m1 - x) e^{x eta}`` and the mean, variance and
    third central moment of ``x`` (the derivatives of the first in ``eta``).
    """
    assert data.support is not None and data.logc is not None
    extra = eta.ndim - data.y.ndim
    shp = data.support.shape[:3] + (1,) * extra + data.support.shape[3:]
    xs = data.support.reshape(shp)
    lc = data.logc.reshape(shp)
    L = lc + xs * eta[..., None]
    top = L.max(axis=-1, keepdims=True)
    P = np.exp(L - top)
    Z = P.sum(axis=-1)
    p = P / Z[..., None]
    mean = (p * xs).sum(axis=-1)
    dev = xs - mean[..., None]
    var = (p * dev**2).sum(axis=-1)
    k3 = (p * dev**3).sum(axis=-1)
    return top[..., 0] + np.log(Z), mean, var, k3


def _xlogy_ratio(a: Array, b: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0) / b), 0.0)


def _deviance_residuals(data: GLMMData, eta: Array) -> Array:
    if data.family == "nchg":  # no saturated fitted values; the caller uses 2 (ll_sat - ll)
        return np.zeros(data.y.shape[:2])
    y = data.y
    if data.family == "binomial":
        n = data.n
        mu = n * special.expit(eta)
        d = 2.0 * (_xlogy_ratio(y, mu) + _xlogy_ratio(n - y, n - mu))
    else:
        # A trial Newton step can push eta past log(max float): the density is then
        # -inf and the step is halved, so the overflow is expected, not an error.
        with np.errstate(over="ignore"):
            mu = np.exp(eta)
        d = 2.0 * (_xlogy_ratio(y, mu) - (y - mu))
    return np.where(data.obs, d, 0.0).sum(axis=2)
