"""One group, a rate or a mean: log incidence rate ``IRLN`` (``xi, ti``), raw mean ``MN``
and log mean ``MNLN`` (``mi, sdi, ni``).

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48 (``escalc`` measures ``IRLN``, ``MN``, ``MNLN``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evisynth._validation import (
    _check_counts,
    _need,
    _vectors,
    as_labels,
    check_positive,
    fmt_num,
)
from evisynth.effects._common import _add_cells, _check_result, _refuse_first
from evisynth.effects.sizes import EffectSizes


def _one_rate(
    code: str, given: dict[str, Any], labels: tuple[str, ...] | None, add: float, to: str
) -> EffectSizes:
    """``IRLN``: ``yi = log(xi/ti)``, ``vi = 1/xi`` with metafor's zero-count rule.

    ``ni`` of the result is the person-time ``ti`` (metafor's ``ni`` attribute).
    """
    _need(code, given, ("xi", "ti"), "events xi and person-time ti")
    arr, k = _vectors(given, ("xi", "ti"), labels)
    labels = as_labels(labels, k)
    _check_counts(arr, ("xi",), labels)
    check_positive("ti", arr["ti"], labels=labels)
    x, t = arr["xi"], arr["ti"]
    (xa,) = _add_cells([x], add, to, np.ones(k, dtype=bool))
    with np.errstate(divide="ignore"):
        yi = np.log(xa / t)
        vi = 1 / xa
    _check_result(
        code, yi, vi, labels,
        f"no events with add={add:g}, to={to!r}; use to='only0' with add > 0 (metafor default)",
    )  # fmt: skip
    return EffectSizes(yi, vi, code, labels, t.copy())


def _one_mean(code: str, given: dict[str, Any], labels: tuple[str, ...] | None) -> EffectSizes:
    """``MN``: ``yi = mi``, ``vi = sdi²/ni``; ``MNLN``: ``yi = log(mi)``, ``vi = sdi²/(ni mi²)``."""
    names = ("mi", "sdi", "ni")
    _need(code, given, names, "the mean mi, SD sdi and sample size ni")
    arr, k = _vectors(given, names, labels)
    labels = as_labels(labels, k)
    m, s, n = (arr[a] for a in names)
    check_positive("sdi", s, labels=labels, strict=False)
    _check_counts(arr, ("ni",), labels)
    check_positive("ni", n, labels=labels)
    if code == "MNLN":
        _refuse_first(m <= 0, labels, "mi", lambda i, study: (
            f"argument 'mi', {study}: mean is {fmt_num(m[i])}; MNLN (log mean) needs a mean "
            "greater than 0 (a ratio-scale outcome)"))
    with np.errstate(over="ignore"):
        if code == "MN":
            yi, vi = m.copy(), s**2 / n
        else:
            yi, vi = np.log(m), (s / m) ** 2 / n
    _check_result(code, yi, vi, labels, "the SD is 0; check sdi", overflow=True)
    return EffectSizes(yi, vi, code, labels, n)
