"""Priors by name: :func:`parse_tau_prior` (``"halfnormal:0.5"``) and
:func:`recommended_tau_prior` (the published default for log-ratio measures)."""

from __future__ import annotations

from collections.abc import Callable

from evisynth.errors import InputError
from evisynth.meta.priors.base import TauPrior
from evisynth.meta.priors.families import (
    ExponentialPrior,
    HalfCauchyPrior,
    HalfNormalPrior,
    HalfStudentTPrior,
    ImproperUniformPrior,
    LomaxPrior,
    UniformPrior,
)
from evisynth.meta.priors.lognormal import LogNormalPrior

#: Names accepted by :func:`parse_tau_prior` with their parameters, in order.
PRIOR_SPECS: dict[str, tuple[str, ...]] = {
    "halfnormal": ("scale",),
    "halfcauchy": ("scale",),
    "halft": ("scale", "df"),
    "exponential": ("scale",),
    "uniform": ("upper",),
    "improper": (),
    "lomax": ("shape", "scale"),
    "lognormal": ("meanlog", "sdlog"),
    "lognormal_tau2": ("mean", "sd"),
    "turner": ("outcome", "comparison"),
}


def parse_tau_prior(spec: str) -> TauPrior:
    """Build a prior from a text such as ``"halfnormal:0.5"`` or ``"lomax:1:0.5"``.

    Parameters
    ----------
    spec
        ``NAME`` or ``NAME:P1[:P2]``, parameters in the order of
        :data:`PRIOR_SPECS` (``halfnormal:SCALE``, ``halfcauchy:SCALE``,
        ``halft:SCALE:DF``, ``exponential:SCALE``, ``uniform:UPPER``,
        ``improper``, ``lomax:SHAPE:SCALE``, ``lognormal:MEANLOG:SDLOG``,
        ``lognormal_tau2:MEAN:SD``, ``turner[:OUTCOME[:COMPARISON]]``).

    Returns
    -------
    TauPrior

    Raises
    ------
    InputError
        Unknown name (the message lists the choices), wrong number of
        parameters, or a parameter that is not a valid number.

    Examples
    --------
    >>> from evisynth.meta.priors import parse_tau_prior
    >>> parse_tau_prior("halfnormal:0.5").label
    'half-normal(scale=0.5)'
    """
    if isinstance(spec, TauPrior):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(
            f"tau_prior: {spec!r} is not a prior; use one of "
            + ", ".join(f"{n}:{':'.join(p).upper()}" if p else n for n, p in PRIOR_SPECS.items()),
            where="tau_prior",
        )
    name, *args = [s.strip() for s in spec.split(":")]
    key = name.lower().replace("-", "").replace("_", "")
    keys = {n.replace("_", ""): n for n in PRIOR_SPECS}
    if key not in keys:
        raise InputError(
            f"tau_prior: unknown prior {name!r}; choose one of "
            + ", ".join(f"{n}:{':'.join(p).upper()}" if p else n for n, p in PRIOR_SPECS.items()),
            where="tau_prior",
        )
    n = keys[key]
    want = PRIOR_SPECS[n]
    if n == "turner":
        if len(args) > 2:
            raise InputError("tau_prior: turner takes at most OUTCOME:COMPARISON",
                             where="tau_prior")
        return LogNormalPrior.turner(*args) if args else LogNormalPrior.turner()
    if len(args) != len(want) and not (n == "halft" and len(args) == 1):
        raise InputError(
            f"tau_prior: {n} takes {len(want)} parameter(s) ({', '.join(want) or 'none'}), "
            f"got {len(args)} in {spec!r}",
            where="tau_prior",
        )
    vals: list[float] = []
    for p, a in zip(want, args, strict=False):
        try:
            vals.append(float(a))
        except ValueError:
            raise InputError(f"tau_prior: {p} = {a!r} in {spec!r} is not a number",
                             where="tau_prior") from None
    builders: dict[str, Callable[..., TauPrior]] = {
        "halfnormal": HalfNormalPrior,
        "halfcauchy": HalfCauchyPrior,
        "halft": HalfStudentTPrior,
        "exponential": ExponentialPrior,
        "uniform": UniformPrior,
        "improper": ImproperUniformPrior,
        "lomax": LomaxPrior,
        "lognormal": LogNormalPrior,
        "lognormal_tau2": LogNormalPrior.on_tau2,
    }
    return builders[n](*vals)


#: Effect measures analysed on a log-ratio scale, for :func:`recommended_tau_prior`.
_LOG_RATIO = ("OR", "RR", "HR", "IRR", "PETO", "MH", "ROM")


def recommended_tau_prior(measure: str) -> TauPrior:
    """The weakly informative half-normal(0.5) prior for log-ratio measures.

    Friede et al. (2017) and Röver et al. (2021) discuss half-normal priors
    with scales 0.5 and 1.0 for the heterogeneity of log odds ratios (and
    similarly scaled log risk and hazard ratios): scale 0.5 puts 95% prior
    mass below ``tau = 0.98`` (a between-study spread of true ratios by a
    factor of about 2.7), scale 1.0 is the more conservative sensitivity
    analysis.

    Parameters
    ----------
    measure
        Effect measure code (``"HR"``, ``"OR"``, ``"RR"``, ...).

    Returns
    -------
    HalfNormalPrior

    Raises
    ------
    InputError
        For measures not on a log-ratio scale (no recommendation is shipped:
        choose a scale in the units of the outcome).

    References
    ----------
    Röver et al. (2021), Res Synth Methods 12:448-474; Friede et al. (2017),
    Biom J 59:658-671.

    Examples
    --------
    >>> from evisynth.meta.priors import recommended_tau_prior
    >>> recommended_tau_prior("HR").label
    'half-normal(scale=0.5)'
    """
    if str(measure).upper() not in _LOG_RATIO:
        raise InputError(
            f"argument 'measure': no published default tau prior is shipped for {measure!r}; "
            f"recommended_tau_prior covers log-ratio measures ({', '.join(_LOG_RATIO)}); "
            "pick a half-normal scale in the outcome's units",
            where="measure",
        )
    return HalfNormalPrior(0.5)
