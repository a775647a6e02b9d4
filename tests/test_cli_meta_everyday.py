"""`evisynth meta` on one's own CSV: separators, decimal commas, forgiving column names,
all problems at once, the per-study table, --plot/--funnel and the two scales in --json."""

from __future__ import annotations

import io
import json
import math
import string
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import evisynth as ev
from evisynth.cli import main
from evisynth.cli._table import (
    MAX_LISTED,
    CsvFormat,
    column_key,
    match_column,
    read_table,
    sniff_format,
    suggest,
)
from tests.conftest import load_reference

BCG = load_reference("rma")["datasets"]["bcg_RR"]

HR_ROWS = [("A", "0.50", "0.30", "0.83"), ("B", "0.70", "0.45", "1.10"),
           ("C", "0.62", "0.40", "0.95")]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evisynth: error: "), err
    return lines[0]


def hr_file(tmp_path: Path, sep: str = ",", decimal: str = ".", header: str = "study,hr,ci_lb,"
            "ci_ub", name: str = "hr.csv") -> Path:
    rows = [header.replace(",", sep)]
    rows += [sep.join(c.replace(".", decimal) for c in r) for r in HR_ROWS]
    p = tmp_path / name
    p.write_text("\n".join(rows) + "\n")
    return p


def bcg_file(tmp_path: Path) -> Path:
    rows = "\n".join(f"S{i},{y!r},{v!r}" for i, (y, v) in
                     enumerate(zip(BCG["yi"], BCG["vi"], strict=True)))
    p = tmp_path / "bcg.csv"
    p.write_text("study,yi,vi\n" + rows + "\n")
    return p


def meta_json(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(["meta", str(path), "--measure", "HR", "--labels", "study",
                          "--json", *args], capsys)
    assert code == 0, err
    return strict_json(out)


# --- separators and decimal commas ---------------------------------------------


@pytest.mark.parametrize(("sep", "decimal"), [(";", ","), (";", "."), ("\t", ","), ("\t", "."),
                                              ("|", ",")])
def test_other_separators_and_decimal_commas_give_the_same_analysis(tmp_path, capsys, sep,
                                                                    decimal) -> None:
    want = meta_json(hr_file(tmp_path), capsys)
    got = meta_json(hr_file(tmp_path, sep, decimal, name="other.csv"), capsys)
    assert got == want


def test_readable_output_names_the_format_found(tmp_path, capsys) -> None:
    p = hr_file(tmp_path, ";", ",")
    code, out, _ = run(["meta", str(p), "--measure", "HR"], capsys)
    assert code == 0
    assert out.splitlines()[0] == f"Read {p} as semicolon-separated, decimal comma."


def test_decimal_commas_in_a_comma_file_are_a_clear_one_line_error(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n0,5,0,2\n0,3,0,1\n")
    code, _, err = run(["meta", str(p)], capsys)
    line = one_error(err)
    assert code == 2
    assert "row 2: 4 fields but the header has 2 (comma-separated)" in line
    assert "decimal commas" in line and "';'" in line


# --- column names -----------------------------------------------------------------


@pytest.mark.parametrize("header", ["Study,HR,CI_LB,CI_UB", "study,Hr,ci.lb,ci ub",
                                    "STUDY,hr,Ci-Lb,ci_ub"])
def test_columns_match_ignoring_case_spaces_dots_hyphens(tmp_path, capsys, header) -> None:
    want = meta_json(hr_file(tmp_path), capsys)
    got = meta_json(hr_file(tmp_path, header=header, name="cased.csv"), capsys)
    assert got == want


def test_misspelled_column_in_raw_mode_gets_a_col_suggestion(tmp_path, capsys) -> None:
    p = hr_file(tmp_path, header="study,hr,ci_lb,ci_upper")
    code, _, err = run(["meta", str(p), "--measure", "HR"], capsys)
    assert code == 2
    assert "column 'ci_upper' was not used: did you mean --col ci_ub=ci_upper?" in one_error(err)


def test_missing_yi_vi_column_names_the_flag_and_suggests(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("effect,variance\n0.1,0.2\n0.3,0.1\n")
    code, _, err = run(["meta", str(p)], capsys)
    line = one_error(err)
    assert code == 2
    assert "2 problems" in line
    assert "no column 'yi' (option --yi); did you mean 'effect'?" in line
    assert "no column 'vi' (option --vi); did you mean 'variance'?" in line
    assert line.endswith("the file has columns: effect, variance")


def test_missing_col_mapping_names_the_flag(tmp_path, capsys) -> None:
    p = hr_file(tmp_path)
    code, _, err = run(["meta", str(p), "--measure", "HR", "--col", "hr=hazard"], capsys)
    assert code == 2
    assert "no column 'hazard' (option --col hr=hazard)" in one_error(err)


def test_ambiguous_columns_are_refused(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("YI,Yi,vi\n0.1,0.2,0.1\n0.3,0.1,0.1\n")
    code, _, err = run(["meta", str(p)], capsys)
    assert code == 2
    assert "'YI' and 'Yi' all match it ignoring case" in one_error(err)


# --- all problems at once ----------------------------------------------------------


def test_all_problems_of_a_file_in_one_line(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("study,yi,vi\nA,0.1,x\nB,abc,0.2\nC,0.3,\n")
    code, _, err = run(["meta", str(p), "--labels", "studie"], capsys)
    line = one_error(err)
    assert code == 2
    assert "t.csv: 4 problems: " in line
    for frag in ("no column 'studie' (option --labels); did you mean 'study'?",
                 "row 3, column 'yi': cell is 'abc', not a number",
                 "row 2, column 'vi': cell is 'x', not a number",
                 "row 4, column 'vi': cell is empty"):
        assert frag in line


def test_many_problems_are_counted_not_all_listed(tmp_path, capsys) -> None:
    n = MAX_LISTED + 5
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n" + "x,0.1\n" * n)
    code, _, err = run(["meta", str(p)], capsys)
    line = one_error(err)
    assert code == 2
    assert f"{n} problems" in line and "; and 5 more" in line
    assert line.count("not a number") == MAX_LISTED


# --- per-study table ----------------------------------------------------------------


def test_per_study_table_on_the_natural_scale(tmp_path, capsys) -> None:
    p = hr_file(tmp_path)
    code, out, _ = run(["meta", str(p), "--measure", "HR", "--labels", "study"], capsys)
    assert code == 0
    es = ev.escalc("HR", hr=[0.5, 0.7, 0.62], ci_lb=[0.3, 0.45, 0.4], ci_ub=[0.83, 1.1, 0.95])
    fit = ev.rma(es)
    z = stats.norm.ppf(0.975)
    lines = out.splitlines()
    start = lines.index("Studies (HR scale; 95% Wald CI; model weights in %):")
    for i, lab in enumerate("ABC"):
        se = math.sqrt(es.vi[i])
        want = (f"{lab:5s} {math.exp(es.yi[i]):9.4f} {math.exp(es.yi[i] - z * se):9.4f} "
                f"{math.exp(es.yi[i] + z * se):9.4f} {fit.weights_percent[i]:6.2f}%")
        assert lines[start + 2 + i] == want


def test_json_has_both_scales_named(tmp_path, capsys) -> None:
    got = meta_json(hr_file(tmp_path), capsys)
    assert got["scale"] == "log" and got["measure"] == "HR"
    nat = got["natural"]
    assert nat["scale"] == "HR"
    for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert nat[key] == pytest.approx(math.exp(got[key]), rel=1e-14)
    study = got["studies"][0]
    assert study["label"] == "A" and study["natural"]["estimate"] == pytest.approx(0.5, rel=1e-14)
    assert sum(s["weight"] for s in got["studies"]) == pytest.approx(100.0, rel=1e-14)


def test_json_natural_is_null_for_a_difference_measure(tmp_path, capsys) -> None:
    code, out, _ = run(["meta", str(bcg_file(tmp_path)), "--json"], capsys)
    assert code == 0
    got = strict_json(out)
    assert got["scale"] == "GEN" and got["natural"] is None
    assert "natural" not in got["studies"][0]


def test_bayes_json_has_the_natural_block(tmp_path, capsys) -> None:
    got = meta_json(hr_file(tmp_path), capsys, "--bayes")
    assert got["natural"]["estimate"] == pytest.approx(math.exp(got["estimate"]), rel=1e-14)


# --- figures ---------------------------------------------------------------------------

MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_plot_writes_a_forest_figure(tmp_path, capsys, suffix) -> None:
    out = tmp_path / f"forest.{suffix}"
    code, stdout, err = run(["meta", str(hr_file(tmp_path)), "--measure", "HR", "--plot",
                             str(out), "--json"], capsys)
    assert code == 0, err
    strict_json(stdout)  # the note about the file goes to stderr, stdout stays JSON
    assert out.read_bytes().startswith(MAGIC[suffix]) and out.stat().st_size > 2000
    assert f"Wrote {out}" in err


def test_funnel_with_ten_or_more_studies(tmp_path, capsys) -> None:
    out = tmp_path / "funnel.svg"
    code, _, err = run(["meta", str(bcg_file(tmp_path)), "--funnel", str(out)], capsys)
    assert code == 0, err
    assert out.stat().st_size > 2000 and "Funnel" in out.read_text()


def test_funnel_with_fewer_than_ten_studies_is_refused_and_writes_nothing(tmp_path,
                                                                          capsys) -> None:
    plot, fun = tmp_path / "f.png", tmp_path / "g.png"
    code, out, err = run(["meta", str(hr_file(tmp_path)), "--measure", "HR", "--plot",
                          str(plot), "--funnel", str(fun)], capsys)
    assert code == 2 and out == ""
    assert one_error(err) == ("evisynth: error: option --funnel: "
                              + ev.plots.funnel_refusal(3))
    assert not plot.exists() and not fun.exists()


@pytest.mark.parametrize("flag", ["--plot", "--funnel"])
def test_figure_suffix_is_checked_before_fitting(tmp_path, capsys, flag) -> None:
    code, _, err = run(["meta", str(hr_file(tmp_path)), "--measure", "HR", flag,
                        str(tmp_path / "fig.jpg")], capsys)
    assert code == 2
    assert f"option {flag}" in one_error(err) and ".png, .svg or .pdf" in err


def test_figure_never_overwrites_the_input(tmp_path, capsys) -> None:
    src = hr_file(tmp_path, name="table.svg")
    before = src.read_bytes()
    code, _, err = run(["meta", str(src), "--measure", "HR", "--plot", str(src)], capsys)
    assert code == 2 and "is the input file" in one_error(err)
    assert src.read_bytes() == before


def test_glmm_plot_is_refused(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("xi,ni\n3,20\n5,25\n9,30\n2,18\n")
    code, _, err = run(["meta", str(p), "--measure", "PLO", "--glmm", "--plot",
                        str(tmp_path / "f.png")], capsys)
    assert code == 2 and "option --plot" in one_error(err)
    assert not (tmp_path / "f.png").exists()


# --- properties of the sniffer and the matcher -----------------------------------------

NAME = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=8)
VALUE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(NAME, min_size=2, max_size=4, unique_by=column_key),
    values=st.lists(VALUE, min_size=4, max_size=24),
    fmt=st.sampled_from([CsvFormat(",", "."), CsvFormat(";", ","), CsvFormat(";", "."),
                         CsvFormat("\t", ","), CsvFormat("\t", "."), CsvFormat("|", ".")]),
)
def test_sniffed_format_reads_back_the_written_table(tmp_path_factory, names, values,
                                                     fmt) -> None:
    ncol = len(names)  # meta tables have at least two columns (yi and vi)
    nrow = max(1, len(values) // ncol)
    grid = np.resize(np.asarray(values, dtype=np.float64), (nrow, ncol))
    grid[0, 0] = 0.25  # a number with a fraction, so the decimal mark shows
    df = pd.DataFrame(grid, columns=names)
    buf = io.StringIO()
    df.to_csv(buf, sep=fmt.sep, decimal=fmt.decimal, index=False)
    text = buf.getvalue()
    found = sniff_format(text)
    assert found == fmt
    path = tmp_path_factory.mktemp("sniff") / "t.csv"
    path.write_text(text)
    back = read_table(path)
    assert list(back.columns) == names
    np.testing.assert_array_equal(back.to_numpy(dtype=np.float64), grid)


def _respell(name: str, flips: list[bool]) -> str:
    chars = [c.swapcase() if f else c for c, f in zip(name, flips + [False] * len(name),
                                                      strict=False)]
    return "".join(chars).replace("_", ".")


@settings(max_examples=200, deadline=None)
@given(cols=st.lists(NAME, min_size=1, max_size=6, unique_by=column_key), pick=st.integers(0, 5),
       flips=st.lists(st.booleans(), max_size=8))
def test_match_column_finds_a_respelled_name(cols, pick, flips) -> None:
    target = cols[pick % len(cols)]
    assert match_column(target, cols) == (target, [])
    assert match_column(_respell(target, flips), cols) == (target, [])


@settings(max_examples=200, deadline=None)
@given(name=NAME, cols=st.lists(NAME, max_size=8))
def test_suggestions_are_columns_of_the_file(name, cols) -> None:
    got = suggest(name, cols)
    assert len(got) <= 3 and len(set(got)) == len(got)
    assert all(g in cols for g in got)


def test_funnel_is_refused_with_bayes(tmp_path, capsys) -> None:
    code, _, err = run(["meta", str(bcg_file(tmp_path)), "--bayes", "--tau-prior",
                        "halfnormal:0.5", "--funnel", str(tmp_path / "f.png")], capsys)
    assert code == 2 and "option --funnel" in one_error(err)
    assert not (tmp_path / "f.png").exists()


def test_glmm_json_natural_block_is_the_proportion(tmp_path, capsys) -> None:
    from scipy.special import expit

    p = tmp_path / "t.csv"
    p.write_text("Xi,NI\n3,20\n5,25\n9,30\n2,18\n")
    code, out, err = run(["meta", str(p), "--measure", "PLO", "--glmm", "--json"], capsys)
    assert code == 0, err
    got = strict_json(out)
    assert got["scale"] == "logit" and got["natural"]["scale"] == "proportion"
    assert got["natural"]["estimate"] == pytest.approx(float(expit(got["estimate"])), rel=1e-14)
    assert "studies" not in got


def test_missing_sei_column_names_its_flag(tmp_path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,se\n0.1,0.2\n0.3,0.1\n")
    code, _, err = run(["meta", str(p), "--sei", "sei"], capsys)
    assert code == 2
    assert "no column 'sei' (option --sei); did you mean 'se'?" in one_error(err)


def test_plot_and_funnel_must_be_two_files(tmp_path, capsys) -> None:
    out = tmp_path / "f.png"
    code, _, err = run(["meta", str(bcg_file(tmp_path)), "--plot", str(out), "--funnel",
                        str(out)], capsys)
    assert code == 2 and "--funnel" in one_error(err) and "also the path of --plot" in err
    assert not out.exists()


# --- measures from correlations, one-group means and test statistics ----------------


@pytest.mark.parametrize(("measure", "header", "rows", "kwargs"), [
    ("ZCOR", "study,ri,ni", ["A,0.3,40", "B,0.1,120", "C,0.45,25"],
     {"ri": [0.3, 0.1, 0.45], "ni": [40, 120, 25]}),
    ("MN", "study,mi,sdi,ni", ["A,5.1,1.2,30", "B,4.7,0.9,45", "C,5.6,1.5,20"],
     {"mi": [5.1, 4.7, 5.6], "sdi": [1.2, 0.9, 1.5], "ni": [30, 45, 20]}),
    ("PCOR", "study,ti,mi,ni", ["A,2.1,3,50", "B,1.4,2,80", "C,3.0,4,60"],
     {"ti": [2.1, 1.4, 3.0], "mi": [3, 2, 4], "ni": [50, 80, 60]}),
])
def test_columns_named_ri_ti_sdi_reach_escalc(tmp_path, capsys, measure, header, rows,
                                              kwargs) -> None:
    p = tmp_path / "t.csv"
    p.write_text("\n".join([header, *rows]) + "\n")
    code, out, err = run(["meta", str(p), "--measure", measure, "--labels", "study",
                          "--json"], capsys)
    assert code == 0, err
    want = ev.rma(ev.escalc(measure, **kwargs))
    got = strict_json(out)
    assert got["estimate"] == pytest.approx(want.estimate, rel=1e-12)
    assert got["tau2"] == pytest.approx(want.tau2, rel=1e-12, abs=1e-15)
