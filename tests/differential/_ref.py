"""Shared helpers of the differential tests: the frozen metafor values and the comparison.

``tests/reference/differential_rma.R`` draws random meta-analysis data in R and
stores metafor 3.8-1's results; these tests recompute them with evisynth.
Agreement is 1e-6 relative, with an absolute allowance of 1e-9 times the field's
natural scale (as in ``tests/test_rma_oracle.py``), because a relative criterion
means nothing for a true zero (tau² on the boundary, an estimate of exactly 0).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from tests.conftest import load_reference

RTOL = 1e-6


_SPECIAL = {"NA": None, "NaN": None, "Inf": math.inf, "-Inf": -math.inf}


def _decode(x: Any) -> Any:
    """R's non-finite numbers, written as strings by jsonlite (na = "string"), back."""
    if isinstance(x, dict):
        return {k: _decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v) for v in x]
    if isinstance(x, str) and x in _SPECIAL:
        return _SPECIAL[x]
    return x


@cache
def ref() -> Any:
    """The parsed ``differential_rma.json`` (read once per session)."""
    return _decode(load_reference("differential_rma"))


@cache
def datasets() -> dict[str, Any]:
    return {d["id"]: d for d in ref()["datasets"]}


def vec(x: Any) -> np.ndarray:
    """JSON scalars (R's auto_unbox of length-1 vectors) back to arrays; null -> nan."""
    arr = np.atleast_1d(np.asarray(x, dtype=object))
    return np.array([np.nan if a is None else float(a) for a in arr], dtype=float)


def loc_scale(d: dict[str, Any]) -> float:
    return math.sqrt(float(np.mean(vec(d["vi"]))))


def close(field: str, got: Any, want: Any, scale: float = 1.0, extra: float = 0.0) -> None:
    """``|got - want| <= RTOL |want| + 1e-9 scale + extra``; metafor's NA must be None/NaN.

    ``extra`` is for fields computed from another compared field (I² and H² from
    tau²): the difference that the allowed difference of that field implies.
    """
    if want is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), (
            f"{field}: evisynth {got!r}, metafor NA"
        )
        return
    if math.isinf(want):
        assert got == want, f"{field}: evisynth {got!r} vs metafor {want!r}"
        return
    assert got is not None and math.isfinite(got), f"{field}: evisynth {got!r}, metafor {want!r}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale + extra, (
        f"{field}: evisynth {got!r} vs metafor {want!r} "
        f"(rel diff {abs(got - want) / max(abs(want), 1e-300):.2e})"
    )


def cancellation(res: Any, test: str, Q: float) -> float:
    """Relative digits lost to cancellation in the Knapp-Hartung factor s2w.

    s2w is a sum of squared residuals: with near-duplicate effects both programs
    lose about eps·max|yi| over the residuals' size (on dataset d196 evisynth
    agrees with exact rational arithmetic where metafor is off by 1e-6).
    0 for the z and t tests, which do not use s2w.
    """
    if test not in ("knha", "adhoc") or not Q > 0:
        return 0.0
    return 64 * 2.0**-52 * float(np.max(np.abs(res.yi))) / math.sqrt(Q / float(res.weights.sum()))


def close_vec(field: str, got: Any, want: Any, scale: float = 1.0, rel: float = 0.0) -> None:
    """Elementwise :func:`close`; ``rel`` adds ``rel × max|want|`` (see :func:`cancellation`)."""
    g = np.asarray(got, dtype=float)
    w = vec(want)
    assert g.shape == w.shape, f"{field}: shape {g.shape} vs metafor {w.shape}"
    nan = np.isnan(w)
    assert np.array_equal(np.isnan(g), nan), f"{field}: NaN at {np.isnan(g)} vs metafor {nan}"
    inf = np.isinf(w)
    assert np.array_equal(g[inf], w[inf]), f"{field}: evisynth {g} vs metafor {w}"
    nan = nan | inf
    lim = RTOL * np.abs(w[~nan]) + 1e-9 * scale
    if rel > 0 and (~nan).any():
        lim = lim + rel * float(np.max(np.abs(w[~nan])))
    diff = np.abs(g[~nan] - w[~nan])
    assert np.all(diff <= lim), (
        f"{field}: worst at {int(np.argmax(diff - lim))}: evisynth {g[~nan]} vs metafor {w[~nan]}"
    )
