"""Meta-regression, leave1out and influence on random data against metafor.

Values frozen by tests/reference/differential_rma.R: one or two moderators (a
continuous ``x1`` on a random scale, a 0/1 ``x2``) with REML and two random
estimators, the z test and one random other test; leave1out and influence for
40 random intercept-only fits (k = 3..25).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import evisynth as ev
from tests.differential._ref import cancellation, close, close_vec, datasets, loc_scale, ref, vec

R = ref()


def design(d: dict[str, Any], mods: str) -> np.ndarray:
    cols = [vec(d["x1"])] + ([vec(d["x2"])] if mods == "x1+x2" else [])
    return np.column_stack(cols)


def fit(name: str, method: str, test: str, mods: str | None = None) -> Any:
    d = datasets()[name]
    kw = {} if mods is None else {"mods": design(d, mods)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        return ev.rma(yi=vec(d["yi"]), vi=vec(d["vi"]), method=method, test=test, **kw)


MR = [
    pytest.param(r, id=f"{r['dataset']}-{r['mods']}-{r['method']}-{r['test']}")
    for r in R["metareg"]
    if "error" not in r
]


@pytest.mark.parametrize("r", MR)
def test_metareg_matches_metafor(r: dict[str, Any]) -> None:
    d = datasets()[r["dataset"]]
    res = fit(r["dataset"], r["method"], r["test"], r["mods"])
    s = loc_scale(d)
    X = design(d, r["mods"])
    # natural scale of a coefficient: the effects' scale over the moderator's size
    cs = [s] + [s / float(np.sqrt(np.mean(X[:, j] ** 2))) for j in range(X.shape[1])]
    rel = cancellation(res, r["test"], res.QE)
    for f in ("estimate", "se", "ci_lb", "ci_ub", "stat", "pval"):
        for j, w in enumerate(vec(r[f])):
            g = float(getattr(res, f)[j])
            sc = 1.0 if f in ("stat", "pval") else cs[j]
            ex = {"stat": abs(g), "pval": 1.0, "estimate": 0.0}.get(f, float(res.se[j])) * rel
            if f == "stat" and rel > 0 and res.se[j] > 0:  # noise-level coefficient and se
                ex += 64 * 2.0**-52 * float(np.max(np.abs(res.yi))) * cs[j] / s / float(res.se[j])
            close(f"{f}[{j}]", g, w, sc, ex)
    close("tau2", res.tau2, r["tau2"], s * s)
    dtau2 = abs(res.tau2 - r["tau2"])  # I², H² follow tau² (see test_diff_rma)
    close("I2", res.I2, r["I2"], extra=100.0 * dtau2 / res.vt)
    close("H2", res.H2, r["H2"], extra=dtau2 / res.vt)
    close("QM", res.QM, r["QM"], extra=rel * res.QM)  # an F statistic over s2w under knha
    for f in ("QMp", "QE", "QEp"):
        close(f, getattr(res, {"QMp": "QM_pval", "QEp": "QE_pval"}[f] if f != "QE" else f),
              r[f], extra=rel if f == "QMp" else 0.0)
    fe = r["method"] == "FE"
    tau2_0 = d["fits"][r["method"]]["het"][0] if not fe else None
    if r["R2"] is None and not fe and d["fits"][r["method"]]["how"] != "plain":
        # metafor's R² refits the intercept-only model with the same (tight) control;
        # where that plain refit fails metafor gives NA. Closed form with the
        # oracle's own intercept-only tau² (fitted with step halving) instead.
        want_r2 = 0.0 if tau2_0 == 0 else max(0.0, 100.0 * (tau2_0 - r["tau2"]) / tau2_0)
    else:
        want_r2 = r["R2"]
    # pseudo-R² = 100 (tau2_0 - tau2) / tau2_0 follows both tau² estimates
    ex = 0.0 if want_r2 is None or not tau2_0 else 100.0 * 2e-9 * s * s / tau2_0
    close("R2", res.R2, want_r2, extra=ex)
    qdf = vec(r["QMdf"])
    assert res.QM_df == int(qdf[0])
    assert (res.QM_ddf is None) == bool(np.isnan(qdf[1]))


LOO = [pytest.param(r, id=f"{r['dataset']}-{r['method']}-{r['test']}") for r in R["leave1out"]]


@pytest.mark.parametrize("r", LOO)
def test_leave1out_matches_metafor(r: dict[str, Any]) -> None:
    d = datasets()[r["dataset"]]
    full = fit(r["dataset"], r["method"], r["test"])
    res = ev.leave_one_out(full)
    rel = cancellation(full, r["test"], full.Q)
    s = loc_scale(d)
    sc = {"estimate": s, "se": s, "ci_lb": s, "ci_ub": s, "tau2": s * s, "I2": 100.0}
    for f in ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2",
              "H2"):
        want = r[f]
        if f == "tau2" and r["method"] == "FE":
            want = np.zeros(d["k"])  # metafor has no tau² column for FE
        close_vec(f, getattr(res, f), want, sc.get(f, 1.0), rel if f in ("se", "stat", "pval",
                  "ci_lb", "ci_ub") else 0.0)


INF = [pytest.param(r, id=f"{r['dataset']}-{r['method']}-{r['test']}") for r in R["influence"]]


@pytest.mark.parametrize("r", INF)
def test_influence_matches_metafor(r: dict[str, Any]) -> None:
    d = datasets()[r["dataset"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        full = fit(r["dataset"], r["method"], r["test"])
        res = ev.influence(full)
    s = loc_scale(d)
    # ratios of noise-level residuals for near-duplicate effects (see cancellation)
    rel = cancellation(full, r["test"], full.Q)
    for f in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight"):
        close_vec(f, getattr(res, f), r[f], s * s if f == "tau2_del" else 1.0, rel)
    close_vec("dfbs", res.dfbs[:, 0], r["dfbs"], 1.0, rel)
    assert list(res.inf) == [bool(x) for x in np.atleast_1d(r["inf"])]


def test_oracle_covers_the_brief() -> None:
    cases = [p.values[0] for p in MR]
    assert {r["mods"] for r in cases} == {"x1", "x1+x2"}
    assert {r["method"] for r in cases} == set(ev.engine.METHODS)
    assert {r["test"] for r in cases} == set(ev.engine.TESTS)
    assert len(LOO) >= 30 and len(INF) >= 30
