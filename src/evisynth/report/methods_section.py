"""What changed since the last run, limitations, methods and the audit of inputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evisynth.report.blocks import Block, BulletList, Para, Table
from evisynth.report.wording import (
    _h,
    _words,
    primary_model_sentence,
)
from evisynth.review.analyse import (
    ReviewResults,
    method_label,
    method_sentence,
)
from evisynth.review.audit import audit_review

__all__ = ["audit_of_statistics", "limitations", "methods", "what_changed"]


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
