"""Fuzz the bedside tools: closed forms where there is one, otherwise a result or a
clean InputError, for arguments of every type."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import evisynth as ev
from evisynth.clinic import OXYGEN_DEVICES, PATIENT_FIELDS, PRODUCTS, TRIALS
from evisynth.errors import InputError
from tests.fuzz._common import FUZZ, check_message, junk_scalar, maybe_junk

pytestmark = pytest.mark.filterwarnings("ignore::evisynth.errors.EvisynthWarning")

ANY = st.one_of(junk_scalar, st.integers(-5, 500), st.floats(-50, 500, allow_nan=False),
                st.text(max_size=8), st.sampled_from(["none", "awake", "nasal_cannula"]))


def call(f: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        out = f(*args, **kwargs)
    except InputError as exc:
        event("InputError")
        check_message(exc, "argument", "'")
        return None
    event("result")
    return out


@FUZZ
@given(maybe_junk(st.floats(50, 250), 4), maybe_junk(st.floats(1, 300), 4))
def test_bsa_mosteller(height: Any, weight: Any) -> None:
    out = call(ev.bsa, height, weight)
    if out is not None:
        assert out == pytest.approx(math.sqrt(height * weight / 3600), rel=1e-12)


@FUZZ
@given(maybe_junk(st.floats(1, 250), 4))
def test_tocilizumab_dose_rule(weight: Any) -> None:
    """8 mg/kg (12 mg/kg below 30 kg), at most 800 mg (Actemra label)."""
    out = call(ev.tocilizumab_dose, weight)
    if out is not None:
        per_kg = 12 if weight < 30 else 8
        assert out.dose_mg == pytest.approx(min(800.0, per_kg * weight), rel=1e-9, abs=0.5)


@FUZZ
@given(st.lists(maybe_junk(st.integers(0, 4), 4), min_size=5, max_size=5))
def test_ice_score_is_the_sum(items: list[Any]) -> None:
    out = call(ev.ice_score, *items)
    if out is not None:
        assert out == sum(items)


@FUZZ
@given(ANY, ANY, ANY, ANY, st.one_of(ANY, st.sampled_from(OXYGEN_DEVICES)), ANY)
def test_grade_crs_any_input(temp: Any, masked: Any, hypo: Any, vaso: Any, oxygen: Any,
                             flow: Any) -> None:
    out = call(ev.grade_crs, temp, masked, hypo, vaso, oxygen, flow)
    if out is not None:
        assert out.grade in (0, 1, 2, 3, 4)


@FUZZ
@given(ANY, ANY, ANY, ANY, ANY)
def test_grade_icans_any_input(ice: Any, cons: Any, seizure: Any, motor: Any, edema: Any) -> None:
    out = call(ev.grade_icans, ice, cons, seizure, motor, edema)
    if out is not None:
        assert out.grade in (0, 1, 2, 3, 4)


@FUZZ
@given(st.one_of(ANY, st.sampled_from(PRODUCTS)), maybe_junk(st.floats(50, 250), 4),
       maybe_junk(st.floats(1, 300), 4))
def test_lymphodepletion_any_input(product: Any, height: Any, weight: Any) -> None:
    call(ev.clinic.lymphodepletion, product, height, weight)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted(PATIENT_FIELDS)), ANY, max_size=8),
       st.one_of(ANY, st.sampled_from(TRIALS)))
def test_eligibility_any_input(patient: dict[str, Any], trial: Any) -> None:
    call(ev.check_eligibility, patient, trial)


@FUZZ
@given(st.one_of(ANY, st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
                 st.dates().map(dt.date.isoformat)),
       st.one_of(ANY, st.sampled_from(PRODUCTS)),
       st.one_of(st.none(), ANY, st.sampled_from(TRIALS)))
def test_schedule_any_input(day: Any, product: Any, trial: Any) -> None:
    out = call(ev.follow_up_schedule, day, product, trial)
    if out is not None:
        out.to_ical()
