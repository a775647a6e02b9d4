"""Small-study effects against R metafor 3.8-1 (values frozen by tests/reference/bias.R).

Agreement is 1e-6 relative, with an absolute allowance of 1e-9 on each field's
natural scale (sqrt(mean vi) for locations, mean vi for tau², 1 for statistics
and p-values) so that true zeros compare sensibly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.meta.bias.ranktest import _kendall, _kendall_null_pmf
from tests.conftest import load_reference

REF = load_reference("bias")
DATA = REF["datasets"]
RTOL = 1e-6


def close(field: str, got: float | None, want: float | None, scale: float = 1.0) -> None:
    if want is None:
        assert got is None or math.isnan(got), f"{field}: evisynth {got!r}, metafor NA"
        return
    assert got is not None and math.isfinite(got), f"{field}: got {got!r}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale, (
        f"{field}: evisynth {got!r} vs metafor {want!r}"
    )


def fit_of(name: str, method: str, test: str) -> ev.RMAResult:
    d = DATA[name]
    return ev.rma(yi=d["yi"], vi=d["vi"], method=method, test=test)


def loc_scale(name: str) -> float:
    return math.sqrt(float(np.mean(DATA[name]["vi"])))


@pytest.fixture(autouse=True)
def _quiet_low_power() -> None:
    warnings.simplefilter("ignore", ev.EvisynthWarning)


REG = [
    pytest.param(r, id=f"{r['dataset']}-{r['model']}-{r['method']}-{r['test']}-{r['predictor']}")
    for r in REF["regtest"]
]


@pytest.mark.parametrize("ref", REG)
def test_regtest_matches_metafor(ref: dict) -> None:
    name = ref["dataset"]
    d = DATA[name]
    fit = fit_of(name, ref["method"] or "REML", ref["test"] or "z")
    ni = d.get("ni")
    res = ev.regtest(fit, model=ref["model"], predictor=ref["predictor"], ni=ni)
    s = loc_scale(name)
    close("stat", res.stat, ref["stat"])
    close("pval", res.pval, ref["pval"])
    close("df", res.df, ref["df"])
    for f in ("limit_estimate", "limit_ci_lb", "limit_ci_ub"):
        close(f, getattr(res, f), ref[f], s)
    close("slope", res.slope, ref["slope"], 1.0)
    if ref["model"] == "rma":
        close("tau2", res.tau2, ref["tau2"], s * s)
    keys = {"stat", "pval", "limit_estimate", "limit_ci_lb", "limit_ci_ub", "k", "warning"}
    assert set(res.to_dict()) == keys | ({"df"} if ref["df"] is not None else set())


@pytest.mark.parametrize("ref", REF["ranktest"], ids=[r["dataset"] for r in REF["ranktest"]])
def test_ranktest_matches_metafor(ref: dict) -> None:
    if "yi" in ref:  # generated data, stored with the case
        fit = ev.rma(yi=ref["yi"], vi=ref["vi"], method="DL")
    else:
        fit = fit_of(ref["dataset"], "REML", "z")
    res = ev.ranktest(fit)
    assert res.exact == ref["exact"]
    close("tau", res.tau, ref["tau"])
    close("pval", res.pval, ref["pval"])


TF = [
    pytest.param(
        r,
        id=f"{r['dataset']}-{r['method']}-{r['test']}-{r['estimator']}-{r['side_arg'] or 'auto'}",
    )
    for r in REF["trimfill"]
]


@pytest.mark.parametrize("ref", TF)
def test_trimfill_matches_metafor(ref: dict) -> None:
    name = ref["dataset"]
    fit = fit_of(name, ref["method"], ref["test"])
    res = ev.trimfill(fit, estimator=ref["estimator"], side=ref["side_arg"])
    assert (res.k0, res.side, res.k) == (ref["k0"], ref["side"], ref["k"])
    s = loc_scale(name)
    for f in ("estimate", "se", "ci_lb", "ci_ub"):
        close(f, getattr(res, f), ref[f], s)
    close("tau2", res.tau2, ref["tau2"], s * s)
    for f in ("stat", "pval", "Q", "Q_pval", "I2"):
        close(f, getattr(res, f), ref[f])
    close("se_k0", res.se_k0, ref["se_k0"])
    close("p_k0", res.p_k0, ref["p_k0"])
    want_yi = np.atleast_1d(np.asarray(ref["filled_yi"], dtype=float))
    want_vi = np.atleast_1d(np.asarray(ref["filled_vi"], dtype=float))
    np.testing.assert_allclose(res.filled_yi, want_yi, rtol=RTOL, atol=1e-9 * s)
    np.testing.assert_allclose(res.filled_vi, want_vi, rtol=1e-12)
    assert {"k0", "side", "estimate", "se", "ci_lb", "ci_ub", "tau2"} <= set(res.to_dict())


FSN = [
    pytest.param(r, id=f"{r['dataset']}-{r['type']}-a{r['alpha']}-t{r['target']}-w{r['weighted']}")
    for r in REF["fsn"]
]


@pytest.mark.parametrize("ref", FSN)
def test_fsn_matches_metafor(ref: dict) -> None:
    d = DATA[ref["dataset"]]
    res = ev.fsn(
        yi=d["yi"], vi=d["vi"], type=ref["type"], alpha=ref["alpha"], target=ref["target"],
        weighted=ref["weighted"],
    )
    assert res.fsnum == ref["fsnum"]
    close("pval", res.pval, ref["pval"])
    close("meanes", res.meanes, ref["meanes"])
    close("target", res.target, ref["target_used"])
    assert set(res.to_dict()) >= {"fsnum", "type"}


# ------------------------------------------------------------------ low-power warning


def test_fewer_than_ten_studies_warn() -> None:
    fit = fit_of("hine1989_RD", "REML", "z")
    assert fit.k < 10
    for call in (
        lambda: ev.regtest(fit),
        lambda: ev.ranktest(fit),
        lambda: ev.trimfill(fit),
        lambda: ev.fsn(yi=fit.yi, vi=fit.vi),
    ):
        with pytest.warns(ev.EvisynthWarning, match="Cochrane Handbook"):
            res = call()
        assert res.warning is not None and "10.4.3.1" in res.warning
        assert res.to_dict()["warning"] == res.warning
        assert "Cochrane" in res.summary()


def test_ten_or_more_studies_do_not_warn() -> None:
    fit = fit_of("bcg_RR", "REML", "z")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ev.EvisynthWarning)
        assert ev.regtest(fit).warning is None
        assert ev.ranktest(fit).warning is None
        assert ev.trimfill(fit).warning is None


# ------------------------------------------------------------------ behaviour


def test_trimfill_refit_is_rma_on_filled_data() -> None:
    fit = fit_of("hackshaw1998", "REML", "z")
    tf = ev.trimfill(fit)
    assert tf.k0 > 0
    again = ev.rma(
        yi=np.concatenate([fit.yi, tf.filled_yi]), vi=np.concatenate([fit.vi, tf.filled_vi])
    )
    assert tf.estimate == pytest.approx(again.estimate, rel=1e-12)
    frame = tf.to_frame()
    assert list(frame["filled"]).count(True) == tf.k0
    assert frame["label"].iloc[-1] == f"Filled {tf.k0}"
    assert "missing studies" in tf.summary()
    assert "<table>" in tf._repr_html_()


def test_trimfill_keeps_test_of_the_fit_unless_told() -> None:
    fit = fit_of("bcg_RR", "REML", "knha")
    assert ev.trimfill(fit).fit.test == "knha"
    assert ev.trimfill(fit, test="z").fit.test == "z"


def test_trimfill_is_mirror_symmetric() -> None:
    """Negating every effect swaps the side and negates the filled studies."""
    d = DATA["egger2001_OR"]
    a = ev.trimfill(ev.rma(yi=d["yi"], vi=d["vi"]))
    b = ev.trimfill(ev.rma(yi=-np.asarray(d["yi"]), vi=d["vi"]))
    assert a.k0 == b.k0 and a.side != b.side
    assert b.estimate == pytest.approx(-a.estimate, rel=1e-9)
    np.testing.assert_allclose(np.sort(b.filled_yi), np.sort(-a.filled_yi), rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_permuting_studies_changes_nothing(rnd) -> None:  # type: ignore[no-untyped-def]
    d = DATA["raudenbush1985"]
    perm = list(range(len(d["yi"])))
    rnd.shuffle(perm)
    y, v, n = (np.asarray(d[x])[perm] for x in ("yi", "vi", "ni"))
    base = fit_of("raudenbush1985", "REML", "z")
    fit = ev.rma(yi=y, vi=v)
    for pred in ("sei", "ninv"):
        r0 = ev.regtest(base, predictor=pred, ni=d["ni"])
        r1 = ev.regtest(fit, predictor=pred, ni=n)
        assert r1.stat == pytest.approx(r0.stat, rel=1e-7)
    assert ev.ranktest(fit).tau == pytest.approx(ev.ranktest(base).tau, rel=1e-12)
    assert ev.fsn(yi=y, vi=v).fsnum == ev.fsn(yi=d["yi"], vi=d["vi"]).fsnum


def test_kendall_exact_distribution() -> None:
    # closed form for n = 4: Mahonian numbers 1, 3, 5, 6, 5, 3, 1 over 4! = 24
    np.testing.assert_allclose(_kendall_null_pmf(4) * 24, [1, 3, 5, 6, 5, 3, 1], rtol=1e-14)
    x = np.arange(5.0)
    tau, p, exact = _kendall(x, x, True)
    # perfect agreement: one permutation of 5! is as extreme on each side
    assert (tau, exact) == (1.0, True) and p == pytest.approx(2 / 120, rel=1e-14)


# ------------------------------------------------------------------ bad input


def test_bad_inputs_raise_input_error() -> None:
    fit = fit_of("bcg_RR", "REML", "z")
    with pytest.raises(ev.InputError, match="ni="):
        ev.regtest(fit, predictor="ninv")
    with pytest.raises(ev.InputError, match="predictor"):
        ev.regtest(fit, predictor="precision")
    with pytest.raises(ev.InputError, match="different lengths"):
        ev.regtest(fit, predictor="ni", ni=[10, 20])
    with pytest.raises(ev.InputError, match="ni"):
        ev.regtest(fit, predictor="ni", ni=[0] * fit.k)
    same = ev.rma(yi=[0.1, 0.2, 0.4, 0.3], vi=[0.1] * 4)
    with pytest.raises(ev.InputError, match="same value in every study"):
        ev.regtest(same)
    with pytest.raises(ev.InputError, match="side"):
        ev.trimfill(same)
    with pytest.raises(ev.InputError, match="at least 3"):
        ev.ranktest(ev.rma(yi=[0.1, 0.2], vi=[0.1, 0.2]))
    with pytest.raises(ev.InputError, match="estimator"):
        ev.trimfill(fit, estimator="Q9")
    with pytest.raises(ev.InputError, match="fit"):
        ev.regtest([0.1, 0.2])
    d = DATA["raudenbush1985"]
    for X, intercept in ((np.asarray(d["ni"], dtype=float), True), (np.ones(19), False)):
        metareg = ev.rma(yi=d["yi"], vi=d["vi"], mods=X, intercept=intercept)
        for fn in (ev.regtest, ev.ranktest, ev.trimfill):
            with pytest.raises(ev.InputError, match=r"moderators|rma"):
                fn(metareg)
    with pytest.raises(ev.InputError, match="target"):
        ev.fsn(yi=[0.1, 0.2], type="Orwin", target=0)
    with pytest.raises(ev.InputError, match="alpha"):
        ev.fsn(yi=[0.1, 0.2], vi=[0.1, 0.1], alpha=1.5)
    with pytest.raises(ev.InputError, match="vi"):
        ev.fsn(yi=[0.1, 0.2], type="Rosenthal")
