"""Optimal information size (OIS): how much information a precise answer needs.

GRADE treats a pooled result as imprecise when the total information is smaller
than what a single adequately powered trial would need, even if its confidence
interval looks acceptable (Guyatt et al. 2011, GRADE guidelines 6). For binary
outcomes the OIS is a number of *participants* (two-group comparison of
proportions); for time-to-event outcomes it is a number of *events*
(Schoenfeld 1983).

References
----------
Guyatt GH, Oxman AD, Kunz R, et al. (2011). GRADE guidelines 6. Rating the
quality of evidence—imprecision. J Clin Epidemiol 64(12):1283-1293.

Schoenfeld DA (1983). Sample-size formula for the proportional-hazards
regression model. Biometrics 39(2):499-503.

Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and
Proportions, 3rd ed., section 4.2 (sample size for two proportions, without
continuity correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy.stats import norm

from evisynth._validation import check_number

__all__ = ["OptimalInformationSize", "optimal_events", "optimal_information_size"]


@dataclass(frozen=True)
class OptimalInformationSize:
    """A required amount of information and the assumptions behind it.

    ``required`` is a whole number of ``unit`` (``"participants"`` or
    ``"events"``), rounded up.
    """

    required: int
    unit: str
    assumptions: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary."""
        return {"required": self.required, "unit": self.unit, "assumptions": self.assumptions}


def _alpha_power(alpha: float, power: float) -> tuple[float, float]:
    """The two-sided type I error in [1e-6, 0.5] and the power in [0.5, 1)."""
    return (check_number("alpha", alpha, lo=1e-6, hi=0.5),
            check_number("power", power, lo=0.5, hi=1 - 1e-9))


def _z_sum(alpha: float, power: float) -> float:
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def optimal_information_size(
    control_risk: float, *, rrr: float = 0.25, alpha: float = 0.05, power: float = 0.8
) -> OptimalInformationSize:
    """OIS in participants for a binary outcome (two equal groups, two-sided test).

    ``n`` per group ``= (z_{1-α/2} + z_{power})² · [p_c(1-p_c) + p_t(1-p_t)] / (p_c - p_t)²``
    with ``p_t = p_c (1 - rrr)``; the OIS is ``2 n``, rounded up per group.
    GRADE guidelines 6 suggest a relative risk reduction of 20-30 % (default 25 %).

    Parameters
    ----------
    control_risk
        Risk of the event in the control group, in (0, 1).
    rrr
        Relative risk reduction to detect, in (0, 1).
    alpha
        Two-sided type I error, in (0, 0.5).
    power
        Power, in (0.5, 1).

    Returns
    -------
    OptimalInformationSize
        ``unit = "participants"``.

    Raises
    ------
    InputError
        If an argument is outside its range.

    Examples
    --------
    >>> optimal_information_size(0.2).required
    1806
    """
    pc = check_number("control_risk", control_risk, lo=1e-9, hi=1 - 1e-9)
    r = check_number("rrr", rrr, lo=1e-9, hi=1 - 1e-9)
    a, pw = _alpha_power(alpha, power)
    pt = pc * (1 - r)
    n = _z_sum(a, pw) ** 2 * (pc * (1 - pc) + pt * (1 - pt)) / (pc - pt) ** 2
    return OptimalInformationSize(
        2 * math.ceil(n - 1e-9),
        "participants",
        f"control risk {pc:g}, relative risk reduction {r:.0%}, two-sided alpha {a:g}, "
        f"power {pw:.0%}",
    )


def optimal_events(
    hr: float = 0.75, *, alpha: float = 0.05, power: float = 0.8
) -> OptimalInformationSize:
    """OIS in events for a time-to-event outcome (Schoenfeld 1983, 1:1 allocation).

    ``D = 4 (z_{1-α/2} + z_{power})² / (log HR)²``, rounded up.

    Parameters
    ----------
    hr
        Hazard ratio to detect (≠ 1, > 0); default 0.75 (a 25 % relative reduction).
    alpha
        Two-sided type I error.
    power
        Power.

    Returns
    -------
    OptimalInformationSize
        ``unit = "events"``.

    Raises
    ------
    InputError
        If ``hr`` is not positive or equals 1, or ``alpha``/``power`` are out of range.

    Examples
    --------
    >>> optimal_events(0.75).required
    380
    """
    h = check_number("hr", hr, lo=1e-9, hint="a hazard ratio is positive")
    if abs(math.log(h)) < 1e-9:
        from evisynth.errors import InputError

        raise InputError("argument 'hr': 1 detects no effect; give e.g. 0.75", where="hr")
    a, pw = _alpha_power(alpha, power)
    d = 4 * _z_sum(a, pw) ** 2 / math.log(h) ** 2
    return OptimalInformationSize(
        math.ceil(d - 1e-9),
        "events",
        f"hazard ratio {h:g}, two-sided alpha {a:g}, power {pw:.0%}, 1:1 allocation",
    )
