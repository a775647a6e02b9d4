"""escalc against R metafor 3.8-1 (values frozen by tests/reference/escalc.R).

Every yi and vi is compared at 1e-6 relative (plus 1e-12 absolute, for effects
that are exactly 0 such as a risk difference of two equal proportions). Where
metafor returns NA or a zero variance, evisynth must raise InputError naming
that study instead.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.effects import MEASURES, EffectSizes, escalc, hedges_correction
from evisynth.errors import EvisynthWarning, InputError
from tests.conftest import load_reference

REF = load_reference("escalc")
RTOL = 1e-6
ATOL = 1e-12


def _study(i: int, labels: list[str] | None) -> str:
    return f"study {i + 1}" + (f" ({labels[i]!r})" if labels else "")


CASES = [pytest.param(c, id=c["name"]) for c in REF["cases"]]


def test_reference_covers_enough() -> None:
    datasets = {c["source"].split(" ")[0] for c in REF["cases"] if c["source"].startswith("dat.")}
    assert len(datasets) >= 10
    measures = {c["measure"] for c in REF["cases"]}
    # every measure escalc offers is checked against R (here or in tests/test_effects_more.py)
    measures |= {c["measure"] for c in load_reference("effects_more")["cases"]}
    assert set(MEASURES) <= measures
    assert REF["metafor_version"] == "3.8.1"


@pytest.mark.parametrize("case", CASES)
def test_matches_metafor(case: dict) -> None:
    args = dict(case["args"])
    labels = args.get("labels")
    if case["expect_error"]:
        first = case["error_studies"][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvisynthWarning)
            with pytest.raises(InputError, match=re.escape(_study(first, labels))):
                escalc(case["measure"], **args)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es = escalc(case["measure"], **args)
    dropped = case["dropped"]
    keep = np.setdiff1d(np.arange(len(case["yi"])), dropped)
    want_yi = np.asarray(case["yi"], dtype=float)[keep]
    want_vi = np.asarray(case["vi"], dtype=float)[keep]
    np.testing.assert_allclose(es.yi, want_yi, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(es.vi, want_vi, rtol=RTOL, atol=ATOL)
    assert es.measure == case["measure"]
    assert es.dropped == tuple(dropped)
    if case.get("ni") is not None:
        assert es.ni is not None
        np.testing.assert_allclose(es.ni, np.asarray(case["ni"], dtype=float)[keep], rtol=RTOL)
    if labels:
        assert es.labels == tuple(labels[i] for i in keep)
    messages = [str(w.message) for w in caught if issubclass(w.category, EvisynthWarning)]
    asym = case.get("asymmetric", [])
    asym_msgs = [m for m in messages if "not symmetric" in m]
    if asym:
        assert len(asym_msgs) == 1
        for i in asym:
            assert _study(i, labels) in asym_msgs[0]
    else:
        assert not asym_msgs
    if dropped:
        drop_msgs = [m for m in messages if "drop00" in m]
        assert len(drop_msgs) == 1
        for i in dropped:
            assert _study(i, labels) in drop_msgs[0]


def test_top_level_export() -> None:
    assert ev.escalc is escalc
    assert ev.EffectSizes is EffectSizes


# ---------------------------------------------------------------- closed forms


def test_smd_correction_matches_gamma_ratio() -> None:
    from math import gamma, sqrt

    for m in (2.0, 3.0, 10.0, 57.0):
        exact = gamma(m / 2) / (sqrt(m / 2) * gamma((m - 1) / 2))
        assert hedges_correction(np.array([m]))[0] == pytest.approx(exact, rel=1e-13)
    # large m: finite, and Hedges' (1981) approximation 1 - 3/(4m - 1) is accurate
    # to O(m^-2) there, so it checks the precision of the exact form
    for m in (1e6, 1e9):
        approx = 1 - 3 / (4 * m - 1)
        assert hedges_correction(np.array([m]))[0] == pytest.approx(approx, rel=1e-12)


def test_hr_yi_sei_is_generic_on_log_scale() -> None:
    es = escalc("HR", yi=[-0.2, 0.1], sei=[0.1, 0.3], ni=[100, 200])
    assert es.measure == "HR"
    np.testing.assert_allclose(es.vi, [0.01, 0.09])
    np.testing.assert_allclose(es.back_transform()(es.yi), np.exp([-0.2, 0.1]))


def test_any_measure_accepts_analysis_scale_estimates() -> None:
    es = escalc("SMD", yi=[0.2, 0.5], vi=[0.04, 0.05])
    assert es.measure == "SMD"
    pft = escalc("PFT", xi=[3, 7], ni=[10, 20])
    again = escalc("PFT", yi=pft.yi, vi=pft.vi, ni=pft.ni)
    np.testing.assert_allclose(
        again.back_transform()(again.yi), pft.back_transform()(pft.yi), rtol=1e-15
    )


def test_reported_ratio_ci_and_p_agree_when_consistent() -> None:
    # a Wald CI and the Wald p-value of the same estimate give the same SE
    yi, se = np.log(0.7), 0.15
    lb, ub = np.exp(yi - 1.959963984540054 * se), np.exp(yi + 1.959963984540054 * se)
    from scipy.stats import norm

    p = 2 * norm.sf(abs(yi) / se)
    a = escalc("HR", hr=[0.7], ci_lb=[lb], ci_ub=[ub])
    b = escalc("HR", hr=[0.7], pval=[p])
    np.testing.assert_allclose(a.vi, se**2, rtol=1e-12)
    np.testing.assert_allclose(b.vi, se**2, rtol=1e-10)


def test_ci_preferred_over_pval_when_both_given() -> None:
    a = escalc("HR", hr=[0.7], ci_lb=[0.5], ci_ub=[0.98], pval=[0.5])
    b = escalc("HR", hr=[0.7], ci_lb=[0.5], ci_ub=[0.98])
    assert a.vi[0] == b.vi[0]


def test_pft_no_add_by_default_but_explicit_add_applies() -> None:
    a = escalc("PFT", xi=[0, 5], ni=[10, 10])
    b = escalc("PFT", xi=[0, 5], ni=[10, 10], add=0.5)
    assert a.yi[1] == b.yi[1]
    assert a.yi[0] != b.yi[0]


def test_effectsizes_is_immutable_and_validated() -> None:
    es = EffectSizes([0.1, 0.2], [0.01, 0.02])
    with pytest.raises(ValueError):
        es.yi[0] = 1.0
    with pytest.raises(InputError, match="'vi', study 2"):
        EffectSizes([0.1, 0.2], [0.01, 0.0])
    with pytest.raises(InputError, match="different lengths"):
        EffectSizes([0.1, 0.2], [0.01, 0.02], ni=[10])


# ---------------------------------------------------------------- bad input


BAD_INPUT = [
    # (measure, kwargs, argument named, text expected in the message)
    ("XX", {"yi": [1.0], "vi": [1.0]}, "measure", "not one of"),
    ("RR", {"ai": [1, 2], "bi": [5, 5], "ci": [1]}, "", "missing: di"),
    ("RR", {"ai": [1, 2], "bi": [5, 5], "ci": [1], "di": [4, 4]}, "", "different lengths"),
    ("RR", {"ai": [1, -2], "bi": [5, 5], "ci": [1, 1], "di": [4, 4]}, "ai", "study 2"),
    ("RR", {"ai": [1, 12], "n1i": [5, 10], "ci": [1, 1], "n2i": [4, 4]}, "ai", "exceed"),
    ("RR", {"ai": [1, 2], "bi": [5, 5], "n1i": [6, 8], "ci": [1, 1], "di": [4, 4]}, "n1i", "not"),
    ("RR", {"ai": [1, float("nan")], "bi": [5, 5], "ci": [1, 1], "di": [4, 4]}, "ai", "finite"),
    ("RR", {"ai": [0, 2], "bi": [0, 5], "ci": [1, 1], "di": [4, 4]}, "ai", "ai + bi is 0"),
    (
        "OR",
        {"ai": [0, 2], "bi": [5, 5], "ci": [1, 1], "di": [4, 4], "to": "none"},
        "measure",
        "study 1",
    ),
    ("OR", {"ai": [1], "bi": [5], "ci": [1], "di": [4], "to": "some"}, "to", "not one of"),
    ("OR", {"ai": [1], "bi": [5], "ci": [1], "di": [4], "add": -1}, "add", ">= 0"),
    ("OR", {"ai": [1], "bi": [5], "ci": [1], "di": [4], "m1i": [3]}, "m1i", "not used"),
    ("RD", {"ai": [1], "bi": [5], "ci": [1], "di": [4], "vtype": "HO"}, "vtype", "not one of"),
    (
        "OR",
        {"ai": [1, 0], "bi": [5, 0], "ci": [1, 0], "di": [4, 0], "n1i": None},
        "ai",
        "study 2",
    ),
    ("PLO", {"xi": [3, 11], "ni": [10, 10]}, "xi", "study 2"),
    ("PLO", {"xi": [3, 1]}, "", "missing: ni"),
    ("PR", {"xi": [0, 1], "ni": [10, 10], "to": "none"}, "measure", "study 1"),
    (
        "MD",
        {"m1i": [1.0], "m2i": [1.0], "sd1i": [1.0], "sd2i": [1.0], "n1i": [5]},
        "",
        "missing: n2i",
    ),
    (
        "MD",
        {"m1i": [1.0], "m2i": [1.0], "sd1i": [-1.0], "sd2i": [1.0], "n1i": [5], "n2i": [5]},
        "sd1i",
        "study 1",
    ),
    (
        "MD",
        {"m1i": [1.0], "m2i": [1.0], "sd1i": [1.0], "sd2i": [1.0], "n1i": [0], "n2i": [5]},
        "n1i",
        "participant",
    ),
    (
        "MD",
        {"m1i": [1.0], "m2i": [1.0], "sd1i": [0.0], "sd2i": [0.0], "n1i": [5], "n2i": [5]},
        "measure",
        "SDs",
    ),
    (
        "SMD",
        {"m1i": [1.0], "m2i": [0.0], "sd1i": [1.0], "sd2i": [1.0], "n1i": [1], "n2i": [2]},
        "n1i,n2i",
        ">= 4",
    ),
    (
        "SMD",
        {"m1i": [1.0], "m2i": [0.0], "sd1i": [0.0], "sd2i": [0.0], "n1i": [3], "n2i": [3]},
        "measure",
        "pooled SD",
    ),
    (
        "ROM",
        {"m1i": [1.0], "m2i": [-2.0], "sd1i": [1.0], "sd2i": [1.0], "n1i": [3], "n2i": [3]},
        "m1i,m2i",
        "same sign",
    ),
    ("HR", {"hr": [0.7, -0.5], "ci_lb": [0.5, 0.1], "ci_ub": [0.9, 0.9]}, "hr", "study 2"),
    ("HR", {"hr": [0.7, 0.5], "ci_lb": [0.5, 0.6], "ci_ub": [0.9, 0.9]}, "hr", "outside its"),
    ("HR", {"hr": [0.7], "ci_lb": [0.9], "ci_ub": [0.5]}, "ci_lb", "not below"),
    ("HR", {"hr": [0.7], "ci_lb": [0.7], "ci_ub": [0.7]}, "ci_lb", "not below"),
    ("HR", {"hr": [0.7], "ci_lb": [0.0], "ci_ub": [0.9]}, "ci_lb", "greater than 0"),
    ("HR", {"hr": [0.7, 0.8], "ci_lb": [0.5, 0.6], "ci_ub": [0.9, None]}, "ci_ub", "study 2"),
    (
        "HR",
        {"hr": [0.7, 0.8], "ci_lb": [0.5, None], "ci_ub": [0.9, None]},
        "ci_lb,ci_ub,pval",
        "study 2",
    ),
    ("HR", {"hr": [0.7], "pval": [0.0]}, "pval", "outside (0, 1]"),
    ("HR", {"hr": [0.7], "pval": [1.5]}, "pval", "outside (0, 1]"),
    ("HR", {"hr": [0.7], "pval": [1.0]}, "pval", "no standard error"),
    ("HR", {"hr": [1.0], "pval": [0.5]}, "hr", "no standard error"),
    ("HR", {"hr": [0.7]}, "", "missing: ci_lb, ci_ub"),
    ("HR", {"hr": [0.7], "ci_lb": [0.5], "ci_ub": [0.9], "level": 120}, "level", "between"),
    ("HR", {"hr": [0.7], "ci_lb": [0.5], "ci_ub": [0.9], "level": [95, 90]}, "level", "entries"),
    ("HR", {"rr": [0.7], "ci_lb": [0.5], "ci_ub": [0.9]}, "rr", "for measure 'RR'"),
    ("HR", {"hr": [0.7], "ratio": [0.7], "ci_lb": [0.5], "ci_ub": [0.9]}, "ratio,hr", "once"),
    ("HR", {}, "measure", "needs the reported ratio"),
    ("RD", {"ratio": [0.7], "ci_lb": [0.5], "ci_ub": [0.9]}, "ratio", "not a ratio"),
    ("RR", {"rr": [0.7], "ai": [1], "ci_lb": [0.5], "ci_ub": [0.9]}, "ai", "not used"),
    ("HR", {"hr": [0.7], "ci_lb": [0.5], "ci_ub": [0.9], "ci_check": 2}, "ci_check", "fraction"),
    ("GEN", {"yi": [0.1], "vi": [0.1], "sei": [0.3]}, "vi,sei", "not both"),
    ("GEN", {"yi": [0.1, 0.2], "vi": [0.1, 0.0]}, "vi", "study 2"),
    ("GEN", {"yi": [0.1, 0.2], "sei": [0.1, -1]}, "sei", "study 2"),
    ("GEN", {"yi": [0.1]}, "", "missing: vi"),
    ("IRR", {"x1i": [1], "x2i": [2], "t1i": [10]}, "", "missing: t2i"),
    ("IRR", {"x1i": [1], "x2i": [2], "t1i": [10], "t2i": [0]}, "t2i", "greater than 0"),
    ("IRR", {"x1i": [-1], "x2i": [2], "t1i": [10], "t2i": [3]}, "x1i", "0 or greater"),
    ("GEN", {"yi": [0.1, 0.2], "vi": [0.1, 0.2], "labels": ["a"]}, "labels", "2 studies"),
]


@pytest.mark.parametrize(("measure", "kwargs", "where", "text"), BAD_INPUT)
def test_bad_input_raises_input_error(measure: str, kwargs: dict, where: str, text: str) -> None:
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with pytest.raises(InputError) as exc:
        escalc(measure, **kwargs)
    assert text in str(exc.value)
    if where:
        assert exc.value.where == where


def test_error_names_the_study_label() -> None:
    with pytest.raises(InputError, match=r"study 2 \('Smith 2001'\)"):
        escalc(
            "HR",
            hr=[0.7, 0.5],
            ci_lb=[0.5, 0.6],
            ci_ub=[0.9, 0.9],
            labels=["Jones 1999", "Smith 2001"],
        )


def test_non_integer_counts_warn_and_name_study() -> None:
    with pytest.warns(EvisynthWarning, match=r"'ci', study 2.*whole number"):
        es = escalc("OR", ai=[1, 2], bi=[5, 5], ci=[1, 2.5], di=[4, 4])
    assert np.isfinite(es.yi).all()


def test_drop00_everything_raises() -> None:
    with pytest.raises(InputError, match="drop00"):
        escalc("RR", ai=[0, 0], bi=[5, 5], ci=[0, 0], di=[4, 4], drop00=True)
    with pytest.raises(InputError, match="drop00"):
        escalc("IRR", x1i=[0], x2i=[0], t1i=[5], t2i=[4], drop00=True)


def test_measure_codes_case_insensitive() -> None:
    assert escalc("rr", ai=[1], bi=[5], ci=[1], di=[4]).measure == "RR"
    assert set(MEASURES) >= {"HR", "IRR", "GEN"}


# ---------------------------------------------------------------- properties

counts = st.integers(min_value=0, max_value=60)
settings_ = settings(max_examples=150, deadline=None)


@settings_
@given(a=counts, b=counts, c=counts, d=counts, to=st.sampled_from(["only0", "all", "if0all"]))
def test_swapping_groups_negates_two_group_measures(
    a: int, b: int, c: int, d: int, to: str
) -> None:
    assume(a + b > 0 and c + d > 0)
    for m in ("RR", "OR", "RD"):
        x = escalc(m, ai=[a], bi=[b], ci=[c], di=[d], to=to)
        y = escalc(m, ai=[c], bi=[d], ci=[a], di=[b], to=to)
        np.testing.assert_allclose(x.yi, -y.yi, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(x.vi, y.vi, rtol=1e-12)


@settings_
@given(a=counts, b=counts, c=counts, d=counts)
def test_swapping_events_and_non_events_negates_or(a: int, b: int, c: int, d: int) -> None:
    assume(a + b > 0 and c + d > 0)
    x = escalc("OR", ai=[a], bi=[b], ci=[c], di=[d])
    y = escalc("OR", ai=[b], bi=[a], ci=[d], di=[c])
    np.testing.assert_allclose(x.yi, -y.yi, rtol=1e-12, atol=1e-12)


@settings_
@given(
    m1=st.floats(-50, 50),
    m2=st.floats(-50, 50),
    s1=st.floats(0.1, 20),
    s2=st.floats(0.1, 20),
    n1=st.integers(2, 300),
    n2=st.integers(2, 300),
    scale=st.floats(1e-3, 1e3),
    shift=st.floats(-100, 100),
)
def test_smd_invariant_to_linear_rescaling(
    m1: float, m2: float, s1: float, s2: float, n1: int, n2: int, scale: float, shift: float
) -> None:
    base = escalc("SMD", m1i=[m1], m2i=[m2], sd1i=[s1], sd2i=[s2], n1i=[n1], n2i=[n2])
    moved = escalc(
        "SMD",
        m1i=[m1 * scale + shift],
        m2i=[m2 * scale + shift],
        sd1i=[s1 * scale],
        sd2i=[s2 * scale],
        n1i=[n1],
        n2i=[n2],
    )
    np.testing.assert_allclose(moved.yi, base.yi, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(moved.vi, base.vi, rtol=1e-8)
    swapped = escalc("SMD", m1i=[m2], m2i=[m1], sd1i=[s2], sd2i=[s1], n1i=[n2], n2i=[n1])
    np.testing.assert_allclose(swapped.yi, -base.yi, rtol=1e-10, atol=1e-12)


@settings_
@given(
    m1=st.floats(0.5, 50),
    m2=st.floats(0.5, 50),
    s1=st.floats(0.1, 20),
    s2=st.floats(0.1, 20),
    n1=st.integers(2, 300),
    n2=st.integers(2, 300),
    scale=st.floats(1e-3, 1e3),
)
def test_rom_invariant_to_units(
    m1: float, m2: float, s1: float, s2: float, n1: int, n2: int, scale: float
) -> None:
    base = escalc("ROM", m1i=[m1], m2i=[m2], sd1i=[s1], sd2i=[s2], n1i=[n1], n2i=[n2])
    moved = escalc(
        "ROM",
        m1i=[m1 * scale],
        m2i=[m2 * scale],
        sd1i=[s1 * scale],
        sd2i=[s2 * scale],
        n1i=[n1],
        n2i=[n2],
    )
    np.testing.assert_allclose(moved.yi, base.yi, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(moved.vi, base.vi, rtol=1e-9)


@settings_
@given(
    log_hr=st.floats(-3, 3),
    se=st.floats(0.01, 2),
    level=st.floats(50, 99.9),
)
def test_hr_from_ci_at_any_level_gives_back_the_se(log_hr: float, se: float, level: float) -> None:
    from scipy.stats import norm

    z = norm.ppf(1 - (1 - level / 100) / 2)
    hr = np.exp(log_hr)
    es = escalc(
        "HR", hr=[hr], ci_lb=[np.exp(log_hr - z * se)], ci_ub=[np.exp(log_hr + z * se)], level=level
    )
    np.testing.assert_allclose(es.sei, se, rtol=1e-9)
    np.testing.assert_allclose(es.yi, log_hr, rtol=1e-12, atol=1e-12)


@settings_
@given(log_hr=st.floats(0.01, 3), se=st.floats(0.05, 2), sign=st.sampled_from([-1, 1]))
def test_hr_from_pvalue_gives_back_the_se(log_hr: float, se: float, sign: int) -> None:
    from scipy.stats import norm

    p = 2 * norm.sf(log_hr / se)
    assume(1e-300 < p < 1)
    es = escalc("HR", hr=[np.exp(sign * log_hr)], pval=[p])
    np.testing.assert_allclose(es.sei, se, rtol=1e-7)


@settings_
@given(
    x=st.lists(st.integers(0, 200), min_size=1, max_size=8),
    extra=st.lists(st.integers(1, 200), min_size=8, max_size=8),
)
def test_proportion_measures_back_transform_to_the_proportion(
    x: list[int], extra: list[int]
) -> None:
    n = [xi + e for xi, e in zip(x, extra, strict=False)]
    p = np.array(x) / np.array(n)
    es = escalc("PAS", xi=x, ni=n)
    np.testing.assert_allclose(es.back_transform()(es.yi), p, rtol=1e-9, atol=1e-12)
    if 0 < p.min() and p.max() < 1:  # PR/PLO without correction need 0 < p < 1
        for m in ("PR", "PLO"):
            es = escalc(m, xi=x, ni=n, to="none")
            np.testing.assert_allclose(es.back_transform()(es.yi), p, rtol=1e-9)
    from evisynth import transforms

    es = escalc("PFT", xi=x, ni=n)
    np.testing.assert_allclose(transforms.ipft(es.yi, es.ni), p, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------- summary


@pytest.mark.parametrize(
    "ref",
    [pytest.param(s, id=f"{s['case']}-{s['level']}-{s['transf']}") for s in REF["summaries"]],
)
def test_summary_matches_metafor(ref: dict) -> None:
    case = next(c for c in REF["cases"] if c["name"] == ref["case"])
    args = {k: v for k, v in case["args"].items() if k != "labels"}
    es = escalc(case["measure"], **args)
    got = es.summary(level=ref["level"], back_transform=ref["back_transform"])
    cols = ["yi", "ci_lb", "ci_ub"] + ([] if ref["back_transform"] else ["sei", "zi", "pval"])
    for col in cols:
        np.testing.assert_allclose(got[col].to_numpy(), ref[col], rtol=RTOL, atol=ATOL)


def test_summary_pft_back_transform_returns_observed_proportions() -> None:
    es = escalc("PFT", xi=[0, 3, 10], ni=[10, 12, 10], labels=["a", "b", "c"])
    got = es.summary(back_transform=True)
    np.testing.assert_allclose(got["yi"], [0, 0.25, 1], atol=1e-12)
    assert list(got.index) == ["a", "b", "c"]
    assert (got["ci_lb"] <= got["yi"]).all() and (got["yi"] <= got["ci_ub"]).all()


def test_to_dict_round_trips() -> None:
    with pytest.warns(EvisynthWarning, match=r"drop00.*study 1 \('a'\)"):
        es = escalc(
            "OR", ai=[0, 3], bi=[5, 5], ci=[0, 2], di=[4, 4], drop00=True, labels=["a", "b"]
        )
    d = es.to_dict()
    assert d["dropped"] == [0] and d["labels"] == ["b"] and d["k"] == 1
    again = EffectSizes(d["yi"], d["vi"], d["measure"], tuple(d["labels"]), d["ni"])
    np.testing.assert_array_equal(again.yi, es.yi)
