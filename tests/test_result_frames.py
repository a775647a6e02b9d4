"""Notebook API: every result's HTML shows the natural scale beside the analysis scale,
and every result type has ``to_frame()``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import evisynth as ev
from evisynth.meta._scale import natural_block, natural_scale, study_rows, to_natural
from tests.conftest import load_reference

BCG = load_reference("rma")["datasets"]["bcg_RR"]
COUNTS = {"ai": [4, 6, 3, 62, 33], "bi": [119, 300, 228, 13536, 5036],
          "ci": [11, 29, 11, 248, 47], "di": [128, 274, 209, 12619, 5761]}


def bcg_es() -> ev.EffectSizes:
    return ev.EffectSizes(np.asarray(BCG["yi"]), np.asarray(BCG["vi"]), measure="RR",
                          labels=tuple(f"S{i}" for i in range(len(BCG["yi"]))))


def cell(x: float) -> str:
    return f"<td>{x:.4g}</td>"


def test_rma_html_has_both_scales() -> None:
    fit = ev.rma(bcg_es())
    h = fit._repr_html_()
    assert "<th>log</th><th>RR</th>" in h
    assert cell(fit.estimate) + cell(math.exp(fit.estimate)) in h
    assert cell(fit.pi_ub) + cell(math.exp(fit.pi_ub)) in h


def test_rma_html_without_natural_scale_has_one_column() -> None:
    h = ev.rma(yi=BCG["yi"], vi=BCG["vi"])._repr_html_()
    assert "<th>GEN</th></tr>" in h


def test_rma_to_frame_per_study() -> None:
    fit = ev.rma(bcg_es())
    fr = fit.to_frame()
    z = stats.norm.ppf(0.975)
    assert isinstance(fr, pd.DataFrame) and list(fr.index) == list(fit.labels or ())
    np.testing.assert_allclose(fr["yi"], fit.yi, rtol=0)
    np.testing.assert_allclose(fr["ci_ub"], fit.yi + z * np.sqrt(fit.vi), rtol=1e-15)
    np.testing.assert_allclose(fr["weight"], fit.weights_percent, rtol=1e-15)
    np.testing.assert_allclose(fr["ci_lb_natural"], np.exp(fit.yi - z * np.sqrt(fit.vi)),
                               rtol=1e-15)
    assert fr.attrs["natural_scale"] == "RR"


def test_bayes_html_and_frame() -> None:
    fit = ev.bayesmeta(bcg_es(), tau_prior="halfnormal:0.5")
    h = fit._repr_html_()
    assert "<th>log</th><th>RR</th>" in h
    assert cell(fit.estimate) + cell(math.exp(fit.estimate)) in h
    fr = fit.to_frame()
    np.testing.assert_allclose(fr["theta_median_natural"], np.exp(fit.theta_median), rtol=1e-15)
    np.testing.assert_allclose(fr["theta_sd"], fit.theta_sd, rtol=0)


@pytest.mark.parametrize("fn", ["mh", "peto"])
def test_binary_pool_html_and_frame(fn: str) -> None:
    fit = ev.rma_mh(**COUNTS) if fn == "mh" else ev.rma_peto(**COUNTS)
    h = fit._repr_html_()
    assert "<th>log</th><th>OR</th>" in h
    assert cell(fit.ci_lb) + cell(math.exp(fit.ci_lb)) in h
    fr = fit.to_frame()
    np.testing.assert_allclose(fr["yi_natural"], np.exp(fit.yi), rtol=1e-15)
    assert fr["weight"].isna().all()


def test_glmm_html_and_frame() -> None:
    fit = ev.rma_glmm("PLO", xi=[3, 5, 9, 2, 7], ni=[20, 25, 30, 18, 22])
    h = fit._repr_html_()
    assert "<th>logit</th><th>proportion</th>" in h
    assert cell(fit.estimate) + cell(float(special.expit(fit.estimate))) in h
    fr = fit.to_frame()
    assert list(fr.index) == ["intrcpt"]
    assert fr.loc["intrcpt", "estimate_natural"] == pytest.approx(
        float(special.expit(fit.estimate)), rel=1e-15)


def test_metareg_html_has_exp_columns() -> None:
    es = bcg_es()
    fit = ev.rma(es, mods=np.arange(len(es.yi), dtype=float))
    h = fit._repr_html_()
    assert "exp(estimate)" in h and "estimate (log)" in h
    c = fit.coef()[1]
    assert cell(c["ci_ub"]) + cell(math.exp(c["estimate"])) in h


def test_subgroup_html_has_natural_columns() -> None:
    es = bcg_es()
    fit = ev.subgroup(es, groups=["a"] * 6 + ["b"] * 7)
    h = fit._repr_html_()
    assert "estimate (RR)" in h
    assert f"{math.exp(fit.groups['a'].estimate):.4g}" in h


# --- the shared helpers -------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(x=st.floats(-20, 20), measure=st.sampled_from(["HR", "RR", "OR", "IRR", "PLO", "PAS"]))
def test_to_natural_is_the_back_transform(x: float, measure: str) -> None:
    want = math.exp(x) if measure not in ("PLO", "PAS") else (
        float(special.expit(x)) if measure == "PLO" else ev.transforms.iarcsin(x))
    assert to_natural(measure, x) == pytest.approx(float(want), rel=1e-15, abs=1e-300)
    assert natural_block(measure, {"estimate": x})["estimate"] == to_natural(measure, x)


@settings(max_examples=50, deadline=None)
@given(yi=st.lists(st.floats(-5, 5), min_size=1, max_size=8),
       level=st.floats(50, 99.9))
def test_study_rows_intervals_contain_the_estimate(yi: list[float], level: float) -> None:
    vi = [0.1 + 0.01 * i for i in range(len(yi))]
    rows = study_rows(yi, vi, measure="OR", level=level, weights=[1.0] * len(yi))
    for r in rows:
        assert r["ci_lb"] < r["yi"] < r["ci_ub"]
        assert r["natural"]["ci_lb"] < r["natural"]["estimate"] < r["natural"]["ci_ub"]
    assert sum(r["weight"] for r in rows) == pytest.approx(100.0)
    assert natural_scale("MD") is None
