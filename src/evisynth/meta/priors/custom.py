"""A user density for ``tau`` as a prior (:class:`CustomPrior`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from evisynth.errors import InputError
from evisynth.meta.priors.base import FloatArray, TauPrior, _tau


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
