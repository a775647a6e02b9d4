"""Generalised linear mixed models for meta-analysis of counts, batched over ``(B, k)``.

One model family covers the binomial–normal and Poisson–normal models of
metafor's ``rma.glmm`` that have a single random effect per study. Study ``i``
has ``J`` observations (``J = 1`` for one proportion, ``J = 2`` for the two arms
of a trial); observation ``j`` has the linear predictor ::

    eta_ij = off_ij + D_ij' gamma + A_ij alpha_i + theta z_ij u_i,   u_i ~ N(0, 1)

with ``gamma`` coefficients shared by all studies (the pooled effect and the
moderators), ``alpha_i`` an optional fixed study intercept (metafor's
``model="UM.FS"``), ``theta = tau`` the standard deviation of the random
effect and ``z_ij`` its coding (1, or ``±1/2`` for the arms). Responses are
binomial with a logit link (``y`` events of ``n``) or Poisson with a log link
(``y`` events, the log exposure in ``off``); both links are canonical.

Marginal likelihood by adaptive Gauss–Hermite quadrature (Pinheiro & Bates
1995; the rule of lme4's ``glmer`` with ``nAGQ`` points): with ``g(u) =
log f(y_i | u) - u²/2`` and its mode ``û`` (Newton's method; ``g`` is
strictly concave), ``σ̂ = (-g''(û))^{-1/2}`` and normal Gauss–Hermite nodes
``t_q`` and weights ``w_q`` (``Σ w_q = 1``)::

    L_i ≈ σ̂ Σ_q w_q exp(g(û + σ̂ t_q) + t_q²/2)

``nAGQ = 1`` is the Laplace approximation. The log-likelihood includes the
binomial coefficients (``log C(n, y)``) and ``-log y!`` (Poisson).

Maximisation: Newton–Raphson on ``(gamma, theta, alpha)`` for every batch
member at once, with the exact gradient of the quadrature formula and the
Hessian by central differences of that gradient, per study. Because
``alpha_i`` enters study ``i`` only, all ``alpha`` are perturbed together
and the Hessian has an arrow shape (dense shared block, diagonal ``alpha``
block); the Newton system is solved by its Schur complement, so the cost
grows linearly in ``k``. The likelihood is
even in ``theta``; ``|theta|`` is reported. Steps are damped
(Levenberg–Marquardt) and halved until the likelihood increases.

The covariance of ``gamma`` is the corresponding block of the inverse of the
negative Hessian over all parameters ``(gamma, theta, alpha)``, as lme4's
``vcov`` computes it from its finite-difference Hessian of the deviance.

References
----------
Pinheiro JC, Bates DM (1995). Approximations to the log-likelihood function in
the nonlinear mixed-effects model. J Comput Graph Stat 4:12-35.
Bates D, Mächler M, Bolker B, Walker S (2015). Fitting linear mixed-effects
models using lme4. J Stat Softw 67(1).
Stijnen T, Hamza TH, Özdemir P (2010). Random effects meta-analysis of event
outcome in the framework of the generalized linear mixed model with
applications in sparse data. Stat Med 29:3046-3067.
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
        mu = np.exp(eta)
        d = 2.0 * (_xlogy_ratio(y, mu) - (y - mu))
    return np.where(data.obs, d, 0.0).sum(axis=2)


# ------------------------------------------------------------------ optimiser --


@dataclass(frozen=True)
class GLMMFit:
    """Maximum-likelihood fit of a batch.

    ``gamma (B, m)``, ``theta (B,)`` (``tau = |theta|``, 0 when not estimated),
    ``alpha (B, k)`` (NaN when the model has none), ``vcov (B, m, m)`` of
    ``gamma``, ``ll (B,)`` the marginal log-likelihood, ``drsum (B,)`` the
    conditional deviance at the modes, ``converged``/``iterations (B,)`` and
    ``grad_max (B,)``, the largest absolute score at the end.
    """

    gamma: Array
    theta: Array
    alpha: Array
    vcov: Array
    ll: Array
    drsum: Array
    converged: BoolArray
    iterations: NDArray[np.int64]
    grad_max: Array


@dataclass
class _Derivs:
    f: Array  # (B,)
    gs: Array  # (B, s)
    ga: Array  # (B, k)
    Hss: Array  # (B, s, s)
    Hsa: Array  # (B, s, k)
    Haa: Array  # (B, k)


class _Problem:
    def __init__(self, data: GLMMData, nagq: int, estimate_theta: bool) -> None:
        self.data = data
        self.nagq = nagq
        self.est_theta = estimate_theta
        self.m = data.m
        self.s = data.m + (1 if estimate_theta else 0)
        self.local = data.A is not None

    def split(self, x: Array) -> tuple[Array, Array]:
        gamma = x[:, : self.m]
        theta = x[:, self.m] if self.est_theta else np.zeros(x.shape[0])
        return gamma, theta

    def per_study(self, x: Array, alpha: Array | None) -> Array:
        gamma, theta = self.split(x)
        return study_loglik(self.data, gamma, theta, alpha, self.nagq).ll

    def steps(self, x: Array, alpha: Array | None) -> tuple[Array, Array]:
        """Finite-difference steps that move the linear predictor by about ``1e-4``.

        Shared coefficients: ``1e-4 max(1, |x_j|) / max(1, max |D_j|)`` (so a
        moderator measured in large units gets a proportionally smaller step);
        theta and the study intercepts: ``1e-4 max(1, |x|)``. Steps that are
        much smaller would drown in the rounding noise of the inner mode solve.
        """
        B, k, _ = self.data.shape
        colmax = np.abs(np.where(self.data.obs[..., None], self.data.D, 0.0)).max(axis=(1, 2))
        hs = 1e-4 * np.maximum(1.0, np.abs(x))
        hs[:, : self.m] /= np.maximum(1.0, colmax)
        ha = 1e-4 * np.maximum(1.0, np.abs(alpha)) if alpha is not None else np.full((B, k), 1e-4)
        return hs, ha

    def derivs(self, x: Array, alpha: Array | None, hs: Array, ha: Array) -> _Derivs:
        """Exact gradient and arrow-shaped Hessian (central differences of the gradient).

        ``hs (B, s)`` are the steps of the shared parameters, ``ha (B, k)`` those of
        the study intercepts; all intercepts move together (each one enters its
        own study only), so the cost does not grow with ``k``.
        """
        B, k, _ = self.data.shape
        s = self.s
        d = s + (1 if self.local else 0)

        def ev(cs: Array, ca: float) -> StudyLik:
            v = x + cs[None, :] * hs
            a = alpha + ca * ha if (self.local and alpha is not None) else alpha
            gamma, theta = self.split(v)
            return study_loglik(
                self.data, gamma, theta, a, self.nagq, grad=True, with_theta=self.est_theta
            )

        base = ev(np.zeros(s), 0.0)
        g0 = base.grad
        assert g0 is not None
        hstep = np.concatenate(
            [np.broadcast_to(hs[:, None, :], (B, k, s))] + ([ha[:, :, None]] if self.local else []),
            axis=2,
        )
        H = np.zeros((B, k, d, d))
        for a in range(d):
            cs = np.zeros(s)
            ca = 0.0
            if a < s:
                cs[a] = 1.0
            else:
                ca = 1.0
            gp, gm = ev(cs, ca).grad, ev(-cs, -ca).grad
            assert gp is not None and gm is not None
            H[:, :, a, :] = (gp - gm) / (2 * hstep[:, :, a, None])
        H = 0.5 * (H + np.swapaxes(H, 2, 3))
        f0 = base.ll
        if self.local:
            return _Derivs(
                f=f0.sum(axis=1),
                gs=g0[:, :, :s].sum(axis=1),
                ga=g0[:, :, s],
                Hss=H[:, :, :s, :s].sum(axis=1),
                Hsa=np.transpose(H[:, :, :s, s], (0, 2, 1)),
                Haa=H[:, :, s, s],
            )
        return _Derivs(
            f=f0.sum(axis=1),
            gs=g0.sum(axis=1),
            ga=np.zeros((B, k)),
            Hss=H.sum(axis=1),
            Hsa=np.zeros((B, s, k)),
            Haa=np.zeros((B, k)),
        )


def _newton_step(
    dv: _Derivs, lam: Array, local: bool, mask: BoolArray
) -> tuple[Array, Array, BoolArray]:
    """Solve ``(-H + lam I) delta = g`` by the Schur complement of the diagonal alpha block."""
    B, s = dv.gs.shape
    eye = np.eye(s)[None]
    Gss = -dv.Hss + lam[:, None, None] * eye
    gs = dv.gs
    if local:
        Gaa = np.where(mask, -dv.Haa + lam[:, None], 1.0)
        ga = np.where(mask, dv.ga, 0.0)
        Gsa = np.where(mask[:, None, :], -dv.Hsa, 0.0)
        ok = np.all(Gaa > 0, axis=1)
        Gaa = np.where(Gaa > 0, Gaa, 1.0)
        S = Gss - np.einsum("bsk,bk,btk->bst", Gsa, 1.0 / Gaa, Gsa)
        rhs = gs - np.einsum("bsk,bk->bs", Gsa, ga / Gaa)
    else:
        S = Gss
        rhs = gs
        ok = np.ones(B, dtype=bool)
    ok &= _pd_rows(S)
    S_safe = np.where(ok[:, None, None], S, eye)
    ds = np.linalg.solve(S_safe, rhs[:, :, None])[:, :, 0]
    if local:
        da = (ga - np.einsum("bsk,bs->bk", Gsa, ds)) / Gaa
    else:
        da = np.zeros_like(dv.ga)
    return ds, da, ok


def _pd_rows(S: Array) -> BoolArray:
    """Which matrices of the stack ``S (B, s, s)`` are finite and positive definite."""
    fin = np.all(np.isfinite(S), axis=(1, 2))
    ev = np.linalg.eigvalsh(np.where(fin[:, None, None], S, np.eye(S.shape[1])[None]))
    return fin & (ev.min(axis=1) > 0)


def fit_glmm(
    data: GLMMData,
    *,
    nagq: int = 7,
    estimate_theta: bool = True,
    gamma0: Array | None = None,
    theta0: Array | None = None,
    alpha0: Array | None = None,
    tol: float = 1e-8,
    maxiter: int = 200,
) -> GLMMFit:
    """Maximise the marginal likelihood for every batch member (see module docstring).

    Parameters
    ----------
    data
        Model and counts, :class:`GLMMData`.
    nagq
        Number of adaptive Gauss–Hermite points (1 = Laplace).
    estimate_theta
        ``False`` fits the fixed-effects model (``theta = 0``, exact likelihood).
    gamma0, theta0, alpha0
        Starting values (default: 0, ``theta = 1`` as lme4, alpha 0).
    tol
        Convergence: the Newton decrement ``g' (-H)^{-1} g`` (about twice the
        log-likelihood still to gain; in squared standard-error units of the
        remaining step) is below ``tol²``.
    maxiter
        Maximum number of Newton iterations.

    Returns
    -------
    GLMMFit
    """
    B, k, _ = data.shape
    prob = _Problem(data, nagq, estimate_theta)
    s, m = prob.s, prob.m
    x = np.zeros((B, s))
    if gamma0 is not None:
        x[:, :m] = gamma0
    if estimate_theta:
        x[:, m] = 1.0 if theta0 is None else theta0
    alpha = None
    if prob.local:
        alpha = np.zeros((B, k)) if alpha0 is None else np.array(alpha0, dtype=np.float64)
    mask = data.mask
    lam = np.full(B, 1e-3)
    done = np.zeros(B, dtype=bool)
    iters = np.zeros(B, dtype=np.int64)
    dv = prob.derivs(x, alpha, *prob.steps(x, alpha))
    for _ in range(maxiter):
        active = ~done
        if not active.any():
            break
        iters[active] += 1
        ds, da, ok = _newton_step(dv, lam, prob.local, mask)
        # members whose damped system is not positive definite: raise damping and retry
        lam = np.where(ok, lam, lam * 10.0 + 1e-2)
        f_old = dv.f
        t = np.where(ok & active, 1.0, 0.0)
        x_new = x + t[:, None] * ds
        a_new = alpha + t[:, None] * da if alpha is not None else None
        f_new = prob.per_study(x_new, a_new).sum(axis=1)
        for _ in range(40):
            worse = (f_new < f_old - 1e-12 * np.abs(f_old)) & (t > 0)
            worse |= ~np.isfinite(f_new) & (t > 0)
            if not worse.any():
                break
            t = np.where(worse, t * 0.5, t)
            x_new = x + t[:, None] * ds
            a_new = alpha + t[:, None] * da if alpha is not None else None
            f_new = prob.per_study(x_new, a_new).sum(axis=1)
        moved = t > 0
        lam = np.where(
            moved & (t == 1.0), np.maximum(lam / 10.0, 1e-12), np.where(moved, lam * 2, lam)
        )
        x = np.where(moved[:, None], x_new, x)
        if alpha is not None and a_new is not None:
            alpha = np.where(moved[:, None], a_new, alpha)
        dv = prob.derivs(x, alpha, *prob.steps(x, alpha))
        # Newton decrement g' G^{-1} g (log-likelihood units; invariant to the parameter scale)
        ds0, da0, ok0 = _newton_step(dv, np.zeros(B), prob.local, mask)
        dec = np.einsum("bs,bs->b", dv.gs, ds0)
        if prob.local:
            dec = dec + np.where(mask, dv.ga * da0, 0.0).sum(axis=1)
        done |= ok0 & (np.abs(dec) < tol**2)
        # no further increase possible: at the maximum up to finite-difference noise
        done |= ok0 & ~moved & (np.abs(dec) < 1e2 * tol)
    gamma, theta = prob.split(x)
    vcov = _vcov(dv, prob.local, mask, m)
    lik = study_loglik(data, gamma, theta, alpha, nagq)
    return GLMMFit(
        gamma=gamma.copy(),
        theta=np.abs(theta),
        alpha=alpha if alpha is not None else np.full((B, k), np.nan),
        vcov=vcov,
        ll=lik.ll.sum(axis=1),
        drsum=lik.drsum.sum(axis=1),
        converged=done,
        iterations=iters,
        grad_max=_grad_max(dv, mask, prob.local),
    )


def _grad_max(dv: _Derivs, mask: BoolArray, local: bool) -> Array:
    g = np.abs(dv.gs).max(axis=1)
    if local:
        g = np.maximum(g, np.where(mask, np.abs(dv.ga), 0.0).max(axis=1))
    return g


def _vcov(dv: _Derivs, local: bool, mask: BoolArray, m: int) -> Array:
    """Block of ``(-H)^{-1}`` for ``gamma``: the inverse of the Schur complement, first m rows."""
    Gss = -dv.Hss
    if local:
        Gaa = np.where(mask, -dv.Haa, 1.0)
        Gsa = np.where(mask[:, None, :], -dv.Hsa, 0.0)
        Gaa = np.where(Gaa > 0, Gaa, np.nan)
        S = Gss - np.einsum("bsk,bk,btk->bst", Gsa, 1.0 / Gaa, Gsa)
    else:
        S = Gss
    out = np.full((S.shape[0], m, m), np.nan)
    for b in range(S.shape[0]):
        Sb = S[b]
        if not np.all(np.isfinite(Sb)):
            continue
        s = Sb.shape[0]
        if s > m and Sb[m, m] <= 0:
            # tau at the boundary with a flat (or curving down) profile in theta: lme4's
            # full inverse fails there too; the gamma block is the inverse of its own block.
            Sb = Sb[:m, :m]
        try:
            inv = np.linalg.inv(Sb)
        except np.linalg.LinAlgError:
            continue
        out[b] = 0.5 * (inv[:m, :m] + inv[:m, :m].T)
    return out


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
