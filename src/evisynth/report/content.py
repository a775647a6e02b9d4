"""What the review report says, section by section, as blocks (no computation).

Everything numeric comes from :class:`~evisynth.review.analyse.ReviewResults`;
this module only words it and lays it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from evisynth.plots import forest, forest_subgroups, funnel, prisma
from evisynth.plots._io import to_svg
from evisynth.plots.survival import km_figure
from evisynth.report.blocks import Block, BulletList, Figure, Heading, Para, Table, slug
from evisynth.review.analyse import (
    MIN_K_FUNNEL,
    NamedFit,
    OutcomeAnalysis,
    ReviewResults,
    StratumAnalysis,
    transformed,
)
from evisynth.review.model import Outcome

VERIFICATION_SHORT = {"verified-in-source": "verified", "from-secondary-source": "secondary"}
PROPORTION_MEASURES = ("PLO", "PFT", "PR", "PAS")


def _h(level: int, text: str, prefix: str = "") -> Heading:
    return Heading(level, text, slug(prefix + text))


def fmt_value(o: Outcome, x: float) -> str:
    """``0.39`` for ratios, ``3.6%`` for proportions."""
    return f"{100 * x:.1f}%" if o.measure in PROPORTION_MEASURES else f"{x:.2f}"


def fmt_effect(o: Outcome, est: float, lb: float, ub: float) -> str:
    """``0.39 (0.27 to 0.57)`` for ratios, ``3.6% (0.0% to 100.0%)`` for proportions."""
    return f"{fmt_value(o, est)} ({fmt_value(o, lb)} to {fmt_value(o, ub)})"


def _fit_line(o: Outcome, fit: NamedFit | StratumAnalysis) -> str:
    f = fit.fit
    if f is None:
        return "—"
    t = transformed(f)
    return fmt_effect(o, t["estimate"], t["ci_lb"], t["ci_ub"])


def _pct(x: float) -> str:
    return f"{x:.0f}%"


# ---------------------------------------------------------------------------- sections
def question(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    q = r.question
    yield _h(1, "Question")
    if r.summary:
        yield Para(r.summary)
    yield Table(("PICO", "This review"), (
        ("Population", q.population),
        ("Intervention", q.intervention),
        ("Comparator", q.comparator),
        ("Outcomes", q.outcomes),
    ))


def main_findings(res: ReviewResults) -> Iterator[Block]:
    if not res.outcomes:
        return
    yield _h(1, "Summary of findings")
    plan = res.review.analysis
    yield Para(
        f"Primary analysis: {plan.design} evidence only, {plan.method} estimate of the "
        f"between-trial variance with Hartung–Knapp (t-based) {plan.level:g}% confidence "
        "intervals. Relative effects below 1 favour CAR-T for hazard ratios; above 1 for "
        "response risk ratios. Absolute effects apply the pooled relative effect to the "
        "comparator risk named in the footnotes (for hazard ratios S_CAR-T(t) = S_control(t)^HR)."
    )
    if res.sof is not None:
        frame = res.sof.to_frame()
        yield Table(tuple(str(c) for c in frame.columns),
                    tuple(tuple(str(v) for v in row) for row in frame.itertuples(index=False)),
                    caption="Summary of findings (GRADE)")
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


def interval_explainer(res: ReviewResults) -> Iterator[Block]:
    if not any(oa.primary is not None and oa.primary.alternatives for oa in res.outcomes):
        return
    yield _h(1, "Why three kinds of interval")
    examples = []
    for oa in res.outcomes:
        p = oa.primary
        if p is None or not p.pooled or oa.outcome.measure in PROPORTION_MEASURES:
            continue
        row = [oa.outcome.label, str(p.k), _fit_line(oa.outcome, p)]
        row += [_fit_line(oa.outcome, a) for a in p.alternatives]
        examples.append(tuple(row))
    alt_labels = tuple(a.label or f"{a.method}/{a.test}" for a in res.review.analysis.alternatives)
    ks = sorted({oa.primary.k for oa in res.outcomes if oa.primary is not None})
    yield Para(
        f"The primary analyses rest on {' or '.join(map(str, ks))} randomised trials per "
        "outcome. A random-effects interval must then estimate the spread between trials "
        "from almost no information. The Hartung–Knapp interval (primary) uses a t "
        "distribution with k − 1 degrees of freedom and rescales the standard error by how "
        "much the trials actually disagree (the factor q): when they disagree more than "
        "their standard errors predict, it is much wider than the z-based interval; when "
        "they agree closely (q < 1) the rescaling offsets part of the t penalty. The ad hoc "
        "variant refuses that shrinkage (q is at least 1), so with one degree of freedom it "
        "is very wide. The z-based interval treats the between-trial variance as known; it "
        "is the narrowest and known to be too narrow when trials disagree. Where the three "
        "intervals lead to different conclusions, the evidence cannot settle the question "
        "with this few trials."
    )
    if examples:
        yield Table(("Outcome", "k", "Hartung–Knapp (primary)", *alt_labels), tuple(examples),
                    caption="The same data, three intervals")


def evidence_base(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    yield _h(1, "Studies")
    counts = r.prisma.model_dump(exclude={"search_reproduced"})
    counts["reports_excluded"] = dict(sorted(
        Counter(e.category for e in r.exclusions if e.stage == "reports").items()))
    if any(v for k, v in counts.items() if k != "note"):
        yield Figure(to_svg(prisma(counts, title="PRISMA 2020 flow diagram")),
                     "PRISMA 2020 flow of reports and studies.", "prisma")
    if r.prisma.note:
        yield Para(r.prisma.note, kind="small")
    rows = []
    for s in r.studies:
        n = "—" if s.n_cart is None else f"{s.n_cart} vs {s.n_control if s.n_control else '—'}"
        rows.append((s.label, s.trial, s.design, s.product, s.line or "—", n,
                     s.data_cut or "—", s.citation, s.doi_or_pmid or "—"))
    if rows:
        yield Table(("Report", "Trial", "Design", "Product", "Line", "n (CAR-T vs control)",
                     "Data cut", "Citation", "DOI/PMID"), tuple(rows),
                    caption="Included reports and their characteristics")
    if not r.exclusions:
        return
    yield _h(2, "Excluded reports")
    yield Table(("Id", "Report", "Reason"),
                tuple((e.id, e.citation, e.reason) for e in r.exclusions),
                caption="Exclusion log")


def risk_of_bias(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    if not r.risk_of_bias:
        return
    yield _h(1, "Risk of bias")
    if r.risk_of_bias_note:
        yield Para(r.risk_of_bias_note, kind="small")
    rows = []
    for j in r.risk_of_bias:
        if j.domain != "overall":
            continue
        rows.append((r.study(j.study_id).label, j.tool, ", ".join(j.outcomes), j.judgement,
                     j.support))
    yield Table(("Report", "Tool", "Outcomes", "Overall judgement", "Support"), tuple(rows))


def _studies_table(o: Outcome, s: StratumAnalysis) -> Table:
    rows = []
    for rec, used in zip(s.study_records(), s.studies, strict=True):
        if o.measure == "HR":
            r = used.row
            value = (f"{r.estimate:.3g} ({r.ci_lb:.3g} to {r.ci_ub:.3g})"
                     if r.ci_lb is not None and r.ci_ub is not None else
                     f"{r.estimate:.3g} (p = {r.pval:g})")
        elif o.measure in PROPORTION_MEASURES:
            value = f"{used.row.events_cart}/{used.row.n_cart}"
        else:
            r = used.row
            value = f"{r.events_cart}/{r.n_cart} vs {r.events_control}/{r.n_control}"
        if used.row.derived:
            value += " (derived)"
        extra = [used.row.grading or "not stated"] if o.measure in PROPORTION_MEASURES else []
        rows.append((rec["label"], value, *extra, f"{rec['weight']:.1f}%",
                     VERIFICATION_SHORT[rec["verification"]], rec["source"], rec["location"]))
    head = ("Study", "Reported", *(["Grading"] if o.measure in PROPORTION_MEASURES else []),
            "Weight", "Verification", "Source", "Location in source")
    return Table(head, tuple(rows), caption="Inputs and their provenance")


def _numbers(o: Outcome, s: StratumAnalysis) -> str:
    f = s.fit
    t = transformed(f)
    if not s.pooled:
        return (f"One study: {fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])}. "
                "Nothing is pooled.")
    pi_text = f"{fmt_value(o, t['pi_lb'])} to {fmt_value(o, t['pi_ub'])}"
    return (
        f"Pooled ({f.method}, {f.test}): {fmt_effect(o, t['estimate'], t['ci_lb'], t['ci_ub'])}; "
        f"p = {f.pval:.3g}; {f.level:g}% prediction interval {pi_text}. "
        f"Heterogeneity: tau² = {f.tau2:.3g}, I² = {_pct(f.I2)}, Q = {f.Q:.2f} "
        f"(df = {f.k - 1}, p = {f.Q_pval:.3g}). k = {f.k}"
        + (f", {s.participants} participants." if s.participants else ".")
    )


def _stratum_blocks(o: Outcome, s: StratumAnalysis, primary: bool) -> Iterator[Block]:
    if not primary:
        yield _h(3, f"{s.design_label} (separate stratum, not pooled with the primary evidence)",
                 prefix=o.key)
    notes = [VERIFICATION_SHORT[x.verification] + (" (derived)" if x.row.derived else "")
             for x in s.studies]
    fig = forest(s.fit, study_notes=notes, notes_title="Verification",
                 title=f"{o.label}: {s.design_label}")
    yield Figure(to_svg(fig), f"{o.label} — {s.design_label}. Squares: studies (area by "
                 "weight); diamond: pooled estimate; bar: prediction interval.",
                 f"forest-{o.key}-{s.design}")
    yield Para(_numbers(o, s))
    for n in s.notes:
        yield Para(n, kind="small")
    yield _studies_table(o, s)
    if s.alternatives:
        yield Table(("Analysis", "Estimate (95% CI)"),
                    tuple((a.label, _fit_line(o, a)) for a in s.alternatives),
                    caption="Same studies, other interval methods")
    sens_rows = []
    loo_rows: list[tuple[str, ...]] = []
    for sn in s.sensitivity:
        if sn.leave_one_out is not None:
            frame = sn.leave_one_out.to_frame()
            f = back_frame(o, frame)
            loo_rows += [(f"without {lab}", val) for lab, val in f]
            continue
        k = str(sn.fit.k) if sn.fit is not None else "—"
        sens_rows.append((sn.label, k, _fit_line(o, sn), sn.note or ""))
    if sens_rows:
        yield Table(("Sensitivity analysis", "k", "Estimate (95% CI)", "Note"),
                    tuple(sens_rows), caption="Sensitivity analyses")
    if loo_rows:
        yield Table(("Leave one out", "Estimate (95% CI)"), tuple(loo_rows))
    yield Para(f"Small-study effects: {s.small_study_note}", kind="small")
    if s.k >= MIN_K_FUNNEL:
        yield Figure(to_svg(funnel(s.fit, trimfill=s.trimfill)),
                     f"Funnel plot, {o.label} ({s.design_label}); for inspection only.",
                     f"funnel-{o.key}-{s.design}")
    if s.certainty is not None:
        c = s.certainty
        rows = tuple((d.domain, {0: "not serious", -1: "serious (−1)", -2: "very serious (−2)"}
                      .get(d.rating, str(d.rating)), d.reason) for d in c.domains)
        yield Table(("GRADE domain", "Rating", "Reason"), rows,
                    caption=f"Certainty: {c.certainty} (start: {c.start})")


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


def outcome_section(oa: OutcomeAnalysis) -> Iterator[Block]:
    o = oa.outcome
    yield _h(2, o.label)
    if o.definition:
        yield Para(f"Definition: {o.definition}", kind="small")
    if o.grading_note:
        yield Para(o.grading_note, kind="small")
    if oa.primary is None:
        yield Para("No study reports this outcome in an analysable form.")
        return
    for i, s in enumerate(oa.strata):
        yield from _stratum_blocks(o, s, primary=i == 0)
    for key, label, res, note in oa.subgroups:
        if res is None:
            yield Para(f"Subgroups by {label.lower()}: {note}.", kind="small")
            continue
        yield _h(3, f"Subgroups: {label}", prefix=o.key)
        yield Figure(to_svg(forest_subgroups(res, title=f"{o.label} by {label.lower()}")),
                     f"{o.label} by {label.lower()}. {note}", f"subgroups-{o.key}-{key}")
        p = res.Q_between_pval
        yield Para(f"Test for subgroup differences: Q = {res.Q_between:.2f}, df = "
                   f"{res.Q_between_df}, p = {p:.3g}. {res.description}. {note}")


def outcomes(res: ReviewResults) -> Iterator[Block]:
    efficacy = [oa for oa in res.outcomes if oa.outcome.measure not in PROPORTION_MEASURES]
    safety = [oa for oa in res.outcomes if oa.outcome.measure in PROPORTION_MEASURES]
    if efficacy:
        yield _h(1, "Efficacy")
    for oa in efficacy:
        yield from outcome_section(oa)
    if not safety:
        return
    yield _h(1, "Safety")
    yield Para("Toxicity is pooled as the proportion of CAR-T-treated patients with the event "
               "(logit scale, back-transformed). Trials graded cytokine release syndrome and "
               "neurotoxicity with different systems; each input shows the grading its source "
               "names, and 'not stated' where the source does not say.")
    for oa in safety:
        yield from outcome_section(oa)


def _stratum_text(o: Outcome, s: StratumAnalysis) -> str:
    trials = ", ".join(x.label for x in s.studies)
    what = "pooled" if s.pooled else "single study"
    return f"{s.design_label}: {_fit_line(o, s)} ({what}, k = {s.k}: {trials})"


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
        rows.append((p.publication, p.definition, claim, mine, p.notes or "",
                     VERIFICATION_SHORT[p.verification], p.location))
    yield Table(("Publication", "Outcome", "Claim", "This review (primary)", "Notes",
                 "Verification", "Where"), tuple(rows))
    yield Para(
        "Why numbers can differ: (1) the study set — this review pools randomised trials "
        "only and keeps non-randomised comparisons in a separate stratum, while some "
        "published analyses pool both; (2) the data cut — this review uses each trial's "
        "latest verified analysis, published analyses often earlier ones; (3) the interval "
        "method — most published meta-analyses report z-based intervals; (4) definitions "
        "and grading systems (complete metabolic vs complete response; Lee, ASTCT, Penn or "
        "CTCAE grading). For each outcome with a published claim, the matching numbers of "
        "this review are:"
    )
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
                  if sn.fit is not None and sn.key in ("earlier-cut", "leads")]
        items.append(f"{o.label} — " + "; ".join(parts) + ".")
    yield BulletList(tuple(items))


def limitations(res: ReviewResults) -> Iterator[Block]:
    r = res.review
    if not res.outcomes:
        return
    yield _h(1, "Limitations")
    n_sec = sum(oa.primary.n_secondary for oa in res.outcomes if oa.primary is not None)
    items = [
        "Only two randomised trials contribute to most outcomes and one to progression-free "
        "survival, so between-trial heterogeneity is barely estimable and intervals are wide.",
        f"Numbers were extracted from abstracts, regulatory summaries and secondary reports; "
        f"{n_sec} primary-analysis input(s) come from secondary sources only.",
        "Risk-of-bias judgements were made from abstracts and summaries, not full texts.",
        "Counts marked 'derived' were computed from a rounded percentage and a known "
        "denominator; the exact count may differ by one.",
    ]
    if not r.prisma.search_reproduced:
        items.append("The literature search is not reproduced; only the counts of assessed, "
                     "excluded and included reports are stated.")
    items.append("Open-label trials with crossover to CAR-T in the control arms dilute the "
                 "overall-survival comparison; a crossover-adjusted estimate is shown where "
                 "a trial reports one.")
    yield BulletList(tuple(items))


def methods(res: ReviewResults, version: str) -> Iterator[Block]:
    r = res.review
    plan = r.analysis
    yield _h(1, "Methods and reproducibility")
    items = [
        f"Software: evisynth {version}; pooling numerics checked against R metafor 3.8-1.",
        f"Primary analysis: {plan.method} estimator of tau², {plan.test} test, "
        f"{plan.level:g}% intervals, {plan.design} stratum; design strata never pooled together.",
    ]
    if plan.data_cut_rule:
        items.append(f"Data cuts: {plan.data_cut_rule}")
    if plan.source_rule:
        items.append(f"Sources: {plan.source_rule}")
    if r.source is not None:
        items.append(f"Data: built from {r.source.file} by {r.source.built_by or 'hand'}.")
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
                         f"{100 * lm['upper']:+.1f}), p = {_fmt(lm['pval'])}"))
        lr, cox = d["logrank"], d["cox"]
        rows.append(("Log-rank test", f"chi² = {lr['chisq']:.2f}, df = {lr['df']}, "
                                      f"p = {_fmt(lr['pval'])}"))
        rows.append((f"Cox hazard ratio ({d['experimental']} vs {d['reference']})",
                     f"{cox['hr']:.2f} ({cox['hr_lower']:.2f} to {cox['hr_upper']:.2f}), "
                     f"p = {_fmt(cox['pval'])}"))
        ph = d["ph_test"]
        rows.append(("Proportional hazards (cox.zph)", f"chi² = {ph['chisq'][-1]:.2f}, "
                                                       f"p = {_fmt(ph['pval'][-1])}"))
        if d.get("rmst"):
            rm = d["rmst"]
            rows.append((f"RMST to {rm['tau']:g} {unit}",
                         f"{rm['experimental']['rmst']:.2f} vs {rm['reference']['rmst']:.2f}; "
                         f"difference {rm['difference']:+.2f} ({rm['lower']:+.2f} to "
                         f"{rm['upper']:+.2f}) {unit}, p = {_fmt(rm['pval'])}"))
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


def report_blocks(res: ReviewResults, version: str) -> list[Block]:
    """All sections of the review report, in reading order."""
    blocks: list[Block] = []
    for section in (question(res), main_findings(res), interval_explainer(res),
                    evidence_base(res), risk_of_bias(res), outcomes(res), reanalyses(res),
                    published(res), limitations(res), methods(res, version)):
        blocks.extend(section)
    return blocks
