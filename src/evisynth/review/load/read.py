"""Reading a review folder: ``review.toml`` section by section and every CSV cell.

Each reader appends what is wrong to a shared list of
:class:`~evisynth.review.Problem` (file, row, column, reason) and returns what
parsed, so that one bad section or row hides no other problem; the checks across
cells and files are in :mod:`evisynth.review.load.check`. Files are only read,
never modified, and only regular files inside the review folder are read.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from evisynth._csv import read_numeric_csv, read_records
from evisynth.review._cells import clean_text
from evisynth.review._review import ReviewToml
from evisynth.review.errors import Problem
from evisynth.review.model import (
    CurveTable,
    Design,
    Outcome,
    OutcomeRow,
    PublishedResult,
    RiskOfBias,
    Study,
)

__all__ = ["CSV_FILES", "FORMAT_VERSIONS", "TOML_FILE", "V1_COLUMNS", "Header", "Rows",
           "read_csv", "read_curves", "read_toml"]

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

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rows:
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
class Header:
    """review.toml: the parts that validated, and what did not."""

    toml: ReviewToml
    bad_fields: frozenset[str]
    bad_outcomes: frozenset[str]
    bad_designs: frozenset[str]


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


def read_toml(folder: Path, problems: list[Problem]) -> Header | None:
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
    fields = ReviewToml.model_fields
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
    return Header(ReviewToml.model_construct(**parts), frozenset(bad), frozenset(bad_outcomes),
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


def read_csv(
    folder: Path,
    name: str,
    model: type[M],
    required: bool,
    problems: list[Problem],
    version: int = 2,
) -> Rows:
    """Read and parse one CSV table of the folder (``version`` 1: old column names)."""
    path, why = _inside(folder, name)
    if path is None:
        if why is not None:
            problems.append(Problem(name, None, None, why))
            return Rows(name, (), readable=False)
        if required:
            problems.append(Problem(name, None, None, "file not found; every review needs one"))
        return Rows(name, (), readable=not required)
    records, unreadable = read_records(path, name)
    if unreadable is not None:
        problems.append(unreadable)
        return Rows(name, (), readable=False)
    if not records or records[0][0] != 1:
        problems.append(Problem(name, 1, None, "no header row; the first row names the columns"))
        return Rows(name, (), readable=False)
    header = [cell.strip() for cell in records[0][1]]
    if version == 1:
        header = [V1_COLUMNS.get(c, c) for c in header]
    if not _check_header(name, header, model, problems):
        return Rows(name, (), readable=False)
    key_column = next(iter(model.model_fields))
    items: list[tuple[int, Any]] = []
    failed: set[str] = set()
    for number, record in records[1:]:
        row = _parse_row(name, number, header, record, model, problems)
        if row is not None:
            items.append((number, row))
        elif len(record) == len(header):
            failed.add(record[header.index(key_column)].strip())
    return Rows(name, tuple(items), frozenset(failed))


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


# --------------------------------------------------------------------------- curve tables


_CURVE_COLUMNS = {"curve": ("time", "survival"), "at_risk": ("time", "n_risk")}


def read_curves(
    folder: Path, header: Header | None, problems: list[Problem]
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

