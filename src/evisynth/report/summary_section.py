"""The question (PICO), the Summary of Findings table and the glossary."""

from __future__ import annotations

from collections.abc import Iterator

from evisynth.report.blocks import Block, BulletList, Para, Table
from evisynth.report.wording import (
    PROPORTION_MEASURES,
    _h,
    _tests_used,
    _words,
    direction_words,
    primary_model_sentence,
)
from evisynth.review.analyse import (
    ReviewResults,
)

__all__ = [
    "GENERAL_TERMS",
    "SOF_HEADINGS",
    "glossary",
    "main_findings",
    "question",
]


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
    sof = res.sof
    if sof is not None:
        rows = sof.to_dict()["rows"]
        cols = list(rows[0]["cells"]) if rows else []
        head = tuple(sof.heading(c, SOF_HEADINGS.get(c, c).format(
            intervention=w.intervention, comparator=w.comparator)) for c in cols)
        body = tuple(tuple(str(r["cells"][c]).replace(" per 1,000", "") for c in cols)
                     for r in rows)
        yield Table(head, body, caption="Summary of findings (GRADE)")
        yield BulletList(sof.display_footnotes, ordered=True)
    n_inputs = sum(oa.primary.k for oa in res.outcomes if oa.primary is not None)
    n_sec = sum(oa.primary.n_secondary for oa in res.outcomes if oa.primary is not None)
    yield Para(
        f"Provenance: the primary analyses use {n_inputs} study inputs; {n_sec} of them "
        f"{'was' if n_sec == 1 else 'were'} seen only in a secondary source (news report, "
        "review or presentation) rather than the study's own text. Each input's source and "
        "verification status is listed with its outcome below.",
        kind="note",
    )


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
