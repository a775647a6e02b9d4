"""rma_mh / rma_peto against R metafor 3.8-1 (values frozen by tests/reference/binary.R).

Agreement is 1e-6 relative with an absolute allowance of 1e-9 (estimates are on
the log-ratio or risk-difference scale, statistics and p-values on their own).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evisynth as ev
from evisynth.meta.binary import mh_or, mh_rd, mh_rr, peto
from tests.conftest import load_reference

REF = load_reference("binary")
TABLES = REF["tables"]
RTOL = 1e-6


def close(field: str, got: float | None, want: float | None) -> None:
    if want is None:
        assert got is None, f"{field}: evisynth {got!r}, metafor NA"
        return
    assert got is not None and math.isfinite(got), f"{field}: got {got!r}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9, (
        f"{field}: evisynth {got!r} vs metafor {want!r}"
    )


def run(ref: dict) -> ev.meta.binary.BinaryPoolResult:
    t = TABLES[ref["dataset"]]
    opts = {k: v for k, v in ref["options"].items() if k != "label"}
    counts = {n: t[n] for n in ("ai", "bi", "ci", "di")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)  # drop00 notices
        if ref["fn"] == "rma_mh":
            return ev.rma_mh(ref["measure"], **counts, **opts)
        return ev.rma_peto(**counts, **opts)


CASES = [
    pytest.param(
        r, id=f"{r['dataset']}-{r['fn']}-{r['measure']}-{r['options']['label']}"
    )
    for r in REF["cases"]
]


@pytest.mark.parametrize("ref", CASES)
def test_matches_metafor(ref: dict) -> None:
    res = run(ref)
    assert (res.k, res.k_yi) == (ref["k"], ref["k_yi"])
    for f in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "I2", "H2"):
        close(f, getattr(res, f), ref[f])
    np.testing.assert_allclose(res.yi, np.atleast_1d(ref["yi"]), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(res.vi, np.atleast_1d(ref["vi"]), rtol=RTOL)
    keys = {"estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "I2", "H2", "k"}
    d = res.to_dict()
    assert keys <= set(d)
    if ref["measure"] == "OR":
        for f in ("MH", "MH_pval", "CO", "CO_pval", "TA", "TA_pval", "BD", "BD_pval"):
            close(f, getattr(res, f), ref[f])
        assert res.k_pos == ref["k_pos"]
        assert {"MH", "MH_pval", "TA", "TA_pval"} <= set(d)
    else:
        assert "MH" not in d
    if ref["measure"] == "PETO":
        assert res.k_pos == ref["k_pos"]


@pytest.mark.parametrize("fn", ["rma_mh", "rma_peto"])
def test_regtest_and_ranktest_accept_binary_fits(fn: str) -> None:
    want = REF["bias_bcg"][fn]
    t = TABLES["bcg"]
    counts = {n: t[n] for n in ("ai", "bi", "ci", "di")}
    res = ev.rma_mh("OR", **counts) if fn == "rma_mh" else ev.rma_peto(**counts)
    rt = ev.regtest(res)
    for f in ("stat", "pval", "limit_estimate", "limit_ci_lb", "limit_ci_ub"):
        close(f, getattr(rt, f), want[f])
    rn = ev.regtest(res, predictor="ninv")
    close("ninv_stat", rn.stat, want["ninv_stat"])
    close("ninv_limit_estimate", rn.limit_estimate, want["ninv_limit_estimate"])
    rk = ev.ranktest(res)
    close("tau", rk.tau, want["tau"])
    close("rank_pval", rk.pval, want["rank_pval"])


def test_output_methods() -> None:
    t = TABLES["bcg"]
    res = ev.rma_mh("RR", ai=t["ai"], bi=t["bi"], ci=t["ci"], di=t["di"])
    assert res.exp()["estimate"] == pytest.approx(math.exp(res.estimate))
    text = res.summary()
    assert "Mantel-Haenszel" in text and "RR scale" in text
    assert "<table>" in res._repr_html_()
    rd = ev.rma_mh("RD", ai=t["ai"], bi=t["bi"], ci=t["ci"], di=t["di"])
    assert "RR scale" not in rd.summary()
    with pytest.raises(AttributeError):
        rd.exp()
    pe = ev.rma_peto(ai=t["ai"], bi=t["bi"], ci=t["ci"], di=t["di"])
    assert "Peto" in pe.summary() and "OR scale" in pe.summary()


def test_group_sizes_equal_counts() -> None:
    t = TABLES["li2007"]
    n1 = np.add(t["ai"], t["bi"])
    n2 = np.add(t["ci"], t["di"])
    a = ev.rma_mh("OR", ai=t["ai"], bi=t["bi"], ci=t["ci"], di=t["di"])
    b = ev.rma_mh("OR", ai=t["ai"], n1i=n1, ci=t["ci"], n2i=n2)
    assert a == b
    np.testing.assert_array_equal(a.yi, b.yi)


def test_drop00_warns_and_names_the_studies() -> None:
    t = TABLES["yusuf1985_t6"]
    with pytest.warns(ev.EvisynthWarning, match="left out of the heterogeneity test"):
        ev.rma_mh("OR", ai=t["ai"], bi=t["bi"], ci=t["ci"], di=t["di"])


# ------------------------------------------------------------------ properties

tables = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        *(st.lists(st.integers(1, 60), min_size=k, max_size=k) for _ in range(4))
    )
)


@settings(max_examples=60, deadline=None)
@given(tables)
def test_swapping_groups_inverts_the_estimate(t: tuple[list[int], ...]) -> None:
    a, b, c, d = (np.asarray(x, dtype=float)[None, :] for x in t)
    for f in (mh_or, mh_rr):
        x, y = f(a, b, c, d), f(c, d, a, b)
        assert y.estimate[0] == pytest.approx(-x.estimate[0], rel=1e-10, abs=1e-12)
        assert y.var[0] == pytest.approx(x.var[0], rel=1e-10)
    x, y = mh_rd(a, b, c, d), mh_rd(c, d, a, b)
    assert y.estimate[0] == pytest.approx(-x.estimate[0], rel=1e-10, abs=1e-12)
    assert y.var[0] == pytest.approx(x.var[0], rel=1e-10)
    x, y = peto(a, b, c, d), peto(c, d, a, b)
    assert y.estimate[0] == pytest.approx(-x.estimate[0], rel=1e-10, abs=1e-12)
    # swapping events and non-events also inverts the odds ratio
    assert mh_or(b, a, d, c).estimate[0] == pytest.approx(
        -mh_or(a, b, c, d).estimate[0], rel=1e-10, abs=1e-12
    )


@settings(max_examples=30, deadline=None)
@given(tables, st.randoms(use_true_random=False))
def test_permuting_tables_changes_nothing(t: tuple[list[int], ...], rnd) -> None:  # type: ignore[no-untyped-def]
    perm = list(range(len(t[0])))
    rnd.shuffle(perm)
    kw = dict(zip(("ai", "bi", "ci", "di"), t, strict=True))
    kp = {n: [v[i] for i in perm] for n, v in kw.items()}
    for fn in (lambda **k: ev.rma_mh("OR", **k), lambda **k: ev.rma_peto(**k)):
        x, y = fn(**kw).to_dict(), fn(**kp).to_dict()
        for key, v in x.items():
            if isinstance(v, float):
                assert y[key] == pytest.approx(v, rel=1e-9, abs=1e-12), key


def test_batched_numerics_equal_single_calls() -> None:
    t = TABLES["bcg"]
    a, b, c, d = (np.asarray(t[n], dtype=float) for n in ("ai", "bi", "ci", "di"))
    k = len(a)
    # leave-one-out as one batch: study j gets zero counts, which add nothing to OR/RR
    mask = ~np.eye(k, dtype=bool)
    A, B, C, D = (np.where(mask, x[None, :], 0.0) + 0.0 for x in (a, b, c, d))
    # zero-count rows need N > 0 to avoid 0/0; give them one non-event per arm that
    # contributes nothing to the OR and RR sums (a = c = 0)
    B = np.where(mask, B, 1.0)
    D = np.where(mask, D, 1.0)
    batch = mh_or(A, B, C, D)
    for j in range(k):
        keep = mask[j]
        single = mh_or(a[keep][None], b[keep][None], c[keep][None], d[keep][None])
        assert batch.estimate[j] == pytest.approx(single.estimate[0], rel=1e-12)
        assert batch.var[j] == pytest.approx(single.var[0], rel=1e-12)


# ------------------------------------------------------------------ bad input


def test_bad_counts_raise_input_error() -> None:
    with pytest.raises(ev.InputError, match="ai"):
        ev.rma_mh("OR", ai=[-1, 2], bi=[10, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="exceed the group size"):
        ev.rma_mh("OR", ai=[11, 2], n1i=[10, 10], ci=[1, 2], n2i=[10, 10])
    with pytest.raises(ev.InputError, match="different lengths"):
        ev.rma_mh("RR", ai=[1, 2, 3], bi=[10, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="finite"):
        ev.rma_peto(ai=[1, float("nan")], bi=[10, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="missing: bi"):
        ev.rma_mh("OR", ai=[1, 2], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="measure"):
        ev.rma_mh("HR", ai=[1, 2], bi=[10, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="group size"):
        ev.rma_mh("OR", ai=[0, 2], bi=[0, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="undefined"):
        ev.rma_mh("OR", ai=[0, 0], bi=[10, 10], ci=[1, 2], di=[10, 10])
    with pytest.raises(ev.InputError, match="undefined"):
        ev.rma_mh("RR", ai=[3, 2], bi=[10, 10], ci=[0, 0], di=[10, 10])
    with pytest.raises(ev.InputError, match="variance 0"):
        ev.rma_mh("RD", ai=[0, 0], bi=[10, 10], ci=[0, 0], di=[10, 10])
    with pytest.raises(ev.InputError, match="Peto"):
        ev.rma_peto(ai=[0, 0], bi=[10, 10], ci=[0, 0], di=[10, 10])
    # to="none" with a zero cell: as in metafor, that study's uncorrected log OR is NA,
    # so it is left out of Q (k_yi = 2); the MH estimate uses the raw counts of all
    # three tables, so it equals the one with the default correction
    # (tests/reference/differential_errors.R checks the values against metafor).
    t = dict(ai=[0, 2, 3], bi=[10, 10, 8], ci=[1, 2, 4], di=[10, 10, 9])
    none, default = ev.rma_mh("OR", **t, to="none"), ev.rma_mh("OR", **t)
    assert (none.k, none.k_yi, default.k_yi) == (3, 2, 3)
    assert none.estimate == default.estimate and none.se == default.se
    with pytest.raises(ev.InputError, match="cannot be computed"):
        ev.rma_mh("RD", ai=[14, 2, 11], bi=[1, 0, 3], ci=[4, 0, 1], di=[29, 38, 23], add=0)
    with pytest.raises(ev.InputError, match="drop00"):
        ev.rma_peto(
            ai=[0, 2, 3], bi=[10, 10, 8], ci=[0, 2, 4], di=[10, 10, 9], to="none", drop00=False
        )
    with pytest.raises(ev.InputError, match="correct"):
        ev.rma_mh("OR", ai=[1, 2], bi=[10, 10], ci=[1, 2], di=[10, 10], correct=1)
    with pytest.raises(ev.InputError, match="to"):
        ev.rma_mh("OR", ai=[1, 2], bi=[10, 10], ci=[1, 2], di=[10, 10], to="some")
    with pytest.warns(ev.EvisynthWarning, match="whole number"):
        ev.rma_mh("OR", ai=[1.5, 2], bi=[10, 10], ci=[1, 2], di=[10, 10])
