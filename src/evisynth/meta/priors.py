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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from evisynth.errors import InputError

FloatArray = NDArray[np.float64]

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


def _positive(name: str, value: Any, owner: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{owner}: {name} = {value!r} is not a number", where=name) from None
    if not math.isfinite(x) or x <= 0:
        raise InputError(
            f"{owner}: {name} = {value!r}; must be a finite number greater than 0", where=name
        )
    return x


def _finite(name: str, value: Any, owner: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{owner}: {name} = {value!r} is not a number", where=name) from None
    if not math.isfinite(x):
        raise InputError(f"{owner}: {name} = {value!r}; must be a finite number", where=name)
    return x


@dataclass(frozen=True)
class TauPrior:
    """Base class: a prior density for ``tau >= 0``.

    Subclasses implement :meth:`logpdf` (and :meth:`cdf` where it has a closed
    form). ``upper`` is the end of the support, ``proper`` whether the density
    integrates to one.
    """

    upper: ClassVar[float] = math.inf
    proper: ClassVar[bool] = True
    name: ClassVar[str] = "prior"

    @property
    def source(self) -> str:
        """Where the prior's numbers come from (empty for user choices)."""
        return ""

    @property
    def label(self) -> str:
        """Short printable description, e.g. ``half-normal(scale=0.5)``."""
        return self.name

    def params(self) -> dict[str, float]:
        """The prior's parameters as plain numbers."""
        return {}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        """Log density at ``tau`` (``-inf`` outside the support)."""
        raise NotImplementedError

    def pdf(self, tau: ArrayLike) -> FloatArray:
        """Density at ``tau``."""
        return np.exp(self.logpdf(tau))

    def cdf(self, tau: ArrayLike) -> FloatArray:
        """Cumulative distribution function at ``tau``."""
        raise NotImplementedError(f"{self.label} has no closed-form cdf")

    def to_dict(self) -> dict[str, Any]:
        """Name, parameters and source as plain Python values."""
        return {"prior": self.name, **self.params(), "label": self.label, "source": self.source}


def _tau(tau: ArrayLike) -> FloatArray:
    return np.asarray(tau, dtype=np.float64)


@dataclass(frozen=True)
class HalfNormalPrior(TauPrior):
    """Half-normal prior, density ``2/scale * phi(tau/scale)`` on ``tau >= 0``.

    Parameters
    ----------
    scale
        Scale (the standard deviation of the underlying normal), > 0.

    Examples
    --------
    >>> from evisynth.meta.priors import HalfNormalPrior
    >>> p = HalfNormalPrior(0.5)
    >>> round(float(p.cdf(0.98)), 4)
    0.95
    """

    scale: float = 0.5
    name: ClassVar[str] = "halfnormal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _positive("scale", self.scale, "half-normal prior"))

    @property
    def label(self) -> str:
        return f"half-normal(scale={self.scale:g})"

    def params(self) -> dict[str, float]:
        return {"scale": self.scale}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        z = t / self.scale
        out = 0.5 * math.log(2.0 / math.pi) - math.log(self.scale) - 0.5 * z * z
        return np.where(t >= 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t > 0, special.erf(np.maximum(t, 0) / (self.scale * math.sqrt(2))), 0.0)


@dataclass(frozen=True)
class HalfStudentTPrior(TauPrior):
    """Half-Student-t prior with ``df`` degrees of freedom and a scale.

    Density ``2/scale * t_df(tau/scale)`` on ``tau >= 0`` (Gelman 2006);
    ``df = 1`` is the half-Cauchy.

    Parameters
    ----------
    scale
        Scale, > 0.
    df
        Degrees of freedom, > 0.
    """

    scale: float = 0.5
    df: float = 3.0
    name: ClassVar[str] = "halft"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _positive("scale", self.scale, f"{self.name} prior"))
        object.__setattr__(self, "df", _positive("df", self.df, f"{self.name} prior"))

    @property
    def label(self) -> str:
        return f"half-Student-t(scale={self.scale:g}, df={self.df:g})"

    def params(self) -> dict[str, float]:
        return {"scale": self.scale, "df": self.df}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        out = math.log(2.0) + stats.t.logpdf(t / self.scale, self.df) - math.log(self.scale)
        return np.where(t >= 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t > 0, 2.0 * stats.t.cdf(np.maximum(t, 0) / self.scale, self.df) - 1.0,
                        0.0)


@dataclass(frozen=True)
class HalfCauchyPrior(HalfStudentTPrior):
    """Half-Cauchy prior ``2 / (pi * scale * (1 + (tau/scale)^2))`` (Gelman 2006).

    Parameters
    ----------
    scale
        Scale (= the prior median), > 0.
    """

    df: float = field(default=1.0, init=False)
    name: ClassVar[str] = "halfcauchy"

    @property
    def label(self) -> str:
        return f"half-Cauchy(scale={self.scale:g})"

    def params(self) -> dict[str, float]:
        return {"scale": self.scale}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        z = t / self.scale
        out = math.log(2.0 / math.pi) - math.log(self.scale) - np.log1p(z * z)
        return np.where(t >= 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t > 0, 2.0 / math.pi * np.arctan(np.maximum(t, 0) / self.scale), 0.0)


@dataclass(frozen=True)
class ExponentialPrior(TauPrior):
    """Exponential prior with mean ``scale`` (rate ``1/scale``).

    Parameters
    ----------
    scale
        Mean of ``tau``, > 0.
    """

    scale: float = 0.5
    name: ClassVar[str] = "exponential"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _positive("scale", self.scale, "exponential prior"))

    @property
    def label(self) -> str:
        return f"exponential(scale={self.scale:g})"

    def params(self) -> dict[str, float]:
        return {"scale": self.scale}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t >= 0, -math.log(self.scale) - t / self.scale, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t > 0, -np.expm1(-np.maximum(t, 0) / self.scale), 0.0)


@dataclass(frozen=True)
class UniformPrior(TauPrior):
    """Uniform prior on ``(0, upper)``.

    Parameters
    ----------
    upper
        End of the support, > 0.
    """

    upper: float = 2.0  # type: ignore[misc]
    name: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        object.__setattr__(self, "upper", _positive("upper", self.upper, "uniform prior"))

    @property
    def label(self) -> str:
        return f"uniform(0, {self.upper:g})"

    def params(self) -> dict[str, float]:
        return {"upper": self.upper}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where((t >= 0) & (t <= self.upper), -math.log(self.upper), -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.clip(t / self.upper, 0.0, 1.0)


@dataclass(frozen=True)
class ImproperUniformPrior(TauPrior):
    """Improper flat prior ``p(tau) = 1`` on ``(0, inf)`` (bayesmeta's default).

    The posterior is proper only with enough studies: ``k >= 3`` with a flat
    effect prior, ``k >= 2`` with a normal one (the likelihood decays like
    ``tau^-(k-1)`` resp. ``tau^-k``).
    """

    proper: ClassVar[bool] = False
    name: ClassVar[str] = "improper"

    @property
    def label(self) -> str:
        return "improper uniform(0, inf)"

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        return np.where(t >= 0, 0.0, -np.inf)


@dataclass(frozen=True)
class LomaxPrior(TauPrior):
    """Lomax (Pareto type II) prior: ``shape/scale * (1 + tau/scale)^-(shape+1)``.

    Parameters
    ----------
    shape
        Tail index, > 0 (``shape = 1`` has median ``scale``).
    scale
        Scale, > 0.
    """

    shape: float = 1.0
    scale: float = 0.5
    name: ClassVar[str] = "lomax"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _positive("shape", self.shape, "Lomax prior"))
        object.__setattr__(self, "scale", _positive("scale", self.scale, "Lomax prior"))

    @property
    def label(self) -> str:
        return f"Lomax(shape={self.shape:g}, scale={self.scale:g})"

    def params(self) -> dict[str, float]:
        return {"shape": self.shape, "scale": self.scale}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        out = (math.log(self.shape) - math.log(self.scale)
               - (self.shape + 1.0) * np.log1p(np.maximum(t, 0) / self.scale))
        return np.where(t >= 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = np.maximum(_tau(tau), 0.0)
        return -np.expm1(-self.shape * np.log1p(t / self.scale))


# Turner et al. (2015), Table IV: log-normal predictive distributions for tau²
# of log odds ratios, log(tau²) ~ N(mu, sigma²), by outcome type (rows) and
# comparison type (columns). Numbers as transcribed in the R package bayesmeta
# (Röver 2020), R/bayesmeta.R, object TurnerEtAlParameters; the marginal
# ("any outcome, any comparison") setting is from p. 993 of the paper.
TURNER_OUTCOMES: tuple[str, ...] = (
    "all-cause mortality",
    "obstetric outcomes",
    "cause-specific mortality / major morbidity event / composite (mortality or morbidity)",
    "resource use / hospital stay / process",
    "surgical / device related success / failure",
    "withdrawals / drop-outs",
    "internal / structure-related outcomes",
    "general physical health indicators",
    "adverse events",
    "infection / onset of new disease",
    "signs / symptoms reflecting continuation / end of condition",
    "pain",
    "quality of life / functioning (dichotomized)",
    "mental health indicators",
    "biological markers (dichotomized)",
    "subjective outcomes (various)",
)
TURNER_COMPARISONS: tuple[str, ...] = (
    "pharmacological vs placebo/control",
    "pharmacological vs pharmacological",
    "non-pharmacological vs placebo/control",
    "non-pharmacological vs pharmacological",
    "non-pharmacological vs non-pharmacological",
)
_TURNER_MU = (
    (-3.95, -3.52, -3.71, -2.34, -2.14, -2.99, -2.71, -2.29, -1.87, -2.49, -2.06, -1.83, -2.54,
     -2.12, -1.77, -2.70),
    (-4.18, -3.75, -3.95, -2.58, -2.37, -3.23, -2.94, -2.53, -2.10, -2.73, -2.29, -2.06, -2.78,
     -2.35, -2.00, -2.93),
    (-4.17, -3.74, -3.93, -2.56, -2.36, -3.21, -2.93, -2.51, -2.10, -2.71, -2.28, -2.05, -2.77,
     -2.34, -1.99, -2.92),
    (-2.92, -2.49, -2.68, -1.31, -1.11, -1.96, -1.67, -1.26, -0.84, -1.46, -1.03, -0.80, -1.51,
     -1.09, -0.74, -1.67),
    (-3.50, -3.08, -3.27, -1.90, -1.69, -2.55, -2.26, -1.85, -1.43, -2.05, -1.61, -1.38, -2.10,
     -1.67, -1.33, -2.26),
)
_TURNER_SD = (
    (1.34, 1.74, 1.74, 1.74, 1.74, 1.74, 1.74, 1.53, 1.52, 1.52, 1.51, 1.52, 1.54, 1.53, 1.52,
     1.52),
    (1.41, 1.79, 1.79, 1.79, 1.79, 1.79, 1.79, 1.58, 1.58, 1.58, 1.58, 1.58, 1.60, 1.60, 1.58,
     1.58),
    (1.55, 1.91, 1.91, 1.91, 1.91, 1.91, 1.92, 1.72, 1.71, 1.71, 1.71, 1.71, 1.73, 1.72, 1.71,
     1.71),
    (1.02, 1.50, 1.51, 1.50, 1.50, 1.51, 1.51, 1.25, 1.24, 1.24, 1.24, 1.25, 1.27, 1.27, 1.24,
     1.25),
    (1.26, 1.68, 1.68, 1.68, 1.68, 1.68, 1.68, 1.46, 1.45, 1.45, 1.45, 1.45, 1.47, 1.47, 1.45,
     1.45),
)
_TURNER_SOURCE = (
    "Turner et al. (2015) Stat Med 34:984-998, Table IV (log-normal for tau^2 of log odds "
    "ratios), as transcribed in R bayesmeta (TurnerEtAlParameters)"
)


def _match(name: str, value: str, choices: tuple[str, ...]) -> int:
    v = value.strip().lower()
    hits = [i for i, c in enumerate(choices) if c.lower() == v]
    if not hits:
        hits = [i for i, c in enumerate(choices) if c.lower().startswith(v)]
    if len(hits) != 1:
        what = "matches several" if hits else "is not one"
        raise InputError(
            f"argument {name!r}: {value!r} {what} of: " + "; ".join(choices), where=name
        )
    return hits[0]


@dataclass(frozen=True)
class LogNormalPrior(TauPrior):
    """Log-normal prior on ``tau``: ``log(tau) ~ N(meanlog, sdlog²)``.

    A log-normal for ``tau²`` with ``log(tau²) ~ N(m, s²)`` is the log-normal
    for ``tau`` with ``meanlog = m/2``, ``sdlog = s/2``
    (:meth:`on_tau2`); :meth:`turner` gives Turner et al.'s (2015)
    predictive distributions.

    Parameters
    ----------
    meanlog, sdlog
        Mean and standard deviation of ``log(tau)``; ``sdlog > 0``.
    """

    meanlog: float = -1.28
    sdlog: float = 0.87
    origin: str = field(default="", compare=False)
    name: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "meanlog", _finite("meanlog", self.meanlog, "log-normal prior"))
        object.__setattr__(self, "sdlog", _positive("sdlog", self.sdlog, "log-normal prior"))

    @classmethod
    def on_tau2(cls, mean: float, sd: float, origin: str = "") -> LogNormalPrior:
        """Prior given as ``log(tau²) ~ N(mean, sd²)`` (the way Turner et al. report it)."""
        m = _finite("mean", mean, "log-normal prior on tau^2")
        s = _positive("sd", sd, "log-normal prior on tau^2")
        return cls(m / 2.0, s / 2.0, origin=origin)

    @classmethod
    def turner(
        cls,
        outcome: str | None = None,
        comparison: str = "pharmacological vs placebo/control",
    ) -> LogNormalPrior:
        """Turner et al. (2015) predictive distribution for tau² of log odds ratios.

        Parameters
        ----------
        outcome
            Outcome type, one of :data:`TURNER_OUTCOMES` (a unique prefix is
            enough); ``None`` for the marginal setting (any outcome, any
            comparison: ``log(tau²) ~ N(-2.56, 1.74²)``, p. 993).
        comparison
            Comparison type, one of :data:`TURNER_COMPARISONS`.

        Returns
        -------
        LogNormalPrior
            On ``tau``, with the table cell named in ``source``.

        Raises
        ------
        InputError
            An outcome or comparison that is not in the table (the message
            lists them).

        References
        ----------
        Turner et al. (2015), Stat Med 34:984-998, Table IV.

        Examples
        --------
        >>> from evisynth.meta.priors import LogNormalPrior
        >>> p = LogNormalPrior.turner("all-cause mortality")
        >>> p.meanlog, p.sdlog
        (-1.975, 0.67)
        """
        if outcome is None:
            return cls.on_tau2(-2.56, 1.74, origin="Turner et al. (2015) Stat Med 34:984-998, "
                               "marginal setting (any outcome and comparison), p. 993")
        i = _match("outcome", outcome, TURNER_OUTCOMES)
        j = _match("comparison", comparison, TURNER_COMPARISONS)
        return cls.on_tau2(
            _TURNER_MU[j][i], _TURNER_SD[j][i],
            origin=f"{_TURNER_SOURCE}: {TURNER_OUTCOMES[i]}; {TURNER_COMPARISONS[j]}",
        )

    @property
    def source(self) -> str:
        return self.origin

    @property
    def label(self) -> str:
        return f"log-normal(meanlog={self.meanlog:g}, sdlog={self.sdlog:g})"

    def params(self) -> dict[str, float]:
        return {"meanlog": self.meanlog, "sdlog": self.sdlog}

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            lt = np.log(np.where(t > 0, t, 1.0))
            z = (lt - self.meanlog) / self.sdlog
            out = -0.5 * z * z - lt - math.log(self.sdlog) - 0.5 * math.log(2 * math.pi)
        return np.where(t > 0, out, -np.inf)

    def cdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        with np.errstate(divide="ignore"):
            lt = np.log(np.where(t > 0, t, 1.0))
        return np.where(t > 0, special.ndtr((lt - self.meanlog) / self.sdlog), 0.0)


@dataclass(frozen=True)
class CustomPrior(TauPrior):
    """A user density for ``tau`` (a vectorised callable; need not be normalised).

    Parameters
    ----------
    density
        ``density(tau_array) -> array`` of non-negative values.
    bound
        End of the support if bounded (default ``inf``); also ``upper``.
    description
        Label used in summaries.
    log
        ``True`` if ``density`` returns the *log* density.

    Notes
    -----
    The posterior is normalised numerically, so the density may be
    unnormalised; whether the *posterior* is proper is checked on the grid
    (it must decay within ``e^50`` times the data's scale).
    """

    density: Callable[[FloatArray], Any] = field(default=lambda t: np.ones_like(t))
    bound: float = math.inf
    description: str = "user density"
    log: bool = False
    name: ClassVar[str] = "custom"

    def __post_init__(self) -> None:
        if not callable(self.density):
            raise InputError(
                f"tau_prior: {type(self.density).__name__} is not callable; pass a function of "
                "tau, a prior object or a name such as 'halfnormal:0.5'",
                where="tau_prior",
            )
        try:
            up = float(self.bound)
        except (TypeError, ValueError):
            up = math.nan
        if not up > 0:
            raise InputError(f"tau_prior: bound = {self.bound!r}; must be > 0", where="bound")
        object.__setattr__(self, "bound", up)

    @property
    def upper(self) -> float:  # type: ignore[override]
        return self.bound

    @property
    def label(self) -> str:
        return self.description

    def logpdf(self, tau: ArrayLike) -> FloatArray:
        t = _tau(tau)
        val = np.asarray(self.density(t), dtype=np.float64)
        if val.shape != t.shape:
            val = np.broadcast_to(val, t.shape)
        if self.log:
            out = np.where(np.isnan(val), -np.inf, val)
        else:
            if np.any(val < 0):
                raise InputError("tau_prior: the density returned a negative value",
                                 where="tau_prior")
            with np.errstate(divide="ignore"):
                out = np.log(val)
        return np.where((t >= 0) & (t <= self.bound), out, -np.inf)


@dataclass(frozen=True)
class NormalEffectPrior:
    """Normal prior ``N(mean, sd²)`` for the overall effect ``mu``.

    Parameters
    ----------
    mean
        Prior mean.
    sd
        Prior standard deviation, > 0.
    """

    mean: float = 0.0
    sd: float = 4.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _finite("mean", self.mean, "mu_prior"))
        object.__setattr__(self, "sd", _positive("sd", self.sd, "mu_prior"))

    @property
    def label(self) -> str:
        return f"normal(mean={self.mean:g}, sd={self.sd:g})"


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
