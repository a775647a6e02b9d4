"""The evidence base: PRISMA flow, included and excluded reports, risk of bias."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from evisynth.plots import prisma, rob_traffic_light
from evisynth.plots._io import to_svg
from evisynth.report.blocks import Block, Figure, Para, Table, slug
from evisynth.report.wording import (
    _h,
    _words,
)
from evisynth.review.analyse import (
    ReviewResults,
)
from evisynth.review.model import ROB_DOMAINS

__all__ = ["evidence_base", "risk_of_bias"]


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
