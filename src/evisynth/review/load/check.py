"""Checking a review folder across cells and files, after every cell has parsed.

Outcome rows naming unknown studies, CIs that do not contain the estimate, events
above the group size, duplicate keys, PRISMA counts that do not add up, missing
risk-of-bias judgements... A reference to something that exists but failed its
own checks is *excused*: that problem is already reported where it lies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from evisynth.review._review import ReviewToml
from evisynth.review.errors import Problem
from evisynth.review.inputs import ANALYSABLE
from evisynth.review.load.read import TOML_FILE, Header, Rows
from evisynth.review.model import (
    MEASURES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    Outcome,
    OutcomeRow,
    Study,
)

__all__ = ["check_links"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Ctx:
    """What the cross-file checks need, and which names are excused.

    A name is *excused* when the thing it refers to exists but failed its own
    checks (a study row with a bad cell, an outcome table with a bad key): the
    problem is already reported there, so references to it are not reported again.
    """

    header: Header
    studies: Rows
    rows: Rows

    @property
    def toml(self) -> ReviewToml:
        return self.header.toml

    @property
    def study_by_id(self) -> dict[str, Study]:
        return {s.study_id: s for _, s in self.studies.items}

    def study_known(self, study_id: str) -> bool | None:
        """``True`` known, ``False`` unknown, ``None`` excused."""
        if study_id in self.study_by_id:
            return True
        if study_id in self.studies.failed or not self.studies.readable:
            return None
        return False

    def outcome_known(self, key: str) -> bool | None:
        """The same for an outcome key of review.toml."""
        return self._declared(key, [o.key for o in self.toml.outcomes], "outcomes",
                              self.header.bad_outcomes)

    def design_known(self, key: str) -> bool | None:
        """The same for a design key of review.toml."""
        return self._declared(key, [d.key for d in self.toml.designs], "designs",
                              self.header.bad_designs)

    def _declared(
        self, key: str, keys: list[str], section: str, bad: frozenset[str]
    ) -> bool | None:
        """``key`` among the ``keys`` of a review.toml section whose ``bad`` items failed."""
        if key in keys:
            return True
        whole_section_bad = section in self.header.bad_fields and not bad
        return None if key in bad or "*" in bad or whole_section_bad else False

    def ok(self, *sections: str) -> bool:
        """Whether all these review.toml sections validated."""
        return not set(sections) & self.header.bad_fields


def check_links(header: Header, tables: dict[str, Rows]) -> list[Problem]:
    """All checks that need more than one cell: within and across files."""
    ctx = _Ctx(header, tables["studies.csv"], tables["outcomes.csv"])
    problems: list[Problem] = []
    problems += _check_toml(ctx)
    problems += _check_studies(ctx)
    problems += _check_outcome_rows(ctx)
    problems += _check_rob(ctx, tables["risk_of_bias.csv"])
    problems += _check_published(ctx, tables["published.csv"])
    return problems


def _first_row(first: dict[_T, int], key: _T, number: int) -> int | None:
    """The row where ``key`` came first, or ``None`` when row ``number`` is its first."""
    if key in first:
        return first[key]
    first[key] = number
    return None


def _duplicates(file: str, column: str, keyed: Iterable[tuple[int, str]]) -> list[Problem]:
    first: dict[str, int] = {}
    out: list[Problem] = []
    for number, key in keyed:
        if (row := _first_row(first, key, number)) is not None:
            out.append(Problem(file, number, column,
                               f"{key!r} already used in row {row}; keys must be unique"))
    return out


def _check_toml(ctx: _Ctx) -> list[Problem]:
    t, toml = TOML_FILE, ctx.toml
    out: list[Problem] = []
    design_keys = [d.key for d in toml.designs]
    outcome_keys = [o.key for o in toml.outcomes]
    for key, n in Counter(design_keys).items():
        if n > 1:
            out.append(Problem(t, None, "designs", f"design {key!r} is declared {n} times"))
    if ctx.ok("analysis"):
        if ctx.design_known(toml.analysis.design) is False:
            out.append(Problem(t, None, "analysis.design",
                               f"{toml.analysis.design!r} is not a declared design; "
                               f"designs: {', '.join(design_keys)}"))
        for i, sens in enumerate(toml.analysis.sensitivity):
            for key in sens.outcomes:
                if ctx.outcome_known(key) is False:
                    out.append(Problem(t, None, f"analysis.sensitivity[{i}].outcomes",
                                       f"{key!r} is not an outcome; outcomes: "
                                       f"{', '.join(outcome_keys)}"))
        for key, n in Counter(sens.key for sens in toml.analysis.sensitivity).items():
            if n > 1:
                out.append(Problem(t, None, "analysis.sensitivity",
                                   f"sensitivity key {key!r} is used {n} times"))
    for i, g in enumerate(toml.subgroups):
        if g.column.startswith("feature:"):
            continue
        if g.column not in Study.model_fields and g.column not in OutcomeRow.model_fields:
            out.append(Problem(t, None, f"subgroups[{i}].column",
                               f"{g.column!r} is not a column of studies.csv or outcomes.csv"))
    for key, n in Counter(e.id for e in toml.exclusions).items():
        if n > 1:
            out.append(Problem(t, None, "exclusions", f"exclusion id {key!r} is used {n} times"))
    for o in toml.outcomes:
        out += _check_outcome_spec(ctx, o)
    for i, gap in enumerate(toml.not_reported):
        if ctx.study_known(gap.study_id) is False:
            out.append(Problem(t, None, f"not_reported[{i}].study_id",
                               f"{gap.study_id!r} is not in studies.csv"))
    if ctx.ok("prisma", "exclusions"):
        out += _check_prisma(ctx)
    return out


def _check_outcome_spec(ctx: _Ctx, o: Outcome) -> list[Problem]:
    t, base = TOML_FILE, f"outcomes.{o.key}"
    out: list[Problem] = []
    one_arm = MEASURES[o.measure] == "one-arm-counts"
    if one_arm and o.scale == "ratio":
        out.append(Problem(t, None, f"{base}.scale",
                           f"measure {o.measure} is a proportion; use scale 'proportion' or "
                           "'percent'"))
    if not one_arm and o.scale != "ratio":
        out.append(Problem(t, None, f"{base}.scale",
                           f"measure {o.measure} is a ratio; use scale 'ratio'"))
    cr = o.control_risk
    if cr is not None and cr.method == "reported":
        for name in ("value", "time_months", "source", "location", "verification"):
            if getattr(cr, name) is None:
                out.append(Problem(t, None, f"{base}.control_risk.{name}",
                                   "required when method = 'reported' (every number needs "
                                   "its value, time point and source)"))
        if cr.study_id is not None and ctx.study_known(cr.study_id) is False:
            out.append(Problem(t, None, f"{base}.control_risk.study_id",
                               f"{cr.study_id!r} is not in studies.csv"))
    return out


def _check_prisma(ctx: _Ctx) -> list[Problem]:
    p, t = ctx.toml.prisma, TOML_FILE
    out: list[Problem] = []

    def need(name: str, value: int | None, expected: int, how: str) -> None:
        if value is not None and value != expected:
            out.append(Problem(t, None, f"prisma.{name}",
                               f"is {value} but {how} gives {expected}"))

    n_reports = sum(1 for e in ctx.toml.exclusions if e.stage == "reports")
    need("reports_excluded", p.reports_excluded, n_reports,
         "the exclusion log (stage 'reports')")
    if ctx.studies.readable and not ctx.studies.failed:
        need("reports_included", p.reports_included, len(ctx.studies.items),
             "studies.csv (rows)")
        n_trials = len({s.trial for _, s in ctx.studies.items})
        need("studies_included", p.studies_included, n_trials, "studies.csv (distinct trials)")
    chain = [
        ("records_screened", "records_excluded", "reports_sought"),
        ("reports_sought", "reports_not_retrieved", "reports_assessed"),
        ("reports_assessed", "reports_excluded", "reports_included"),
    ]
    for total, minus, rest in chain:
        a, b, c = getattr(p, total), getattr(p, minus), getattr(p, rest)
        if a is not None and b is not None and c is not None and a - b != c:
            out.append(Problem(t, None, f"prisma.{rest}",
                               f"is {c} but {total} - {minus} = {a} - {b} = {a - b}"))
    return out


def _check_studies(ctx: _Ctx) -> list[Problem]:
    f, studies = "studies.csv", ctx.studies
    designs = [d.key for d in ctx.toml.designs]
    out = _duplicates(f, "study_id", ((n, s.study_id) for n, s in studies.items))
    cut_orders: dict[tuple[str, int], int] = {}
    for number, s in studies.items:
        if ctx.design_known(s.design) is False:
            out.append(Problem(f, number, "design",
                               f"{s.design!r} is not a design of review.toml; "
                               f"designs: {', '.join(designs)}"))
        if s.n_int is not None or s.n_comp is not None:
            for name in ("n_source", "n_location", "n_verification"):
                if getattr(s, name) is None:
                    out.append(Problem(f, number, name,
                                       "cell is empty; n_int/n_comp need their source, "
                                       "location and verification"))
        if (row := _first_row(cut_orders, (s.trial, s.cut_order), number)) is not None:
            out.append(Problem(f, number, "cut_order",
                               f"trial {s.trial!r} already has cut_order {s.cut_order} "
                               f"(row {row}); number the reports of a trial 1, 2, ..."))
    return out


def _check_outcome_rows(ctx: _Ctx) -> list[Problem]:
    f, rows = "outcomes.csv", ctx.rows
    outcomes = {o.key: o for o in ctx.toml.outcomes}
    by_id = ctx.study_by_id
    out = _duplicates(f, "row_id", ((n, r.row_id) for n, r in rows.items))
    seen: dict[tuple[str, str, str], int] = {}
    for number, r in rows.items:
        spec = outcomes.get(r.outcome)
        if ctx.outcome_known(r.outcome) is False:
            out.append(Problem(f, number, "outcome",
                               f"{r.outcome!r} is not an outcome of review.toml; "
                               f"outcomes: {', '.join(outcomes)}"))
        study = by_id.get(r.study_id)
        if ctx.study_known(r.study_id) is False:
            out.append(Problem(f, number, "study_id", f"{r.study_id!r} is not in studies.csv"))
        if r.lead_only and r.analysis not in ("lead", "alternative"):
            out.append(Problem(f, number, "analysis",
                               f"{r.analysis!r} row is marked lead_only; numbers whose only "
                               "source is a lead never enter the primary or sensitivity sets "
                               "other than 'lead' (use 'lead' or 'alternative')"))
        if r.derived and r.derivation is None:
            out.append(Problem(f, number, "derivation",
                               "cell is empty; a derived row must say how it was derived"))
        if not r.source_rows and r.derived:
            out.append(Problem(f, number, "source_rows",
                               "cell is empty; a derived row must name the source rows used"))
        if study is not None and spec is not None and r.analysis in ANALYSABLE:
            key = (study.trial, r.outcome, r.analysis)
            if (row := _first_row(seen, key, number)) is not None:
                out.append(Problem(f, number, "analysis",
                                   f"trial {study.trial!r} already has a {r.analysis!r} row for "
                                   f"outcome {r.outcome!r} (row {row}); one per trial — "
                                   "mark the others 'alternative'"))
        if spec is not None:
            out += [Problem(f, number, col, why) for col, why in _row_data_problems(r, spec)]
    return out


def _row_data_problems(r: OutcomeRow, spec: Outcome) -> list[tuple[str, str]]:
    """Cell-to-cell checks of one outcome row against its outcome's measure."""
    kind = MEASURES[spec.measure]
    analysed = r.analysis in ANALYSABLE
    out: list[tuple[str, str]] = []
    out += _ratio_problems(r, kind)
    out += _count_problems(r)
    if kind == "reported-ratio" and analysed:
        if r.estimate is None:
            out.append(("estimate", f"cell is empty; an analysed {spec.measure} row needs "
                                    "the reported ratio"))
        elif r.ci_lb is None and r.pval is None:
            out.append(("ci_lb", "no confidence interval and no exact two-sided p-value; "
                                 "give one, or mark the row 'alternative'"))
    if kind == "two-arm-counts":
        for name in ("estimate", "ci_lb", "ci_ub", "pval"):
            if getattr(r, name) is not None:
                out.append((name, f"measure {spec.measure} is computed from counts; "
                                  "leave this cell empty"))
        if analysed:
            for name in ("events_int", "n_int", "events_comp", "n_comp"):
                if getattr(r, name) is None:
                    out.append((name, f"cell is empty; an analysed {spec.measure} row "
                                      "needs events and totals of both arms"))
    if kind == "one-arm-counts":
        for name in ("estimate", "ci_lb", "ci_ub", "pval", "events_comp", "n_comp"):
            if getattr(r, name) is not None:
                out.append((name, f"measure {spec.measure} is a one-arm proportion from "
                                  "events_int/n_int; leave this cell empty"))
        if analysed:
            for name in ("events_int", "n_int"):
                if getattr(r, name) is None:
                    out.append((name, f"cell is empty; an analysed {spec.measure} row "
                                      "needs events_int and n_int"))
    return out


def _ratio_problems(r: OutcomeRow, kind: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    ratio = kind == "reported-ratio"
    for name in ("estimate", "ci_lb", "ci_ub"):
        value = getattr(r, name)
        if ratio and value is not None and value <= 0:
            out.append((name, f"{value:g} is not a ratio; ratios are greater than 0"))
    if out:
        return out
    out += _interval_problems(r.ci_lb, r.ci_ub, r.estimate,
                              "; check for swapped or mistyped numbers")
    if r.pval is not None and not 0 < r.pval <= 1:
        out.append(("pval", f"{r.pval:g} is not a p-value; give an exact two-sided p-value "
                            "in (0, 1], or only pval_text"))
    return out


def _interval_problems(
    lb: float | None, ub: float | None, est: float | None, hint: str = ""
) -> list[tuple[str, str]]:
    """A confidence interval given by halves, reversed, or not containing its estimate."""
    if (lb is None) != (ub is None):
        lack = "ci_ub" if ub is None else "ci_lb"
        return [(lack, "cell is empty but the other bound is given; give both or neither")]
    if lb is not None and ub is not None and lb >= ub:
        return [("ci_lb", f"lower bound {lb:g} is not below the upper bound {ub:g}")]
    if lb is not None and ub is not None and est is not None and not lb <= est <= ub:
        return [("estimate", f"{est:g} lies outside its confidence interval "
                             f"({lb:g}, {ub:g}){hint}")]
    return []


def _count_problems(r: OutcomeRow) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for arm in ("int", "comp"):
        events, n = getattr(r, f"events_{arm}"), getattr(r, f"n_{arm}")
        if n is not None and n == 0:
            out.append((f"n_{arm}", "is 0; a group has at least one patient"))
        if events is not None and n is not None and events > n:
            out.append((f"events_{arm}", f"{events} events is more than the {n} patients "
                                          f"in n_{arm}"))
    return out


def _check_rob(ctx: _Ctx, rob: Rows) -> list[Problem]:
    f = "risk_of_bias.csv"
    outcome_keys = [o.key for o in ctx.toml.outcomes]
    tools = {d.key: d.rob_tool for d in ctx.toml.designs}
    by_id = ctx.study_by_id
    out: list[Problem] = []
    covered: dict[tuple[str, str, str], int] = {}
    for number, j in rob.items:
        study = by_id.get(j.study_id)
        if study is None:
            if ctx.study_known(j.study_id) is False:
                out.append(Problem(f, number, "study_id", f"{j.study_id!r} is not in studies.csv"))
            continue
        want = tools.get(study.design)
        if want is not None and j.tool != want:
            out.append(Problem(f, number, "tool",
                               f"{j.tool!r} does not fit design {study.design!r}; "
                               f"review.toml assigns {want!r}"))
            continue
        domains, verdicts = ROB_DOMAINS[j.tool], ROB_JUDGEMENTS[j.tool]
        if j.domain not in domains:
            out.append(Problem(f, number, "domain",
                               f"{j.domain!r} is not a {j.tool} domain; use one of "
                               f"{', '.join(domains)}"))
        if j.judgement not in verdicts:
            out.append(Problem(f, number, "judgement",
                               f"{j.judgement!r} is not a {j.tool} judgement; use one of "
                               f"{', '.join(verdicts)}"))
        keys = outcome_keys if j.outcomes == ("*",) else list(j.outcomes)
        for key in keys:
            if ctx.outcome_known(key) is not True:
                if ctx.outcome_known(key) is False:
                    out.append(Problem(f, number, "outcomes",
                                       f"{key!r} is not an outcome; outcomes: "
                                       f"{', '.join(outcome_keys)}"))
                continue
            if (row := _first_row(covered, (j.study_id, key, j.domain), number)) is not None:
                out.append(Problem(f, number, "domain",
                                   f"{j.study_id} / {key} / {j.domain} is already judged in "
                                   f"row {row}"))
    if rob.readable and not rob.failed and ctx.ok("designs", "outcomes"):
        out += _missing_rob(ctx, tools, covered)
    return out


def _missing_rob(
    ctx: _Ctx, tools: Mapping[str, str], covered: dict[tuple[str, str, str], int]
) -> list[Problem]:
    """Every analysed (study, outcome) needs a judgement in every domain of its tool."""
    by_id = ctx.study_by_id
    outcome_keys = {o.key for o in ctx.toml.outcomes}
    missing: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for _, r in ctx.rows.items:
        if r.analysis not in ANALYSABLE or r.study_id not in by_id or r.outcome not in outcome_keys:
            continue
        tool = tools.get(by_id[r.study_id].design)
        if tool is None or tool == "none":
            continue
        lacking = tuple(d for d in ROB_DOMAINS[tool] if (r.study_id, r.outcome, d) not in covered)
        if lacking and r.outcome not in missing[(r.study_id, lacking)]:
            missing[(r.study_id, lacking)].append(r.outcome)
    return [
        Problem("risk_of_bias.csv", None, "domain",
                f"study {study_id!r} (outcomes {', '.join(outcomes)}, analysed in outcomes.csv): "
                f"no judgement for {', '.join(domains)}")
        for (study_id, domains), outcomes in missing.items()
    ]


def _check_published(ctx: _Ctx, published: Rows) -> list[Problem]:
    f = "published.csv"
    outcome_keys = [o.key for o in ctx.toml.outcomes]
    out = _duplicates(f, "claim_id", ((n, c.claim_id) for n, c in published.items))
    for number, c in published.items:
        if c.outcome is not None and ctx.outcome_known(c.outcome) is False:
            out.append(Problem(f, number, "outcome",
                               f"{c.outcome!r} is not an outcome; outcomes: "
                               f"{', '.join(outcome_keys)}"))
        out += [Problem(f, number, col, why)
                for col, why in _interval_problems(c.ci_lb, c.ci_ub, c.estimate)]
    return out
