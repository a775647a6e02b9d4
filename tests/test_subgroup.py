"""subgroup() against R metafor 3.8-1 (tests/reference/metareg.R).

"separate": each subgroup is metafor's ``rma(subset=...)``; the test is
``rma(est, sei=se, mods=~group, method="FE")``. "common": the coefficients of
``rma(mods=~0+group)``, the test is QM of ``rma(mods=~group)``, and the
within-subgroup Q/I²/H² those of ``rma(subset=..., tau2=<common>)``.
Tolerance: 1e-6 relative plus 1e-9 absolute on the natural scale.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from tests.conftest import load_reference

REF = load_reference("metareg")
RTOL = 1e-6
FIELDS = ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q", "Q_pval",
          "pi_lb", "pi_ub")


def close(field: str, got: float, want: float, scale: float) -> None:
    assert math.isfinite(got), f"{field}: got {got}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale, (
        f"{field}: evisynth {got!r} vs metafor {want!r}"
    )


def run(ref: dict, mode: str) -> ev.SubgroupResult:
    d = REF["datasets"][ref["dataset"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        return ev.subgroup(
            yi=d["yi"], vi=d["vi"], groups=d["data"][ref["group"]], method=ref["method"],
            test=ref["test"], tau2=mode,
        )


CASES = [
    pytest.param(r, mode, id=f"{r['dataset']}-{r['group']}-{r['method']}-{r['test']}-{mode}")
    for r in REF["subgroup"]
    for mode in ("separate", "common")
]


@pytest.mark.parametrize(("ref", "mode"), CASES)
def test_subgroup_matches_metafor(ref: dict, mode: str) -> None:
    res = run(ref, mode)
    want = ref[mode]
    levels = [str(x) for x in np.atleast_1d(ref["levels"])]
    assert list(res.groups) == levels
    v = float(np.mean(REF["datasets"][ref["dataset"]]["vi"]))
    loc = math.sqrt(v)
    sc = {"estimate": loc, "se": loc, "ci_lb": loc, "ci_ub": loc, "pi_lb": loc, "pi_ub": loc,
          "tau2": v, "I2": 100.0}
    for name in levels:
        got = res.groups[name]
        ref_g = want["groups"][name]
        assert got.k == ref_g["k"]
        if mode == "separate":
            assert got.test == ref_g["test"]
        d = got.to_dict()
        d["stat"] = d.pop("zval" if got.test == "z" else "tval")
        for f in FIELDS:
            r = ref_g[f]
            if f.startswith("pi_") and r is None:  # metafor gives no PI for FE models
                r = ref_g["ci_lb" if f == "pi_lb" else "ci_ub"]
            close(f"{name}.{f}", d[f], r, sc.get(f, 1.0))
    close("Q_between", res.Q_between, want["Q_between"], 1.0)
    close("Q_between_pval", res.Q_between_pval, want["Q_between_pval"], 1.0)
    df = np.atleast_1d(want["Q_between_df"])
    assert res.Q_between_df == int(df[0])
    if mode == "common":
        assert res.Q_between_ddf == (None if df[1] is None else int(df[1]))
        close("tau2_common", res.tau2_common, want["tau2"], v)
    else:
        assert res.Q_between_ddf is None


def test_oracle_has_single_study_groups() -> None:
    hs = next(r for r in REF["subgroup"] if r["dataset"] == "hackshaw1998")
    assert any(g["k"] == 1 for g in hs["separate"]["groups"].values())


# --------------------------------------------------------------- outputs --
def bcg() -> tuple[list[float], list[float], list[str]]:
    d = REF["datasets"]["bcg"]
    return d["yi"], d["vi"], d["data"]["alloc"]


def test_to_dict_keys_and_text() -> None:
    y, v, g = bcg()
    res = ev.subgroup(yi=y, vi=v, groups=g)
    d = res.to_dict()
    assert {"groups", "Q_between", "Q_between_df", "Q_between_pval", "tau2_mode"} <= set(d)
    assert d["tau2_mode"] == "separate"
    assert set(d["groups"]) == {"alternate", "random", "systematic"}
    assert {"estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "Q", "k"} <= set(
        d["groups"]["random"])
    assert "separate tau² per subgroup" in res.summary()
    assert "Q_between(df = 2)" in res.summary()
    frame = res.to_frame()
    assert frame.index.name == "group" and list(frame.index) == ["alternate", "random",
                                                                 "systematic"]
    assert "<table" in res._repr_html_()
    common = ev.subgroup(yi=y, vi=v, groups=g, tau2="common", test="knha")
    assert "common tau²" in common.summary() and "F(df1 = 2, df2 = 10)" in common.summary()


def test_single_study_group_warns_and_is_included() -> None:
    d = REF["datasets"]["hackshaw1998"]
    with pytest.warns(ev.EvisynthWarning, match="'Germany'.*single study"):
        res = ev.subgroup(yi=d["yi"], vi=d["vi"], groups=d["data"]["country"])
    assert "Germany" in res.single_study_groups
    ger = res.groups["Germany"]
    i = d["data"]["country"].index("Germany")
    assert ger.estimate == d["yi"][i] and ger.se == pytest.approx(math.sqrt(d["vi"][i]))
    assert ger.tau2 == 0.0 and ger.test == "z"
    assert res.Q_between_df == 8
    assert "Single-study subgroups" in res.summary()


def test_categorical_keeps_category_order_and_labels_kept() -> None:
    y, v, g = bcg()
    cat = pd.Categorical(g, categories=["systematic", "random", "alternate"])
    res = ev.subgroup(yi=y, vi=v, groups=cat, labels=REF["datasets"]["bcg"]["labels"])
    assert list(res.groups) == ["systematic", "random", "alternate"]
    assert res.groups["alternate"].labels == ("Frimodt-Moller et al 1973", "Stein & Aronson 1953")


def test_effect_sizes_input() -> None:
    y, v, g = bcg()
    es = ev.EffectSizes(yi=np.array(y), vi=np.array(v), measure="RR")
    res = ev.subgroup(es, g)
    assert res.measure == "RR"
    assert res.groups["random"].measure == "RR"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"groups": ["a"] * 13}, "at least two"),
        ({"groups": ["a", "b"]}, "2 entries but there are 13"),
        ({"groups": ["a"] * 12 + [None]}, r"study 13: no subgroup label"),
        ({"groups": None}, "one subgroup label per study"),
        ({"groups": ["a"] * 6 + ["b"] * 7, "tau2": "both"}, "tau2"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    y, v, _ = bcg()
    with pytest.raises(ev.InputError, match=match):
        ev.subgroup(yi=y, vi=v, **kwargs)


def test_common_needs_enough_studies() -> None:
    with pytest.raises(ev.InputError, match="tau2='separate'"), pytest.warns(ev.EvisynthWarning):
        ev.subgroup(yi=[0.1, 0.2, 0.3], vi=[0.1, 0.1, 0.1], groups=["a", "b", "c"],
                    tau2="common")


# ------------------------------------------------------------ properties --
@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-2, 2), st.floats(0.01, 1.0), st.sampled_from("abc")),
             min_size=7, max_size=14),
    st.sampled_from(["REML", "DL", "FE", "PM", "ML"]),
    st.sampled_from(["z", "knha"]),
)
def test_common_equals_indicator_metaregression(rows: list, method: str, test: str) -> None:
    groups = [r[2] for r in rows]
    if len(set(groups)) < 2:
        return
    y = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        res = ev.subgroup(yi=y, vi=v, groups=groups, method=method, test=test, tau2="common")
        mr = ev.rma(yi=y, vi=v, mods="~ g", data={"g": groups}, method=method, test=test)
        m0 = ev.rma(yi=y, vi=v, mods="~ 0 + g", data={"g": groups}, method=method, test=test)
    assert res.Q_between == pytest.approx(mr.QM, rel=1e-8, abs=1e-10)
    assert res.Q_between_pval == pytest.approx(mr.QM_pval, rel=1e-8, abs=1e-12)
    assert res.tau2_common == pytest.approx(mr.tau2, rel=1e-8, abs=1e-14)
    np.testing.assert_allclose([g.estimate for g in res.groups.values()], m0.estimate,
                               rtol=1e-8, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-2, 2), st.floats(0.01, 1.0), st.sampled_from("abc")),
             min_size=4, max_size=14),
    st.sampled_from(["REML", "DL", "FE", "PM"]),
)
def test_separate_equals_per_group_rma(rows: list, method: str) -> None:
    groups = [r[2] for r in rows]
    if len(set(groups)) < 2:
        return
    y = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        res = ev.subgroup(yi=y, vi=v, groups=groups, method=method)
        for name, got in res.groups.items():
            sel = np.array(groups) == name
            one: Any = ev.rma(yi=y[sel], vi=v[sel], method=method if sel.sum() > 1 else "FE")
            # (The engine's Paule-Mandel root finder stops within ~1e-9 relative of the root.)
            assert got.estimate == pytest.approx(one.estimate, rel=1e-7, abs=1e-12)
            assert got.se == pytest.approx(one.se, rel=1e-7)
            assert got.tau2 == pytest.approx(one.tau2, rel=1e-7, abs=1e-14)
