"""Command line: evisynth crs / icans / dose / schedule output, JSON, and one-line errors."""

from __future__ import annotations

import json
import os

import pytest

from evisynth.cli import main
from evisynth.clinic import DISCLAIMER


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_crs_prints_grade_reasons_source_and_disclaimer(capsys):
    code, out, err = run(
        capsys, "crs", "--temperature", "39.5", "--vasopressors", "1",
        "--oxygen", "nasal_cannula", "--flow", "2",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "CRS grade 3 (ASTCT 2019)"
    assert any("vasopressor" in x for x in lines[1:])
    assert any(x.startswith("Source: Lee DW") for x in lines)
    assert lines[-1] == DISCLAIMER


def test_crs_masked_fever_and_vasopressin_flags(capsys):
    code, out, _ = run(capsys, "crs", "--fever-masked", "--hypotension")
    assert code == 0
    assert out.startswith("CRS grade 2")
    code, out, _ = run(capsys, "crs", "-t", "38.1", "--vasopressors", "1", "--vasopressin")
    assert out.startswith("CRS grade 3")


def test_crs_json(capsys):
    code, out, _ = run(capsys, "crs", "-t", "38.0", "--oxygen", "bipap", "--json")
    assert code == 0
    d = json.loads(out)
    assert d["grade"] == 4
    assert d["disclaimer"] == DISCLAIMER


def test_icans_with_score_and_items(capsys):
    code, out, _ = run(capsys, "icans", "--ice", "3", "--seizure", "resolves_rapidly")
    assert code == 0
    assert out.startswith("ICANS grade 3 (ASTCT 2019, ICE score 3)")
    # Items 4,3,1,1,0 sum to 9 -> grade 1.
    code, out, _ = run(capsys, "icans", "--ice-items", "4,3,1,1,0")
    assert code == 0
    assert out.startswith("ICANS grade 1 (ASTCT 2019, ICE score 9)")
    assert out.splitlines()[-1] == DISCLAIMER


def test_dose_lymphodepletion(capsys):
    code, out, _ = run(capsys, "dose", "axi-cel", "--height", "160", "--weight", "90")
    assert code == 0
    assert "BSA 2.00 m²" in out
    assert "cyclophosphamide: 500 mg/m²/day = 1000.0 mg/day x 3 days, days -5, -4, -3" in out
    assert "fludarabine: 30 mg/m²/day = 60.0 mg/day" in out
    assert "Source: YESCARTA" in out
    assert out.splitlines()[-1] == DISCLAIMER


def test_dose_window_is_printed(capsys):
    code, out, _ = run(capsys, "dose", "Breyanzi", "--height", "144", "--weight", "25")
    assert code == 0
    assert "days -4, -3, -2 (earliest: -9, -8, -7)" in out


def test_dose_tocilizumab(capsys):
    code, out, _ = run(capsys, "dose", "tocilizumab", "--weight", "120")
    assert code == 0
    assert out.startswith("Tocilizumab 800 mg IV (may be given now)")
    assert "capped" in out
    code, out, _ = run(
        capsys, "dose", "tocilizumab", "--weight", "70", "--doses-given", "1",
        "--doses-last-24h", "1", "--hours-since-last", "4",
    )
    assert out.startswith("Tocilizumab 560 mg IV (NOT to be given now)")


def test_schedule_writes_ics(capsys, tmp_path):
    target = tmp_path / "plan.ics"
    code, out, err = run(capsys, "schedule", "2026-03-02", "axi-cel", "--ics", str(target))
    assert code == 0, err
    assert "2026-02-25 to 2026-02-27" in out
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600


@pytest.mark.parametrize(
    ("argv", "must_contain"),
    [
        (["crs", "--temperature", "60"], "temperature_c"),
        (["crs", "--temperature", "abc"], "--temperature"),
        (["crs", "-t", "39", "--oxygen", "tent"], "oxygen"),
        (["crs", "-t", "39", "--vasopressors", "1.5"], "vasopressors"),
        (["crs", "-t", "39", "--oxygen", "nasal_cannula"], "oxygen_flow_l_min"),
        (["icans", "--ice", "12"], "'ice'"),
        (["icans", "--ice-items", "5,3,1,1,1"], "orientation"),
        (["icans", "--ice-items", "4,3"], "--ice-items"),
        (["icans", "--ice", "5", "--ice-items", "4,3,1,1,1"], "--ice"),
        (["dose", "axi", "--height", "160", "--weight", "90"], "product"),
        (["dose", "axi-cel", "--height", "160", "--weight", "-90"], "weight_kg"),
        (["dose", "axi-cel", "--weight", "90"], "--height"),
        (["dose", "tocilizumab"], "--weight"),
        (["schedule", "2026-13-01", "axi-cel"], "infusion_date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, must_contain):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("evisynth: error:")
    assert must_contain in lines[0]
