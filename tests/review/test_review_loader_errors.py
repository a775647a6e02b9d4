"""Loader errors on corrupted copies of the bundled review.

Each problem names file, row, column and reason; all problems are reported at once.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from evisynth.errors import InputError
from evisynth.review import Problem, ReviewError, bundled_path, load_review


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "cart"
    shutil.copytree(bundled_path("cart_dlbcl"), target)
    return target


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(folder: Path, file: str, key: tuple[str, str], column: str, value: str) -> int:
    """Set one cell of the row whose ``key[0]`` column equals ``key[1]``; return its row number."""
    path = folder / file
    rows = read(path)
    (index,) = [i for i, r in enumerate(rows) if r[key[0]] == key[1]]
    rows[index][column] = value
    write(path, rows)
    return index + 2  # spreadsheet numbering: header is row 1


def replace_toml(folder: Path, old: str, new: str) -> None:
    path = folder / "review.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(folder: Path) -> tuple[Problem, ...]:
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    assert isinstance(info.value, InputError)
    return info.value.problems


def only(folder: Path) -> Problem:
    found = problems(folder)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


ROW = ("row_id", "efs.zuma7.primary")

CELL_CASES = [
    # (file, key, column, bad value, reported column, reason fragment)
    ("outcomes.csv", ROW, "estimate", "0,40", "estimate", "decimal separator"),
    ("outcomes.csv", ROW, "ci_ub", "NR", "ci_ub", "not reported"),
    ("outcomes.csv", ROW, "ci_lb", "0.45", "estimate", "outside its confidence interval"),
    ("outcomes.csv", ROW, "ci_lb", "0.6", "ci_lb", "not below the upper bound"),
    ("outcomes.csv", ROW, "estimate", "-0.4", "estimate", "ratios are greater than 0"),
    ("outcomes.csv", ROW, "verification", "verified", "verification",
     "not one of: verified-in-source, from-secondary-source"),
    ("outcomes.csv", ROW, "analysis", "Primary", "analysis", "must be spelled 'primary'"),
    ("outcomes.csv", ROW, "source", "", "source", "cell is empty"),
    ("outcomes.csv", ROW, "study_id", "ZUMA7_Nobody2030", "study_id", "not in studies.csv"),
    ("outcomes.csv", ROW, "outcome", "dfs", "outcome", "not an outcome of review.toml"),
    ("outcomes.csv", ROW, "doi_or_pmid", "no doi", "doi_or_pmid", "holds no identifier"),
    ("outcomes.csv", ROW, "source_rows", "4;x", "source_rows", "not a row number"),
    ("outcomes.csv", ROW, "derived", "maybe", "derived", "not true or false"),
    ("outcomes.csv", ("row_id", "cr.zuma7.primary"), "events_int", "181", "events_int",
     "more than the 180 patients"),
    ("outcomes.csv", ("row_id", "cr.zuma7.primary"), "n_comp", "17.9", "n_comp",
     "not a whole number"),
    ("outcomes.csv", ("row_id", "cr.zuma7.primary"), "events_comp", "", "events_comp",
     "needs events and totals of both arms"),
    ("outcomes.csv", ("row_id", "os.cibmtr.primary"), "pval", "1.5", "pval",
     "not a p-value"),
    ("outcomes.csv", ("row_id", "efs.zuma7.alt-ash2021"), "analysis", "primary", "analysis",
     "already has a 'primary' row"),
    ("outcomes.csv", ("row_id", "os.belinda.lead"), "analysis", "primary", "analysis",
     "marked lead_only"),
    ("outcomes.csv", ("row_id", "cr.zuma7.primary"), "derivation", "", "derivation",
     "must say how it was derived"),
    ("outcomes.csv", ("row_id", "efs.zuma7.alt-ash2021"), "row_id", "efs.zuma7.primary",
     "row_id", "already used in row"),
    ("studies.csv", ("study_id", "ZUMA7_Westin2023"), "n_int", "-180", "n_int", "negative"),
    ("studies.csv", ("study_id", "ZUMA7_Westin2023"), "design", "RCT-ish", "design",
     "not a design of review.toml"),
    ("studies.csv", ("study_id", "ZUMA7_Westin2023"), "cut_order", "1", "cut_order",
     "already has cut_order 1"),
    ("studies.csv", ("study_id", "ZUMA7_Westin2023"), "n_verification", "", "n_verification",
     "need their source"),
    ("studies.csv", ("study_id", "ZUMA7_Westin2023"), "study_id", "ZUMA7 Westin", "study_id",
     "not an identifier"),
    ("risk_of_bias.csv", ("support", "Pre-specified primary endpoint."), "judgement",
     "moderate", "judgement", "not a RoB 2 judgement"),
]


@pytest.mark.parametrize(("file", "key", "column", "value", "reported", "reason"), CELL_CASES)
def test_one_bad_cell_is_reported_with_file_row_column_and_reason(
    folder: Path, file: str, key: tuple[str, str], column: str, value: str, reported: str,
    reason: str,
) -> None:
    if file == "risk_of_bias.csv":  # the support text is not unique: take the first
        path = folder / file
        rows = read(path)
        index = next(i for i, r in enumerate(rows) if r[key[0]] == key[1])
        rows[index][column] = value
        write(path, rows)
        row = index + 2
    else:
        row = set_cell(folder, file, key, column, value)
    found = problems(folder)
    hits = [p for p in found if p.file == file and p.row == row and p.column == reported]
    assert hits, "\n".join(map(str, found))
    assert reason in hits[0].reason, hits[0].reason
    renamed_key = column in ("study_id", "row_id")  # references to the old key break too
    if reported == column and file != "risk_of_bias.csv" and "already" not in reason \
            and not renamed_key:
        assert len(found) == 1, "\n".join(map(str, found))


TOML_CASES = [
    ('measure = "HR"\nscale = "ratio"\nfavours = "lower"\nimportance = "important"',
     'measure = "HRR"\nscale = "ratio"\nfavours = "lower"\nimportance = "important"',
     "outcomes.pfs.measure", "HR"),
    ('test = "knha"\nlevel = 95', 'test = "knapp"\nlevel = 95', "analysis.test", "knha"),
    ('design = "RCT"\npool_across', 'design = "RCTs"\npool_across', "analysis.design",
     "not a declared design"),
    ("reports_excluded = 10", "reports_excluded = 9", "prisma.reports_excluded",
     "exclusion log"),
    ('key = "leads"', 'key = "dl"', "analysis.sensitivity", "used 2 times"),
    ('outcomes = ["os"]', 'outcomes = ["overall"]', "analysis.sensitivity[4].outcomes",
     "not an outcome"),
    ('column = "intervention"', 'column = "drug"', "subgroups[0].column", "not a column"),
    ('rob_tool = "RoB 2"', 'rob_tool = "RoB2"', "designs[0].rob_tool", "RoB 2"),
    ("format_version = 2", "format_version = 2\ncolour = 2", "colour", "unknown key"),
]


@pytest.mark.parametrize(("old", "new", "key", "reason"), TOML_CASES)
def test_bad_toml_value_is_reported_with_its_key(
    folder: Path, old: str, new: str, key: str, reason: str
) -> None:
    replace_toml(folder, old, new)
    found = problems(folder)
    hits = [p for p in found if p.file == "review.toml" and p.column == key]
    assert hits, "\n".join(map(str, found))
    assert reason in hits[0].reason and hits[0].row is None


def test_toml_syntax_error_names_the_line(folder: Path) -> None:
    replace_toml(folder, "format_version = 2", "format_version = = 2")
    p = only(folder)
    assert p.file == "review.toml" and "line 6" in p.reason


def test_row_with_wrong_cell_count(folder: Path) -> None:
    path = folder / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ",extra\n"
    path.write_text("".join(lines), encoding="utf-8")
    p = only(folder)
    assert (p.file, p.row, p.column) == ("outcomes.csv", 4, None)
    assert "unquoted comma" in p.reason


def test_unknown_and_missing_columns(folder: Path) -> None:
    rows = read(folder / "studies.csv")
    for r in rows:
        r["cohort"] = r.pop("trial")
    write(folder / "studies.csv", rows)
    found = problems(folder)
    where = {(p.file, p.row, p.column) for p in found}
    assert ("studies.csv", 1, "cohort") in where
    assert ("studies.csv", 1, "trial") in where


def test_missing_file(folder: Path) -> None:
    (folder / "risk_of_bias.csv").unlink()
    p = only(folder)
    assert (p.file, p.row, p.column) == ("risk_of_bias.csv", None, None)
    assert "file not found" in p.reason


def test_missing_risk_of_bias_domain_is_reported(folder: Path) -> None:
    rows = read(folder / "risk_of_bias.csv")
    kept = [r for r in rows
            if not (r["study_id"] == "TRANSFORM_Kamdar2025" and r["domain"] == "D3")]
    write(folder / "risk_of_bias.csv", kept)
    p = only(folder)
    assert (p.file, p.column) == ("risk_of_bias.csv", "domain")
    assert "TRANSFORM_Kamdar2025" in p.reason and "D3" in p.reason


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="does not exist"):
        load_review(tmp_path / "nowhere")


def test_several_problems_are_all_reported_and_files_untouched(folder: Path) -> None:
    row_a = set_cell(folder, "outcomes.csv", ROW, "estimate", "abc")
    row_b = set_cell(folder, "outcomes.csv", ("row_id", "cr.zuma7.primary"), "events_int",
                     "999")
    row_c = set_cell(folder, "outcomes.csv", ("row_id", "os.zuma7.primary"), "study_id",
                     "NOPE")
    row_d = set_cell(folder, "studies.csv", ("study_id", "BELINDA_Bishop2022"), "n_int", "x")
    replace_toml(folder, 'test = "knha"\nlevel = 95', 'test = "wald"\nlevel = 95')
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
              if p.is_file()}
    found = problems(folder)
    where = {(p.file, p.row, p.column) for p in found}
    assert {
        ("outcomes.csv", row_a, "estimate"),
        ("outcomes.csv", row_b, "events_int"),
        ("outcomes.csv", row_c, "study_id"),
        ("studies.csv", row_d, "n_int"),
        ("review.toml", None, "analysis.test"),
    } <= where
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()
              if p.is_file()}
    assert before == after
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    message = str(info.value)
    assert message.startswith(f"review folder {folder}: {len(found)} problems")
    assert f"outcomes.csv, row {row_a}, column 'estimate': 'abc' is not a number" in message
    assert message.count("\n") == len(found)


PUBLISHED = ("claim_id", "MA_PMID42340791_2026.pfs")


@pytest.mark.parametrize(("column", "value", "reported", "reason"), [
    ("ci_ub", "", "ci_ub", "cell is empty but the other bound is given; give both or neither"),
    ("ci_lb", "", "ci_lb", "cell is empty but the other bound is given; give both or neither"),
    ("ci_lb", "0.71", "ci_lb", "lower bound 0.71 is not below the upper bound 0.71"),
    ("estimate", "0.4", "estimate", "0.4 lies outside its confidence interval (0.42, 0.71)"),
])
def test_published_interval_problems(
    folder: Path, column: str, value: str, reported: str, reason: str
) -> None:
    # the published row reads estimate 0.55, ci 0.42 to 0.71 (published.csv of the bundle)
    row = set_cell(folder, "published.csv", PUBLISHED, column, value)
    assert only(folder) == Problem("published.csv", row, reported, reason)


def test_outcome_row_estimate_outside_its_interval_says_what_to_check(folder: Path) -> None:
    rows = read(folder / "outcomes.csv")
    (r,) = [r for r in rows if r["row_id"] == ROW[1]]
    lb, ub = float(r["ci_lb"]), float(r["ci_ub"])
    row = set_cell(folder, "outcomes.csv", ROW, "estimate", f"{ub + 0.01:g}")
    assert only(folder) == Problem(
        "outcomes.csv", row, "estimate",
        f"{ub + 0.01:g} lies outside its confidence interval ({lb:g}, {ub:g}); check for "
        "swapped or mistyped numbers")


def test_a_second_judgement_of_the_same_domain_names_the_first_row(folder: Path) -> None:
    path = folder / "risk_of_bias.csv"
    rows = read(path)
    first = rows[0]
    assert first["outcomes"] == "*" and first["domain"] == "D1"
    rows.append({**first, "outcomes": "os", "support": "judged again"})
    write(path, rows)
    found = problems(folder)
    assert found == (Problem("risk_of_bias.csv", len(rows) + 1, "domain",
                             f"{first['study_id']} / os / D1 is already judged in row 2"),)
