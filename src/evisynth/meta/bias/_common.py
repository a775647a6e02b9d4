"""Helpers shared by the small-study methods: fit inputs, the Cochrane low-power note."""

from __future__ import annotations

import math
import warnings
from dataclasses import fields
from typing import Any

import numpy as np

from evisynth._html import Table, result_html
from evisynth._validation import FloatArray
from evisynth.errors import EvisynthWarning, InputError

#: Fewer studies than this: the asymmetry tests carry a low-power warning.
MIN_STUDIES_FOR_POWER = 10


# ----------------------------------------------------------------- shared helpers


class _SmallStudyResult:
    """What the small-study results share: ``str()`` is the summary, a ``warning`` (the
    low-power note) ends the summary and the notebook HTML, which is the ``to_dict()``
    table under :meth:`_html_title`."""

    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        raise NotImplementedError

    def summary(self) -> str:
        """Text summary laid out like metafor's print method."""
        raise NotImplementedError

    def _html_title(self) -> str:
        raise NotImplementedError

    def _html_values(self) -> dict[str, Any]:
        return self.to_dict()

    def _note_lines(self) -> list[str]:
        return ["", f"Note: {self.warning}"] if self.warning else []

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html(self._html_title(), tables=[Table.of_mapping(self._html_values())],
                           note=self.warning)


def _field_dict(result: Any) -> dict[str, Any]:
    """Every field of a dataclass result, in declaration order (its ``to_dict()``)."""
    return {f.name: getattr(result, f.name) for f in fields(result)}


def _low_power(k: int, what: str, why: str | None = None) -> str | None:
    """The Cochrane low-power warning for ``k < 10`` (issued and returned), else ``None``."""
    if k >= MIN_STUDIES_FOR_POWER:
        return None
    why = why or "has too little power to distinguish chance from real asymmetry"
    msg = (
        f"only {k} studies: with fewer than {MIN_STUDIES_FOR_POWER} studies {what} {why} "
        "(Cochrane Handbook, section 10.4.3.1); interpret it with caution"
    )
    warnings.warn(msg, EvisynthWarning, stacklevel=3)
    return msg


def _fit_inputs(fit: Any, fn: str) -> tuple[FloatArray, FloatArray, str, str, float]:
    """``(yi, vi, method, test, level)`` of an intercept-only pooled result."""
    needed = ("yi", "vi", "method", "test", "level")
    if not all(hasattr(fit, a) for a in needed):
        raise InputError(
            f"{fn}(): argument 'fit': expected a result of evisynth.rma, rma_mh or rma_peto, "
            f"got {type(fit).__name__}",
            where="fit",
        )
    p = getattr(fit, "p", 1)
    # a meta-regression result holds a vector of coefficients, even when p = 1
    if (isinstance(p, int) and p > 1) or np.ndim(getattr(fit, "estimate", 0.0)) > 0:
        raise InputError(
            f"{fn}(): argument 'fit': the model has moderators; {fn} is defined here for "
            "models without moderators (refit with rma(es) and no mods)",
            where="fit",
        )
    yi = np.asarray(fit.yi, dtype=np.float64)
    vi = np.asarray(fit.vi, dtype=np.float64)
    return yi, vi, str(fit.method), str(fit.test), float(fit.level)


def _need_studies(k: int, fn: str, minimum: int = 3) -> None:
    if k < minimum:
        raise InputError(
            f"{fn}() needs at least {minimum} studies, got k = {k}", where="fit"
        )


def _p_text(p: float) -> str:
    return "p < .0001" if p < 1e-4 else f"p = {p:.4f}"


def _fmt(x: float | None, digits: int = 4) -> str:
    return "NA" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"
