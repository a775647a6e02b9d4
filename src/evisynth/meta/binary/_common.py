"""What :func:`rma_mh` and :func:`rma_peto` share: reading the tables, the ``drop00``
warning, the heterogeneity statistics and the Wald z test."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from evisynth._validation import _two_by_two, as_labels, study_name
from evisynth.errors import EvisynthWarning

Array = NDArray[np.float64]


def _tables(
    given: dict[str, Any], labels: Any, fn: str, code: str
) -> tuple[Array, Array, Array, Array, tuple[str, ...] | None]:
    """Raw 2x2 counts ``a, b, c, d``, checked with escalc's count validators."""
    given = {n: v for n, v in given.items() if v is not None}
    return _two_by_two(code, given, as_labels(labels), empty=f"{fn}(): no tables: ai is empty")


def _warn_dropped(dropped: np.ndarray, labels: tuple[str, ...] | None, fn: str) -> None:
    if dropped.any():
        names = ", ".join(study_name(int(i), labels) for i in np.flatnonzero(dropped))
        warnings.warn(
            f"{fn}(drop00=True): {names} had no events (or only events) in both groups and "
            "were left out of the heterogeneity test (Q, I², H²); the pooled estimate uses "
            "every table, as in metafor",
            EvisynthWarning,
            stacklevel=3,
        )


def _heterogeneity(Q: float, k_yi: int, has_df: bool) -> tuple[float, float, float, float]:
    """``(Q, Q_pval, I2, H2)`` of an equal-effects model, metafor's convention."""
    if k_yi <= 1 or not has_df:
        return (Q if k_yi > 1 else 0.0), 1.0, 0.0, 1.0
    df = k_yi - 1
    I2 = max(0.0, 100 * (Q - df) / Q) if Q > 0 else 0.0
    return Q, float(stats.chi2.sf(Q, df)), I2, Q / df


def _z_parts(est: float, var: float, level: float) -> tuple[float, float, float, float, float]:
    se = math.sqrt(var)
    z = est / se
    crit = float(stats.norm.isf((1 - level / 100) / 2))
    return se, z, float(2 * stats.norm.sf(abs(z))), est - crit * se, est + crit * se
