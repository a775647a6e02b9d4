"""The `evisynth meta` and `evisynth example` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evisynth as ev
from evisynth.cli import main
from tests.conftest import load_reference

BCG = load_reference("rma")["datasets"]["bcg_RR"]


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def yi_vi_table(tmp_path: Path) -> Path:
    pairs = zip(BCG["yi"], BCG["vi"], strict=True)
    rows = "\n".join(f"S{i},{y!r},{v!r}" for i, (y, v) in enumerate(pairs))
    return write(tmp_path, "study,yi,vi\n" + rows + "\n")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_meta_json_keys_and_values_match_api(tmp_path, capsys) -> None:
    path = yi_vi_table(tmp_path)
    code, out, err = run(["meta", str(path), "--method", "DL", "--test", "knha", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    want = ev.rma(yi=BCG["yi"], vi=BCG["vi"], method="DL", test="knha").to_dict()
    # to_dict()'s keys are kept; the scales and the per-study rows are added.
    assert set(got) == set(want) | {"measure", "scale", "natural", "studies"}
    assert {k: got[k] for k in want} == pytest.approx(want, rel=1e-15)


def test_meta_default_output_is_readable(tmp_path, capsys) -> None:
    code, out, _ = run(["meta", str(yi_vi_table(tmp_path)), "--labels", "study"], capsys)
    assert code == 0
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in out


def test_meta_raw_counts_with_column_mapping(capsys) -> None:
    bcg = Path(ev.__file__).parent / "data" / "examples" / "bcg.csv"
    args = ["meta", str(bcg), "--measure", "RR", "--col", "ai=tpos", "--col", "bi=tneg",
            "--col", "ci=cpos", "--col", "di=cneg", "--json"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    # Same data as metafor's dat.bcg: the pooled REML estimate agrees with the oracle's yi/vi.
    want = ev.rma(yi=BCG["yi"], vi=BCG["vi"]).to_dict()
    assert json.loads(out)["estimate"] == pytest.approx(want["estimate"], rel=1e-12)


@pytest.mark.parametrize(
    ("content", "args", "fragments"),
    [
        ("yi,vi\n0.1,0.2\n0.3,abc\n", [], ["row 3", "column 'vi'", "'abc', not a number"]),
        ("yi,vi\n0.1,0.2\n0.3,\n", [], ["row 3", "column 'vi'", "empty"]),
        ("yi,v\n0.1,0.2\n0.3,0.1\n", [], ["no column 'vi'", "yi, v"]),
        ("yi,vi\n0.1,0.2\n0.3,-0.1\n", [], ["'vi'", "row 3", "greater than 0"]),
        ("yi,vi\n", [], ["no data rows"]),
        ("yi,vi\n0.1,0.2\n0.3,0.1\n", ["--method", "XX"], ["'method'", "REML"]),
        ("ai,bi,ci,di\n5,10,-1,9\n", ["--measure", "RR"], ["'ci'", "row 2"]),
        ("ai,bi,ci,di\n5,10,1,9\n", ["--measure", "RR", "--col", "ai"], ["ARGUMENT=COLUMN"]),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, content, args, fragments) -> None:
    path = write(tmp_path, content)
    before = path.read_bytes()
    code, _, err = run(["meta", str(path), *args], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("evisynth: error:"), err
    assert "Traceback" not in err
    for frag in fragments:
        assert frag in err, f"{frag!r} not in {err!r}"
    assert path.read_bytes() == before  # input never modified


def test_missing_file(capsys, tmp_path) -> None:
    code, _, err = run(["meta", str(tmp_path / "nope.csv")], capsys)
    assert code == 2 and "file not found" in err


def test_example_runs_real_analysis(capsys) -> None:
    code, out, _ = run(["example", "--json"], capsys)
    assert code == 0
    res = json.loads(out)
    want = ev.rma(yi=BCG["yi"], vi=BCG["vi"], test="knha").to_dict()
    assert res["REML_knha"] == pytest.approx(want, rel=1e-9)
    assert res["tau2_ci"]["tau2_lb"] < res["REML_z"]["tau2"] < res["tau2_ci"]["tau2_ub"]


def test_reported_hazard_ratios_with_ci_or_p_value(tmp_path, capsys) -> None:
    # Row 2 gives a CI, row 3 only a p-value: empty CI cells are allowed for reported ratios.
    path = write(tmp_path, "study,hr,ci_lb,ci_ub,pval\nA,0.5,0.3,0.83,\nB,0.7,,,0.04\n")
    code, out, err = run(["meta", str(path), "--measure", "HR", "--labels", "study",
                          "--method", "FE", "--json"], capsys)
    assert code == 0, err
    es = ev.escalc("HR", hr=[0.5, 0.7], ci_lb=[0.3, float("nan")], ci_ub=[0.83, float("nan")],
                   pval=[float("nan"), 0.04])
    want = ev.rma(es, method="FE").to_dict()
    got = json.loads(out)
    assert {k: got[k] for k in want} == pytest.approx(want, rel=1e-15)


def test_non_numeric_ci_cell_still_rejected(tmp_path, capsys) -> None:
    path = write(tmp_path, "hr,ci_lb,ci_ub\n0.5,0.3,x\n0.7,0.5,0.9\n")
    code, _, err = run(["meta", str(path), "--measure", "HR"], capsys)
    assert code == 2 and "row 2, column 'ci_ub'" in err
