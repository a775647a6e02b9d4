"""CEAResult and PSAResult presentation: frames, dicts, html, traces."""

from __future__ import annotations

import json

import numpy as np
import pytest

import evisynth as ev

E = ev.parametric_curve


@pytest.fixture(scope="module")
def res():
    arms = {
        "x": ev.Arm(pfs=E("exponential", rate=0.5), os=E("exponential", rate=0.2),
                    one_off_cost={"drug": 1000.0}, state_costs={"pf": 10.0, "pd": 20.0},
                    utilities={"pf": 0.8, "pd": 0.5}),
        "y": ev.Arm(pfs=E("exponential", rate=0.6), os=E("exponential", rate=0.3),
                    utilities={"pf": 0.8, "pd": 0.5}),
    }
    return ev.PartitionedSurvival(arms=arms, horizon=10, wtp=20_000, currency="USD").run()


def test_frames_dicts_html(res):
    df = res.to_frame()
    assert list(df["arm"]) == ["x", "y"]
    assert df.loc[0, "nmb"] == pytest.approx(20_000 * res.qalys["x"] - res.costs["x"])
    assert res.nmb()["y"] == pytest.approx(20_000 * res.qalys["y"] - res.costs["y"])
    d = json.loads(json.dumps(res.to_dict()))
    assert d["costs"]["x"] == res.costs["x"]
    assert "<table>" in res._repr_html_() and "ICER" in res._repr_html_()
    assert "ICER" in res.summary()
    assert set(res.cost_breakdown["x"]) == {"one-off: drug", "pf: cost per year",
                                            "pd: cost per year", "terminal"}
    assert sum(res.cost_breakdown["x"].values()) == pytest.approx(res.costs["x"], rel=1e-12)


def test_trace_is_a_partition(res):
    tr = res.trace_frame("x")
    assert np.allclose(tr[["pf", "pd", "dead"]].sum(axis=1), 1.0)
    assert tr["time"].iloc[-1] == 10 and tr["pf"].iloc[0] == 1.0
    assert np.all(np.diff(tr["dead"]) >= 0)


def test_incremental_and_icer(res):
    inc = res.incremental("x", "y")
    assert inc["icer"] == pytest.approx(inc["inc_cost"] / inc["inc_qaly"])
    assert res.icer("x", "y") == inc["icer"]
    with pytest.raises(ev.InputError, match="give a willingness"):
        type(res)(**{**res.__dict__, "wtp": None}).nmb()
