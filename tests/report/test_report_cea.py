"""The cost-effectiveness section of the bundled report: present, and equal to the econ
package run on the same inputs (the review's pooled results as overrides)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evisynth import econ
from evisynth.review import load_bundled

MODEL = "cart_2l_lbcl"


@pytest.fixture(scope="module")
def results(bundled_run: Path) -> dict[str, Any]:
    return json.loads((bundled_run / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def overrides(results: dict[str, Any]) -> dict[str, Any]:
    """The overrides rebuilt from the review's own headline numbers in results.json."""
    spec = load_bundled("cart_dlbcl").cea
    assert spec is not None
    out = {}
    for name, key in spec.overrides.items():
        h = results["outcomes"][key]["headline"]
        out[name] = {"value": h["estimate"], "low": h["ci_lb"], "high": h["ci_ub"]}
    return out


def test_results_json_has_the_cost_effectiveness_key(results: dict[str, Any],
                                                      overrides: dict[str, Any]) -> None:
    ce = results["cost_effectiveness"]
    assert ce["model"] == MODEL and ce["psa_draws"] == 2000
    for name, ov in overrides.items():
        used = ce["overrides"][name]
        assert (used["estimate"], used["ci_lb"], used["ci_ub"]) == (
            ov["value"], ov["low"], ov["high"])


def test_numbers_equal_summarise_model_on_the_same_overrides(
        results: dict[str, Any], overrides: dict[str, Any], bundled_run: Path) -> None:
    ce = results["cost_effectiveness"]
    spec = load_bundled("cart_dlbcl").cea
    assert spec is not None
    s = econ.summarise_model(MODEL, overrides=overrides, n_psa=spec.psa_draws, seed=spec.seed)
    assert s.wtp == 150_000
    assert ce["icer"] == pytest.approx(s.icer, rel=1e-12)
    assert ce["by_wtp"]["150000"]["prob_cost_effective"] == s.prob_cost_effective
    assert ce["by_wtp"]["150000"]["evpi_per_patient"] == pytest.approx(s.evpi_per_patient,
                                                                       rel=1e-12)
    # the other threshold: the same model and draws summarised at 100,000
    mf = econ.load_model(MODEL, overrides=overrides)
    psa = mf.model.psa(spec.psa_draws, seed=spec.seed)
    s100 = econ.report_summary(mf.run("exact"), psa=psa, wtp=100_000, model_file=mf)
    assert ce["by_wtp"]["100000"]["prob_cost_effective"] == s100.prob_cost_effective
    assert ce["by_wtp"]["100000"]["inmb"] == pytest.approx(s100.inmb, rel=1e-12)
    # and the report prints those numbers
    md = (bundled_run / "report.md").read_text(encoding="utf-8")
    sec = md[md.index("## Cost-effectiveness"):]
    sec = sec[:sec.index("\n## ", 5)]
    assert f"USD {s.icer:,.0f} per QALY gained" in sec
    assert (f"| USD 100,000 per QALY | USD {s.icer:,.0f} | USD {s100.inmb:,.0f} |" in sec)
    for w, x in ((100_000, s100.prob_cost_effective), (150_000, s.prob_cost_effective)):
        assert (f"At USD {w:,} per QALY: incremental net monetary benefit" in sec
                and f"cost-effective {x:.2f} in 2,000 draws" in sec)
    # the ICER without the review's numbers is the model file's own base case
    own = econ.load_model(MODEL).run("exact").icer(mf.intervention, mf.comparator)
    assert ce["icer_without_overrides"] == pytest.approx(own, rel=1e-12)
    assert f"USD {own:,.0f} per QALY" in sec


def test_the_claim_is_checked_against_the_model_and_horizon(
        results: dict[str, Any], overrides: dict[str, Any], bundled_run: Path) -> None:
    spec = load_bundled("cart_dlbcl").cea
    assert spec is not None
    claim = spec.claims[0]
    mf = econ.load_model(MODEL, overrides=overrides)
    h = econ.horizon_check(mf.model, mf.intervention, mf.comparator,
                           claimed_icer=claim.icer, horizon=claim.horizon)
    got = results["cost_effectiveness"]["claims"][0]["check"]
    assert got["model_icer"] == pytest.approx(h.model_icer, rel=1e-12)
    assert got["max_qaly_gain"] == pytest.approx(h.max_qaly_gain, rel=1e-12)
    md = (bundled_run / "report.md").read_text(encoding="utf-8")
    assert all(sent in md for sent in h.sentences)
    assert "QALYs are gained, not saved" in md


def test_the_section_shows_figures_inputs_and_benchmarks(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text(encoding="utf-8")
    for name in ("cea-ceac", "cea-tornado"):
        fig = re.search(rf'<figure data-name="{name}"><div class="fig"><svg[^>]*'
                        r'aria-label="([^"]+)"', html)
        assert fig is not None and len(fig.group(1)) > 80
    md = (bundled_run / "report.md").read_text(encoding="utf-8")
    sec = md[md.index("## Cost-effectiveness"):md.index("## Limitations")]
    mf = econ.load_model(MODEL)
    rows = [cells for ln in sec.splitlines() if ln.startswith("| ")
            for cells in [re.split(r"(?<!\\)\|", ln)] if len(cells) == 8]
    named = {cells[1].strip() for cells in rows}
    assert set(mf.inputs) <= named  # every input listed
    for cells in rows:
        name, ln = cells[1].strip(), "|".join(cells)
        if name in mf.inputs and mf.inputs[name].assumption and name not in (
                "hr_os", "hr_efs", "p_crs_g3", "p_icans_g3"):
            assert "| ASSUMPTION |" in ln
    for b in mf.benchmarks:
        assert f"USD {float(b['icer']):,.0f}" in sec
    assert "### Beside the published ICERs" in sec and "Why the numbers differ" in sec
