"""Fuzz the survival functions: Kaplan-Meier, log-rank, Cox and KM reconstruction.

Each either matches an independent computation here (product-limit estimate,
two-group log-rank statistic, zero score of the Breslow partial likelihood) or
raises a clean InputError / ConvergenceError."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import evisynth as ev
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from tests.fuzz._common import FUZZ, check_message, junk_scalar, maybe_junk, vector

pytestmark = pytest.mark.filterwarnings("ignore::evisynth.errors.EvisynthWarning")

SURV_NAMES = ("'time'", "'event'", "'group'", "'covariates'", "'level'", "'conf_type'",
              "'ties'", "log-rank", "Cox", "subject", "'curve'", "'at_risk'", "'n'",
              "'total_events'", "'scale'", "'survival'")


@st.composite
def survival_data(draw: st.DrawFn, junk: int = 40) -> tuple[list[Any], list[Any]]:
    n = draw(st.integers(1, 25))
    t = draw(vector(maybe_junk(st.integers(0, 20).map(float), junk), n))
    e = draw(vector(maybe_junk(st.sampled_from([0.0, 1.0]), junk), n))
    return t, e


def product_limit(t: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    times = np.unique(t[e == 1])
    s, out = 1.0, []
    for u in times:
        at_risk = np.sum(t >= u)
        d = np.sum((t == u) & (e == 1))
        s *= 1 - d / at_risk
        out.append(s)
    return times, np.array(out)


@FUZZ
@given(survival_data())
def test_kaplan_meier_matches_product_limit(data: tuple[list[Any], list[Any]]) -> None:
    t, e = data
    try:
        km = ev.kaplan_meier(t, e)
    except InputError as exc:
        event("InputError")
        check_message(exc, *SURV_NAMES)
        return
    event("fitted")
    ta, ea = np.asarray(t, float), np.asarray(e, float)
    times, surv = product_limit(ta, ea)
    at_events = np.isin(km.time, times)
    np.testing.assert_allclose(km.time[at_events], times)
    np.testing.assert_allclose(km.survival[at_events], surv, rtol=1e-12, atol=1e-15)


def logrank_two(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> float:
    """Two-group log-rank chi-square (Mantel 1966), written out."""
    o_e, var = 0.0, 0.0
    for u in np.unique(t[e == 1]):
        r = t >= u
        n, n1 = r.sum(), (r & (g == 0)).sum()
        d = ((t == u) & (e == 1)).sum()
        d1 = ((t == u) & (e == 1) & (g == 0)).sum()
        o_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_e**2 / var


@FUZZ
@given(survival_data(), st.data())
def test_logrank_matches_formula(data: tuple[list[Any], list[Any]], more: st.DataObject) -> None:
    t, e = data
    g = more.draw(vector(maybe_junk(st.sampled_from(["A", "B"]), 40), len(t)))
    try:
        r = ev.logrank_test(t, e, g)
    except InputError as exc:
        event("InputError")
        check_message(exc, *SURV_NAMES)
        return
    event(f"fitted df={r.df}")
    if r.df != 1 or len(set(map(str, g))) != 2:
        return
    ta, ea = np.asarray(t, float), np.asarray(e, float)
    ga = (np.asarray(list(map(str, g))) != r.groups[0]).astype(int)
    assert r.chisq == approx(logrank_two(ta, ea, ga))


def approx(x: float) -> Any:
    import pytest

    return pytest.approx(x, rel=1e-8, abs=1e-12)


def breslow_score(beta: float, t: np.ndarray, e: np.ndarray, x: np.ndarray) -> float:
    """d/dbeta of the Breslow partial log-likelihood (Breslow 1974)."""
    u = 0.0
    for i in np.flatnonzero(e == 1):
        r = t >= t[i]
        w = np.exp(beta * (x[r] - x.max()))
        u += x[i] - np.sum(w * x[r]) / np.sum(w)
    return float(u)


@FUZZ
@given(survival_data(junk=60), st.data())
def test_cox_score_is_zero_at_estimate(data: tuple[list[Any], list[Any]],
                                       more: st.DataObject) -> None:
    t, e = data
    x = more.draw(vector(maybe_junk(st.floats(-3, 3, allow_nan=False), 60), len(t)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = ev.cox_ph(t, e, x, ties="breslow")
        except InputError as exc:
            event("InputError")
            check_message(exc, *SURV_NAMES)
            return
        except ConvergenceError as exc:
            event("ConvergenceError")
            check_message(exc, "Cox")
            return
    event("fitted")
    ta, ea, xa = (np.asarray(v, float) for v in (t, e, x))
    assert np.all(np.isfinite(fit.se)) and np.all(fit.se > 0)
    score = breslow_score(float(fit.coef[0]), ta, ea, xa)
    info = 1.0 / float(fit.se[0]) ** 2
    assert abs(score) <= 1e-6 * max(1.0, math.sqrt(info))


@st.composite
def curves(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, Any]]:
    m = draw(st.integers(1, 8))
    times = sorted(draw(st.lists(st.floats(0, 50, allow_nan=False), min_size=m, max_size=m)))
    drops = draw(st.lists(st.floats(0, 0.3, allow_nan=False), min_size=m, max_size=m))
    s = np.clip(1 - np.cumsum(drops), 0, 1)
    surv: list[Any] = list(s)
    if draw(st.integers(0, 9)) == 0:
        surv[draw(st.integers(0, m - 1))] = draw(junk_scalar)
    curve = pd.DataFrame({"time": [0.0, *times], "survival": [1.0, *surv]})
    kw: dict[str, Any] = {"n": draw(maybe_junk(st.integers(1, 300), 8))}
    if draw(st.booleans()):
        kw["total_events"] = draw(maybe_junk(st.integers(0, 300), 8))
    return curve, kw


@FUZZ
@given(curves())
def test_reconstruction_result_or_clean_error(case: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    curve, kw = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            rec = ev.reconstruct_ipd(curve, **kw)
        except InputError as exc:
            event("InputError")
            check_message(exc, *SURV_NAMES)
            return
    event("reconstructed")
    ipd = rec.ipd
    assert len(ipd) == kw["n"]
    assert set(np.unique(ipd["event"])) <= {0, 1}
    assert (ipd["time"] >= 0).all()
    if "total_events" in kw:
        assert int(ipd["event"].sum()) == kw["total_events"] or rec.changes
