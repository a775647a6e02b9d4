"""Absolute effects per 1,000 on hand-derivable cases, and their properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.errors import InputError
from evisynth.grade import (
    absolute_effect,
    events_per_1000,
    risk_from_hr,
    risk_from_or,
    risk_from_rd,
    risk_from_rr,
)


def test_hr_half_with_half_survival() -> None:
    # S_C = 0.5, HR = 0.5: S_I = 0.5**0.5 = 0.70710678; events per 1,000:
    # control 1000·(1 - 0.5) = 500, intervention 1000·(1 - 0.70710678) = 292.89 → 293,
    # difference 292.89 - 500 = -207.11 → -207
    assert risk_from_hr(0.5, 0.5) == pytest.approx(1 - math.sqrt(0.5), rel=1e-15)
    a = absolute_effect("HR", 0.5, 0.5, 0.5, baseline=0.5)
    assert (a.control_per_1000, a.intervention_per_1000, a.difference_per_1000) == (500, 293, -207)
    assert a.text() == "207 fewer per 1,000 (from 207 fewer to 207 fewer)"


def test_hr_interval_from_the_hr_bounds() -> None:
    # S_C = 0.8 at 2 years, HR 0.7 (0.5 to 1.2):
    # 1 - 0.8**0.7 = 1 - exp(0.7·ln 0.8) = 1 - exp(-0.156200) = 0.144610 → 145 vs 200: -55
    # 1 - 0.8**0.5 = 1 - 0.894427 = 0.105573 → diff -94.43 → -94
    # 1 - 0.8**1.2 = 1 - exp(-0.267772) = 1 - 0.765082 = 0.234918 → diff 34.92 → 35
    a = absolute_effect("HR", 0.7, 0.5, 1.2, baseline=0.8)
    assert a.control_per_1000 == 200
    assert a.intervention_per_1000 == 145
    assert a.difference_per_1000 == -55
    assert a.difference_ci_per_1000 == (-94, 35)
    assert a.text() == "55 fewer per 1,000 (from 94 fewer to 35 more)"


def test_rr_or_rd() -> None:
    # RR: risk 0.2·0.75 = 0.15 → 150 vs 200, difference -50; bounds 0.2·0.5 = 0.1 (-100),
    # 0.2·1.125 = 0.225 (+25)
    a = absolute_effect("RR", 0.75, 0.5, 1.125, baseline=0.2)
    assert (a.control_per_1000, a.intervention_per_1000, a.difference_per_1000) == (200, 150, -50)
    assert a.difference_ci_per_1000 == (-100, 25)
    # OR 3 at p = 0.5: 3·0.5 / (0.5 + 1.5) = 0.75
    assert risk_from_or(0.5, 3.0) == pytest.approx(0.75, rel=1e-15)
    # OR 1 leaves the risk unchanged: p / (1 - p + p) = p
    assert risk_from_or(0.3, 1.0) == pytest.approx(0.3, rel=1e-15)
    assert risk_from_rd(0.3, -0.1) == pytest.approx(0.2, rel=1e-12)
    assert risk_from_rd(0.05, -0.1) == 0.0  # kept a probability
    # a risk above 1 is capped: 0.5·3 = 1.5 → 1
    assert risk_from_rr(0.5, 3.0) == 1.0


def test_rounding_half_away_from_zero() -> None:
    assert events_per_1000(0.0125) == 13  # 12.5 → 13 (Python's round would give 12)
    assert events_per_1000(-0.0125) == -13
    assert events_per_1000(0.0124) == 12
    assert events_per_1000(0.0) == 0


def test_bad_inputs_name_the_argument() -> None:
    with pytest.raises(InputError, match="'baseline'"):
        absolute_effect("HR", 0.5, 0.4, 0.6, baseline=1.5)
    with pytest.raises(InputError, match="'hr'"):
        risk_from_hr(0.5, -0.2)
    with pytest.raises(InputError, match="'measure'"):
        absolute_effect("MD", 1.0, 0.5, 1.5, baseline=0.5)
    with pytest.raises(InputError, match="natural scale"):
        absolute_effect("HR", -0.69, -0.9, -0.5, baseline=0.5)  # log HRs by mistake
    with pytest.raises(InputError, match="'control_risk'"):
        risk_from_rr(-0.1, 1.0)


survival = st.floats(0.01, 0.99)
ratio = st.floats(0.05, 20.0)


@settings(max_examples=200, deadline=None)
@given(s=survival, h1=ratio, h2=ratio)
def test_absolute_effect_monotone_in_hr(s: float, h1: float, h2: float) -> None:
    lo, hi = sorted((h1, h2))
    # 1 - s**h increases with h for 0 < s < 1 (d/dh = -s**h·ln s > 0)
    assert risk_from_hr(s, lo) <= risk_from_hr(s, hi)
    a = absolute_effect("HR", lo, lo, hi, baseline=s)
    d_lo, d_hi = a.difference_ci_per_1000
    assert d_lo <= a.difference_per_1000 <= d_hi


@settings(max_examples=200, deadline=None)
@given(s=st.floats(0.0, 1.0))
def test_hr_one_gives_no_difference(s: float) -> None:
    a = absolute_effect("HR", 1.0, 1.0, 1.0, baseline=s)
    assert a.risk == pytest.approx(a.control_risk, abs=1e-15)
    assert a.difference_per_1000 == 0
    assert a.difference_ci_per_1000 == (0, 0)


@settings(max_examples=200, deadline=None)
@given(p=st.floats(0.0, 1.0), r1=ratio, r2=ratio)
def test_rr_and_or_monotone(p: float, r1: float, r2: float) -> None:
    lo, hi = sorted((r1, r2))
    assert risk_from_rr(p, lo) <= risk_from_rr(p, hi)
    assert risk_from_or(p, lo) <= risk_from_or(p, hi) + 1e-15
