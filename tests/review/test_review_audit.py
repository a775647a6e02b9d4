"""The review's audit: every input row, every published claim, every excluded report."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from scipy.special import ndtr, ndtri

from evisynth.errors import InputError
from evisynth.review import bundled_path, load_bundled, load_review
from evisynth.review.audit import audit_excluded, audit_review, excluded_report_text


@pytest.fixture(scope="module")
def review():
    return load_bundled("cart_dlbcl")


@pytest.fixture(scope="module")
def result(review):
    return audit_review(review)


def _findings(rec):
    return [(c.rule, c.severity) for c in rec.report.findings]


def test_every_ratio_input_and_published_claim_is_audited(review, result):
    ratio_outcomes = {o.key for o in review.outcomes if o.measure in ("HR", "RR", "OR", "IRR")}
    expected_inputs = {
        r.row_id for r in review.rows
        # a ratio needs its CI to be checked (a p-value alone has nothing to agree with)
        if (r.estimate is not None and r.outcome in ratio_outcomes and r.ci_lb is not None)
        or (r.events_int is not None and r.n_int is not None)
        or (r.events_comp is not None and r.n_comp is not None)
    }  # fmt: skip
    assert {r.key for r in result.of_kind("input")} == expected_inputs
    expected_pub = {p.claim_id for p in review.published
                    if p.estimate is not None and (p.measure in ("HR", "RR", "OR")
                                                   or p.ci_lb is not None)}  # fmt: skip
    assert {r.key for r in result.of_kind("published")} == expected_pub
    assert {r.key for r in result.of_kind("excluded")} == {e.id for e in review.exclusions}


def test_published_claims_add_up_but_one(review, result):
    bad = {r.key: r for r in result.of_kind("published") if r.report.findings}
    # one published claim prints a p-value its own CI cannot give (Wald, closed form here)
    assert set(bad) == {"MA_BJH2022_3RCT.orr"}
    (f,) = bad["MA_BJH2022_3RCT.orr"].report.findings
    assert (f.rule, f.severity) == ("p-fits-ci", "inconsistent")
    claim = next(p for p in review.published if p.claim_id == "MA_BJH2022_3RCT.orr")
    se = (math.log(claim.ci_ub) - math.log(claim.ci_lb)) / (2 * float(-ndtri(0.025)))
    p_wald = float(2 * ndtr(-abs(math.log(claim.estimate)) / se))
    _, lo, hi = f.implied[0]
    assert lo <= p_wald <= hi and p_wald > 5 * 0.001
    # the complete metabolic response RR is checked against its two arm percentages
    cmr = next(r for r in result.of_kind("published") if r.key.endswith(".cmr"))
    assert [c.passed for c in cmr.report.checks if c.rule == "ratio-from-arms"] == [True]


def test_one_sided_log_rank_p_values_are_recognised(result):
    by_key = {r.key: r for r in result.of_kind("input")}
    # stated one-sided (stratified log-rank): a note, within the z allowance
    assert _findings(by_key["os.zuma7.primary"]) == [("p-fits-ci", "note")]
    # not stated, but only a one-sided reading fits
    assert _findings(by_key["os.transform.earlier"]) == [("p-fits-ci", "implausible")]
    assert not any(sev == "inconsistent" for _, c in result.findings for sev in [c.severity]
                   if _.kind == "input")  # fmt: skip


def test_excluded_x2026_report(review):
    text = excluded_report_text(review, "X-2026")
    # the exclusion log entry, then the section of the review's source notes it cites
    assert text.startswith(review.exclusions[0].citation) or "X-2026" in text
    assert "452 patients (224 vs 228)" in text and "placebo-controlled" in text
    r = audit_excluded(review, "X-2026")
    got = {(c.rule, c.severity) for c in r.findings}
    assert ("design-placebo-active", "inconsistent") in got
    assert ("median-gain-landmark", "note") in got
    assert [c.passed for c in r.checks if c.rule == "arms-sum"] == [True]
    with pytest.raises(InputError, match="not in the exclusion log"):
        excluded_report_text(review, "no-such-id")


def test_without_a_folder_floats_are_used(review, tmp_path):
    in_code = review.model_copy(update={"path": None})
    a = audit_review(in_code)
    assert len(a.of_kind("input")) == len(audit_review(review).of_kind("input"))
    # floats lose trailing zeros, so the tolerance can only widen: no new findings
    strict = {(r.key, c.rule) for r, c in audit_review(review).findings if r.kind != "excluded"}
    loose = {(r.key, c.rule) for r, c in a.findings if r.kind != "excluded"}
    assert loose <= strict


def test_a_copied_folder_with_a_changed_digit_is_caught(tmp_path):
    src = bundled_path("cart_dlbcl")
    dst = tmp_path / "rv"
    shutil.copytree(src, dst)
    p = dst / "published.csv"
    text = p.read_text(encoding="utf-8")
    assert ",HR,,0.55,0.42,0.71," in text
    p.write_text(text.replace(",HR,,0.55,0.42,0.71,", ",HR,,0.65,0.42,0.71,", 1), encoding="utf-8")
    before = {(r.key, c.rule) for r, c in audit_review(load_review(src)).findings}
    after = {(r.key, c.rule) for r, c in audit_review(load_review(dst)).findings}
    assert after - before == {("MA_PMID42340791_2026.pfs", "ci-log-symmetric")}
    assert Path(src, "published.csv").read_text(encoding="utf-8") != p.read_text(encoding="utf-8")


def test_report_has_the_audit_section(review):
    from evisynth.report.blocks import Heading, Para, Table
    from evisynth.report.content import audit_of_statistics
    from evisynth.review.analyse import analyse_review

    blocks = list(audit_of_statistics(analyse_review(review)))
    assert isinstance(blocks[0], Heading) and blocks[0].text == "Audit of reported statistics"
    assert isinstance(blocks[1], Para) and "checks passed" in blocks[1].text
    table = blocks[2]
    assert isinstance(table, Table)
    keys = [row[1] for row in table.rows]
    assert "X-2026" in keys and "MA_BJH2022_3RCT.orr" in keys
    assert len(table.rows) == len(set(table.rows))
