"""Trials reanalysed from their digitised Kaplan–Meier curves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from evisynth.errors import InputError
from evisynth.review._review import Review
from evisynth.review.model import Reanalysis
from evisynth.survival import Reconstruction, TwoArmComparison, compare_arms, reconstruct_ipd

__all__ = ["ReanalysisResult", "reanalyse"]


@dataclass(frozen=True)
class ReanalysisResult:
    """A trial reanalysed from its digitised curves: reconstructions and the comparison."""

    spec: Reanalysis
    reconstructions: tuple[tuple[str, Reconstruction], ...]
    comparison: TwoArmComparison

    def to_dict(self) -> dict[str, Any]:
        comp = self.comparison.to_dict()
        comp.pop("km", None)  # the step functions belong in the figure, not the summary
        return {
            "label": self.spec.label,
            "synthetic": self.spec.synthetic,
            "time_unit": self.spec.time_unit,
            "reconstruction": {arm: {"case": r.case, **r.diagnostics.to_dict()}
                               for arm, r in self.reconstructions},
            "comparison": comp,
            "sources": {a.arm: {"source": a.source, "location": a.location,
                                "verification": a.verification} for a in self.spec.arms},
        }


def reanalyse(review: Review, spec: Reanalysis) -> ReanalysisResult:
    """Reconstruct each arm's patient data from its digitised curve and compare the arms.

    Reconstruction: :func:`evisynth.reconstruct_ipd` (Guyot et al. 2012) with
    whatever the review gives (numbers at risk, total events, n). Comparison:
    :func:`evisynth.compare_arms` (KM, log-rank, Cox, landmarks, RMST).
    """
    recs = []
    for arm in spec.arms:
        curve = review.curve_table(arm.curve).to_frame()
        at_risk = None if arm.at_risk is None else review.curve_table(arm.at_risk).to_frame()
        try:
            rec = reconstruct_ipd(curve, at_risk, total_events=arm.total_events, n=arm.n,
                                  scale=arm.scale)
        except InputError as exc:
            raise InputError(f"reanalysis {spec.key!r}, arm {arm.arm!r}: {exc}",
                             where=arm.curve) from None
        recs.append((arm.arm, rec))
    ipd = pd.concat([r.ipd.assign(arm=name) for name, r in recs], ignore_index=True)
    comparison = compare_arms(ipd, arm="arm", reference=spec.reference,
                              landmarks=spec.landmarks, tau=spec.tau)
    return ReanalysisResult(spec=spec, reconstructions=tuple(recs), comparison=comparison)
