"""The bundled CAR-T review: loads, follows the data rules, and feeds escalc exactly."""

from __future__ import annotations

import csv
import math
import warnings

import numpy as np
import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.review import (
    ANALYSABLE,
    Review,
    bundled_path,
    load_bundled,
    load_review,
)

FOLDER = bundled_path("cart_dlbcl")


@pytest.fixture(scope="module")
def review() -> Review:
    return load_bundled("cart_dlbcl")


def raw_rows() -> list[dict[str, str]]:
    """outcomes.csv read with the csv module, independently of the loader."""
    with open(FOLDER / "outcomes.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def raw_designs() -> dict[str, tuple[str, str]]:
    with open(FOLDER / "studies.csv", encoding="utf-8", newline="") as fh:
        return {r["study_id"]: (r["trial"], r["design"]) for r in csv.DictReader(fh)}


def test_bundled_review_loads_with_all_parts(review: Review) -> None:
    assert review.analysis.method == "REML" and review.analysis.test == "knha"
    assert [o.key for o in review.outcomes] == [
        "efs", "pfs", "os", "cr", "orr", "crs_g3", "ne_g3"]
    assert {o.measure for o in review.outcomes} == {"HR", "RR", "PLO"}
    assert {a.test for a in review.analysis.alternatives} == {"z", "adhoc"}
    keys = {s.key for s in review.analysis.sensitivity}
    assert keys == {"dl", "fe", "leave-one-out", "earlier-cut", "crossover-adjusted",
                    "verified-only", "leads"}
    assert {g.column for g in review.subgroups} == {
        "intervention", "design", "feature:efs_week12", "feature:bridging",
        "feature:crossover", "feature:time_to_infusion", "grading"}
    assert review.trials[:3] == ("ZUMA-7", "TRANSFORM", "BELINDA")
    assert review.prisma.search_reproduced is False
    assert review.prisma.records_databases is None  # not stated: the search is not reproduced


def test_same_object_from_path_and_bundled(review: Review) -> None:
    assert load_review(FOLDER) == review


def test_objects_are_immutable(review: Review) -> None:
    with pytest.raises(Exception, match="frozen"):
        review.title = "x"  # type: ignore[misc]
    with pytest.raises(Exception, match="frozen"):
        review.rows[0].estimate = 1.0  # type: ignore[misc]


def test_every_row_carries_provenance(review: Review) -> None:
    for r in review.rows:
        assert r.source and r.location and r.verification in (
            "verified-in-source", "from-secondary-source")
        # a row names its source rows, or (a value quoted only in the extraction's
        # narrative) the narrative file and the quoted sentence
        assert r.source_rows or (r.source_file and r.source_file in r.location), r.row_id
        if r.derived:
            assert r.derivation and "round(" in r.derivation


def test_leads_never_primary_and_rcts_primary(review: Review) -> None:
    for r in review.rows:
        if r.lead_only:
            assert r.analysis in ("lead", "alternative"), r.row_id
            assert "ONLY in" in r.location or "GitHub" in r.source, r.row_id
    primary_rct = {review.study(r.study_id).trial for r in review.rows
                   if r.analysis == "primary" and review.study(r.study_id).design == "RCT"}
    # every eligible randomised trial is in the primary analysis (BELINDA: corroborated)
    assert primary_rct == {"ZUMA-7", "TRANSFORM", "BELINDA"}


def test_x2026_is_excluded_with_the_reason(review: Review) -> None:
    (x,) = [e for e in review.exclusions if e.id == "X-2026"]
    assert "double-blind, placebo-controlled" in x.reason
    assert "registry" in x.reason and "journal" in x.reason
    assert not any("X-2026" in s.study_id for s in review.studies)
    assert review.prisma.reports_excluded == len(review.exclusions)


def test_latest_cut_is_primary_for_transform_and_zuma7_os(review: Review) -> None:
    _, used = review.effect_sizes("os")
    assert [u.study_id for u in used] == ["ZUMA7_Westin2023", "TRANSFORM_Kamdar2025"]
    _, early = review.effect_sizes("os", analysis="earlier-cut")
    assert [u.study_id for u in early] == ["ZUMA7_Locke2022", "TRANSFORM_Abramson2023"]
    _, xo = review.effect_sizes("os", analysis="crossover-adjusted")
    assert [u.row.analysis for u in xo] == ["primary", "crossover-adjusted"]


def test_lead_analysis_adds_belinda(review: Review) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        es, used = review.effect_sizes("os", analysis="lead")
    assert [u.study.trial for u in used] == ["ZUMA-7", "TRANSFORM", "BELINDA"]
    assert all(u.row.lead_only for u in used if u.study.trial == "BELINDA")
    assert len(es.yi) == 3


def test_designs_are_separate_strata(review: Review) -> None:
    _, rct = review.effect_sizes("os", design="RCT")
    _, ext = review.effect_sizes("os", design="external-control")
    assert {u.study.design for u in rct} == {"RCT"}
    assert {u.study.design for u in ext} == {"external-control"}
    _, both = review.effect_sizes("os", design=None)
    assert len(both) == len(rct) + len(ext) + 1  # + the registry cohort


def test_verified_only_drops_secondary_rows(review: Review) -> None:
    _, all_rows = review.effect_sizes("orr")
    _, verified = review.effect_sizes("orr", verified_only=True)
    assert any(not u.row.verified for u in all_rows)
    assert all(u.row.verified for u in verified) and len(verified) < len(all_rows)


def test_empty_selection_and_bad_arguments_raise(review: Review) -> None:
    with pytest.raises(InputError, match="no 'primary' rows"):
        review.effect_sizes("pfs", design="external-control")
    with pytest.raises(InputError, match="not in the review"):
        review.effect_sizes("dfs")
    with pytest.raises(InputError, match="not an analysis set"):
        review.effect_sizes("os", analysis="alternative")
    with pytest.raises(InputError, match="design 'cohort'"):
        review.effect_sizes("os", design="cohort")


def _independent_inputs(outcome: str, design: str) -> dict[str, dict[str, str]]:
    """Each trial's primary row, read without the loader."""
    designs = raw_designs()
    out: dict[str, dict[str, str]] = {}
    for r in raw_rows():
        trial, d = designs[r["study_id"]]
        if r["outcome"] == outcome and r["analysis"] == "primary" and d == design:
            assert trial not in out
            out[trial] = r
    return out


CASES = [(o, d) for o in ("efs", "os") for d in ("RCT",)] + [
    ("os", "external-control"), ("os", "registry-cohort"), ("cr", "RCT"),
    ("cr", "external-control"), ("orr", "RCT"), ("orr", "external-control"),
    ("crs_g3", "RCT"), ("ne_g3", "RCT"), ("pfs", "RCT")]


@pytest.mark.parametrize(("outcome", "design"), CASES)
def test_effect_sizes_equal_escalc_on_the_same_rows(review: Review, outcome: str,
                                                    design: str) -> None:
    es, used = review.effect_sizes(outcome, design=design)
    rows = _independent_inputs(outcome, design)
    assert sorted(u.study.trial for u in used) == sorted(rows)
    ordered = [rows[u.study.trial] for u in used]
    assert [u.row.row_id for u in used] == [r["row_id"] for r in ordered]

    def num(r: dict[str, str], key: str) -> float:
        return float(r[key]) if r[key] else math.nan

    measure = review.outcome(outcome).measure
    if measure == "HR":
        want = ev.escalc("HR", hr=[num(r, "estimate") for r in ordered],
                         ci_lb=[num(r, "ci_lb") for r in ordered],
                         ci_ub=[num(r, "ci_ub") for r in ordered],
                         pval=[num(r, "pval") for r in ordered])
    elif measure == "RR":
        want = ev.escalc("RR", ai=[int(r["events_int"]) for r in ordered],
                         n1i=[int(r["n_int"]) for r in ordered],
                         ci=[int(r["events_comp"]) for r in ordered],
                         n2i=[int(r["n_comp"]) for r in ordered])
    else:
        want = ev.escalc(measure, xi=[int(r["events_int"]) for r in ordered],
                         ni=[int(r["n_int"]) for r in ordered])
    np.testing.assert_array_equal(es.yi, want.yi)
    np.testing.assert_array_equal(es.vi, want.vi)
    assert es.measure == measure
    assert list(es.labels or ()) == [u.label for u in used]


def test_hand_computed_values(review: Review) -> None:
    es, _ = review.effect_sizes("os")
    z = 1.959963984540054
    assert es.yi[0] == pytest.approx(math.log(0.726), rel=1e-12)
    assert es.vi[0] == pytest.approx(((math.log(0.977) - math.log(0.54)) / (2 * z)) ** 2,
                                     rel=1e-12)
    cr, _ = review.effect_sizes("cr")
    # ZUMA-7: 65% of 180 -> 117 and 32% of 179 -> 57 (derived); log RR of 117/180 vs 57/179
    assert cr.yi[0] == pytest.approx(math.log((117 / 180) / (57 / 179)), rel=1e-12)
    assert cr.vi[0] == pytest.approx(1 / 117 - 1 / 180 + 1 / 57 - 1 / 179, rel=1e-12)
    tox, _ = review.effect_sizes("crs_g3")
    assert tox.yi[0] == pytest.approx(math.log(11 / 159), rel=1e-12)  # 11 of 170


def test_secondary_inputs_of_the_primary_analysis_are_countable(review: Review) -> None:
    secondary = {}
    for o in review.outcomes:
        _, used = review.effect_sizes(o.key)
        secondary[o.key] = sum(not u.row.verified for u in used)
    # corroborated secondary numbers are data: BELINDA (efs, cr, orr, toxicity), ZUMA-7 PFS and
    # toxicity counts; the TRANSFORM ORR percentages come from a news report
    assert secondary == {"efs": 1, "pfs": 1, "os": 0, "cr": 1, "orr": 2, "crs_g3": 2,
                         "ne_g3": 2}


def test_every_analysed_study_has_complete_risk_of_bias(review: Review) -> None:
    for r in review.rows:
        if r.analysis in ANALYSABLE:
            domains = {j.domain for j in review.rob_for(r.study_id, r.outcome)}
            tool = review.design(review.study(r.study_id).design).rob_tool
            if tool == "none":  # single-arm / real-world cohorts: no comparison to judge
                assert not domains
                continue
            assert "overall" in domains and len(domains) == (6 if tool == "RoB 2" else 8)


def test_control_risks_are_sourced(review: Review) -> None:
    for key in ("efs", "pfs", "os"):
        cr = review.outcome(key).control_risk
        assert cr is not None and cr.method == "reported" and cr.quantity == "survival"
        assert cr.value is not None and 0 < cr.value < 1 and cr.source_rows
        assert cr.verification == "verified-in-source"
        assert review.outcome(key).time_point_months == cr.time_months
