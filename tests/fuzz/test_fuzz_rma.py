"""Fuzz rma, every method x test: either the estimate satisfies its defining equation
(likelihood maximum, score zero, Paule-Mandel equation, closed form) computed
independently here, or the error is a clean InputError/ConvergenceError."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st
from scipy import stats

import evisynth as ev
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from tests.fuzz._common import FUZZ, check_message, junk_scalar, maybe_junk, vector

METHODS = ("FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM")
TESTS = ("z", "t", "knha", "adhoc")


@st.composite
def rma_inputs(draw: st.DrawFn) -> dict[str, Any]:
    k = draw(st.integers(1, 8)) if draw(st.integers(0, 9)) == 0 else draw(st.integers(2, 8))
    spread = draw(st.sampled_from([1.0, 1e3, 1e8]))
    yi = draw(vector(maybe_junk(st.floats(-5, 5, allow_nan=False), 40), k))
    vi = draw(vector(maybe_junk(st.floats(1e-3, 1e-3 * spread, allow_nan=False), 40), k))
    kw: dict[str, Any] = {"yi": yi, "vi": vi,
                          "method": draw(st.sampled_from(METHODS)),
                          "test": draw(st.sampled_from(TESTS))}
    if draw(st.integers(0, 7)) == 0:
        opt = draw(st.sampled_from(["level", "tol", "maxiter", "method", "test", "labels"]))
        kw[opt] = draw(st.one_of(junk_scalar, st.integers(-3, 200), st.floats(-1, 200)))
    return kw


def _w(v: np.ndarray, t: float) -> np.ndarray:
    return 1.0 / (v + t)


def _mu(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def _ll(y: np.ndarray, v: np.ndarray, t: float, reml: bool) -> float:
    w = _w(v, t)
    r = y - _mu(y, w)
    ll = -0.5 * np.sum(np.log(v + t)) - 0.5 * np.sum(w * r**2)
    return float(ll - 0.5 * np.log(np.sum(w)) if reml else ll)


def _q(y: np.ndarray, v: np.ndarray, t: float) -> float:
    w = _w(v, t)
    return float(np.sum(w * (y - _mu(y, w)) ** 2))


def _exact_trp(v: np.ndarray) -> float:
    w = [1 / Fraction(float(x)) for x in v]
    sw = sum(w)
    return float(sw - sum(a * a for a in w) / sw)


def _tau2_closed(method: str, y: np.ndarray, v: np.ndarray) -> float:
    k = len(y)
    w = 1 / v
    q = _q(y, v, 0.0)
    if method == "FE":
        return 0.0
    if method == "DL":
        return max(0.0, (q - (k - 1)) / _exact_trp(v))
    if method == "HE":
        return max(0.0, (np.sum((y - y.mean()) ** 2) - (k - 1) / k * np.sum(v)) / (k - 1))
    if method == "HS":
        return max(0.0, (q - k) / np.sum(w))
    if method == "HSk":
        return max(0.0, (k / (k - 1) * q - k) / np.sum(w))
    t0 = float(np.sum((y - y.mean()) ** 2) / k)
    return max(0.0, t0 * _q(y, v, t0) / (k - 1))


def check_tau2(method: str, y: np.ndarray, v: np.ndarray, t: float) -> None:
    k = len(y)
    vmin = float(v.min())
    if method in ("FE", "DL", "HE", "HS", "HSk", "SJ"):
        want = _tau2_closed(method, y, v)
        assert abs(t - want) <= 1e-8 * (want + vmin), (method, t, want)
        return
    w = _w(v, t)
    r = y - _mu(y, w)
    if method == "PM":
        if t > 0:
            assert abs(_q(y, v, t) - (k - 1)) <= 1e-6 * (k - 1), (t, _q(y, v, t))
        else:
            assert _q(y, v, 0.0) <= (k - 1) * (1 + 1e-9)
        return
    if method == "EB":
        step = (np.sum(w * r**2) * k / (k - 1) - k) / np.sum(w)
    elif method == "ML":
        step = (np.sum(w**2 * r**2) - np.sum(w)) / np.sum(w**2)
    else:  # REML
        trp = np.sum(w) - np.sum(w**2) / np.sum(w)
        trpp = np.sum(w**2) - 2 * np.sum(w**3) / np.sum(w) + (np.sum(w**2) / np.sum(w)) ** 2
        step = (np.sum(w**2 * r**2) - trp) / trpp
    if t > 0:
        assert abs(step) <= 1e-6 * (t + vmin), (method, t, step)
    else:
        # On the boundary: the score points below 0, or (ML/REML) the likelihood at 0
        # is at least as high as at any positive value tried.
        if method in ("ML", "REML") and step > 1e-6 * vmin:
            grid = np.geomspace(vmin * 1e-6, max(1.0, 100 * float(np.var(y))) + v.max(), 200)
            best = max(_ll(y, v, g, method == "REML") for g in grid)
            assert _ll(y, v, 0.0, method == "REML") >= best - 1e-8
        else:
            assert step <= 1e-6 * vmin, (method, step)


@FUZZ
@given(rma_inputs())
def test_rma_result_or_clean_error(kw: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = ev.rma(**kw)
        except InputError as exc:
            event("InputError")
            check_message(exc, "'yi'", "'vi'", "'method'", "'test'", "'level'", "'tol'",
                          "'maxiter'", "'labels'", "studies", "lengths")
            return
        except ConvergenceError as exc:
            event("ConvergenceError")
            check_message(exc, "converge")
            return
    event(f"fitted {kw['method']}")
    y = np.asarray(kw["yi"], dtype=float)
    v = np.asarray(kw["vi"], dtype=float)
    k = len(y)
    method, test = fit.method, fit.test
    assert math.isfinite(fit.tau2) and fit.tau2 >= 0
    if v.max() / v.min() <= 1e6:
        check_tau2(method, y, v, fit.tau2)
    w = _w(v, fit.tau2)
    mu = _mu(y, w)
    assert abs(fit.estimate - mu) <= 1e-8 * (abs(mu) + math.sqrt(v.min()))
    se = math.sqrt(1.0 / np.sum(w))
    alpha = 1 - fit.level / 100
    crit = stats.norm.isf(alpha / 2) if test == "z" else stats.t.isf(alpha / 2, k - 1)
    if test in ("knha", "adhoc"):
        rss = float(np.sum(w * (y - mu) ** 2))
        s2 = 0.0 if rss <= np.finfo(float).eps else rss / (k - 1)
        if test == "adhoc":
            s2 = max(1.0, s2)
        se *= math.sqrt(s2)
    assert abs(fit.se - se) <= 1e-7 * se + 1e-12 * math.sqrt(v.min())
    assert abs(fit.ci_lb - (fit.estimate - crit * fit.se)) <= 1e-7 * (abs(fit.ci_lb) + fit.se)
    # H² >= 1 for random-effects fits; FE reports metafor's Q/(k-1), which may be < 1.
    assert 0.0 <= fit.I2 <= 100.0 and fit.Q >= 0
    assert fit.H2 >= (0.0 if method == "FE" else 1.0 - 1e-12)
    for key, val in fit.to_dict().items():
        assert val is not None, key
