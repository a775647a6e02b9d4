"""bayesmeta against an independent R computation (frozen by tests/reference/bayesmeta.R).

The R script integrates the posterior over tau with ``integrate(rel.tol =
1e-12)`` (loosened step by step only where R reports round-off; the loosest
tolerance used is recorded per fit) and solves every quantile with ``uniroot``
(tol 1e-14). Agreement is 1e-6 relative on every field; a value that is 0 or
close to it also passes within 1e-9 times the field's natural scale
(``sqrt(mean(vi))`` for locations and tau, 1 for probabilities and Bayes
factors).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import evisynth as ev
from tests.conftest import load_reference

REF = load_reference("bayesmeta")
RTOL = 1e-6

FIELDS = (
    "estimate", "mean", "sd", "ci_lb", "ci_ub", "tau", "tau_mean", "tau_lb", "tau_ub",
    "pi_median", "pi_lb", "pi_ub", "log_marglik", "bf01_tau0",
)


def _id(f: dict) -> str:
    mu = "" if f["mu_prior"] is None else "-muN"
    return f"{f['dataset']}-{f['prior'].split(':')[0]}{mu}"


CASES = [pytest.param(f, id=_id(f)) for f in REF["fits"]]


def _num(x: object) -> float:
    if x is None:
        return math.nan
    if x in ("Inf", "inf"):
        return math.inf
    return float(x)  # type: ignore[arg-type]


def assert_close(field: str, got: float, want: float, scale: float) -> None:
    if math.isnan(want):
        assert math.isnan(got), f"{field}: want undefined (NaN), got {got}"
        return
    if math.isinf(want):
        assert got == want, f"{field}: want {want}, got {got}"
        return
    assert math.isfinite(got), f"{field}: got {got}"
    assert abs(got - want) <= RTOL * abs(want) + 1e-9 * scale, (
        f"{field}: evisynth {got!r} vs R {want!r} "
        f"(rel diff {abs(got - want) / max(abs(want), 1e-300):.2e})"
    )


def fit_of(ref: dict, shortest: bool = False) -> ev.BayesMetaResult:
    d = REF["datasets"][ref["dataset"]]
    mu = None if ref["mu_prior"] is None else tuple(ref["mu_prior"])
    return ev.bayesmeta(yi=d["yi"], vi=d["vi"], tau_prior=ref["prior"], mu_prior=mu,
                        shortest=shortest)


@pytest.mark.parametrize("ref", CASES)
def test_posterior_matches_r_quadrature(ref: dict) -> None:
    d = REF["datasets"][ref["dataset"]]
    loc = math.sqrt(float(np.mean(d["vi"])))
    fit = fit_of(ref)
    got = fit.to_dict()
    for f in FIELDS:
        scale = 1.0 if f in ("log_marglik", "bf01_tau0") else loc
        assert_close(f, float(got[f]), _num(ref[f]), scale)
    assert_close("prob_below_0", fit.prob(0.0), float(ref["prob_below_0"]), 1.0)
    if ref["mu_prior"] is not None:
        assert_close("bf01_mu0", fit.bf01_mu0, float(ref["bf01_mu0"]), 1.0)
    else:
        assert math.isnan(fit.bf01_mu0)
    for f in ("theta_median", "theta_lb", "theta_ub"):
        want = np.atleast_1d(np.asarray(ref[f], dtype=float))
        for i, (g, w) in enumerate(zip(getattr(fit, f), want, strict=True)):
            assert_close(f"{f}[{i}]", float(g), float(w), loc)


SHORT = [pytest.param(f, id=_id(f)) for f in REF["fits"] if "short_lb" in f]


@pytest.mark.parametrize("ref", SHORT)
def test_shortest_interval_matches_r(ref: dict) -> None:
    """The shortest interval (R: optimize over the lower tail probability)."""
    d = REF["datasets"][ref["dataset"]]
    loc = math.sqrt(float(np.mean(d["vi"])))
    fit = fit_of(ref, shortest=True)
    # R's optimize locates the minimum length to ~1e-8 in alpha; the bounds
    # move by O(f' * dalpha²) there, far below the tolerance.
    assert_close("short_lb", fit.ci_lb, float(ref["short_lb"]), loc)
    assert_close("short_ub", fit.ci_ub, float(ref["short_ub"]), loc)


def test_oracle_covers_the_brief() -> None:
    ks = {np.atleast_1d(d["yi"]).size for d in REF["datasets"].values()}
    assert {1, 2, 3, 5, 13, 30} <= ks
    assert len(REF["datasets"]) >= 10
    priors = {f["prior"] for f in REF["fits"]}
    assert len(priors) >= 4
