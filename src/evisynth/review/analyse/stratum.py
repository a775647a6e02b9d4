"""One outcome in one design stratum: the plan's fit and everything around it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from evisynth.effects import EffectSizes
from evisynth.errors import EvisynthWarning
from evisynth.grade import CertaintyRating
from evisynth.meta import RMAResult
from evisynth.meta.bias import RegTestResult, TrimFillResult, regtest, trimfill
from evisynth.review._review import Review
from evisynth.review.analyse.certainty import certainty_of, count_participants
from evisynth.review.analyse.fits import pool, pool_noted, select
from evisynth.review.analyse.headline import Headline, choose_headline
from evisynth.review.analyse.intervals import (
    IntervalAgreement,
    adjust_certainty,
    interval_agreement,
)
from evisynth.review.analyse.reporting import (
    PROPORTION_MEASURES,
    exact_proportion,
    method_label,
    transformed,
)
from evisynth.review.analyse.sensitivity import NamedFit, sensitivity_fit
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome

__all__ = ["INTERVAL_CHECK_REPS", "MIN_K_FUNNEL", "MIN_K_SMALL_STUDY_TEST", "StratumAnalysis",
           "analyse_stratum"]

#: Fewest studies for a small-study test and for a funnel plot (Cochrane Handbook 10.4.3.1).
MIN_K_SMALL_STUDY_TEST = 10
MIN_K_FUNNEL = 10
#: Replications per tau value of the design-matched interval check (fixed seed).
INTERVAL_CHECK_REPS = 2000


@dataclass(frozen=True)
class StratumAnalysis:
    """One outcome in one design stratum: the plan's primary fit and everything around it."""

    design: str
    design_label: str
    certainty_start: str
    studies: tuple[StudyInput, ...]
    es: EffectSizes
    fit: RMAResult
    pooled: bool
    alternatives: tuple[NamedFit, ...]
    sensitivity: tuple[NamedFit, ...]
    regtest: RegTestResult | None
    trimfill: TrimFillResult | None
    small_study_note: str
    certainty: CertaintyRating | None
    participants: int | None
    notes: tuple[str, ...] = ()
    intervals: IntervalAgreement | None = None
    headline: Headline | None = None
    interval_check: Any = None

    @property
    def reported(self) -> dict[str, float]:
        """Estimate, interval and prediction interval the report leads with."""
        if self.headline is None:
            return transformed(self.fit)
        return self.headline.reported

    @property
    def k(self) -> int:
        return len(self.studies)

    @property
    def n_secondary(self) -> int:
        """Inputs of this analysis seen only in a secondary source."""
        return sum(not s.row.verified for s in self.studies)

    def study_records(self) -> list[dict[str, Any]]:
        """Each study's input with its weight and provenance (JSON-ready)."""
        w = self.fit.weights_percent if self.pooled else np.array([100.0])
        one_arm = self.es.measure in PROPORTION_MEASURES
        return [
            {
                **(exact_proportion(s.row.events_int, s.row.n_int, self.fit.level)
                   if one_arm else {}),
                "study_id": s.study_id,
                "label": s.label,
                "yi": float(self.es.yi[i]),
                "vi": float(self.es.vi[i]),
                "weight": float(w[i]),
                "source": s.source,
                "doi_or_pmid": s.row.doi_or_pmid,
                "location": s.row.location,
                "verification": s.verification,
                "derived": s.row.derived,
                "row_id": s.row.row_id,
            }
            for i, s in enumerate(self.studies)
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fit.to_dict())
        out.update(
            {
                "design": self.design,
                "method": self.fit.method,
                "test": self.fit.test,
                "pooled": self.pooled,
                "transformed": transformed(self.fit),
                "studies": self.study_records(),
                "n_secondary_source_inputs": self.n_secondary,
                "participants": self.participants,
                "alternatives": {a.key: a.to_dict() for a in self.alternatives},
                "sensitivity": {s.key: s.to_dict() for s in self.sensitivity},
                "small_study": {
                    "note": self.small_study_note,
                    "regtest": None if self.regtest is None else self.regtest.to_dict(),
                    "trimfill": None if self.trimfill is None else self.trimfill.to_dict(),
                },
                "certainty": None if self.certainty is None else self.certainty.to_dict(),
                "notes": list(self.notes),
                "intervals": None if self.intervals is None else self.intervals.to_dict(),
                "headline": None if self.headline is None else self.headline.to_dict(),
                "interval_check": None if self.interval_check is None
                else self.interval_check.to_dict(),
            }
        )
        return out


def analyse_stratum(
    review: Review, outcome: Outcome, design_key: str
) -> StratumAnalysis | None:
    """Everything the plan asks for one outcome in one design stratum (``None``: no studies)."""
    plan = review.analysis
    picked = select(review, outcome, design_key, "primary", False)
    if picked is None:
        return None
    es, used = picked
    design = review.design(design_key)
    fit, pooled, fit_notes = pool_noted(es, plan.method, plan.test, plan.level)
    notes: list[str] = list(fit_notes)
    if not pooled:
        notes.append("One study: its own estimate is shown; nothing is pooled.")
    alternatives = tuple(
        NamedFit(f"{a.method}-{a.test}", a.label or f"{a.method} with {a.test} test",
                 pool(es, a.method, a.test, plan.level)[0], studies=used)
        for a in plan.alternatives
    ) if pooled else ()
    sens = tuple(
        s for s in (
            sensitivity_fit(review, outcome, design_key, spec, fit, used, plan.level)
            for spec in plan.sensitivity
        ) if s is not None
    )
    reg: RegTestResult | None = None
    tf: TrimFillResult | None = None
    if fit.k >= MIN_K_SMALL_STUDY_TEST:
        reg = regtest(fit)
        tf = trimfill(fit)
        ss_note = "Egger-type regression test and trim-and-fill (k >= 10)."
    else:
        ss_note = (f"Not tested: k = {fit.k} < {MIN_K_SMALL_STUDY_TEST}; small-study tests have "
                   "too little power to tell asymmetry from chance (Cochrane Handbook 10.4.3.1).")
    participants = count_participants(used, outcome)
    headline = choose_headline(es, used, outcome, plan, fit, pooled)
    if headline.note:
        notes.append(headline.note)
    gfit = headline.grade_fit
    certainty = certainty_of(review, outcome, design.certainty_start, used, gfit, participants,
                             reg, headline.interval_kind)
    agreement = interval_agreement(outcome, method_label(plan.method, plan.test), fit,
                                   alternatives, headline) if pooled else None
    certainty = adjust_certainty(certainty, fit, agreement)
    check = None
    if (pooled and design_key == plan.design and outcome.measure not in PROPORTION_MEASURES
            and hasattr(fit, "interval_check")):
        methods = [f"{plan.method}-{plan.test}"] + [f"{a.method}-{a.test}"
                                                     for a in plan.alternatives]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvisynthWarning)
            check = fit.interval_check(reps=INTERVAL_CHECK_REPS, methods=methods, plot=False)
    return StratumAnalysis(
        design=design_key,
        design_label=design.label,
        certainty_start=design.certainty_start,
        studies=used,
        es=es,
        fit=fit,
        pooled=pooled,
        alternatives=alternatives,
        sensitivity=sens,
        regtest=reg,
        trimfill=tf,
        small_study_note=ss_note,
        certainty=certainty,
        participants=participants,
        notes=tuple(notes),
        intervals=agreement,
        headline=headline,
        interval_check=check,
    )
