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
