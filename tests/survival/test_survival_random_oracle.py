"""KM, RMST, log-rank and Cox against R survival on 30 random datasets.

Values frozen in tests/reference/survival_random.json by
tests/reference/survival_random.R (heavy ties, tiny n, no censoring, all censored
in a group, censorings tied with events, a curve falling to 0, a single event,
three groups, strata). Compared at a relative tolerance of 1e-8.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from evisynth.errors import ConvergenceError, InputError
from evisynth.survival import cox_ph, kaplan_meier, logrank_test
from tests.conftest import load_reference

REF = load_reference("survival_random")
NAMES = list(REF["datasets"])
RTOL = 1e-8
CONF_TYPES = ["log", "log-log", "plain"]


def arr(x: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(x)], dtype=float)


def close(ours: Any, theirs: Any, rtol: float = RTOL, atol: float = 0.0) -> None:
    a = np.atleast_1d(np.asarray(ours, dtype=float))
    np.testing.assert_allclose(a, arr(theirs), rtol=rtol, atol=atol, equal_nan=True)


def data(name: str) -> dict[str, np.ndarray]:
    return {k: arr(v) for k, v in REF["datasets"][name]["data"].items()}


def km_cases() -> list[tuple[str, str, str]]:
    return [
        (name, g, ct) for name in NAMES for g in REF["datasets"][name]["km"] for ct in CONF_TYPES
    ]


@pytest.mark.parametrize("name,group,conf_type", km_cases())
def test_km_greenwood_ci_median_landmarks(name: str, group: str, conf_type: str) -> None:
    d = data(name)
    m = np.ones(len(d["time"]), bool) if group == "all" else d["group"] == float(group)
    ref = REF["datasets"][name]["km"][group][conf_type]
    km = kaplan_meier(d["time"][m], d["event"][m], conf_type=conf_type)
    k = ref["km"]
    close(km.time, k["time"])
    np.testing.assert_array_equal(km.n_risk, arr(k["n_risk"]))
    np.testing.assert_array_equal(km.n_event, arr(k["n_event"]))
    np.testing.assert_array_equal(km.n_censor, arr(k["n_censor"]))
    close(km.survival, k["surv"])
    # Greenwood SE of the cumulative hazard; R gives NA after the curve reaches 0
    fin = np.isfinite(arr(k["std_err"]))
    close(km.std_err[fin], arr(k["std_err"])[fin])
    assert not np.isfinite(km.std_err[~fin]).any()
    close(km.lower, k["lower"])
    close(km.upper, k["upper"])
    med = km.median
    for ours, key in ((med.median, "median"), (med.lower, "median_lower"),
                      (med.upper, "median_upper")):
        if ref[key] is None:
            assert ours is None, key
        else:
            assert ours == pytest.approx(ref[key], rel=RTOL), key
    lm = ref["landmark"]
    for i, t in enumerate(arr(lm["time"])):
        s = km.at(t)
        close(s.survival, arr(lm["surv"])[i])
        close(s.se, arr(lm["std_err"])[i])
        close(s.lower, arr(lm["lower"])[i])
        close(s.upper, arr(lm["upper"])[i])
        assert s.n_risk == arr(lm["n_risk"])[i]


@pytest.mark.parametrize("name,group", [(n, g) for n in NAMES for g in REF["datasets"][n]["km"]])
def test_rmst_against_survfit_and_an_independent_integration(name: str, group: str) -> None:
    d = data(name)
    m = np.ones(len(d["time"]), bool) if group == "all" else d["group"] == float(group)
    ref = REF["datasets"][name]["km"][group]
    tau = REF["datasets"][name]["tau"]
    r = kaplan_meier(d["time"][m], d["event"][m]).rmst(tau)
    hand = ref["rmst_by_hand"]
    close(r.rmst, hand["rmst"])
    close(r.se, hand["se"], atol=1e-14)
    if ref["log"]["rmst"] is None:
        # survival refuses a tau before the group's first time; the curve is 1 there
        assert tau < d["time"][m].min()
        assert r.rmst == pytest.approx(tau, rel=RTOL) and r.se == 0
    else:
        close(r.rmst, ref["log"]["rmst"])
        close(r.se, ref["log"]["rmst_se"], atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_logrank(name: str) -> None:
    d = data(name)
    ref = REF["datasets"][name]["logrank"]
    lr = logrank_test(d["time"], d["event"], d["group"].astype(int))
    close(lr.chisq, ref["chisq"])
    close(lr.observed, ref["observed"])
    close(lr.expected, ref["expected"])
    assert lr.df == ref["df"]


def cox_cases() -> list[tuple[str, str, str]]:
    out = []
    for name in NAMES:
        for model in ("group", "group_x", "strata"):
            for ties in ("efron", "breslow"):
                if f"cox_{model}_{ties}" in REF["datasets"][name]:
                    out.append((name, model, ties))
    return out


@pytest.mark.parametrize("name,model,ties", cox_cases())
def test_cox(name: str, model: str, ties: str) -> None:
    d = data(name)
    ref = REF["datasets"][name][f"cox_{model}_{ties}"]
    g = d["group"]
    cols = [(g == 1).astype(float)] + ([(g == 2).astype(float)] if (g == 2).any() else [])
    if model != "group":
        cols.append(d["x"])
    X = np.column_stack(cols)
    strata = d["stratum"].astype(int) if model == "strata" else None
    if ref.get("error") or ref.get("warning"):
        # R: "Loglik converged before variable 1; coefficient may be infinite" or
        # "Ran out of iterations": a monotone likelihood; evisynth refuses it
        with pytest.raises((ConvergenceError, InputError)):
            cox_ph(d["time"], d["event"], X, strata=strata, ties=ties)
        return
    fit = cox_ph(d["time"], d["event"], X, strata=strata, ties=ties)
    close(fit.coef, ref["coef"])
    close(fit.se, ref["se"])
    close([fit.loglik_null, fit.loglik], ref["loglik"])
    close(fit.score_chisq, ref["score"])
    close(fit.wald_chisq, ref["wald"])
    close(fit.lr_chisq, ref["lr"])


def test_landmark_comparison_after_an_arm_falls_to_zero() -> None:
    # arm "b" has everyone's event by time 2: its S(2) = 0 and, as R, its SE is NaN;
    # the difference then has no SE, CI or test (NaN), not a spurious p = 1
    import pandas as pd

    from evisynth.survival import compare_arms

    df = pd.DataFrame({"time": [1, 2, 3, 4, 5, 1, 2], "event": [1, 0, 1, 0, 1, 1, 1],
                       "arm": ["a"] * 5 + ["b"] * 2})
    res = compare_arms(df, arm="arm", reference="a", landmarks=[2], tau=2)
    lm = res.landmarks[0]
    assert lm.experimental.survival == 0 and np.isnan(lm.experimental.se)
    assert lm.reference.se > 0
    assert np.isnan(lm.se) and np.isnan(lm.lower) and np.isnan(lm.pval)
