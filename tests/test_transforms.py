"""Back-transforms against R metafor 3.8-1 ``transf.*`` (frozen by tests/reference/escalc.R)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth import transforms
from evisynth.errors import InputError
from tests.conftest import load_reference

REF = load_reference("escalc")

FUNCS = {
    "ilogit": lambda c: transforms.ilogit(c["x"]),
    "logit": lambda c: transforms.logit(c["x"]),
    "exp": lambda c: transforms.exp(c["x"]),
    "iarcsin": lambda c: transforms.iarcsin(c["x"]),
    "arcsin": lambda c: transforms.arcsin(c["x"]),
    "pft": lambda c: transforms.pft(c["x"], c["ni"]),
    "ipft": lambda c: transforms.ipft(c["x"], c["ni"]),
    "ipft_hm": lambda c: transforms.ipft_hm(c["x"], c["ni"]),
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=f"{c['name']}-{i}") for i, c in enumerate(REF["transforms"])]
)
def test_matches_metafor(case: dict) -> None:
    got = FUNCS[case["name"]](case)
    np.testing.assert_allclose(got, np.asarray(case["out"], dtype=float), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(
    ("measure", "fn"),
    [
        ("RR", transforms.exp),
        ("OR", transforms.exp),
        ("HR", transforms.exp),
        ("IRR", transforms.exp),
        ("ROM", transforms.exp),
        ("PLO", transforms.ilogit),
        ("PAS", transforms.iarcsin),
        ("PR", transforms.identity),
        ("RD", transforms.identity),
        ("MD", transforms.identity),
        ("SMD", transforms.identity),
        ("GEN", transforms.identity),
    ],
)
def test_back_transform_by_measure(measure: str, fn: transforms.Transform) -> None:
    assert transforms.back_transform(measure) is fn


def test_pft_back_transform_needs_sizes() -> None:
    with pytest.raises(InputError, match="sample sizes"):
        transforms.back_transform("PFT")
    f = transforms.back_transform("PFT", ni=[10, 30, 20, 60])
    assert float(f(transforms.pft(0.3, 20))) == pytest.approx(0.3, rel=1e-12)


def test_unknown_measure() -> None:
    with pytest.raises(InputError, match="'measure'"):
        transforms.back_transform("XYZ")


def test_ipft_rejects_bad_sizes() -> None:
    with pytest.raises(InputError, match="'ni'"):
        transforms.ipft_hm(0.5, [10, 0])
    with pytest.raises(InputError, match="'ni'"):
        transforms.ipft_hm(0.5, [])


props = st.floats(0, 1)
sizes = st.integers(1, 10_000)


@settings(max_examples=200, deadline=None)
@given(p=props, n=sizes)
def test_ipft_inverts_pft(p: float, n: int) -> None:
    assert float(transforms.ipft(transforms.pft(p, n), n)) == pytest.approx(p, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(p=props)
def test_iarcsin_inverts_arcsin(p: float) -> None:
    assert float(transforms.iarcsin(transforms.arcsin(p))) == pytest.approx(p, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(p=st.floats(1e-9, 1 - 1e-9))
def test_ilogit_inverts_logit(p: float) -> None:
    assert float(transforms.ilogit(transforms.logit(p))) == pytest.approx(p, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(x=st.floats(-5, 5), n=sizes)
def test_ipft_stays_in_unit_interval_and_is_monotone(x: float, n: int) -> None:
    a = float(transforms.ipft(x, n))
    b = float(transforms.ipft(x + 1e-3, n))
    assert 0 <= a <= b <= 1
