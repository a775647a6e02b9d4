"""Per stratum: other methods, sensitivity analyses and pre-specified subgroups.

The same studies under other methods, sensitivity analyses on other inputs,
leave-one-out, and the subgroup analyses with their forest plots.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evisynth.grade.sof import interval_words
from evisynth.plots import forest_subgroups
from evisynth.plots._io import to_svg
from evisynth.report.blocks import Block, Figure, Para, Table
from evisynth.report.wording import (
    PROPORTION_MEASURES,
    _fit_line,
    _h,
    _p,
    _plain_line,
    favours,
    fmt_effect,
    interval_kind,
    lower_first,
)
from evisynth.review.analyse import (
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
    method_label,
)
from evisynth.review.model import Outcome

__all__ = ["back_frame"]


def _sensitivity_tables(o: Outcome, s: StratumAnalysis) -> Iterator[Block]:
    """Same studies under other methods; other inputs; leave one out.

    Each estimate column is headed with the kind of interval its rows show
    ("95% CI", "95% CrI", or "95% CI or CrI" where they mix, the Note of each
    Bayesian row naming its credible interval).
    """
    h = s.headline
    plan_label = method_label(s.fit.method, s.fit.test)
    if h is not None and h.model != "frequentist":
        method_rows = [(h.label + " (primary)", str(s.k), _fit_line(o, s), h.interval),
                       (plan_label, str(s.k), _plain_line(o, s.fit), "")]
        method_kinds = [interval_kind(s), "confidence"]
    else:
        method_rows = [(plan_label + " (primary)", str(s.k), _fit_line(o, s), "")]
        method_kinds = [interval_kind(s)]
    method_rows += [(a.label, str(s.k), _plain_line(o, a.fit), a.note or "")
                    for a in s.alternatives]
    method_kinds += ["confidence" for a in s.alternatives if a.fit is not None]
    if h is not None:
        method_rows += [(f"Prior sensitivity: {lab}", str(s.k), fmt_effect(o, e, lb, ub),
                         h.interval) for lab, e, lb, ub in h.prior_sensitivity]
        method_kinds += [interval_kind(s) for _ in h.prior_sensitivity]
    data_rows = []
    data_kinds = []
    loo_rows: list[tuple[str, ...]] = []
    for sn in s.sensitivity:
        if sn.leave_one_out is not None:
            loo_rows += [(f"without {lab}", val) for lab, val in back_frame(o, sn.leave_one_out
                                                                            .to_frame())]
            continue
        k = str(sn.fit.k) if sn.fit is not None else "—"
        if (sn.fit is not None and sn.studies == s.studies) or (sn.fit is not None and
                                                             sn.key in ("dl", "fe")):
            method_rows.append((sn.label, k, _plain_line(o, sn.fit), sn.note or ""))
            method_kinds.append("confidence")
            continue
        note = sn.note or ""
        if sn.reported is not None:
            data_kinds.append(interval_kind(sn))
            if sn.headline is not None and data_kinds[-1] == "credible":
                note = "; ".join(x for x in (sn.headline.interval, note) if x)
        data_rows.append((sn.label, k, _fit_line(o, sn), note))
    yield Table(("Method", "k", f"Estimate (95% {interval_words(method_kinds)})", "Note"),
                tuple(method_rows), caption="Same studies, other methods")
    if data_rows:
        yield Table(("Sensitivity analysis (other inputs)", "k",
                     f"Estimate (95% {interval_words(data_kinds)})", "Note"),
                    tuple(data_rows), caption="Sensitivity analyses")
    if loo_rows:
        yield Table(("Leave one out", "Estimate (95% CI)"), tuple(loo_rows))


def back_frame(o: Outcome, frame: object) -> list[tuple[str, str]]:
    """Leave-one-out rows on the reporting scale."""
    import pandas as pd

    from evisynth.transforms import back_transform

    assert isinstance(frame, pd.DataFrame)
    f = back_transform(o.measure)
    out = []
    for label, row in frame.iterrows():
        est, lb, ub = (float(f(row[c])) for c in ("estimate", "ci_lb", "ci_ub"))
        out.append((str(label), fmt_effect(o, est, lb, ub)))
    return out


def _subgroup_blocks(res: ReviewResults, oa: OutcomeAnalysis) -> Iterator[Block]:
    o = oa.outcome
    ran = [g for g in oa.subgroups if g.result is not None]
    skipped = [g for g in oa.subgroups if g.result is None]
    if ran:
        yield _h(3, "Heterogeneity explained: pre-specified subgroups", prefix=o.key)
    drawn: set[tuple[str, tuple[tuple[str, ...], ...]]] = set()
    for g in ran:
        assert g.result is not None
        res_g = g.result
        title = f"{o.label} by {lower_first(g.label)} ({g.design_label})"
        fav = None if o.measure in PROPORTION_MEASURES else favours(res, o)
        split = (g.design, _split(oa, g))
        # The design strata each have their own forest plot above, and a variable that
        # splits the studies exactly like one already drawn would repeat its figure.
        singletons = all(len(grp) == 1 for grp in split[1])  # = the stratum's own forest
        if g.column != "design" and split not in drawn and not singletons:
            drawn.add(split)
            yield Figure(to_svg(forest_subgroups(res_g, title=title, favours=fav)),
                         f"{title}. {g.note}", f"subgroups-{o.key}-{g.key}-{g.design}")
        text = (f"{g.label} ({g.design_label}): test for subgroup differences Q = "
                f"{res_g.Q_between:.2f}, df = {res_g.Q_between_df}, "
                f"{_p(res_g.Q_between_pval)}. {g.note}")
        if g.rationale:
            text += f" Why pre-specified: {g.rationale}"
        yield Para(text)
        if g.glmm is not None:
            gm = g.glmm
            yield Table(("Group", "k", "Rate (95% CI)", "Method"),
                        tuple((grp, str(k), fmt_effect(o, e, lb, ub), m)
                              for grp, k, e, lb, ub, m in gm.groups),
                        caption=f"{g.label} as a GLMM moderator: QM = {gm.qm:.2f}, df = "
                                f"{gm.df}, {_p(gm.pval)}")
    aliased = _aliased(oa)
    if aliased:
        yield Para(aliased, kind="note")
    for g in skipped:
        yield Para(f"Subgroups by {lower_first(g.label)} ({g.design_label}): {g.note}.",
                   kind="small")


def _split(oa: OutcomeAnalysis, g: Any) -> tuple[tuple[str, ...], ...]:
    """How a subgroup variable partitions the studies of its stratum (labels per group)."""
    from evisynth.review.analyse import subgroup_value

    stratum = next((s for s in oa.strata if s.design == g.design), None)
    if stratum is None:
        return ()
    groups: dict[str, list[str]] = {}
    for u in stratum.studies:
        groups.setdefault(str(subgroup_value(u, g.column)), []).append(u.label)
    return tuple(sorted(tuple(v) for v in groups.values()))


def _aliased(oa: OutcomeAnalysis) -> str:
    """Subgroup variables that split the studies identically cannot be told apart."""
    splits: dict[tuple[str, tuple[tuple[str, ...], ...]], list[str]] = {}
    for g in oa.subgroups:
        if g.result is None or g.column == "design":
            continue
        splits.setdefault((g.design, _split(oa, g)), []).append(g.label)
    same = [labels for labels in splits.values() if len(labels) > 1]
    if not same:
        return ""
    return ("With this few studies, these variables split the studies identically and cannot "
            "be told apart (one figure is drawn for each split): "
            + "; ".join(" = ".join(x) for x in same) + ". A difference between subgroups "
            "could come from any of them, or from something else about those studies.")
