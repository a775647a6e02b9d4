"""The closed-form priors on ``tau``: half-normal, half-Student-t, half-Cauchy,
exponential, uniform, improper uniform and Lomax."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from evisynth.meta.priors.base import FloatArray, TauPrior, _positive, _tau


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
