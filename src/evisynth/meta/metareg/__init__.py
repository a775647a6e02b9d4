"""Meta-regression: ``rma(es, mods=...)`` (metafor's mixed-effects ``rma.uni``).

The model is ``y = X beta + u + e`` with ``u ~ N(0, tau²)`` (residual
heterogeneity) and ``e ~ N(0, vi)``; the fixed-effects variant has ``tau² = 0``.
tau² is estimated by any of the engine's estimators on the full design, the
coefficients by weighted least squares (:mod:`evisynth.engine.fit`).

Omnibus test of the moderators ``btt`` (Viechtbauer 2010; metafor ``rma.uni``)::

    QM = b[btt]' V[btt, btt]^{-1} b[btt]          ~ chi²(m)           (test="z")
    QM = b[btt]' V[btt, btt]^{-1} b[btt] / m      ~ F(m, k - p)       (t, knha, adhoc)

with ``V`` the (Knapp–Hartung scaled, where applicable) covariance of ``b``.
Pseudo-R² (Raudenbush 2009; metafor's default): the proportional reduction of
tau² relative to the intercept-only model fitted with the same estimator,
``R² = max(0, 100 (tau²_0 - tau²) / tau²_0)`` (0 if ``tau²_0 = 0``); for
fixed-effects models metafor's definition is the adjusted R² of the weighted
least-squares regression with weights ``1/vi``, which in closed form is
``max(0, 100 [1 - (QE / Q_0) (k - 1) / (k - p)])`` with ``Q_0`` the Cochran Q of
the intercept-only model. R² is reported only for models with an intercept
and at least one moderator (``None`` otherwise, as metafor; also ``None`` when
``k = p``, where metafor's adjusted R² of a fixed-effects model is NaN).
"""

from evisynth.meta.metareg.design import INTERCEPT, build_design, resolve_btt
from evisynth.meta.metareg.fit import fit_metareg, omnibus
from evisynth.meta.metareg.result import MetaRegResult

__all__ = ["INTERCEPT", "MetaRegResult", "build_design", "fit_metareg", "omnibus", "resolve_btt"]
