"""leave_one_out, cumulative and influence against R metafor 3.8-1 (tests/reference/metareg.R).

Tolerance: 1e-6 relative plus 1e-9 absolute on the field's natural scale
(sqrt(mean vi) for locations, mean(vi) for tau², 100 for I², 1 otherwise). NaN in metafor
(a refit that cannot be computed) must be NaN here too, with a warning.
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
from evisynth.meta.sensitivity import fit_subsets
from tests.conftest import load_reference

REF = load_reference("metareg")
RTOL = 1e-6


def vec(x: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(x, dtype=object))
    return np.array([np.nan if a is None else float(a) for a in arr])


def check(field: str, got: np.ndarray, want: np.ndarray, scale: float) -> None:
    got = np.asarray(got, dtype=float)
    assert got.shape == want.shape, field
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{field}: NaN pattern {np.isnan(got)} vs {nan}"
    diff = np.abs(got[~nan] - want[~nan])
    lim = RTOL * np.abs(want[~nan]) + 1e-9 * scale
    assert np.all(diff <= lim), (
        f"{field}: max rel diff {np.max(diff / np.maximum(np.abs(want[~nan]), 1e-300)):.2e}\n"
        f"evisynth {got}\nmetafor  {want}"
    )


def fit_model(name: str, formula: str | None, method: str, test: str) -> Any:
    d = REF["datasets"][name]
    kw: dict[str, Any] = {}
    if formula is not None:
        kw = {"mods": formula, "data": pd.DataFrame(d["data"])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        return ev.rma(yi=d["yi"], vi=d["vi"], method=method, test=test, labels=d["labels"], **kw)


def scales(name: str) -> tuple[float, float]:
    v = float(np.mean(REF["datasets"][name]["vi"]))
    return math.sqrt(v), v


SERIES_FIELDS = ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2",
                 "H2")


def check_series(res: Any, ref: dict) -> None:
    loc, v = scales(ref["dataset"])
    # I² is a percentage: its natural scale is 100 (metafor's ML/REML stop a hair above a
    # boundary tau² = 0 that evisynth reports as exactly 0).
    sc = {"estimate": loc, "se": loc, "ci_lb": loc, "ci_ub": loc, "tau2": v, "I2": 100.0}
    for f in SERIES_FIELDS:
        want = vec(ref[f])
        if f == "tau2" and ref["method"] == "FE":
            want = np.zeros_like(vec(ref["estimate"]))  # metafor drops the column for FE
        check(f, getattr(res, f), want, sc.get(f, 1.0))


@pytest.mark.parametrize(
    "ref", [pytest.param(r, id=f"{r['dataset']}-{r['method']}-{r['test']}")
            for r in REF["leave1out"]],
)
def test_leave_one_out_matches_metafor(ref: dict) -> None:
    fit = fit_model(ref["dataset"], None, ref["method"], ref["test"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ev.leave_one_out(fit)
    check_series(res, ref)
    assert res.labels == tuple(REF["datasets"][ref["dataset"]]["labels"])


@pytest.mark.parametrize(
    "ref", [pytest.param(r, id=f"{r['dataset']}-{r['order']}-{r['method']}-{r['test']}")
            for r in REF["cumul"]],
)
def test_cumulative_matches_metafor(ref: dict) -> None:
    fit = fit_model(ref["dataset"], None, ref["method"], ref["test"])
    d = REF["datasets"][ref["dataset"]]
    res = ev.cumulative(fit, order=d["data"][ref["order"]])
    assert list(res.order) == [int(i) for i in ref["sorted"]]
    assert res.labels == tuple(d["labels"][i] for i in res.order)
    check_series(res, ref)


INF_CASES = [
    pytest.param(r, id=f"{r['dataset']}-{r['formula']}-{r['method']}-{r['test']}")
    for r in REF["influence"]
]


@pytest.mark.parametrize("ref", INF_CASES)
def test_influence_matches_metafor(ref: dict) -> None:
    fit = fit_model(ref["dataset"], ref["formula"], ref["method"], ref["test"])
    expect_nan = any(x is None for x in np.atleast_1d(ref["rstudent"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = ev.influence(fit)
    assert any(issubclass(w.category, ev.EvisynthWarning) for w in caught) == expect_nan
    _, v = scales(ref["dataset"])
    sc = {"tau2_del": v}
    for f in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        check(f, getattr(res, f), vec(ref[f]), sc.get(f, 1.0))
    dfbs = [vec(c) for c in ref["dfbs"]] if isinstance(ref["dfbs"][0], list) else [
        vec(ref["dfbs"])]
    for j, col in enumerate(dfbs):
        check(f"dfbs[{j}]", res.dfbs[:, j], col, 1.0)
    assert list(res.inf) == [bool(x) for x in np.atleast_1d(ref["inf"])]
    frame = res.to_frame()
    assert list(frame.columns) == [
        "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight", "inf",
        *[f"dfbs_{n}" for n in res.coef_names],
    ]
    assert len(res.coef_names) == len(dfbs)


def test_oracle_has_nan_rows_and_flags() -> None:
    nan_cases = [r for r in REF["influence"] if None in np.atleast_1d(r["rstudent"]).tolist()]
    assert nan_cases, "the oracle should contain a rank-deficient deletion"
    assert any(any(np.atleast_1d(r["inf"])) for r in REF["influence"])


# ---------------------------------------------------------------- outputs --
def bcg_fit(**kw: Any) -> Any:
    d = REF["datasets"]["bcg"]
    return ev.rma(yi=d["yi"], vi=d["vi"], labels=d["labels"], **kw)


def test_frames_dicts_summaries() -> None:
    fit = bcg_fit()
    loo = ev.leave_one_out(fit)
    frame = loo.to_frame()
    assert list(frame.columns) == [
        "estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2"]
    assert frame.index.name == "omitted" and frame.index[0] == "Aronson 1948"
    d = loo.to_dict()
    assert d["omitted"][0] == "Aronson 1948" and len(d["estimate"]) == 13
    assert "Leave-one-out" in loo.summary() and "Aronson 1948" in loo.summary()
    assert "<table" in loo._repr_html_()
    cu = ev.cumulative(fit)
    assert cu.to_frame().index.name == "added"
    assert cu.estimate[-1] == pytest.approx(fit.estimate, rel=1e-10)
    assert cu.to_dict()["added"][0] == "Aronson 1948"
    inf = ev.influence(fit)
    assert "Influence diagnostics" in inf.summary()
    di = inf.to_dict()
    assert set(di) == {"study", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del",
                       "hat", "weight", "inf", "dfbs_intrcpt"}
    assert all(isinstance(x, bool) for x in di["inf"])


def test_failed_refits_are_none_in_dicts_and_warned() -> None:
    d = REF["datasets"]["hackshaw1998"]
    fit = ev.rma(yi=d["yi"], vi=d["vi"], mods="~ country", data=pd.DataFrame(d["data"]))
    with pytest.warns(ev.EvisynthWarning, match=r"loses rank"):
        inf = ev.influence(fit)
    di = inf.to_dict()
    assert di["rstudent"].count(None) == 4  # four single-study countries
    assert "not computed" in inf.summary()


def test_cumulative_decreasing_and_ties() -> None:
    fit = bcg_fit()
    years = REF["datasets"]["bcg"]["data"]["year"]
    inc = ev.cumulative(fit, order=years)
    dec = ev.cumulative(fit, order=years, decreasing=True)
    assert [years[i] for i in dec.order] == sorted(years, reverse=True)
    assert inc.estimate[-1] == pytest.approx(dec.estimate[-1], rel=1e-10)
    ties = ev.cumulative(fit, order=[1] * 13)
    assert list(ties.order) == list(range(13))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: ev.cumulative(f, order=[1, 2]), "one sort key per study"),
        (lambda f: ev.cumulative(f, order=[math.nan] * 13), "finite key"),
        (lambda f: ev.leave_one_out("not a fit"), "expected a result"),
        (lambda f: ev.influence(42), "expected a result"),
    ],
)
def test_bad_input(call: Any, match: str) -> None:
    with pytest.raises(ev.InputError, match=match):
        call(bcg_fit())


def test_loo_and_cumulative_refuse_metaregression() -> None:
    d = REF["datasets"]["bcg"]
    fit = ev.rma(yi=d["yi"], vi=d["vi"], mods="~ ablat", data=pd.DataFrame(d["data"]))
    with pytest.raises(ev.InputError, match="without moderators"):
        ev.leave_one_out(fit)
    with pytest.raises(ev.InputError, match="without moderators"):
        ev.cumulative(fit)


def test_k1_model_rejected() -> None:
    fit = ev.rma(yi=[0.1], vi=[0.2], method="FE")
    with pytest.raises(ev.InputError, match="at least 2"):
        ev.leave_one_out(fit)
    with pytest.raises(ev.InputError, match="at least 2"):
        ev.influence(fit)


# ------------------------------------------------------------ properties --
@settings(max_examples=20, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-2, 2), st.floats(0.01, 1.0)), min_size=3, max_size=9),
    st.sampled_from(["REML", "DL", "PM", "ML", "FE", "EB", "SJ"]),
    st.sampled_from(["z", "knha", "t"]),
)
def test_loo_equals_separate_fits(rows: list, method: str, test: str) -> None:
    y = np.array([r[0] for r in rows])
    v = np.array([r[1] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        fit = ev.rma(yi=y, vi=v, method=method, test=test)
        loo = ev.leave_one_out(fit)
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            one = ev.rma(yi=y[keep], vi=v[keep], method=method, test=test)
            for f, g in (("estimate", "estimate"), ("se", "se"), ("tau2", "tau2"), ("Q", "Q"),
                         ("ci_lb", "ci_lb"), ("I2", "I2")):
                # 1e-7: the engine's Paule-Mandel root finder stops within ~1e-9 of the root.
                assert getattr(loo, f)[i] == pytest.approx(getattr(one, g), rel=1e-7, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["REML", "DL", "FE"]), st.sampled_from(["z", "knha"]))
def test_metareg_influence_tau2_del_equals_separate_fits(method: str, test: str) -> None:
    d = REF["datasets"]["bcg"]
    y, v = np.array(d["yi"]), np.array(d["vi"])
    x = np.array(d["data"]["ablat"], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        inf = ev.influence(ev.rma(yi=y, vi=v, mods=x, method=method, test=test))
        for i in (0, 5, 12):
            keep = np.arange(13) != i
            one = ev.rma(yi=y[keep], vi=v[keep], mods=x[keep], method=method, test=test)
            assert inf.tau2_del[i] == pytest.approx(one.tau2, rel=1e-9, abs=1e-14)
            assert inf.QE_del[i] == pytest.approx(one.QE, rel=1e-9)


def test_fit_subsets_batched_equals_one_by_one() -> None:
    d = REF["datasets"]["raudenbush1985"]
    y, v = np.array(d["yi"]), np.array(d["vi"])
    X = np.column_stack([np.ones(19), d["data"]["weeks"]])
    rng = np.random.default_rng(1)
    masks = rng.random((6, 19)) < 0.7
    batched = fit_subsets(y, v, X, masks, "REML", "knha", 95.0)
    for b in range(6):
        one = fit_subsets(y, v, X, masks[b : b + 1], "REML", "knha", 95.0)
        np.testing.assert_allclose(batched.beta[b], one.beta[0], rtol=1e-10)
        assert batched.tau2[b] == pytest.approx(one.tau2[0], rel=1e-9, abs=1e-14)


def test_leave_one_out_and_influence_share_one_set_of_refits(monkeypatch):
    import evisynth.meta.sensitivity.subsets as sens

    calls = []
    real, real_closed = sens.fit_subsets, sens._loo_closed

    def counting(*a, **kw):
        calls.append("general")
        return real(*a, **kw)

    def counting_closed(*a, **kw):
        calls.append("intercept-only")
        return real_closed(*a, **kw)

    monkeypatch.setattr(sens, "fit_subsets", counting)
    monkeypatch.setattr(sens, "_loo_closed", counting_closed)
    y, v = [-0.9, -1.6, -1.4, -0.2, -0.5], [0.33, 0.19, 0.42, 0.07, 0.1]
    for method, path in (("REML", "intercept-only"), ("PM", "general")):
        calls.clear()
        fit = ev.rma(yi=y, vi=v, method=method)
        ev.leave_one_out(fit)
        ev.influence(fit)
        assert calls == [path]


def test_chunked_leave_one_out_equals_one_batch(monkeypatch):
    import evisynth.meta.sensitivity.subsets as sens

    rng = np.random.default_rng(7)
    v = rng.uniform(0.01, 0.3, 23)
    y = rng.normal(0.3, np.sqrt(v + 0.05))
    whole_loo = ev.leave_one_out(ev.rma(yi=y, vi=v))
    whole_inf = ev.influence(ev.rma(yi=y, vi=v))
    monkeypatch.setattr(sens, "_CHUNK_ENTRIES", 23 * 4)  # chunks of 4 rows
    fit = ev.rma(yi=y, vi=v)
    loo, inf = ev.leave_one_out(fit), ev.influence(fit)
    np.testing.assert_allclose(loo.estimate, whole_loo.estimate, rtol=1e-13)
    np.testing.assert_allclose(loo.tau2, whole_loo.tau2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(inf.rstudent, whole_inf.rstudent, rtol=1e-11)
    np.testing.assert_allclose(inf.dfbs, whole_inf.dfbs, rtol=1e-11)


@pytest.mark.parametrize("method", ["FE", "DL", "ML", "REML", "EB"])
@pytest.mark.parametrize("test", ["z", "t", "knha", "adhoc"])
def test_closed_form_leave_one_out_equals_general_refits(method: str, test: str) -> None:
    from evisynth.meta.sensitivity import _loo_closed

    rng = np.random.default_rng(11)
    for k in (3, 4, 17):
        v = rng.uniform(0.01, 0.4, k)
        y = rng.normal(0.2, np.sqrt(v + 0.08))
        closed = _loo_closed(y, v, method, test, 90.0)
        assert closed is not None
        general = fit_subsets(y, v, np.ones((k, 1)), ~np.eye(k, dtype=bool), method, test, 90.0)
        for name in ("beta", "vb", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
                     "tau2", "QE", "QE_pval", "I2", "H2", "s2w", "vt"):
            np.testing.assert_allclose(
                getattr(closed, name), getattr(general, name),
                rtol=1e-10 if method in ("FE", "DL") else 1e-7, atol=1e-11,
                err_msg=f"{name} k={k}",
            )
        np.testing.assert_array_equal(closed.k, general.k)


def test_closed_form_leave_one_out_declines_a_dominant_study() -> None:
    from evisynth.meta.sensitivity import _loo_closed

    v = np.array([1e-6, 1e-7, 1.0, 2.0])  # without study 1, study 2 carries > 99.9%
    assert _loo_closed(np.array([0.1, 0.2, 0.3, 0.4]), v, "DL", "z", 95.0) is None
