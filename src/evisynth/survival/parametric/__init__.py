"""Parametric survival models for extrapolation, with mixture-cure versions.

Distributions and parameterisations (natural parameters in brackets):

========================  ==========================================================
``exponential``           S(t) = exp(-rate t)                                [rate]
``weibull``               S(t) = exp(-(t/scale)^shape)                [shape, scale]
                          (R ``survreg``: mu = log scale, sigma = 1/shape)
``gompertz``              h(t) = rate exp(shape t),
                          S(t) = exp(-(rate/shape)(exp(shape t) - 1))   [shape, rate]
                          (flexsurv's parameterisation; shape < 0 gives a plateau)
``lognormal``             log T ~ Normal(meanlog, sdlog)            [meanlog, sdlog]
``loglogistic``           S(t) = 1 / (1 + (t/scale)^shape)            [shape, scale]
                          (R ``survreg``: mu = log scale, sigma = 1/shape)
``gengamma``              generalised gamma of Prentice (1974)      [mu, sigma, Q]
                          w = (log t - mu)/sigma, g = Q^-2, u = g exp(Q w);
                          S = 1 - P(g, u) for Q > 0, P(g, u) for Q < 0,
                          the log-normal for Q = 0 (flexsurv ``gengamma``)
========================  ==========================================================

Mixture cure (Boag 1949; Berkson & Gage 1952): a fraction ``cure`` never has the
event, ``S(t) = cure + (1 - cure) S_u(t)``, ``f(t) = (1 - cure) f_u(t)``; the
cure fraction is estimated on the logit scale.

Estimation: maximum likelihood, ``sum_events log f(t) + sum_censored log S(t)``
(on the time scale, as R ``survreg`` and flexsurv report it), maximised with
scipy (Nelder–Mead, then BFGS, then Newton steps on central-difference
derivatives). The covariance of the internal parameters is the inverse of the
numerical Hessian. AIC = 2k - 2 logL; BIC = k log(n) - 2 logL with ``n`` the
number of patients.

References
----------
Collett D. Modelling Survival Data in Medical Research, 3rd ed., ch. 5–6.
Prentice RL. Biometrika 1974;61:539–544 (generalised gamma).
Jackson C. flexsurv: J Stat Softw 2016;70(8) (parameterisations).
Latimer N. NICE DSU TSD 14 (2011): the standard set of extrapolation models.
"""

from evisynth.survival.parametric.families import DISTRIBUTIONS
from evisynth.survival.parametric.fit import ParametricFit, fit_parametric
from evisynth.survival.parametric.models import ModelComparison, fit_parametric_models

__all__ = [
    "DISTRIBUTIONS",
    "ModelComparison",
    "ParametricFit",
    "fit_parametric",
    "fit_parametric_models",
]
