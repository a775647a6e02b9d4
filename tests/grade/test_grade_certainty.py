"""rate_certainty: start by design, the downgrade ladder, wiring of the fit into the rules."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.grade import optimal_events, rate_certainty


def _identical_hr_fit() -> ev.RMAResult:
    # three identical log HRs -0.5, vi 0.01: tau² = 0, I² = 0; pooled -0.5 with
    # se = sqrt(0.01/3) = 0.057735, CI -0.5 ± 1.959964·0.057735 = [-0.6132, -0.3868]
    # → HR 0.61 (0.54 to 0.68): crosses neither 1 nor 0.8
    hr = math.exp(-0.5)
    lo, hi = math.exp(-0.5 - 1.959964 * 0.1), math.exp(-0.5 + 1.959964 * 0.1)
    es = ev.escalc("HR", hr=[hr] * 3, ci_lb=[lo] * 3, ci_ub=[hi] * 3)
    return ev.rma(es, method="DL")


def test_rct_starts_high_observational_low() -> None:
    fit = _identical_hr_fit()
    assert fit.I2 == pytest.approx(0.0, abs=1e-9)
    rct = rate_certainty(fit, design="RCT", rob=["low"] * 3, thresholds=[0.8, 1.0])
    obs = rate_certainty(fit, design="observational", rob=["low"] * 3, thresholds=[0.8, 1.0])
    assert (rct.start, rct.certainty, rct.level) == ("high", "high", 4)
    assert (obs.start, obs.certainty, obs.level) == ("low", "low", 2)
    assert rct.downgrades == () and obs.downgrades == ()


def test_each_downgrade_lowers_one_level_and_double_downgrades_two() -> None:
    fit = _identical_hr_fit()
    base = {"design": "RCT", "thresholds": [0.8, 1.0]}
    one = rate_certainty(fit, rob=["some concerns"] * 3, **base)  # type: ignore[arg-type]
    assert (one.risk_of_bias.rating, one.certainty) == (-1, "moderate")
    two = rate_certainty(fit, rob=["high"] * 3, **base)  # type: ignore[arg-type]
    assert (two.risk_of_bias.rating, two.certainty) == (-2, "low")
    three = rate_certainty(fit, rob=["high"] * 3, indirectness="serious",
                           indirectness_reason="Different line of therapy", **base)  # type: ignore[arg-type]
    assert three.certainty == "very low" and len(three.downgrades) == 2
    # -2 - 2 from a start of high would be 0: the floor is very low (1)
    four = rate_certainty(fit, rob=["high"] * 3, indirectness="very serious",
                          indirectness_reason="Surrogate only", **base)  # type: ignore[arg-type]
    assert four.level == 1 and four.certainty == "very low"
    # observational evidence with one downgrade: low → very low
    obs = rate_certainty(fit, design="observational", rob=["some concerns"] * 3,
                         thresholds=[0.8, 1.0])
    assert obs.certainty == "very low"


def test_thresholds_on_the_ratio_scale_are_compared_on_the_log_scale() -> None:
    fit = _identical_hr_fit()  # HR CI (0.5416, 0.6792)
    assert rate_certainty(fit, design="RCT", rob=["low"] * 3,
                          thresholds=[0.6]).imprecision.rating == -1
    assert rate_certainty(fit, design="RCT", rob=["low"] * 3,
                          thresholds=[0.55, 0.65]).imprecision.rating == -2
    # the same thresholds on the analysis scale: log 0.6 = -0.5108 lies inside [-0.6132, -0.3868]
    r = rate_certainty(fit, design="RCT", rob=["low"] * 3, thresholds=[math.log(0.6)],
                       threshold_scale="analysis")
    assert r.imprecision.rating == -1
    # default threshold: the null (HR 1), outside the interval
    assert rate_certainty(fit, design="RCT", rob=["low"] * 3).imprecision.rating == 0


def test_ois_in_events_wired_through() -> None:
    fit = _identical_hr_fit()
    r = rate_certainty(fit, design="RCT", rob=["low"] * 3, ois=optimal_events(0.75),
                       information=379)
    assert r.imprecision.rating == -1 and "380" in r.imprecision.reason
    assert rate_certainty(fit, design="RCT", rob=["low"] * 3, ois=optimal_events(0.75),
                          information=380).imprecision.rating == 0


def test_inconsistency_uses_the_fits_I2_and_prediction_interval() -> None:
    # BCG: I² = 92.2%, PI on the RR scale 0.15 to 1.55 crosses 1 → very serious
    from pathlib import Path

    import pandas as pd

    d = pd.read_csv(Path(ev.__file__).parent / "data" / "examples" / "bcg.csv")
    fit = ev.rma(ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg))
    r = rate_certainty(fit, design="RCT", rob=["low"] * 13)
    assert r.inconsistency.rating == -2 and "I² = 92%" in r.inconsistency.reason
    # risk of bias is weighted by the fit's weights: high risk on the two heaviest
    # studies (TPT Madras 10.19% and Stein & Aronson 10.10%) is 20.3% < 50% → not serious
    w = np.asarray(fit.weights_percent)
    heavy = np.argsort(w)[-2:]
    rob = ["high" if i in heavy else "low" for i in range(13)]
    assert rate_certainty(fit, design="RCT", rob=rob).risk_of_bias.rating == 0


def test_publication_bias_test_used_only_with_ten_studies() -> None:
    fit3 = _identical_hr_fit()
    r3 = rate_certainty(fit3, design="RCT", rob=["low"] * 3, small_study_test=0.001)
    assert r3.publication_bias.rating == 0
    rng = np.random.default_rng(3)
    fit10 = ev.rma(yi=rng.normal(-0.3, 0.1, 10), vi=rng.uniform(0.01, 0.1, 10))
    r10 = rate_certainty(fit10, design="RCT", rob=["low"] * 10, small_study_test=0.001)
    assert r10.publication_bias.rating == -1
    reg = ev.regtest(fit10)
    r = rate_certainty(fit10, design="RCT", rob=["low"] * 10, small_study_test=reg)
    assert "Egger-type regression test" in r.publication_bias.reason
    assert r.publication_bias.rating == (-1 if reg.pval < 0.10 else 0)


def test_single_group_proportions_need_thresholds() -> None:
    es = ev.escalc("PLO", xi=[5, 12, 9], ni=[100, 150, 120])
    fit = ev.rma(es)
    with pytest.raises(InputError, match=r"'thresholds'.*no null"):
        rate_certainty(fit, design="observational", rob=["low"] * 3)
    # pooled proportion ≈ 0.07 (logit scale); thresholds 0.05 and 0.10 converted by logit
    r = rate_certainty(fit, design="observational", rob=["low"] * 3, thresholds=[0.05, 0.2])
    lo, hi = 1 / (1 + math.exp(-fit.ci_lb)), 1 / (1 + math.exp(-fit.ci_ub))
    expected = -sum(lo < t < hi for t in (0.05, 0.2))
    assert r.imprecision.rating == expected


def test_bad_inputs() -> None:
    fit = _identical_hr_fit()
    with pytest.raises(InputError, match="'design'"):
        rate_certainty(fit, design="cohort", rob=["low"] * 3)
    with pytest.raises(InputError, match=r"'rob'.*2 judgements for 3"):
        rate_certainty(fit, design="RCT", rob=["low"] * 2)
    with pytest.raises(InputError, match=r"'thresholds'.*positive"):
        rate_certainty(fit, design="RCT", rob=["low"] * 3, thresholds=[-0.2])
    with pytest.raises(InputError, match="'fit'"):
        rate_certainty({"estimate": 1}, design="RCT", rob=["low"])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'small_study_test'"):
        rate_certainty(fit, design="RCT", rob=["low"] * 3, small_study_test="p=0.01")


def test_to_dict_is_json_and_complete() -> None:
    fit = _identical_hr_fit()
    r = rate_certainty(fit, design="RCT", rob=["high", "low", "low"], outcome="OS")
    d = json.loads(json.dumps(r.to_dict()))
    assert d["outcome"] == "OS" and d["start"] == "high"
    assert set(d["domains"]) == {"risk_of_bias", "inconsistency", "indirectness",
                                 "imprecision", "publication_bias"}
    assert d["certainty"] == r.certainty and d["level"] == r.level
    assert "OS:" in str(r)


def test_interval_kind_reaches_the_imprecision_reason() -> None:
    fit = _identical_hr_fit()  # HR CI (0.5416, 0.6792)
    freq = rate_certainty(fit, design="RCT", rob=["low"] * 3, thresholds=[0.6])
    bayes = rate_certainty(fit, design="RCT", rob=["low"] * 3, thresholds=[0.6],
                           interval="credible")
    assert "confidence interval" in freq.imprecision.reason
    assert "credible interval" not in freq.imprecision.reason
    assert "credible interval" in bayes.imprecision.reason
    assert "confidence interval" not in bayes.imprecision.reason
    assert bayes.imprecision.rating == freq.imprecision.rating == -1
    with pytest.raises(InputError, match="interval"):
        rate_certainty(fit, design="RCT", rob=["low"] * 3, interval="fiducial")


def test_credible_interval_makes_the_inconsistency_reason_name_the_predictive_interval() -> None:
    # BCG: I² = 92% and the prediction interval crosses the null (see above): the reason
    # quotes the interval; with interval="credible" the fit's pi_lb/pi_ub are a Bayesian
    # model's posterior predictive interval and the reason says so
    from pathlib import Path

    import pandas as pd

    d = pd.read_csv(Path(ev.__file__).parent / "data" / "examples" / "bcg.csv")
    fit = ev.rma(ev.escalc("RR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg))
    freq = rate_certainty(fit, design="RCT", rob=["low"] * 13)
    bayes = rate_certainty(fit, design="RCT", rob=["low"] * 13, interval="credible")
    assert "the prediction interval crosses the null" in freq.inconsistency.reason
    assert "predictive" not in freq.inconsistency.reason
    assert "the predictive interval crosses the null" in bayes.inconsistency.reason
    assert "prediction interval" not in bayes.inconsistency.reason
    assert bayes.inconsistency.rating == freq.inconsistency.rating == -2
