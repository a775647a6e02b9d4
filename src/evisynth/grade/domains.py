"""The five GRADE domains that can lower the certainty of a body of evidence.

Each function applies one explicit, documented rule and returns a
:class:`DomainRating`: ``0`` (not serious), ``-1`` (serious) or ``-2`` (very
serious), with the reason in words. GRADE asks for judgement; these rules make
the default judgement reproducible and say why, and the inputs that are
judgements (indirectness, publication bias) are taken from the reviewers.

References
----------
Schünemann H, Brożek J, Guyatt G, Oxman A (eds.) (2013). GRADE Handbook,
section 5 (factors that can decrease the quality of the evidence).

Schünemann HJ, Higgins JPT, Vist GE, et al. (2023). Chapter 14: Completing
'Summary of findings' tables and grading the certainty of the evidence. In:
Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.

Guyatt GH et al. (2011). GRADE guidelines 4 (risk of bias) J Clin Epidemiol
64:407-415; 5 (publication bias) 64:1277-1282; 6 (imprecision) 64:1283-1293;
7 (inconsistency) 64:1294-1302; 8 (indirectness) 64:1303-1310.

Deeks JJ, Higgins JPT, Altman DG (eds.) (2023). Chapter 10: Analysing data and
undertaking meta-analyses, section 10.10.2 (interpreting I²). Cochrane Handbook
version 6.4.

Zeng L, Brignardello-Petersen R, Hultcrantz M, et al. (2022). GRADE guidance 34:
update on rating imprecision using a minimally contextualized approach. J Clin
Epidemiol 150:216-224.

Page MJ, Higgins JPT, Sterne JAC (2023). Chapter 13: Assessing risk of bias due
to missing results, section 13.3.5.4 (tests for funnel plot asymmetry need at
least 10 studies). Cochrane Handbook version 6.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evisynth._validation import as_float_vector, check_positive
from evisynth.errors import InputError
from evisynth.grade.ois import OptimalInformationSize

__all__ = [
    "DOMAINS",
    "I2_CONSIDERABLE",
    "I2_NOT_IMPORTANT",
    "MIN_STUDIES_SMALL_STUDY_TEST",
    "ROB_MAJORITY",
    "SMALL_STUDY_ALPHA",
    "DomainRating",
    "rate_imprecision",
    "rate_inconsistency",
    "rate_indirectness",
    "rate_publication_bias",
    "rate_risk_of_bias",
]

DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")

#: Share of the total weight that counts as "most of the information" (GRADE guidelines 4).
ROB_MAJORITY = 0.5
#: Upper end of the Cochrane Handbook's "might not be important" I² band (0-40 %).
I2_NOT_IMPORTANT = 40.0
#: Lower end of the Cochrane Handbook's "considerable heterogeneity" I² band (75-100 %).
I2_CONSIDERABLE = 75.0
#: Fewest studies for which a small-study (funnel asymmetry) test is used as evidence.
MIN_STUDIES_SMALL_STUDY_TEST = 10
#: Significance level for small-study tests (Egger et al. 1997 suggested 0.10).
SMALL_STUDY_ALPHA = 0.10

ROB_LEVELS = ("low", "some concerns", "high")
_SERIOUSNESS = {"not serious": 0, "serious": -1, "very serious": -2}
_PUB_BIAS = {"undetected": 0, "strongly suspected": -1}


@dataclass(frozen=True)
class DomainRating:
    """Rating of one GRADE domain: ``rating`` is 0, -1 or -2; ``reason`` says why."""

    domain: str
    rating: int
    reason: str

    @property
    def label(self) -> str:
        """``"not serious"``, ``"serious"`` or ``"very serious"``."""
        return {0: "not serious", -1: "serious", -2: "very serious"}[self.rating]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary."""
        return {"domain": self.domain, "rating": self.rating, "label": self.label,
                "reason": self.reason}


def _judgement(name: str, value: Any, allowed: dict[str, int]) -> int:
    if isinstance(value, str):
        key = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
        if key in allowed:
            return allowed[key]
    raise InputError(
        f"argument {name!r}: {value!r} is not one of {', '.join(map(repr, allowed))}",
        where=name,
    )


def _need_reason(rating: int, reason: str | None, name: str, why: str) -> None:
    """A downgrade (``rating < 0``) without a non-blank ``reason`` is an input error."""
    if rating < 0 and not (isinstance(reason, str) and reason.strip()):
        raise InputError(f"argument {name!r}: say {why} (every downgrade needs a reason)",
                         where=name)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# ------------------------------------------------------------------ risk of bias


def rate_risk_of_bias(judgements: Sequence[str], weights: Any) -> DomainRating:
    """Risk of bias from per-study judgements, weighted by the studies' weights.

    Rule (GRADE guidelines 4: judge the body of evidence by the studies that
    contribute most of the information; Cochrane Handbook 14.2.2): with
    ``share_high`` the weight share of studies at high risk and
    ``share_concern`` that of studies at some concerns *or* high risk,

    * ``-2`` if ``share_high ≥ 0.5`` (most information from high-risk studies);
    * ``-1`` if ``share_concern ≥ 0.5`` (most information from studies with
      some concerns or high risk);
    * ``0`` otherwise.

    Parameters
    ----------
    judgements
        Overall RoB 2 judgement per study: ``"low"``, ``"some concerns"`` or
        ``"high"`` (case and ``-``/``_`` are ignored).
    weights
        Non-negative weight per study (e.g. ``fit.weights``), not all zero.

    Returns
    -------
    DomainRating

    Raises
    ------
    InputError
        Unknown judgement, weights not matching the judgements, negative or all-zero weights.

    Examples
    --------
    >>> rate_risk_of_bias(["low", "high", "some concerns"], [1, 1, 2]).rating
    -1
    """
    if isinstance(judgements, str) or not isinstance(judgements, Sequence):
        raise InputError(
            "argument 'rob': expected one judgement per study ('low', 'some concerns', "
            f"'high'), got {type(judgements).__name__}",
            where="rob",
        )
    levels = [
        ROB_LEVELS[-_judgement(f"rob[{i}]", j, {"low": 0, "some concerns": -1, "high": -2})]
        for i, j in enumerate(judgements)
    ]
    w = as_float_vector("weights", weights)
    if len(w) != len(levels):
        raise InputError(
            f"argument 'rob': {len(levels)} judgements for {len(w)} studies; give one per study",
            where="rob",
        )
    check_positive("weights", w, strict=False)
    if w.sum() <= 0:
        raise InputError("argument 'weights': all weights are 0", where="weights")
    share = w / w.sum()
    lv = np.asarray(levels)
    s_high = float(share[lv == "high"].sum())
    s_concern = float(share[lv != "low"].sum())
    counts = f"{(lv == 'low').sum()} low, {(lv == 'some concerns').sum()} some concerns, " \
        f"{(lv == 'high').sum()} high"
    detail = (f"studies at high risk carry {_pct(s_high)} of the weight, studies at some "
              f"concerns or high risk {_pct(s_concern)} ({counts})")
    if s_high >= ROB_MAJORITY:
        return DomainRating("risk_of_bias", -2, f"Very serious risk of bias: {detail}.")
    if s_concern >= ROB_MAJORITY:
        return DomainRating("risk_of_bias", -1, f"Serious risk of bias: {detail}.")
    return DomainRating("risk_of_bias", 0, f"Not serious: {detail}.")


# ----------------------------------------------------------------- inconsistency


def rate_inconsistency(
    I2: float, pi_lb: float | None, pi_ub: float | None, *, k: int, null: float | None = 0.0,
    interval: str = "prediction",
) -> DomainRating:
    """Inconsistency from I² (Cochrane Handbook 10.10.2 bands) and the prediction interval.

    Bands: I² ≤ 40 % "might not be important"; I² ≥ 75 % "considerable"
    (Cochrane Handbook 10.10.2). The prediction interval (analysis scale) shows
    whether the effect in a new setting could lie on either side of the null
    (GRADE guidelines 7: inconsistency matters when it could change the
    decision). Rule:

    =============  ===========================  ======
    I²             PI crosses the null           rating
    =============  ===========================  ======
    ≤ 40 %         either                        0
    40 – 75 %      no                            0
    40 – 75 %      yes, or PI not available      -1
    > 75 %         no                            -1
    > 75 %         yes, or PI not available      -2
    =============  ===========================  ======

    A prediction interval that is missing (``None``/non-finite, fixed-effect
    fits) or a ``null`` of ``None`` counts as crossing (the conservative choice).
    With a single study inconsistency cannot be judged and is not rated down.

    Parameters
    ----------
    I2
        I² in percent.
    pi_lb, pi_ub
        Prediction interval on the analysis scale (e.g. log HR).
    k
        Number of studies.
    null
        Null effect on the analysis scale (0 for log ratios and differences).
    interval
        The kind of interval ``pi_lb``/``pi_ub`` are, named in the reason:
        ``"prediction"`` (default, the frequentist prediction interval of a
        random-effects fit) or ``"predictive"`` (the posterior predictive
        interval of a Bayesian model for the effect in a new study; the same
        rule applies to it).

    Returns
    -------
    DomainRating

    Raises
    ------
    InputError
        If ``I2`` is outside [0, 100], ``k`` < 1 or ``interval`` is unknown.

    Examples
    --------
    >>> rate_inconsistency(60.0, -0.9, 0.2, k=5).rating
    -1
    >>> r = rate_inconsistency(60.0, -0.9, 0.2, k=5, interval="predictive")
    >>> r.reason.endswith("and the predictive interval crosses the null.")
    True
    """
    from evisynth._validation import check_choice, check_int, check_number

    pi = check_choice("interval", interval, ("prediction", "predictive"))
    i2 = check_number("I2", I2, lo=0, hi=100, unit="%")
    k = check_int("k", k, lo=1)
    if k == 1:
        return DomainRating("inconsistency", 0,
                            "Not applicable: a single study (inconsistency cannot be judged).")
    have_pi = (pi_lb is not None and pi_ub is not None and math.isfinite(pi_lb)
               and math.isfinite(pi_ub) and null is not None)
    if have_pi:
        assert pi_lb is not None and pi_ub is not None and null is not None
        crosses = pi_lb < null < pi_ub
        pi_text = (f"the {pi} interval crosses the null" if crosses
                   else f"the {pi} interval lies on one side of the null")
    elif null is None:
        crosses = True
        pi_text = (f"a single-group proportion has no null effect to judge the {pi} "
                   "interval against, so the rating rests on I² alone")
    else:
        crosses = True
        pi_text = f"no {pi} interval to show the direction is consistent"
    what = f"I² = {i2:.0f}%"
    if i2 <= I2_NOT_IMPORTANT:
        return DomainRating("inconsistency", 0,
                            f"Not serious: {what} (≤ {I2_NOT_IMPORTANT:g}%, might not be "
                            "important).")
    if i2 <= I2_CONSIDERABLE:
        if not crosses:
            return DomainRating("inconsistency", 0,
                                f"Not serious: {what} (moderate) but {pi_text}.")
        return DomainRating("inconsistency", -1,
                            f"Serious inconsistency: {what} (moderate to substantial) and "
                            f"{pi_text}.")
    if not crosses:
        return DomainRating("inconsistency", -1,
                            f"Serious inconsistency: {what} (> {I2_CONSIDERABLE:g}%, "
                            f"considerable), although {pi_text}.")
    return DomainRating("inconsistency", -2,
                        f"Very serious inconsistency: {what} (> {I2_CONSIDERABLE:g}%, "
                        f"considerable) and {pi_text}.")


# ------------------------------------------------------------------- imprecision


def rate_imprecision(
    ci_lb: float,
    ci_ub: float,
    thresholds: Sequence[float],
    *,
    ois: OptimalInformationSize | None = None,
    information: int | None = None,
    threshold_text: Sequence[str] | None = None,
    interval: str = "confidence",
) -> DomainRating:
    """Imprecision: the confidence interval against decision thresholds, then the OIS.

    Rule (GRADE guidelines 6; Zeng et al. 2022, GRADE guidance 34, on rating
    against thresholds): count the thresholds that lie strictly inside the
    confidence interval.

    * 2 or more: ``-2`` (the interval includes effects that would lead to
      different decisions on both sides of at least two thresholds, e.g.
      appreciable benefit and appreciable harm);
    * 1: ``-1``;
    * 0: ``0``, unless an optimal information size is given and the
      ``information`` (participants or events) falls short of it: ``-1``
      (GRADE guidelines 6: when the interval looks precise, check the OIS).

    Parameters
    ----------
    ci_lb, ci_ub
        Confidence interval, on the same scale as ``thresholds``.
    thresholds
        Decision thresholds (at least one; the null alone is the "minimally
        contextualised" approach).
    ois
        Optimal information size from :func:`optimal_information_size` or
        :func:`optimal_events`.
    information
        Participants (or events) in the analysis, in the unit of ``ois``.
    threshold_text
        How to print each threshold (e.g. on the ratio scale); defaults to the number.
    interval
        The kind of interval judged, named in the reason: ``"confidence"``
        (default, a frequentist interval) or ``"credible"`` (a Bayesian
        posterior interval; the same rule applies to it, GRADE guidance 34).

    Returns
    -------
    DomainRating

    Raises
    ------
    InputError
        No thresholds, a non-finite bound, ``ci_lb > ci_ub``, ``ois`` without
        ``information``, or an unknown ``interval``.

    Examples
    --------
    >>> rate_imprecision(-0.4, 0.1, [0.0]).rating
    -1
    >>> rate_imprecision(-0.4, 0.1, [0.0], interval="credible").reason
    'Serious imprecision: the credible interval crosses the decision threshold 0.'
    """
    from evisynth._validation import check_choice, check_int

    kind = check_choice("interval", interval, ("confidence", "credible"))

    t = as_float_vector("thresholds", thresholds)
    if len(t) == 0:
        raise InputError("argument 'thresholds': give at least one decision threshold "
                         "(e.g. the null effect)", where="thresholds")
    lb, ub = as_float_vector("ci", [ci_lb, ci_ub])
    if lb > ub:
        raise InputError(f"argument 'ci_lb': {lb:g} is above ci_ub = {ub:g}", where="ci_lb")
    texts = list(threshold_text) if threshold_text is not None else [f"{x:g}" for x in t]
    if len(texts) != len(t):
        raise InputError("argument 'threshold_text': give one text per threshold",
                         where="threshold_text")
    inside = [s for x, s in zip(t, texts, strict=True) if lb < x < ub]
    if len(inside) >= 2:
        return DomainRating("imprecision", -2,
                            f"Very serious imprecision: the {kind} interval includes "
                            f"effects on both sides of {len(inside)} decision thresholds "
                            f"({', '.join(inside)}).")
    if len(inside) == 1:
        return DomainRating("imprecision", -1,
                            f"Serious imprecision: the {kind} interval crosses the decision "
                            f"threshold {inside[0]}.")
    ci_ok = f"the {kind} interval crosses no decision threshold"
    if ois is None:
        return DomainRating("imprecision", 0, f"Not serious: {ci_ok}.")
    if information is None:
        raise InputError("argument 'information': needed with 'ois' (participants or events "
                         "in the analysis)", where="information")
    n = check_int("information", information, lo=0)
    if n < ois.required:
        return DomainRating("imprecision", -1,
                            f"Serious imprecision: {ci_ok}, but the {n:,} {ois.unit} fall short "
                            f"of the optimal information size of {ois.required:,} "
                            f"({ois.assumptions}).")
    return DomainRating("imprecision", 0,
                        f"Not serious: {ci_ok} and the {n:,} {ois.unit} meet the optimal "
                        f"information size of {ois.required:,}.")


# ----------------------------------------------------- indirectness, publication bias


def rate_indirectness(judgement: str = "not serious", reason: str | None = None) -> DomainRating:
    """Indirectness as judged by the reviewers (GRADE guidelines 8).

    Parameters
    ----------
    judgement
        ``"not serious"``, ``"serious"`` or ``"very serious"``.
    reason
        Why; required when rating down.

    Returns
    -------
    DomainRating

    Raises
    ------
    InputError
        Unknown judgement, or a downgrade without a reason.

    Examples
    --------
    >>> rate_indirectness("serious", "Older population than the question").rating
    -1
    """
    r = _judgement("indirectness", judgement, _SERIOUSNESS)
    _need_reason(r, reason, "indirectness_reason", "why the evidence is indirect")
    label = {0: "Not serious", -1: "Serious indirectness", -2: "Very serious indirectness"}[r]
    text = f"{label}: {reason.strip()}" if reason else f"{label}: no indirectness identified"
    return DomainRating("indirectness", r, text.rstrip(".") + ".")


def rate_publication_bias(
    judgement: str | None = None,
    reason: str | None = None,
    *,
    k: int,
    test_pval: float | None = None,
    test_name: str = "Egger's regression test",
) -> DomainRating:
    """Publication bias: the reviewers' judgement, with a small-study test as evidence.

    A small-study (funnel asymmetry) test counts only with at least 10 studies
    (Cochrane Handbook 13.3.5.4; below that its power is too low to tell
    asymmetry from chance). Rule:

    * a judgement (``"undetected"`` / ``"strongly suspected"``) is used as
      given; the test result, when it counts, is quoted in the reason;
    * without a judgement: ``-1`` if ``k ≥ 10`` and the test's p-value is below
      0.10 (Egger et al. 1997), else ``0``; with ``k < 10`` the test is set
      aside and the reason says so.

    Parameters
    ----------
    judgement
        ``"undetected"``, ``"strongly suspected"`` or ``None`` (decide from the test).
    reason
        Why; required with ``"strongly suspected"``.
    k
        Number of studies.
    test_pval
        p-value of a small-study test (e.g. ``evisynth.regtest(fit).pval``).
    test_name
        Name of that test, for the reason.

    Returns
    -------
    DomainRating

    Raises
    ------
    InputError
        Unknown judgement, ``"strongly suspected"`` without a reason, p outside [0, 1].

    Examples
    --------
    >>> rate_publication_bias(k=12, test_pval=0.03).rating
    -1
    >>> rate_publication_bias(k=5, test_pval=0.03).rating
    0
    """
    from evisynth._validation import check_int, check_number

    k = check_int("k", k, lo=1)
    p = None if test_pval is None else check_number("test_pval", test_pval, lo=0, hi=1)
    counts = k >= MIN_STUDIES_SMALL_STUDY_TEST
    if p is None:
        evidence = "no small-study test"
    elif counts:
        evidence = f"{test_name} p = {p:.3f} with {k} studies"
    else:
        evidence = (f"{test_name} not used as evidence: {k} studies, fewer than the "
                    f"{MIN_STUDIES_SMALL_STUDY_TEST} it needs")
    if judgement is not None:
        r = _judgement("publication_bias", judgement, _PUB_BIAS)
        _need_reason(r, reason, "publication_bias_reason", "why publication bias is suspected")
        why = reason.strip().rstrip(".") if reason else "no signal of missing studies"
        label = "Publication bias strongly suspected" if r else "Undetected"
        return DomainRating("publication_bias", r, f"{label}: {why} ({evidence}).")
    if p is not None and counts and p < SMALL_STUDY_ALPHA:
        return DomainRating("publication_bias", -1,
                            f"Publication bias strongly suspected: funnel plot asymmetry, "
                            f"{evidence} (< {SMALL_STUDY_ALPHA:g}).")
    return DomainRating("publication_bias", 0, f"Undetected ({evidence}).")
