"""ICE score and ASTCT 2019 ICANS grading: every table cell, boundaries, worst domain, bad input.

Expected grades are read off the ASTCT ICANS table (Lee et al. 2019) as transcribed in
shared/research/clinical-protocol.md section 2.
"""

from __future__ import annotations

import pytest

from evisynth import InputError
from evisynth.clinic import grade_icans, ice_score

# ---------------------------------------------------------------- ICE score ----------


def test_ice_full_and_empty():
    assert ice_score(4, 3, 1, 1, 1) == 10
    assert ice_score(0, 0, 0, 0, 0) == 0
    # 2 (orientation) + 1 (naming) + 1 + 0 + 1 = 5
    assert ice_score(orientation=2, naming=1, commands=1, writing=0, attention=1) == 5


@pytest.mark.parametrize(
    ("item", "too_high"),
    [("orientation", 5), ("naming", 4), ("commands", 2), ("writing", 2), ("attention", 2)],
)
def test_ice_item_out_of_range_names_item_and_range(item, too_high):
    items = {"orientation": 0, "naming": 0, "commands": 0, "writing": 0, "attention": 0}
    items[item] = too_high
    with pytest.raises(InputError) as exc:
        ice_score(**items)
    assert item in str(exc.value)
    assert f"from 0 to {too_high - 1}" in str(exc.value)
    items[item] = -1
    with pytest.raises(InputError, match=item):
        ice_score(**items)


@pytest.mark.parametrize("bad", [True, 1.0, "1", None])
def test_ice_items_must_be_integers_not_bool(bad):
    with pytest.raises(InputError, match="commands"):
        ice_score(4, 3, bad, 1, 1)


# ---------------------------------------------------------------- ICE domain ---------


@pytest.mark.parametrize(
    ("ice", "grade"),
    [(10, 0), (9, 1), (8, 1), (7, 1), (6, 2), (5, 2), (4, 2), (3, 2), (2, 3), (1, 3), (0, 3)],
)
def test_every_ice_score(ice, grade):
    r = grade_icans(ice=ice)
    assert r.grade == grade
    assert r.ice_grade == grade


def test_ice_boundaries_2_3_6_7_9_10():
    assert (grade_icans(ice=2).grade, grade_icans(ice=3).grade) == (3, 2)
    assert (grade_icans(ice=6).grade, grade_icans(ice=7).grade) == (2, 1)
    assert (grade_icans(ice=9).grade, grade_icans(ice=10).grade) == (1, 0)


def test_ice_zero_awake_vs_unarousable():
    # ASTCT footnote: ICE 0 awake with global aphasia is grade 3; unarousable is grade 4.
    assert grade_icans(ice=0, consciousness="awake").grade == 3
    r = grade_icans(ice=0, consciousness="unarousable")
    assert r.grade == 4
    assert r.ice_grade == 4


# ---------------------------------------------------------------- other domains ------


@pytest.mark.parametrize(
    ("kwargs", "grade"),
    [
        ({"consciousness": "awakens_spontaneously"}, 1),
        ({"consciousness": "awakens_to_voice"}, 2),
        ({"consciousness": "awakens_to_tactile"}, 3),
        ({"consciousness": "unarousable", "ice": 0}, 4),
        ({"seizure": "resolves_rapidly"}, 3),
        ({"seizure": "nonconvulsive_resolves_with_intervention"}, 3),
        ({"seizure": "prolonged_or_repetitive"}, 4),
        ({"motor": "deep_focal_weakness"}, 4),
        ({"cerebral_edema": "focal_local"}, 3),
        ({"cerebral_edema": "diffuse_or_posturing_or_cn6_palsy_or_papilledema_or_cushing"}, 4),
    ],
)
def test_every_domain_cell_with_normal_ice(kwargs, grade):
    kwargs = {"ice": 10, **kwargs}
    r = grade_icans(**kwargs)
    assert r.grade == grade
    assert r.reasons[0].startswith(f"grade {grade}: set by the most severe domain")
    assert "ASTCT" in r.source


def test_no_finding_is_grade_0():
    r = grade_icans(ice=10)
    assert r.grade == 0
    assert "no ASTCT ICANS finding" in r.reasons[0]


# ---------------------------------------------------------------- worst domain -------


def test_most_severe_domain_wins():
    # ASTCT worked example: ICE 3 (grade 2) with a generalised seizure (grade 3) is grade 3.
    r = grade_icans(ice=3, seizure="resolves_rapidly")
    assert r.grade == 3
    assert "seizure" in r.reasons[0]
    # ICE 8 (grade 1) but awakens only to voice (grade 2) -> 2.
    assert grade_icans(ice=8, consciousness="awakens_to_voice").grade == 2
    # ICE 2 (grade 3) outranks awakens spontaneously (grade 1).
    r = grade_icans(ice=2, consciousness="awakens_spontaneously")
    assert r.grade == 3
    assert "ICE score 2" in r.reasons[0]
    # Motor weakness (4) outranks a near-normal ICE (1).
    assert grade_icans(ice=9, motor="deep_focal_weakness").grade == 4
    # Focal oedema (3) + ICE 5 (2) + awakens to voice (2) -> 3.
    r = grade_icans(ice=5, consciousness="awakens_to_voice", cerebral_edema="focal_local")
    assert r.grade == 3


def test_ice_may_be_omitted_only_when_it_cannot_change_the_grade():
    assert grade_icans(consciousness="awakens_to_tactile").grade == 3
    assert grade_icans(consciousness="unarousable").grade == 4
    for level in ("awake", "awakens_spontaneously", "awakens_to_voice"):
        with pytest.raises(InputError, match="'ice': required"):
            grade_icans(consciousness=level)


def test_to_dict():
    d = grade_icans(ice=5).to_dict()
    assert d["grade"] == 2
    assert d["ice_grade"] == 2
    assert d["seizure_grade"] == 0
    assert isinstance(d["reasons"], list)


# ---------------------------------------------------------------- bad input ----------


@pytest.mark.parametrize(
    ("kwargs", "must_contain"),
    [
        ({"ice": 11}, ["'ice'", "0 to 10"]),
        ({"ice": -1}, ["'ice'", "0 to 10"]),
        ({"ice": True}, ["'ice'", "bool"]),
        ({"ice": 5.0}, ["'ice'", "whole number"]),
        ({"ice": 5, "consciousness": "drowsy"}, ["consciousness", "awakens_to_voice"]),
        ({"ice": 5, "seizure": "yes"}, ["seizure", "prolonged_or_repetitive"]),
        ({"ice": 5, "motor": "weak"}, ["motor", "deep_focal_weakness"]),
        ({"ice": 5, "cerebral_edema": "diffuse"}, ["cerebral_edema", "focal_local"]),
        ({"ice": 5, "consciousness": "unarousable"}, ["'ice'", "unarousable"]),
    ],
)
def test_bad_input(kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        grade_icans(**kwargs)
    for part in must_contain:
        assert part in str(exc.value), (part, str(exc.value))
