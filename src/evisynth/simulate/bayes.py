"""The Bayesian random-effects analysis as a simulation method: ``("bayes", prior)``.

The prior is a text understood by :func:`evisynth.meta.priors.parse_tau_prior`
(``"halfnormal:0.5"``, ``"halfcauchy:1"``, ``"turner"``, ...), a prior object
of :mod:`evisynth.meta.priors`, or a :class:`BayesSpec` (prior with an effect
prior and the interval type). Every replication is analysed by
:func:`evisynth.engine.bayes_batch` (exact quadrature over tau, batched): the
interval is the credible interval of ``mu``, the estimate its posterior median,
the tau² estimate the square of the posterior median of tau; a replication
whose posterior is improper counts as not converged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from evisynth.simulate.methods import Array, Method, MethodFit, register_family


@dataclass(frozen=True)
class BayesSpec:
    """A Bayesian analysis: heterogeneity prior, optional normal effect prior, interval type."""

    prior: Any
    mu_prior: tuple[float, float] | None = None
    shortest: bool = False

    @property
    def label(self) -> str:
        out = str(self.prior.label)
        if self.mu_prior is not None:
            out += f", mu~N({self.mu_prior[0]:g}, {self.mu_prior[1]:g}²)"
        if self.shortest:
            out += ", shortest"
        return out


def _check(option: Any) -> tuple[str, BayesSpec]:
    from evisynth.meta.priors import TauPrior, parse_tau_prior

    if isinstance(option, BayesSpec):
        return option.label, option
    if isinstance(option, TauPrior):
        return option.label, BayesSpec(option)
    prior = parse_tau_prior(option)
    return str(option).strip().lower(), BayesSpec(prior)


def _fit(method: Method, Y: Array, V: Array, level: float) -> MethodFit:
    from evisynth.engine import bayes_batch

    spec = method.option if method.option is not None else _check(method.test)[1]
    r = bayes_batch(Y.T, V.T, prior=spec.prior, mu_prior=spec.mu_prior, level=level,
                    shortest=spec.shortest)
    ok = r.proper & np.isfinite(r.ci_lb) & np.isfinite(r.ci_ub)
    return MethodFit(r.estimate, r.ci_lb, r.ci_ub, r.tau_median * r.tau_median, ok)


register_family("bayes", _fit, _check)
