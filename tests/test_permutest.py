"""permutest() against R metafor 3.8-1 in exact mode (tests/reference/metareg.R).

Exact permutation p-values are deterministic: they must equal metafor's
(counts over the same set of arrangements; 1e-12 absolute). Random mode is
checked for seed reproducibility, for equality with a loop of separate fits
over the same arrangements, and for agreement with the exact p-value within
Monte-Carlo error.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evisynth as ev
from evisynth.meta.permutest import arrangements, n_arrangements
from tests.conftest import load_reference

REF = load_reference("metareg")


def fit_for(ref: dict) -> Any:
    d = REF["datasets"][ref["dataset"]]
    rows = np.atleast_1d(ref["rows"]) - 1
    y, v = np.asarray(d["yi"])[rows], np.asarray(d["vi"])[rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        if ref["formula"] is None:
            return ev.rma(yi=y, vi=v, method=ref["method"], test=ref["test"])
        data = pd.DataFrame(d["data"]).iloc[rows].reset_index(drop=True)
        return ev.rma(yi=y, vi=v, mods=ref["formula"], data=data, method=ref["method"],
                      test=ref["test"])


CASES = [
    pytest.param(r, id=f"{r['dataset']}-k{len(np.atleast_1d(r['rows']))}-{r['formula']}-"
                 f"{r['method']}-{r['test']}")
    for r in REF["permutest"]
]


@pytest.mark.parametrize("ref", CASES)
def test_exact_permutest_matches_metafor(ref: dict) -> None:
    fit = fit_for(ref)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        res = ev.permutest(fit, iter=1000, exact=ref["iter"] > 1000)
    assert res.exact
    assert res.iter == ref["iter"]
    assert res.n_failed == 0
    np.testing.assert_allclose(res.pval, np.atleast_1d(ref["pval"]), rtol=0, atol=1e-12)
    assert res.QM_pval == pytest.approx(ref["QM_pval"], abs=1e-12)
    np.testing.assert_allclose(res.stat, np.atleast_1d(ref["stat"]), rtol=1e-6)
    assert res.QM == pytest.approx(ref["QM"], rel=1e-6)
    d = res.to_dict()
    assert set(d) == {"pval", "QM_pval", "exact", "iter"}
    assert isinstance(d["pval"], list) and len(d["pval"]) == len(res.coef_names)


def test_metafor_rule_for_exact_mode() -> None:
    d = REF["datasets"]["bcg"]
    fit = ev.rma(yi=d["yi"][:9], vi=d["vi"][:9])  # 2^9 = 512 <= 1000
    assert ev.permutest(fit).exact
    fit10 = ev.rma(yi=d["yi"][:10], vi=d["vi"][:10])  # 1024 > 1000: random
    res = ev.permutest(fit10, seed=3)
    assert not res.exact and res.iter == 1000
    assert ev.permutest(fit10, iter=1024).exact


def test_number_of_distinct_arrangements() -> None:
    x = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 3.0])
    X = np.column_stack([np.ones(6), x])
    assert n_arrangements(X) == math.factorial(6) // (2 * 6)
    arr = arrangements(X, 10, True, None)
    assert arr.shape == (60, 6)
    assert len({tuple(x[r]) for r in arr}) == 60
    assert n_arrangements(np.ones((7, 1))) == 128


def bcg_metareg(test: str = "z") -> Any:
    d = REF["datasets"]["bcg"]
    return ev.rma(yi=d["yi"], vi=d["vi"], mods="~ ablat", data=pd.DataFrame(d["data"]),
                  test=test)


def test_seed_reproducibility() -> None:
    fit = bcg_metareg()
    a = ev.permutest(fit, iter=200, seed=11)
    b = ev.permutest(fit, iter=200, seed=11)
    c = ev.permutest(fit, iter=200, seed=12)
    np.testing.assert_array_equal(a.pval, b.pval)
    np.testing.assert_array_equal(a.stat_perm, b.stat_perm)
    assert not np.array_equal(a.stat_perm, c.stat_perm)
    # Without a seed one is drawn and recorded, so the run can be repeated.
    d = ev.permutest(fit, iter=200)
    assert d.seed is not None
    e = ev.permutest(fit, iter=200, seed=d.seed)
    np.testing.assert_array_equal(d.pval, e.pval)


@pytest.mark.parametrize("test", ["z", "knha"])
def test_batched_equals_looped_refits(test: str) -> None:
    d = REF["datasets"]["bcg"]
    y, v = np.asarray(d["yi"]), np.asarray(d["vi"])
    x = np.asarray(d["data"]["ablat"], dtype=float)
    fit = ev.rma(yi=y, vi=v, mods=x, test=test)
    res = ev.permutest(fit, iter=40, seed=5)
    perms = arrangements(fit.X, 40, False, 5)
    for b, perm in enumerate(perms):
        one = ev.rma(yi=y, vi=v, mods=x[perm], test=test)
        np.testing.assert_allclose(res.stat_perm[b], one.stat, rtol=1e-8)
        assert res.QM_perm[b] == pytest.approx(one.QM, rel=1e-8)
    want = np.mean(np.abs(res.stat_perm) >= np.abs(fit.stat) - 1.5e-8, axis=0)
    np.testing.assert_array_equal(res.pval, want)
    # intercept-only: sign flips
    fit0 = ev.rma(yi=y, vi=v, test=test)
    res0 = ev.permutest(fit0, iter=30, seed=2)
    signs = arrangements(np.ones((13, 1)), 30, False, 2)
    assert np.all(signs[0] == 1.0)
    for b in range(30):
        one0 = ev.rma(yi=signs[b] * y, vi=v, test=test)
        assert res0.stat_perm[b, 0] == pytest.approx(one0.stat, rel=1e-8)


def test_random_agrees_with_exact_within_monte_carlo_error() -> None:
    ref = next(r for r in REF["permutest"]
               if r["formula"] == "~ ablat" and len(np.atleast_1d(r["rows"])) == 7)
    fit = fit_for(ref)
    n = 2000  # fewer than the 2520 distinct arrangements: random mode
    res = ev.permutest(fit, iter=n, seed=2024)
    assert not res.exact
    for got, want in zip(res.pval, np.atleast_1d(ref["pval"]), strict=True):
        se = math.sqrt(want * (1 - want) / n)
        assert abs(got - want) <= 4 * se + 1 / n, (got, want)
    se = math.sqrt(ref["QM_pval"] * (1 - ref["QM_pval"]) / n)
    assert abs(res.QM_pval - ref["QM_pval"]) <= 4 * se + 1 / n


def test_outputs() -> None:
    res = ev.permutest(bcg_metareg("knha"), iter=100, seed=1)
    frame = res.to_frame()
    assert list(frame.columns) == ["tval", "pval"]
    assert list(frame.index) == ["intrcpt", "ablat"]
    text = res.summary()
    assert "approximate (seed 1)" in text and "100 arrangements" in text
    assert "<table" in res._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"iter": 1}, "iter"),
        ({"iter": 10.5}, "iter"),
        ({"seed": -1}, "seed"),
        ({"exact": "yes"}, "exact"),
        ({"exact": True}, "exact test needs"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ev.InputError, match=match):
        ev.permutest(bcg_metareg(), **kwargs)


def test_not_a_fit() -> None:
    with pytest.raises(ev.InputError, match="expected a result"):
        ev.permutest({"yi": [1, 2]})
