"""Meta-regression (``rma(mods=...)``) against R metafor 3.8-1 (tests/reference/metareg.R).

Agreement is 1e-6 relative on every field, plus an absolute 1e-9 on the
field's natural scale for true zeros: the coefficient's standard error for
estimates and bounds, mean(vi) for tau², 1 for statistics, p-values, I², H², R².
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
from evisynth.meta.metareg import MetaRegResult
from tests.conftest import load_reference

REF = load_reference("metareg")
RTOL = 1e-6


def vec(x: Any) -> np.ndarray:
    """JSON scalars (R's auto_unbox of length-1 vectors) back to arrays; null -> nan."""
    arr = np.atleast_1d(np.asarray(x, dtype=object))
    return np.array([np.nan if a is None else float(a) for a in arr])


def close(field: str, got: float, want: float | None, scale: float) -> None:
    if want is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), f"{field}: {got}"
        return
    assert got is not None and math.isfinite(got), f"{field}: got {got}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale, (
        f"{field}: evisynth {got!r} vs metafor {want!r} "
        f"(rel diff {abs(got - want) / max(abs(want), 1e-300):.2e})"
    )


def dataset(name: str) -> tuple[list[float], list[float], pd.DataFrame, list[str]]:
    d = REF["datasets"][name]
    return d["yi"], d["vi"], pd.DataFrame(d["data"]), d["labels"]


def py_btt(ref: dict) -> Any:
    b = ref["btt"]
    if b is None or isinstance(b, str):
        return b
    return [int(x) - 1 for x in np.atleast_1d(b)]


CASES = [
    pytest.param(
        r, id=f"{r['dataset']}-{r['formula']}-{r['method']}-{r['test']}"
        + (f"-btt{r['btt']}" if r["btt"] is not None else "")
    )
    for r in REF["metareg"]
]


def fit_ref(ref: dict) -> MetaRegResult:
    y, v, data, labels = dataset(ref["dataset"])
    with np.errstate(divide="raise", invalid="raise", over="raise"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)  # FE with knha warns by design
        return ev.rma(
            yi=y, vi=v, mods=ref["formula"], data=data, method=ref["method"], test=ref["test"],
            btt=py_btt(ref), labels=labels,
        )


@pytest.mark.parametrize("ref", CASES)
def test_metareg_matches_metafor(ref: dict) -> None:
    fit = fit_ref(ref)
    got = fit.to_dict()
    assert set(got) == {
        "coef", "QM", "QM_df", "QM_pval", "QE", "QE_pval", "tau2", "I2", "H2", "R2", "k", "p",
    }
    assert got["k"] == ref["k"] and got["p"] == ref["p"]
    assert list(fit.btt) == [int(b) - 1 for b in np.atleast_1d(ref["btt_used"])]
    c = ref["coef"]
    se_ref = vec(c["se"])
    for j, row in enumerate(got["coef"]):
        assert set(row) == {"name", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub"}
        r_name = np.atleast_1d(c["names"])[j]
        if "[" not in row["name"]:  # factor levels are named differently (alloc[T.random])
            assert row["name"] == r_name
        for key in ("estimate", "se", "ci_lb", "ci_ub"):
            close(f"coef[{j}].{key}", row[key], vec(c[key])[j], se_ref[j])
        for key in ("stat", "pval"):
            close(f"coef[{j}].{key}", row[key], vec(c[key])[j], 1.0)
    mean_v = float(np.mean(REF["datasets"][ref["dataset"]]["vi"]))
    close("tau2", got["tau2"], ref["tau2"], mean_v)
    for key in ("QM", "QM_pval", "QE", "QE_pval", "I2", "H2", "R2"):
        close(key, got[key], ref[key], 1.0)
    want_df = [int(ref["QM_df"][0]), None if ref["QM_df"][1] is None else int(ref["QM_df"][1])]
    assert got["QM_df"] == want_df


def test_oracle_covers_the_brief() -> None:
    cases = REF["metareg"]
    assert len({r["dataset"] for r in cases}) >= 5
    assert {"REML", "DL", "FE", "ML", "PM"} <= {r["method"] for r in cases}
    assert {"z", "knha"} <= {r["test"] for r in cases}
    assert any(r["dataset"] == "edge_k3" for r in cases)


# ------------------------------------------------------------ input forms --
def bcg() -> tuple[list[float], list[float], pd.DataFrame]:
    y, v, data, _ = dataset("bcg")
    return y, v, data


def same(a: MetaRegResult, b: MetaRegResult) -> None:
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-9)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-9)
    assert a.QM == pytest.approx(b.QM, rel=1e-9)
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-10, abs=1e-15)


def test_array_dataframe_and_formula_agree() -> None:
    y, v, data = bcg()
    f = ev.rma(yi=y, vi=v, mods="~ ablat + year", data=data)
    a = ev.rma(yi=y, vi=v, mods=data[["ablat", "year"]].to_numpy())
    d = ev.rma(yi=y, vi=v, mods=data[["ablat", "year"]])
    same(f, a)
    same(f, d)
    assert a.coef_names == ("intrcpt", "X1", "X2")
    assert d.coef_names == f.coef_names == ("intrcpt", "ablat", "year")
    one = ev.rma(yi=y, vi=v, mods=data["ablat"].to_numpy())
    assert one.coef_names == ("intrcpt", "mods")


def test_categorical_dataframe_matches_formula() -> None:
    y, v, data = bcg()
    f = ev.rma(yi=y, vi=v, mods="~ alloc", data=data)
    d = ev.rma(yi=y, vi=v, mods=data[["alloc"]])
    same(f, d)
    assert d.coef_names == f.coef_names == ("intrcpt", "alloc[T.random]", "alloc[T.systematic]")


def test_no_intercept_and_ones_column() -> None:
    y, v, data = bcg()
    dummies = pd.get_dummies(data["alloc"]).astype(float)
    f = ev.rma(yi=y, vi=v, mods="~ 0 + alloc", data=data)
    a = ev.rma(yi=y, vi=v, mods=dummies.to_numpy(), intercept=False)
    same(f, a)
    assert f.R2 is None and not f.intercept
    assert f.btt == (0, 1, 2)
    # A column of ones is the intercept wherever it stands (metafor's rule).
    X = np.column_stack([data["ablat"], np.ones(13)])
    g = ev.rma(yi=y, vi=v, mods=X, intercept=False)
    same(g, ev.rma(yi=y, vi=v, mods=data["ablat"].to_numpy()))
    assert g.coef_names[0] == "intrcpt" and g.intercept


def test_intercept_only_path_unchanged() -> None:
    y, v, _ = bcg()
    fit = ev.rma(yi=y, vi=v)
    assert isinstance(fit, ev.RMAResult)


def test_summary_and_frame() -> None:
    y, v, data = bcg()
    fit = ev.rma(yi=y, vi=v, mods="~ ablat + alloc", data=data, test="knha", btt="alloc")
    text = fit.summary()
    assert "Mixed-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "Test of Moderators (coefficients 3:4):" in text
    assert "F(df1 = 2, df2 = 9)" in text
    frame = fit.to_frame()
    assert list(frame.columns) == ["estimate", "se", "tval", "pval", "ci_lb", "ci_ub"]
    assert frame.index.name == "name"
    assert list(frame.index) == list(fit.coef_names)
    assert "<table>" in fit._repr_html_()
    fe = ev.rma(yi=y, vi=v, mods="~ ablat", data=data, method="FE")
    assert fe.summary().startswith("Fixed-Effects with Moderators Model (k = 13)")
    assert "QM(df = 1)" in fe.summary()


def test_btt_forms() -> None:
    y, v, data = bcg()
    by_pos = ev.rma(yi=y, vi=v, mods="~ ablat + alloc", data=data, btt=[2, 3])
    by_name = ev.rma(
        yi=y, vi=v, mods="~ ablat + alloc", data=data,
        btt=["alloc[T.random]", "alloc[T.systematic]"],
    )
    by_grep = ev.rma(yi=y, vi=v, mods="~ ablat + alloc", data=data, btt="alloc")
    assert by_pos.btt == by_name.btt == by_grep.btt == (2, 3)
    assert by_pos.QM == by_grep.QM
    assert ev.rma(yi=y, vi=v, mods="~ ablat + alloc", data=data, btt="ablat").btt == (1,)


# ------------------------------------------------------------ bad input --
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mods": "~ ablat + missing"}, "missing"),
        ({"mods": "~ ablat", "data": None}, "needs data="),
        ({"mods": np.ones(13)}, r"rank-deficient.*'mods'.*constant"),
        ({"mods": "~ ablat + ablat2"}, r"rank-deficient: column\(s\) 'ablat2'"),
        ({"mods": np.arange(12.0)}, "12 rows but there are 13 studies"),
        ({"mods": "~ ablat", "btt": 5}, "btt"),
        ({"mods": "~ ablat", "btt": "nothing"}, "btt"),
        ({"mods": "~ ablat", "intercept": False}, "intercept"),
        ({"intercept": False}, "intercept"),
        ({"btt": 1}, "mods"),
        ({"mods": np.r_[np.arange(12.0), np.nan]}, r"study 13: value is nan.*finite"),
    ],
)
def test_bad_moderators(kwargs: dict, match: str) -> None:
    y, v, data = bcg()
    data = data.assign(ablat2=2 * data["ablat"] + 1)
    kwargs = {"data": data if isinstance(kwargs.get("mods"), str) else None, **kwargs}
    with pytest.raises(ev.InputError, match=match):
        ev.rma(yi=y, vi=v, **kwargs)


def test_too_few_studies() -> None:
    y, v, data = bcg()
    with pytest.raises(ev.InputError, match="at least 3 studies"):
        ev.rma(yi=y[:2], vi=v[:2], mods=data["ablat"].to_numpy()[:2])
    # FE needs only k >= p, but a t-based test needs k > p.
    fe = ev.rma(yi=y[:2], vi=v[:2], mods=data["ablat"].to_numpy()[:2], method="FE")
    assert fe.QE == 0.0 and fe.QE_pval == 1.0
    with pytest.raises(ev.InputError, match="more studies than coefficients"):
        ev.rma(yi=y[:2], vi=v[:2], mods=data["ablat"].to_numpy()[:2], method="FE", test="t")


# ------------------------------------------------------------ properties --
@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(13))), st.sampled_from(["REML", "DL", "PM", "FE"]))
def test_study_order_does_not_matter(perm: list[int], method: str) -> None:
    y, v, data = bcg()
    # (Uncentred year, ~1970, makes X'WX so ill-conditioned that the engine's normal
    # equations carry only ~8 digits; the property is checked on well-conditioned moderators.)
    X = np.column_stack([data["ablat"], data["alloc"] == "random"]).astype(float)
    a = ev.rma(yi=y, vi=v, mods=X, method=method)
    idx = np.array(perm)
    b = ev.rma(yi=np.asarray(y)[idx], vi=np.asarray(v)[idx], mods=X[idx], method=method)
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-8)
    assert a.tau2 == pytest.approx(b.tau2, rel=1e-8, abs=1e-14)
    assert a.QM == pytest.approx(b.QM, rel=1e-8)
    assert a.QE == pytest.approx(b.QE, rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 100.0), st.floats(-50.0, 50.0))
def test_affine_moderator_changes_only_its_coefficient(scale: float, shift: float) -> None:
    y, v, data = bcg()
    x = data["ablat"].to_numpy(dtype=float)
    a = ev.rma(yi=y, vi=v, mods=x)
    b = ev.rma(yi=y, vi=v, mods=scale * x + shift)
    assert b.estimate[1] * scale == pytest.approx(a.estimate[1], rel=1e-7)
    assert b.QM == pytest.approx(a.QM, rel=1e-7)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-7, abs=1e-14)
