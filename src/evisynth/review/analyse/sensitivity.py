"""The sensitivity table: labelled fits of the same outcome (alternative methods, other rows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth.meta import RMAResult, leave_one_out
from evisynth.meta.sensitivity import LeaveOneOutResult
from evisynth.review._review import Review
from evisynth.review.analyse.fits import pool, select
from evisynth.review.analyse.headline import Headline, choose_headline
from evisynth.review.analyse.reporting import transformed
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome, Sensitivity

__all__ = ["NamedFit", "sensitivity_fit"]


@dataclass(frozen=True)
class NamedFit:
    """A labelled fit of the same studies (alternative method or sensitivity analysis)."""

    key: str
    label: str
    fit: RMAResult | None
    note: str | None = None
    studies: tuple[StudyInput, ...] = ()
    leave_one_out: LeaveOneOutResult | None = None
    headline: Headline | None = None

    @property
    def reported(self) -> dict[str, float] | None:
        """Estimate and intervals on the reporting scale, from the primary model."""
        if self.headline is not None:
            return self.headline.reported
        return None if self.fit is None else transformed(self.fit)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "label": self.label, "note": self.note}
        if self.headline is not None:
            out["headline"] = self.headline.to_dict()
        if self.fit is not None:
            out.update(self.fit.to_dict())
            out["method"], out["test"] = self.fit.method, self.fit.test
            out["transformed"] = transformed(self.fit)
            out["studies"] = [s.label for s in self.studies]
        if self.leave_one_out is not None:
            out["leave_one_out"] = self.leave_one_out.to_dict()
        return out


def sensitivity_fit(
    review: Review, outcome: Outcome, design: str, spec: Sensitivity, primary: RMAResult,
    primary_studies: tuple[StudyInput, ...], level: float,
) -> NamedFit | None:
    """One sensitivity analysis of the plan for one stratum (``None``: not for this outcome)."""
    if spec.outcomes and outcome.key not in spec.outcomes:
        return None
    plan = review.analysis
    method = spec.method or plan.method
    test = spec.test or plan.test
    if spec.leave_one_out:
        if primary.k < 3:
            return NamedFit(spec.key, spec.label, None,
                            note=f"not run: leaving one of {primary.k} studies out leaves "
                                 f"{primary.k - 1}, too few to pool")
        return NamedFit(spec.key, spec.label, None, leave_one_out=leave_one_out(primary),
                        studies=primary_studies)
    picked = select(review, outcome, design, spec.rows, spec.verified_only)
    if picked is None:
        return NamedFit(spec.key, spec.label, None, note="no studies in this analysis set")
    es, used = picked
    same_rows = [s.row.row_id for s in used] == [s.row.row_id for s in primary_studies]
    if same_rows and spec.method is None and spec.test is None:
        return NamedFit(spec.key, spec.label, None, studies=used,
                        note="same inputs as the primary analysis (nothing to replace)")
    fit, pooled = pool(es, method, test, level)
    note = None if pooled else "one study: its own estimate, not pooled"
    headline = None
    if spec.method is None and spec.test is None:
        # same model as the primary analysis, on other inputs
        h = choose_headline(es, used, outcome, plan, fit, pooled)
        headline = h if h.model != "frequentist" else None
    return NamedFit(spec.key, spec.label, fit, note=note, studies=used, headline=headline)
