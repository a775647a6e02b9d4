"""What the review report says, section by section, as blocks (no computation).

Everything numeric comes from :class:`~evisynth.review.analyse.ReviewResults`;
this module only words it and lays it out. Every word that belongs to one
review (arm names, favour labels, limitations, caveats about its sources) comes
from the review's ``review.toml`` (``[question]``, ``[report]``, outcome
definitions); method sentences come from the analysis plan that was run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from evisynth.plots import forest, forest_subgroups, funnel, prisma, rob_traffic_light
from evisynth.plots._io import to_svg
from evisynth.plots.survival import km_figure
from evisynth.report.blocks import Block, BulletList, Figure, Heading, Para, Table, slug
from evisynth.report.cea_section import cea_section
from evisynth.review.analyse import (
    MIN_K_FUNNEL,
    NamedFit,
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
    method_label,
    method_sentence,
    transformed,
)
from evisynth.review.audit import audit_review
from evisynth.review.model import ROB_DOMAINS, Outcome, ReportText

VERIFICATION_SHORT = {"verified-in-source": "verified", "from-secondary-source": "secondary"}
PROPORTION_MEASURES = ("PLO", "PFT", "PR", "PAS")
MEASURE_NAMES = {"HR": "hazard ratio", "RR": "risk ratio", "OR": "odds ratio"}

#: GRADE informative statements (Santesso et al., J Clin Epidemiol 2020;119:126-135).
CERTAINTY_PHRASE = {"high": "", "moderate": "probably ", "low": "may "}

#: Terms the report itself uses (the review's own abbreviations come from review.toml).
GENERAL_TERMS: dict[str, str] = {
    "CI": "confidence interval: the range of effects compatible with the data (95%)",
    "CrI": "credible interval: the range that holds the true effect with 95% probability "
           "under the Bayesian model",
    "PI": "prediction interval: where the effect in a new, similar study would be expected "
          "to lie (95%)",
    "HR": "hazard ratio: the rate of events with the intervention relative to the comparator "
          "(below 1 means fewer events)",
    "RR": "risk ratio: the proportion with the outcome with the intervention relative to the "
          "comparator",
    "OR": "odds ratio",
    "k": "the number of studies in an analysis",
    "GRADE": "Grading of Recommendations Assessment, Development and Evaluation: how certain "
             "the evidence is (high, moderate, low, very low)",
    "REML": "restricted maximum likelihood, the estimator of the between-study variance",
    "Hartung–Knapp": "an interval that uses a t distribution and rescales the standard error "
                     "by how much the studies disagree",
    "I²": "the share of the variation between studies that is not due to chance",
    "tau²": "the between-study variance of the true effects",
    "RoB 2": "Cochrane risk-of-bias tool for randomised trials",
    "ROBINS-I": "risk-of-bias tool for non-randomised studies of interventions",
    "derived": "a count computed from a published percentage and a known denominator",
    "secondary": "a number seen only in a secondary source (news report, review, "
                 "presentation), not in the study's own text",
    "lead": "a number seen in a single unverifiable source; used only in a sensitivity "
            "analysis, never in the primary analysis",
    "source row": "a row of the extraction table the review was built from (spreadsheet "
                  "numbering, header = row 1)",
}


def _h(level: int, text: str, prefix: str = "") -> Heading:
    return Heading(level, text, slug(prefix + text))


def _words(res: ReviewResults) -> ReportText:
    return res.review.report


def lower_first(text: str) -> str:
    """``Event-free survival`` -> ``event-free survival``; acronyms (``ICANS``) untouched."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _num(x: float) -> str:
    """Readable ratio: two decimals, three significant digits below 0.1."""
    if x != x:
        return "not computed"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 0.1 or x == 0:
        return f"{x:.2f}"
    return f"{x:.2g}"


def _percent(x: float) -> str:
    """Readable percentage: ``5.4%``, ``0.16%``, never scientific notation."""
    p = 100 * x
    if p == 0:
        return "0%"
    if p >= 99.95 or p >= 10:
        return f"{p:.0f}%" if p >= 99.5 else f"{p:.1f}%"
    if p >= 1 or float(f"{p:.2g}") >= 1:
        return f"{p:.1f}%"
    return f"{p:.2g}%"


def fmt_value(o: Outcome, x: float) -> str:
    """``0.39`` for ratios, ``3.6%`` for proportions."""
    return _percent(x) if o.measure in PROPORTION_MEASURES else _num(x)


def spans_everything(o: Outcome, lb: float, ub: float) -> bool:
    """A proportion interval that says nothing (about 0% to about 100%)."""
    return o.measure in PROPORTION_MEASURES and lb < 0.005 and ub > 0.995


def fmt_effect(o: Outcome, est: float, lb: float, ub: float) -> str:
    """``0.39 (0.27 to 0.57)`` for ratios, ``3.6% (1.2% to 10%)`` for proportions.

    A proportion interval from about 0% to about 100% is not printed: the data
    cannot bound the rate, and the text says so instead.
    """
    if spans_everything(o, lb, ub):
        return (f"{fmt_value(o, est)} (no usable interval: the data are compatible with "
                "almost any rate)")
    return f"{fmt_value(o, est)} ({fmt_value(o, lb)} to {fmt_value(o, ub)})"


def _fit_line(o: Outcome, fit: NamedFit | StratumAnalysis) -> str:
    """A result's estimate and interval as reported (the primary model where it has one)."""
    t = fit.reported
    if t is None:
        return "—"
    return fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])


def _plain_line(o: Outcome, fit: Any) -> str:
    """A frequentist fit's estimate and CI on the reporting scale."""
    if fit is None:
        return "—"
    t = transformed(fit)
    return fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])


def _p(p: float) -> str:
    """``p = 0.046`` / ``p < 0.001`` (never scientific notation)."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}" if p < 0.01 else f"p = {p:.3g}"


def _tau2(x: float) -> str:
    return "0" if x == 0 else "< 0.001" if x < 0.001 else f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{x:.0f}%"


def favours(res: ReviewResults, o: Outcome) -> tuple[str, str]:
    """Forest-plot labels (left, right) of an outcome, from the review's arm names."""
    w = _words(res)
    good, bad = f"Favours {w.intervention}", f"Favours {w.comparator}"
    return (good, bad) if o.favours == "lower" else (bad, good)


def direction_words(res: ReviewResults, o: Outcome) -> str:
    """``Hazard ratios below 1 favour drug X.`` (from the review's words)."""
    w = _words(res)
    side = "below" if o.favours == "lower" else "above"
    name = MEASURE_NAMES.get(o.measure, o.measure)
    return f"{name.capitalize()}s {side} 1 favour {w.intervention}."


# ---------------------------------------------------------------------------- bottom line
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


def _per_1000_sentence(res: ReviewResults, o: Outcome, row: dict[str, Any] | None) -> str:
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
    bayes = row.get("_bayes", False)
    return (f"{when}{ab['intervention_per_1000']:,} per 1,000 people {what} with "
            f"{w.intervention} versus {ab['control_per_1000']:,} per 1,000 with {w.comparator}: "
            f"{fm(ab['difference_per_1000'])} {unit} (95% {'CrI' if bayes else 'CI'} {fm(lo)} to "
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
            rate += (f"; 95% CI {round(1000 * t['ci_lb']):,} to "
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
    bayes = s.headline is not None and s.headline.model == "bayes"
    ci = ("95% credible interval [CrI]" if bayes and first else "95% CrI" if bayes
          else "95% confidence interval [CI]" if first else "95% CI")
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
    if sof_row is not None:
        sof_row = {**sof_row, "_bayes": bayes}
    rest = " ".join(x for x in (_per_1000_sentence(res, o, sof_row),
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


def _est(s: StratumAnalysis) -> tuple[float, float, float]:
    t = s.reported
    return t["estimate"], t["ci_lb"], t["ci_ub"]


def primary_model_sentence(res: ReviewResults) -> str:
    """The models the primary analyses actually used, in words (from the plan run)."""
    plan = res.review.analysis
    used = [oa.primary.headline for oa in res.outcomes
            if oa.primary is not None and oa.primary.headline is not None
            and oa.primary.pooled]
    models = dict.fromkeys(h.model for h in used)
    parts = []
    if "bayes" in models:
        fs = plan.few_studies
        lab = next(h.label for h in used if h.model == "bayes")
        parts.append(f"{lab} for outcomes with at most "
                     f"{fs.max_k if fs else 4} studies (posterior medians with 95% credible "
                     "intervals)")
    if "glmm" in models:
        parts.append("the binomial-normal generalised linear mixed model for rates")
    if "frequentist" in models or not parts:
        parts.append(method_sentence(plan.method, plan.test)
                     + (" for the other outcomes" if parts else ""))
    return f"Primary analysis: {plan.design} stratum; " + "; ".join(parts) + "."


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


def glossary(res: ReviewResults) -> Iterator[Block]:
    terms = dict(_words(res).abbreviations)
    plan = res.review.analysis
    tests = _tests_used(res)
    methods = {plan.method} | {a.method for a in plan.alternatives}
    skip = set()
    if not tests & {"knha", "adhoc"}:
        skip.add("Hartung–Knapp")
    if "REML" not in methods:
        skip.add("REML")
    measures = {o.measure for o in res.review.outcomes}
    skip |= {m for m in ("HR", "RR", "OR") if m not in measures}
    for k, v in GENERAL_TERMS.items():
        if k not in skip:
            terms.setdefault(k, v)
    yield _h(1, "Abbreviations and terms")
    yield BulletList(tuple(f"{k}: {v}" for k, v in terms.items()))


# ---------------------------------------------------------------------------- sections
def question(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    q = r.question
    yield _h(1, "Question")
    if r.summary:
        yield Para(r.summary)
    rows = [("Population", q.population), ("Intervention", q.intervention),
            ("Comparator", q.comparator), ("Outcomes", q.outcomes)]
    if q.setting:
        rows.append(("Setting", q.setting))
    yield Table(("PICO", "This review"), tuple(rows))


SOF_HEADINGS = {
    "Risk with comparator": "Events per 1,000 with {comparator}",
    "Risk with intervention": "Events per 1,000 with {intervention}",
    "Difference (95% CI)": "Difference in events per 1,000 (95% CI)",
}


def main_findings(res: ReviewResults) -> Iterator[Block]:
    if not res.outcomes:
        return
    w = _words(res)
    yield _h(1, "Summary of findings")
    dirs = " ".join(dict.fromkeys(direction_words(res, oa.outcome) for oa in res.outcomes
                                  if oa.outcome.measure not in PROPORTION_MEASURES))
    yield Para(
        f"{primary_model_sentence(res)} {dirs} Absolute effects are events (not survivors) per "
        "1,000 people at the stated time: the pooled relative effect applied to the "
        f"comparator's risk named in the footnotes (for hazard ratios, survival with "
        f"{w.intervention} = survival with {w.comparator} raised to the power HR)."
    )
    if res.sof is not None:
        rows = res.sof.to_dict()["rows"]
        cols = list(rows[0]["cells"]) if rows else []
        head = tuple(SOF_HEADINGS.get(c, c).format(intervention=w.intervention,
                                                    comparator=w.comparator) for c in cols)
        body = tuple(tuple(str(r["cells"][c]).replace(" per 1,000", "") for c in cols)
                     for r in rows)
        yield Table(head, body, caption="Summary of findings (GRADE)")
        yield BulletList(tuple(res.sof.footnotes), ordered=True)
    n_inputs = sum(oa.primary.k for oa in res.outcomes if oa.primary is not None)
    n_sec = sum(oa.primary.n_secondary for oa in res.outcomes if oa.primary is not None)
    yield Para(
        f"Provenance: the primary analyses use {n_inputs} study inputs; {n_sec} of them "
        f"{'was' if n_sec == 1 else 'were'} seen only in a secondary source (news report, "
        "review or presentation) rather than the study's own text. Each input's source and "
        "verification status is listed with its outcome below.",
        kind="note",
    )


def _tests_used(res: ReviewResults) -> set[str]:
    plan = res.review.analysis
    tests = {plan.test} | {a.test for a in plan.alternatives}
    tests |= {sn.test for sn in plan.sensitivity if sn.test}
    return tests


def interval_explainer(res: ReviewResults) -> Iterator[Block]:
    pooled = [oa for oa in res.outcomes if oa.primary is not None and oa.primary.pooled]
    if not pooled:
        return
    plan = res.review.analysis
    yield _h(1, "Why the intervals differ")
    ks = sorted({oa.primary.k for oa in pooled if oa.primary is not None})
    tests = _tests_used(res)
    bayes = any(oa.primary is not None and oa.primary.headline is not None
                and oa.primary.headline.model == "bayes" for oa in pooled)
    text = [f"The primary analyses rest on {' or '.join(map(str, ks))} studies per outcome. "
            "A random-effects interval must then estimate the spread between studies from "
            "little information, and the choice of method decides how wide the interval is."]
    if "knha" in tests or "adhoc" in tests:
        text.append("The Hartung–Knapp interval uses a t distribution with k − 1 degrees of "
                    "freedom and rescales the standard error by a factor that measures how "
                    "much more the studies disagree than their own standard errors predict.")
    if "adhoc" in tests:
        text.append("The ad hoc variant never lets that factor fall below 1, so it is never "
                    "narrower than the z-based interval.")
    if "z" in tests:
        text.append("The z-based interval treats the between-study variance as known and is "
                    "known to be too narrow when studies disagree.")
    text.append("The fixed-effect interval assumes every study estimates the same effect. "
                "Where defensible methods lead to different conclusions about the decision "
                "thresholds, this review says so and rates the certainty down for imprecision.")
    if bayes:
        text.append("The Bayesian random-effects model does not have to estimate the spread "
                    "from the studies alone: it averages over every plausible spread, weighted "
                    "by a prior stated in advance, and its prior-sensitivity rows show how "
                    "much that choice matters.")
    text.append(primary_model_sentence(res))
    yield Para(" ".join(text))
    rows = []
    for oa in pooled:
        p = oa.primary
        assert p is not None
        o = oa.outcome
        h = p.headline
        line = [o.label, str(p.k),
                _fit_line(o, p) + ("" if h is None or h.model == "frequentist"
                                   else f" [{h.label}]"),
                _plain_line(o, p.fit)]
        line += [_plain_line(o, a.fit) for a in p.alternatives]
        fe = next((sn for sn in p.sensitivity if sn.fit is not None and sn.fit.method == "FE"),
                  None)
        line.append(_plain_line(o, fe.fit) if fe is not None else "—")
        agree = p.intervals
        line.append("—" if agree is None else
                    "no: rated down for imprecision" if agree.disagree else "yes")
        rows.append(tuple(line))
    checks = [_check_sentence(oa) for oa in pooled]
    alt = [a.label or method_label(a.method, a.test) for a in plan.alternatives]
    yield Table(("Outcome", "k", "Primary analysis", method_label(plan.method, plan.test), *alt,
                 "Fixed effect", "Same conclusion?"), tuple(rows),
                caption="The same data, different interval methods")
    checks = [c for c in checks if c]
    if checks:
        yield _h(2, "Do these intervals work for trials like ours?")
        yield Para("A simulation check matched to each outcome's own studies: the same number "
                   "of studies with the same precision, and a between-study spread (tau) "
                   "taken across the range the data allow (its Q-profile interval). For each "
                   "method it counts how often a 95% interval contains the true effect; a "
                   "method that works should do so about 95 times in 100 at every plausible "
                   "spread. Fixed seed, so the numbers repeat exactly. The check covers the "
                   "frequentist intervals; the Bayesian model's interval averages over the "
                   "spread instead of estimating it, and its prior-sensitivity rows show how "
                   "much the answer depends on that prior.")
        yield BulletList(tuple(checks))


def _check_sentence(oa: OutcomeAnalysis) -> str:
    s = oa.primary
    if s is None or s.interval_check is None:
        return ""
    c = s.interval_check
    worst = c.worst()
    names = {"knha": "Hartung–Knapp", "z": "z-based", "adhoc": "ad hoc Hartung–Knapp",
             "t": "t-based"}
    parts = []
    for m, cov in worst.items():
        test = m.split("-", 1)[1] if "-" in m else m
        verdict = " (too narrow for studies like these)" if cov < 0.9 else ""
        parts.append(f"{names.get(test, m)} at least {round(100 * cov)} in 100{verdict}")
    return (f"{oa.outcome.label} ({s.k} studies; tau from {c.tau_lb:.2f} to {c.tau_ub:.2f}): "
            + "; ".join(parts) + ".")


def evidence_base(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    yield _h(1, "Studies")
    counts = r.prisma.model_dump(exclude={"search_reproduced"})
    by_reason = dict(sorted(
        Counter(e.category for e in r.exclusions if e.stage == "reports").items()))
    counts["reports_excluded"] = by_reason or r.prisma.reports_excluded
    if any(v for k, v in counts.items() if k != "note"):
        yield Figure(to_svg(prisma(counts, title="PRISMA 2020 flow diagram")),
                     "PRISMA 2020 flow of reports and studies.", "prisma")
    if r.prisma.note:
        yield Para(r.prisma.note, kind="small")
    w = _words(res)
    rows = []
    for s in r.studies:
        n = "—" if s.n_int is None else f"{s.n_int} vs {s.n_comp if s.n_comp else '—'}"
        rows.append((s.label, s.trial, s.design, s.intervention, s.line or "—", n,
                     s.data_cut or "—", s.citation, s.doi_or_pmid or "—"))
    if rows:
        yield Table(("Report", "Study", "Design", "Intervention", "Line", "n (intervention vs "
                     "comparator)", "Data cut", "Citation", "DOI/PMID"), tuple(rows),
                    caption=f"Included reports and their characteristics ({w.intervention} vs "
                            f"{w.comparator})")
    feats = [(s.label, "; ".join(f"{k} = {v}" for k, v in s.features), s.features_source or "")
             for s in r.studies if s.features]
    if feats:
        yield Table(("Report", "Design features", "Source"), tuple(feats),
                    caption="Pre-specified design features (used as subgroups)")
    if not r.exclusions:
        return
    yield _h(2, "Excluded reports")
    yield Table(("Id", "Report", "Reason"),
                tuple((e.id, e.citation, e.reason) for e in r.exclusions),
                caption="Exclusion log")


def _rob_rows(res: ReviewResults, tool: str) -> dict[str, dict[str, str]]:
    """Traffic-light rows: per study, the outcomes sharing one set of judgements."""
    r = res.review
    domains = list(ROB_DOMAINS[tool])
    out: dict[str, dict[str, str]] = {}
    used = {(x.study_id, oa.outcome.key) for oa in res.outcomes for st in oa.strata
            for x in st.studies}
    for study in r.studies:
        if r.design(study.design).rob_tool != tool:
            continue
        groups: dict[tuple[str, ...], list[str]] = {}
        for o in r.outcomes:
            if (study.study_id, o.key) not in used:
                continue
            judged = {j.domain: j.judgement for j in r.rob_for(study.study_id, o.key)}
            if not judged:
                continue
            vector = tuple(judged.get(d, "no information") for d in domains)
            groups.setdefault(vector, []).append(o.key)
        for vector, keys in groups.items():
            labels = ", ".join(r.outcome(k).label for k in keys)
            name = f"{study.label} — {labels}" if len(groups) > 1 else study.label
            out[name] = dict(zip(domains, vector, strict=True))
    return out


def risk_of_bias(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    if not r.risk_of_bias:
        return
    yield _h(1, "Risk of bias")
    if r.risk_of_bias_note:
        yield Para(r.risk_of_bias_note, kind="small")
    by_study: dict[tuple[str, str], dict[str, str]] = {}
    support: dict[tuple[str, str], list[str]] = {}
    for j in r.risk_of_bias:
        key = (j.study_id, ", ".join(j.outcomes))
        by_study.setdefault(key, {})[j.domain] = j.judgement
        support.setdefault(key, []).append(f"{j.domain}: {j.support}")
    for tool in dict.fromkeys(j.tool for j in r.risk_of_bias):
        domains = list(ROB_DOMAINS[tool])
        lights = _rob_rows(res, tool) if tool == "RoB 2" else {}
        if lights:
            fig = rob_traffic_light(lights, domains={d: ROB_DOMAINS[tool][d] for d in domains},
                                    title=f"Risk of bias by domain ({tool})")
            yield Figure(to_svg(fig), f"{tool} judgements by domain; 'no information' where "
                         "the sources say nothing.", f"rob-{slug(tool)}")
        rows = []
        for (study_id, outs), judged in by_study.items():
            first = next(j for j in r.risk_of_bias if j.study_id == study_id)
            if first.tool != tool:
                continue
            rows.append((r.study(study_id).label, outs,
                         *[judged.get(d, "—") for d in domains]))
        yield Table(("Report", "Outcomes", *domains), tuple(rows),
                    caption=f"{tool}: judgement by domain ("
                            + "; ".join(f"{d} {ROB_DOMAINS[tool][d].lower()}"
                                        for d in domains if d != "overall") + ")")
    for d in r.designs:
        if d.rob_tool == "none" and d.rob_note:
            yield Para(f"{d.label}: {d.rob_note}", kind="small")
    reasons = tuple((r.study(j.study_id).label, ", ".join(j.outcomes), j.domain, j.judgement,
                     j.support) for j in r.risk_of_bias if j.judgement != "low")
    if reasons:
        yield Table(("Report", "Outcomes", "Domain", "Judgement", "Reason"), reasons,
                    caption="Reasons for every judgement other than 'low'")


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
    if not s.pooled:
        return ""
    if o.measure in PROPORTION_MEASURES:
        if spans_everything(o, t["pi_lb"], t["pi_ub"]):
            return ("For the next setting or product, the data cannot say what rate to "
                    "expect: the prediction interval spans almost every possible rate.")
        return (f"For the next setting or product, the rate could plausibly lie anywhere from "
                f"{_percent(t['pi_lb'])} to {_percent(t['pi_ub'])} (95% prediction interval).")
    null = 1.0
    good_side = (t["pi_ub"] < null) if o.favours == "lower" else (t["pi_lb"] > null)
    crosses = t["pi_lb"] < null < t["pi_ub"]
    what = (f"could find anything from a clear benefit of {w.intervention} to clear harm"
            if crosses else f"would be expected to favour {w.intervention}" if good_side
            else f"would be expected to favour {w.comparator}")
    return (f"For the next setting or product, the 95% prediction interval runs from "
            f"{_num(t['pi_lb'])} to {_num(t['pi_ub'])}: a new study {what}.")


def _sensitivity_tables(o: Outcome, s: StratumAnalysis) -> Iterator[Block]:
    h = s.headline
    plan_label = method_label(s.fit.method, s.fit.test)
    if h is not None and h.model != "frequentist":
        method_rows = [(h.label + " (primary)", str(s.k), _fit_line(o, s), h.interval),
                       (plan_label, str(s.k), _plain_line(o, s.fit), "")]
    else:
        method_rows = [(plan_label + " (primary)", str(s.k), _fit_line(o, s), "")]
    method_rows += [(a.label, str(s.k), _plain_line(o, a.fit), a.note or "")
                    for a in s.alternatives]
    if h is not None:
        method_rows += [(f"Prior sensitivity: {lab}", str(s.k), fmt_effect(o, e, lb, ub),
                         h.interval) for lab, e, lb, ub in h.prior_sensitivity]
    data_rows = []
    loo_rows: list[tuple[str, ...]] = []
    for sn in s.sensitivity:
        if sn.leave_one_out is not None:
            loo_rows += [(f"without {lab}", val) for lab, val in back_frame(o, sn.leave_one_out
                                                                            .to_frame())]
            continue
        k = str(sn.fit.k) if sn.fit is not None else "—"
        row = (sn.label, k, _fit_line(o, sn), sn.note or "")
        if (sn.fit is not None and sn.studies == s.studies) or (sn.fit is not None and
                                                             sn.key in ("dl", "fe")):
            method_rows.append((sn.label, k, _plain_line(o, sn.fit), sn.note or ""))
        else:
            data_rows.append(row)
    yield Table(("Method", "k", "Estimate (95% CI)", "Note"), tuple(method_rows),
                caption="Same studies, other methods")
    if data_rows:
        yield Table(("Sensitivity analysis (other inputs)", "k", "Estimate (95% CI)", "Note"),
                    tuple(data_rows), caption="Sensitivity analyses")
    if loo_rows:
        yield Table(("Leave one out", "Estimate (95% CI)"), tuple(loo_rows))


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


def what_changed(res: ReviewResults, changes: Any) -> Iterator[Block]:
    """The living-review section: what moved since the previous run."""
    if changes is None:
        return
    yield _h(1, "What changed")
    if not changes.items:
        yield Para(f"Compared with the previous run ({changes.previous}): no change in any "
                   "estimate, interval, certainty rating or input.", kind="note")
        return
    yield Para(f"Compared with the previous run ({changes.previous}):")
    yield Table(("What", "Item", "Before", "Now"),
                tuple((c.kind, c.item, c.before, c.after) for c in changes.items))


def limitations(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    if not res.outcomes:
        return
    yield _h(1, "Limitations")
    w = _words(res)
    n_sec = sum(oa.primary.n_secondary for oa in res.outcomes if oa.primary is not None)
    ks = sorted({oa.primary.k for oa in res.outcomes if oa.primary is not None})
    items = list(w.limitations)
    if ks and ks[0] < 5 and not w.limitations:
        items.append(f"Few studies per outcome (k = {', '.join(map(str, ks))}): between-study "
                     "heterogeneity is barely estimable and intervals depend on the method.")
    items += list(w.data_caveats)
    if n_sec:
        items.append(f"{n_sec} primary-analysis input(s) come from secondary sources only; "
                     "the 'verified in source only' sensitivity analysis shows the answers "
                     "without them.")
    if any(x.row.derived for oa in res.outcomes for s in oa.strata for x in s.studies):
        items.append("Counts marked 'derived' were computed from a rounded percentage and a "
                     "known denominator; the exact count may differ by one.")
    if not r.prisma.search_reproduced:
        items.append("The literature search is not reproduced; only the counts of assessed, "
                     "excluded and included reports are stated.")
    yield BulletList(tuple(items))


def methods(res: ReviewResults, version: str) -> Iterator[Block]:
    r = res.review
    plan = r.analysis
    yield _h(1, "Methods and reproducibility")
    items = [
        f"Software: evisynth {version}; pooling numerics checked against R metafor.",
        primary_model_sentence(res) + f" {plan.level:g}% intervals; design strata are never "
        "pooled together.",
    ]
    fs = plan.few_studies
    if fs is not None:
        items.append(f"Few studies (k ≤ {fs.max_k}): "
                     + ("Bayesian random-effects model (normal-normal, flat prior on the "
                        f"effect, {fs.tau_prior} prior on tau; prior sensitivity: "
                        f"{', '.join(fs.prior_sensitivity)}). " if fs.model == "bayes" else "")
                     + ("One-arm rates: binomial-normal GLMM. " if fs.proportions == "glmm"
                        else "")
                     + (fs.rationale or "")
                     + f" The plan's {method_label(plan.method, plan.test)} is shown beside "
                       "it.")
    for a in plan.alternatives:
        items.append(f"Shown beside it: {a.label or method_label(a.method, a.test)} "
                     f"({method_sentence(a.method, a.test)})"
                     + (f": {a.rationale}" if a.rationale else "."))
    for sn in plan.sensitivity:
        what = sn.rationale or ""
        if sn.method or sn.test:
            what = (method_sentence(sn.method or plan.method, sn.test or plan.test) + ". "
                    + what).strip()
        items.append(f"Sensitivity analysis — {sn.label}" + (f": {what}" if what else "."))
    for g in r.subgroups:
        items.append(f"Pre-specified subgroup — {g.label}"
                     + (f": {g.rationale}" if g.rationale else "."))
    if plan.data_cut_rule:
        items.append(f"Data cuts: {plan.data_cut_rule}")
    if plan.source_rule:
        items.append(f"Sources: {plan.source_rule}")
    if r.source is not None:
        files = [r.source.file] + [t.file for t in r.source.tables]
        items.append(f"Data: built from {', '.join(files)} (in the review folder) by "
                     f"{r.source.built_by or 'hand'}.")
    yield BulletList(tuple(items))


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}"


def reanalyses(res: ReviewResults) -> Iterator[Block]:
    if not res.reanalyses:
        return
    yield _h(1, "Trials reanalysed from published curves")
    yield Para("Patient-level data are reconstructed from each arm's digitised Kaplan–Meier "
               "curve with the numbers at risk and total events the source gives (Guyot et "
               "al., BMC Med Res Methodol 2012), then analysed as if they were the trial's "
               "data: Kaplan–Meier, log-rank, Cox hazard ratio (Efron ties), landmark "
               "survival and restricted mean survival time (Greenwood-type variance).")
    for ra in res.reanalyses:
        spec, c = ra.spec, ra.comparison
        unit = spec.time_unit
        yield _h(2, spec.label)
        if spec.synthetic:
            yield Para("SYNTHETIC EXAMPLE: every number in this section comes from a "
                       "simulated trial, not from patients or a publication.", kind="note")
        if spec.note:
            yield Para(spec.note, kind="small")
        fig = km_figure(c, title=spec.label, xlabel=f"Time ({unit})")
        yield Figure(to_svg(fig), f"Kaplan–Meier curves of the reconstructed data, {spec.label}; "
                     "shaded: pointwise 95% confidence bands.", f"km-{spec.key}")
        d = c.to_dict()
        rows: list[tuple[str, ...]] = []
        for arm, info in d["arms"].items():
            m = info["median"]
            med = ("not reached" if m["median"] is None else
                   f"{_fmt(m['median'])} ({_fmt(m['lower']) if m['lower'] is not None else 'NR'}"
                   f" to {_fmt(m['upper']) if m['upper'] is not None else 'NR'}) {unit}")
            rows.append((f"Median, {arm}", med))
        for lm in d["landmarks"]:
            t = lm["time"]
            ref, exp = lm["reference"], lm["experimental"]
            rows.append((f"S({t:g} {unit})",
                         f"{d['experimental']} {100 * exp['survival']:.1f}% vs {d['reference']} "
                         f"{100 * ref['survival']:.1f}%; difference "
                         f"{100 * lm['difference']:+.1f} points ({100 * lm['lower']:+.1f} to "
                         f"{100 * lm['upper']:+.1f}), {_p(lm['pval'])}"))
        lr, cox = d["logrank"], d["cox"]
        rows.append(("Log-rank test", f"chi² = {lr['chisq']:.2f}, df = {lr['df']}, "
                                      f"{_p(lr['pval'])}"))
        rows.append((f"Cox hazard ratio ({d['experimental']} vs {d['reference']})",
                     f"{cox['hr']:.2f} ({cox['hr_lower']:.2f} to {cox['hr_upper']:.2f}), "
                     f"{_p(cox['pval'])}"))
        ph = d["ph_test"]
        rows.append(("Proportional hazards (cox.zph)", f"chi² = {ph['chisq'][-1]:.2f}, "
                                                       f"{_p(ph['pval'][-1])}"))
        if d.get("rmst"):
            rm = d["rmst"]
            rows.append((f"RMST to {rm['tau']:g} {unit}",
                         f"{rm['experimental']['rmst']:.2f} vs {rm['reference']['rmst']:.2f}; "
                         f"difference {rm['difference']:+.2f} ({rm['lower']:+.2f} to "
                         f"{rm['upper']:+.2f}) {unit}, {_p(rm['pval'])}"))
        yield Table(("Quantity", "Result"), tuple(rows), caption="Reanalysis")
        diag_rows = []
        for arm, rec in ra.reconstructions:
            g = rec.diagnostics.to_dict()
            src = next(a for a in spec.arms if a.arm == arm)
            diag_rows.append((arm, rec.case, str(g["n_patients"]), str(g["n_events"]),
                              f"{g['curve_max_abs_error']:.4f}",
                              str(g.get("at_risk_max_abs_diff", "—")),
                              f"{src.source} — {src.location} "
                              f"({VERIFICATION_SHORT[src.verification]})"))
        yield Table(("Arm", "Inputs used", "Patients", "Events", "Max |ΔS(t)| vs curve",
                     "Max |Δ at risk|", "Source"), tuple(diag_rows),
                    caption="Reconstruction diagnostics and sources")


def audit_of_statistics(res: ReviewResults) -> Iterator[Block]:
    """The audit of every input, published claim and excluded report.

    Computed by :func:`evisynth.review.audit.audit_review`; this only words it.
    """
    a = audit_review(res.review)
    if not a.records:
        return
    c = a.counts
    n_in, n_pub, n_ex = (len(a.of_kind(k)) for k in ("input", "published", "excluded"))
    yield _h(1, "Audit of reported statistics")
    yield Para(
        f"Before pooling, every extracted input ({n_in} rows), every published claim "
        f"({n_pub}) and the text of every excluded report ({n_ex}) were checked: confidence "
        "intervals against estimates, p-values against intervals, counts against "
        "denominators, arm sizes against totals, design statements against each other. "
        "Tolerances come from the printed digits (0.55 stands for 0.545 to 0.555). "
        f"{c['ok']} checks passed; {c['inconsistent']} found numbers that cannot all be "
        f"true, {c['implausible']} an unusual reading and {c['note']} a note."
    )
    kinds = {"input": "input row", "published": "published claim", "excluded": "excluded report"}
    # the same statement found twice in one record (e.g. in an exclusion's reason and in
    # the notes it cites) is listed once
    rows = tuple(dict.fromkeys(
        (kinds.get(r.kind, r.kind), r.key, f.severity, f.rule, f.message) for r, f in a.findings
    ))  # fmt: skip
    if rows:
        yield Table(("Kind", "Row, claim or report", "Severity", "Rule", "Finding"), rows,
                    caption="Checks that did not pass (evisynth.audit)")  # fmt: skip


def report_blocks(res: ReviewResults, version: str, changes: Any = None) -> list[Block]:
    """All sections of the review report, in reading order (bottom line first)."""
    blocks: list[Block] = []
    for section in (key_findings(res), what_changed(res, changes), question(res),
                    main_findings(res), glossary(res), interval_explainer(res),
                    evidence_base(res), risk_of_bias(res), outcomes(res), reanalyses(res),
                    published(res), audit_of_statistics(res), cea_section(res),
                    limitations(res),
                    methods(res, version)):
        blocks.extend(section)
    return blocks
