"""fit.interval_check(): design-matched simulation over the fit's Q-profile range of tau."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.simulate import FixedVariances, IntervalCheck


@pytest.fixture(scope="module")
def bcg_fit() -> ev.RMAResult:
    path = resources.files("evisynth") / "data" / "examples" / "bcg.csv"
    d = pd.read_csv(str(path))
    es = ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    return ev.rma(es)


def test_grid_spans_the_q_profile_interval_and_table_is_a_design_matched_simulation(
    bcg_fit: ev.RMAResult,
) -> None:
    chk = bcg_fit.interval_check(reps=1500, n_tau=4)
    assert isinstance(chk, IntervalCheck)
    ci = bcg_fit.confint()  # Q-profile bounds, checked against metafor in test_rma_oracle
    assert chk.tau_lb == pytest.approx(math.sqrt(ci.tau2_lb), rel=1e-9)
    assert chk.tau_ub == pytest.approx(math.sqrt(ci.tau2_ub), rel=1e-9)
    want_grid = sorted({*np.linspace(chk.tau_lb, chk.tau_ub, 4), math.sqrt(bcg_fit.tau2)})
    np.testing.assert_allclose(chk.tau_grid, want_grid, rtol=1e-9)
    methods = ["REML-z", "REML-knha", "REML-adhoc"]
    assert list(dict.fromkeys(chk.table["method"])) == methods
    assert len(chk.table) == 3 * len(want_grid)
    # The table is exactly ev.simulate on the fit's own k, variances and estimate.
    again = ev.simulate(
        ev.SimDesign(k=bcg_fit.k, tau=chk.tau_grid, mu=bcg_fit.estimate,
                     vi=FixedVariances(bcg_fit.vi)),
        methods, reps=1500, seed=chk.seed,
    )
    pd.testing.assert_frame_equal(chk.table, again, check_exact=True)
    assert len(chk.figure.axes) == 2
    assert set(chk.worst()) == set(methods)
    assert chk.coverage("REML-knha").keys() == set(chk.tau_grid)
    assert "REML-adhoc" in chk.summary()
    assert chk.to_dict()["reps"] == 1500
    assert "Interval check" in chk._repr_html_()


def test_equal_variances_knha_exact_over_the_grid() -> None:
    # Equal variances: the KH interval is an exact t interval, for every tau on the grid.
    fit = ev.rma(yi=[0.1, 0.5, -0.2, 0.9], vi=[0.04] * 4, method="REML", test="knha")
    reps = 40_000
    chk = fit.interval_check(reps=reps, n_tau=3, plot=False)
    se = math.sqrt(0.95 * 0.05 / reps)
    for c in chk.coverage("REML-knha").values():
        assert abs(c - 0.95) <= 3.5 * se
    assert chk.figure is None


def test_default_methods_include_the_fits_own_and_explicit_tau() -> None:
    fit = ev.rma(yi=[0.2, 0.4, 0.1], vi=[0.01, 0.05, 0.1], method="DL", test="z")
    chk = fit.interval_check(reps=500, tau=[0.0, 0.2], plot=False)
    assert list(dict.fromkeys(chk.table["method"])) == ["DL-z", "REML-knha", "REML-z",
                                                        "REML-adhoc"]
    assert chk.tau_grid == (0.0, 0.2)
    chk2 = fit.interval_check(reps=500, tau=0.1, methods=["PM-t"], plot=False)
    assert list(chk2.table["method"]) == ["PM-t"]
    with pytest.raises(InputError, match="was not checked"):
        chk2.coverage("REML-z")


def test_bad_input() -> None:
    from evisynth.simulate import interval_check

    with pytest.raises(InputError, match="RMAResult"):
        interval_check("x")  # type: ignore[arg-type]
    fit = ev.rma(yi=[0.2], vi=[0.01], method="FE")
    with pytest.raises(InputError, match="k >= 2"):
        fit.interval_check()
    fit = ev.rma(yi=[0.2, 0.3], vi=[0.01, 0.02])
    with pytest.raises(InputError, match="'reps'"):
        fit.interval_check(reps=0)
    with pytest.raises(InputError, match="'tau'"):
        fit.interval_check(tau=-1)
