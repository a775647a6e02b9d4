"""Fuzz rma_mh and rma_peto: closed-form Mantel-Haenszel / Peto estimates or a clean error."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import evisynth as ev
from evisynth.errors import EvisynthWarning, InputError
from tests.fuzz._common import FUZZ, check_message, junk_scalar, maybe_junk, vector


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    k = draw(st.integers(1, 6))
    cell = maybe_junk(st.integers(0, 60).map(float), 30)
    kw: dict[str, Any] = {c: draw(vector(cell, k)) for c in ("ai", "bi", "ci", "di")}
    if draw(st.integers(0, 7)) == 0:
        opt = draw(st.sampled_from(["add", "to", "drop00", "level", "labels"]))
        kw[opt] = draw(st.one_of(junk_scalar, st.integers(-2, 3)))
    return kw


NAMES = ("'ai'", "'bi'", "'ci'", "'di'", "'add'", "'to'", "'drop00'", "'level'", "'labels'",
         "rma_mh()", "rma_peto()", "study", "tables")


def _arrays(kw: dict[str, Any]) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(kw[c], dtype=float) for c in ("ai", "bi", "ci", "di"))


@FUZZ
@given(tables(), st.sampled_from(["OR", "RR", "RD"]))
def test_rma_mh_result_or_clean_error(kw: dict[str, Any], measure: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = ev.rma_mh(measure, **kw)
        except InputError as exc:
            event("InputError")
            check_message(exc, *NAMES)
            return
    event("fitted")
    # The pooled estimate uses every table (drop00 only concerns Q), as metafor.
    a, b, c, d = _arrays(kw)
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        want = math.log(np.sum(a * d / n) / np.sum(b * c / n))
    elif measure == "RR":
        want = math.log(np.sum(a * n2 / n) / np.sum(c * n1 / n))
    else:
        want = float(np.sum(a * n2 / n - c * n1 / n) / np.sum(n1 * n2 / n))
    assert fit.estimate == pytest_approx(want)
    assert math.isfinite(fit.se) and fit.se > 0


def pytest_approx(x: float) -> Any:

    return pytest.approx(x, rel=1e-9, abs=1e-12)


@FUZZ
@given(tables())
def test_rma_peto_result_or_clean_error(kw: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvisynthWarning)
        try:
            fit = ev.rma_peto(**kw)
        except InputError as exc:
            event("InputError")
            check_message(exc, *NAMES)
            return
    event("fitted")
    a, b, c, d = _arrays(kw)
    n1, n2 = a + b, c + d
    n = n1 + n2
    oe = a - (a + c) * n1 / n
    v = (a + c) * (b + d) * n1 * n2 / (n**2 * (n - 1))
    assert fit.estimate == pytest_approx(float(np.sum(oe) / np.sum(v)))
    assert fit.se == pytest_approx(float(1 / math.sqrt(np.sum(v))))
