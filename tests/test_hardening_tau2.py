"""Issue #9, W1-W3, W9: convergence of the iterative tau² estimators and a stable tr(P).

W1 values are frozen from R metafor 3.8-1 by tests/reference/hardening.R; W2 is
checked against exact rational arithmetic (``fractions``), because metafor's own
``tr(P)`` cancels on that input as well; W3 against the defining equation of
Paule-Mandel evaluated independently here.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import evisynth as ev
from evisynth.engine import make_batch, wls
from evisynth.errors import InputError
from tests.conftest import load_reference

REF = load_reference("hardening")
RTOL = 1e-6

W1_CASES = [
    pytest.param(name, fit, id=f"{name}-{fit['method']}-{fit['test']}")
    for name, d in REF["datasets"].items()
    for fit in d["fits"]
]


@pytest.mark.parametrize(("name", "ref"), W1_CASES)
def test_w1_uninformative_study_does_not_loosen_convergence(name: str, ref: dict) -> None:
    d = REF["datasets"][name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)
        fit = ev.rma(yi=d["yi"], vi=d["vi"], method=ref["method"], test=ref["test"])
    v = float(np.min(d["vi"]))
    got = fit.to_dict()
    for field, scale in (("tau2", v), ("estimate", math.sqrt(v)), ("se", math.sqrt(v)),
                         ("ci_lb", math.sqrt(v)), ("ci_ub", math.sqrt(v)), ("pval", 1.0),
                         ("I2", 1.0)):
        want = ref[field]
        assert abs(got[field] - want) <= RTOL * abs(want) + 1e-9 * scale, (
            f"{field}: evisynth {got[field]!r} vs metafor {want!r}"
        )


def _exact_dl(yi: list[float], vi: list[float]) -> tuple[Fraction, Fraction, Fraction]:
    """DerSimonian-Laird tau², tr(P) and I² in exact rational arithmetic."""
    y = [Fraction(x) for x in yi]
    w = [1 / Fraction(x) for x in vi]
    sw = sum(w)
    mu = sum(wi * yi_ for wi, yi_ in zip(w, y, strict=True)) / sw
    q = sum(wi * (yi_ - mu) ** 2 for wi, yi_ in zip(w, y, strict=True))
    trp = sw - sum(wi * wi for wi in w) / sw
    k = len(y)
    tau2 = max(Fraction(0), (q - (k - 1)) / trp)
    vt = (k - 1) / trp
    i2 = 100 * tau2 / (vt + tau2)
    return tau2, trp, i2


@pytest.mark.parametrize(
    ("yi", "vi"),
    [
        ([1.5289, 1.9619], [2.9794e-12, 2.4796e8]),  # the reproduction of the issue
        ([0.1, 5.0, -3.0], [1e-14, 1e6, 3e7]),
        ([0.0, 40.0, -25.0, 12.0], [1e-10, 1e3, 2e3, 5e2]),  # tau² > 0, dominated weight
        ([2.0, -1.0, 0.5, 0.25, 3.0], [1e-9, 1e-9, 1e8, 2e8, 4e8]),
    ],
)
def test_w2_trace_p_is_stable(yi: list[float], vi: list[float]) -> None:
    tau2, trp, i2 = _exact_dl(yi, vi)
    fe = wls(*(lambda b: (b.X, b.yi, 1.0 / b.vi))(make_batch(yi, vi)))
    assert float(fe.trace_P()[0]) == pytest.approx(float(trp), rel=1e-12)
    fit = ev.rma(yi=yi, vi=vi, method="DL")
    assert fit.tau2 == pytest.approx(float(tau2), rel=1e-9, abs=1e-300)
    assert fit.I2 == pytest.approx(float(i2), rel=1e-9, abs=1e-12)
    assert 0.0 <= fit.I2 <= 100.0


def test_w2_trace_pp_is_stable() -> None:
    """REML's tr(PP) with one dominating weight, against exact arithmetic."""
    vi = [1e-12, 3e6, 5e6, 1e7]
    w = [1 / Fraction(x) for x in vi]
    sw = sum(w)
    p = [[(wi if i == j else 0) - wi * wj / sw for j, wj in enumerate(w)]
         for i, wi in enumerate(w)]
    trpp = sum(p[i][j] * p[j][i] for i in range(4) for j in range(4))
    b = make_batch([0.0, 1.0, 2.0, 3.0], vi)
    fit = wls(b.X, b.yi, 1.0 / b.vi)
    assert float(fit.trace_PP()[0]) == pytest.approx(float(trpp), rel=1e-12)


def _pm_q(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    w = 1.0 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


@pytest.mark.parametrize("scale", [1.0, 1e40, 1e70, 1e-40])
def test_w3_paule_mandel_root_at_any_scale(scale: float) -> None:
    yi = np.array([-0.9, -1.6, -1.4, -0.2, 0.4, -2.5]) * scale
    vi = np.array([0.33, 0.19, 0.42, 0.07, 0.2, 0.1]) * scale**2
    fit = ev.rma(yi=yi, vi=vi, method="PM")
    assert fit.converged
    assert fit.tau2 > 0
    assert _pm_q(yi, vi, fit.tau2) == pytest.approx(len(yi) - 1, rel=1e-9)


def test_w3_pm_reports_iterations() -> None:
    fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07], method="PM")
    assert fit.converged and fit.iterations > 0


@pytest.mark.parametrize("method", ["ML", "REML", "EB"])
def test_w1_score_is_zero_at_reported_estimate(method: str) -> None:
    d = REF["datasets"]["bcg_plus_two"]
    y, v = np.array(d["yi"]), np.array(d["vi"])
    fit = ev.rma(yi=y, vi=v, method=method)
    t = fit.tau2
    w = 1.0 / (v + t)
    mu = np.sum(w * y) / np.sum(w)
    r = y - mu
    if method == "ML":
        score = 0.5 * np.sum(w**2 * r**2 - w)
        info = 0.5 * np.sum(w**2)
    elif method == "REML":
        score = 0.5 * (np.sum(w**2 * r**2) - (np.sum(w) - np.sum(w**2) / np.sum(w)))
        info = 0.5 * np.sum(w**2)
    else:
        k = len(y)
        score = np.sum(w * r**2) * k / (k - 1) - k
        info = np.sum(w)
    assert abs(score / info) <= 1e-8 * (t + v.min())


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"tol": 1e10}, "'tol'"),
        ({"tol": 0.0}, "'tol'"),
        ({"tol": "x"}, "'tol'"),
        ({"tol": math.nan}, "'tol'"),
        ({"maxiter": 0}, "'maxiter'"),
        ({"maxiter": "a"}, "'maxiter'"),
        ({"maxiter": math.inf}, "'maxiter'"),
        ({"maxiter": True}, "'maxiter'"),
        ({"maxiter": 2.5}, "'maxiter'"),
        ({"level": True}, "'level'"),
        ({"level": "95"}, "'level'"),
    ],
)
def test_w9_c7_option_arguments_checked(kwargs: dict, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07], method="REML",
               **kwargs)
    msg = str(err.value)
    assert fragment in msg and "\n" not in msg and "np." not in msg


def test_w9_too_few_iterations_is_not_converged() -> None:
    with pytest.raises(ev.errors.ConvergenceError):
        ev.rma(yi=[-0.9, -1.6, -1.4, -0.2, 0.9], vi=[0.33, 0.19, 0.42, 0.07, 0.1],
               method="REML", maxiter=1)


def _exact_p_matrix(vi: list[float], x: list[float]) -> list[list[Fraction]]:
    """``P = W - W X (X'WX)^{-1} X'W`` for ``X = [1, x]`` in exact arithmetic."""
    w = [1 / Fraction(v) for v in vi]
    xs = [Fraction(t) for t in x]
    s0, s1, s2 = sum(w), sum(a * b for a, b in zip(w, xs, strict=True)), sum(
        a * b * b for a, b in zip(w, xs, strict=True))
    det = s0 * s2 - s1 * s1
    inv = [[s2 / det, -s1 / det], [-s1 / det, s0 / det]]
    rows = [[Fraction(1), t] for t in xs]
    k = len(w)
    return [[(w[i] if i == j else 0) - w[i] * w[j] * sum(
        rows[i][a] * inv[a][b] * rows[j][b] for a in range(2) for b in range(2))
        for j in range(k)] for i in range(k)]


def test_w2_trace_p_stable_in_meta_regression() -> None:
    vi = [1e-12, 2e6, 3e6, 5e6, 1e7]
    x = [0.0, 1.0, 2.0, 0.5, 3.0]
    p = _exact_p_matrix(vi, x)
    trp = sum(p[i][i] for i in range(5))
    trpp = sum(p[i][j] * p[j][i] for i in range(5) for j in range(5))
    X = np.column_stack([np.ones(5), x])
    b = make_batch(np.zeros(5), vi, X)
    fit = wls(b.X, b.yi, 1.0 / b.vi)
    assert float(fit.trace_P()[0]) == pytest.approx(float(trp), rel=1e-8)
    assert float(fit.trace_PP()[0]) == pytest.approx(float(trpp), rel=1e-8)


# --- W4: ranges and extreme scales ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"yi": [1.0, 2.0], "vi": [1e-309, 1.0]}, "'vi', study 1"),
        ({"yi": [1.0, 2.0], "vi": [1.0, 1e200]}, "'vi', study 2"),
        ({"yi": [1e154, 2.0], "vi": [1.0, 1.0]}, "'yi', study 1"),
        ({"yi": [1e150, -1e150, 0.0], "vi": [1e-150, 1e-150, 1.0]}, "'yi', 'vi'"),
    ],
)
@pytest.mark.parametrize("method", ["DL", "REML", "PM", "FE"])
def test_w4_out_of_range_values_are_input_errors(kwargs: dict, fragment: str,
                                                 method: str) -> None:
    with pytest.raises(InputError) as err:
        ev.rma(**kwargs, method=method)
    msg = str(err.value)
    assert fragment in msg and "\n" not in msg and "np." not in msg


@pytest.mark.parametrize("method", ["DL", "HE", "SJ", "ML", "REML", "EB", "PM"])
@pytest.mark.parametrize("scale", [1e-70, 1e70])
def test_w4_extreme_scales_rescale_exactly(method: str, scale: float) -> None:
    """y -> c y, v -> c² v rescales tau² by c² (a closed-form property of every estimator)."""
    yi = np.array([-0.9, -1.6, -1.4, -0.2, 0.4, -2.5])
    vi = np.array([0.33, 0.19, 0.42, 0.07, 0.2, 0.1])
    a = ev.rma(yi=yi, vi=vi, method=method, test="knha")
    b = ev.rma(yi=yi * scale, vi=vi * scale**2, method=method, test="knha")
    assert b.tau2 == pytest.approx(a.tau2 * scale**2, rel=1e-9)
    assert b.estimate == pytest.approx(a.estimate * scale, rel=1e-9)
    assert b.se == pytest.approx(a.se * scale, rel=1e-9)
    for f in ("I2", "H2", "Q", "pval"):
        assert getattr(b, f) == pytest.approx(getattr(a, f), rel=1e-9)
