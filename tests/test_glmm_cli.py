"""``evisynth meta ... --glmm`` and the proportions forest plot."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import evisynth as ev
from evisynth.cli import app, main
from evisynth.plots.proportions import forest_proportions

runner = CliRunner()


def test_cli_glmm_matches_the_api(tmp_path: Path) -> None:
    f = tmp_path / "tox.csv"
    f.write_text("study,events,total\nA,4,40\nB,0,25\nC,7,52\n")
    res = runner.invoke(app, ["meta", str(f), "--measure", "PLO", "--col", "xi=events",
                              "--col", "ni=total", "--glmm", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    fit = ev.rma_glmm("PLO", xi=[4, 0, 7], ni=[40, 25, 52])
    assert out["estimate"] == pytest.approx(fit.estimate, rel=1e-12)
    assert out["QE_LRT"] == pytest.approx(fit.QE_LRT, rel=1e-12)


def test_cli_glmm_bad_counts_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("events,total\n4,40\n9,5\n")
    code = main(["meta", str(f), "--measure", "PLO", "--col", "xi=events", "--col", "ni=total",
                 "--glmm"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "study 2 ('row 3'): 9 events exceed the total ni=5" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_forest_proportions_draws_every_study() -> None:
    fit = ev.rma_glmm("PLO", xi=[4, 0, 7], ni=[40, 25, 52], labels=["A", "B", "C"])
    fig = forest_proportions(fit, ci_method="wilson")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"A", "B", "C", "4/40", "0/25", "7/52", "11/117"} <= set(texts)
    ci = ev.proportion_ci([4, 0, 7], [40, 25, 52], method="wilson")
    assert f"0.0% [0.0%, {100 * ci.ci_ub[1]:.1f}%]" in texts


def test_forest_proportions_flags_a_flat_likelihood() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ev.rma_glmm("PLO", xi=[0, 2], ni=[2, 2])
    texts = [t.get_text() for t in forest_proportions(fit).axes[0].texts]
    assert any("nearly flat" in t for t in texts)


def test_forest_proportions_rejects_other_results() -> None:
    fit = ev.rma(yi=[0.1, 0.3], vi=[0.1, 0.2])
    with pytest.raises(ev.InputError, match="measure='PLO'"):
        forest_proportions(fit)  # type: ignore[arg-type]
