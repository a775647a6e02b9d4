"""Load a review folder into a :class:`~evisynth.review.Review`, reporting every problem.

The loader reads ``review.toml`` and the CSV tables, parses every cell, then
checks the links between them (outcome rows naming unknown studies, CIs that do
not contain the estimate, events above the group size, duplicate keys, unknown
measures or designs...). It never stops at the first problem: all problems are
collected and raised together as one :class:`~evisynth.review.ReviewError`.
Input files are only read, never modified.
"""

from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from evisynth._csv import read_numeric_csv, read_records
from evisynth.review._cells import clean_text
from evisynth.review._review import Review
from evisynth.review.cea import CEASpec, check_cea
from evisynth.review.errors import Problem, ReviewError
from evisynth.review.model import (
    MEASURES,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    AnalysisPlan,
    CurveTable,
    Design,
    Exclusion,
    Gap,
    Outcome,
    OutcomeRow,
    Prisma,
    PublishedResult,
    Question,
    Reanalysis,
    ReportText,
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

#: The folder format versions this loader reads (version 1: CAR-T-specific column names).
FORMAT_VERSIONS = (1, 2)

#: Version-1 column names and their version-2 (arm-neutral) names.
V1_COLUMNS: dict[str, str] = {
    "product": "intervention",
    "n_cart": "n_int",
    "n_control": "n_comp",
    "events_cart": "events_int",
    "events_control": "events_comp",
}

#: Analysis sets whose rows are analysed (one row per trial, outcome and set).
_ANALYSED = ("primary", "earlier-cut", "crossover-adjusted", "lead")

M = TypeVar("M", bound=BaseModel)


class _Toml(BaseModel):
    """review.toml as written (outcomes is a table of tables keyed by outcome key)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = 2
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
    risk_of_bias_note: str | None = None
    source: SourceInfo | None = None
    reanalyses: tuple[Reanalysis, ...] = ()
    report: ReportText = ReportText()
    cea: CEASpec | None = None


@dataclass(frozen=True)
class _Rows:
    """Parsed rows of one CSV file with their spreadsheet row numbers.

    ``failed`` holds the key cells (first column) of rows that did not parse, so
    that rows elsewhere naming them are not reported a second time; ``readable``
    is ``False`` when the file is missing or could not be read at all.
    """

    file: str
    items: tuple[tuple[int, Any], ...]
    failed: frozenset[str] = frozenset()
    readable: bool = True


@dataclass(frozen=True)
class _Header:
    """review.toml: the parts that validated, and what did not."""

    toml: _Toml
    bad_fields: frozenset[str]
    bad_outcomes: frozenset[str]
    bad_designs: frozenset[str]


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
    version = 2 if header is None else header.toml.format_version
    tables = {name: _load_csv(folder, name, model, required, problems, version)
              for name, (model, required) in CSV_FILES.items()}
    if header is not None:
        problems.extend(_check_links(header, tables))
        if "cea" not in header.bad_fields:
            problems.extend(check_cea(folder, header.toml.cea,
                                      [o.key for o in header.toml.outcomes],
                                      [e.id for e in header.toml.exclusions]))
    curves = _load_curves(folder, header, problems)
    if problems or header is None:
        raise ReviewError(str(path), problems)
    return Review(
        **{k: getattr(header.toml, k) for k in _Toml.model_fields},
        curve_tables=curves,
        studies=_items(tables["studies.csv"]),
        rows=_items(tables["outcomes.csv"]),
        risk_of_bias=_items(tables["risk_of_bias.csv"]),
        published=_items(tables["published.csv"]),
        path=str(folder),
    )


_CURVE_COLUMNS = {"curve": ("time", "survival"), "at_risk": ("time", "n_risk")}


def _load_curves(
    folder: Path, header: _Header | None, problems: list[Problem]
) -> tuple[CurveTable, ...]:
    """Read the curve and at-risk CSV files that ``[[reanalyses]]`` name."""
    if header is None or "reanalyses" in header.bad_fields:
        return ()
    tables: dict[str, CurveTable] = {}
    for i, spec in enumerate(header.toml.reanalyses):
        for j, arm in enumerate(spec.arms):
            for kind, columns in _CURVE_COLUMNS.items():
                name = getattr(arm, kind)
                where = f"reanalyses[{i}].arms[{j}].{kind}"
                if name is None or name in tables:
                    continue
                table = _read_numeric_csv(folder, name, columns, where, problems)
                if table is not None:
                    tables[name] = table
    return tuple(tables.values())


def _read_numeric_csv(
    folder: Path, name: str, columns: tuple[str, ...], where: str, problems: list[Problem]
) -> CurveTable | None:
    try:
        outside = Path(name).is_absolute() or ".." in Path(name).parts
        resolved = (folder / name).resolve()
        inside = folder.resolve() in resolved.parents
    except (OSError, RuntimeError, ValueError):  # symlink loop, NUL byte
        problems.append(Problem(TOML_FILE, None, where,
                                f"{name!r} is not a valid path (a symbolic-link loop or a NUL "
                                "byte); give a plain file inside the review folder"))
        return None
    if outside or not inside:
        problems.append(Problem(TOML_FILE, None, where,
                                f"{name!r} must be a file inside the review folder"))
        return None
    path, why = _inside(folder, name)
    if path is None:
        problems.append(Problem(TOML_FILE, None, where,
                                f"file {name!r} " + (why or "not found")))
        return None
    table, found = read_numeric_csv(path, columns, name=name)
    problems.extend(found)
    if table is None:
        return None
    return CurveTable(file=name, columns=columns, rows=table.rows)


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


def _load_toml(folder: Path, problems: list[Problem]) -> _Header | None:
    """Parse review.toml section by section, so one bad section hides no other problem."""
    path, why = _inside(folder, TOML_FILE)
    if path is None:
        problems.append(Problem(TOML_FILE, None, None,
                                why or "file not found; every review needs one"))
        return None
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(TOML_FILE, None, None,
                                f"not UTF-8 text (byte {exc.start} cannot be decoded)"))
        return None
    try:
        data = tomllib.loads(raw.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(TOML_FILE, None, None, f"not valid TOML: {exc}"))
        return None
    data = _clean(data)
    version = data.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or \
            version not in FORMAT_VERSIONS:
        problems.append(Problem(TOML_FILE, None, "format_version",
                                f"{_short(version)} is not a format version this evisynth "
                                f"reads; use {' or '.join(map(str, FORMAT_VERSIONS))}"))
        return None
    if version == 1:
        data = _upgrade_v1(data)
    fields = _Toml.model_fields
    for key in data:
        if key not in fields:
            problems.append(Problem(TOML_FILE, None, key, _reason({"type": "extra_forbidden"})))
    parts: dict[str, Any] = {}
    bad: set[str] = set()
    bad_outcomes: set[str] = set()
    bad_designs: set[str] = set()
    for name, info in fields.items():
        if name not in data:
            if info.is_required():
                problems.append(Problem(TOML_FILE, None, name, "required but missing"))
                bad.add(name)
            continue
        value = data[name]
        if name == "outcomes":
            parts[name] = _each(value, Outcome, "outcomes", problems, bad_outcomes, keyed=True)
        elif name == "designs":
            parts[name] = _each(value, Design, "designs", problems, bad_designs, keyed=False)
        else:
            try:
                parts[name] = TypeAdapter(Any if info.annotation is None else info.annotation)\
                    .validate_python(value)
            except ValidationError as exc:
                bad.add(name)
                for err in exc.errors():
                    loc = _loc_text((name, *err["loc"]), [])
                    problems.append(Problem(TOML_FILE, None, loc, _reason(err)))
    if bad_outcomes:
        bad.add("outcomes")
    if bad_designs:
        bad.add("designs")
    return _Header(_Toml.model_construct(**parts), frozenset(bad), frozenset(bad_outcomes),
                   frozenset(bad_designs))


#: TOML keys that hold file paths: kept as written (a control character in a path is
#: reported as a bad path, not silently changed into another file name).
_PATH_KEYS = frozenset({"curve", "at_risk", "file"})


def _clean(value: Any, key: str | None = None) -> Any:
    """Every string of parsed TOML with control characters replaced (see ``clean_text``),
    except file paths."""
    if isinstance(value, str):
        return value if key in _PATH_KEYS else clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): _clean(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, key) for v in value]
    return value


def _short(value: Any) -> str:
    """A value for an error message: its repr cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """review.toml of format 1 in format-2 terms (subgroup columns renamed)."""
    out = dict(data)
    subgroups = out.get("subgroups")
    if isinstance(subgroups, list):
        out["subgroups"] = [
            {**g, "column": V1_COLUMNS.get(str(g["column"]), g["column"])}
            if isinstance(g, dict) and "column" in g else g for g in subgroups
        ]
    return out


def _inside(folder: Path, name: str) -> tuple[Path | None, str | None]:
    """``folder/name`` if it is a regular file inside the folder.

    Returns ``(path, None)``; ``(None, None)`` when nothing is there; ``(None,
    reason)`` when something is there that must not be read (a folder, a FIFO or
    device, a symbolic link leading out of the review folder, a link loop).
    """
    candidate = folder / name
    try:
        exists = candidate.exists() or candidate.is_symlink()
    except OSError:
        exists = True
    if not exists:
        return None, None
    try:
        real = candidate.resolve(strict=True)
        base = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, "cannot be resolved (a broken or looping symbolic link); give a file"
    if base not in real.parents:
        return None, "leads outside the review folder (symbolic link); files must lie inside it"
    if not real.is_file():
        return None, "is not a regular file (a folder, FIFO or device); give a CSV file"
    return real, None


def _each(
    value: Any,
    model: type[M],
    name: str,
    problems: list[Problem],
    failed: set[str],
    keyed: bool,
) -> tuple[M, ...]:
    """Validate the items of a TOML table of tables (``keyed``) or array of tables one by one."""
    if keyed and isinstance(value, dict):
        items = [({"key": k, **v} if isinstance(v, dict) else v, f"{name}.{k}")
                 for k, v in value.items()]
    elif not keyed and isinstance(value, list):
        items = [(v, f"{name}[{i}]") for i, v in enumerate(value)]
    else:
        want = "a table of tables ([outcomes.KEY])" if keyed else "an array of tables"
        problems.append(Problem(TOML_FILE, None, name, f"must be {want}"))
        failed.add("*")
        return ()
    out: list[M] = []
    for item, where in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            failed.add(str(item.get("key", where)) if isinstance(item, dict) else where)
            for err in exc.errors():
                loc = _loc_text(err["loc"], [])
                problems.append(Problem(TOML_FILE, None, f"{where}.{loc}" if loc else where,
                                        _reason(err)))
    return tuple(out)


# --------------------------------------------------------------------------- CSV


def _load_csv(
    folder: Path,
    name: str,
    model: type[M],
    required: bool,
    problems: list[Problem],
    version: int = 2,
) -> _Rows:
    path, why = _inside(folder, name)
    if path is None:
        if why is not None:
            problems.append(Problem(name, None, None, why))
            return _Rows(name, (), readable=False)
        if required:
            problems.append(Problem(name, None, None, "file not found; every review needs one"))
        return _Rows(name, (), readable=not required)
    records, unreadable = read_records(path, name)
    if unreadable is not None:
        problems.append(unreadable)
        return _Rows(name, (), readable=False)
    if not records or records[0][0] != 1:
        problems.append(Problem(name, 1, None, "no header row; the first row names the columns"))
        return _Rows(name, (), readable=False)
    header = [cell.strip() for cell in records[0][1]]
    if version == 1:
        header = [V1_COLUMNS.get(c, c) for c in header]
    if not _check_header(name, header, model, problems):
        return _Rows(name, (), readable=False)
    key_column = next(iter(model.model_fields))
    items: list[tuple[int, Any]] = []
    failed: set[str] = set()
    for number, record in records[1:]:
        row = _parse_row(name, number, header, record, model, problems)
        if row is not None:
            items.append((number, row))
        elif len(record) == len(header):
            failed.add(record[header.index(key_column)].strip())
    return _Rows(name, tuple(items), frozenset(failed))


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


@dataclass(frozen=True)
class _Ctx:
    """What the cross-file checks need, and which names are excused.

    A name is *excused* when the thing it refers to exists but failed its own
    checks (a study row with a bad cell, an outcome table with a bad key): the
    problem is already reported there, so references to it are not reported again.
    """

    header: _Header
    studies: _Rows
    rows: _Rows

    @property
    def toml(self) -> _Toml:
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
        if any(o.key == key for o in self.toml.outcomes):
            return True
        bad = self.header.bad_outcomes
        whole_section_bad = "outcomes" in self.header.bad_fields and not bad
        return None if key in bad or "*" in bad or whole_section_bad else False

    def design_known(self, key: str) -> bool | None:
        if any(d.key == key for d in self.toml.designs):
            return True
        bad = self.header.bad_designs
        whole_section_bad = "designs" in self.header.bad_fields and not bad
        return None if key in bad or "*" in bad or whole_section_bad else False

    def ok(self, *sections: str) -> bool:
        """Whether all these review.toml sections validated."""
        return not set(sections) & self.header.bad_fields


def _check_links(header: _Header, tables: dict[str, _Rows]) -> list[Problem]:
    """All checks that need more than one cell: within and across files."""
    ctx = _Ctx(header, tables["studies.csv"], tables["outcomes.csv"])
    problems: list[Problem] = []
    problems += _check_toml(ctx)
    problems += _check_studies(ctx)
    problems += _check_outcome_rows(ctx)
    problems += _check_rob(ctx, tables["risk_of_bias.csv"])
    problems += _check_published(ctx, tables["published.csv"])
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
        key = (s.trial, s.cut_order)
        if key in cut_orders:
            out.append(Problem(f, number, "cut_order",
                               f"trial {s.trial!r} already has cut_order {s.cut_order} "
                               f"(row {cut_orders[key]}); number the reports of a trial 1, 2, ..."))
        else:
            cut_orders[key] = number
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
    for arm in ("int", "comp"):
        events, n = getattr(r, f"events_{arm}"), getattr(r, f"n_{arm}")
        if n is not None and n == 0:
            out.append((f"n_{arm}", "is 0; a group has at least one patient"))
        if events is not None and n is not None and events > n:
            out.append((f"events_{arm}", f"{events} events is more than the {n} patients "
                                          f"in n_{arm}"))
    return out


def _check_rob(ctx: _Ctx, rob: _Rows) -> list[Problem]:
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
            slot = (j.study_id, key, j.domain)
            if slot in covered:
                out.append(Problem(f, number, "domain",
                                   f"{j.study_id} / {key} / {j.domain} is already judged in "
                                   f"row {covered[slot]}"))
            else:
                covered[slot] = number
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
        if r.analysis not in _ANALYSED or r.study_id not in by_id or r.outcome not in outcome_keys:
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


def _check_published(ctx: _Ctx, published: _Rows) -> list[Problem]:
    f = "published.csv"
    outcome_keys = [o.key for o in ctx.toml.outcomes]
    out = _duplicates(f, "claim_id", ((n, c.claim_id) for n, c in published.items))
    for number, c in published.items:
        if c.outcome is not None and ctx.outcome_known(c.outcome) is False:
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
