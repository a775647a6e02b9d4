"""ASTCT 2019 CRS grading: every table row, every boundary, the footnote rules, bad input.

Expected grades are read off the ASTCT table (Lee et al. 2019, PMC8021214 Table 1) as
transcribed in shared/research/clinical-protocol.md section 1.
"""

from __future__ import annotations

import itertools

import pytest

from evisynth import InputError
from evisynth.clinic import OXYGEN_DEVICES, grade_crs

# ---------------------------------------------------------------- table rows ---------

# (kwargs, expected grade, why) -- one case per cell of the ASTCT CRS table.
ROWS = [
    ({}, 1, "grade 1: fever, no hypotension, no hypoxia"),
    ({"hypotension": True}, 2, "grade 2: hypotension not requiring vasopressors"),
    ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": 2}, 2, "grade 2: low-flow nasal cannula"),
    ({"oxygen": "blow_by"}, 2, "grade 2: blow-by"),
    ({"vasopressors": 1}, 3, "grade 3: one vasopressor"),
    ({"vasopressors": 1, "vasopressin": True}, 3, "grade 3: one vasopressor with vasopressin"),
    ({"oxygen": "high_flow_nasal_cannula"}, 3, "grade 3: high-flow nasal cannula"),
    ({"oxygen": "nasal_cannula", "oxygen_flow_l_min": 10}, 3, "grade 3: nasal cannula > 6"),
    ({"oxygen": "facemask"}, 3, "grade 3: facemask"),
    ({"oxygen": "non_rebreather"}, 3, "grade 3: non-rebreather mask"),
    ({"oxygen": "venturi"}, 3, "grade 3: Venturi mask"),
    ({"vasopressors": 2}, 4, "grade 4: multiple vasopressors"),
    ({"vasopressors": 3, "vasopressin": True}, 4, "grade 4: multiple vasopressors + vasopressin"),
    ({"oxygen": "cpap"}, 4, "grade 4: CPAP"),
    ({"oxygen": "bipap"}, 4, "grade 4: BiPAP"),
    ({"oxygen": "mechanical_ventilation"}, 4, "grade 4: intubation and ventilation"),
]


@pytest.mark.parametrize(("kwargs", "grade", "why"), ROWS, ids=[r[2] for r in ROWS])
def test_every_row_of_the_table(kwargs, grade, why):
    r = grade_crs(temperature_c=38.5, **kwargs)
    assert r.grade == grade, why
    assert r.fever is True
    assert r.reasons and all(isinstance(x, str) and x for x in r.reasons)
    assert "ASTCT" in r.source


def test_every_oxygen_device_is_graded():
    # Hypoxia grade per device from the table; nasal cannula graded at 6 L/min (low flow).
    table = {
        "none": 1, "nasal_cannula": 2, "blow_by": 2, "facemask": 3, "non_rebreather": 3,
        "venturi": 3, "high_flow_nasal_cannula": 3, "cpap": 4, "bipap": 4,
        "mechanical_ventilation": 4,
    }
    assert set(table) == set(OXYGEN_DEVICES)
    for device, expected in table.items():
        flow = 6 if device == "nasal_cannula" else None
        assert grade_crs(39.0, oxygen=device, oxygen_flow_l_min=flow).grade == expected, device


# ---------------------------------------------------------------- boundaries ---------


def test_fever_boundary_37_9_vs_38_0():
    assert grade_crs(37.9).grade == 0
    assert grade_crs(38.0).grade == 1
    # Without fever, even severe signs give grade 0 (fever is required for every grade).
    r = grade_crs(37.9, vasopressors=2, oxygen="mechanical_ventilation")
    assert r.grade == 0
    assert r.fever is False
    assert "no fever" in r.reasons[0]
    assert grade_crs(38.0, vasopressors=2).grade == 4


def test_flow_boundary_6_vs_6_1():
    assert grade_crs(38.5, oxygen="nasal_cannula", oxygen_flow_l_min=6).grade == 2
    assert grade_crs(38.5, oxygen="nasal_cannula", oxygen_flow_l_min=6.0).grade == 2
    r = grade_crs(38.5, oxygen="nasal_cannula", oxygen_flow_l_min=6.1)
    assert r.grade == 3
    assert "high flow" in r.reasons[0]


def test_one_vs_two_vasopressors():
    assert grade_crs(38.5, vasopressors=1).grade == 3
    assert grade_crs(38.5, vasopressors=2).grade == 4


def test_vasopressin_is_never_a_second_pressor():
    one_plus_vasopressin = grade_crs(38.5, vasopressors=1, vasopressin=True)
    assert one_plus_vasopressin.grade == 3
    assert "not counted" in one_plus_vasopressin.reasons[0]
    # Vasopressin alone still means "requiring a vasopressor".
    assert grade_crs(38.5, vasopressin=True).grade == 3


# ---------------------------------------------------------------- footnote rules -----


def test_worst_component_decides_astct_worked_example():
    # ASTCT: 39.5 °C, one vasopressor and low-flow nasal cannula is grade 3.
    r = grade_crs(39.5, vasopressors=1, oxygen="nasal_cannula", oxygen_flow_l_min=2)
    assert r.grade == 3
    assert (r.hypotension_grade, r.hypoxia_grade) == (3, 2)
    assert "vasopressor" in r.reasons[0]


def test_grade_is_max_of_hypotension_and_hypoxia_over_the_whole_grid():
    bp = {  # (hypotension, vasopressors) -> grade of that sign alone
        (False, 0): 0, (True, 0): 2, (True, 1): 3, (True, 2): 4,
    }
    o2 = {
        ("none", None): 0, ("nasal_cannula", 4): 2, ("nasal_cannula", 8): 3,
        ("facemask", None): 3, ("bipap", None): 4,
    }
    for ((hypo, n), g1), ((dev, flow), g2) in itertools.product(bp.items(), o2.items()):
        r = grade_crs(38.2, hypotension=hypo, vasopressors=n, oxygen=dev, oxygen_flow_l_min=flow)
        assert r.grade == max(1, g1, g2), (hypo, n, dev, flow)


def test_masked_fever_grades_by_hypotension_and_hypoxia():
    # After tocilizumab/steroids fever is no longer required.
    assert grade_crs(37.0, hypotension=True).grade == 0
    assert grade_crs(37.0, fever_masked=True, hypotension=True).grade == 2
    assert grade_crs(None, fever_masked=True, vasopressors=1).grade == 3
    assert grade_crs(36.5, fever_masked=True, oxygen="cpap").grade == 4
    r = grade_crs(36.8, fever_masked=True)
    # Masked fever and no other sign: grade 1 needs a measured fever, so no row applies.
    assert r.grade == 0
    assert "no ASTCT grade applies" in r.reasons[0]
    # A measured fever counts whether or not it is "masked".
    assert grade_crs(38.4, fever_masked=True).grade == 1


def test_vasopressor_implies_hypotension():
    assert grade_crs(38.5, hypotension=False, vasopressors=1).grade == 3


def test_to_dict_is_plain_and_complete():
    d = grade_crs(38.5, hypotension=True).to_dict()
    assert d["grade"] == 2
    assert isinstance(d["reasons"], list)
    assert set(d) == {"grade", "reasons", "fever", "hypotension_grade", "hypoxia_grade", "source"}


def test_result_is_frozen():
    r = grade_crs(38.5)
    with pytest.raises(AttributeError):
        r.grade = 4  # type: ignore[misc]


def test_oxygen_is_case_insensitive():
    assert grade_crs(38.5, oxygen="CPAP").grade == 4


# ---------------------------------------------------------------- bad input ----------


@pytest.mark.parametrize(
    ("kwargs", "must_contain"),
    [
        ({"temperature_c": 60}, ["temperature_c", "25 to 45"]),
        ({"temperature_c": 101.3}, ["temperature_c", "°F"]),
        ({"temperature_c": -38.5}, ["temperature_c"]),
        ({"temperature_c": float("nan")}, ["temperature_c", "finite"]),
        ({"temperature_c": "38.5"}, ["temperature_c", "number"]),
        ({"temperature_c": True}, ["temperature_c", "bool"]),
        ({"temperature_c": None}, ["temperature_c", "fever_masked"]),
        ({"temperature_c": 38.5, "oxygen": "nasal"}, ["oxygen", "nasal_cannula", "cpap"]),
        ({"temperature_c": 38.5, "oxygen": None}, ["oxygen", "high_flow_nasal_cannula"]),
        ({"temperature_c": 38.5, "oxygen": "nasal_cannula"}, ["oxygen_flow_l_min", "6 L/min"]),
        (
            {"temperature_c": 38.5, "oxygen": "none", "oxygen_flow_l_min": 2},
            ["oxygen_flow_l_min", "oxygen='none'"],
        ),
        (
            {"temperature_c": 38.5, "oxygen": "high_flow_nasal_cannula", "oxygen_flow_l_min": 4},
            ["oxygen_flow_l_min", "nasal_cannula"],
        ),
        (
            {"temperature_c": 38.5, "oxygen": "nasal_cannula", "oxygen_flow_l_min": -1},
            ["oxygen_flow_l_min", "0 to 80"],
        ),
        ({"temperature_c": 38.5, "vasopressors": -1}, ["vasopressors", "0 to 10"]),
        ({"temperature_c": 38.5, "vasopressors": 1.5}, ["vasopressors", "whole number"]),
        ({"temperature_c": 38.5, "vasopressors": True}, ["vasopressors", "bool"]),
        ({"temperature_c": 38.5, "fever_masked": 1}, ["fever_masked", "True or False"]),
        ({"temperature_c": 38.5, "hypotension": "yes"}, ["hypotension", "True or False"]),
        ({"temperature_c": 38.5, "vasopressin": 0}, ["vasopressin", "True or False"]),
    ],
)
def test_bad_input_names_argument_and_allowed_values(kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        grade_crs(**kwargs)
    msg = str(exc.value)
    for part in must_contain:
        assert part in msg, (part, msg)
