"""Per-outcome sections of the report.

For each design stratum: the forest plot, the pooled numbers, the next-setting
reading of the prediction interval, the inputs with their provenance, the funnel
plot and the GRADE table; trials missing from the primary analysis are named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evisynth.plots import forest, funnel
from evisynth.plots._io import to_svg
from evisynth.report.blocks import Block, Figure, Para, Table
from evisynth.report.sensitivity_section import (
    _sensitivity_tables,
    _subgroup_blocks,
)
from evisynth.report.wording import (
    PROPORTION_MEASURES,
    VERIFICATION_SHORT,
    _h,
    _num,
    _p,
    _pct,
    _percent,
    _tau2,
    _words,
    favours,
    fmt_effect,
    fmt_value,
    lower_first,
    pi_name,
    spans_everything,
)
from evisynth.review.analyse import (
    MIN_K_FUNNEL,
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
    method_label,
)
from evisynth.review.model import Outcome

__all__ = ["outcome_section", "outcomes"]


def _studies_table(o: Outcome, s: StratumAnalysis) -> Table:
    rows = []
    one_arm = o.measure in PROPORTION_MEASURES
    for rec, used in zip(s.study_records(), s.studies, strict=True):
        r = used.row
        if o.measure == "HR":
            value = (f"{_num(r.estimate)} ({_num(r.ci_lb)} to {_num(r.ci_ub)})"
                     if r.estimate is not None and r.ci_lb is not None and r.ci_ub is not None
                     else f"{_num(r.estimate or float('nan'))} (p = {r.pval:g})")
        elif one_arm:
            value = f"{r.events_int}/{r.n_int}"
            ci = rec.get("exact_ci")
            if ci is not None:
                value += f" = {_percent(rec['proportion'])} ({_percent(ci[0])} to " \
                         f"{_percent(ci[1])}, exact)"
        else:
            value = f"{r.events_int}/{r.n_int} vs {r.events_comp}/{r.n_comp}"
        if r.derived:
            value += " (derived)"
        extra = [r.grading or "not stated"] if one_arm else []
        rows.append((rec["label"], value, *extra, f"{rec['weight']:.1f}%",
                     VERIFICATION_SHORT[rec["verification"]], rec["source"], rec["location"]))
    head = ("Study", "Reported", *(["Grading"] if one_arm else []),
            "Weight", "Verification", "Source", "Location in source")
    return Table(head, tuple(rows), caption="Inputs and their provenance")


def _numbers(o: Outcome, s: StratumAnalysis) -> str:
    f = s.fit
    t = s.reported
    h = s.headline
    if not s.pooled:
        return (f"One study: {fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])}. "
                "Nothing is pooled.")
    if spans_everything(o, t["pi_lb"], t["pi_ub"]):
        pi_text = "spans almost every possible rate"
    else:
        pi_text = f"{fmt_value(o, t['pi_lb'])} to {fmt_value(o, t['pi_ub'])}"
    if h is not None and h.model == "bayes":
        b = h.result
        head = (f"Pooled ({h.label}): {fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])} "
                f"(posterior median, {h.interval}); {f.level:g}% predictive interval for a new "
                f"study {pi_text}; between-study standard deviation tau: posterior median "
                f"{b.tau:.2f} ({b.tau_lb:.2f} to {b.tau_ub:.2f}). ")
    elif h is not None and h.model == "glmm":
        g = h.result
        head = (f"Pooled ({h.label}): {fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])}; "
                f"{f.level:g}% prediction interval {pi_text}; tau² = {_tau2(g.tau2)}. ")
    else:
        # a proportion's p-value tests a rate of 50%, which nobody asks about
        pv = "" if o.measure in PROPORTION_MEASURES else f"{_p(f.pval)}; "
        head = (f"Pooled ({method_label(f.method, f.test)}): "
                f"{fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])}; {pv}"
                f"{f.level:g}% prediction interval {pi_text}. ")
    return (
        head +
        f"Heterogeneity ({method_label(f.method, f.test)} fit): tau² = {_tau2(f.tau2)}, "
        f"I² = {_pct(f.I2)}, Q = {f.Q:.2f} "
        f"(df = {f.k - 1}, {_p(f.Q_pval)}). k = {f.k}"
        + (f", {s.participants:,} participants." if s.participants else ".")
    )


def _next_setting(res: ReviewResults, o: Outcome, s: StratumAnalysis) -> str:
    """The prediction interval read out for the next setting or product."""
    t = s.reported
    w = _words(res)
    pi = pi_name(s)
    if not s.pooled:
        return ""
    if o.measure in PROPORTION_MEASURES:
        if spans_everything(o, t["pi_lb"], t["pi_ub"]):
            return ("For the next setting or product, the data cannot say what rate to "
                    f"expect: the {pi} interval spans almost every possible rate.")
        return (f"For the next setting or product, the rate could plausibly lie anywhere from "
                f"{_percent(t['pi_lb'])} to {_percent(t['pi_ub'])} (95% {pi} interval).")
    null = 1.0
    good_side = (t["pi_ub"] < null) if o.favours == "lower" else (t["pi_lb"] > null)
    crosses = t["pi_lb"] < null < t["pi_ub"]
    what = (f"could find anything from a clear benefit of {w.intervention} to clear harm"
            if crosses else f"would be expected to favour {w.intervention}" if good_side
            else f"would be expected to favour {w.comparator}")
    return (f"For the next setting or product, the 95% {pi} interval runs from "
            f"{_num(t['pi_lb'])} to {_num(t['pi_ub'])}: a new study {what}.")


def _counts(o: Outcome, s: StratumAnalysis) -> list[Any] | None:
    """Per-study (events_int, n_int, events_comp, n_comp) for binary outcomes."""
    if o.measure in ("HR",):
        return None
    out: list[Any] = []
    for x in s.studies:
        r = x.row
        if o.measure in PROPORTION_MEASURES:
            out.append((r.events_int, r.n_int, None, None))
        else:
            out.append((r.events_int, r.n_int, r.events_comp, r.n_comp))
    return out


def _stratum_blocks(res: ReviewResults, o: Outcome, s: StratumAnalysis,
                    primary: bool) -> Iterator[Block]:
    if not primary:
        yield _h(3, f"{s.design_label} (separate stratum, not pooled with the primary evidence)",
                 prefix=o.key)
    notes = [VERIFICATION_SHORT[x.verification] + (" (derived)" if x.row.derived else "")
             for x in s.studies]
    left, right = favours(res, o)
    w = _words(res)
    counts = _counts(o, s)
    h = s.headline
    bfit = h.result if s.pooled and h is not None and h.model == "bayes" else None
    fig = forest(bfit if bfit is not None else s.fit, study_notes=notes,
                 notes_title="Verification",
                 title=f"{o.label}: {s.design_label}",
                 favours=None if o.measure in PROPORTION_MEASURES else (left, right),
                 counts=counts,
                 counts_labels=(w.intervention, w.comparator))
    which = ""
    if bfit is not None and h is not None:
        which = (f" Primary model: {h.label}. Open squares: the studies' data; filled "
                 "circles: their shrunken (posterior) estimates; diamond: posterior median "
                 f"and {s.fit.level:g}% credible interval; bar: {s.fit.level:g}% predictive "
                 f"interval for a new study. The plan's {method_label(s.fit.method, s.fit.test)}"
                 " fit is in the table of other methods.")
    elif s.pooled and h is not None and h.model != "frequentist":
        t = s.reported
        shown = fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])
        which = (f" Diamond and bar: the plan's {method_label(s.fit.method, s.fit.test)} fit; "
                 f"the primary estimate ({h.label}) is {shown}.")
    if bfit is None:
        which = (" Squares: studies (area by weight); diamond: pooled estimate; bar: "
                 "prediction interval." + which)
    yield Figure(to_svg(fig), f"{o.label} — {s.design_label}." + which
                 + ("" if o.measure in PROPORTION_MEASURES
                    else f" Left: {left}; right: {right}."),
                 f"forest-{o.key}-{s.design}")
    yield Para(_numbers(o, s))
    nxt = _next_setting(res, o, s)
    if nxt:
        yield Para(nxt)
    for n in s.notes:
        yield Para(n, kind="note")
    yield _studies_table(o, s)
    if s.pooled:
        yield from _sensitivity_tables(o, s)
    yield Para(f"Small-study effects: {s.small_study_note}", kind="small")
    if s.k >= MIN_K_FUNNEL:
        yield Figure(to_svg(funnel(s.fit, trimfill=s.trimfill)),
                     f"Funnel plot, {o.label} ({s.design_label}).",
                     f"funnel-{o.key}-{s.design}")
    if s.certainty is not None:
        c = s.certainty
        rows = tuple((d.domain.replace("_", " ").capitalize(),
                      {0: "not serious", -1: "serious (−1)", -2: "very serious (−2)"}
                      .get(d.rating, str(d.rating)), d.reason) for d in c.domains)
        yield Table(("GRADE domain", "Rating", "Reason"), rows,
                    caption=f"Certainty: {c.certainty} (start: {c.start})")
    elif s.certainty_start == "low" and o.measure in PROPORTION_MEASURES:
        yield Para("Certainty not rated: no risk-of-bias tool for comparative effects applies "
                   "to cohorts without a comparison group.", kind="small")


def _missing_trials(res: ReviewResults, oa: OutcomeAnalysis) -> str:
    """Trials of the primary design not in this outcome's primary analysis, and why."""
    r = res.review
    o = oa.outcome
    primary = oa.primary
    design = r.analysis.design
    inside = {x.study.trial for x in primary.studies} if primary is not None else set()
    trials = dict.fromkeys(s.trial for s in r.studies if s.design == design)
    out = []
    for trial in trials:
        if trial in inside:
            continue
        ids = {s.study_id for s in r.studies if s.trial == trial}
        gaps = [g.note for g in r.not_reported if g.study_id in ids and g.outcome == o.key]
        leads = [row for row in r.rows if row.study_id in ids and row.outcome == o.key
                 and row.analysis == "lead"]
        text = f"{trial} is not in the primary analysis of {lower_first(o.label)}: "
        why = re.sub(r"^EMPTY[^:]*:\s*", "", gaps[0]).rstrip(".") if gaps else ""
        text += (why + "." if why else
                 "no source gives an analysable number for it.")
        est = leads[0].estimate if leads else None
        if est is not None:
            lb, ub = leads[0].ci_lb, leads[0].ci_ub
            ci = f" ({_num(lb)} to {_num(ub)})" if lb is not None and ub is not None else ""
            text += (f" Its only number ({o.measure} {_num(est)}{ci}, from a single "
                     "unverifiable source) appears in the leads sensitivity analysis only.")
        out.append(text)
    return " ".join(out)


def outcome_section(res: ReviewResults, oa: OutcomeAnalysis) -> Iterator[Block]:
    o = oa.outcome
    yield _h(2, o.label)
    if o.definition:
        yield Para(f"Definition: {o.definition}", kind="small")
    if o.grading_note:
        yield Para(o.grading_note, kind="small")
    if oa.primary is None:
        yield Para("No study reports this outcome in an analysable form.")
        return
    missing = _missing_trials(res, oa)
    if missing:
        yield Para(missing, kind="note")
    for i, s in enumerate(oa.strata):
        yield from _stratum_blocks(res, o, s, primary=i == 0)
    yield from _subgroup_blocks(res, oa)


def outcomes(res: ReviewResults) -> Iterator[Block]:
    efficacy = [oa for oa in res.outcomes if oa.outcome.measure not in PROPORTION_MEASURES]
    safety = [oa for oa in res.outcomes if oa.outcome.measure in PROPORTION_MEASURES]
    if efficacy:
        yield _h(1, "Comparative outcomes")
    for oa in efficacy:
        yield from outcome_section(res, oa)
    if not safety:
        return
    yield _h(1, "Single-arm outcomes (rates)")
    note = _words(res).safety_note
    yield Para(note or "Rates are pooled as proportions on the logit scale and "
                       "back-transformed; design strata are never pooled together.")
    for oa in safety:
        yield from outcome_section(res, oa)
