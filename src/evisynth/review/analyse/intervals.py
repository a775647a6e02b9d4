"""Do the defensible interval methods agree about the decision thresholds?

When they do not, GRADE imprecision is rated down (:func:`adjust_certainty`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from evisynth.grade import CertaintyRating, DomainRating
from evisynth.meta import RMAResult
from evisynth.review.analyse.headline import Headline
from evisynth.review.analyse.reporting import PROPORTION_MEASURES, transformed
from evisynth.review.analyse.sensitivity import NamedFit
from evisynth.review.model import Outcome

__all__ = ["IntervalAgreement", "IntervalReading", "adjust_certainty", "interval_agreement"]


@dataclass(frozen=True)
class IntervalReading:
    """Where one credible interval lies relative to the outcome's decision thresholds."""

    label: str
    ci_lb: float
    ci_ub: float
    sides: tuple[str, ...]  # per threshold: "below", "above" or "crosses"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
                "sides": list(self.sides)}


@dataclass(frozen=True)
class IntervalAgreement:
    """Do the defensible interval methods lead to the same conclusion?

    ``thresholds`` are on the reporting scale (the null first for ratio
    outcomes, then the review's decision thresholds); each reading says, for
    every threshold, whether the interval lies wholly below, wholly above, or
    crosses it. ``disagree`` is true when two readings differ: the data then
    cannot settle the question with this few studies, and GRADE imprecision is
    rated down (see :func:`analyse_review`).
    """

    thresholds: tuple[float, ...]
    readings: tuple[IntervalReading, ...]

    @property
    def disagree(self) -> bool:
        return len({r.sides for r in self.readings}) > 1

    def to_dict(self) -> dict[str, Any]:
        return {"thresholds": list(self.thresholds), "disagree": self.disagree,
                "readings": [r.to_dict() for r in self.readings]}


def _sides(lb: float, ub: float, thresholds: tuple[float, ...]) -> tuple[str, ...]:
    return tuple("below" if ub < t else "above" if lb > t else "crosses" for t in thresholds)


def interval_agreement(outcome: Outcome, primary_label: str, primary: RMAResult,
                       alternatives: tuple[NamedFit, ...],
                       headline: Headline | None = None) -> IntervalAgreement | None:
    """Read the primary and the alternative intervals against the decision thresholds.

    Parameters
    ----------
    outcome
        The outcome (its ``imprecision`` null and thresholds, on the reporting scale).
    primary_label, primary
        The plan's fit and its label.
    alternatives
        The other methods of the plan.
    headline
        The primary model's result when it is not the plan's fit (Bayesian, GLMM).

    Returns
    -------
    IntervalAgreement or None
        ``None`` when the outcome has no thresholds.

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
    ...                ci_ub=[0.51, 0.54, 1.40])
    >>> o = Outcome(key="efs", label="EFS", measure="HR")
    >>> fit = ev.rma(es, method="REML", test="knha")
    >>> alt = NamedFit("z", "REML + z", ev.rma(es, method="REML", test="z"))
    >>> agreement = interval_agreement(o, "REML + HK", fit, (alt,))
    >>> [r.sides for r in agreement.readings], agreement.disagree
    ([('crosses',), ('crosses',)], False)
    """
    imp = outcome.imprecision
    thresholds: list[float] = []
    if outcome.measure not in PROPORTION_MEASURES:
        thresholds.append(1.0 if imp.null is None else imp.null)
    thresholds += [t for t in imp.thresholds if t not in thresholds]
    if not thresholds:
        return None
    fits = [(primary_label, primary)] + [(a.label, a.fit) for a in alternatives
                                         if a.fit is not None]
    readings = []
    if headline is not None and headline.model != "frequentist":
        readings.append(IntervalReading(headline.label, headline.ci_lb, headline.ci_ub,
                                        _sides(headline.ci_lb, headline.ci_ub,
                                               tuple(thresholds))))
    for label, f in fits:
        t = transformed(f)
        readings.append(IntervalReading(label, t["ci_lb"], t["ci_ub"],
                                        _sides(t["ci_lb"], t["ci_ub"], tuple(thresholds))))
    return IntervalAgreement(tuple(thresholds), tuple(readings))


def adjust_certainty(c: CertaintyRating | None, fit: RMAResult,
                      agreement: IntervalAgreement | None) -> CertaintyRating | None:
    """Make GRADE imprecision agree with what the intervals say.

    * Intervals of defensible methods on different sides of a decision threshold:
      imprecision is serious (rated down once) even if the primary interval alone
      would not be.
    * A zero-width interval (identical estimates under Hartung-Knapp) is not
      precision: imprecision is rated down and the reason says why.
    """
    if c is None:
        return None
    imp = c.imprecision
    reasons = []
    if agreement is not None and agreement.disagree:
        shown = "; ".join(f"{r.label}: {r.ci_lb:.3g} to {r.ci_ub:.3g}"
                          for r in agreement.readings)
        reasons.append("defensible interval methods lead to different conclusions about the "
                       f"decision thresholds ({shown})")
    if math.isclose(fit.ci_lb, fit.ci_ub) and fit.k > 1:
        reasons.append("the interval has zero width because the studies' estimates are "
                       "identical; that is not real precision")
    if not reasons:
        return c
    text = imp.reason + " Also: " + "; ".join(reasons) + "."
    rating = min(imp.rating, -1) if imp.rating == 0 else imp.rating
    return dataclasses.replace(c, imprecision=DomainRating(imp.domain, rating, text))
