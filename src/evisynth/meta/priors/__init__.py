"""Prior distributions for the heterogeneity ``tau`` of a Bayesian random-effects model.

Every prior is a small frozen object on ``tau`` (the between-study *standard
deviation*, not the variance) with vectorised ``pdf``, ``logpdf`` and ``cdf``,
its support (``upper``; ``inf`` unless bounded), whether it is ``proper``, a
``label`` for printing and, for published choices, the ``source`` of its
numbers. :func:`evisynth.bayesmeta` accepts any of them, a name such as
``"halfnormal:0.5"`` (see :func:`parse_tau_prior`), or a user density (a
callable, wrapped in :class:`CustomPrior`).

Which prior for which scale
---------------------------
For log odds ratios, log risk ratios and log hazard ratios, Friede et al.
(2017) and Röver et al. (2021) discuss half-normal priors with scale 0.5
(weakly informative; ``tau = 0.5`` is already "fairly high" heterogeneity on a
log-ratio scale) and 1.0 (more conservative); :func:`recommended_tau_prior`
returns the former with the latter named for a sensitivity analysis. Turner
et al. (2015) give *empirical* log-normal predictive distributions for
``tau²`` of log odds ratios by outcome and comparison type
(:meth:`LogNormalPrior.turner`).

References
----------
Friede T, Röver C, Wandel S, Neuenschwander B (2017). Meta-analysis of few small
studies in orphan diseases. Res Synth Methods 8(1):79-91; and Meta-analysis of
two studies in the presence of heterogeneity with applications in rare
diseases. Biom J 59(4):658-671.

Röver C, Bender R, Dias S, Schmid CH, Schmidli H, Sturtz S, Weber S, Friede T
(2021). On weakly informative prior distributions for the heterogeneity
parameter in Bayesian random-effects meta-analysis. Res Synth Methods
12(4):448-474. doi:10.1002/jrsm.1475.

Turner RM, Jackson D, Wei Y, Thompson SG, Higgins JPT (2015). Predictive
distributions for between-study heterogeneity and simple methods for their
application in Bayesian meta-analysis. Stat Med 34(6):984-998.
doi:10.1002/sim.6381 (Table IV; marginal setting p. 993).
"""

from __future__ import annotations

from evisynth.meta.priors.base import FloatArray as FloatArray
from evisynth.meta.priors.base import TauPrior
from evisynth.meta.priors.custom import CustomPrior
from evisynth.meta.priors.effect import NormalEffectPrior
from evisynth.meta.priors.families import (
    ExponentialPrior,
    HalfCauchyPrior,
    HalfNormalPrior,
    HalfStudentTPrior,
    ImproperUniformPrior,
    LomaxPrior,
    UniformPrior,
)
from evisynth.meta.priors.lognormal import TURNER_COMPARISONS, TURNER_OUTCOMES, LogNormalPrior
from evisynth.meta.priors.spec import PRIOR_SPECS as PRIOR_SPECS
from evisynth.meta.priors.spec import parse_tau_prior, recommended_tau_prior

__all__ = [
    "TURNER_COMPARISONS",
    "TURNER_OUTCOMES",
    "CustomPrior",
    "ExponentialPrior",
    "HalfCauchyPrior",
    "HalfNormalPrior",
    "HalfStudentTPrior",
    "ImproperUniformPrior",
    "LogNormalPrior",
    "LomaxPrior",
    "NormalEffectPrior",
    "TauPrior",
    "UniformPrior",
    "parse_tau_prior",
    "recommended_tau_prior",
]
