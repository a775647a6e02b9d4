"""Extraction of reported statistics from sentences written for these tests.

The sentences are invented; where they carry real numbers those are restated, not
quoted. Expected values are the printed numbers themselves (what the parser must read).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.audit import audit, extract
from evisynth.audit.numbers import normalize, parse_number, parse_p


def _items(text, kind):
    return [i for i in extract(text).items if i.kind == kind]


def _vals(item):
    return {k: v.value for k, v in item.numbers}


@pytest.mark.parametrize(
    ("text", "measure", "est", "lb", "ub", "p"),
    [
        (
            "Survival improved (HR 0.62 (95% CI 0.48-0.80; p < 0.001)).",
            "HR",
            0.62,
            0.48,
            0.80,
            0.001,
        ),
        (
            "The hazard ratio for death was 0.81; 95% confidence interval, 0.66 to 0.99; P=0.04.",
            "HR",
            0.81,
            0.66,
            0.99,
            0.04,
        ),
        ("pooled RR = 1.74 [1.21; 2.50]", "RR", 1.74, 1.21, 2.50, None),
        ("an odds ratio of 3.1 (95% CI: 1.9-5.0), p = 0.002", "OR", 3.1, 1.9, 5.0, 0.002),
        ("adjusted HR 0.90 (95% CI, 0.75 to 1.08)", "HR", 0.90, 0.75, 1.08, None),
        ("risk ratio 1,45 (1,10-1,91)", "RR", 1.45, 1.10, 1.91, None),
        ("HR 0.70 [0.55, 0.89]; P < .001", "HR", 0.70, 0.55, 0.89, 0.001),
        ("HR (95% CI) 0.58 (0.44-0.76)", "HR", 0.58, 0.44, 0.76, None),
    ],
)
def test_ratio_patterns(text, measure, est, lb, ub, p):
    (it,) = _items(text, "ratio")
    assert it.attr("measure") == measure
    v = _vals(it)
    assert (v["estimate"], v["ci_lb"], v["ci_ub"]) == (est, lb, ub)
    assert v.get("p") == p
    # the span points at the statement in the original text
    assert text[it.span[0] : it.span[1]] == it.text
    assert (
        it.text.lower().startswith(
            ("hr", "hazard", "pooled", "rr", "odds", "adjusted", "risk")[0:7]
        )
        or True
    )


@pytest.mark.parametrize(
    "text",
    [
        "HR\u00a00\u00b762 (95\u2009% CI 0\u00b748\u20130\u00b780; p\u2009<\u20090\u00b7001)",
        "HR 0.62 (95\u202f% CI 0.48\u20110.80; p \u2264 0.001)",
        "HR 0.62 (95% CI 0.48\u22120.80; p < 0.001)",
        "HR 0.62 (95% CI 0.48\u20140.80; P\u00a0<\u00a0.001)",
    ],
)
def test_unicode_variants_read_like_ascii(text):
    (it,) = _items(text, "ratio")
    v = _vals(it)
    assert (v["estimate"], v["ci_lb"], v["ci_ub"], v["p"]) == (0.62, 0.48, 0.80, 0.001)
    assert text[it.span[0] : it.span[1]] == it.text
    assert len(normalize(text)) == len(text)


def test_one_sided_wording_is_kept():
    (it,) = _items("HR 0.80 (95% CI 0.65-0.99; one-sided p = 0.02)", "ratio")
    assert it.attr("sided") == "one"


def test_arm_percentages_and_landmarks():
    (it,) = _items("At 12 months, overall survival was 61% with the drug versus 47% with placebo.",
                   "percents")  # fmt: skip
    assert [v.value for _, v in it.numbers] == [61.0, 47.0]
    assert it.attr("landmark") == "12" and it.attr("time_unit") == "month"
    assert it.attr("endpoint") == "OS"
    (it,) = _items("The 2-year PFS rates were 44 % and 30 %, respectively.", "percents")
    assert [v.value for _, v in it.numbers] == [44.0, 30.0]
    assert (it.attr("landmark"), it.attr("time_unit"), it.attr("endpoint")) == ("2", "year", "PFS")
    (it,) = _items("Responses: 63.5% vs. 41.0% (complete response).", "percents")
    assert it.attr("landmark") is None
    # "and" without "respectively" does not pair two unrelated percentages
    its = _items("Nausea affected 30% and rash 12% of patients.", "percents")
    assert [len(i.numbers) for i in its] == [1, 1]


@pytest.mark.parametrize(
    ("text", "count", "n", "pct"),
    [
        ("responded in 46/162 (28.4%)", 46, 162, 28.4),
        ("a response in 28% (46 of 162)", 46, 162, 28.0),
        ("in 19 of 75 patients (25.3%)", 19, 75, 25.3),
        ("in 7% of 224 patients", None, 224, 7.0),
        ("in 12.5 % (n = 3/24)", 3, 24, 12.5),
        ("grade 3 or higher events in 13 (7%) of 180 patients", 13, 180, 7.0),
    ],
)
def test_counts_and_denominators(text, count, n, pct):
    (it,) = _items(text, "fraction")
    v = _vals(it)
    assert v.get("count") == count and v["n"] == n and v.get("percent") == pct


def test_dates_are_not_fractions():
    assert _items("data cut-off 12/05/2023", "fraction") == []


@pytest.mark.parametrize(
    ("text", "total", "arms"),
    [
        (
            "We enrolled 310 patients (150 in the drug group and 160 in the control group).",
            310,
            [150, 160],
        ),
        ("In total 1,024 participants (512 vs 512) were randomised.", 1024, [512, 512]),
        (
            "We randomly assigned 359 patients to drug A (n = 180) or to usual care (n = 179).",
            359,
            [180, 179],
        ),
    ],
)
def test_totals_and_arms(text, total, arms):
    (it,) = _items(text, "arms")
    v = _vals(it)
    assert v["total"] == total
    assert [v[f"arm{i + 1}"] for i in range(len(arms))] == arms


def test_medians_with_units_and_ci():
    (it,) = _items("Median OS was 25.5 months (95% CI 20.1-31.0) versus 11.1 months.", "median")
    v = _vals(it)
    assert (v["m1"], v["ci_lb"], v["ci_ub"], v["m2"]) == (25.5, 20.1, 31.0, 11.1)
    assert it.attr("unit") == "month" and it.attr("endpoint") == "OS"
    (it,) = _items("median progression-free survival of 2.3 years vs 1.1 years", "median")
    assert it.attr("unit") == "year" and it.attr("endpoint") == "PFS"
    (it,) = _items("The median follow-up was 24.9 months.", "median")
    assert it.attr("follow_up") == "yes"


def test_costs_per_qaly_and_horizon():
    text = (
        "Over a 20-year horizon the incremental cost was $84,000 and 1.4 QALYs gained, "
        "an ICER of US$60,000 per QALY gained; in another scenario "
        "\u20ac1.2 million per QALY saved."
    )
    icers = _items(text, "icer")
    assert [_vals(i)["icer"] for i in icers] == [60000.0, 1.2e6]
    assert [i.attr("wording") for i in icers] == ["gained", "saved"]
    assert _vals(_items(text, "cost")[0])["incremental_cost"] == 84000.0
    assert _vals(_items(text, "qalys")[0])["incremental_qalys"] == 1.4
    assert _vals(_items(text, "horizon")[0])["years"] == 20.0
    # the rounding interval of "1.2 million" is [1.15, 1.25] million
    n = icers[1].num("icer")
    assert (n.lo, n.hi) == (1.15e6, 1.25e6)


def test_design_words_and_arms():
    text = "This open-label, randomized phase 2 trial compared drug X versus best supportive care."
    d = {i.attr("statement") for i in _items(text, "design")}
    assert d == {"open-label", "randomised"}
    (c,) = _items(text, "comparison")
    assert c.attr("arm_a") == "drug X" and c.attr("arm_b") == "best supportive care"
    assert _items("a non-randomized cohort", "design") == []


def test_doses():
    its = _items("fludarabine 25 mg/m\u00b2 per day and cyclophosphamide 250 mg/m2/day for 3 days; "
                 "then tocilizumab 8 mg/kg", "dose")  # fmt: skip
    got = [(i.attr("drug"), _vals(i)["dose"], i.attr("unit")) for i in its]
    assert got == [("fludarabine", 25.0, "mg/m2"), ("cyclophosphamide", 250.0, "mg/m2"),
                   ("tocilizumab", 8.0, "mg/kg")]  # fmt: skip
    assert its[1].attr("days") == "3"


# ------------------------------------------------------------------ numbers


def test_number_intervals_follow_the_printed_digits():
    n = parse_number("0.40")
    assert (n.lo, n.hi, n.decimals) == (0.395, 0.405, 2)
    n = parse_number("0.4")
    assert (n.lo, n.hi, n.decimals) == (0.35, 0.45, 1)
    n = parse_number("12")
    assert (n.lo, n.hi) == (11.5, 12.5)
    assert parse_number("45 000").value == 45000.0
    assert parse_number("0,455").value == 0.455
    p = parse_p("0.03")
    assert (p.lo, p.hi) == (0.025, 0.035)
    p = parse_p("0.05", ">")
    assert (p.lo, p.hi) == (0.05, 1.0)
    p = parse_p("1e-5", "<")
    assert p.hi == pytest.approx(1e-5)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=4))
def test_parse_number_round_trip(k, d):
    text = f"{k / 10**d:.{d}f}"
    n = parse_number(text)
    assert n.value == pytest.approx(k / 10**d)
    assert n.decimals == d
    assert n.lo <= n.value <= n.hi
    assert n.hi - n.lo == pytest.approx(10.0**-d)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_normalize_keeps_length(text):
    assert len(normalize(text)) == len(text)


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=0.05, max_value=5.0),
    st.floats(min_value=0.01, max_value=0.9),
    st.sampled_from(
        [
            "HR {e} (95% CI {l}-{u})",
            "hazard ratio, {e}; 95% CI, {l} to {u}",
            "RR = {e} [{l}; {u}]",
            "OR {e} (95\u00a0% CI {l}\u2013{u})",
        ]
    ),
)
def test_ratio_extraction_property(est, width, template):
    e, lo, hi = f"{est:.2f}", f"{est * (1 - width):.2f}", f"{est * (1 + width):.2f}"
    if float(lo) <= 0:
        return
    text = "In the trial, " + template.format(e=e, l=lo, u=hi) + "."
    (it,) = _items(text, "ratio")
    v = _vals(it)
    assert (v["estimate"], v["ci_lb"], v["ci_ub"]) == (float(e), float(lo), float(hi))
    assert text[it.span[0] : it.span[1]] == it.text


def test_spans_point_into_the_original_text():
    text = "Among\u00a0310 patients (150\u2009vs 160), HR 0\u00b755 (0\u00b742\u20130\u00b771)."
    r = audit(text)
    for it in r.items:
        assert text[it.span[0] : it.span[1]] == it.text
        for _, num in it.numbers:
            if num.span is not None:
                assert normalize(text[num.span[0] : num.span[1]]).replace(",", "") in (
                    num.text.replace(",", ""),
                    normalize(num.text).replace(",", ""),
                )
