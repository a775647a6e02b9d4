"""`evisynth meta --bayes`: the Bayesian analysis from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evisynth as ev
from evisynth.cli import main
from tests.conftest import load_reference

HR = load_reference("bayesmeta")["datasets"]["three_hr"]


def table(tmp_path: Path) -> Path:
    rows = "\n".join(f"S{i},{y!r},{v!r}" for i, (y, v) in enumerate(zip(HR["yi"], HR["vi"],
                                                                        strict=True)))
    p = tmp_path / "t.csv"
    p.write_text("study,yi,vi\n" + rows + "\n")
    return p


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_bayes_json_matches_the_api(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["meta", str(table(tmp_path)), "--labels", "study", "--bayes",
                          "--tau-prior", "halfnormal:0.5", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    want = ev.bayesmeta(yi=HR["yi"], vi=HR["vi"], tau_prior="halfnormal:0.5").to_dict()
    for key in ("estimate", "ci_lb", "ci_ub", "tau", "tau_lb", "tau_ub", "pi_lb", "pi_ub"):
        assert got[key] == pytest.approx(want[key], rel=1e-12)
    assert got["bf01_mu0"] is None  # undefined under the flat effect prior


def test_bayes_text_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["meta", str(table(tmp_path)), "--bayes", "--tau-prior",
                        "halfcauchy:1"], capsys)
    assert code == 0
    assert "Bayesian random-effects meta-analysis (k = 3)" in out
    assert "half-Cauchy(scale=1)" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--bayes", "--tau-prior", "gamma:1"], "unknown prior 'gamma'"),
    (["--bayes", "--tau-prior", "halfnormal:-1"], "greater than 0"),
    (["--bayes"], "no default heterogeneity prior"),
    (["--tau-prior", "halfnormal:0.5"], "needs --bayes"),
])
def test_bad_bayes_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  args: list[str], message: str) -> None:
    code, _, err = run(["meta", str(table(tmp_path)), *args], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
