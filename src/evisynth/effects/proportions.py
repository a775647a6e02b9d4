"""One group, counts: proportions ``PR``, logit ``PLO``, arcsine ``PAS`` and
Freeman-Tukey ``PFT``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from evisynth._validation import (
    _check_counts,
    _check_group_size,
    _events_and_rest,
    _need,
    _vectors,
    as_labels,
)
from evisynth.effects._common import _add_cells, _check_result, _vtypes, _wmean
from evisynth.effects.sizes import EffectSizes


def _one_group(
    code: str,
    given: dict[str, Any],
    labels: tuple[str, ...] | None,
    add: float,
    to: str,
    vtype: str | Sequence[str],
) -> EffectSizes:
    how = "xi (events) and either ni (total) or mi (non-events)"
    _need(code, given, ("xi",), how)
    if "ni" not in given and "mi" not in given:
        _need(code, given, ("ni",), how)
    arrays, k = _vectors(given, ("xi", "mi", "ni"), labels)
    labels = as_labels(labels, k)
    _check_counts(arrays, ("xi", "mi", "ni"), labels)
    x = arrays["xi"]
    m = _events_and_rest("xi", "mi", "ni", arrays, labels)
    _check_group_size("ni" if "ni" in arrays else "xi+mi", x + m, labels)
    vt = _vtypes(code, vtype, k)
    ni = x + m
    x, m = _add_cells([x, m], add, to, np.ones(k))
    n = x + m
    p = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if code == "PR":
            yi = p
            pw = _wmean(p, n)
            vi = np.select(
                [vt == "UB", vt == "AV"],
                [p * (1 - p) / (n - 1), np.full(k, pw * (1 - pw)) / n],
                p * (1 - p) / n,
            )
        elif code == "PLO":
            yi = np.log(p / (1 - p))
            pw = _wmean(p, n)
            vi = np.where(vt == "AV", 1 / (pw * n) + 1 / ((1 - pw) * n), 1 / x + 1 / m)
        elif code == "PAS":
            yi = np.arcsin(np.sqrt(p))
            vi = 1 / (4 * n)
        else:
            yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
            vi = 1 / (4 * n + 2)
    _check_result(
        code, yi, vi, labels,
        f"a proportion of 0 or 1 with add={add:g}, to={to!r}; use to='only0' with add > 0 "
        "(metafor default), or measure 'PFT'/'PAS'",
    )  # fmt: skip
    return EffectSizes(yi, vi, code, labels, ni)
