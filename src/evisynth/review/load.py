"""Load a review folder into a :class:`~evisynth.review.Review`, reporting every problem.

The loader reads ``review.toml`` and the CSV tables, parses every cell, then
checks the links between them (outcome rows naming unknown studies, CIs that do
not contain the estimate, events above the group size, duplicate keys, unknown
measures or designs...). It never stops at the first problem: all problems are
collected and raised together as one :class:`~evisynth.review.ReviewError`.
Input files are only read, never modified.
"""

from __future__ import annotations

import csv
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from evisynth.review._review import Review
from evisynth.review.errors import Problem, ReviewError
from evisynth.review.model import (
    MEASURES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    AnalysisPlan,
    Design,
    Exclusion,
    Gap,
    Outcome,
    OutcomeRow,
    Prisma,
    PublishedResult,
    Question,
    RiskOfBias,
    SourceInfo,
    Study,
    Subgroup,
)

__all__ = ["CSV_FILES", "TOML_FILE", "load_bundled", "load_review"]

TOML_FILE = "review.toml"

#: The CSV tables of a review folder, their row model and whether they must exist.
CSV_FILES: dict[str, tuple[type[BaseModel], bool]] = {
    "studies.csv": (Study, True),
    "outcomes.csv": (OutcomeRow, True),
    "risk_of_bias.csv": (RiskOfBias, True),
    "published.csv": (PublishedResult, False),
}

#: Analysis sets whose rows are analysed (one row per trial, outcome and set).
_ANALYSED = ("primary", "earlier-cut", "crossover-adjusted", "lead")

M = TypeVar("M", bound=BaseModel)


class _Toml(BaseModel):
    """review.toml as written (outcomes is a table of tables keyed by outcome key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = 1
    title: str
    summary: str | None = None
    question: Question
    designs: tuple[Design, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    analysis: AnalysisPlan = AnalysisPlan()
    subgroups: tuple[Subgroup, ...] = ()
    prisma: Prisma = Prisma()
    exclusions: tuple[Exclusion, ...] = ()
    not_reported: tuple[Gap, ...] = ()
    source: SourceInfo | None = None


@dataclass(frozen=True)
class _Rows:
    """Parsed rows of one CSV file with their spreadsheet row numbers."""

    file: str
    items: tuple[tuple[int, Any], ...]


# --------------------------------------------------------------------------- public


def load_review(path: str | Path) -> Review:
    """Load and check a review folder.

    Parameters
    ----------
    path
        The folder holding ``review.toml``, ``studies.csv``, ``outcomes.csv``,
        ``risk_of_bias.csv`` and optionally ``published.csv``.

    Returns
    -------
    Review
        The typed, immutable review.

    Raises
    ------
    ReviewError
        Listing every problem found (file, row, column and reason), not just the first.

    Examples
    --------
    >>> from evisynth.review import bundled_path
    >>> review = load_review(bundled_path("cart_dlbcl"))
    >>> review.analysis.method, review.analysis.test
    ('REML', 'knha')
    """
    folder = Path(path)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise ReviewError(
            str(path), [Problem(str(path), None, None, f"{what}; give a review folder")]
        )
    problems: list[Problem] = []
    header = _load_toml(folder, problems)
    tables = {name: _load_csv(folder, name, model, required, problems)
              for name, (model, required) in CSV_FILES.items()}
    if header is not None:
        problems.extend(_check_links(header, tables))
    if problems or header is None:
        raise ReviewError(str(path), problems)
    return Review(
        **{k: getattr(header, k) for k in _Toml.model_fields},
        studies=_items(tables["studies.csv"]),
        rows=_items(tables["outcomes.csv"]),
        risk_of_bias=_items(tables["risk_of_bias.csv"]),
        published=_items(tables["published.csv"]),
        path=str(folder),
    )


def bundled_path(name: str = "cart_dlbcl") -> Path:
    """Folder of a review shipped with evisynth (``evisynth/data/reviews/<name>``).

    Raises
    ------
    InputError
        No bundled review of that name.

    Examples
    --------
    >>> bundled_path("cart_dlbcl").name
    'cart_dlbcl'
    """
    base = Path(str(resources.files("evisynth") / "data" / "reviews"))
    folder = base / name
    if not (folder / TOML_FILE).is_file():
        have = sorted(p.name for p in base.iterdir() if (p / TOML_FILE).is_file())
        raise ReviewError(
            name,
            [Problem(name, None, None,
                     f"no bundled review of that name; bundled: {', '.join(have) or 'none'}")],
        )
    return folder


def load_bundled(name: str = "cart_dlbcl") -> Review:
    """Load a review shipped with evisynth (default: the CAR-T vs salvage chemotherapy review).

    Raises
    ------
    ReviewError
        No bundled review of that name (or, in a broken installation, its problems).

    Examples
    --------
    >>> load_bundled().title.startswith("CAR-T")
    True
    """
    return load_review(bundled_path(name))


# --------------------------------------------------------------------------- TOML


def _loc_text(loc: Sequence[int | str], outcome_keys: Sequence[str]) -> str:
    """``('outcomes', 2, 'measure')`` -> ``outcomes.cr.measure``; list indexes as ``[i]``."""
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            if i == 1 and loc[0] == "outcomes" and item < len(outcome_keys):
                parts.append(outcome_keys[item])
            else:
                parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


def _reason(err: Any) -> str:
    """Readable reason of one pydantic error (our parsers' ValueError text as is)."""
    ctx = err.get("ctx") or {}
    if err.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if err.get("type") == "missing":
        return "required but missing"
    if err.get("type") == "extra_forbidden":
        return "unknown key (check the spelling; see docs/review-format.md)"
    return str(err.get("msg", "invalid value"))


def _load_toml(folder: Path, problems: list[Problem]) -> _Toml | None:
    path = folder / TOML_FILE
    if not path.is_file():
        problems.append(Problem(TOML_FILE, None, None, "file not found; every review needs one"))
        return None
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(TOML_FILE, None, None, f"not valid TOML: {exc}"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(TOML_FILE, None, None, f"not UTF-8 text: {exc}"))
        return None
    outcomes = data.get("outcomes", {})
    keys: list[str] = []
    if isinstance(outcomes, dict):
        keys = list(outcomes)
        data["outcomes"] = [
            {"key": k, **v} if isinstance(v, dict) else v for k, v in outcomes.items()
        ]
    try:
        return _Toml.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(TOML_FILE, None, _loc_text(err["loc"], keys), _reason(err)))
        return None


# --------------------------------------------------------------------------- CSV


def _read_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """CSV records with their spreadsheet row number (header = row 1), blank lines skipped."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for number, record in enumerate(csv.reader(fh), start=1):
            if record and any(cell.strip() for cell in record):
                yield number, record


def _load_csv(
    folder: Path,
    name: str,
    model: type[M],
    required: bool,
    problems: list[Problem],
) -> _Rows:
    path = folder / name
    if not path.is_file():
        if required:
            problems.append(Problem(name, None, None, "file not found; every review needs one"))
        return _Rows(name, ())
    try:
        records = list(_read_records(path))
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(name, None, None, f"cannot be read as UTF-8 CSV: {exc}"))
        return _Rows(name, ())
    if not records or records[0][0] != 1:
        problems.append(Problem(name, 1, None, "no header row; the first row names the columns"))
        return _Rows(name, ())
    header = [cell.strip() for cell in records[0][1]]
    if not _check_header(name, header, model, problems):
        return _Rows(name, ())
    items: list[tuple[int, Any]] = []
    for number, record in records[1:]:
        row = _parse_row(name, number, header, record, model, problems)
        if row is not None:
            items.append((number, row))
    return _Rows(name, tuple(items))


def _check_header(
    name: str, header: list[str], model: type[BaseModel], problems: list[Problem]
) -> bool:
    fields = model.model_fields
    ok = True
    for column, count in Counter(header).items():
        if count > 1:
            problems.append(Problem(name, 1, column, "column appears more than once"))
            ok = False
    for column in header:
        if column not in fields:
            problems.append(Problem(
                name, 1, column or "(empty)",
                f"unknown column; the columns of {name} are: {', '.join(fields)}",
            ))
            ok = False
    for column, info in fields.items():
        if info.is_required() and column not in header:
            problems.append(Problem(name, 1, column, "required column is missing"))
            ok = False
    return ok


def _parse_row(
    name: str,
    number: int,
    header: list[str],
    record: list[str],
    model: type[M],
    problems: list[Problem],
) -> M | None:
    if len(record) != len(header):
        problems.append(Problem(
            name, number, None,
            f"has {len(record)} cells but the header has {len(header)} columns; "
            "check for an unquoted comma or a missing cell",
        ))
        return None
    cells = {column: cell for column, cell in zip(header, record, strict=True)}
    try:
        return model.model_validate(cells)
    except ValidationError as exc:
        for err in exc.errors():
            column = str(err["loc"][0]) if err["loc"] else None
            reason = _reason(err)
            if column is not None and err.get("type") == "missing":
                reason = "cell is empty; this column is required"
            elif column is not None and not cells.get(column, "").strip() and err["type"] in (
                "string_type", "int_type", "float_type", "literal_error", "tuple_type"
            ):
                reason = "cell is empty; this column is required"
            problems.append(Problem(name, number, column, reason))
        return None


def _items(rows: _Rows) -> tuple[Any, ...]:
    return tuple(item for _, item in rows.items)


# --------------------------------------------------------------------------- links


def _check_links(header: _Toml, tables: dict[str, _Rows]) -> list[Problem]:
    """All checks that need more than one cell: within and across files."""
    studies: _Rows = tables["studies.csv"]
    rows: _Rows = tables["outcomes.csv"]
    problems: list[Problem] = []
    problems += _check_toml(header, studies)
    problems += _check_studies(header, studies)
    problems += _check_outcome_rows(header, studies, rows)
    problems += _check_rob(header, studies, rows, tables["risk_of_bias.csv"])
    problems += _check_published(header, tables["published.csv"])
    return problems


def _duplicates(file: str, column: str, keyed: Iterable[tuple[int, str]]) -> list[Problem]:
    first: dict[str, int] = {}
    out: list[Problem] = []
    for number, key in keyed:
        if key in first:
            out.append(Problem(file, number, column,
                               f"{key!r} already used in row {first[key]}; keys must be unique"))
        else:
            first[key] = number
    return out


def _check_toml(header: _Toml, studies: _Rows) -> list[Problem]:
    t = TOML_FILE
    out: list[Problem] = []
    design_keys = [d.key for d in header.designs]
    outcome_keys = [o.key for o in header.outcomes]
    for key, n in Counter(design_keys).items():
        if n > 1:
            out.append(Problem(t, None, "designs", f"design {key!r} is declared {n} times"))
    if header.analysis.design not in design_keys:
        out.append(Problem(t, None, "analysis.design",
                           f"{header.analysis.design!r} is not a declared design; "
                           f"designs: {', '.join(design_keys)}"))
    for i, s in enumerate(header.analysis.sensitivity):
        for key in s.outcomes:
            if key not in outcome_keys:
                out.append(Problem(t, None, f"analysis.sensitivity[{i}].outcomes",
                                   f"{key!r} is not an outcome; outcomes: "
                                   f"{', '.join(outcome_keys)}"))
    for key, n in Counter(s.key for s in header.analysis.sensitivity).items():
        if n > 1:
            out.append(Problem(t, None, "analysis.sensitivity",
                               f"sensitivity key {key!r} is used {n} times"))
    for i, g in enumerate(header.subgroups):
        if g.column not in Study.model_fields:
            out.append(Problem(t, None, f"subgroups[{i}].column",
                               f"{g.column!r} is not a column of studies.csv"))
    for key, n in Counter(e.id for e in header.exclusions).items():
        if n > 1:
            out.append(Problem(t, None, "exclusions", f"exclusion id {key!r} is used {n} times"))
    study_ids = {s.study_id for _, s in studies.items}
    for o in header.outcomes:
        out += _check_outcome_spec(o, study_ids)
    for i, gap in enumerate(header.not_reported):
        if studies.items and gap.study_id not in study_ids:
            out.append(Problem(t, None, f"not_reported[{i}].study_id",
                               f"{gap.study_id!r} is not in studies.csv"))
    out += _check_prisma(header, studies)
    return out


def _check_outcome_spec(o: Outcome, study_ids: set[str]) -> list[Problem]:
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
        if cr.study_id is not None and study_ids and cr.study_id not in study_ids:
            out.append(Problem(t, None, f"{base}.control_risk.study_id",
                               f"{cr.study_id!r} is not in studies.csv"))
    return out


def _check_prisma(header: _Toml, studies: _Rows) -> list[Problem]:
    p, t = header.prisma, TOML_FILE
    out: list[Problem] = []

    def need(name: str, value: int | None, expected: int, how: str) -> None:
        if value is not None and value != expected:
            out.append(Problem(t, None, f"prisma.{name}",
                               f"is {value} but {how} gives {expected}"))

    n_reports = sum(1 for e in header.exclusions if e.stage == "reports")
    need("reports_excluded", p.reports_excluded, n_reports,
         "the exclusion log (stage 'reports')")
    if studies.items:
        need("reports_included", p.reports_included, len(studies.items), "studies.csv (rows)")
        n_trials = len({s.trial for _, s in studies.items})
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


def _check_studies(header: _Toml, studies: _Rows) -> list[Problem]:
    f = "studies.csv"
    designs = [d.key for d in header.designs]
    out = _duplicates(f, "study_id", ((n, s.study_id) for n, s in studies.items))
    cut_orders: dict[tuple[str, int], int] = {}
    for number, s in studies.items:
        if s.design not in designs:
            out.append(Problem(f, number, "design",
                               f"{s.design!r} is not a design of review.toml; "
                               f"designs: {', '.join(designs)}"))
        if s.n_cart is not None or s.n_control is not None:
            for name in ("n_source", "n_location", "n_verification"):
                if getattr(s, name) is None:
                    out.append(Problem(f, number, name,
                                       "cell is empty; n_cart/n_control need their source, "
                                       "location and verification"))
        key = (s.trial, s.cut_order)
        if key in cut_orders:
            out.append(Problem(f, number, "cut_order",
                               f"trial {s.trial!r} already has cut_order {s.cut_order} "
                               f"(row {cut_orders[key]}); number the reports of a trial 1, 2, ..."))
        else:
            cut_orders[key] = number
    return out


def _check_outcome_rows(header: _Toml, studies: _Rows, rows: _Rows) -> list[Problem]:
    f = "outcomes.csv"
    outcomes = {o.key: o for o in header.outcomes}
    by_id = {s.study_id: s for _, s in studies.items}
    out = _duplicates(f, "row_id", ((n, r.row_id) for n, r in rows.items))
    seen: dict[tuple[str, str, str], int] = {}
    for number, r in rows.items:
        spec = outcomes.get(r.outcome)
        if spec is None:
            out.append(Problem(f, number, "outcome",
                               f"{r.outcome!r} is not an outcome of review.toml; "
                               f"outcomes: {', '.join(outcomes)}"))
        study = by_id.get(r.study_id)
        if study is None and studies.items:
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
        if study is not None and spec is not None and r.analysis in _ANALYSED:
            key = (study.trial, r.outcome, r.analysis)
            if key in seen:
                out.append(Problem(f, number, "analysis",
                                   f"trial {study.trial!r} already has a {r.analysis!r} row for "
                                   f"outcome {r.outcome!r} (row {seen[key]}); one per trial — "
                                   "mark the others 'alternative'"))
            else:
                seen[key] = number
        if spec is not None:
            out += [Problem(f, number, col, why) for col, why in _row_data_problems(r, spec)]
    return out


def _row_data_problems(r: OutcomeRow, spec: Outcome) -> list[tuple[str, str]]:
    """Cell-to-cell checks of one outcome row against its outcome's measure."""
    kind = MEASURES[spec.measure]
    analysed = r.analysis in _ANALYSED
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
            for name in ("events_cart", "n_cart", "events_control", "n_control"):
                if getattr(r, name) is None:
                    out.append((name, f"cell is empty; an analysed {spec.measure} row "
                                      "needs events and totals of both arms"))
    if kind == "one-arm-counts":
        for name in ("estimate", "ci_lb", "ci_ub", "pval", "events_control", "n_control"):
            if getattr(r, name) is not None:
                out.append((name, f"measure {spec.measure} is a one-arm proportion from "
                                  "events_cart/n_cart; leave this cell empty"))
        if analysed:
            for name in ("events_cart", "n_cart"):
                if getattr(r, name) is None:
                    out.append((name, f"cell is empty; an analysed {spec.measure} row "
                                      "needs events_cart and n_cart"))
    return out


def _ratio_problems(r: OutcomeRow, kind: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    ratio = kind == "reported-ratio"
    for name in ("estimate", "ci_lb", "ci_ub"):
        value = getattr(r, name)
        if ratio and value is not None and value <= 0:
            out.append((name, f"{value:g} is not a ratio; ratios are greater than 0"))
    lb, ub, est = r.ci_lb, r.ci_ub, r.estimate
    if (lb is None) != (ub is None):
        lack = "ci_ub" if ub is None else "ci_lb"
        out.append((lack, "cell is empty but the other bound is given; give both or neither"))
    if lb is not None and ub is not None and lb >= ub:
        out.append(("ci_lb", f"lower bound {lb:g} is not below the upper bound {ub:g}"))
    elif lb is not None and ub is not None and est is not None and not lb <= est <= ub:
        out.append(("estimate", f"{est:g} lies outside its confidence interval "
                                f"({lb:g}, {ub:g}); check for swapped or mistyped numbers"))
    if r.pval is not None and not 0 < r.pval <= 1:
        out.append(("pval", f"{r.pval:g} is not a p-value; give an exact two-sided p-value "
                            "in (0, 1], or only pval_text"))
    return out


def _count_problems(r: OutcomeRow) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for arm in ("cart", "control"):
        events, n = getattr(r, f"events_{arm}"), getattr(r, f"n_{arm}")
        if n is not None and n == 0:
            out.append((f"n_{arm}", "is 0; a group has at least one patient"))
        if events is not None and n is not None and events > n:
            out.append((f"events_{arm}", f"{events} events is more than the {n} patients "
                                          f"in n_{arm}"))
    return out


def _check_rob(header: _Toml, studies: _Rows, rows: _Rows, rob: _Rows) -> list[Problem]:
    f = "risk_of_bias.csv"
    outcome_keys = [o.key for o in header.outcomes]
    tools = {d.key: d.rob_tool for d in header.designs}
    by_id = {s.study_id: s for _, s in studies.items}
    out: list[Problem] = []
    covered: dict[tuple[str, str, str], int] = {}
    for number, j in rob.items:
        study = by_id.get(j.study_id)
        if study is None:
            if studies.items:
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
            if key not in outcome_keys:
                out.append(Problem(f, number, "outcomes",
                                   f"{key!r} is not an outcome; outcomes: "
                                   f"{', '.join(outcome_keys)}"))
                continue
            slot = (j.study_id, key, j.domain)
            if slot in covered:
                out.append(Problem(f, number, "domain",
                                   f"{j.study_id} / {key} / {j.domain} is already judged in "
                                   f"row {covered[slot]}"))
            else:
                covered[slot] = number
    out += _missing_rob(rows, by_id, tools, covered)
    return out


def _missing_rob(
    rows: _Rows,
    by_id: dict[str, Study],
    tools: Mapping[str, str],
    covered: dict[tuple[str, str, str], int],
) -> list[Problem]:
    """Every analysed (study, outcome) needs a judgement in every domain of its tool."""
    need: dict[tuple[str, str], int] = {}
    for number, r in rows.items:
        if r.analysis in _ANALYSED and r.study_id in by_id:
            need.setdefault((r.study_id, r.outcome), number)
    out: list[Problem] = []
    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (study_id, outcome), _ in sorted(need.items(), key=lambda kv: kv[1]):
        tool = tools.get(by_id[study_id].design)
        if tool is None:
            continue
        for domain in ROB_DOMAINS[tool]:
            if (study_id, outcome, domain) not in covered:
                missing[(study_id, outcome)].append(domain)
    for (study_id, outcome), domains in missing.items():
        out.append(Problem("risk_of_bias.csv", None, "domain",
                           f"study {study_id!r}, outcome {outcome!r} (analysed in "
                           f"outcomes.csv row {need[(study_id, outcome)]}): no judgement for "
                           f"{', '.join(domains)}"))
    return out


def _check_published(header: _Toml, published: _Rows) -> list[Problem]:
    f = "published.csv"
    outcome_keys = [o.key for o in header.outcomes]
    out = _duplicates(f, "claim_id", ((n, c.claim_id) for n, c in published.items))
    for number, c in published.items:
        if c.outcome is not None and c.outcome not in outcome_keys:
            out.append(Problem(f, number, "outcome",
                               f"{c.outcome!r} is not an outcome; outcomes: "
                               f"{', '.join(outcome_keys)}"))
        lb, ub, est = c.ci_lb, c.ci_ub, c.estimate
        if (lb is None) != (ub is None):
            out.append(Problem(f, number, "ci_ub" if ub is None else "ci_lb",
                               "cell is empty but the other bound is given; give both or neither"))
        elif lb is not None and ub is not None and lb >= ub:
            out.append(Problem(f, number, "ci_lb",
                               f"lower bound {lb:g} is not below the upper bound {ub:g}"))
        elif lb is not None and ub is not None and est is not None and not lb <= est <= ub:
            out.append(Problem(f, number, "estimate",
                               f"{est:g} lies outside its confidence interval ({lb:g}, {ub:g})"))
    return out
