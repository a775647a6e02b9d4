"""The shared numeric-CSV reader (evisynth._csv): cell rule, file/row/column problems."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth._csv import (
    MAX_LISTED,
    MISSING_TOKENS,
    parse_cell,
    raise_problems,
    read_numeric_csv,
    read_records,
)
from evisynth.errors import InputError, Problem

COLUMNS = ("time", "survival")


def write(tmp_path: Path, text: str, name: str = "km.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ----------------------------------------------------------------- the cell rule


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_round_trip_through_their_text(x: float) -> None:
    assert parse_cell(repr(x)) == (x, None)
    assert parse_cell(f"  {x!r}\t") == (x, None)
    assert parse_cell(x) == (x, None)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15))
def test_integers_are_numbers(n: int) -> None:
    assert parse_cell(str(n)) == (float(n), None)
    assert parse_cell(n) == (float(n), None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_any_text_is_a_finite_number_or_a_named_problem(text: str) -> None:
    value, what = parse_cell(text)
    if what is None:
        assert math.isfinite(value)
        assert value == float(text.strip())
    else:
        assert math.isnan(value)
        assert what.startswith("is ")
        assert "\n" not in what


@pytest.mark.parametrize("token", [t for t in MISSING_TOKENS if t] + ["NA", " N/A ", "NaN"])
def test_missing_tokens(token: str) -> None:
    value, what = parse_cell(token)
    assert math.isnan(value) and what is not None and "(a missing value); give a number" in what
    value, what = parse_cell(token, allow_missing=True)
    assert math.isnan(value) and what is None


@pytest.mark.parametrize("cell, what", [
    ("", "is empty"),
    ("   ", "is empty"),
    (None, "is empty"),
    (float("nan"), "is empty"),
    ("abc", "is 'abc', not a number"),
    ("1_000", "is '1_000', not a number"),
    ("0,5", "is '0,5', not a number"),
    ("\u0661\u0662", "is '\u0661\u0662', not a number"),
    ("inf", "is 'inf', not a finite number"),
    ("-Infinity", "is '-Infinity', not a finite number"),
    ("1e999", "is '1e999', not a finite number"),
    (float("inf"), "is 'inf', not a finite number"),
    (True, "is 'True', not a number"),
])
def test_bad_cells_say_what_is_wrong(cell: object, what: str) -> None:
    value, got = parse_cell(cell)
    assert math.isnan(value)
    assert got == what


def test_long_cells_are_shortened_in_messages() -> None:
    _, what = parse_cell("x" * 500)
    assert what is not None and len(what) < 100


# ----------------------------------------------------------------- records


def test_records_skip_blank_lines_but_count_them(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufefftime,survival\n\n0,1\n , \n2,0.5\n")
    records, problem = read_records(path, "km.csv")
    assert problem is None
    assert records == [(1, ["time", "survival"]), (3, ["0", "1"]), (5, ["2", "0.5"])]


def test_records_of_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "km.csv"
    path.write_bytes(b"time,survival\n0,\xff\n")
    records, problem = read_records(path, "km.csv")
    assert records == []
    assert problem is not None and problem.file == "km.csv" and problem.row is None
    assert "UTF-8" in problem.reason and "byte 17" in problem.reason


def test_records_of_a_missing_file(tmp_path: Path) -> None:
    records, problem = read_records(tmp_path / "nope.csv", "nope.csv")
    assert records == [] and problem is not None and "cannot be read" in problem.reason


# ----------------------------------------------------------------- tables


def test_a_good_table(tmp_path: Path) -> None:
    path = write(tmp_path, "time,survival\n0,1\n\n1.5,0.75\n")
    table, problems = read_numeric_csv(path, COLUMNS, name="km.csv")
    assert problems == []
    assert table is not None
    assert table.columns == COLUMNS
    assert table.rows == ((0.0, 1.0), (1.5, 0.75))
    assert table.row_numbers == (2, 4)
    assert table.column("time").tolist() == [0.0, 1.5]
    with pytest.raises(KeyError):
        table.column("n_risk")


def test_every_bad_cell_is_reported_with_file_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "time,survival\n0,1\nx,0.5\n2,\n3,inf,9\n4\n")
    table, problems = read_numeric_csv(path, COLUMNS, name="curves/km.csv")
    assert table is None
    assert [str(p) for p in problems] == [
        "curves/km.csv, row 3, column 'time': cell is 'x', not a number",
        "curves/km.csv, row 4, column 'survival': cell is empty",
        "curves/km.csv, row 5, column 'survival': cell is 'inf', not a finite number",
        "curves/km.csv, row 5: has 3 cells; expected 2",
        "curves/km.csv, row 6: has 1 cells; expected 2",
    ]
    assert problems[0].where == "curves/km.csv:3:time"


def test_missing_cells_where_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "time,survival\n0,NA\n1,\n")
    table, problems = read_numeric_csv(path, COLUMNS, allow_missing=("survival",))
    assert problems == [] and table is not None
    assert all(math.isnan(v) for v in table.column("survival"))


@pytest.mark.parametrize("text, reason", [
    ("", "no header row"),
    ("\n\ntime,survival\n0,1\n", "no header row"),
    ("Time,surv\n0,1\n", "header is Time, surv; expected time, survival"),
    ("time,survival\n", "has no data rows"),
])
def test_file_level_problems(tmp_path: Path, text: str, reason: str) -> None:
    table, problems = read_numeric_csv(write(tmp_path, text), COLUMNS, name="km.csv")
    assert table is None and len(problems) == 1
    assert reason in problems[0].reason
    assert problems[0].file == "km.csv"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(allow_nan=False, allow_infinity=False),
                          st.floats(allow_nan=False, allow_infinity=False)),
                min_size=1, max_size=20))
def test_written_tables_are_read_back_exactly(rows: list[tuple[float, float]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        text = "time,survival\n" + "".join(f"{a!r},{b!r}\n" for a, b in rows)
        path = write(Path(tmp), text)
        table, problems = read_numeric_csv(path, COLUMNS)
    assert problems == [] and table is not None
    assert table.rows == tuple(rows)
    assert table.row_numbers == tuple(range(2, len(rows) + 2))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="0123456789.ex-_ ", max_size=6), min_size=2,
                         max_size=2), min_size=1, max_size=8))
def test_a_table_is_read_or_every_bad_cell_is_named(cells: list[list[str]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        text = "time,survival\n" + "".join(",".join(r) + "\n" for r in cells)
        table, problems = read_numeric_csv(write(Path(tmp), text), COLUMNS, name="km.csv")
    records = [r for r in cells if any(c.strip() for c in r)]
    bad = [(i, j) for i, r in enumerate(cells) for j, c in enumerate(r)
           if any(x.strip() for x in r) and parse_cell(c)[1] is not None]
    if not records:
        assert table is None and problems[-1].reason == "has no data rows"
    elif bad:
        assert table is None
        assert [(p.row, p.column) for p in problems] == [(i + 2, COLUMNS[j]) for i, j in bad]
    else:
        assert table is not None and problems == []


# ----------------------------------------------------------------- one error line


def test_raise_one_problem() -> None:
    with pytest.raises(InputError) as info:
        raise_problems([Problem("km.csv", 3, "time", "cell is empty")])
    assert str(info.value) == "km.csv, row 3, column 'time': cell is empty"
    assert info.value.where == "km.csv:3:time"


def test_raise_many_problems_lists_a_bounded_number() -> None:
    problems = [Problem("km.csv", i, "time", "cell is empty") for i in range(2, 40)]
    with pytest.raises(InputError) as info:
        raise_problems(problems)
    text = str(info.value)
    assert text.startswith(f"{len(problems)} problems: ")
    assert text.count("cell is empty") == MAX_LISTED
    assert text.endswith(f"; and {len(problems) - MAX_LISTED} more")
    assert "\n" not in text


# ----------------------------------------------------------------- the review loader uses it


def test_a_review_curve_file_that_is_not_utf8_is_a_listed_problem(tmp_path: Path) -> None:
    from evisynth.review import ReviewError, load_review
    from tests.review.test_reanalysis import broken_copy

    d = broken_copy(tmp_path)
    (d / "curves" / "km_cart.csv").write_bytes(b"time,survival\n0,1\n1,\xff\n")
    with pytest.raises(ReviewError) as err:
        load_review(d)
    assert "curves/km_cart.csv: cannot be read as UTF-8 text (byte 21)" in str(err.value)
