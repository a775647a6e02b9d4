"""GRADE domain rules on constructed cases: each boundary, both sides of it."""

from __future__ import annotations

import math

import pytest

from evisynth.errors import InputError
from evisynth.grade import (
    optimal_events,
    optimal_information_size,
    rate_imprecision,
    rate_inconsistency,
    rate_indirectness,
    rate_publication_bias,
    rate_risk_of_bias,
)

# ------------------------------------------------------------------ risk of bias


@pytest.mark.parametrize(
    ("rob", "weights", "rating"),
    [
        (["low", "low"], [1, 1], 0),
        # high share 1/2 = 0.5 ≥ 0.5: most information from high-risk studies → -2
        (["high", "low"], [1, 1], -2),
        # high share 0.49/1.00 < 0.5 and concern share the same → 0
        (["high", "low"], [0.49, 0.51], 0),
        # some-concerns share 1/2 = 0.5 → -1
        (["some concerns", "low"], [1, 1], -1),
        # high 1/4 + some concerns 1/4 = 1/2 ≥ 0.5 (not low) but high 1/4 < 0.5 → -1
        (["high", "some concerns", "low"], [1, 1, 2], -1),
        # the same judgements with the weight on the low-risk study: 1/6 + 1/6 = 1/3 → 0
        (["high", "some concerns", "low"], [1, 1, 4], 0),
        # high 3/4 → -2
        (["high", "high", "low"], [1, 2, 1], -2),
    ],
)
def test_risk_of_bias_weighted_bands(rob: list[str], weights: list[float], rating: int) -> None:
    r = rate_risk_of_bias(rob, weights)
    assert r.rating == rating
    assert r.reason


def test_risk_of_bias_reason_quotes_the_shares() -> None:
    r = rate_risk_of_bias(["high", "some concerns", "low"], [1, 1, 2])
    assert "25%" in r.reason and "50%" in r.reason  # high 1/4, not-low 2/4


def test_risk_of_bias_accepts_spelling_variants_and_rejects_unknown() -> None:
    assert rate_risk_of_bias(["Some-Concerns", "LOW"], [1, 1]).rating == -1
    with pytest.raises(InputError, match=r"'rob\[1\]'.*'unclear'"):
        rate_risk_of_bias(["low", "unclear"], [1, 1])
    with pytest.raises(InputError, match="2 judgements for 3 studies"):
        rate_risk_of_bias(["low", "low"], [1, 1, 1])
    with pytest.raises(InputError, match="'rob'"):
        rate_risk_of_bias("low", [1])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'weights'"):
        rate_risk_of_bias(["low"], [-1.0])


# ----------------------------------------------------------------- inconsistency

CROSS = (-0.8, 0.3)  # prediction interval on both sides of 0
ONE_SIDE = (-0.8, -0.1)


@pytest.mark.parametrize(
    ("i2", "pi", "rating"),
    [
        (0.0, CROSS, 0),
        (40.0, CROSS, 0),  # 40 is still "might not be important"
        (40.01, ONE_SIDE, 0),
        (40.01, CROSS, -1),
        (75.0, CROSS, -1),  # 75 is the top of the moderate/substantial band here
        (75.01, CROSS, -2),
        (75.01, ONE_SIDE, -1),
        (99.0, ONE_SIDE, -1),
        (60.0, (None, None), -1),  # no PI counts as crossing
        (90.0, (math.nan, math.nan), -2),
    ],
)
def test_inconsistency_bands(i2: float, pi: tuple[float | None, float | None], rating: int) -> None:
    r = rate_inconsistency(i2, pi[0], pi[1], k=5)
    assert r.rating == rating
    assert f"I² = {i2:.0f}%" in r.reason


def test_inconsistency_null_none_counts_as_crossing_and_single_study_is_not_rated() -> None:
    no_null = rate_inconsistency(60.0, -0.8, -0.1, k=5, null=None)
    assert no_null.rating == -1 and "rests on I² alone" in no_null.reason
    assert rate_inconsistency(60.0, -0.8, -0.1, k=5, null=-0.5).rating == -1  # -0.5 inside
    single = rate_inconsistency(0.0, None, None, k=1)
    assert single.rating == 0 and "single study" in single.reason
    with pytest.raises(InputError, match="'I2'"):
        rate_inconsistency(120.0, -1, 1, k=3)


# ------------------------------------------------------------------- imprecision


def test_imprecision_counts_thresholds_inside_the_interval() -> None:
    assert rate_imprecision(-0.4, -0.1, [0.0]).rating == 0
    assert rate_imprecision(-0.4, 0.1, [0.0]).rating == -1
    # thresholds log 0.8 = -0.2231 and 0: both strictly inside (-0.5, 0.1) → -2
    r = rate_imprecision(-0.5, 0.1, [math.log(0.8), 0.0], threshold_text=["HR 0.8", "HR 1"])
    assert r.rating == -2 and "HR 0.8" in r.reason and "HR 1" in r.reason
    # an interval ending exactly at the threshold does not cross it
    assert rate_imprecision(-0.4, 0.0, [0.0]).rating == 0


def test_imprecision_optimal_information_size_only_checked_when_ci_is_precise() -> None:
    ois = optimal_information_size(0.2)  # 1806 participants (see test_ois_binary)
    assert rate_imprecision(-0.4, -0.1, [0.0], ois=ois, information=1805).rating == -1
    assert rate_imprecision(-0.4, -0.1, [0.0], ois=ois, information=1806).rating == 0
    r = rate_imprecision(-0.4, -0.1, [0.0], ois=ois, information=1805)
    assert "1,805 participants" in r.reason and "1,806" in r.reason
    # already -1 for the interval: the OIS does not add a second level
    assert rate_imprecision(-0.4, 0.1, [0.0], ois=ois, information=10).rating == -1
    with pytest.raises(InputError, match="'information'"):
        rate_imprecision(-0.4, -0.1, [0.0], ois=ois)


def test_imprecision_bad_inputs() -> None:
    with pytest.raises(InputError, match="'thresholds'"):
        rate_imprecision(-0.4, 0.1, [])
    with pytest.raises(InputError, match="'ci_lb'"):
        rate_imprecision(0.4, 0.1, [0.0])


def test_ois_binary() -> None:
    # p_c = 0.2, RRR 25% → p_t = 0.15; (z_.975 + z_.8)² = (1.959964 + 0.841621)² = 7.848879;
    # n per group = 7.848879 · (0.2·0.8 + 0.15·0.85) / 0.05² = 7.848879 · 0.2875 / 0.0025
    # = 902.62 → 903 per group, 1806 in total
    o = optimal_information_size(0.2, rrr=0.25)
    assert (o.required, o.unit) == (1806, "participants")
    # p_c = 0.5, RRR 20% → p_t = 0.4: 7.848879 · (0.25 + 0.24) / 0.01 = 384.60 → 385 → 770
    assert optimal_information_size(0.5, rrr=0.2).required == 770
    with pytest.raises(InputError, match="'control_risk'"):
        optimal_information_size(1.2)


def test_ois_events() -> None:
    # Schoenfeld: 4 · 7.848879 / (log 0.75)² = 31.395516 / 0.0827615 = 379.35 → 380 events
    o = optimal_events(0.75)
    assert (o.required, o.unit) == (380, "events")
    # HR 0.5: 31.395516 / 0.480453 = 65.35 → 66
    assert optimal_events(0.5).required == 66
    with pytest.raises(InputError, match="'hr'"):
        optimal_events(1.0)


# ------------------------------------------------------ indirectness, publication bias


def test_indirectness_is_the_reviewers_judgement_with_a_reason() -> None:
    assert rate_indirectness().rating == 0
    r = rate_indirectness("very serious", "Surrogate outcome only")
    assert r.rating == -2 and "Surrogate outcome only" in r.reason
    with pytest.raises(InputError, match="'indirectness_reason'"):
        rate_indirectness("serious")
    with pytest.raises(InputError, match="'indirectness'"):
        rate_indirectness("moderate")


@pytest.mark.parametrize(
    ("k", "p", "rating"),
    [
        (9, 0.001, 0),  # fewer than 10 studies: the test is not used as evidence
        (10, 0.001, -1),
        (10, 0.099, -1),
        (10, 0.10, 0),  # p must be below 0.10
        (25, 0.5, 0),
        (12, None, 0),
    ],
)
def test_publication_bias_small_study_test_only_from_ten_studies(
    k: int, p: float | None, rating: int
) -> None:
    r = rate_publication_bias(k=k, test_pval=p)
    assert r.rating == rating
    if p is not None and k < 10:
        assert "not used as evidence" in r.reason and "fewer than the 10" in r.reason


def test_publication_bias_judgement_overrides_the_test_and_quotes_it() -> None:
    r = rate_publication_bias("undetected", "Trial registries searched", k=12, test_pval=0.01)
    assert r.rating == 0 and "p = 0.010 with 12 studies" in r.reason
    r = rate_publication_bias("strongly suspected", "Only industry-funded trials", k=3)
    assert r.rating == -1 and "industry-funded" in r.reason
    with pytest.raises(InputError, match="'publication_bias_reason'"):
        rate_publication_bias("strongly suspected", k=3)
    with pytest.raises(InputError, match="'test_pval'"):
        rate_publication_bias(k=12, test_pval=1.5)


def test_domain_rating_to_dict() -> None:
    d = rate_imprecision(-0.4, 0.1, [0.0]).to_dict()
    assert d == {"domain": "imprecision", "rating": -1, "label": "serious",
                 "reason": d["reason"]}
    assert d["reason"].startswith("Serious imprecision")


@pytest.mark.parametrize("kind", ["confidence", "credible"])
def test_imprecision_reason_names_the_kind_of_interval(kind: str) -> None:
    other = {"confidence": "credible", "credible": "confidence"}[kind]
    ois = optimal_information_size(0.2, rrr=0.25)
    reasons = [
        rate_imprecision(-0.5, 0.1, [math.log(0.8), 0.0], interval=kind).reason,  # -2
        rate_imprecision(-0.4, 0.1, [0.0], interval=kind).reason,  # -1
        rate_imprecision(-0.4, -0.1, [0.0], interval=kind).reason,  # 0
        rate_imprecision(-0.4, -0.1, [0.0], ois=ois, information=10, interval=kind).reason,
        rate_imprecision(-0.4, -0.1, [0.0], ois=ois, information=10**6,
                         interval=kind).reason,
    ]
    for r in reasons:
        assert f"the {kind} interval" in r and f"{other} interval" not in r
    # the kind changes the words only, never the rating
    for lb, ub in [(-0.5, 0.1), (-0.4, 0.1), (-0.4, -0.1)]:
        assert (rate_imprecision(lb, ub, [math.log(0.8), 0.0], interval=kind).rating
                == rate_imprecision(lb, ub, [math.log(0.8), 0.0]).rating)


def test_imprecision_unknown_interval_kind() -> None:
    with pytest.raises(InputError, match="interval"):
        rate_imprecision(-0.4, 0.1, [0.0], interval="prediction")


@pytest.mark.parametrize("kind", ["prediction", "predictive"])
def test_inconsistency_reason_names_the_kind_of_prediction_interval(kind: str) -> None:
    other = {"prediction": "predictive", "predictive": "prediction"}[kind]
    reasons = [
        rate_inconsistency(60.0, *CROSS, k=5, interval=kind).reason,  # crosses the null
        rate_inconsistency(60.0, *ONE_SIDE, k=5, interval=kind).reason,  # one side
        rate_inconsistency(90.0, *ONE_SIDE, k=5, interval=kind).reason,  # "although ..."
        rate_inconsistency(60.0, *ONE_SIDE, k=5, null=None, interval=kind).reason,  # no null
        rate_inconsistency(60.0, None, None, k=5, interval=kind).reason,  # no interval
    ]
    for r in reasons:
        assert f"{kind} interval" in r and f"{other} interval" not in r, r
    # the kind changes the words only, never the rating
    for i2, pi in [(30.0, CROSS), (60.0, CROSS), (60.0, ONE_SIDE), (90.0, CROSS),
                   (90.0, ONE_SIDE), (60.0, (None, None))]:
        assert (rate_inconsistency(i2, *pi, k=5, interval=kind).rating
                == rate_inconsistency(i2, *pi, k=5).rating)


def test_inconsistency_unknown_interval_kind() -> None:
    with pytest.raises(InputError, match="'interval'"):
        rate_inconsistency(60.0, *CROSS, k=5, interval="credible")
