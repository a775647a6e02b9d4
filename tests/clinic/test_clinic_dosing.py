"""BSA, label lymphodepletion and tocilizumab against hand-computed label examples.

Heights and weights are chosen so that Mosteller's sqrt(h * w / 3600) is exact:
  160 cm x 90 kg = 14400 -> sqrt(4)      = 2.0 m²
  144 cm x 25 kg = 3600  -> sqrt(1)      = 1.0 m²
  225 cm x 81 kg = 18225 -> sqrt(5.0625) = 2.25 m²
"""

from __future__ import annotations

import math

import pytest

from evisynth import InputError, bsa, lymphodepletion, tocilizumab_dose

# ---------------------------------------------------------------- BSA ----------------


def test_mosteller_exact_squares():
    assert bsa(160, 90) == 2.0
    assert bsa(144, 25) == 1.0
    assert bsa(225, 81) == 2.25


def test_dubois_closed_form():
    # 0.007184 * 100**0.725 * 100**0.425 = 0.007184 * 100**1.15 = 0.007184 * 10**2.3
    assert bsa(100, 100, formula="dubois") == pytest.approx(0.007184 * 10**2.3, rel=1e-12)
    # 10**2.3 = 199.526..., so about 1.4334 m²
    assert bsa(100, 100, formula="DuBois") == pytest.approx(1.4334, abs=5e-5)


@pytest.mark.parametrize(
    ("kwargs", "must_contain"),
    [
        ({"height_cm": 170, "weight_kg": -70}, ["weight_kg", "1 to 350 kg"]),
        ({"height_cm": 170, "weight_kg": 0}, ["weight_kg"]),
        ({"height_cm": 1.75, "weight_kg": 70}, ["height_cm", "40 to 250 cm", "give height in cm"]),
        ({"height_cm": 170, "weight_kg": 700}, ["weight_kg"]),
        ({"height_cm": "170", "weight_kg": 70}, ["height_cm", "number"]),
        ({"height_cm": 170, "weight_kg": True}, ["weight_kg", "bool"]),
        ({"height_cm": 170, "weight_kg": float("inf")}, ["weight_kg", "finite"]),
        ({"height_cm": 170, "weight_kg": 70, "formula": "haycock"}, ["formula", "mosteller"]),
    ],
)
def test_bsa_bad_input(kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        bsa(**kwargs)
    for part in must_contain:
        assert part in str(exc.value), (part, str(exc.value))


# ---------------------------------------------------------------- lymphodepletion ----


def test_axi_cel_label_example():
    # Yescarta: Cy 500 + Flu 30 mg/m²/day on days -5, -4, -3. BSA 2.0 m²:
    # Cy 500 x 2.0 = 1000 mg/day (3000 mg course); Flu 30 x 2.0 = 60 mg/day (180 mg course).
    plan = lymphodepletion("axicabtagene ciloleucel", 160, 90)
    assert plan.bsa_m2 == 2.0
    assert plan.brand == "Yescarta"
    cy, flu = plan.drugs
    assert (cy.drug, cy.mg_per_m2_per_day, cy.daily_dose_mg, cy.course_dose_mg) == (
        "cyclophosphamide", 500.0, 1000.0, 3000.0,
    )
    assert (flu.drug, flu.mg_per_m2_per_day, flu.daily_dose_mg, flu.course_dose_mg) == (
        "fludarabine", 30.0, 60.0, 180.0,
    )
    assert cy.days == cy.days_earliest == (-5, -4, -3)
    assert plan.last_day_before_infusion == (-3, -3)
    # Cell dose: 2e6/kg x 90 kg = 1.8e8 (under the 2e8 maximum).
    assert "1.8 x 10^8" in plan.cell_dose
    assert "YESCARTA" in plan.source


def test_axi_cel_cell_dose_maximum():
    # 2e6/kg x 120 kg = 2.4e8 > 2e8 maximum -> 2e8.
    assert "2 x 10^8 cells for 120 kg" in lymphodepletion("Yescarta", 180, 120).cell_dose


def test_liso_cel_label_example():
    # Breyanzi: Flu 30 + Cy 300 mg/m²/day x 3 days; BSA 1.0 m² -> 30 and 300 mg/day.
    # Infuse 2-7 days after the last dose: course ends on day -2 at the latest
    # (days -4, -3, -2) and on day -7 at the earliest (days -9, -8, -7).
    plan = lymphodepletion("liso-cel", 144, 25)
    flu, cy = plan.drugs
    assert (flu.drug, flu.daily_dose_mg, cy.drug, cy.daily_dose_mg) == (
        "fludarabine", 30.0, "cyclophosphamide", 300.0,
    )
    assert flu.days == (-4, -3, -2)
    assert flu.days_earliest == (-9, -8, -7)
    assert plan.last_day_before_infusion == (-7, -2)
    assert "second-line LBCL dose is not encoded" in plan.cell_dose


def test_tisa_cel_label_example_and_cap():
    # Kymriah DLBCL: Flu 25 + Cy 250 mg/m²/day x 3 days. BSA 2.25 m²:
    # Flu 25 x 2.25 = 56.25 mg/day; Cy 250 x 2.25 = 562.5 mg/day (1687.5 mg course).
    plan = lymphodepletion("Kymriah", 225, 81)
    flu, cy = plan.drugs
    assert (flu.daily_dose_mg, cy.daily_dose_mg, cy.course_dose_mg) == (56.25, 562.5, 1687.5)
    assert flu.days == (-4, -3, -2)
    assert flu.days_earliest == (-13, -12, -11)  # infuse up to 11 days after the last dose
    assert plan.bsa_capped is False
    assert any("WBC" in r for r in plan.reasons)
    # Institutional cap 2.0 m²: Flu 25 x 2.0 = 50, Cy 250 x 2.0 = 500 mg/day.
    capped = lymphodepletion("tisa-cel", 225, 81, bsa_cap_m2=2.0)
    assert capped.bsa_capped is True
    assert (capped.bsa_m2, capped.bsa_uncapped_m2) == (2.0, 2.25)
    assert [d.daily_dose_mg for d in capped.drugs] == [50.0, 500.0]
    assert any("capped at 2 m²" in r for r in capped.reasons)
    assert "Griggs" in capped.source
    # A cap that is not reached changes nothing and says so.
    loose = lymphodepletion("tisa-cel", 160, 90, bsa_cap_m2=2.2)
    assert loose.bsa_capped is False and loose.bsa_m2 == 2.0
    assert any("not reached" in r for r in loose.reasons)


def test_tisa_cel_bendamustine_alternative():
    # Bendamustine 90 mg/m²/day x 2 days; BSA 2.0 -> 180 mg/day, 360 mg course.
    plan = lymphodepletion("tisagenlecleucel", 160, 90, bendamustine=True)
    (benda,) = plan.drugs
    assert (benda.drug, benda.daily_dose_mg, benda.course_dose_mg) == ("bendamustine", 180.0, 360.0)
    assert benda.days == (-3, -2)
    assert benda.days_earliest == (-12, -11)


def test_dubois_is_used_when_asked():
    plan = lymphodepletion("axi-cel", 100, 100, formula="dubois")
    expected_bsa = 0.007184 * 10**2.3
    assert plan.bsa_m2 == pytest.approx(expected_bsa, rel=1e-12)
    assert plan.drugs[0].daily_dose_mg == pytest.approx(500 * expected_bsa, rel=1e-12)
    assert "DuBois" in plan.source


@pytest.mark.parametrize(
    "name",
    ["axicabtagene ciloleucel", "AXICABTAGENE_CILOLEUCEL", "Yescarta", "axi-cel", " Axi cel "],
)
def test_product_aliases(name):
    assert lymphodepletion(name, 160, 90).product == "axicabtagene ciloleucel"


@pytest.mark.parametrize(
    ("args", "kwargs", "must_contain"),
    [
        (("axi", 160, 90), {}, ["product", "axicabtagene ciloleucel", "tisagenlecleucel"]),
        (("brexucabtagene autoleucel", 160, 90), {}, ["product", "lisocabtagene maraleucel"]),
        ((None, 160, 90), {}, ["product"]),
        (("axi-cel", 160, -90), {}, ["weight_kg"]),
        (("axi-cel", 160, 90), {"bendamustine": True}, ["bendamustine", "Kymriah"]),
        (("axi-cel", 160, 90), {"bsa_cap_m2": 0.5}, ["bsa_cap_m2", "1 to 3"]),
        (("axi-cel", 160, 90), {"formula": "boyd"}, ["formula", "dubois"]),
        (("tisa-cel", 160, 90), {"bendamustine": 1}, ["bendamustine", "True or False"]),
    ],
)
def test_lymphodepletion_bad_input(args, kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        lymphodepletion(*args, **kwargs)
    for part in must_contain:
        assert part in str(exc.value), (part, str(exc.value))


def test_plan_to_dict_nests_drugs():
    d = lymphodepletion("axi-cel", 160, 90).to_dict()
    assert d["drugs"][0]["daily_dose_mg"] == 1000.0
    assert d["drugs"][0]["days"] == [-5, -4, -3]


# ---------------------------------------------------------------- tocilizumab --------


@pytest.mark.parametrize(
    ("weight", "dose", "per_kg", "capped"),
    [
        (70, 560.0, 8.0, False),  # 8 x 70 = 560
        (100, 800.0, 8.0, False),  # 8 x 100 = 800, exactly the maximum
        (100.5, 800.0, 8.0, True),  # 8 x 100.5 = 804 -> capped at 800
        (150, 800.0, 8.0, True),  # 8 x 150 = 1200 -> 800
        (30, 240.0, 8.0, False),  # 30 kg is not "under 30 kg": 8 x 30 = 240
        (29.5, 354.0, 12.0, False),  # under 30 kg: 12 x 29.5 = 354
        (20, 240.0, 12.0, False),  # 12 x 20 = 240
    ],
)
def test_tocilizumab_label_examples(weight, dose, per_kg, capped):
    t = tocilizumab_dose(weight)
    assert t.dose_mg == pytest.approx(dose, rel=1e-12)
    assert (t.mg_per_kg, t.capped, t.may_give_now) == (per_kg, capped, True)
    assert t.max_dose_mg == 800
    assert "KYMRIAH" in t.source


def test_tocilizumab_repeat_limits():
    ok = tocilizumab_dose(70, doses_given=1, doses_last_24h=1, hours_since_last_dose=8)
    assert ok.may_give_now is True
    too_soon = tocilizumab_dose(70, doses_given=1, doses_last_24h=1, hours_since_last_dose=7.9)
    assert too_soon.may_give_now is False
    assert any("at least 8 h" in r for r in too_soon.reasons)
    three_in_24h = tocilizumab_dose(70, doses_given=3, doses_last_24h=3, hours_since_last_dose=8)
    assert three_in_24h.may_give_now is False
    assert any("3 in 24 h" in r for r in three_in_24h.reasons)
    two_in_24h = tocilizumab_dose(70, doses_given=3, doses_last_24h=2, hours_since_last_dose=9)
    assert two_in_24h.may_give_now is True
    four_total = tocilizumab_dose(70, doses_given=4, doses_last_24h=0, hours_since_last_dose=30)
    assert four_total.may_give_now is False
    assert any("4 in total" in r for r in four_total.reasons)
    assert four_total.dose_mg == 560.0  # the dose is still reported


@pytest.mark.parametrize(
    ("kwargs", "must_contain"),
    [
        ({"weight_kg": -70}, ["weight_kg"]),
        ({"weight_kg": 70, "doses_given": 1}, ["hours_since_last_dose", "8 hours"]),
        ({"weight_kg": 70, "hours_since_last_dose": 10}, ["hours_since_last_dose", "doses_given"]),
        (
            {"weight_kg": 70, "doses_given": 1, "doses_last_24h": 2, "hours_since_last_dose": 9},
            ["doses_last_24h", "0 to 1"],
        ),
        (
            {"weight_kg": 70, "doses_given": 1, "doses_last_24h": 0, "hours_since_last_dose": 9},
            ["doses_last_24h", "within 24 h"],
        ),
        ({"weight_kg": 70, "doses_given": 5}, ["doses_given", "0 to 4"]),
        ({"weight_kg": 70, "doses_given": True}, ["doses_given", "bool"]),
        (
            {"weight_kg": 70, "doses_given": 1, "doses_last_24h": 1, "hours_since_last_dose": -1},
            ["hours_since_last_dose", "0 h or more"],
        ),
    ],
)
def test_tocilizumab_bad_input(kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        tocilizumab_dose(**kwargs)
    for part in must_contain:
        assert part in str(exc.value), (part, str(exc.value))


def test_sqrt_identity_of_mosteller():
    # Independent of the implementation's arithmetic: BSA² x 3600 recovers h x w.
    for h, w in [(170, 70), (155.5, 48.2), (190, 110)]:
        assert bsa(h, w) ** 2 * 3600 == pytest.approx(h * w, rel=1e-12)
        assert math.isclose(bsa(h, w), math.sqrt(h * w) / 60, rel_tol=1e-12)
