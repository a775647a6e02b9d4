"""Issue #9: log-rank test with a group that has no expected events (R survdiff oracle)."""

from __future__ import annotations

import pytest

import evisynth as ev
from tests.conftest import load_reference

REF = load_reference("hardening")["logrank"]


@pytest.mark.parametrize("name", sorted(REF))
def test_logrank_drops_group_without_expected_events(name: str) -> None:
    d = REF[name]
    r = ev.logrank_test(d["time"], d["event"], d["group"])
    assert r.chisq == pytest.approx(d["chisq"], rel=1e-10)
    assert r.df == d["df"]
    assert r.observed == pytest.approx(d["observed"], abs=1e-12)
    assert r.expected == pytest.approx(d["expected"], rel=1e-10, abs=1e-12)
