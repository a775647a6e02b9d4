"""GRADE certainty of the evidence for one outcome, from a pooled result and judgements.

Randomised trials start at *high* certainty, observational studies at *low*
(GRADE Handbook 5.1; Balshem et al. 2011). Each of the five domains in
:mod:`evisynth.grade.domains` may rate down by one or two levels; the final
certainty is the start minus all downgrades, never below *very low*.

References
----------
Balshem H, Helfand M, Schünemann HJ, et al. (2011). GRADE guidelines 3. Rating
the quality of evidence. J Clin Epidemiol 64(4):401-406.

Schünemann H, Brożek J, Guyatt G, Oxman A (eds.) (2013). GRADE Handbook,
sections 5.1-5.2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evisynth._validation import as_float_vector, check_choice
from evisynth.errors import InputError
from evisynth.grade.domains import (
    DomainRating,
    rate_imprecision,
    rate_inconsistency,
    rate_indirectness,
    rate_publication_bias,
    rate_risk_of_bias,
)
from evisynth.grade.ois import OptimalInformationSize
from evisynth.meta.results import LOG_MEASURES, RMAResult

__all__ = ["CERTAINTY_LEVELS", "CertaintyRating", "rate_certainty"]

#: Certainty level names by number of levels (4 = high … 1 = very low).
CERTAINTY_LEVELS = {4: "high", 3: "moderate", 2: "low", 1: "very low"}
#: GRADE's symbols for each level.
CERTAINTY_SYMBOLS = {4: "⊕⊕⊕⊕", 3: "⊕⊕⊕◯", 2: "⊕⊕◯◯", 1: "⊕◯◯◯"}
_START = {"RCT": 4, "observational": 2}
_PROPORTIONS = frozenset({"PR", "PLO", "PAS", "PFT"})


@dataclass(frozen=True)
class CertaintyRating:
    """GRADE rating of one outcome: the start, each domain, the final certainty."""

    outcome: str | None
    design: str
    start_level: int
    risk_of_bias: DomainRating
    inconsistency: DomainRating
    indirectness: DomainRating
    imprecision: DomainRating
    publication_bias: DomainRating

    @property
    def start(self) -> str:
        """``"high"`` (randomised trials) or ``"low"`` (observational studies)."""
        return CERTAINTY_LEVELS[self.start_level]

    @property
    def domains(self) -> tuple[DomainRating, ...]:
        """The five domain ratings in GRADE's order."""
        return (self.risk_of_bias, self.inconsistency, self.indirectness, self.imprecision,
                self.publication_bias)

    @property
    def downgrades(self) -> tuple[DomainRating, ...]:
        """The domains that rate the evidence down (rating < 0)."""
        return tuple(d for d in self.domains if d.rating < 0)

    @property
    def level(self) -> int:
        """Final level: 4 high, 3 moderate, 2 low, 1 very low."""
        return max(1, self.start_level + sum(d.rating for d in self.domains))

    @property
    def certainty(self) -> str:
        """``"high"``, ``"moderate"``, ``"low"`` or ``"very low"``."""
        return CERTAINTY_LEVELS[self.level]

    @property
    def symbol(self) -> str:
        """GRADE's symbol, e.g. ``⊕⊕◯◯`` for low."""
        return CERTAINTY_SYMBOLS[self.level]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        return {
            "outcome": self.outcome,
            "design": self.design,
            "start": self.start,
            "domains": {d.domain: d.to_dict() for d in self.domains},
            "certainty": self.certainty,
            "level": self.level,
        }

    def __str__(self) -> str:
        head = f"{self.outcome + ': ' if self.outcome else ''}{self.certainty} certainty " \
            f"(start {self.start}, {self.design})"
        lines = [f"  {d.domain}: {d.rating:+d}  {d.reason}" for d in self.domains]
        return "\n".join([head, *lines])


def check_rma_fit(fit: Any) -> None:
    """``fit`` must be an :func:`evisynth.rma` result (an :class:`RMAResult`)."""
    if not isinstance(fit, RMAResult):
        raise InputError(f"argument 'fit': expected the result of evisynth.rma, got "
                         f"{type(fit).__name__}", where="fit")


def _to_analysis(measure: str, values: Any, scale: str) -> np.ndarray:
    v = as_float_vector("thresholds", values)
    if scale == "analysis":
        return v
    m = measure.upper()
    if m in LOG_MEASURES:
        if (v <= 0).any():
            raise InputError(f"argument 'thresholds': ratio thresholds must be positive, got "
                             f"{v.tolist()}", where="thresholds")
        return np.log(v)
    if m in ("PLO", "PAS"):
        if ((v <= 0) | (v >= 1)).any():
            raise InputError(f"argument 'thresholds': proportion thresholds must lie in (0, 1), "
                             f"got {v.tolist()}", where="thresholds")
        return np.log(v / (1 - v)) if m == "PLO" else np.arcsin(np.sqrt(v))
    if m == "PFT":
        raise InputError("argument 'threshold_scale': PFT thresholds cannot be converted "
                         "without sample sizes; give them on the analysis scale with "
                         "threshold_scale='analysis'", where="threshold_scale")
    return v


def _small_study(test: Any) -> tuple[float | None, str]:
    if test is None:
        return None, "small-study test"
    name = type(test).__name__
    names = {"RegTestResult": "Egger-type regression test",
             "RankTestResult": "Begg's rank correlation test"}
    if name in names and hasattr(test, "pval"):
        return float(test.pval), names[name]
    if isinstance(test, int | float) and not isinstance(test, bool):
        return float(test), "small-study test"
    raise InputError(
        "argument 'small_study_test': expected evisynth.regtest(...)/ranktest(...) or a "
        f"p-value, got {type(test).__name__}",
        where="small_study_test",
    )


def rate_certainty(
    fit: RMAResult,
    *,
    design: str,
    rob: Sequence[str],
    thresholds: Sequence[float] | None = None,
    threshold_scale: str = "natural",
    ois: OptimalInformationSize | None = None,
    information: int | None = None,
    indirectness: str = "not serious",
    indirectness_reason: str | None = None,
    publication_bias: str | None = None,
    publication_bias_reason: str | None = None,
    small_study_test: Any = None,
    outcome: str | None = None,
    interval: str = "confidence",
) -> CertaintyRating:
    """Rate the certainty of the evidence for one outcome (GRADE).

    Parameters
    ----------
    fit
        The outcome's pooled result (:func:`evisynth.rma`); its weights, I²,
        prediction interval and confidence interval feed the rules.
    design
        ``"RCT"`` (starts high) or ``"observational"`` (starts low).
    rob
        Overall risk-of-bias judgement per study of ``fit``, in its order:
        ``"low"``, ``"some concerns"``, ``"high"``.
    thresholds
        Decision thresholds for imprecision, on the measure's natural scale
        (ratios for HR/RR/OR, proportions for PLO/PAS) unless
        ``threshold_scale="analysis"``. Default: the null effect alone (1 for
        ratios, 0 for differences); required for single-group proportions.
    threshold_scale
        ``"natural"`` (default) or ``"analysis"``.
    ois, information
        Optimal information size (:func:`~evisynth.grade.optimal_information_size`
        or :func:`~evisynth.grade.optimal_events`) and the analysis' participants
        or events in that unit.
    indirectness, indirectness_reason
        Reviewers' judgement: ``"not serious"``, ``"serious"``, ``"very serious"``,
        and why.
    publication_bias, publication_bias_reason
        ``"undetected"``, ``"strongly suspected"`` or ``None`` (decide from
        ``small_study_test`` when ``k ≥ 10``), and why.
    small_study_test
        ``evisynth.regtest(fit)`` / ``evisynth.ranktest(fit)`` or a p-value.
    outcome
        Name of the outcome, carried into the result.
    interval
        What ``fit.ci_lb``/``fit.ci_ub`` are, for the imprecision reason:
        ``"confidence"`` (default) or ``"credible"`` (e.g. the posterior
        interval of :func:`evisynth.bayesmeta` put into the fit). With
        ``"credible"``, ``fit.pi_lb``/``fit.pi_ub`` are taken to be the
        model's posterior predictive interval, and the inconsistency reason
        names it so.

    Returns
    -------
    CertaintyRating
        Start level, each domain's rating and reason, final certainty.

    Raises
    ------
    InputError
        If ``fit`` is not an RMAResult, ``design`` is unknown, ``rob`` has the
        wrong length or an unknown judgement, thresholds are invalid, or a
        downgrade judgement lacks its reason, or ``interval`` is unknown.

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.40, 0.66, 0.55], ci_lb=[0.31, 0.47, 0.40],
    ...                ci_ub=[0.51, 0.93, 0.76])
    >>> fit = ev.rma(es)
    >>> r = rate_certainty(fit, design="RCT", rob=["low", "low", "some concerns"],
    ...                    thresholds=[0.8, 1.0])
    >>> r.certainty, r.imprecision.rating
    ('high', 0)
    """
    check_rma_fit(fit)
    des = check_choice("design", design, tuple(_START))
    scale = check_choice("threshold_scale", threshold_scale, ("natural", "analysis"))
    m = fit.measure.upper()
    null: float | None = None if m in _PROPORTIONS else 0.0
    if thresholds is None:
        if null is None:
            raise InputError(f"argument 'thresholds': a single-group {m} analysis has no null "
                             "effect; give the decision thresholds (e.g. [0.1, 0.2])",
                             where="thresholds")
        t_an = np.array([0.0])
        t_text = ["1 (no effect)" if m in LOG_MEASURES else "0 (no effect)"]
    else:
        t_an = _to_analysis(m, thresholds, scale)
        t_nat = as_float_vector("thresholds", thresholds)
        t_text = [f"{m} {x:g}" if (scale == "natural" and m in LOG_MEASURES) else f"{x:g}"
                  for x in t_nat]
    p, test_name = _small_study(small_study_test)
    pi_lb = fit.pi_lb if fit.method != "FE" and math.isfinite(fit.pi_lb) else None
    pi_ub = fit.pi_ub if fit.method != "FE" and math.isfinite(fit.pi_ub) else None
    return CertaintyRating(
        outcome=outcome,
        design=des,
        start_level=_START[des],
        risk_of_bias=rate_risk_of_bias(rob, np.asarray(fit.weights)),
        inconsistency=rate_inconsistency(
            fit.I2, pi_lb, pi_ub, k=fit.k, null=null,
            interval="predictive" if str(interval).lower() == "credible" else "prediction"),
        indirectness=rate_indirectness(indirectness, indirectness_reason),
        imprecision=rate_imprecision(fit.ci_lb, fit.ci_ub, list(t_an), ois=ois,
                                     information=information, threshold_text=t_text,
                                     interval=interval),
        publication_bias=rate_publication_bias(publication_bias, publication_bias_reason,
                                               k=fit.k, test_pval=p, test_name=test_name),
    )
