"""The base of every prior on ``tau`` (:class:`TauPrior`) and the checks of prior parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evisynth.errors import InputError

FloatArray = NDArray[np.float64]


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
