"""Fitting one set of studies: pool, or show the single study, noting the fit's warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

from evisynth.effects import EffectSizes
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta import RMAResult, rma
from evisynth.review._review import Review
from evisynth.review.inputs import StudyInput
from evisynth.review.model import Outcome

__all__ = ["noting_warnings", "pool", "pool_noted", "select"]


T = TypeVar("T")


def noting_warnings(call: Callable[[], T]) -> tuple[T, list[str]]:
    """Run ``call``; its result and the messages of the evisynth warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvisynthWarning)
        result = call()
    return result, [str(w.message) for w in caught if issubclass(w.category, EvisynthWarning)]


def pool(es: EffectSizes, method: str, test: str, level: float) -> tuple[RMAResult, bool]:
    """Pool, or, for one study, return the study itself (FE with k = 1)."""
    fit, pooled, _ = pool_noted(es, method, test, level)
    return fit, pooled


def pool_noted(
    es: EffectSizes, method: str, test: str, level: float
) -> tuple[RMAResult, bool, tuple[str, ...]]:
    """:func:`pool` and the warnings the fit raised (they reach the report as notes)."""
    if es.k == 1:
        return rma(es, method="FE", test="z", level=level), False, ()
    fit, caught = noting_warnings(lambda: rma(es, method=method, test=test, level=level))
    return fit, True, tuple(dict.fromkeys(caught))


def select(
    review: Review, outcome: Outcome, design: str | None, analysis: str, verified_only: bool
) -> tuple[EffectSizes, tuple[StudyInput, ...]] | None:
    """The effect sizes and inputs of one analysis set, or ``None`` when there are none."""
    try:
        es, used = review.effect_sizes(
            outcome.key, analysis=analysis, design=design, verified_only=verified_only
        )
    except InputError:
        return None
    return es, tuple(used)
