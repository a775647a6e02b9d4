"""Exact integration against the independent base-R implementation (tests/reference/econ.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.econ._models import reference_model

REF = json.loads((Path(__file__).parents[1] / "reference" / "econ.json").read_text())
RTOL = 1e-8


@pytest.fixture(scope="module")
def result():
    return reference_model().run("exact")


@pytest.mark.parametrize("arm", ["A", "B", "C"])
@pytest.mark.parametrize(
    ("key", "attr"),
    [("cost", "costs"), ("cost_u", "costs_undiscounted"), ("qaly", "qalys"),
     ("qaly_u", "qalys_undiscounted"), ("ly", "life_years")],
)
def test_arm_totals_match_r(result, arm, key, attr):
    assert getattr(result, attr)[arm] == pytest.approx(REF[arm][key], rel=RTOL)


@pytest.mark.parametrize("arm", ["A", "B", "C"])
def test_state_life_years_match_r(result, arm):
    assert result.life_years_by_state[arm]["pf"] == pytest.approx(REF[arm]["ly_pf"], rel=RTOL)
    assert result.life_years_by_state[arm]["pd"] == pytest.approx(REF[arm]["ly_pd"], rel=RTOL)


@pytest.mark.parametrize(("a", "b"), [("A", "B"), ("C", "B"), ("C", "A")])
def test_icers_match_r(result, a, b):
    icer_r = (REF[a]["cost"] - REF[b]["cost"]) / (REF[a]["qaly"] - REF[b]["qaly"])
    assert result.icer(a, b) == pytest.approx(icer_r, rel=RTOL)


def test_clip_is_reported_where_r_finds_the_crossing(result):
    (lo, hi), = result.clipped["A"]
    assert lo < 1e-6
    assert hi == pytest.approx(REF["cross_A"], rel=1e-8)


def test_dominance(result):
    rows = {r["arm"]: r["status"] for r in result.incremental_table().to_dict("records")}
    # C costs least and gives most QALYs in the R numbers: it dominates both
    assert REF["C"]["cost"] < min(REF["A"]["cost"], REF["B"]["cost"])
    assert REF["C"]["qaly"] > max(REF["A"]["qaly"], REF["B"]["qaly"])
    assert rows == {"C": "reference", "A": "dominated", "B": "dominated"}
