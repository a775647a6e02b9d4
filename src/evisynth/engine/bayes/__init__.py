"""Bayesian random-effects meta-analysis by deterministic integration, batched.

Model (the normal-normal hierarchical model, NNHM)::

    y_i | theta_i ~ N(theta_i, v_i),   theta_i | mu, tau ~ N(mu, tau²),
    mu ~ flat (improper) or N(m0, s0²),  tau ~ p(tau),

with known ``v_i``. Integrating the ``theta_i`` and ``mu`` out analytically
leaves one dimension: given ``tau``, ``mu | tau, y`` is normal with mean
``mhat(tau)`` (the inverse-variance weighted mean, the prior acting as one
more "study" ``(m0, s0²)``) and variance ``V(tau) = 1 / sum(w)``, and the
marginal likelihood ``p(y | tau)`` is Gaussian in closed form. The marginal
posterior of ``tau`` is then ``p(tau | y) ∝ p(tau) p(y | tau)`` and every
other marginal is an exact *mixture* over it: ``mu``, a new study's effect
(``N(mhat, V + tau²)``) and each study's shrunken effect are normal given
``tau``. This is the "DIRECT" construction of Röver (2020, bayesmeta); here
every integral over ``tau`` is one quadrature rule shared by the whole batch.

One module per part: the quadrature of ``p(tau | y)`` (``grid``: :class:`BayesGrid`,
:func:`posterior_grid`), normal mixtures over its nodes (``mixture``: CDF,
quantiles, moments, shortest intervals), the safeguarded Newton solver both
use (``_newton``), and the posterior summaries (``summary``: :class:`BayesArrays`,
:func:`summarise`, :func:`bayes_batch`). Every public name is importable from here, as before the
split.

References
----------
(The quadrature's reference is in :mod:`evisynth.engine.bayes.grid`.)

Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R
package. J Stat Softw 93(6):1-51. doi:10.18637/jss.v093.i06.

Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB (2013).
Bayesian Data Analysis, 3rd ed., section 5.4 (the normal hierarchical model,
``p(tau | y)`` and ``mu | tau, y``).
"""

from __future__ import annotations

from evisynth.engine.bayes.grid import BayesGrid, TauDensity, posterior_grid
from evisynth.engine.bayes.mixture import mixture_cdf, mixture_quantile
from evisynth.engine.bayes.mixture import shortest_interval as shortest_interval
from evisynth.engine.bayes.summary import BayesArrays, bayes_batch, summarise
from evisynth.engine.bayes.summary import tau_shortest as tau_shortest

__all__ = [
    "BayesArrays", "BayesGrid", "TauDensity", "bayes_batch", "mixture_cdf", "mixture_quantile",
    "posterior_grid", "summarise",
]
