"""permutest (exact), sparse rma_mh/rma_peto without correction, small-k leave1out/cumul.

Against metafor 3.8-1 (tests/reference/differential_extra.R). In the sparse
tables the study-level effects are NA for many tables when ``add=0`` or
``to="none"``: metafor leaves them out of Q and k_yi and pools all tables.
Where metafor returns an estimate with SE 0, NA, or stops, evisynth raises
InputError (README, "Zero cells").
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import evisynth as ev
from tests.conftest import load_reference
from tests.differential._ref import _decode, close, close_vec, vec

REF = _decode(load_reference("differential_extra"))


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore", ev.EvisynthWarning)


@pytest.mark.parametrize(
    "r", [pytest.param(r, id=f"{i}-{r['method']}-{r['test']}-k{len(r['yi'])}"
                       f"{'-mods' if isinstance(r['x'], list) else ''}")
          for i, r in enumerate(REF["permutest"])])
def test_exact_permutest_matches_metafor(r: dict[str, Any]) -> None:
    kw = {"mods": vec(r["x"])} if isinstance(r["x"], list) else {}  # R's NULL arrives as {}
    fit = ev.rma(yi=vec(r["yi"]), vi=vec(r["vi"]), method=r["method"], test=r["test"], **kw)
    res = ev.permutest(fit, exact=True)
    assert res.exact
    close_vec("pval", res.pval, r["pval"])
    close("QM_pval", res.QM_pval, r["QMp"])


@pytest.mark.parametrize(
    "r", [pytest.param(r, id=f"t{r['table']}-{r['measure']}-"
                       f"{'-'.join(f'{k}={v}' for k, v in r['options'].items())}")
          for r in REF["sparse"]])
def test_sparse_tables_without_correction_match_metafor(r: dict[str, Any]) -> None:
    tab = {k: vec(v) for k, v in REF["tables"][r["table"]].items()}

    def run() -> Any:
        if r["measure"] == "PETO":
            return ev.rma_peto(**tab, **r["options"])
        return ev.rma_mh(r["measure"], **tab, **r["options"])

    bad_r = "r_error" in r or r["estimate"] is None or not r["se"] > 0 or not math.isfinite(
        r["se"])
    # a study-level RD/RR with variance 0 (p = 0 or 1 in both groups, no correction):
    # metafor's Q is Inf, evisynth names the study (InputError)
    vzero = r["measure"] in ("RD", "RR") and r.get("Q") is not None and math.isinf(r["Q"])
    if bad_r or vzero:
        with pytest.raises(ev.InputError):
            run()
        return
    res = run()
    assert (res.k, res.k_yi) == (r["k"], r["k_yi"])
    for f in ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "I2"):
        close(f, getattr(res, f), r[f])


@pytest.mark.parametrize(
    "r", [pytest.param(r, id=f"{i}-{r['method']}-{r['test']}-k{len(r['yi'])}")
          for i, r in enumerate(REF["small"])])
def test_small_k_leave1out_and_cumul_match_metafor(r: dict[str, Any]) -> None:
    fit = ev.rma(yi=vec(r["yi"]), vi=vec(r["vi"]), method=r["method"], test=r["test"])
    s = math.sqrt(float(np.mean(vec(r["vi"]))))
    for name, res in (("leave1out", ev.leave_one_out(fit)),
                      ("cumul", ev.cumulative(fit, order=vec(r["order"])))):
        want = r[name]
        if name == "cumul":  # metafor 3.8-1 sorts by the order variable: order(o)
            assert list(res.order) == list(np.argsort(vec(r["order"])))
        for f in ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "tau2", "I2"):
            w = np.zeros(len(r["yi"])) if f == "tau2" and r["method"] == "FE" else want[f]
            sc = {"tau2": s * s, "I2": 100.0}.get(f, s)  # I² on its 0-100 scale (boundary tau²)
            close_vec(f"{name}.{f}", getattr(res, f), w, sc)


def test_oracle_covers_zero_study_level_effects() -> None:
    assert sum(r.get("k_yi") == 0 for r in REF["sparse"]) >= 10
    assert any("r_error" in r for r in REF["sparse"])
    assert {len(r["yi"]) for r in REF["small"]} == {2, 3, 4}
