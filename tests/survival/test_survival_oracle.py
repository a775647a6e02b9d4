"""KM, medians, landmarks, RMST, log-rank, Cox, cox.zph against R survival.

Values frozen in tests/reference/survival.json by tests/reference/survival.R.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from evisynth.survival import compare_arms, cox_ph, cox_zph, kaplan_meier, logrank_test

RTOL = 1e-6
DATASETS = ["lung", "veteran", "ovarian", "simulated"]


def arr(x: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(x)], dtype=float)


def close(a: Any, b: Any, rtol: float = RTOL) -> None:
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), arr(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=0, equal_nan=True)


@pytest.fixture(scope="module")
def R(reference: Any) -> Any:
    return reference("survival")


def data(R: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = R["datasets"][name]["data"]
    return arr(d["time"]), arr(d["event"]), arr(d["arm"])


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("arm", ["0", "1"])
def test_km_table_median_landmark_rmst(R: Any, name: str, conf_type: str, arm: str) -> None:
    t, e, a = data(R, name)
    m = a == int(arm)
    ref = R["datasets"][name]["arms"][arm][conf_type]
    km = kaplan_meier(t[m], e[m], conf_type=conf_type)
    k = ref["km"]
    close(km.time, k["time"])
    np.testing.assert_array_equal(km.n_risk, arr(k["n_risk"]))
    np.testing.assert_array_equal(km.n_event, arr(k["n_event"]))
    np.testing.assert_array_equal(km.n_censor, arr(k["n_censor"]))
    close(km.survival, k["surv"])
    fin = np.isfinite(arr(k["std_err"]))
    close(km.std_err[fin], arr(k["std_err"])[fin])
    close(km.lower, k["lower"])
    close(km.upper, k["upper"])
    med = km.median
    for ours, theirs in ((med.median, ref["median"]), (med.lower, ref["median_lower"]),
                         (med.upper, ref["median_upper"])):
        if theirs is None:
            assert ours is None
        else:
            assert ours == pytest.approx(theirs, rel=RTOL)
    lm = ref["landmark"]
    for i, L in enumerate(R["datasets"][name]["landmarks"]):
        s = km.at(L)
        close(s.survival, lm["surv"][i])
        close(s.se, lm["std_err"][i])
        close(s.lower, lm["lower"][i])
        close(s.upper, lm["upper"][i])
        assert s.n_risk == lm["n_risk"][i]
    r = km.rmst(R["datasets"][name]["tau"])
    close(r.rmst, ref["rmst"])
    close(r.se, ref["rmst_se"])


@pytest.mark.parametrize("name", DATASETS)
def test_logrank(R: Any, name: str) -> None:
    t, e, a = data(R, name)
    lr = logrank_test(t, e, a.astype(int))
    ref = R["datasets"][name]["logrank"]
    close(lr.chisq, ref["chisq"])
    close(lr.observed, ref["observed"])
    close(lr.expected, ref["expected"])


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox(R: Any, name: str, ties: str) -> None:
    t, e, a = data(R, name)
    fit = cox_ph(t, e, a, ties=ties)
    ref = R["datasets"][name][f"cox_{ties}"]
    close(fit.coef, ref["coef"])
    close(fit.se, ref["se"])
    close([fit.loglik_null, fit.loglik], ref["loglik"])
    close(fit.score_chisq, ref["score"])
    close(fit.wald_chisq, ref["wald"])
    close(fit.lr_chisq, ref["lr"])


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("transform", ["km", "identity"])
def test_cox_zph(R: Any, name: str, transform: str) -> None:
    t, e, a = data(R, name)
    ph = cox_zph(t, e, a, transform=transform)
    ref = R["datasets"][name][f"zph_{transform}"]
    close(ph.chisq, ref["chisq"])
    close(ph.pval, ref["p"])


def test_cox_two_covariates_and_global_zph(R: Any) -> None:
    L = R["lung_sex_age"]
    X = pd.DataFrame({"sex": L["sex"], "age": L["age"]})
    fit = cox_ph(L["time"], L["event"], X)
    close(fit.coef, L["coef"])
    close(fit.se, L["se"])
    close([fit.loglik_null, fit.loglik], L["loglik"])
    close(fit.score_chisq, L["score"])
    close(fit.wald_chisq, L["wald"])
    assert fit.names == ("sex", "age")
    for tr in ("km", "identity"):
        ph = cox_zph(L["time"], L["event"], X, transform=tr)
        close(ph.chisq, L[f"zph_{tr}"]["chisq"])
        close(ph.pval, L[f"zph_{tr}"]["p"])
        assert ph.df == (1, 1, 2)


def test_stratified_cox(R: Any) -> None:
    P = R["pooling"]
    fit = cox_ph(P["time"], P["event"], P["arm"], strata=P["trial"])
    close(fit.coef, P["one_stage"]["coef"])
    close(fit.se, P["one_stage"]["se"])
    close(fit.loglik, P["one_stage"]["loglik"][1])


@pytest.mark.parametrize("name", DATASETS)
def test_compare_arms_matches_parts(R: Any, name: str) -> None:
    t, e, a = data(R, name)
    d = R["datasets"][name]
    df = pd.DataFrame({"arm": np.where(a == 1, "b", "a"), "time": t, "event": e})
    res = compare_arms(df, reference="a", landmarks=d["landmarks"], tau=d["tau"])
    close(res.cox.coef, d["cox_efron"]["coef"])
    close(res.logrank.chisq, d["logrank"]["chisq"])
    close(res.ph_test.chisq, d["zph_km"]["chisq"])
    close(res.rmst.reference.rmst, d["arms"]["0"]["log"]["rmst"])
    close(res.rmst.experimental.se, d["arms"]["1"]["log"]["rmst_se"])
    r0, r1 = d["arms"]["0"]["log"], d["arms"]["1"]["log"]
    close(res.rmst.difference, r1["rmst"] - r0["rmst"])
    close(res.rmst.se, np.hypot(r0["rmst_se"], r1["rmst_se"]))
    for i, lm in enumerate(res.landmarks):
        s0, s1 = r0["landmark"]["surv"][i], r1["landmark"]["surv"][i]
        close(lm.difference, s1 - s0)
        close(lm.se, np.hypot(r0["landmark"]["std_err"][i], r1["landmark"]["std_err"][i]))
    out = res.to_dict()
    assert out["cox"]["hr"] == pytest.approx(np.exp(d["cox_efron"]["coef"]), rel=RTOL)
    assert "km" in out and out["conf_type"] == "log"
