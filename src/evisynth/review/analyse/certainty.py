"""GRADE certainty of one stratum: risk of bias, optimal information size, control risk."""

from __future__ import annotations

from evisynth.grade import CertaintyRating, optimal_information_size, rate_certainty
from evisynth.meta import RMAResult
from evisynth.meta.bias import RegTestResult
from evisynth.review._review import Review
from evisynth.review.analyse.reporting import PROPORTION_MEASURES
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome

__all__ = ["ROB_TO_GRADE", "certainty_of", "control_risk", "count_participants"]


#: ROBINS-I judgements on the RoB 2 scale used by the GRADE risk-of-bias domain.
ROB_TO_GRADE = {
    "low": "low",
    "some concerns": "some concerns",
    "high": "high",
    "moderate": "some concerns",
    "serious": "high",
    "critical": "high",
    "no information": "some concerns",
}


def count_participants(studies: tuple[StudyInput, ...], outcome: Outcome) -> int | None:
    """Participants of the analysed studies (``None`` when a study's count is unknown)."""
    total = 0
    for s in studies:
        r = s.row
        if outcome.measure in PROPORTION_MEASURES:
            n = r.n_int
        else:
            a = r.n_int if r.n_int is not None else s.study.n_int
            b = r.n_comp if r.n_comp is not None else s.study.n_comp
            n = None if a is None or b is None else a + b
        if n is None:
            return None
        total += n
    return total


def certainty_of(
    review: Review, outcome: Outcome, design_start: str, studies: tuple[StudyInput, ...],
    fit: RMAResult, participants: int | None, reg: RegTestResult | None,
    interval: str = "confidence",
) -> CertaintyRating | None:
    """GRADE certainty of one stratum (``None`` without an overall risk-of-bias judgement)."""
    rob = []
    for s in studies:
        overall = [r for r in review.rob_for(s.study_id, outcome.key) if r.domain == "overall"]
        if not overall:
            return None
        rob.append(ROB_TO_GRADE[overall[0].judgement])
    imp = outcome.imprecision
    ois = None
    control = control_risk(outcome, studies)
    if outcome.measure in ("RR", "OR") and imp.ois_relative_reduction and control is not None:
        ois = optimal_information_size(control, rrr=imp.ois_relative_reduction,
                                       alpha=imp.ois_alpha, power=imp.ois_power)
    thresholds = imp.thresholds or None
    if outcome.measure in PROPORTION_MEASURES and thresholds is None:
        return None
    return rate_certainty(
        fit,
        design="RCT" if design_start == "high" else "observational",
        rob=rob,
        thresholds=thresholds,
        ois=ois,
        information=participants if ois is not None else None,
        small_study_test=reg,
        outcome=outcome.label,
        interval=interval,
    )


def control_risk(outcome: Outcome, studies: tuple[StudyInput, ...]) -> float | None:
    """Comparator risk (RR/OR) or survival (HR) at the outcome's time point."""
    cr = outcome.control_risk
    if cr is None:
        return None
    if cr.method == "reported":
        return cr.value
    events = [s.row.events_comp for s in studies]
    totals = [s.row.n_comp for s in studies]
    if any(e is None for e in events) or any(n is None for n in totals):
        return None
    return sum(e for e in events if e is not None) / sum(n for n in totals if n is not None)
