"""Issue #9: the shared validators (C2, C4, C6-C8, W7, W8, W10, M1, M5, M6).

Every bad input raises an InputError whose message is one line, names the
argument and (where there is one) the study or subject, and holds no numpy repr.
Expected numbers come from closed forms computed in the tests.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import evisynth as ev
from evisynth.errors import ConvergenceError, InputError

REPR = re.compile(r"np\.|numpy|array\(|dtype|Series|Name:")


def assert_clean(err: BaseException, *fragments: str) -> None:
    msg = str(err)
    assert "\n" not in msg and "\r" not in msg, msg
    assert not REPR.search(msg), msg
    assert len(msg) < 400, msg
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"


BAD_NUMBERS = [
    pytest.param([10**400, 1.0], "too large", id="int-overflow"),
    pytest.param([True, 2.0], "bool", id="bool-in-list"),
    pytest.param(np.array([True, False]), "True/False", id="bool-array"),
    pytest.param("12", "text", id="string"),
    pytest.param(b"12", "text", id="bytes"),
    pytest.param([b"1", 2.0], "bytes", id="bytes-in-list"),
    pytest.param(["1", 2.0], "str", id="str-in-list"),
    pytest.param([1.0, np.inf], "inf", id="inf"),
    pytest.param([1.0, None], "missing", id="none"),
    pytest.param(pd.Series([1.0, pd.NA], dtype=object), "missing", id="pandas-NA"),
]


@pytest.mark.parametrize(("value", "fragment"), BAD_NUMBERS)
def test_escalc_generic_refuses_non_numbers(value: object, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("GEN", yi=value, vi=[1.0, 1.0])
    assert_clean(err.value, "'yi'", fragment)


@pytest.mark.parametrize(("value", "fragment"), BAD_NUMBERS)
def test_rma_refuses_non_numbers(value: object, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        ev.rma(yi=[0.1, 0.2], vi=value, method="DL")
    assert_clean(err.value, "'vi'", fragment)


@pytest.mark.parametrize(("value", "fragment"), BAD_NUMBERS[:8])
def test_survival_refuses_non_numbers(value: object, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        ev.kaplan_meier(value, [1, 0])
    assert_clean(err.value, "'time'", fragment)


def test_survival_names_subjects_not_studies() -> None:
    with pytest.raises(InputError) as err:
        ev.kaplan_meier([1.0, 2.0, math.nan], [1, 0, 1])
    assert_clean(err.value, "'time'", "subject 3")
    assert "study" not in str(err.value)


def test_event_indicators_may_be_booleans() -> None:
    a = ev.kaplan_meier([1.0, 2.0, 3.0], [True, False, True])
    b = ev.kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
    np.testing.assert_array_equal(a.survival, b.survival)


def test_single_string_is_not_a_list_of_labels() -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("GEN", yi=[1.0, 2.0, 3.0], vi=[1.0, 1.0, 1.0], labels="abc")
    assert_clean(err.value, "'labels'")


def test_vtype_must_be_text() -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("SMD", m1i=[1], sd1i=[1], n1i=[10], m2i=[2], sd2i=[1], n2i=[10],
                  vtype=0)  # type: ignore[arg-type]
    assert_clean(err.value, "'vtype'", "LS")


@pytest.mark.parametrize("add", [True, "x", math.nan, -1])
def test_add_is_checked(add: object) -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("OR", ai=[1], bi=[2], ci=[3], di=[4], add=add)  # type: ignore[arg-type]
    assert_clean(err.value, "'add'")


@pytest.mark.parametrize("n", [math.nan, math.inf, "abc", True, 2.5, 0, 10**12])
def test_reconstruct_n_is_checked(n: object) -> None:
    curve = pd.DataFrame({"time": [0, 1, 1, 2], "survival": [1, 1, 0.9, 0.9]})
    with pytest.raises(InputError) as err:
        ev.reconstruct_ipd(curve, n=n)  # type: ignore[arg-type]
    assert_clean(err.value, "'n'")


def test_reconstruct_n_as_float_whole_number_is_accepted() -> None:
    curve = pd.DataFrame({"time": [0, 1, 1, 2], "survival": [1, 1, 0.9, 0.9]})
    assert len(ev.reconstruct_ipd(curve, n=10.0).ipd) == 10


@pytest.mark.parametrize("cov", ["x", [True, "a", 1.0], np.ones((3, 2))])
def test_cox_covariates_are_checked(cov: object) -> None:
    with pytest.raises(InputError) as err:
        ev.cox_ph([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], cov)
    assert_clean(err.value, "'covariates'")


def test_w7_monotone_cox_with_large_scale_covariate_is_an_error() -> None:
    # The subject with the largest covariate always fails first: the partial
    # likelihood increases without bound in beta (monotone likelihood).
    with pytest.raises(ConvergenceError):
        ev.cox_ph(np.arange(1, 11.0), np.ones(10), np.linspace(2000, 200, 10))


def test_w7_cox_is_unit_free() -> None:
    t = [5.0, 3.0, 9.0, 2.0, 7.0, 4.0, 8.0, 6.0]
    e = [1, 1, 0, 1, 1, 0, 1, 1]
    x = np.array([0.2, 1.5, 0.1, 0.9, 1.1, 0.4, 0.3, 0.7])
    a = ev.cox_ph(t, e, x)
    b = ev.cox_ph(t, e, 1000.0 * x)
    assert b.coef[0] * 1000.0 == pytest.approx(a.coef[0], rel=1e-8)
    assert b.pval[0] == pytest.approx(a.pval[0], rel=1e-8)


def test_peto_counts_beyond_double_precision_are_refused() -> None:
    with pytest.raises(InputError) as err:
        ev.rma_peto(ai=[1, 2], bi=[10, 10], ci=[2, 3], di=[1e308, 10])
    assert_clean(err.value, "'di'", "study 1")


# --- escalc numerics (C6, W8, M5) ---------------------------------------------


def test_w8_smd_with_huge_sds_is_computed() -> None:
    """Hedges' g with SD 1e200: the closed form (m1 - m2) / SD times J(n1 + n2 - 2)."""
    es = ev.escalc("SMD", m1i=[1.0], sd1i=[1e200], n1i=[10], m2i=[2.0], sd2i=[1e200], n2i=[10])
    m = 18
    cm = math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))
    assert es.yi[0] == pytest.approx(cm * (-1.0 / 1e200), rel=1e-12)
    assert es.yi[0] != 0.0


def test_c6_rom_with_huge_cv_unused_branch() -> None:
    """ROM with vtype LS: vi = CV1²/n1 + CV2²/n2, even where other branches overflow."""
    es = ev.escalc("ROM", m1i=[1e-160], sd1i=[1e-160], n1i=[10], m2i=[2.0], sd2i=[1.0],
                   n2i=[10])
    assert es.vi[0] == pytest.approx(1.0 / 10 + 0.25 / 10, rel=1e-12)
    assert es.yi[0] == pytest.approx(math.log(1e-160) - math.log(2.0), rel=1e-12)


def test_m5_smd_zero_sds_blame_the_right_study() -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("SMD", m1i=[1, 2, 3], sd1i=[1, 1, 0], n1i=[10, 10, 10], m2i=[2, 2, 2],
                  sd2i=[1, 1, 0], n2i=[10, 10, 10], vtype="AV")
    assert_clean(err.value, "study 3", "SD")


def test_m5_md_huge_sd_is_not_called_zero() -> None:
    with pytest.raises(InputError) as err:
        ev.escalc("MD", m1i=[1], sd1i=[1e300], n1i=[10], m2i=[2], sd2i=[1e300], n2i=[10])
    assert_clean(err.value, "study 1", "too large")
    assert "are 0" not in str(err.value)


def test_m1_numbers_in_messages_are_plain() -> None:
    with pytest.raises(InputError) as err:
        ev.rma(yi=[0.1, np.float64(np.inf)], vi=[1.0, 1.0])
    assert_clean(err.value, "value is inf")


def test_m7_long_label_is_cut_in_messages() -> None:
    with pytest.raises(InputError) as err:
        ev.rma(yi=[0.1, 0.2], vi=[1.0, 0.0], labels=["a", "x" * 5000])
    assert_clean(err.value, "study 2")
    assert len(str(err.value)) < 300


def test_m2_label_with_carriage_return_stays_on_one_line() -> None:
    with pytest.raises(InputError) as err:
        ev.rma(yi=[0.1, 0.2], vi=[1.0, 0.0], labels=["a", "b\r\nc"])
    assert_clean(err.value, "study 2")


@pytest.mark.parametrize(
    ("code", "kwargs"),
    [
        ("ROM", {"m1i": [2.0, 1e-160], "sd1i": [1.0, 1.0]}),  # CV 1e160 in study 2
        ("SMD", {"m1i": [2.0, 1e300], "sd1i": [1.0, 1e-300]}),  # |g| above 1e154 in study 2
    ],
)
def test_c6_huge_cv_or_g_is_an_input_error(code: str, kwargs: dict) -> None:
    base = {"n1i": [10, 10], "m2i": [1.0, 1.0], "sd2i": [1.0, 1e-300], "n2i": [10, 10]}
    with pytest.raises(InputError) as err:
        ev.escalc(code, **base, **kwargs)
    assert_clean(err.value, "study 2", "too large")
