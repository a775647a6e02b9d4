"""Absolute effects per 1,000 for a Summary-of-Findings table.

A relative effect says little to a patient without the baseline it applies to.
GRADE's Summary-of-Findings tables therefore show the risk with the comparator,
the risk with the intervention and their difference per 1,000 people, all at a
stated time point.

* **Risk ratio** (GRADE Handbook 5.2.1; Cochrane Handbook 14.1.5):
  ``risk_I = risk_C · RR``.
* **Odds ratio** (Cochrane Handbook 14.1.5.1):
  ``risk_I = OR · risk_C / (1 - risk_C + OR · risk_C)``.
* **Hazard ratio** (Skoetz et al. 2020, GRADE guidelines 27): under
  proportional hazards the intervention survival at time ``t`` is the control
  survival raised to the hazard ratio, ``S_I(t) = S_C(t)^HR``, so the events
  per 1,000 by ``t`` are ``1000 (1 - S_C^HR)`` against ``1000 (1 - S_C)``.
* **Risk difference**: ``risk_I = risk_C + RD``.

The confidence interval of the difference comes from putting the bounds of the
relative effect through the same formula (the baseline is treated as known).

References
----------
Skoetz N, Goldkuhle M, van Dalen EC, et al. (2020). GRADE guidelines 27: how to
calculate absolute effects for time-to-event outcomes in summary of findings
tables and Evidence Profiles. J Clin Epidemiol 118:124-131.

Schünemann H, Brożek J, Guyatt G, Oxman A (eds.) (2013). GRADE Handbook,
section 5.2.1 (absolute effects in Summary of Findings tables).

Schünemann HJ, Higgins JPT, Vist GE, et al. (2023). Chapter 14, section 14.1.5.
Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_choice, check_number
from evisynth.errors import InputError

__all__ = [
    "AbsoluteEffect",
    "absolute_effect",
    "events_per_1000",
    "risk_from_hr",
    "risk_from_or",
    "risk_from_rd",
    "risk_from_rr",
]


def _risk(name: str, x: float) -> float:
    return check_number(name, x, lo=0, hi=1, hint="give a probability, e.g. 0.35 for 35%")


def _ratio(name: str, x: float) -> float:
    return check_number(name, x, lo=0, hint="a ratio is 0 or more")


def risk_from_hr(control_survival: float, hr: float) -> float:
    """Event probability with the intervention by time t: ``1 - S_C(t)^HR``.

    Parameters
    ----------
    control_survival
        Control-arm survival (event-free probability) at time t, ``S_C(t)`` in [0, 1].
    hr
        Hazard ratio, intervention vs control (≥ 0).

    Returns
    -------
    float
        ``1 - S_C^HR`` (Skoetz et al. 2020).

    Raises
    ------
    InputError
        If ``control_survival`` is not in [0, 1] or ``hr`` is negative.

    Examples
    --------
    >>> round(risk_from_hr(0.5, 0.5), 6)  # 1 - 0.5**0.5 = 1 - 0.707107
    0.292893
    """
    s = _risk("control_survival", control_survival)
    h = _ratio("hr", hr)
    return 1.0 - s**h


def risk_from_rr(control_risk: float, rr: float) -> float:
    """Event probability with the intervention: ``risk_C · RR``, capped at 1.

    Parameters
    ----------
    control_risk
        Comparator risk in [0, 1].
    rr
        Risk ratio (≥ 0).

    Returns
    -------
    float
        ``min(1, risk_C · RR)`` (GRADE Handbook 5.2.1; the cap keeps an upper
        confidence bound a probability, as GRADEpro does).

    Raises
    ------
    InputError
        If ``control_risk`` is not in [0, 1] or ``rr`` is negative.

    Examples
    --------
    >>> risk_from_rr(0.2, 0.75)
    0.15000000000000002
    """
    return min(1.0, _risk("control_risk", control_risk) * _ratio("rr", rr))


def risk_from_or(control_risk: float, odds_ratio: float) -> float:
    """Event probability with the intervention: ``OR·p / (1 - p + OR·p)``.

    Parameters
    ----------
    control_risk
        Comparator risk ``p`` in [0, 1].
    odds_ratio
        Odds ratio (≥ 0).

    Returns
    -------
    float
        The intervention risk (Cochrane Handbook 14.1.5.1).

    Raises
    ------
    InputError
        If ``control_risk`` is not in [0, 1] or ``odds_ratio`` is negative.

    Examples
    --------
    >>> risk_from_or(0.5, 3.0)  # 1.5 / (0.5 + 1.5)
    0.75
    """
    p = _risk("control_risk", control_risk)
    o = _ratio("odds_ratio", odds_ratio)
    den = 1.0 - p + o * p
    return 0.0 if den == 0 else o * p / den


def risk_from_rd(control_risk: float, rd: float) -> float:
    """Event probability with the intervention: ``risk_C + RD``, kept within [0, 1].

    Parameters
    ----------
    control_risk
        Comparator risk in [0, 1].
    rd
        Risk difference in [-1, 1].

    Returns
    -------
    float
        ``min(1, max(0, risk_C + RD))``.

    Raises
    ------
    InputError
        If an argument is outside its range.

    Examples
    --------
    >>> risk_from_rd(0.3, -0.1)
    0.19999999999999998
    """
    p = _risk("control_risk", control_risk)
    d = check_number("rd", rd, lo=-1, hi=1)
    return min(1.0, max(0.0, p + d))


_RISK_FUNCS = {"HR": risk_from_hr, "RR": risk_from_rr, "OR": risk_from_or, "RD": risk_from_rd}


def events_per_1000(risk: float) -> int:
    """A probability as a whole number per 1,000, rounded half away from zero.

    Parameters
    ----------
    risk
        A probability or a difference of probabilities (in [-1, 1]).

    Returns
    -------
    int
        ``round(1000 · risk)``, halves rounded away from zero (as people do,
        unlike Python's round-half-to-even).

    Raises
    ------
    InputError
        If ``risk`` is outside [-1, 1].

    Examples
    --------
    >>> events_per_1000(-0.2071068)
    -207
    >>> events_per_1000(0.0125)
    13
    """
    x = 1000 * check_number("risk", risk, lo=-1, hi=1)
    return int(math.copysign(math.floor(abs(x) + 0.5 + 1e-9), x))


def _fewer_more(d: int) -> str:
    if d == 0:
        return "0 fewer"
    return f"{abs(d):,} {'fewer' if d < 0 else 'more'}"


@dataclass(frozen=True)
class AbsoluteEffect:
    """Risks per 1,000 with control and intervention, and their difference with its CI.

    The unrounded probabilities are kept (``control_risk``, ``risk``,
    ``risk_lb``, ``risk_ub``); the ``*_per_1000`` properties round them.
    """

    measure: str
    control_risk: float
    risk: float
    risk_lb: float
    risk_ub: float

    @property
    def control_per_1000(self) -> int:
        """Events per 1,000 with the comparator."""
        return events_per_1000(self.control_risk)

    @property
    def intervention_per_1000(self) -> int:
        """Events per 1,000 with the intervention."""
        return events_per_1000(self.risk)

    @property
    def difference_per_1000(self) -> int:
        """Difference (intervention - comparator) per 1,000, from the unrounded risks."""
        return events_per_1000(self.risk - self.control_risk)

    @property
    def difference_ci_per_1000(self) -> tuple[int, int]:
        """Bounds of the difference per 1,000 (from the bounds of the relative effect)."""
        lo, hi = sorted((self.risk_lb - self.control_risk, self.risk_ub - self.control_risk))
        return events_per_1000(lo), events_per_1000(hi)

    def text(self) -> str:
        """GRADE wording, e.g. ``207 fewer per 1,000 (from 265 fewer to 139 fewer)``."""
        lo, hi = self.difference_ci_per_1000
        return (f"{_fewer_more(self.difference_per_1000)} per 1,000 "
                f"(from {_fewer_more(lo)} to {_fewer_more(hi)})")

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary: probabilities and the rounded per-1,000 numbers."""
        lo, hi = self.difference_ci_per_1000
        return {
            "measure": self.measure,
            "control_risk": self.control_risk,
            "risk": self.risk,
            "risk_lb": self.risk_lb,
            "risk_ub": self.risk_ub,
            "control_per_1000": self.control_per_1000,
            "intervention_per_1000": self.intervention_per_1000,
            "difference_per_1000": self.difference_per_1000,
            "difference_lb_per_1000": lo,
            "difference_ub_per_1000": hi,
            "text": self.text(),
        }


def absolute_effect(
    measure: str, estimate: float, ci_lb: float, ci_ub: float, *, baseline: float
) -> AbsoluteEffect:
    """Absolute effect of a relative effect at a baseline.

    Parameters
    ----------
    measure
        ``"HR"``, ``"RR"``, ``"OR"`` or ``"RD"``.
    estimate, ci_lb, ci_ub
        The relative effect and its confidence interval on the natural scale
        (ratios, not log ratios).
    baseline
        For ``"HR"``: the control-arm *survival* (event-free probability) at
        the time point, ``S_C(t)``. Otherwise: the control-arm *risk*.

    Returns
    -------
    AbsoluteEffect
        Control risk is ``1 - S_C(t)`` for HRs and ``baseline`` otherwise.

    Raises
    ------
    InputError
        Unknown measure, a baseline outside [0, 1], ``ci_lb > ci_ub``, or an
        estimate outside its interval.

    Examples
    --------
    >>> # S_C = 0.5, HR = 0.5: S_I = 0.5**0.5 = 0.7071; events 293 vs 500 per 1,000
    >>> a = absolute_effect("HR", 0.5, 0.5, 0.5, baseline=0.5)
    >>> a.control_per_1000, a.intervention_per_1000, a.difference_per_1000
    (500, 293, -207)
    """
    m = check_choice("measure", measure, tuple(_RISK_FUNCS))
    b = _risk("baseline", baseline)
    e = check_number("estimate", estimate)
    lb = check_number("ci_lb", ci_lb)
    ub = check_number("ci_ub", ci_ub)
    if not lb <= e <= ub:
        raise InputError(
            f"arguments 'ci_lb', 'estimate', 'ci_ub': {lb:g} ≤ {e:g} ≤ {ub:g} does not hold; "
            "give the interval around the estimate on the natural scale (ratios, not logs)",
            where="ci_lb",
        )
    if m != "RD" and min(lb, e, ub) <= 0:
        raise InputError(
            f"arguments 'estimate', 'ci_lb', 'ci_ub': a {m} must be positive, got "
            f"{e:g} [{lb:g}, {ub:g}]; give ratios on the natural scale, not log ratios",
            where="estimate",
        )
    f = _RISK_FUNCS[m]
    control = 1.0 - b if m == "HR" else b
    return AbsoluteEffect(m, control, f(b, e), f(b, lb), f(b, ub))
