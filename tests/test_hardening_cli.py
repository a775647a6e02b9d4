"""Issue #9 on the command line: D1, C1, C3, C4, M3, M4, M7, W4/W5 (standard JSON)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evisynth.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evisynth: error: "), err
    assert "Traceback" not in err and "np." not in err
    return lines[0]


def strict_json(text: str) -> object:
    def refuse(token: str) -> float:
        raise AssertionError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


CURVE = "time,survival\n0,1\n1,1\n1,0.9\n2,0.9\n2,0.8\n3,0.8\n"


# --- D1: an output path equal to an input is refused ----------------------------


def test_d1_reconstruct_output_equal_to_input_is_refused(tmp_path: Path, capsys) -> None:
    km = tmp_path / "km.csv"
    km.write_text(CURVE)
    code, _, err = run(["reconstruct", str(km), "-o", str(km), "-n", "10"], capsys)
    assert code == 2
    assert "input" in one_error_line(err)
    assert km.read_text() == CURVE


def test_d1_reconstruct_output_through_symlink_is_refused(tmp_path: Path, capsys) -> None:
    km = tmp_path / "km.csv"
    km.write_text(CURVE)
    (tmp_path / "link.csv").symlink_to(km)
    code, _, err = run(["reconstruct", str(km), "-o", str(tmp_path / "link.csv"), "-n", "10"],
                       capsys)
    assert code == 2
    one_error_line(err)
    assert km.read_text() == CURVE


def test_d1_survival_plot_equal_to_input_is_refused(tmp_path: Path, capsys) -> None:
    ipd = tmp_path / "x.csv"
    text = "arm,time,event\nA,1,1\nA,2,0\nA,3,1\nB,1.5,1\nB,2.5,1\nB,4,0\n"
    ipd.write_text(text)
    code, _, err = run(["survival", str(ipd), "--arm", "arm", "--plot", str(ipd)], capsys)
    assert code == 2
    one_error_line(err)
    assert ipd.read_text() == text


# --- C1: empty arm cell ----------------------------------------------------------


def test_c1_empty_arm_cell_names_row(tmp_path: Path, capsys) -> None:
    ipd = tmp_path / "x.csv"
    ipd.write_text("arm,time,event\nA,1,1\n,2,0\nB,3,1\nB,4,1\nA,5,0\n")
    code, _, err = run(["survival", str(ipd), "--arm", "arm"], capsys)
    assert code == 2
    line = one_error_line(err)
    assert "row 3" in line and "'arm'" in line and "empty" in line


def test_c1_missing_arm_label_in_the_api() -> None:
    import pandas as pd

    import evisynth as ev

    df = pd.DataFrame({"arm": ["A", None, "B", "B", "A"], "time": [1, 2, 3, 4, 5],
                       "event": [1, 0, 1, 1, 0]})
    with pytest.raises(ev.InputError, match="subject 2"):
        ev.compare_arms(df)


# --- C3, C4 --------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_c3_schedule_date_out_of_range(day: str, capsys) -> None:
    code, _, err = run(["schedule", day, "axi-cel"], capsys)
    assert code == 2
    assert "infusion_date" in one_error_line(err)


def test_c4_reconstruct_huge_n_is_refused(tmp_path: Path, capsys) -> None:
    km = tmp_path / "km.csv"
    km.write_text(CURVE)
    code, _, err = run(["reconstruct", str(km), "-o", str(tmp_path / "o.csv"),
                        "-n", "1000000000000"], capsys)
    assert code == 2
    assert "'n'" in one_error_line(err)


# --- M3: meta names the file; NA is not called empty ------------------------------


def test_m3_meta_yi_vi_errors_name_the_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n0.1,0.2\n0.3,-1\n")
    code, _, err = run(["meta", str(p), "--method", "DL"], capsys)
    assert code == 2
    line = one_error_line(err)
    assert str(p) in line and "'vi'" in line and "row 3" in line


@pytest.mark.parametrize("token", ["NA", "NaN", "null"])
def test_m3_missing_value_tokens_are_not_called_empty(tmp_path: Path, capsys, token: str) -> None:
    p = tmp_path / "t.csv"
    p.write_text(f"yi,vi\n0.1,0.2\n0.3,{token}\n")
    code, _, err = run(["meta", str(p)], capsys)
    assert code == 2
    line = one_error_line(err)
    assert "empty" not in line and repr(token) in line and "row 3" in line


# --- M4: Python warnings become one line ---------------------------------------


def test_m4_warning_is_one_evisynth_line(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n1,1\n1,1\n1,1\n")
    code, _, err = run(["meta", str(p), "--test", "knha"], capsys)
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evisynth: warning: "), err
    assert ".py" not in err


# --- W4/W5: standard JSON --------------------------------------------------------


def test_w5_identical_effects_knha_json_is_standard(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n1,1\n1,1\n1,1\n")
    code, out, _ = run(["meta", str(p), "--test", "knha", "--json"], capsys)
    assert code == 0
    got = strict_json(out)
    assert isinstance(got, dict)
    assert got["tval"] == "inf" and got["se"] == 0.0


def test_w4_extreme_values_are_refused_not_printed_as_nan(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n1,1e-309\n2,1\n")
    code, out, err = run(["meta", str(p), "--json"], capsys)
    assert code == 2 and out == ""
    assert "'vi'" in one_error_line(err)


def test_w4_example_json_is_standard(capsys) -> None:
    code, out, _ = run(["example", "--json"], capsys)
    assert code == 0
    strict_json(out)


def test_plain_json_rule() -> None:
    from evisynth.cli._io import json_text

    text = json_text({"a": math.inf, "b": -math.inf, "c": math.nan, "d": [1.5]})
    assert strict_json(text) == {"a": "inf", "b": "-inf", "c": None, "d": [1.5]}


# --- M7: bounded echo ------------------------------------------------------------


def test_m7_huge_cell_is_not_echoed_whole(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n0.1,0.2\n0.3," + "x" * 5_000_000 + "\n")
    code, _, err = run(["meta", str(p)], capsys)
    assert code == 2
    assert len(one_error_line(err)) < 500


def test_m7_long_path_is_not_echoed_whole(tmp_path: Path, capsys) -> None:
    long = "/" + "d" * 5000 + "/missing.csv"
    code, _, err = run(["meta", long], capsys)
    assert code == 2
    line = one_error_line(err)
    assert len(line) < 300 and "missing.csv" in line


def test_m7_nul_byte_in_path(capsys) -> None:
    code, _, err = run(["meta", "a\x00b.csv"], capsys)
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evisynth: "), err


# --- M2: one line, whatever the source of the text --------------------------------


def test_m2_tokenizer_error_is_one_line(tmp_path: Path, capsys) -> None:
    p = tmp_path / "t.csv"
    p.write_text("yi,vi\n1,2\n3,4,5,6\n")
    code, _, err = run(["meta", str(p)], capsys)
    assert code == 2
    one_error_line(err)


def test_m2_input_error_is_always_one_line() -> None:
    import numpy as np

    from evisynth.errors import InputError

    msg = str(InputError(f"bad value {np.float64(np.inf)!r}\nSeries\r\x1b[31mred"))
    assert "\n" not in msg and "\r" not in msg and "\x1b" not in msg
    assert "np.float64" not in msg and "bad value inf" in msg


def test_m2_review_error_keeps_its_problem_lines() -> None:
    from evisynth.review import ReviewError
    from evisynth.review.errors import Problem

    err = ReviewError("r", [Problem("a.csv", 2, "x", "bad"), Problem("b.csv", 3, "y", "bad")])
    assert len(str(err).splitlines()) == 3


def test_survival_with_one_event_time_is_an_input_error(tmp_path: Path, capsys) -> None:
    """Found by tests/fuzz: cox.zph with a single event time raised LinAlgError."""
    p = tmp_path / "s.csv"
    p.write_text("arm,time,event\nA,1,1\n0,1,1\n")
    code, _, err = run(["survival", str(p), "--arm", "arm"], capsys)
    assert code == 2
    assert "cox.zph" in one_error_line(err)
