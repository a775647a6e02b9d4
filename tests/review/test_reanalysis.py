"""Reviews that carry digitised Kaplan–Meier curves: loading, reanalysis and report."""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest

import evisynth as ev
from evisynth.cli import main
from evisynth.review import ReviewError, bundled_path, load_review

EXAMPLES = Path(str(files("evisynth") / "data" / "examples"))
FOLDER = bundled_path("example_km")


@pytest.mark.parametrize(("copy", "original"), [
    ("km_cart.csv", "simulated_trial_km_cart.csv"), ("km_soc.csv", "simulated_trial_km_soc.csv"),
    ("nar_cart.csv", "simulated_trial_nar_cart.csv"),
    ("nar_soc.csv", "simulated_trial_nar_soc.csv"),
])
def test_example_curves_are_the_simulated_example_files(copy: str, original: str) -> None:
    assert (FOLDER / "curves" / copy).read_bytes() == (EXAMPLES / original).read_bytes()


def test_run_reports_the_reanalysis_of_the_synthetic_example(tmp_path: Path) -> None:
    assert main(["run", str(FOLDER), "-o", str(tmp_path), "--quiet"]) == 0
    res = json.loads((tmp_path / "results.json").read_text())["reanalyses"]["sim-cart-01"]
    assert res["synthetic"] is True
    # Same result as running the survival API by hand on the same files.
    arms = {"CAR-T": ("cart", 109), "Standard care": ("soc", 132)}
    ipd = pd.concat([
        ev.reconstruct_ipd(pd.read_csv(EXAMPLES / f"simulated_trial_km_{f}.csv"),
                           pd.read_csv(EXAMPLES / f"simulated_trial_nar_{f}.csv"),
                           total_events=d, n=180).ipd.assign(arm=a)
        for a, (f, d) in arms.items()
    ], ignore_index=True)
    want = ev.compare_arms(ipd, reference="Standard care", landmarks=[12, 24], tau=36).to_dict()
    assert res["comparison"]["cox"]["hr"] == pytest.approx(want["cox"]["hr"], rel=1e-12)
    assert res["comparison"]["rmst"]["difference"] == pytest.approx(
        want["rmst"]["difference"], rel=1e-12)
    assert res["reconstruction"]["CAR-T"]["at_risk_max_abs_diff"] == 0
    md = (tmp_path / "report.md").read_text()
    assert "SYNTHETIC EXAMPLE" in md and "Cox hazard ratio (CAR-T vs Standard care)" in md
    assert 'data-name="km-sim-cart-01"' in (tmp_path / "report.html").read_text()


def broken_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "review"
    shutil.copytree(FOLDER, dst)
    return dst


def test_every_curve_problem_is_reported_at_once(tmp_path: Path) -> None:
    d = broken_copy(tmp_path)
    (d / "curves" / "nar_soc.csv").unlink()
    (d / "curves" / "km_cart.csv").write_text("time,survival\n0,1\n1,abc\n2,0.9\n")
    (d / "curves" / "nar_cart.csv").write_text("t,n\n0,180\n")
    toml = (d / "review.toml").read_text().replace('curve = "curves/km_soc.csv"',
                                                   'curve = "../outside.csv"')
    (d / "review.toml").write_text(toml)
    with pytest.raises(ReviewError) as err:
        load_review(d)
    text = str(err.value)
    for fragment in ("file 'curves/nar_soc.csv' not found",
                     "curves/km_cart.csv, row 3, column 'survival': cell is 'abc', not a number",
                     "curves/nar_cart.csv, row 1: header is t, n; expected time, n_risk",
                     "'../outside.csv' must be a file inside the review folder"):
        assert fragment in text, fragment


def test_a_reanalysis_needs_two_differently_named_arms(tmp_path: Path) -> None:
    d = broken_copy(tmp_path)
    toml = (d / "review.toml").read_text().replace('arm = "Standard care"', 'arm = "CAR-T"')
    (d / "review.toml").write_text(toml)
    with pytest.raises(ReviewError, match="exactly two arms with different names"):
        load_review(d)


def test_bundled_cart_review_has_no_synthetic_reanalysis() -> None:
    assert ev.load_review(bundled_path("cart_dlbcl")).reanalyses == ()
