"""Pooling across trials: one-stage stratified Cox and two-stage rma vs R (survival, metafor)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from evisynth.errors import InputError
from evisynth.survival.pool import pool_trials


@pytest.fixture(scope="module")
def P(reference: Any) -> Any:
    return reference("survival")["pooling"]


def test_veteran_celltypes_as_trials(P: Any) -> None:
    df = pd.DataFrame({"trial": P["trial"], "arm": np.where(np.array(P["arm"]) == 1, "b", "a"),
                       "time": P["time"], "event": P["event"]})
    res = pool_trials(df, reference="a")
    assert res.trials == tuple(sorted(P["trials"]))
    order = [P["trials"].index(t) for t in res.trials]
    np.testing.assert_allclose([c.coef[0] for c in res.per_trial],
                               np.array(P["per_trial"]["coef"])[order], rtol=1e-6)
    np.testing.assert_allclose([c.se[0] ** 2 for c in res.per_trial],
                               np.array(P["per_trial"]["var"])[order], rtol=1e-6)
    assert res.one_stage.coef[0] == pytest.approx(P["one_stage"]["coef"], rel=1e-6)
    assert res.one_stage.se[0] == pytest.approx(P["one_stage"]["se"], rel=1e-6)
    ts = P["two_stage"]
    m = res.two_stage
    for ours, key in ((m.estimate, "estimate"), (m.se, "se"), (m.ci_lb, "ci_lb"),
                      (m.ci_ub, "ci_ub"), (m.pval, "pval")):
        assert float(ours) == pytest.approx(ts[key], rel=1e-6)
    assert float(m.tau2) == pytest.approx(ts["tau2"], rel=1e-6, abs=1e-10)
    assert float(m.I2) == pytest.approx(ts["I2"], rel=1e-6, abs=1e-8)
    frame = res.to_frame()
    assert len(frame) == len(res.trials) + 2
    d = res.to_dict()
    assert d["two_stage"]["hr"] == pytest.approx(np.exp(ts["estimate"]), rel=1e-6)


def test_errors() -> None:
    df = pd.DataFrame({"trial": ["x", "x", "y", "y"], "arm": ["a", "a", "a", "b"],
                       "time": [1, 2, 3, 4], "event": [1, 1, 1, 1]})
    with pytest.raises(InputError, match="only one arm"):
        pool_trials(df)
    with pytest.raises(InputError, match="at least two trials"):
        pool_trials(df.assign(trial="x", arm=["a", "b", "a", "b"]))
    with pytest.raises(InputError, match="no column"):
        pool_trials(df, trial="study")


def test_pooling_reconstructed_trials_matches_true_patient_data() -> None:
    """Three simulated trials -> exact KM corners + at-risk table + events -> reconstruct
    every arm -> pool; the pooled HRs match those from the true patient data within 2%."""
    from evisynth.survival import reconstruct_ipd
    from evisynth.survival.simulate import ArmSpec, km_corners, simulate_trial

    true_parts, rec_parts = [], []
    for k, (n, cure) in enumerate([(120, 0.0), (200, 0.3), (90, 0.1)]):
        df = simulate_trial([ArmSpec("control", n, 1.1, 6.0, 0.0),
                             ArmSpec("treated", n, 1.2, 8.0, cure)], seed=40 + k)
        true_parts.append(df.assign(trial=f"T{k + 1}"))
        for arm, g in df.groupby("arm"):
            t, e = g["time"].to_numpy(), g["event"].to_numpy()
            times = np.arange(0, t.max(), 6.0)
            nar = pd.DataFrame({"time": times, "n_risk": [int((t >= x).sum()) for x in times]})
            rec = reconstruct_ipd(km_corners(t, e), nar, total_events=int(e.sum()))
            rec_parts.append(rec.ipd.assign(arm=arm, trial=f"T{k + 1}"))
    truth = pool_trials(pd.concat(true_parts), reference="control")
    recon = pool_trials(pd.concat(rec_parts), reference="control")
    assert float(recon.one_stage.hr[0]) == pytest.approx(float(truth.one_stage.hr[0]), rel=0.02)
    assert np.exp(recon.two_stage.estimate) == pytest.approx(np.exp(truth.two_stage.estimate),
                                                             rel=0.02)
