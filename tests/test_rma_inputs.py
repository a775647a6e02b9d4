"""Bad input to rma raises InputError that names the argument, the study and the problem."""

from __future__ import annotations

import math

import numpy as np
import pytest

import evisynth as ev
from evisynth.errors import InputError

YI = [-0.9, -1.6, -1.4, -0.2]
VI = [0.33, 0.19, 0.42, 0.07]


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"yi": YI, "vi": [0.33, 0.0, 0.42, 0.07]}, ["'vi'", "study 2", "greater than 0"]),
        ({"yi": YI, "vi": [0.33, -0.1, 0.42, 0.07]}, ["'vi'", "study 2"]),
        ({"yi": YI, "sei": [0.5, 0.4, 0.0, 0.3]}, ["'sei'", "study 3"]),
        ({"yi": [-0.9, math.nan, -1.4, -0.2], "vi": VI}, ["'yi'", "study 2", "finite"]),
        ({"yi": YI, "vi": [0.33, 0.19, math.inf, 0.07]}, ["'vi'", "study 3", "finite"]),
        ({"yi": YI, "vi": VI[:3]}, ["different lengths", "yi=4", "vi=3"]),
        ({"yi": YI, "vi": VI, "labels": ["a", "b"]}, ["'labels'", "2 entries", "4 studies"]),
        ({"yi": YI, "vi": [0.1, 0.0, 0.2, 0.1], "labels": list("ABCD")}, ["study 2 ('B')"]),
        ({"yi": ["x", 1, 2, 3], "vi": VI}, ["'yi'", "expected numbers"]),
        ({"yi": [[1, 2], [3, 4]], "vi": [[1, 1], [1, 1]]}, ["'yi'", "one-dimensional"]),
        ({"yi": YI, "vi": VI, "method": "BOGUS"}, ["'method'", "REML", "DL"]),
        ({"yi": YI, "vi": VI, "test": "wald"}, ["'test'", "knha", "adhoc"]),
        ({"yi": YI, "vi": VI, "level": 120}, ["'level'", "between 0 and 100"]),
        ({"yi": [0.3], "vi": [0.1]}, ["at least 2 studies", "k = 1", "method='FE'"]),
        ({"yi": [0.3], "vi": [0.1], "method": "FE", "test": "knha"}, ["at least 2 studies"]),
        ({"yi": YI}, ["exactly one of vi= ", "sei="]),
        ({"yi": YI, "vi": VI, "sei": VI}, ["exactly one of vi="]),
        ({}, ["missing effect sizes"]),
        ({"yi": [], "vi": []}, ["no studies"]),
    ],
)
def test_bad_input_is_named(kwargs: dict, fragments: list[str]) -> None:
    with pytest.raises(InputError) as err:
        ev.rma(**kwargs)
    for frag in fragments:
        assert frag in str(err.value), f"{frag!r} not in {err.value!s}"


def test_es_and_yi_together_rejected() -> None:
    es = ev.effects.EffectSizes(yi=np.array(YI), vi=np.array(VI))
    with pytest.raises(InputError, match="not both"):
        ev.rma(es, yi=YI, vi=VI)


def test_wrong_type_for_es() -> None:
    with pytest.raises(InputError, match="expected an EffectSizes"):
        ev.rma([1, 2, 3])  # type: ignore[arg-type]


def test_inputs_are_not_modified() -> None:
    yi = np.array(YI)
    vi = np.array(VI)
    ev.rma(yi=yi, vi=vi, method="PM", test="knha")
    assert yi.tolist() == YI and vi.tolist() == VI


def test_single_study_fixed_effect_is_allowed() -> None:
    f = ev.rma(yi=[0.3], vi=[0.04], method="FE")
    # One study: the pooled estimate is the study, with its own standard error (closed form).
    assert f.estimate == 0.3 and f.se == pytest.approx(0.2, rel=1e-12)
    assert f.Q == 0.0 and f.Q_pval == 1.0


def test_fe_with_knha_warns() -> None:
    with pytest.warns(ev.EvisynthWarning, match="random-effects"):
        ev.rma(yi=YI, vi=VI, method="FE", test="knha")


def test_level_as_fraction_is_percent() -> None:
    a = ev.rma(yi=YI, vi=VI, level=0.9)
    b = ev.rma(yi=YI, vi=VI, level=90)
    assert a.ci_lb == b.ci_lb and a.level == 90


def test_confint_of_fe_model_is_an_input_error() -> None:
    with pytest.raises(InputError, match="fixed-effects model has no tau"):
        ev.rma(yi=YI, vi=VI, method="FE").confint()


def test_zval_and_tval_accessors() -> None:
    z = ev.rma(yi=YI, vi=VI)
    t = ev.rma(yi=YI, vi=VI, test="knha")
    assert z.zval == z.stat and t.tval == t.stat
    with pytest.raises(AttributeError, match="use tval"):
        _ = t.zval
    with pytest.raises(AttributeError, match="use zval"):
        _ = z.tval


def test_summary_and_html_render() -> None:
    f = ev.rma(yi=YI, vi=VI, method="REML", test="knha")
    text = f.summary()
    assert "Random-Effects Model (k = 4; tau^2 estimator: REML)" in text
    assert "Hartung-Knapp" in text and "prediction interval" in text
    assert "<table>" in f._repr_html_()


def test_knha_with_identical_effects_warns_and_gives_zero_se() -> None:
    # Identical effects: every residual is 0, so metafor's s2w = 0 and se = 0.
    with pytest.warns(ev.EvisynthWarning, match="scale factor is 0"):
        f = ev.rma(yi=[0.25] * 4, vi=[0.01, 0.02, 0.03, 0.04], test="knha")
    assert f.se == 0.0 and f.ci_lb == f.ci_ub == 0.25
    adhoc = ev.rma(yi=[0.25] * 4, vi=[0.01, 0.02, 0.03, 0.04], test="adhoc")
    assert adhoc.se > 0


# metafor (>= 3.0) names the fixed-effect model "EE" (equal effects) and accepts "CE".
_YI = [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79]
_VI = [0.33, 0.19, 0.42, 0.07, 0.05, 0.01]


@pytest.mark.parametrize("name", ["EE", "ee", "CE"])
def test_equal_and_common_effect_names_fit_the_fixed_effect_model(name: str) -> None:
    fe = ev.rma(yi=_YI, vi=_VI, method="FE")
    other = ev.rma(yi=_YI, vi=_VI, method=name)
    assert other.method == "FE"
    assert other.to_dict() == fe.to_dict()
    mods = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert (ev.rma(yi=_YI, vi=_VI, mods=mods, method=name).to_dict()
            == ev.rma(yi=_YI, vi=_VI, mods=mods, method="FE").to_dict())
    groups = ["a", "a", "a", "b", "b", "b"]
    assert (ev.subgroup(groups=groups, yi=_YI, vi=_VI, method=name).to_dict()
            == ev.subgroup(groups=groups, yi=_YI, vi=_VI, method="FE").to_dict())


def test_glmm_accepts_the_equal_effects_name() -> None:
    kw = dict(ai=[4, 9, 2, 7], bi=[96, 91, 48, 93], ci=[8, 15, 6, 10], di=[92, 85, 44, 90])
    assert (ev.rma_glmm("OR", method="EE", **kw).to_dict()
            == ev.rma_glmm("OR", method="FE", **kw).to_dict())


def test_an_unknown_method_names_the_aliases() -> None:
    with pytest.raises(InputError, match=r"not one of FE, .*\(EE means FE\) \(CE means FE\)"):
        ev.rma(yi=_YI, vi=_VI, method="XX")
