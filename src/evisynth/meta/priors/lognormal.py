"""The log-normal prior on ``tau`` and Turner et al.'s (2015) predictive distributions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from evisynth.errors import InputError
from evisynth.meta.priors.base import FloatArray, TauPrior, _finite, _positive, _tau

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
