"""Notebook API: every result's HTML shows the natural scale beside the analysis scale,
and every result type has ``to_frame()``."""

from __future__ import annotations

import ast
import html
import math
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import evisynth as ev
from evisynth import _html
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


# --- one HTML renderer for every result ---------------------------------------------

SRC = Path(__file__).resolve().parents[1] / "src" / "evisynth"

#: A label that must reach the notebook escaped.
EVIL = "<b>&"
EVIL_ESCAPED = "&lt;b&gt;&amp;"

#: ``_repr_html_`` methods that still write their own HTML, with the reason. The test
#: below fails once one of them goes through result_html: then remove it from here.
OWN_HTML = {
    # review/ is owned by another helper this session; left for its owner.
    "review/api.py": "ReviewResults._repr_html_ (a pandas to_html table)",
    "review/cea.py": "CEAResults._repr_html_ (a <pre> summary)",
}

#: The functions a _repr_html_ may call to render (pooled_html calls result_html).
RENDERERS = {"result_html", "pooled_html"}


def _repr_methods() -> list[tuple[str, ast.FunctionDef]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        out += [(path.relative_to(SRC).as_posix(), node) for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and node.name == "_repr_html_"]
    return out


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute)
                      else "")
    return names


def _tag_literals(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and "<" in n.value]


def test_every_repr_html_in_the_package_goes_through_result_html() -> None:
    methods = _repr_methods()
    assert len(methods) >= 17
    for rel, fn in methods:
        if rel in OWN_HTML:
            assert _tag_literals(fn) or not (_calls(fn) & RENDERERS), (
                f"{rel} renders through result_html now: remove it from OWN_HTML")
            continue
        assert _calls(fn) & RENDERERS, f"{rel}:{fn.lineno} does not call result_html"
        assert not _tag_literals(fn), f"{rel}:{fn.lineno} writes its own HTML tags"


def _rendered(obj: Any) -> tuple[str, list[str]]:
    """``obj._repr_html_()`` and what :func:`evisynth._html.result_html` returned meanwhile."""
    code = _html.result_html.__code__
    returned: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code:
            returned.append(arg)

    sys.setprofile(profile)
    try:
        h = obj._repr_html_()
    finally:
        sys.setprofile(None)
    return h, returned


def _y() -> tuple[list[float], list[float]]:
    return [-0.9, -1.6, -1.4, -0.2, -0.5, -0.3], [0.33, 0.19, 0.42, 0.07, 0.1, 0.2]


def _labelled() -> ev.EffectSizes:
    y, v = _y()
    return ev.EffectSizes(np.asarray(y), np.asarray(v), measure="RR",
                          labels=(EVIL, "B", "C", "D", "E", "F"))


def _econ_model() -> Any:
    from evisynth.econ import Param

    curve = ev.parametric_curve
    price = Param(1000.0, name="price", dist="gamma", se=100.0, low=800.0, high=1200.0)
    arms = {EVIL: ev.Arm(pfs=curve("exponential", rate=0.5), os=curve("exponential", rate=0.2),
                         one_off_cost={"drug": price}, state_costs={"pf": 10.0, "pd": 20.0},
                         utilities={"pf": 0.8, "pd": 0.5}),
            "y": ev.Arm(pfs=curve("exponential", rate=0.6), os=curve("exponential", rate=0.3),
                        utilities={"pf": 0.8, "pd": 0.5})}
    return ev.PartitionedSurvival(arms=arms, horizon=10, wtp=20_000)


def _interval_check() -> Any:
    y, v = _y()
    chk = ev.rma(yi=y, vi=v).interval_check(reps=100, n_tau=2, plot=False)
    return replace(chk, table=chk.table.assign(method=EVIL))


#: One factory per public result class, each putting EVIL where the HTML shows a label.
RESULTS: dict[str, Callable[[], Any]] = {
    "RMAResult": lambda: replace(ev.rma(yi=_y()[0], vi=_y()[1]), test=EVIL),
    "MetaRegResult": lambda: ev.rma(yi=_y()[0], vi=_y()[1],
                                    mods=pd.DataFrame({EVIL: [44.0, 55, 42, 13, 19, 30]})),
    "GLMMResult": lambda: replace(ev.rma_glmm("PLO", xi=[3, 5, 9, 2], ni=[20, 25, 30, 18]),
                                  test=EVIL),
    "BayesMetaResult": lambda: replace(
        ev.bayesmeta(_labelled(), tau_prior="halfnormal:0.5"),
        tau_prior=ev.CustomPrior(lambda t: np.exp(-t), description=EVIL)),
    "BinaryPoolResult": lambda: replace(ev.rma_mh(**COUNTS), measure=EVIL),
    "SubgroupResult": lambda: ev.subgroup(_labelled(), groups=[EVIL] * 3 + ["b"] * 3),
    "LeaveOneOutResult": lambda: ev.leave_one_out(ev.rma(_labelled())),
    "CumulativeResult": lambda: ev.cumulative(ev.rma(_labelled())),
    "InfluenceResult": lambda: ev.influence(ev.rma(_labelled())),
    "PermutestResult": lambda: ev.permutest(ev.rma(
        yi=_y()[0], vi=_y()[1], mods=pd.DataFrame({EVIL: [44.0, 55, 42, 13, 19, 30]}))),
    "FsnResult": lambda: replace(ev.fsn(yi=_y()[0], vi=_y()[1]), warning=EVIL),
    "RankTestResult": lambda: replace(ev.ranktest(ev.rma(_labelled())), warning=EVIL),
    "RegTestResult": lambda: replace(ev.regtest(ev.rma(_labelled())), warning=EVIL),
    "TrimFillResult": lambda: replace(ev.trimfill(ev.rma(_labelled())), warning=EVIL),
    "IntervalCheck": _interval_check,
    "CEAResult": lambda: _econ_model().run(),
    "PSAResult": lambda: _econ_model().psa(50, seed=1),
    "DSAResult": lambda: _econ_model().dsa(EVIL, "y"),
    "AuditReport": lambda: ev.audit("In one arm 12 of 40 (30%) responded.", source=EVIL),
}


@pytest.mark.filterwarnings("ignore::evisynth.errors.EvisynthWarning")
@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_html_is_the_helpers_output_with_labels_escaped(name: str) -> None:
    obj = RESULTS[name]()
    assert type(obj).__name__ == name
    h, returned = _rendered(obj)
    assert returned and h == returned[-1], f"{name}._repr_html_ is not result_html's output"
    assert EVIL not in h and EVIL_ESCAPED in h
    assert h.startswith("<div>") and h.endswith("</div>")


@settings(max_examples=100, deadline=None)
@given(label=st.text(max_size=12), value=st.one_of(st.none(), st.floats(), st.integers(),
                                                   st.text(max_size=12)))
def test_result_html_escapes_every_text(label: str, value: Any) -> None:
    h = _html.result_html(label, lines=[label], note=label, items=[label], text=label,
                          tables=[_html.Table(((label, value),), (label, label))])
    inner = h.removeprefix("<div>").removesuffix("</div>")
    for tag in ("strong", "br", "table", "tr", "th", "td", "ul", "li", "pre", "p", "em"):
        inner = re.sub(rf"</?{tag}( style='text-align:left')?>", "", inner)
    assert "<" not in inner and ">" not in inner
    assert html.unescape(inner).count(label) >= 7 if label else True
