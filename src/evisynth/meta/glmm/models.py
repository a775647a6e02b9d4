"""The likelihoods behind :func:`evisynth.rma_glmm`, one builder per measure and model.

Each builder lays the counts out for :func:`evisynth.engine.glmm.fit_glmm`
(:class:`~evisynth.engine.glmm.GLMMData`) and adds what the heterogeneity tests
need: the saturated log-likelihood, the per-study saturated estimates with their
inverse variances, and the escalc variances behind metafor's typical within-study
variance ``vt``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from evisynth._validation import FloatArray
from evisynth.engine.glmm import GLMMData, GLMMFit, _nchg_moments, fit_glmm, nchg_data
from evisynth.errors import ConvergenceError


@dataclass
class _Model:
    data: GLMMData
    ll_sat: float
    theta_i: FloatArray  # saturated per-study estimate (analysis scale, minus offset)
    w_i: FloatArray  # its inverse variance (0 where the estimate is infinite)
    vi: FloatArray  # escalc variances for vt (1/2 added to studies with a zero cell)
    events: FloatArray | None
    totals: FloatArray | None


def _binom_ll_sat(x: FloatArray, n: FloatArray) -> float:
    return float(stats.binom.logpmf(x, n, x / n).sum())


def _one_obs(
    y: FloatArray, n: FloatArray, off: FloatArray, X: FloatArray, family: str
) -> GLMMData:
    k = X.shape[0]
    return GLMMData(
        y=y[None, :, None],
        n=n[None, :, None],
        off=off[None, :, None],
        D=X[None, :, None, :],
        A=None,
        z=np.ones((1, k, 1)),
        obs=np.ones((1, k, 1), dtype=bool),
        mask=np.ones((1, k), dtype=bool),
        family=family,
    )


def _two_arms(
    y1: FloatArray,
    n1: FloatArray,
    off1: FloatArray,
    y2: FloatArray,
    n2: FloatArray,
    off2: FloatArray,
    X: FloatArray,
    family: str,
) -> GLMMData:
    k, p = X.shape
    D = np.zeros((1, k, 2, p))
    D[0, :, 0, :] = X
    z = np.empty((1, k, 2))
    z[..., 0], z[..., 1] = 0.5, -0.5
    return GLMMData(
        y=np.stack([y1, y2], axis=-1)[None],
        n=np.stack([n1, n2], axis=-1)[None],
        off=np.stack([off1, off2], axis=-1)[None],
        D=D,
        A=np.ones((1, k, 2)),
        z=z,
        obs=np.ones((1, k, 2), dtype=bool),
        mask=np.ones((1, k), dtype=bool),
        family=family,
    )


def _logit_parts(x: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = (x > 0) & (x < n)
    xs, ns = np.where(inside, x, 1.0), np.where(inside, n, 2.0)
    return np.where(inside, np.log(xs / (ns - xs)), 0.0), np.where(
        inside, xs * (ns - xs) / ns, 0.0
    )


def _plo_model(x: FloatArray, n: FloatArray, X: FloatArray) -> _Model:
    theta, w = _logit_parts(x, n)
    zero = (x == 0) | (x == n)
    a = np.where(zero, 0.5, 0.0)
    vi = 1.0 / (x + a) + 1.0 / (n - x + a)
    return _Model(
        _one_obs(x, n, np.zeros_like(x), X, "binomial"),
        _binom_ll_sat(x, n),
        theta,
        w,
        vi,
        x,
        n,
    )


def _or_model(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, X: FloatArray, model: str
) -> _Model:
    n1, n2 = a + b, c + d
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = np.where(zero, 0.5, 0.0)
    vi = 1 / (a + add) + 1 / (b + add) + 1 / (c + add) + 1 / (d + add)
    if model == "CM.EL":
        data = nchg_data(a[None], b[None], c[None], d[None], X[None])
        ll_sat, theta, w = _nchg_saturated(data)
        return _Model(data, ll_sat, theta, w, vi, None, None)
    if model == "UM.FS":
        ok = ~zero
        aa, bb, cc, dd = (np.where(ok, v, 1.0) for v in (a, b, c, d))
        theta = np.where(ok, np.log(aa * dd / (bb * cc)), 0.0)
        w = np.where(ok, 1.0 / (1 / aa + 1 / bb + 1 / cc + 1 / dd), 0.0)
        data = _two_arms(a, n1, np.zeros_like(a), c, n2, np.zeros_like(c), X, "binomial")
        return _Model(data, _binom_ll_sat(a, n1) + _binom_ll_sat(c, n2), theta, w, vi, None, None)
    # CM.AL: events of group 1 among all events, offset log(n1 / n2)
    m1 = a + c
    off = np.log(n1 / n2)
    lg, w = _logit_parts(a, m1)
    theta = np.where(w > 0, lg - off, 0.0)
    return _Model(
        _one_obs(a, m1, off, X, "binomial"), _binom_ll_sat(a, m1), theta, w, vi, None, None
    )


def _irr_model(
    x1: FloatArray, t1: FloatArray, x2: FloatArray, t2: FloatArray, X: FloatArray, model: str
) -> _Model:
    zero = (x1 == 0) | (x2 == 0)
    add = np.where(zero, 0.5, 0.0)
    vi = 1 / (x1 + add) + 1 / (x2 + add)
    ok = ~zero
    s1, s2 = np.where(ok, x1, 1.0), np.where(ok, x2, 1.0)
    theta = np.where(ok, np.log(s1 / t1) - np.log(s2 / t2), 0.0)
    w = np.where(ok, 1.0 / (1 / s1 + 1 / s2), 0.0)
    if model == "UM.FS":
        data = _two_arms(x1, np.ones_like(x1), np.log(t1), x2, np.ones_like(x2), np.log(t2), X,
                         "poisson")
        ll_sat = float(stats.poisson.logpmf(x1, x1).sum() + stats.poisson.logpmf(x2, x2).sum())
        return _Model(data, ll_sat, theta, w, vi, None, None)
    m = x1 + x2
    off = np.log(t1 / t2)
    return _Model(_one_obs(x1, m, off, X, "binomial"), _binom_ll_sat(x1, m), theta, w, vi, None,
                  None)


def _nchg_saturated(data: GLMMData) -> tuple[float, FloatArray, FloatArray]:
    """Per-study conditional MLE of the log odds ratio (noncentral hypergeometric).

    Returns the saturated log-likelihood, the estimates and their inverse
    variances ``Var[a | eta]``; a count at the edge of its support has an
    infinite estimate, log-likelihood 0 and weight 0.
    """
    from evisynth.engine.glmm import log_constants

    assert data.support is not None and data.logc is not None
    y = data.y[0, :, 0]
    fin = np.isfinite(data.logc[0, :, 0, :])
    xs = data.support[0, :, 0, :]
    lo = np.where(fin, xs, np.inf).min(axis=1)
    hi = np.where(fin, xs, -np.inf).max(axis=1)
    inner = (y > lo) & (y < hi)
    eta = np.zeros((1, len(y), 1))
    for _ in range(200):
        _, mean, var, _ = _nchg_moments(data, eta)
        step = np.clip((data.y - mean) / np.maximum(var, 1e-300), -2.0, 2.0)
        step = np.where(inner[None, :, None], step, 0.0)
        eta = eta + step
        if np.all(np.abs(step) < 1e-13):
            break
    lse, _, var, _ = _nchg_moments(data, eta)
    ll_i = y * eta[0, :, 0] - lse[0, :, 0] + log_constants(data)[0]
    ll_sat = float(np.where(inner, ll_i, 0.0).sum())
    return ll_sat, np.where(inner, eta[0, :, 0], 0.0), np.where(inner, var[0, :, 0], 0.0)


def _wald_qe(theta: FloatArray, w: FloatArray, X: FloatArray) -> float:
    """Weighted residual sum of squares of the saturated estimates about the fit on ``X``."""
    XtW = X.T * w
    M = XtW @ X
    beta = np.linalg.lstsq(M, XtW @ theta, rcond=None)[0]
    r = theta - X @ beta
    return float(np.sum(w * r**2))


def _vt(vi: FloatArray, X: FloatArray) -> float:
    w = 1.0 / vi
    XtW = X.T * w
    M = np.linalg.inv(XtW @ X)
    trP = w.sum() - np.trace(M @ (XtW * w) @ X)
    return float((len(vi) - X.shape[1]) / trP) if len(vi) > X.shape[1] else float("nan")


def _fit(data: GLMMData, nagq: int, estimate_theta: bool, tol: float, maxiter: int,
         start: GLMMFit | None = None, theta0: float = 1.0) -> GLMMFit:
    return fit_glmm(
        data,
        nagq=nagq,
        estimate_theta=estimate_theta,
        gamma0=None if start is None else start.gamma,
        alpha0=None if start is None or np.isnan(start.alpha).all() else start.alpha,
        theta0=np.array([theta0]),
        tol=tol,
        maxiter=maxiter,
    )



def build_model(
    measure: str, model: str, cols: dict[str, FloatArray], X: FloatArray,
    labels: tuple[str, ...] | None,
) -> _Model:
    """The likelihood of ``measure``/``model`` on the checked counts ``cols``, design ``X``.

    Raises
    ------
    InputError
        If the counts cannot identify the model (no events, or only events, in
        every study or in one group of every study).
    """
    from evisynth.meta.glmm.inputs import _check_estimable_plo, _check_estimable_two

    if measure == "PLO":
        mdl = _plo_model(cols["xi"], cols["ni"], X)
        _check_estimable_plo(cols["xi"], cols["ni"], X, labels)
    elif measure == "OR":
        mdl = _or_model(cols["ai"], cols["bi"], cols["ci"], cols["di"], X, model)
        _check_estimable_two(cols["ai"], cols["ci"], cols["bi"], cols["di"], "ai", "ci")
    else:
        mdl = _irr_model(cols["x1i"], cols["t1i"], cols["x2i"], cols["t2i"], X, model)
        _check_estimable_two(cols["x1i"], cols["x2i"], None, None, "x1i", "x2i")
    return mdl


def fit_model(
    mdl: _Model, measure: str, method: str, nagq: int, tol: float, maxiter: int
) -> tuple[GLMMFit, GLMMFit]:
    """The fixed-effects fit and the fit of ``method`` (the same for ``"FE"``).

    The ML fit starts from the fixed-effects estimates with tau = 1, then 0.25
    and 3 if Newton-Raphson does not converge, or stops at tau = 0, or at a
    likelihood below the fixed-effects one; the highest likelihood is kept
    (the fixed-effects fit itself when it is higher: tau² = 0).

    Raises
    ------
    ConvergenceError
        If the fixed-effects fit, or the ML fit from all three starts, does not converge.
    """
    fe = _fit(mdl.data, nagq, False, tol, maxiter)
    if not fe.converged[0]:
        raise ConvergenceError(
            f"the fixed-effects {measure} model did not converge in {maxiter} Newton-Raphson "
            f"iterations (largest score {fe.grad_max[0]:.3g}); increase maxiter=; the data may "
            "not identify the model (e.g. no events in one group across all studies)"
        )
    if method == "ML":
        tried = []
        fit = None
        for th0 in (1.0, 0.25, 3.0):
            cand = _fit(mdl.data, nagq, True, tol, maxiter, start=fe, theta0=th0)
            tried.append(th0)
            if cand.converged[0] and (fit is None or cand.ll[0] > fit.ll[0] + 1e-9):
                fit = cand
            # tau = 0 is a stationary point of the (even in tau) likelihood even where it
            # is not the maximum, and Newton may stop at a lower local maximum: then try
            # the other starts too and keep the highest likelihood
            if fit is not None and abs(fit.theta[0]) > 1e-6 and fit.ll[0] >= fe.ll[0] - 1e-9:
                break
        if fit is not None and fe.ll[0] > fit.ll[0] + 1e-9:
            fit = fe  # the maximum is on the boundary tau = 0
        if fit is None:
            raise ConvergenceError(
                f"the ML fit of the {measure} GLMM ({nagq}-point adaptive Gauss-Hermite "
                f"quadrature) did not converge in {maxiter} Newton-Raphson iterations from the "
                f"fixed-effects estimates with tau = {', '.join(f'{t:g}' for t in tried)}; "
                "increase maxiter=, try nAGQ=1 (Laplace) or method='FE'"
            )
    else:
        fit = fe
    return fe, fit
