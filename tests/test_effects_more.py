"""escalc measures COR, UCOR, ZCOR, SMDH, IRD, IRSD, IRLN, AS, PETO, MN, MNLN.

Values against R metafor 3.8-1 (frozen by tests/reference/effects_more.R) at
1e-12 relative (plus 1e-15 absolute, for effects that are exactly 0; 5e-15
absolute for UCOR's UB variance, a difference of O(1) terms); where metafor
returns NA or a zero variance, evisynth raises InputError naming that study.
For UCOR studies where metafor's gsl hypergeometric function is wrong (see the R
script) the reference is an independent quadrature, at 1e-10. Properties
(hypothesis) check closed forms: ZCOR's vi = 1/(ni - 3) and tanh(yi) = ri,
antisymmetry of AS/IRD/IRSD/PETO when the groups are swapped.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth import transforms
from evisynth.effects import MEASURES, escalc
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta._scale import natural_scale, to_natural
from tests.conftest import load_reference
from tests.fuzz._common import FUZZ, check_message, finite_floats, maybe_junk, vector

REF = load_reference("effects_more")
RTOL = 1e-12
ATOL = 1e-15
UB_ATOL = 5e-15
QUAD_RTOL = 1e-10
FIT_RTOL = {"REML": 1e-9, "FE": 1e-12, "DL": 1e-12}  # REML: both converged to 1e-12 in tau²
NEW = ("COR", "UCOR", "ZCOR", "SMDH", "IRD", "IRSD", "IRLN", "AS", "PETO", "MN", "MNLN", "PCOR",
       "ZPCOR")
CASES = [pytest.param(c, id=c["name"]) for c in REF["cases"]]


def _num(values: list) -> np.ndarray:
    """R's NA (written as "NA" or null) to NaN."""
    return np.array([np.nan if v in (None, "NA") else v for v in values], dtype=float)


def test_reference_covers_every_new_measure() -> None:
    assert REF["metafor_version"] == "3.8.1"
    assert set(NEW) <= set(MEASURES)
    assert set(NEW) <= {c["measure"] for c in REF["cases"]}
    assert any(c["expect_error"] for c in REF["cases"])


@pytest.mark.parametrize("case", CASES)
def test_matches_metafor(case: dict) -> None:
    args = dict(case["args"])
    if case["expect_error"]:
        first = case["error_studies"][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvisynthWarning)
            with pytest.raises(InputError, match=re.escape(f"study {first + 1}")):
                escalc(case["measure"], **args)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        es = escalc(case["measure"], **args)
    keep = np.setdiff1d(np.arange(len(case["yi"])), case["dropped"])
    want_yi, want_vi = _num(case["yi"])[keep], _num(case["vi"])[keep]
    # UB is a difference of O(1) terms: compare its variance also in absolute terms
    vatol = UB_ATOL if "UB" in np.atleast_1d(case["args"].get("vtype", "LS")) else ATOL
    if "gsl_ok" in case:  # UCOR: metafor where its gsl 2F1 is right, else the quadrature
        ok = np.asarray(case["gsl_ok"], dtype=bool)
        assert ok.sum() >= len(ok) // 2 or case["args"].get("vtype") == "AV"
        np.testing.assert_allclose(es.yi[ok], want_yi[ok], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(es.vi[ok], want_vi[ok], rtol=RTOL, atol=vatol)
        qy, qv = _num(case["quad_yi"])[~ok], _num(case["quad_vi"])[~ok]
        np.testing.assert_allclose(es.yi[~ok], qy, rtol=QUAD_RTOL, atol=ATOL)
        # UB: O(1) terms, each known to QUAD_RTOL, so the difference to QUAD_RTOL absolute
        qatol = QUAD_RTOL if vatol == UB_ATOL else 1e-14
        np.testing.assert_allclose(es.vi[~ok], qv, rtol=QUAD_RTOL, atol=qatol)
        # and evisynth is nearer the quadrature than metafor is, wherever they differ
        assert np.all(np.abs(es.yi[~ok] - qy) <= np.abs(want_yi[~ok] - qy) + 1e-15)
    else:
        np.testing.assert_allclose(es.yi, want_yi, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(es.vi, want_vi, rtol=RTOL, atol=vatol)
    assert es.measure == case["measure"]
    assert es.dropped == tuple(case["dropped"])
    assert es.ni is not None and case["ni"] is not None
    np.testing.assert_allclose(es.ni, np.asarray(case["ni"], dtype=float)[keep], rtol=RTOL)


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    ("measure", "kwargs", "pattern"),
    [
        ("COR", {"ri": [0.2, 1.2], "ni": [10, 10]}, r"'ri', study 2.*between -1 and 1"),
        ("ZCOR", {"ri": [0.2, -0.1], "ni": [10, 3]}, r"'ni', study 2.*ni > 3"),
        ("COR", {"ri": [0.2], "ni": [2]}, r"'ni', study 1.*ni > 3"),
        ("UCOR", {"ri": [0.2, 0.1], "ni": [10, 4]}, r"'ni', study 2.*ni > 4"),
        ("ZCOR", {"ri": [0.2]}, r"needs correlations ri.*missing: ni"),
        ("UCOR", {"ri": [0.2], "ni": [1e300]}, r"'ni', study 1: count .* is above 1e\+15"),
        ("MN", {"mi": [1.0], "sdi": [1], "ni": [1e300]}, r"'ni', study 1: count"),
        ("ZCOR", {"ri": [0.2], "ni": [10], "vtype": "UB"}, r"'vtype'"),
        ("COR", {"ri": [0.2], "ni": [10], "sdi": [1]}, r"'sdi' is not used"),
        ("MNLN", {"mi": [1.0, -2.0], "sdi": [1, 1], "ni": [5, 5]}, r"'mi', study 2.*greater"),
        ("MN", {"mi": [1.0], "sdi": [-1], "ni": [5]}, r"'sdi', study 1"),
        ("MN", {"mi": [1.0], "sdi": [1], "ni": [0]}, r"'ni', study 1"),
        ("IRLN", {"xi": [1, -1], "ti": [5, 5]}, r"'xi', study 2"),
        ("IRLN", {"xi": [1], "ti": [0]}, r"'ti', study 1"),
        ("IRD", {"x1i": [1], "x2i": [1], "t1i": [0], "t2i": [1]}, r"'t1i', study 1"),
        ("SMDH", {"m1i": [1], "m2i": [0], "sd1i": [1], "sd2i": [1], "n1i": [1], "n2i": [5]},
         r"'n1i', study 1.*at least 2"),
        ("SMDH", {"m1i": [1], "m2i": [0], "sd1i": [0], "sd2i": [0], "n1i": [4], "n2i": [5]},
         r"both SDs are 0"),
        ("AS", {"ai": [11], "n1i": [10], "ci": [1], "n2i": [10]}, r"'ai', study 1.*exceed"),
        ("PETO", {"ai": [1], "bi": [2], "ci": [3]}, r"missing: di"),
        ("PCOR", {"ti": [2.0, 1.0], "mi": [1, 5], "ni": [20, 6]},
         r"'ni', 'mi', study 2: ni - mi - 1 = 0"),
        ("ZPCOR", {"ti": [2.0], "mi": [-1], "ni": [20]}, r"'mi', study 1"),
        ("PCOR", {"ti": [2.0], "ni": [20]}, r"missing: mi"),
        ("PCOR", {"ti": [2.0], "mi": [1], "ni": [20], "vtype": "UB"}, r"'vtype'"),
    ],
)
def test_bad_input_names_argument_and_study(measure: str, kwargs: dict, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as info:
        escalc(measure, **kwargs)
    assert "\n" not in str(info.value)


def test_labels_name_the_study() -> None:
    with pytest.raises(InputError, match=r"study 2 \('Beta'\)"):
        escalc("ZCOR", ri=[0.1, 1.5], ni=[10, 10], labels=["Alpha", "Beta"])


# ---------------------------------------------------------------- properties

corr = st.floats(-0.999, 0.999, allow_nan=False)
sizes = st.integers(4, 100_000)


@settings(max_examples=60)
@given(st.lists(st.tuples(corr, sizes), min_size=1, max_size=8))
def test_zcor_closed_form(rows: list[tuple[float, int]]) -> None:
    r = np.array([a for a, _ in rows])
    n = np.array([b for _, b in rows], dtype=float)
    es = escalc("ZCOR", ri=r, ni=n)
    np.testing.assert_allclose(es.vi, 1 / (n - 3), rtol=1e-15)
    np.testing.assert_allclose(np.tanh(es.yi), r, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(transforms.ztor(es.yi), r, rtol=1e-12, atol=1e-15)
    # COR keeps r; its LS variance is (1 - r²)²/(n - 1)
    cor = escalc("COR", ri=r, ni=n)
    np.testing.assert_array_equal(cor.yi, r)
    np.testing.assert_allclose(cor.vi, (1 - r**2) ** 2 / (n - 1), rtol=1e-14)


@settings(max_examples=60)
@given(st.lists(st.tuples(corr, st.integers(5, 2000)), min_size=1, max_size=8))
def test_ucor_shrinks_less_than_it_corrects(rows: list[tuple[float, int]]) -> None:
    # Olkin-Pratt: |UCOR| >= |r|, same sign, and the correction vanishes as n grows
    r = np.array([a for a, _ in rows])
    n = np.array([b for _, b in rows], dtype=float)
    u = escalc("UCOR", ri=r, ni=n).yi
    assert np.all(np.abs(u) >= np.abs(r) * (1 - 1e-15))
    assert np.all(np.sign(u) == np.sign(r))
    assert np.all(np.abs(u - r) <= np.abs(r) * (1 - r**2) / (n - 4) + 1e-15)


counts = st.integers(0, 60)


@settings(max_examples=80)
@given(counts, counts, counts, counts, st.sampled_from(["AS", "PETO"]))
def test_two_by_two_antisymmetric_under_group_swap(a: int, b: int, c: int, d: int,
                                                   measure: str) -> None:
    if a + b == 0 or c + d == 0 or (measure == "PETO" and (a + c == 0 or b + d == 0)):
        return
    one = escalc(measure, ai=[a], bi=[b], ci=[c], di=[d])
    two = escalc(measure, ai=[c], bi=[d], ci=[a], di=[b])
    np.testing.assert_allclose(one.yi, -two.yi, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(one.vi, two.vi, rtol=1e-12)
    if measure == "AS":
        n1, n2 = a + b, c + d
        np.testing.assert_allclose(one.vi, [1 / (4 * n1) + 1 / (4 * n2)], rtol=1e-15)


@settings(max_examples=80)
@given(counts, counts, st.floats(0.1, 1e5), st.floats(0.1, 1e5), st.sampled_from(["IRD", "IRSD"]))
def test_rates_antisymmetric_under_group_swap(x1: int, x2: int, t1: float, t2: float,
                                             measure: str) -> None:
    one = escalc(measure, x1i=[x1], x2i=[x2], t1i=[t1], t2i=[t2])
    two = escalc(measure, x1i=[x2], x2i=[x1], t1i=[t2], t2i=[t1])
    np.testing.assert_allclose(one.yi, -two.yi, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(one.vi, two.vi, rtol=1e-12)
    if measure == "IRSD":  # no zero-count correction by default; variance from person-time only
        np.testing.assert_allclose(one.yi, [np.sqrt(x1 / t1) - np.sqrt(x2 / t2)], rtol=1e-12,
                                   atol=1e-14)
        np.testing.assert_allclose(one.vi, [1 / (4 * t1) + 1 / (4 * t2)], rtol=1e-15)


@settings(max_examples=60)
@given(st.floats(0.01, 1e6), st.floats(0.01, 1e3), st.integers(1, 10_000))
def test_mnln_is_log_of_mn_with_delta_variance(m: float, s: float, n: int) -> None:
    raw = escalc("MN", mi=[m], sdi=[s], ni=[n])
    log = escalc("MNLN", mi=[m], sdi=[s], ni=[n])
    np.testing.assert_allclose(np.exp(log.yi), raw.yi, rtol=1e-14)
    np.testing.assert_allclose(log.vi, raw.vi / m**2, rtol=1e-14)


@settings(max_examples=60)
@given(st.floats(-50, 50), st.floats(-50, 50), st.floats(0.1, 20), st.integers(2, 500),
       st.integers(2, 500))
def test_smdh_equals_smd_with_equal_sds_and_sizes(m1: float, m2: float, s: float, n: int,
                                                 _unused: int) -> None:
    # equal SDs and group sizes: (sd1² + sd2²)/2 is the pooled variance, so yi = Hedges' g
    kw = {"m1i": [m1], "m2i": [m2], "sd1i": [s], "sd2i": [s], "n1i": [n], "n2i": [n]}
    np.testing.assert_allclose(escalc("SMDH", **kw).yi, escalc("SMD", **kw).yi,
                               rtol=1e-12, atol=1e-14)


@settings(max_examples=60)
@given(st.floats(-100, 100), st.integers(0, 20), st.integers(1, 10_000))
def test_zpcor_is_fisher_z_of_pcor(t: float, m: int, extra: int) -> None:
    n = m + 1 + extra
    p = escalc("PCOR", ti=[t], mi=[m], ni=[n])
    z = escalc("ZPCOR", ti=[t], mi=[m], ni=[n])
    np.testing.assert_allclose(p.yi, [t / np.sqrt(t**2 + extra)], rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(np.tanh(z.yi), p.yi, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(z.vi, [1 / extra], rtol=1e-15)
    np.testing.assert_allclose(p.vi, (1 - p.yi**2) ** 2 / extra, rtol=1e-14)


# ---------------------------------------------------------------- end to end


def test_rma_on_zcor_reports_correlations() -> None:
    es = escalc("ZCOR", ri=[0.4, 0.5, 0.3, 0.6], ni=[50, 80, 40, 120])
    fit = ev.rma(es)
    assert fit.measure == "ZCOR"
    assert natural_scale("ZCOR") == "correlation"
    assert to_natural("ZCOR", fit.estimate) == pytest.approx(np.tanh(fit.estimate), rel=1e-15)
    assert es.back_transform()(es.yi) == pytest.approx(np.array([0.4, 0.5, 0.3, 0.6]),
                                                        rel=1e-12)
    rows = es.summary(back_transform=True)
    assert rows["ci_lb"].lt(rows["yi"]).all() and rows["yi"].lt(rows["ci_ub"]).all()


@pytest.mark.parametrize(
    ("measure", "kwargs"),
    [
        ("COR", {"ri": [0.1, 0.3, 0.2], "ni": [30, 40, 50]}),
        ("UCOR", {"ri": [0.1, 0.3, 0.2], "ni": [30, 40, 50]}),
        ("SMDH", {"m1i": [1, 2, 3], "m2i": [0, 1, 1], "sd1i": [1, 2, 2], "sd2i": [2, 1, 2],
                  "n1i": [10, 20, 30], "n2i": [12, 18, 25]}),
        ("AS", {"ai": [3, 5, 0], "n1i": [20, 30, 15], "ci": [6, 9, 2], "n2i": [20, 31, 14]}),
        ("PETO", {"ai": [3, 5, 0], "n1i": [20, 30, 15], "ci": [6, 9, 2], "n2i": [20, 31, 14]}),
        ("IRD", {"x1i": [3, 5, 0], "t1i": [200, 300, 150], "x2i": [6, 9, 2],
                 "t2i": [210, 310, 140]}),
        ("IRSD", {"x1i": [3, 5, 0], "t1i": [200, 300, 150], "x2i": [6, 9, 2],
                  "t2i": [210, 310, 140]}),
        ("IRLN", {"xi": [3, 5, 0], "ti": [200, 300, 150]}),
        ("MN", {"mi": [3.0, 5.0, 4.0], "sdi": [1, 2, 1.5], "ni": [20, 30, 25]}),
        ("MNLN", {"mi": [3.0, 5.0, 4.0], "sdi": [1, 2, 1.5], "ni": [20, 30, 25]}),
        ("PCOR", {"ti": [2.1, 3.0, 1.2], "mi": [2, 3, 1], "ni": [40, 60, 35]}),
        ("ZPCOR", {"ti": [2.1, 3.0, 1.2], "mi": [2, 3, 1], "ni": [40, 60, 35]}),
    ],
)
def test_rma_end_to_end(measure: str, kwargs: dict) -> None:
    es = escalc(measure, **kwargs)
    fit = ev.rma(es, method="FE")
    w = 1 / es.vi
    assert fit.estimate == pytest.approx(float(np.sum(w * es.yi) / np.sum(w)), rel=1e-12)
    back = transforms.back_transform(measure)
    assert np.all(np.isfinite(back(np.array([fit.ci_lb, fit.estimate, fit.ci_ub]))))
    fit.summary()
    assert "<" in fit._repr_html_()
    if measure in ("IRLN", "MNLN", "PETO"):
        assert to_natural(measure, fit.estimate) == pytest.approx(np.exp(fit.estimate))


# ---------------------------------------------------------------- fuzz: a result or a clean error

NEW_ARGS = {
    "COR": ("ri", "ni"), "UCOR": ("ri", "ni"), "ZCOR": ("ri", "ni"),
    "PCOR": ("ti", "mi", "ni"), "ZPCOR": ("ti", "mi", "ni"),
    "SMDH": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "AS": ("ai", "bi", "ci", "di"), "PETO": ("ai", "bi", "ci", "di"),
    "IRD": ("x1i", "t1i", "x2i", "t2i"), "IRSD": ("x1i", "t1i", "x2i", "t2i"),
    "IRLN": ("xi", "ti"), "MN": ("mi", "sdi", "ni"), "MNLN": ("mi", "sdi", "ni"),
}


def _good(measure: str, arg: str) -> st.SearchStrategy[Any]:
    if arg == "ri":
        return st.floats(-1, 1)
    if arg in ("ai", "bi", "ci", "di", "xi", "x1i", "x2i") or (arg == "mi" and "PCOR" in measure):
        return st.integers(0, 300).map(float)
    if arg in ("ni", "n1i", "n2i"):
        return st.integers(1, 2000).map(float)
    if arg in ("sdi", "sd1i", "sd2i", "t1i", "t2i"):
        return st.floats(1e-3, 1e4)
    return finite_floats(-1e3, 1e3)


@st.composite
def _new_inputs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    measure = draw(st.sampled_from(sorted(NEW_ARGS)))
    k = draw(st.integers(1, 5))
    args = {a: draw(vector(maybe_junk(_good(measure, a), 6), k)) for a in NEW_ARGS[measure]}
    return measure, args


@FUZZ
@given(_new_inputs())
def test_new_measures_result_or_clean_error(case: tuple[str, dict[str, Any]]) -> None:
    measure, args = case
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EvisynthWarning)
            es = escalc(measure, **args)
    except InputError as exc:
        check_message(exc, *[f"'{a}'" for a in args], "measure", "arguments")
        return
    assert np.all(np.isfinite(es.yi)) and np.all(np.isfinite(es.vi)) and np.all(es.vi > 0)
    assert es.k == len(next(iter(args.values())))


FITS = [pytest.param(f, id=f["name"]) for f in REF["fits"]]


@pytest.mark.parametrize("case", FITS)
def test_rma_matches_metafor(case: dict) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        es = escalc(case["measure"], **case["args"])
    fit = ev.rma(es, method=case["method"])
    rtol = FIT_RTOL[case["method"]]
    for key in ("estimate", "se", "ci_lb", "ci_ub", "tau2"):
        assert getattr(fit, key) == pytest.approx(case[key], rel=rtol, abs=1e-14), key
    assert fit.Q == pytest.approx(case["QE"], rel=rtol)
    if "natural" in case:
        back = es.back_transform()
        for key in ("estimate", "ci_lb", "ci_ub"):
            want = case["natural"][key]
            assert float(back(getattr(fit, key))) == pytest.approx(want, rel=rtol), key
            assert to_natural(case["measure"], getattr(fit, key)) == pytest.approx(want, rel=rtol)
