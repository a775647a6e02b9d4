"""rma_glmm on random counts against metafor 3.8-1 rma.glmm (tests/reference/differential_glmm.R).

Every model evisynth offers (PLO, OR UM.FS / CM.AL / CM.EL, IRR UM.FS / CM.EL; ML
and, for PLO and OR UM.FS, FE), without and with one or two moderators, test z
and t, on random datasets with k = 3..30, rare to common events (zero cells,
double-zero studies, cells with only events) and group sizes 5..2000. metafor is
run with the tight optimiser of tests/reference/glmm.R.

Tolerances are those of tests/test_glmm_oracle.py against tight metafor:
coefficients and tau² 1e-5 relative (1e-8 absolute), standard errors 2e-4
(lme4's vcov is a central-difference Hessian), vt 1e-10, QE_LRT 1e-7, QE_Wld
5e-6 (glm's IRLS stopping rule; 1e-2 for CM.EL, whose saturated fit metafor
leaves unconverged for studies with an infinite conditional MLE), QM 5e-4.
Derived quantities (statistic, p-values, CI bounds, I², H²) get the difference
that those allowances imply, so that a failure points at the quantity that is
off.
"""

from __future__ import annotations

import math
import os
import warnings
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy import stats

import evisynth as ev
from tests.conftest import load_reference
from tests.differential._ref import _decode, vec

R = _decode(load_reference("differential_glmm"))
DATA = {d["id"]: d for d in R["datasets"]}

def _kwargs(d: dict[str, Any], rec: dict[str, Any], test: str) -> dict[str, Any]:
    m = rec["measure"]
    cols = {"PLO": {"xi": "ai", "ni": "n1i"},
            "OR": {"ai": "ai", "n1i": "n1i", "ci": "ci", "n2i": "n2i"},
            "IRR": {"x1i": "x1i", "t1i": "t1i", "x2i": "x2i", "t2i": "t2i"}}[m]
    kw: dict[str, Any] = {arg: vec(d[src]) for arg, src in cols.items()}
    if rec["mods"] == "x1":
        kw["mods"] = vec(d["x1"])
    elif rec["mods"] == "x1x2":
        kw["mods"] = np.column_stack([vec(d["x1"]), vec(d["x2"])])
    return dict(measure=m, model=rec["model"], method=rec["method"], test=test, **kw)


@cache
def fit(name: str, key: str, test: str) -> ev.GLMMResult:
    kw = _kwargs(DATA[name], DATA[name]["fits"][key], test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        return ev.rma_glmm(kw.pop("measure"), **kw)


def _g(r: dict[str, Any], k: str) -> float:
    """A scalar of metafor's record; its NA (None) as NaN, which is not compared."""
    v = r.get(k)
    return math.nan if v is None else float(v)


def _pfun(test: str, df: float) -> Any:
    if test == "t":
        return lambda s: 2 * stats.t.sf(abs(s), df)
    return lambda s: 2 * stats.norm.sf(abs(s))


def comparisons(f: ev.GLMMResult, r: dict[str, Any], rec: dict[str, Any], test: str, *,
                se_rel: float = 2e-4, wald_rel: float | None = None, ll_rel: float = 1e-9
                ) -> list[tuple[str, float, float, float]]:
    """``(field, evisynth, metafor, allowed |difference|)`` for every compared number."""
    rows: list[tuple[str, float, float, float]] = []

    def add(field: str, got: float, want: float | None, lim: float) -> None:
        # metafor's NA (e.g. "Cannot fit saturated model"): nothing to compare
        if want is not None and math.isfinite(want) and math.isfinite(lim):
            rows.append((field, float(got), float(want), float(lim)))

    cmel = rec["measure"] == "OR" and rec["model"] == "CM.EL"
    beta, se = vec(r["beta"]), vec(r["se"])
    df = f.k - f.p
    pf = _pfun(test, df)
    crit = float(stats.t.isf(0.025, df) if test == "t" else stats.norm.isf(0.025))
    for j in range(len(beta)):
        db = 1e-5 * abs(beta[j]) + 1e-8
        ds = se_rel * se[j]
        add(f"beta[{j}]", f.beta[j], beta[j], db)
        add(f"se[{j}]", f.b_se[j], se[j], ds)
        z = beta[j] / se[j]
        dz = (db + abs(z) * ds) / se[j]
        add(f"stat[{j}]", f.b_stat[j], vec(r["stat"])[j], dz + 1e-9)
        dp = max(abs(pf(z + dz) - pf(z)), abs(pf(z - dz) - pf(z)))
        add(f"pval[{j}]", f.b_pval[j], vec(r["pval"])[j], dp + 1e-12)
        add(f"ci_lb[{j}]", f.b_ci_lb[j], vec(r["ci_lb"])[j], db + crit * ds)
        add(f"ci_ub[{j}]", f.b_ci_ub[j], vec(r["ci_ub"])[j], db + crit * ds)
    dt = 1e-5 * _g(r, "tau2") + 1e-8
    add("tau2", f.tau2, _g(r, "tau2"), dt)
    vt = _g(r, "vt")
    add("vt", f.vt, vt, 1e-10 * vt)
    add("I2", f.I2, _g(r, "I2"), 100 * dt / vt + 1e-9)
    add("H2", f.H2, _g(r, "H2"), dt / vt + 1e-9)
    assert f.k == r["k"] and f.p == r["p"]
    if f.k - f.p > 0 and r["QE_df"] is not None:
        assert f.QE_df == r["QE_df"]
        q = _g(r, "QE_LRT")
        dq = 1e-7 * q + 1e-8
        add("QE_LRT", f.QE_LRT, q, dq)
        sf = lambda x: float(stats.chi2.sf(max(x, 0.0), df))  # noqa: E731
        add("QE_LRT_pval", f.QE_LRT_pval, _g(r, "QE_LRT_pval"),
            max(abs(sf(q + dq) - sf(q)), abs(sf(q - dq) - sf(q))) + 1e-12)
        w = _g(r, "QE_Wld")
        dw = (wald_rel or (1e-2 if cmel else 5e-6)) * w + (1e-5 if wald_rel else 1e-6)
        if not (cmel and wald_rel):  # CM.EL in WALD: metafor's saturated fit unconverged
            add("QE_Wld", f.QE_Wld, w, dw)
            add("QE_Wld_pval", f.QE_Wld_pval, _g(r, "QE_Wld_pval"),
                max(abs(sf(w + dw) - sf(w)), abs(sf(w - dw) - sf(w))) + 1e-12)
    if f.p > 1 and r["QM"] is not None:
        assert f.QM is not None
        qm = _g(r, "QM")
        dqm = 5e-4 * qm + 1e-8
        add("QM", f.QM, qm, dqm)
        m = f.p - 1
        if test == "t":
            qsf = lambda x: float(stats.f.sf(max(x, 0.0), m, df))  # noqa: E731
        else:
            qsf = lambda x: float(stats.chi2.sf(max(x, 0.0), m))  # noqa: E731
        add("QM_pval", f.QM_pval or math.nan, _g(r, "QM_pval"),
            max(abs(qsf(qm + dqm) - qsf(qm)), abs(qsf(qm - dqm) - qsf(qm))) + 1e-12)
    if cmel:
        add("ll", f.ll, _g(r, "ll"), ll_rel * abs(_g(r, "ll")))
    add("dev", f.deviance, _g(r, "dev"), 1e-5 * abs(_g(r, "dev")) + 1e-8)
    return rows


# ------------------------------------------------- where metafor is not at the maximum --
@cache
def _model_and_fit(name: str, key: str) -> tuple[Any, Any, int]:
    """evisynth's likelihood (the model object) and its ML fit, captured from rma_glmm."""
    import evisynth.meta.glmm as glmm_mod

    seen: dict[str, Any] = {}
    real = glmm_mod.fit_model

    def spy(mdl: Any, measure: str, method: str, nagq: int, tol: float, maxiter: int) -> Any:
        out = real(mdl, measure, method, nagq, tol, maxiter)
        seen.update(mdl=mdl, fit=out[1], nagq=nagq)
        return out

    kw = _kwargs(DATA[name], DATA[name]["fits"][key], "z")
    with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        mp.setattr(glmm_mod, "fit_model", spy)
        ev.rma_glmm(kw.pop("measure"), **kw)
    return seen["mdl"], seen["fit"], seen["nagq"]


def loglik_at(name: str, key: str, beta: np.ndarray, tau2: float) -> float:
    """evisynth's marginal log-likelihood at ``(beta, tau²)``; for the models with fixed
    study intercepts (UM.FS) maximised over the intercepts, one study at a time (each
    study's likelihood depends on its own intercept only)."""
    from evisynth.engine.glmm import study_loglik

    mdl, fitted, nagq = _model_and_fit(name, key)
    g = np.asarray(beta, float)[None, :]
    th = np.array([math.sqrt(max(tau2, 0.0))])
    if mdl.data.A is None:
        return float(study_loglik(mdl.data, g, th, None, nagq).ll.sum())
    a = fitted.alpha.copy()
    h = 1e-4
    for _ in range(60):  # Newton with central differences, per study (separable)
        l0 = study_loglik(mdl.data, g, th, a, nagq).ll
        lp = study_loglik(mdl.data, g, th, a + h, nagq).ll
        lm = study_loglik(mdl.data, g, th, a - h, nagq).ll
        d1, d2 = (lp - lm) / (2 * h), (lp - 2 * l0 + lm) / h**2
        step = np.where(d2 < 0, -d1 / np.where(d2 < 0, d2, -1.0), np.sign(d1) * 0.5)
        a = a + np.clip(step, -1.0, 1.0)
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(study_loglik(mdl.data, g, th, a, nagq).ll.sum())


# ------------------------------------------------------------------------- cases --
# Documented differences, found on these random datasets (keys "dataset:fit"). Each set
# says what is compared instead; every other case is compared at the full tolerances.

#: metafor's point is not the maximum of the likelihood: evaluated with evisynth's
#: likelihood (which agrees with lme4's on every other case) evisynth's estimates are at
#: least as likely. Mostly flat likelihoods (tau² of 4-6 with rare events), where lme4's
#: bobyqa stops ~1e-5 early; CM.EL fits where metafor's log tau² stops at tau² ~ 1e-5 with
#: a singular Hessian (evisynth: tau² = 0); g012 OR UM.FS, where metafor (bobyqa from
#: its start) stops at a local maximum with tau² 0.19, 0.111 below the likelihood at
#: tau² = 0 (lme4's own deviance function agrees: 22.0521 at tau = 0 vs 22.2744 at metafor's
#: estimate). Compared: the likelihood, and the fields that do not depend on the fit.
OFF_MAX: frozenset[str] = frozenset({
    "g006:OR_CMEL-x1", "g010:OR_CMEL-none",
    "g006:IRR_CMEL-none", "g006:OR_CMEL-none", "g009:OR_CMEL-none", "g012:OR_UMFS-none",
    "g012:OR_UMFS-x1", "g012:PLO-none", "g012:PLO-x1", "g015:OR_UMFS-x1x2", "g024:PLO-x1",
    "g024:PLO-x1x2", "g026:OR_CMEL-none", "g027:IRR_CMEL-none", "g027:IRR_UMFS-x1x2",
    "g027:OR_CMAL-x1", "g027:OR_CMEL-x1", "g027:OR_UMFS-x1x2", "g034:IRR_UMFS-x1x2",
    "g034:PLO-none", "g034:PLO-x1", "g034:PLO-x1x2", "g036:OR_CMEL-none", "g038:OR_UMFS-none",
    "g038:PLO-none", "g038:PLO-x1", "g040:OR_CMAL-none", "g045:OR_UMFS-x1x2",
    "g046:IRR_CMEL-none", "g046:IRR_CMEL-x1", "g046:IRR_UMFS-x1x2", "g049:PLO-x1",
    "g050:OR_CMAL-x1", "g051:IRR_UMFS-x1", "g053:OR_CMEL-none", "g053:OR_UMFS-none",
    "g056:OR_CMEL-none", "g059:PLO-none", "g059:PLO-x1x2", "g060:IRR_CMEL-none",
    "g060:IRR_CMEL-x1", "g060:IRR_UMFS-none", "g060:IRR_UMFS-x1", "g060:PLO-none",
    "g060:PLO-x1x2",
})
#: metafor's Wald test of heterogeneity comes from glm's saturated fit, which with
#: near-separated studies stops its IRLS early; QE_Wld compared at 2e-3 relative.
WALD: frozenset[str] = frozenset({
    "g005:IRR_UMFS-x1", "g006:OR_CMEL-none", "g009:OR_CMEL-none", "g013:IRR_CMEL-x1",
    "g013:PLO-none", "g014:OR_CMAL-x1", "g014:OR_UMFS-x1x2", "g018:PLO-none",
    "g018:PLO_FE-none", "g020:PLO-x1", "g020:PLO-x1x2", "g025:IRR_CMEL-x1", "g025:IRR_UMFS-x1",
    "g025:PLO-none", "g025:PLO-x1", "g025:PLO-x1x2", "g026:OR_CMEL-none", "g029:PLO-x1x2",
    "g030:IRR_CMEL-x1", "g030:OR_CMAL-x1", "g030:OR_UMFS-x1", "g030:OR_UMFS_FE-x1",
    "g030:PLO-none", "g030:PLO-x1", "g030:PLO-x1x2", "g030:PLO_FE-none", "g030:PLO_FE-x1",
    "g031:OR_CMEL-none", "g032:IRR_UMFS-none", "g034:IRR_UMFS-x1x2", "g038:IRR_CMEL-none",
    "g038:IRR_CMEL-x1", "g038:IRR_UMFS-none", "g038:IRR_UMFS-x1", "g038:PLO-x1",
    "g043:IRR_CMEL-x1", "g043:IRR_UMFS-none", "g043:IRR_UMFS-x1x2", "g043:PLO-x1x2",
    "g044:IRR_UMFS-x1x2", "g044:OR_CMAL-x1", "g044:PLO-x1", "g044:PLO-x1x2",
    "g045:IRR_CMEL-none", "g045:IRR_UMFS-none", "g045:IRR_UMFS-x1x2", "g047:PLO-x1x2",
    "g049:IRR_CMEL-x1", "g049:IRR_UMFS-x1", "g049:OR_CMAL-x1", "g049:PLO-none", "g049:PLO-x1",
    "g057:OR_UMFS-none", "g057:OR_UMFS-x1", "g057:OR_UMFS-x1x2", "g057:OR_UMFS_FE-none",
    "g057:OR_UMFS_FE-x1", "g057:PLO-none", "g057:PLO-x1", "g057:PLO-x1x2", "g057:PLO_FE-none",
    "g057:PLO_FE-x1", "g058:PLO-none", "g058:PLO-x1", "g060:PLO-x1", "g060:PLO-x1x2",
    "g060:PLO_FE-x1",
})
#: OR CM.EL: metafor's standard errors come from a numDeriv Hessian of integrate() values
#: and its log-likelihood from integrate() (evisynth: 21-point adaptive quadrature, same
#: estimates): se compared at 5e-3, ll at 1e-6 relative.
CMEL_NUM: frozenset[str] = frozenset({
    "g007:OR_CMEL-none", "g014:OR_CMEL-none", "g021:OR_CMEL-none", "g027:OR_CMEL-none",
    "g031:OR_CMEL-none", "g044:OR_CMEL-none", "g050:OR_CMEL-none",
})
#: metafor's heterogeneity tests are broken (QE_LRT = 0 with QE_Wld = 1e17 or "glm.fit:
#: algorithm did not converge"): not compared.
QE_BROKEN: frozenset[str] = frozenset({
    "g015:PLO-x1x2",
    "g014:PLO-x1x2", "g015:OR_UMFS-x1x2",
})
#: metafor returns a diverged fit (|estimate| > 15 or se > 1e3, with warnings of fitted
#: probabilities 0/1 or a singular Hessian), evisynth raises ConvergenceError/InputError.
DIVERGED: frozenset[str] = frozenset({
    "e_allzero:PLO_FE-none", "e_onearm:PLO_FE-none", "e_onearm:PLO_FE-x1",
    "e_onearm:OR_UMFS_FE-none", "e_onearm:OR_UMFS_FE-x1", "e_onearm:IRR_UMFS-none",
    "e_onearm:IRR_UMFS-x1", "e_allevents:PLO_FE-none",
    "g023:IRR_UMFS-x1x2", "g037:OR_CMAL-x1", "g050:IRR_UMFS-x1x2", "g053:IRR_CMEL-x1",
})

PARAM_FIELDS = ("beta", "se", "stat", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "dev",
                "QM", "QM_pval", "ll")


def _tests_to_run(d: dict[str, Any], key: str, rec: dict[str, Any]) -> list[str]:
    # test t on every fourth dataset (it changes only the statistic's reference
    # distribution); OR CM.EL (the slow one) with z only
    if rec["fam"] == "OR_CMEL" or not d["id"].startswith("g") or int(d["id"][1:]) % 4:
        return ["z"]
    return list(rec["tests"])


#: The whole oracle takes ~90 s; by default every case of a documented difference, every
#: edge dataset and every third random dataset run (~25 s); EVISYNTH_DIFF_ALL=1 runs all.
ALL = os.environ.get("EVISYNTH_DIFF_ALL") == "1"
SPECIAL = OFF_MAX | WALD | CMEL_NUM | QE_BROKEN


def _selected(d: dict[str, Any], key: str) -> bool:
    return (ALL or not d["id"].startswith("g") or int(d["id"][1:]) % 3 == 0
            or f"{d['id']}:{key}" in SPECIAL)


CASES = [
    pytest.param(d["id"], key, tst, id=f"{d['id']}-k{d['k']}-{d['rate']}-{key}-{tst}")
    for d in R["datasets"]
    for key, rec in d["fits"].items()
    if f"{d['id']}:{key}" not in DIVERGED and _selected(d, key)
    for tst in _tests_to_run(d, key, rec)
    if tst in rec["tests"] and "error" not in rec["tests"][tst]
]
ERROR_CASES = [
    pytest.param(d["id"], key, id=f"{d['id']}-k{d['k']}-{d['rate']}-{key}")
    for d in R["datasets"]
    for key, rec in d["fits"].items()
    if "error" in rec["tests"]["z"] and _selected(d, key)
]


@pytest.mark.parametrize(("name", "key", "test"), CASES)
def test_rma_glmm_matches_metafor(name: str, key: str, test: str) -> None:
    rec = DATA[name]["fits"][key]
    r = rec["tests"][test]
    f = fit(name, key, test)
    case = f"{name}:{key}"
    rows = comparisons(
        f, r, rec, test,
        se_rel=5e-3 if case in CMEL_NUM else 2e-4,
        ll_rel=1e-6 if case in CMEL_NUM else 1e-9,
        wald_rel=2e-3 if case in WALD else None,
    )
    if case in OFF_MAX:
        rows = [row for row in rows if row[0].split("[")[0] not in PARAM_FIELDS]
        ll_ours = loglik_at(name, key, f.beta, f.tau2)
        ll_theirs = loglik_at(name, key, vec(r["beta"]), r["tau2"])
        assert ll_ours >= ll_theirs - 1e-10, (ll_ours, ll_theirs)
    if case in QE_BROKEN:
        rows = [row for row in rows if not row[0].startswith("QE_")]
        assert math.isfinite(f.QE_Wld) and math.isfinite(f.QE_LRT)
    bad = [f"{fld}: evisynth {g!r} vs metafor {w!r} (|diff| {abs(g - w):.2e} > {lim:.2e})"
           for fld, g, w, lim in rows if not abs(g - w) <= lim]
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("case", sorted(DIVERGED))
def test_where_metafor_diverges_evisynth_refuses(case: str) -> None:
    name, key = case.split(":")
    r = DATA[name]["fits"][key]["tests"]["z"]
    assert np.max(np.abs(vec(r["beta"]))) > 15 or np.max(vec(r["se"])) > 1e3
    with pytest.raises((ev.InputError, ev.ConvergenceError)) as info:
        fit(name, key, "z")
    msg = str(info.value)
    assert "\n" not in msg and "array(" not in msg, msg


@pytest.mark.parametrize(("name", "key"), ERROR_CASES)
def test_where_metafor_fails_evisynth_says_why_or_fits(name: str, key: str) -> None:
    """metafor stops with an error: evisynth raises a one-line InputError/ConvergenceError,
    or (OR CM.EL, where metafor's log tau² cannot reach the boundary tau² = 0 and nlminb
    reports non-convergence or a singular Hessian) returns a converged fit."""
    rec = DATA[name]["fits"][key]
    try:
        f = fit(name, key, "z")
    except (ev.InputError, ev.ConvergenceError) as e:
        msg = str(e)
        assert "\n" not in msg and "array(" not in msg, msg
        return
    assert rec["model"] == "CM.EL", rec["tests"]["z"]["error"]
    assert f.converged and math.isfinite(f.se) and f.se > 0
