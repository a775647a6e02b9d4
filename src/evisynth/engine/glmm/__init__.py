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

from evisynth.engine.glmm.data import nchg_data, proportions_data
from evisynth.engine.glmm.fit import GLMMFit, fit_glmm
from evisynth.engine.glmm.likelihood import (
    FAMILIES,
    GLMMData,
    StudyLik,
    gh_rule,
    linear_predictor,
    log_constants,
    study_loglik,
)
from evisynth.engine.glmm.likelihood import (
    _nchg_moments as _nchg_moments,  # used by evisynth.meta.glmm
)

__all__ = [
    "FAMILIES",
    "GLMMData",
    "GLMMFit",
    "StudyLik",
    "_nchg_moments",
    "fit_glmm",
    "gh_rule",
    "linear_predictor",
    "log_constants",
    "nchg_data",
    "proportions_data",
    "study_loglik",
]
