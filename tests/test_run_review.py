"""``ev.run_review`` from Python, and the review-format page shipped with the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evisynth as ev
from evisynth.cli import main
from evisynth.report import results_json
from evisynth.review import bundled_path, load_bundled
from evisynth.review.analyse import analyse_review

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bcg() -> ev.ReviewResults:
    return ev.run_review("bcg_vaccine")


def test_run_review_equals_the_cli_pipeline(bcg) -> None:
    want = analyse_review(load_bundled("bcg_vaccine"))
    assert results_json(bcg) == results_json(want)
    folder = ev.run_review(bundled_path("bcg_vaccine"))
    assert results_json(folder) == results_json(want)


def test_frame_and_repr(bcg) -> None:
    fr = bcg.to_frame()
    s = bcg.outcomes[0].primary
    assert s is not None
    row = fr.iloc[0]
    assert (row["outcome"], row["k"]) == ("tb", s.k)
    for key in ("estimate", "ci_lb", "ci_ub"):
        assert row[key] == s.reported[key]
    assert row["tau2"] == s.fit.tau2
    h = bcg._repr_html_()
    assert bcg.review.title in h and "<table" in h
    assert bcg.outcomes[0].outcome.label in str(bcg)


def test_write_gives_the_cli_files(bcg, tmp_path, capsys) -> None:
    written = bcg.write(tmp_path / "py")
    assert sorted(written) == ["report.html", "report.md", "results.json"]
    assert main(["run", str(bundled_path("bcg_vaccine")), "-o", str(tmp_path / "cli"),
                 "--quiet"]) == 0
    capsys.readouterr()
    for name in ("results.json", "report.md"):
        assert (tmp_path / "py" / name).read_text() == (tmp_path / "cli" / name).read_text()
    json.loads((tmp_path / "py" / "results.json").read_text())


def test_write_refuses_a_file_and_the_review_folder(bcg, tmp_path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ev.InputError, match="out_dir"):
        bcg.write(f)
    with pytest.raises(ev.InputError, match="review folder"):
        bcg.write(bundled_path("bcg_vaccine"))


def test_run_review_of_something_that_is_not_a_review(tmp_path) -> None:
    with pytest.raises(ev.InputError, match="not a review folder"):
        ev.run_review(tmp_path / "missing" / "x")


# --- the review-format page on the user's machine ---------------------------------


def test_package_copy_of_review_format_is_the_docs_page() -> None:
    assert ev.review_format_doc().read_text(encoding="utf-8") == (
        REPO / "docs" / "review-format.md").read_text(encoding="utf-8")


def test_new_points_to_an_installed_file(tmp_path, capsys) -> None:
    assert main(["new", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    path = out.rsplit("format described in ", 1)[1].rstrip(")\n")
    assert Path(path).is_file() and Path(path) == ev.review_format_doc()
    toml = (tmp_path / "r" / "review.toml").read_text()
    assert "evisynth.review_format_doc()" in toml and "docs/review-format.md" not in toml


def test_exported_function_is_not_hidden_by_its_subpackage() -> None:
    import subprocess
    import sys

    code = ("import evisynth.simulate.config, evisynth as ev; ev.SimDesign; "
            "import evisynth.audit.checks; assert callable(ev.simulate) and callable(ev.audit); "
            "d = ev.SimDesign(k=[2], tau=[0.1], mu=0, vi=0.1); "
            "assert len(ev.simulate(d, [('REML', 'z')], reps=50, seed=1)) == 1; "
            "assert ev.audit('HR 0.5 (95% CI 0.4-0.6)').items")
    subprocess.run([sys.executable, "-c", code], check=True)
