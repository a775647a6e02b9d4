"""The normal prior for the overall effect ``mu`` (:class:`NormalEffectPrior`)."""

from __future__ import annotations

from dataclasses import dataclass

from evisynth.meta.priors.base import _finite, _positive


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
