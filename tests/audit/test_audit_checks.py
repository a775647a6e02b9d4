"""Each check on sentences written for these tests; expected values from closed forms."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr, ndtri

from evisynth.audit import audit, check_arms, check_icer, check_percent, check_ratio, check_two_arms
from evisynth.clinic import dosing as clinic_dosing
from evisynth.clinic import lymphodepletion, tocilizumab_dose


def rules(report, severity=None):
    return [(c.rule, c.severity) for c in report.findings if severity in (None, c.severity)]


def by_rule(report, rule):
    return [c for c in report.checks if c.rule == rule]


# ------------------------------------------------------------------ ratios


Z95 = float(-ndtri(0.025))


def _wald(est, se, z=Z95):
    return (
        est * math.exp(-z * se),
        est * math.exp(z * se),
        float(2 * ndtr(-abs(math.log(est)) / se)),
    )


def test_consistent_ratio_passes_every_check():
    lb, ub, p = _wald(0.70, 0.10)
    text = f"HR 0.70 (95% CI {lb:.2f}-{ub:.2f}; p = {p:.4f})"
    r = audit(text)
    assert r.findings == ()
    assert {c.rule for c in r.passed} == {"ci-order", "ci-contains-estimate", "ci-log-symmetric",
                                          "p-fits-ci"}  # fmt: skip
    (pc,) = by_rule(r, "p-fits-ci")
    (_, p_lo, p_hi) = pc.implied[0]
    assert p_lo <= p <= p_hi


def test_ci_not_containing_the_estimate():
    r = audit("HR 0.80 (95% CI 0.50-0.75)")
    assert rules(r) == [("ci-contains-estimate", "inconsistent")]


def test_swapped_bounds():
    r = audit("HR 0.60 (95% CI 0.80-0.45)")
    assert rules(r) == [("ci-order", "inconsistent")]


def test_log_asymmetry_hr_inconsistent_rr_implausible():
    r = audit("HR 0.50 (95% CI 0.40-0.90)")
    (c,) = r.findings
    assert (c.rule, c.severity) == ("ci-log-symmetric", "inconsistent")
    # the implied estimate is the geometric midpoint of the printed bounds' intervals
    lo, hi = c.implied[0][1:]
    assert lo == pytest.approx(math.sqrt(0.395 * 0.895))
    assert hi == pytest.approx(math.sqrt(0.405 * 0.905))
    assert rules(audit("RR 0.50 (95% CI 0.40-0.90)")) == [("ci-log-symmetric", "implausible")]


def test_symmetry_tolerance_is_the_rounding_of_the_digits():
    # exact Wald bounds for est 0.55, se 0.13, then rounded: must pass at any decimals
    for d in (1, 2, 3):
        lb, ub, _ = _wald(0.55, 0.13)
        r = check_ratio(f"{0.55:.{d}f}", f"{lb:.{d}f}", f"{ub:.{d}f}")
        assert r.consistent, (d, r.summary())


def test_wrong_p_value():
    lb, ub, p = _wald(0.70, 0.10)
    assert p < 0.001
    r = audit(f"HR 0.70 (95% CI {lb:.2f}-{ub:.2f}); p = 0.04")
    assert rules(r) == [("p-fits-ci", "inconsistent")]


def test_p_that_fits_only_one_sided():
    # est and se chosen so the two-sided p is 0.04; printed p = 0.02 is its one-sided value
    z2 = float(-ndtri(0.02))
    se = 0.10
    est = math.exp(-z2 * se)
    lb, ub, p2 = _wald(est, se)
    assert p2 == pytest.approx(0.04)
    text = f"HR {est:.2f} (95% CI {lb:.2f}-{ub:.2f}; p = 0.02)"
    assert rules(audit(text)) == [("p-fits-ci", "implausible")]
    one = audit(f"HR {est:.2f} (95% CI {lb:.2f}-{ub:.2f}; one-sided p = 0.02)")
    assert one.findings == ()
    assert "the text says one-sided" in by_rule(one, "p-fits-ci")[0].message
    # called one-sided, but the printed value is the two-sided one
    wrong = audit(f"HR {est:.2f} (95% CI {lb:.2f}-{ub:.2f}; one-sided p = 0.04)")
    assert rules(wrong) == [("p-fits-ci", "implausible")]
    assert "called one-sided" in wrong.findings[0].message


def test_p_from_another_test_within_the_z_allowance_is_a_note():
    # exact Wald two-sided p for se 0.1 at z = 2.5, reported as if its z were 4% larger
    se, z = 0.10, 2.5
    est = math.exp(-z * se)
    lb, ub, _ = _wald(est, se)
    p_other = float(2 * ndtr(-z * 1.04))
    r = check_ratio(f"{est:.3f}", f"{lb:.3f}", f"{ub:.3f}", f"{p_other:.4f}")
    assert [(c.rule, c.severity) for c in r.findings] == [("p-fits-ci", "note")]
    p_far = float(2 * ndtr(-z * 1.3))
    r = check_ratio(f"{est:.3f}", f"{lb:.3f}", f"{ub:.3f}", f"{p_far:.5f}")
    assert [(c.rule, c.severity) for c in r.findings] == [("p-fits-ci", "inconsistent")]


def test_other_confidence_levels():
    z90 = float(-ndtri(0.05))
    lb, ub, _ = _wald(1.8, 0.2, z90)
    assert audit(f"OR 1.80 (90% CI {lb:.2f}-{ub:.2f})").findings == ()
    # the same bounds read as a 95% CI: p = 0.2 cannot fit a CI that excludes 1
    assert rules(audit(f"OR 1.80 (90% CI {lb:.2f}-{ub:.2f}), p = 0.20")) == [
        ("p-fits-ci", "inconsistent")
    ]


# ----------------------------------------------------- percentages, counts, arms


def test_percent_count_and_denominator():
    exact = 100 * 46 / 162
    assert audit(f"responded: 46/162 ({exact:.1f}%)").findings == ()
    r = audit("responded: 46/162 (28.6%)")
    assert rules(r) == [("percent-count", "inconsistent")]
    assert r.findings[0].implied[0][1] == pytest.approx(exact)
    assert rules(audit("in 170 of 162 patients")) == [("count-le-denominator", "inconsistent")]


def test_granularity():
    # 7% of 224: whole counts 15 and 16 give 6.70% and 7.14%
    (c,) = audit("7% of 224 patients stopped").checks
    assert c.passed and c.implied[0][1:] == (15.0, 16.0)
    bad = [
        x / 10
        for x in range(0, 1000)
        if not any(abs(100 * k / 18 - x / 10) <= 0.05 for k in range(19))
    ]
    r = audit(f"{bad[40]:.1f}% of 18 patients stopped")
    assert rules(r) == [("percent-granularity", "inconsistent")]
    assert check_percent("12.5", 18).findings[0].rule == "percent-granularity"


def test_arms_add_up():
    assert audit("We enrolled 452 patients (224 vs 228).").consistent
    r = audit("We enrolled 452 patients (224 to drug A and 230 to drug B).")
    assert rules(r) == [("arms-sum", "inconsistent")]
    assert r.findings[0].implied[0][1] == 454
    assert not check_arms("359", ["180", "178"]).consistent


def test_arm_percentages_against_arm_sizes():
    text = "We enrolled 30 patients (15 vs 15). The response rate was 40% vs 33.3%."
    # 40% of 15 = 6 and 33.3% of 15 = 5: both whole numbers
    assert audit(text).findings == ()
    r = audit("We enrolled 30 patients (15 vs 15). The response rate was 42% vs 33.3%.")
    assert rules(r) == [("arm-percent-granularity", "implausible")]


def test_ratio_and_difference_from_arm_percentages():
    ok = audit("Complete response: 56% vs 24.5% (RR 2.28; 95% CI 1.82-2.86).")
    assert ok.findings == () and by_rule(ok, "ratio-from-arms")[0].passed
    lo, hi = by_rule(ok, "ratio-from-arms")[0].implied[0][1:]
    assert (lo, hi) == pytest.approx((55.5 / 24.55, 56.5 / 24.45))
    r = audit("Complete response: 56% vs 24.5% (RR 1.50; 95% CI 1.20-1.88).")
    assert ("ratio-from-arms", "inconsistent") in rules(r)
    r = audit("Complete response: 56% vs 24.5% (RR 2.10).")
    assert rules(r) == [("ratio-from-arms", "implausible")]  # adjusted estimates may differ
    odds = (0.4 / 0.6) / (0.2 / 0.8)
    assert check_two_arms("OR", f"{odds:.2f}", "40", "20").consistent
    assert check_two_arms("RD", "20", "60", "40").consistent
    assert not check_two_arms("RD", "25", "60", "40").consistent
    # the arms printed in the other order: a note, not an error
    rev = check_two_arms("RR", f"{24.5 / 56:.2f}", "56", "24.5")
    assert [(c.rule, c.severity) for c in rev.findings] == [("ratio-from-arms", "note")]


def test_hr_against_landmark_survival_and_medians():
    text = "At 12 months OS was 78% vs 52% (HR 0.38; 95% CI 0.25-0.57)."
    r = audit(text)
    (c,) = by_rule(r, "hr-landmark-ph")
    lo, hi = c.implied[0][1:]
    assert lo == pytest.approx(math.log(0.785) / math.log(0.515))
    assert hi == pytest.approx(math.log(0.775) / math.log(0.525))
    assert c.passed
    r = audit("At 12 months OS was 78% vs 52% (HR 0.90; 95% CI 0.80-1.01).")
    assert rules(r) == [("hr-landmark-ph", "note")]
    r = audit("Median OS 20.0 vs 10.0 months (HR 0.50; 95% CI 0.40-0.63).")
    (c,) = by_rule(r, "hr-median-exponential")
    assert c.passed and c.implied[0][1:] == pytest.approx((9.95 / 20.05, 10.05 / 19.95))
    r = audit("Median OS 20.0 vs 10.0 months (HR 0.90; 95% CI 0.80-1.01).")
    assert rules(r) == [("hr-median-exponential", "note")]


def test_median_ci_and_median_gain():
    assert rules(audit("median OS 12.0 months (95% CI 14.0-20.0)")) == [
        ("median-ci", "inconsistent")
    ]
    r = audit("OS at 12 months was 78% vs 52%, a three-month improvement in OS.")
    (c,) = by_rule(r, "median-gain-landmark")
    med = lambda s: 12 * math.log(2) / -math.log(s)  # noqa: E731
    assert c.implied[0][1:] == pytest.approx((med(0.775) - med(0.525), med(0.785) - med(0.515)))
    assert (c.passed, c.severity) == (False, "note")


def test_same_quantity_twice():
    text = ("The hazard ratio for death was 0.70 (95% CI 0.55-0.89). "
            "Overall survival favoured the drug (HR 0.62; 95% CI 0.49-0.79).")  # fmt: skip
    assert ("same-quantity", "implausible") in rules(audit(text))
    same = ("The hazard ratio for death was 0.70 (95% CI 0.55-0.89). "
            "Overall survival favoured the drug (HR 0.7; 95% CI 0.55-0.89).")  # fmt: skip
    assert by_rule(audit(same), "same-quantity")[0].passed


# ------------------------------------------------------------------ design


def test_design_rules():
    r = audit("A double-blind, placebo-controlled trial of cell therapy X versus chemotherapy.")
    assert sorted(rules(r)) == [("design-blinding", "inconsistent"),
                                ("design-placebo-active", "inconsistent")]  # fmt: skip
    ok = audit("A double-blind, placebo-controlled trial of drug Y plus chemotherapy versus "
               "placebo plus chemotherapy.")  # fmt: skip
    assert ok.findings == () and len(ok.checks) == 2
    assert rules(audit("This open-label, double-blind study compared A versus B.")) == [
        ("design-open-and-blind", "implausible")
    ]
    assert (
        audit("A double-blind trial, then an open-label extension, of A versus B.").findings == ()
    )
    assert rules(audit("A single-arm, placebo-controlled study.")) == [
        ("design-single-arm", "inconsistent")
    ]
    # surgery on both sides can be blinded (drug vs placebo on top of surgery)
    assert audit("double-blind: surgery plus drug Z versus surgery plus placebo").findings == ()
    # a product of the clinic module counts as a cell therapy
    r = audit("A double-blind trial of axi-cel versus salvage chemotherapy.")
    assert rules(r) == [("design-blinding", "inconsistent")]


# ------------------------------------------------------------------ doses


def _regimen(product, **kw):
    plan = lymphodepletion(product, height_cm=100, weight_kg=36, **kw)  # BSA 1 m²
    return " and ".join(f"{d.drug} {d.mg_per_m2_per_day:g} mg/m2" for d in plan.drugs), plan.drugs[
        0
    ].n_days


def test_lymphodepletion_against_the_clinic_labels():
    text, n = _regimen("axicabtagene ciloleucel")
    assert audit(f"Before axi-cel, patients received {text} daily for {n} days.").findings == ()
    other, n2 = _regimen("lisocabtagene maraleucel")
    r = audit(f"Before axi-cel, patients received {other} daily for {n2} days.")
    assert rules(r) == [("lymphodepletion-label", "implausible")]
    assert "Breyanzi" in r.findings[0].message
    r = audit("Lymphodepletion was fludarabine 40 mg/m2 and cyclophosphamide 750 mg/m2.")
    assert rules(r) == [("lymphodepletion-label", "implausible")]
    assert "matches no product label" in r.findings[0].message


def test_tocilizumab_against_the_clinic_cap():
    cap = clinic_dosing.TOCI_MAX_DOSE_MG
    per_kg = clinic_dosing.TOCI_MG_PER_KG
    assert audit(f"tocilizumab {per_kg:g} mg/kg (maximum {cap:g} mg)").findings == ()
    assert rules(audit(f"tocilizumab {per_kg:g} mg/kg (maximum {cap + 200:g} mg)")) == [
        ("tocilizumab-label", "implausible")
    ]
    assert rules(audit(f"tocilizumab {per_kg + 2:g} mg/kg")) == [
        ("tocilizumab-label", "implausible")
    ]
    assert rules(audit(f"tocilizumab {cap + 80:g} mg was given")) == [
        ("tocilizumab-label", "implausible")
    ]
    label70 = tocilizumab_dose(70).dose_mg
    assert audit(f"A 70-kg patient received tocilizumab {label70:g} mg.").findings == ()
    r = audit(f"A 70-kg patient received tocilizumab {label70 + 80:g} mg.")
    assert rules(r) == [("tocilizumab-label", "implausible")]


# ---------------------------------------------------------------- economics


def test_cost_effectiveness():
    r = audit("The incremental cost was $100,000 with 2.0 incremental QALYs of 2.0; "
              "ICER $50,000 per QALY gained.")  # fmt: skip
    assert r.findings == ()
    r = audit("The incremental cost was $104,357 and 2.05 QALYs gained: $60,000 per QALY gained.")
    (c,) = r.findings
    assert (c.rule, c.severity) == ("icer-arithmetic", "inconsistent")
    assert c.implied[0][1:] == pytest.approx((104_356.5 / 2.055, 104_357.5 / 2.045))
    # trailing zeros of an amount may be rounding: $100,000 is read as 50,000 to 150,000
    assert audit("The incremental cost was $100,000 and 2.0 QALYs gained: "
                 "$70,000 per QALY gained.").findings == ()  # fmt: skip
    r = audit("Over a 5-year horizon, incremental cost $600,000; ICER $50,000 per QALY saved.")
    assert sorted(rules(r)) == [("icer-horizon", "inconsistent"), ("icer-wording", "note")]
    assert check_icer("50000", "200000", horizon_years=10).consistent


# ------------------------------------------------------------ properties

@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-2.5, max_value=2.5),
    st.floats(min_value=0.02, max_value=0.8),
    st.sampled_from([90.0, 95.0, 99.0]),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=4),
)
def test_exact_wald_statistics_rounded_any_way_pass(m, se, level, d, dp):
    z = float(-ndtri((1 - level / 100) / 2))
    est, lb, ub = math.exp(m), math.exp(m - z * se), math.exp(m + z * se)
    p = float(2 * ndtr(-abs(m) / se))
    e_s, l_s, u_s = f"{est:.{d}f}", f"{lb:.{d}f}", f"{ub:.{d}f}"
    if float(l_s) <= 0:
        return
    p_s = f"{p:.{dp}f}" if p >= 10**-dp else f"<{10**-dp:.{dp}f}"
    r = check_ratio(e_s, l_s, u_s, p_s, level=level)
    assert r.findings == (), r.summary()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=2000), st.data(), st.integers(min_value=0, max_value=2))
def test_exact_percentages_pass_and_off_by_more_than_rounding_fail(n, data, d):
    k = data.draw(st.integers(min_value=0, max_value=n))
    pct = 100 * k / n
    assert check_percent(f"{pct:.{d}f}", n, k).consistent
    assert check_percent(f"{pct:.{d}f}", n).consistent
    off = pct + 2 * 10.0**-d  # two units of the last digit away
    if off <= 100:
        assert not check_percent(f"{off:.{d}f}", n, k).consistent


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=2, max_size=4),
       st.integers(min_value=-3, max_value=3))  # fmt: skip
def test_arms_sum_property(arms, delta):
    total = sum(arms) + delta
    assert check_arms(total, arms).consistent == (delta == 0)
