"""``bayesmeta``: Bayesian random-effects meta-analysis by exact numerical integration.

With two or three trials the between-study standard deviation ``tau`` is
hardly estimable: z intervals ignore its uncertainty and under-cover, and
Hartung–Knapp intervals on t(1) or t(2) are so wide that they say nothing.
A Bayesian analysis with a weakly informative prior on ``tau`` carries that
uncertainty honestly (Friede et al. 2017; Bender et al. 2018; Röver et al.
2021). The posterior is computed without MCMC, as in the R package
``bayesmeta`` (Röver 2020): quadrature over ``tau`` and exact normal mixtures
for everything else (:mod:`evisynth.engine.bayes`).

References
----------
Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R
package. J Stat Softw 93(6):1-51.

Friede T, Röver C, Wandel S, Neuenschwander B (2017). Meta-analysis of two
studies in the presence of heterogeneity with applications in rare diseases.
Biom J 59(4):658-671.

Bender R, Friede T, Koch A, Kuss O, Schlattmann P, Schwarzer G, Skipka G
(2018). Methods for evidence synthesis in the case of very few studies. Res
Synth Methods 9(3):382-392.

Röver C, Bender R, Dias S, Schmid CH, Schmidli H, Sturtz S, Weber S, Friede T
(2021). On weakly informative prior distributions for the heterogeneity
parameter in Bayesian random-effects meta-analysis. Res Synth Methods
12(4):448-474.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evisynth._validation import check_bool, check_level
from evisynth.effects import EffectSizes
from evisynth.engine.bayes import posterior_grid, summarise
from evisynth.errors import InputError
from evisynth.meta.bayes.choice import check_proper, resolve_mu_prior, resolve_tau_prior
from evisynth.meta.bayes.result import BayesMetaResult

__all__ = [
    "BayesMetaResult", "bayesmeta", "prior_sensitivity", "resolve_mu_prior", "resolve_tau_prior",
]


def bayesmeta(
    es: EffectSizes | None = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    tau_prior: Any = None,
    mu_prior: Any = None,
    level: float = 95,
    shortest: bool = False,
    labels: Any = None,
) -> BayesMetaResult:
    """Bayesian random-effects meta-analysis (normal-normal hierarchical model).

    Parameters
    ----------
    es
        Effect sizes from :func:`evisynth.escalc`; alternatively ``yi`` with
        ``vi`` or ``sei``.
    yi, vi, sei
        Estimates and their sampling variances or standard errors.
    tau_prior
        Prior of the between-study standard deviation ``tau``: an object from
        :mod:`evisynth.meta.priors` (e.g. ``HalfNormalPrior(0.5)``,
        ``LogNormalPrior.turner("all-cause mortality")``), a name such as
        ``"halfnormal:0.5"`` or ``"halfcauchy:1"`` (see
        :func:`~evisynth.meta.priors.parse_tau_prior`), or a density function of
        ``tau``. Default: half-normal(0.5) for log-ratio measures (OR, RR, HR,
        ...; Röver et al. 2021), otherwise required.
    mu_prior
        ``None`` (flat, improper uniform; default) or a normal prior as
        ``(mean, sd)`` or :class:`~evisynth.meta.priors.NormalEffectPrior`.
    level
        Credible level in percent.
    shortest
        Report shortest (highest posterior density) intervals instead of
        central ones.
    labels
        Study labels (default: those of ``es``).

    Returns
    -------
    BayesMetaResult
        Posterior median, mean, sd and credible interval of ``mu``; posterior
        of ``tau``; predictive interval; shrunken study estimates; marginal
        likelihood and Bayes factors; :meth:`~BayesMetaResult.prob`,
        :meth:`~BayesMetaResult.density`, :meth:`~BayesMetaResult.exp`.

    Raises
    ------
    InputError
        Bad effect sizes, an unknown prior name (choices listed), a prior
        scale that is not positive, or an improper posterior (e.g. an improper
        ``tau`` prior with too few studies, or a user density whose posterior
        does not decay).

    References
    ----------
    Röver C (2020). J Stat Softw 93(6):1-51 (bayesmeta); Röver C et al. (2021).
    Res Synth Methods 12:448-474 (heterogeneity priors); Friede T et al. (2017).
    Biom J 59:658-671.

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.398, 0.375, 1.07], ci_lb=[0.308, 0.259, 0.82],
    ...                ci_ub=[0.514, 0.542, 1.40])
    >>> fit = ev.bayesmeta(es, tau_prior="halfnormal:0.5")
    >>> round(fit.exp()["estimate"], 3), fit.k
    (0.547, 3)
    """
    from evisynth.meta.rma import effect_inputs

    y, v, lab, measure = effect_inputs(es, yi, vi, sei, labels)
    k = len(y)
    if k < 1:
        raise InputError("no studies: yi is empty", where="yi")
    prior = resolve_tau_prior(tau_prior, measure)
    mp = resolve_mu_prior(mu_prior)
    lv = check_level(level)
    short = check_bool("shortest", shortest)
    check_proper(prior, mp, k)
    mpt = None if mp is None else (mp.mean, mp.sd)
    grid = posterior_grid(y[None, :], v[None, :], np.ones((1, k), bool), prior, mpt)
    if not grid.proper[0]:
        raise InputError(
            f"argument 'tau_prior': the posterior of tau under {prior.label} does not decay "
            "within e^50 times the scale of the data (it looks improper); use a proper prior "
            "such as 'halfnormal:0.5'",
            where="tau_prior",
        )

    r = summarise(grid, lv / 100.0, short, True)
    assert r.theta_median is not None and r.theta_lb is not None and r.theta_ub is not None
    assert r.theta_mean is not None and r.theta_sd is not None
    return BayesMetaResult(
        estimate=float(r.estimate[0]), mean=float(r.mean[0]), sd=float(r.sd[0]),
        ci_lb=float(r.ci_lb[0]), ci_ub=float(r.ci_ub[0]), tau=float(r.tau_median[0]),
        tau_mean=float(r.tau_mean[0]), tau_lb=float(r.tau_lb[0]), tau_ub=float(r.tau_ub[0]),
        pi_median=float(r.pi_median[0]), pi_lb=float(r.pi_lb[0]), pi_ub=float(r.pi_ub[0]),
        log_marglik=float(r.log_marglik[0]), bf01_tau0=float(r.bf01_tau0[0]),
        bf01_mu0=float(r.bf01_mu0[0]), k=k, level=lv, shortest=short, tau_prior=prior,
        mu_prior=mp, yi=y, vi=v, theta_mean=r.theta_mean[0], theta_sd=r.theta_sd[0],
        theta_median=r.theta_median[0], theta_lb=r.theta_lb[0], theta_ub=r.theta_ub[0],
        labels=lab, measure=measure, grid=grid,
    )


def prior_sensitivity(
    es: EffectSizes | None = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    tau_priors: Any = ("halfnormal:0.5", "halfnormal:1", "halfcauchy:0.5"),
    mu_prior: Any = None,
    level: float = 95,
) -> list[dict[str, Any]]:
    """The same Bayesian analysis under several heterogeneity priors: one row per prior.

    Parameters
    ----------
    es, yi, vi, sei
        Effect sizes as for :func:`bayesmeta`.
    tau_priors
        Priors (objects, names or densities) to compare.
    mu_prior, level
        As for :func:`bayesmeta`.

    Returns
    -------
    list of dict
        Per prior: ``tau_prior``, ``source``, ``estimate``, ``ci_lb``, ``ci_ub``,
        ``tau``, ``tau_lb``, ``tau_ub``, ``pi_lb``, ``pi_ub``, ``prob_below_0``.

    Raises
    ------
    InputError
        As :func:`bayesmeta`, for any of the priors.

    References
    ----------
    Röver C et al. (2021), Res Synth Methods 12:448-474 (sensitivity to the
    heterogeneity prior).

    Examples
    --------
    >>> from evisynth.meta.bayes import prior_sensitivity
    >>> rows = prior_sensitivity(yi=[-0.92, -0.98, 0.07], vi=[0.017, 0.035, 0.019])
    >>> [r["tau_prior"] for r in rows]
    ['half-normal(scale=0.5)', 'half-normal(scale=1)', 'half-Cauchy(scale=0.5)']
    """
    rows = []
    for p in tau_priors:
        fit = bayesmeta(es, yi=yi, vi=vi, sei=sei, tau_prior=p, mu_prior=mu_prior, level=level)
        rows.append({
            "tau_prior": fit.tau_prior.label, "source": fit.tau_prior.source,
            "estimate": fit.estimate, "ci_lb": fit.ci_lb, "ci_ub": fit.ci_ub, "tau": fit.tau,
            "tau_lb": fit.tau_lb, "tau_ub": fit.tau_ub, "pi_lb": fit.pi_lb, "pi_ub": fit.pi_ub,
            "prob_below_0": fit.prob(0.0),
        })
    return rows
