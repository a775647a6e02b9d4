"""The bottom line: one GRADE informative statement per outcome (Santesso et al. 2020)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evisynth.report.blocks import Block, Para
from evisynth.report.wording import (
    MEASURE_NAMES,
    PROPORTION_MEASURES,
    _est,
    _h,
    _num,
    _percent,
    _words,
    ci_abbr,
    fmt_effect,
    interval_kind,
    lower_first,
    primary_model_sentence,
    spans_everything,
)
from evisynth.review.analyse import (
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
)
from evisynth.review.model import Outcome

__all__ = ["CERTAINTY_PHRASE", "DOMAIN_WORDS", "key_findings", "key_sentence"]


#: GRADE informative statements (Santesso et al., J Clin Epidemiol 2020;119:126-135).
CERTAINTY_PHRASE = {"high": "", "moderate": "probably ", "low": "may "}


def _sof_by_outcome(res: ReviewResults) -> dict[str, dict[str, Any]]:
    if res.sof is None:
        return {}
    return {r["outcome"]: r for r in res.sof.to_dict()["rows"]}


DOMAIN_WORDS = {
    "risk of bias": "limitations in how the studies were done or reported",
    "inconsistency": "the studies disagree with each other",
    "indirectness": "the studies differ from the question asked",
    "imprecision": "the range of plausible effects is wide",
    "publication bias": "results may be missing",
}


def _uncertain(s: StratumAnalysis) -> str:
    c = s.certainty
    if c is None:
        return "Certainty not rated."
    parts = []
    for d in c.downgrades:
        name = d.domain.lower().replace("_", " ")
        words = DOMAIN_WORDS.get(name, name)
        if name == "imprecision" and s.intervals is not None and s.intervals.disagree:
            words += ", and different defensible interval methods lead to different conclusions"
        parts.append(words)
    if not parts:
        return ""
    return "Uncertain because " + "; ".join(parts) + "."


def _per_1000_sentence(res: ReviewResults, o: Outcome, row: dict[str, Any] | None,
                       ci: str = "CI") -> str:
    w = _words(res)
    if row is None or row.get("absolute") is None:
        return ""
    ab = row["absolute"]
    when = f"At {row['time_point']}, " if row.get("time_point") else ""
    lo, hi = ab["difference_lb_per_1000"], ab["difference_ub_per_1000"]

    def fm(d: int) -> str:
        return "no difference" if d == 0 else f"{abs(d):,} {'fewer' if d < 0 else 'more'}"

    what = ("had an event (the outcome's end point)" if o.measure == "HR"
            else f"had {lower_first(o.label)}")
    unit = "events per 1,000" if o.measure == "HR" else "per 1,000"
    return (f"{when}{ab['intervention_per_1000']:,} per 1,000 people {what} with "
            f"{w.intervention} versus {ab['control_per_1000']:,} per 1,000 with {w.comparator}: "
            f"{fm(ab['difference_per_1000'])} {unit} (95% {ci} {fm(lo)} to "
            f"{fm(hi)}).")


def key_sentence(res: ReviewResults, oa: OutcomeAnalysis, first: bool) -> str:
    """One plain sentence per outcome in GRADE's informative-statement style."""
    w = _words(res)
    o, s = oa.outcome, oa.primary
    assert s is not None
    t = s.reported
    label = lower_first(o.label)
    cert = s.certainty.certainty if s.certainty is not None else None
    design = s.design_label.lower() if s.design_label[1:2].islower() else s.design_label
    n = f", {s.participants:,} participants" if s.participants else ""
    basis = f"{s.k} {'study' if s.k == 1 else 'studies'}: {design}{n}"
    if o.measure in PROPORTION_MEASURES:
        arm = w.intervention_arm_label or f"people given {w.intervention}"
        rate = (f"about {round(1000 * t['estimate']):,} per 1,000 {arm} "
                f"({_percent(t['estimate'])}")
        if spans_everything(o, t["ci_lb"], t["ci_ub"]):
            rate += "; the data cannot bound the rate)"
        else:
            rate += (f"; 95% {ci_abbr(s)} {round(1000 * t['ci_lb']):,} to "
                     f"{round(1000 * t['ci_ub']):,} events per 1,000)")
        lead = f"{o.label}: {rate}, from {basis}."
        others = [f"{x.design_label}: {fmt_effect(o, *_est(x))} (k = {x.k})"
                  for x in oa.strata[1:]]
        if others:
            lead += " Other designs, not pooled with these: " + "; ".join(others) + "."
        if cert is None:
            return f"{lead} Certainty not rated: {s.design_label} without a comparison group."
        if cert == "very low":
            return f"{lead} The evidence is very uncertain about this rate. {_uncertain(s)}"
        return (f"{lead} {cert.capitalize()}-certainty evidence. {_uncertain(s)}").strip()
    name = MEASURE_NAMES.get(o.measure, o.measure)
    abbr = o.measure
    abbr_ci = ci_abbr(s)
    ci = f"95% {interval_kind(s)} interval [{abbr_ci}]" if first else f"95% {abbr_ci}"
    named = f"{name} [{abbr}]" if first else abbr
    numbers = (f"{named} {_num(t['estimate'])}, {ci} {_num(t['ci_lb'])} to "
               f"{_num(t['ci_ub'])}; {basis}")
    good = (t["estimate"] < 1) == (o.favours == "lower")
    if o.measure == "HR":
        verb = "improve" if good else "worsen"
    else:
        up = t["estimate"] > 1
        verb = "increase" if up else "reduce"
    imp = o.imprecision
    lo_t = min(imp.thresholds) if imp.thresholds else None
    hi_t = max(imp.thresholds) if imp.thresholds else None
    small = (lo_t is not None and hi_t is not None and lo_t < t["ci_lb"]
             and t["ci_ub"] < hi_t)
    who = w.intervention
    if first and who in w.abbreviations:
        who = f"{who} ({w.abbreviations[who]})"
    if cert == "very low" or cert is None:
        head = (f"The evidence is very uncertain about the effect of {who} on "
                f"{label} ({numbers}).")
    elif small:
        phrase = {"high": "results", "moderate": "probably results", "low": "may result"}[cert]
        head = (f"{who} {phrase} in little to no difference in {label} "
                f"({numbers}).")
    else:
        v = verb if cert != "high" else verb + "s"
        head = f"{who} {CERTAINTY_PHRASE[cert]}{v} {label} ({numbers})."
    grade = "" if cert is None else (
        " GRADE (Grading of Recommendations Assessment, Development and Evaluation) "
        f"certainty: {cert}." if first else f" GRADE certainty: {cert}.")
    verified = _verified_only_text(res, oa)
    sof_row = _sof_by_outcome(res).get(o.label)
    rest = " ".join(x for x in (_per_1000_sentence(res, o, sof_row, abbr_ci),
                                grade.strip(), _uncertain(s), verified) if x)
    return f"{head} {rest}".strip()


def _verified_only_text(res: ReviewResults, oa: OutcomeAnalysis) -> str:
    """The verified-in-source-only answer, when it leaves studies out."""
    s = oa.primary
    if s is None:
        return ""
    keys = {sn.key for sn in res.review.analysis.sensitivity if sn.verified_only}
    for sn in s.sensitivity:
        t = sn.reported
        if sn.key not in keys or sn.fit is None or t is None or sn.fit.k == s.k:
            continue
        dropped = [x.label for x in s.studies
                   if x.row.row_id not in {y.row.row_id for y in sn.studies}]
        value = fmt_effect(oa.outcome, t["estimate"], t["ci_lb"], t["ci_ub"])
        return (f"Using only numbers verified in the studies' own texts (without "
                f"{', '.join(dropped)}): {value}, "
                f"{sn.fit.k} {'study' if sn.fit.k == 1 else 'studies'}.")
    return ""


def key_findings(res: ReviewResults) -> Iterator[Block]:
    """The bottom line, first: one sentence per outcome (Santesso et al. 2020)."""
    analysed = [oa for oa in res.outcomes if oa.primary is not None]
    if not analysed:
        return
    yield _h(1, "Key findings")
    yield Para(primary_model_sentence(res) + " Wording follows GRADE's informative "
               "statements (Santesso et al., J Clin Epidemiol 2020): 'improves' for high, "
               "'probably improves' for moderate, 'may improve' for low certainty, and "
               "'very uncertain' for very low certainty.",
               kind="small")
    first = True
    for oa in analysed:
        yield Para(key_sentence(res, oa, first), kind="note")
        if oa.outcome.measure not in PROPORTION_MEASURES:
            first = False
