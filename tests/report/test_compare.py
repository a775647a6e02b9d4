"""`evisynth run --compare`: the living-review "What changed" section."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.cli import main
from evisynth.review.compare import compare_results


def test_two_identical_runs_report_no_change(bundled_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    assert main(["run", "-o", str(out), "--quiet", "--compare",
                 str(bundled_run / "results.json")]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## What changed" in md and "no change in any estimate" in md
    assert (out / "results.json").read_bytes() == (bundled_run / "results.json").read_bytes()
    old = json.loads((bundled_run / "results.json").read_text())
    assert compare_results(old, old).items == ()


def test_moved_estimate_certainty_and_inputs_are_listed(bundled_run: Path,
                                                        tmp_path: Path) -> None:
    old = json.loads((bundled_run / "results.json").read_text())
    edited = copy.deepcopy(old)
    efs = edited["outcomes"]["efs"]
    efs["transformed"]["estimate"] = 0.39
    efs["certainty"]["certainty"] = "moderate"
    dropped = efs["studies"].pop()          # the previous run did not have this input
    efs["studies"][0]["yi"] += 0.01         # ... and had another value for this one
    prev = tmp_path / "old.json"
    prev.write_text(json.dumps(edited), encoding="utf-8")
    out = tmp_path / "new"
    assert main(["run", "-o", str(out), "--quiet", "--compare", str(prev)]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    section = md[md.index("## What changed"):md.index("## Question")]
    assert "estimate and interval" in section and "certainty" in section
    assert "input added" in section and dropped["label"] in section
    assert "input updated" in section


def test_compare_with_a_bad_file_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["run", "-o", str(tmp_path / "o"), "--quiet", "--compare", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--compare" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["run", "-o", str(tmp_path / "o"), "--quiet", "--compare",
                 str(tmp_path)]) == 2


@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 5), st.floats(0.01, 1), st.floats(1.01, 9))
def test_compare_is_symmetric_in_what_it_finds(est: float, lb: float, ub: float) -> None:
    a = {"outcomes": {"x": {"label": "X", "design": "D", "studies": [],
                            "transformed": {"estimate": est, "ci_lb": lb, "ci_ub": ub}}}}
    b = copy.deepcopy(a)
    b["outcomes"]["x"]["transformed"]["estimate"] = est * 1.5
    assert compare_results(a, a).items == ()
    forward, back = compare_results(a, b).items, compare_results(b, a).items
    assert [c.kind for c in forward] == [c.kind for c in back] == ["estimate and interval"]
