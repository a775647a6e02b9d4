"""This review's results beside published claims, and which analysis comes closest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evisynth.report.blocks import Block, BulletList, Para, Table
from evisynth.report.wording import (
    MEASURE_NAMES,
    VERIFICATION_SHORT,
    _fit_line,
    _h,
    _words,
    lower_first,
)
from evisynth.review.analyse import (
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
    method_label,
    transformed,
)
from evisynth.review.model import Outcome

__all__ = ["published"]


def _stratum_text(o: Outcome, s: StratumAnalysis) -> str:
    trials = ", ".join(x.label for x in s.studies)
    what = "pooled" if s.pooled else "single study"
    return f"{s.design_label}: {_fit_line(o, s)} ({what}, k = {s.k}: {trials})"


def _candidates(oa: OutcomeAnalysis) -> list[tuple[str, dict[str, float]]]:
    out: list[tuple[str, dict[str, float]]] = []
    for i, s in enumerate(oa.strata):
        name = "primary analysis" if i == 0 else s.design_label
        out.append((name, s.reported))
        if s.pooled:
            out.append((f"{method_label(s.fit.method, s.fit.test)} ({s.design_label})",
                        transformed(s.fit)))
        for a in s.alternatives:
            if a.fit is not None:
                out.append((f"{a.label} ({s.design_label})", transformed(a.fit)))
        for sn in s.sensitivity:
            t = sn.reported
            if t is not None:
                out.append((f"{sn.label} ({s.design_label})", t))
    return out


def _closest(p: Any, oa: OutcomeAnalysis | None) -> str:
    """Which of this review's analyses reproduces a published claim most closely.

    Distance: the largest absolute difference of log estimate and log bounds (ratios
    of the same measure only). A close match says where the difference comes from
    (interval method, study set, data cut); no close match says the claim rests on
    something this review does not have.
    """
    import math

    if (oa is None or oa.primary is None or p.estimate is None or p.ci_lb is None
            or p.ci_ub is None or p.measure != oa.outcome.measure
            or oa.outcome.measure not in MEASURE_NAMES):
        return "—"
    best, dist = "", math.inf
    for name, t in _candidates(oa):
        try:
            d = max(abs(math.log(p.estimate / t["estimate"])),
                    abs(math.log(p.ci_lb / t["ci_lb"])), abs(math.log(p.ci_ub / t["ci_ub"])))
        except (ValueError, ZeroDivisionError):
            continue
        if d < dist:
            best, dist = name, d
    o = oa.outcome
    if dist <= 0.05:
        return f"matches this review's {best} (within 5% on every number)"
    if dist <= 0.15:
        return f"close to this review's {best} (within 15%)"
    return (f"no analysis of this review within 15% (nearest: {best}); the claim rests on "
            f"studies, data cuts or methods not used here ({lower_first(o.label)})")


def published(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    if not r.published:
        return
    yield _h(1, "Our results beside published claims")
    ours = {oa.outcome.key: oa for oa in res.outcomes}
    rows = []
    for p in r.published:
        claim = ("—" if p.estimate is None else
                 f"{p.measure} {p.estimate:g}" + (f" ({p.ci_lb:g} to {p.ci_ub:g})"
                                                   if p.ci_lb is not None else ""))
        if p.arm:
            claim += f" [{p.arm}]"
        oa = ours.get(p.outcome or "")
        mine = "—" if oa is None or oa.primary is None else _fit_line(oa.outcome, oa.primary)
        rows.append((p.publication, p.definition, claim, mine, _closest(p, oa),
                     p.notes or "", VERIFICATION_SHORT[p.verification], p.location))
    yield Table(("Publication", "Outcome", "Claim", "This review (primary)",
                 "Closest analysis of this review", "Notes", "Verification", "Where"),
                tuple(rows))
    why = _words(res).published_note
    yield Para((why + " " if why else "") + "For each outcome with a published claim, the "
               "matching numbers of this review are:")
    items = []
    for key in dict.fromkeys(p.outcome for p in r.published if p.outcome):
        oa = ours.get(key)
        if oa is None or oa.primary is None:
            continue
        o = oa.outcome
        parts = [_stratum_text(o, s) for s in oa.strata]
        p0 = oa.primary
        parts += [f"{a.label}: {_fit_line(o, a)}" for a in p0.alternatives]
        parts += [f"{sn.label}: {_fit_line(o, sn)}" for sn in p0.sensitivity
                  if sn.fit is not None and sn.key in ("fe", "earlier-cut", "leads")]
        items.append(f"{o.label} — " + "; ".join(parts) + ".")
    yield BulletList(tuple(items))
