"""Fuzz escalc, every measure: a correct result (closed forms here) or a clean InputError."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import evisynth as ev
from evisynth.errors import InputError
from tests.fuzz._common import FUZZ, check_message, finite_floats, maybe_junk, vector

pytestmark = pytest.mark.filterwarnings("ignore::evisynth.errors.EvisynthWarning")

MEASURE_ARGS = {
    "RR": ("ai", "bi", "ci", "di"), "OR": ("ai", "bi", "ci", "di"),
    "RD": ("ai", "bi", "ci", "di"),
    "PR": ("xi", "ni"), "PLO": ("xi", "ni"), "PAS": ("xi", "ni"), "PFT": ("xi", "ni"),
    "MD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "SMD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "ROM": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "IRR": ("x1i", "t1i", "x2i", "t2i"),
    "HR": ("hr", "ci_lb", "ci_ub"),
    "GEN": ("yi", "vi"),
}
COUNT = st.integers(0, 500).map(float)
POS = st.floats(1e-3, 1e4, allow_nan=False)


def good_value(arg: str) -> st.SearchStrategy[Any]:
    if arg in ("ai", "bi", "ci", "di", "xi", "x1i", "x2i"):
        return COUNT
    if arg in ("ni", "n1i", "n2i"):
        return st.integers(1, 1000).map(float)
    if arg in ("sd1i", "sd2i", "t1i", "t2i", "vi", "hr", "ci_lb", "ci_ub"):
        return POS
    return finite_floats(-1e3, 1e3)


@st.composite
def escalc_inputs(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    measure = draw(st.sampled_from(sorted(MEASURE_ARGS)))
    k = draw(st.integers(1, 6))
    args = {a: draw(vector(maybe_junk(good_value(a), 6), k)) for a in MEASURE_ARGS[measure]}
    if draw(st.integers(0, 9)) == 0:  # sometimes a length mismatch
        a = draw(st.sampled_from(MEASURE_ARGS[measure]))
        args[a] = args[a][:-1]
    return measure, args


def expected(measure: str, a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Closed forms (Borenstein et al. 2009; metafor ?escalc) where no correction applies."""
    if measure in ("RR", "OR", "RD"):
        x, b, c, d = a["ai"], a["bi"], a["ci"], a["di"]
        if np.any(np.array([x, b, c, d]) == 0):
            return None
        n1, n2 = x + b, c + d
        if measure == "OR":
            return np.log(x * d / (b * c)), 1 / x + 1 / b + 1 / c + 1 / d
        if measure == "RR":
            return np.log((x / n1) / (c / n2)), 1 / x - 1 / n1 + 1 / c - 1 / n2
        p1, p2 = x / n1, c / n2
        return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    if measure in ("PR", "PLO", "PAS", "PFT"):
        x, n = a["xi"], a["ni"]
        p = x / n
        if measure == "PLO":
            if np.any((x == 0) | (x == n)):
                return None
            return np.log(p / (1 - p)), 1 / x + 1 / (n - x)
        if measure == "PR":
            if np.any((x == 0) | (x == n)):
                return None
            return p, p * (1 - p) / n
        if measure == "PAS":
            return np.arcsin(np.sqrt(p)), 1 / (4 * n)
        return (0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))),
                1 / (4 * n + 2))
    if measure == "MD":
        return a["m1i"] - a["m2i"], a["sd1i"] ** 2 / a["n1i"] + a["sd2i"] ** 2 / a["n2i"]
    if measure == "SMD":
        n1, n2 = a["n1i"], a["n2i"]
        m = n1 + n2 - 2
        sp = np.sqrt(((n1 - 1) * a["sd1i"] ** 2 + (n2 - 1) * a["sd2i"] ** 2) / m)
        j = np.array([math.exp(math.lgamma(t / 2) - math.log(math.sqrt(t / 2))
                               - math.lgamma((t - 1) / 2)) for t in m])
        g = j * (a["m1i"] - a["m2i"]) / sp
        return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))
    if measure == "ROM":
        m1, m2 = a["m1i"], a["m2i"]
        return np.log(m1 / m2), (a["sd1i"] / m1) ** 2 / a["n1i"] + (a["sd2i"] / m2) ** 2 / a["n2i"]
    if measure == "IRR":
        x1, x2 = a["x1i"], a["x2i"]
        if np.any((x1 == 0) | (x2 == 0)):
            return None
        return np.log((x1 / a["t1i"]) / (x2 / a["t2i"])), 1 / x1 + 1 / x2
    if measure == "GEN":
        return a["yi"], a["vi"]
    return None


@FUZZ
@given(escalc_inputs())
def test_escalc_result_or_clean_error(case: tuple[str, dict[str, Any]]) -> None:
    measure, args = case
    try:
        es = ev.escalc(measure, **args)
    except InputError as exc:
        check_message(exc, *[f"'{a}'" for a in args], "measure", "arguments")
        return
    # Accepted: every input was a finite number of the right kind.
    arr = {k: np.asarray(v, dtype=float) for k, v in args.items()}
    assert np.all(np.isfinite(es.yi)) and np.all(np.isfinite(es.vi)) and np.all(es.vi > 0)
    if es.dropped:
        return
    want = expected(measure, arr)
    if want is None:
        return
    np.testing.assert_allclose(es.yi, want[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(es.vi, want[1], rtol=1e-9, atol=1e-300)


@FUZZ
@given(st.sampled_from(sorted(MEASURE_ARGS)), st.data())
def test_escalc_options_are_checked(measure: str, data: st.DataObject) -> None:
    k = 2
    args = {a: data.draw(vector(good_value(a), k)) for a in MEASURE_ARGS[measure]}
    opt = data.draw(st.sampled_from(["add", "to", "vtype", "level", "labels", "drop00"]))
    from tests.fuzz._common import junk_scalar

    val = data.draw(st.one_of(junk_scalar, st.integers(-5, 5), st.text(max_size=4)))
    assume(not (opt == "labels" and val is None))
    try:
        ev.escalc(measure, **args, **{opt: val})
    except InputError as exc:
        check_message(exc)
