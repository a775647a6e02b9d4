"""The priors of a Bayesian meta-analysis as the user gives them: a prior object, a name, a
density or a default, checked for a proper posterior."""

from __future__ import annotations

from typing import Any

from evisynth.errors import InputError
from evisynth.meta.priors import (
    CustomPrior,
    NormalEffectPrior,
    TauPrior,
    parse_tau_prior,
    recommended_tau_prior,
)
from evisynth.meta.results import LOG_MEASURES


def resolve_tau_prior(tau_prior: Any, measure: str) -> TauPrior:
    """A :class:`TauPrior` from an object, a name such as ``"halfnormal:0.5"`` or a callable.

    ``None`` gives :func:`~evisynth.meta.priors.recommended_tau_prior` for
    log-ratio measures and an error otherwise.

    Raises
    ------
    InputError
        Unknown name (choices listed), bad parameters, or ``None`` for a
        measure without a published default.
    """
    if tau_prior is None:
        if measure.upper() in LOG_MEASURES:
            return recommended_tau_prior(measure)
        raise InputError(
            f"argument 'tau_prior': no default heterogeneity prior for measure {measure!r}; "
            "pass one, e.g. tau_prior='halfnormal:0.5' with the scale in the units of yi",
            where="tau_prior",
        )
    if isinstance(tau_prior, TauPrior):
        return tau_prior
    if isinstance(tau_prior, str):
        return parse_tau_prior(tau_prior)
    if callable(tau_prior):
        return CustomPrior(tau_prior)
    raise InputError(
        f"argument 'tau_prior': expected a prior object, a name such as 'halfnormal:0.5' or a "
        f"density function of tau, got {type(tau_prior).__name__}",
        where="tau_prior",
    )


def resolve_mu_prior(mu_prior: Any) -> NormalEffectPrior | None:
    """``None`` (flat), a :class:`NormalEffectPrior` or a ``(mean, sd)`` pair.

    Raises
    ------
    InputError
        Anything else, or an ``sd`` that is not positive.
    """
    if mu_prior is None or isinstance(mu_prior, NormalEffectPrior):
        return mu_prior
    if isinstance(mu_prior, tuple | list) and len(mu_prior) == 2:
        return NormalEffectPrior(mu_prior[0], mu_prior[1])
    raise InputError(
        f"argument 'mu_prior': expected None (flat prior), (mean, sd) or NormalEffectPrior, got "
        f"{mu_prior!r:.60}",
        where="mu_prior",
    )


def check_proper(prior: TauPrior, mu_prior: NormalEffectPrior | None, k: int) -> None:
    """Raise if the posterior is improper for this prior and number of studies.

    With a flat effect prior, ``p(y | tau)`` tends to a constant times
    ``tau^-(k-1)`` as ``tau -> inf`` (a normal effect prior adds one power),
    so an improper flat ``tau`` prior needs ``k >= 3`` (``k >= 2``).
    """
    if prior.proper:
        return
    need = 3 if mu_prior is None else 2
    if k < need:
        what = "flat" if mu_prior is None else "normal"
        raise InputError(
            f"argument 'tau_prior': the posterior is improper: with the improper prior "
            f"{prior.label} and a {what} effect prior the likelihood of tau decays like "
            f"tau^-{k - 1 if mu_prior is None else k}, which is not integrable, with k = {k} "
            f"studies (needs k >= {need}); use a proper prior such as 'halfnormal:0.5'",
            where="tau_prior",
        )
