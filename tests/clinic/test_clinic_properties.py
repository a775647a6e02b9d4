"""Property-based checks: grades stay in 0..4, are monotone in the severity of each input,
equal the most severe component, and doses obey the label formulas and limits."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from evisynth.clinic import (
    OXYGEN_DEVICES,
    bsa,
    grade_crs,
    grade_icans,
    ice_score,
    lymphodepletion,
    tocilizumab_dose,
)
from evisynth.clinic.icans import CEREBRAL_EDEMA, CONSCIOUSNESS, MOTOR, SEIZURE

temps = st.floats(min_value=25.0, max_value=45.0)
flows = st.floats(min_value=0.0, max_value=80.0)

# Oxygen support ordered by ASTCT severity (nasal cannula at <= 6 L/min is low flow).
O2_ORDER = {
    "none": 0, "blow_by": 1, "nasal_cannula": 1, "facemask": 2, "non_rebreather": 2,
    "venturi": 2, "high_flow_nasal_cannula": 2, "cpap": 3, "bipap": 3,
    "mechanical_ventilation": 3,
}


@st.composite
def crs_inputs(draw):
    device = draw(st.sampled_from(OXYGEN_DEVICES))
    if device == "nasal_cannula":
        flow = draw(flows)
    elif device == "high_flow_nasal_cannula":
        flow = draw(st.one_of(st.none(), st.floats(min_value=6.01, max_value=80.0)))
    elif device == "none":
        flow = draw(st.sampled_from([None, 0.0]))
    else:
        flow = draw(st.one_of(st.none(), flows))
    masked = draw(st.booleans())
    temp = draw(st.one_of(st.none(), temps) if masked else temps)
    return {
        "temperature_c": temp,
        "fever_masked": masked,
        "hypotension": draw(st.booleans()),
        "vasopressors": draw(st.integers(min_value=0, max_value=10)),
        "vasopressin": draw(st.booleans()),
        "oxygen": device,
        "oxygen_flow_l_min": flow,
    }


@given(crs_inputs())
def test_crs_grade_in_range_and_has_reasons(kw):
    r = grade_crs(**kw)
    assert r.grade in (0, 1, 2, 3, 4)
    assert r.reasons


@given(crs_inputs())
def test_crs_grade_is_worst_component_when_fever_counts(kw):
    r = grade_crs(**kw)
    t = kw["temperature_c"]
    fever = t is not None and t >= 38.0
    if fever:
        assert r.grade == max(1, r.hypotension_grade, r.hypoxia_grade)
    elif kw["fever_masked"]:
        assert r.grade == max(r.hypotension_grade, r.hypoxia_grade)
    else:
        assert r.grade == 0


@given(crs_inputs(), temps)
def test_crs_monotone_in_temperature(kw, other):
    if kw["temperature_c"] is None:
        return
    lo, hi = sorted([kw["temperature_c"], other])
    assert grade_crs(**{**kw, "temperature_c": lo}).grade <= grade_crs(
        **{**kw, "temperature_c": hi}
    ).grade


@given(crs_inputs())
def test_crs_monotone_in_each_flag_and_count(kw):
    g = grade_crs(**kw).grade
    assert grade_crs(**{**kw, "hypotension": True}).grade >= g
    assert grade_crs(**{**kw, "fever_masked": True}).grade >= g
    if kw["vasopressors"] < 10:
        assert grade_crs(**{**kw, "vasopressors": kw["vasopressors"] + 1}).grade >= g


@given(crs_inputs())
def test_vasopressin_never_raises_grade_beyond_one_pressor(kw):
    # Vasopressin can make "no pressor" into "a pressor", never one pressor into two.
    if kw["vasopressors"] >= 1:
        assert grade_crs(**{**kw, "vasopressin": True}).grade == grade_crs(
            **{**kw, "vasopressin": False}
        ).grade


@given(crs_inputs(), st.sampled_from(OXYGEN_DEVICES), st.sampled_from(OXYGEN_DEVICES))
def test_crs_monotone_in_oxygen_support(kw, a, b):
    def with_device(dev):
        flow = 6.0 if dev == "nasal_cannula" else None
        return grade_crs(**{**kw, "oxygen": dev, "oxygen_flow_l_min": flow}).grade

    if O2_ORDER[a] <= O2_ORDER[b]:
        assert with_device(a) <= with_device(b)


@given(crs_inputs(), flows, flows)
def test_crs_monotone_in_nasal_cannula_flow(kw, f1, f2):
    lo, hi = sorted([f1, f2])
    base = {**kw, "oxygen": "nasal_cannula"}
    assert grade_crs(**{**base, "oxygen_flow_l_min": lo}).grade <= grade_crs(
        **{**base, "oxygen_flow_l_min": hi}
    ).grade


# ---------------------------------------------------------------- ICANS --------------


@st.composite
def icans_inputs(draw):
    level = draw(st.sampled_from(CONSCIOUSNESS))
    if level == "unarousable":
        ice = draw(st.sampled_from([None, 0]))
    elif level == "awakens_to_tactile":
        ice = draw(st.one_of(st.none(), st.integers(0, 10)))
    else:
        ice = draw(st.integers(0, 10))
    return {
        "ice": ice,
        "consciousness": level,
        "seizure": draw(st.sampled_from(SEIZURE)),
        "motor": draw(st.sampled_from(MOTOR)),
        "cerebral_edema": draw(st.sampled_from(CEREBRAL_EDEMA)),
    }


@given(icans_inputs())
def test_icans_grade_in_range_and_is_max_domain(kw):
    r = grade_icans(**kw)
    assert r.grade in (0, 1, 2, 3, 4)
    domains = [r.ice_grade or 0, r.consciousness_grade, r.seizure_grade, r.motor_grade,
               r.cerebral_edema_grade]
    assert r.grade == max(domains)


@given(icans_inputs())
def test_icans_monotone_in_ice(kw):
    if kw["ice"] is None or kw["consciousness"] == "unarousable":
        return
    g = grade_icans(**kw).grade
    if kw["ice"] > 0:
        assert grade_icans(**{**kw, "ice": kw["ice"] - 1}).grade >= g
    if kw["ice"] < 10:
        assert grade_icans(**{**kw, "ice": kw["ice"] + 1}).grade <= g


@given(icans_inputs(), st.sampled_from(["seizure", "motor", "cerebral_edema"]))
def test_icans_monotone_in_each_domain(kw, domain):
    order = {"seizure": SEIZURE, "motor": MOTOR, "cerebral_edema": CEREBRAL_EDEMA}[domain]
    grades = [grade_icans(**{**kw, domain: v}).grade for v in order]
    assert grades == sorted(grades)


@given(icans_inputs())
def test_icans_monotone_in_consciousness(kw):
    # Levels are listed from awake to unarousable; ICE must stay consistent with level.
    ice = kw["ice"] if kw["ice"] is not None else 0
    grades = []
    for level in CONSCIOUSNESS:
        grades.append(grade_icans(**{**kw, "consciousness": level,
                                     "ice": 0 if level == "unarousable" else ice}).grade)
    # Only the unarousable step may change ICE (to 0), which never lowers the grade.
    assert grades == sorted(grades)


@given(
    st.integers(0, 4), st.integers(0, 3), st.integers(0, 1), st.integers(0, 1), st.integers(0, 1)
)
def test_ice_score_is_the_item_sum(o, n, c, w, a):
    assert ice_score(o, n, c, w, a) == o + n + c + w + a


# ---------------------------------------------------------------- dosing -------------

heights = st.floats(min_value=40.0, max_value=250.0)
weights = st.floats(min_value=1.0, max_value=350.0)


@given(heights, weights, heights, weights)
def test_bsa_monotone_in_height_and_weight(h1, w1, h2, w2):
    for formula in ("mosteller", "dubois"):
        if h1 <= h2 and w1 <= w2:
            assert bsa(h1, w1, formula) <= bsa(h2, w2, formula)


@given(heights, weights, st.sampled_from(["axi-cel", "liso-cel", "tisa-cel"]))
def test_lymphodepletion_daily_dose_is_label_rate_times_bsa(h, w, product):
    plan = lymphodepletion(product, h, w)
    for d in plan.drugs:
        assert math.isclose(d.daily_dose_mg, d.mg_per_m2_per_day * plan.bsa_m2, rel_tol=1e-12)
        assert math.isclose(d.course_dose_mg, d.daily_dose_mg * d.n_days, rel_tol=1e-12)
        assert len(d.days) == d.n_days and d.days[-1] <= -2


@given(weights, weights)
def test_tocilizumab_never_above_800_and_monotone_from_30kg(w1, w2):
    t1, t2 = tocilizumab_dose(w1), tocilizumab_dose(w2)
    assert 0 < t1.dose_mg <= 800
    if 30 <= w1 <= w2:
        assert t1.dose_mg <= t2.dose_mg
    expected = min(8 * w1, 800) if w1 >= 30 else 12 * w1
    assert math.isclose(t1.dose_mg, expected, rel_tol=1e-12)
