"""Fuzz the command line in-process (``evisynth.cli.main``): every run exits 0 with
standard JSON where JSON was asked for, or exits 2 with exactly one line on stderr."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from evisynth.cli import main
from tests.fuzz._common import FUZZ

pytestmark = pytest.mark.filterwarnings("ignore::evisynth.errors.EvisynthWarning")

GOOD_CELL = st.one_of(
    st.integers(1, 200).map(str),
    st.floats(1e-3, 5).map(lambda x: f"{x:.4g}"),
)
BAD_CELL = st.one_of(
    st.integers(-5, 0).map(str),
    st.floats(-10, 10, allow_nan=False).map(lambda x: f"{x:.4g}"),
    st.sampled_from(["", "NA", "NaN", "null", "inf", "-inf", "1e400", "abc", '"q,u"', "0", "1",
                     "1e-320", "x" * 300, "\t", "é", "A", "B"]),
)


@st.composite
def _cell(draw: st.DrawFn) -> str:
    return draw(BAD_CELL) if draw(st.integers(0, 15)) == 0 else draw(GOOD_CELL)


CELL = _cell()
TEXT = st.one_of(st.text(max_size=8), st.sampled_from(["38.5", "1e400", "-1", "0", "nan",
                                                       "True", "axi-cel", "2026-01-01"]))


def record(what: str) -> None:
    try:
        event(what)
    except Exception:  # outside a hypothesis test
        pass


def invoke(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check_run(argv: list[str], as_json: bool) -> None:
    code, out, err = invoke(argv)
    record(f"exit {code}")
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = [x for x in err.splitlines() if not x.startswith("evisynth: warning: ")]
        assert len(lines) == 1, (argv, err)
        assert lines[0].startswith(("evisynth: error: ", "evisynth: usage error: ")), err
        assert "Traceback" not in err and "np.float" not in err
        assert len(lines[0]) <= 2100
        return
    assert "Traceback" not in err
    for line in err.splitlines():
        assert line.startswith("evisynth: warning: "), err
    if as_json:
        json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(c)))


@st.composite
def csv_table(draw: st.DrawFn, columns: tuple[str, ...], arms: bool = False) -> str:
    cols = list(columns)
    if draw(st.integers(0, 9)) == 0:
        cols = cols[:-1]
    rows = draw(st.integers(0, 8))
    lines = [",".join(cols)]
    for _ in range(rows):
        width = len(cols) + (1 if draw(st.integers(0, 19)) == 0 else 0)
        cells = [draw(CELL) for _ in range(width)]
        if arms and cells and draw(st.integers(0, 15)) != 0:
            cells[0] = draw(st.sampled_from(["A", "B"]))
            if len(cells) > 2 and draw(st.integers(0, 15)) != 0:
                cells[2] = draw(st.sampled_from(["0", "1"]))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write(text: str, tmp: Path, name: str = "t.csv") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


@FUZZ
@given(csv_table(("yi", "vi")), st.sampled_from(["REML", "DL", "PM", "FE", "ML", "bogus"]),
       st.sampled_from(["z", "knha", "t", "adhoc"]), st.booleans())
def test_meta_command(table: str, method: str, test: str, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = write(table, Path(d))
        check_run(["meta", str(p), "--method", method, "--test", test]
                  + (["--json"] if as_json else []), as_json)


@FUZZ
@given(csv_table(("ai", "bi", "ci", "di")), st.sampled_from(["OR", "RR", "RD", "XX"]),
       st.booleans())
def test_meta_command_raw_counts(table: str, measure: str, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = write(table, Path(d))
        check_run(["meta", str(p), "--measure", measure] + (["--json"] if as_json else []),
                  as_json)


@FUZZ
@given(csv_table(("arm", "time", "event"), arms=True), st.booleans())
def test_survival_command(table: str, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = write(table, Path(d))
        check_run(["survival", str(p), "--arm", "arm"] + (["--json"] if as_json else []),
                  as_json)


@FUZZ
@given(csv_table(("time", "survival")), TEXT, st.booleans())
def test_reconstruct_command(table: str, n: str, as_json: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = write(table, Path(d))
        check_run(["reconstruct", str(p), "-o", str(Path(d) / "out.csv"), "-n", n]
                  + (["--json"] if as_json else []), as_json)


@FUZZ
@given(st.sampled_from(["crs", "icans", "dose", "schedule"]), st.lists(TEXT, max_size=3),
       st.data())
def test_clinic_commands(cmd: str, texts: list[str], data: st.DataObject) -> None:
    options: dict[str, tuple[str, ...]] = {
        "crs": ("--temperature", "--vasopressors", "--oxygen", "--flow"),
        "icans": ("--ice", "--ice-items", "--consciousness", "--seizure"),
        "dose": ("--height", "--weight", "--bsa-cap", "--doses-given"),
        "schedule": ("--trial", "--randomised"),
    }
    argv: list[str] = [cmd]
    if cmd == "dose":
        argv.append(data.draw(st.sampled_from(["axi-cel", "tocilizumab", "x"])))
    if cmd == "schedule":
        argv += [data.draw(TEXT), data.draw(st.sampled_from(["axi-cel", "liso-cel", "zz"]))]
    for t in texts:
        argv += [data.draw(st.sampled_from(options[cmd])), t]
    as_json = data.draw(st.booleans())
    check_run(argv + (["--json"] if as_json else []), as_json)


def test_example_command_json() -> None:
    check_run(["example", "--json"], True)


