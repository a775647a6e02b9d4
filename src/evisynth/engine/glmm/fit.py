"""Maximisation: damped Newton–Raphson on ``(gamma, theta, alpha)`` for every batch
member, the Hessian by central differences of the gradient solved by its Schur
complement, and the covariance of ``gamma`` (see :mod:`evisynth.engine.glmm`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evisynth.engine.glmm.likelihood import Array, BoolArray, GLMMData, StudyLik, study_loglik


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
