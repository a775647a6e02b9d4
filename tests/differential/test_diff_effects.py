"""escalc, rma_mh and rma_peto on random counts and means against metafor.

Random inputs of tests/reference/differential_rma.R: two-group tables with many
zero cells, all-event groups and double-zero studies (RR, OR, RD with every
add/to/drop00 option, RD vtypes), one-group proportions (PR, PLO, PAS, PFT),
incidence rates (IRR) and means (MD, SMD, ROM with every vtype), and 2x2 tables
for Mantel-Haenszel (OR, RR, RD) and Peto pooling. Where metafor returns NA or a
zero variance evisynth raises InputError (documented in the README).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import evisynth as ev
from tests.differential._ref import RTOL, close, ref, vec

R = ref()


def options(o: Any) -> dict[str, Any]:
    return dict(o) if isinstance(o, dict) else {}  # R's empty list() arrives as []


def opt_id(o: Any) -> str:
    return "-".join(f"{k}={v}" for k, v in options(o).items()) or "default"


ESC = [
    pytest.param(r, id=f"{i}-{r['measure']}-{opt_id(r['options'])}")
    for i, r in enumerate(R["escalc"])
]


@pytest.mark.parametrize("r", ESC)
def test_escalc_matches_metafor(r: dict[str, Any]) -> None:
    args = {k: vec(v) for k, v in R["escalc_inputs"][r["input"]].items()}
    opts = options(r["options"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ev.EvisynthWarning)  # drop00 notices
        if "r_error" in r or r["expect_error"]:
            with pytest.raises(ev.InputError):
                ev.escalc(r["measure"], **args, **opts)
            return
        es = ev.escalc(r["measure"], **args, **opts)
    dropped = [int(i) for i in np.atleast_1d(r["dropped"])]
    keep = np.setdiff1d(np.arange(len(vec(r["yi"]))), dropped)
    assert list(es.dropped) == dropped
    np.testing.assert_allclose(es.yi, vec(r["yi"])[keep], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(es.vi, vec(r["vi"])[keep], rtol=RTOL, atol=1e-15)


BIN = [
    pytest.param(r, id=f"t{r['table']}-{r['fn']}-{r['measure']}-{opt_id(r['options'])}")
    for r in R["binary"]
]


@pytest.mark.parametrize("r", BIN)
def test_rma_mh_peto_match_metafor(r: dict[str, Any]) -> None:
    tab = {k: vec(v) for k, v in R["tables"][r["table"]].items()}
    opts = options(r["options"])

    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ev.EvisynthWarning)
            if r["fn"] == "rma_mh":
                return ev.rma_mh(r["measure"], **tab, **opts)
            return ev.rma_peto(**tab, **opts)

    if "r_error" in r or r["estimate"] is None or r["se"] == 0:
        # metafor stops, or returns NA or an estimate with SE 0: evisynth raises
        with pytest.raises(ev.InputError):
            run()
        return
    res = run()
    assert (res.k, res.k_yi) == (r["k"], r["k_yi"])
    for f in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "I2", "H2"):
        close(f, getattr(res, f), r[f])
    if r["measure"] == "OR":
        for f in ("MH", "MH_pval", "CO", "CO_pval", "TA", "TA_pval", "BD", "BD_pval"):
            close(f, getattr(res, f), r[f])
        assert res.k_pos == r["k_pos"]


def test_oracle_covers_the_brief() -> None:
    measures = {r["measure"] for r in R["escalc"]}
    assert measures == {"RR", "OR", "RD", "PR", "PLO", "PAS", "PFT", "IRR", "MD", "SMD", "ROM"}
    opts = [options(r["options"]) for r in R["escalc"]]
    assert {o.get("to") for o in opts} >= {None, "all", "if0all", "none", "only0"}
    assert any(o.get("drop00") for o in opts) and any(o.get("add") == 0 for o in opts)
    assert sum(bool(r.get("expect_error")) for r in R["escalc"]) >= 10
    assert sum(len(np.atleast_1d(r.get("dropped", []))) > 0 for r in R["escalc"]) >= 10
    tabs = [np.asarray(vec(t["ai"])) for t in R["tables"]]
    assert sum((t == 0).any() for t in tabs) >= 20
    assert {(r["fn"], r["measure"]) for r in R["binary"]} == {
        ("rma_mh", "OR"), ("rma_mh", "RR"), ("rma_mh", "RD"), ("rma_peto", "PETO")}
