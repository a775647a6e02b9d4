"""Fail-safe N (metafor's ``fsn``): Rosenthal, Orwin and Rosenberg.

References
----------
Rosenthal R (1979). The "file drawer problem" and tolerance for null results.
Psychol Bull 86:638-641. Orwin RG (1983). A fail-safe N for effect size in
meta-analysis. J Educ Stat 8:157-159. Rosenberg MS (2005). The file-drawer
problem revisited. Evolution 59:464-468.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import (
    as_float_vector,
    check_choice,
    check_number,
)
from evisynth.effects import EffectSizes
from evisynth.errors import InputError
from evisynth.meta.bias._common import (
    _field_dict,
    _fmt,
    _low_power,
    _SmallStudyResult,
)
from evisynth.meta.results import _fmt_p
from evisynth.meta.rma import effect_inputs


@dataclass(frozen=True)
class FsnResult(_SmallStudyResult):
    """Result of :func:`fsn`: the fail-safe N.

    ``pval`` is the p-value of the combined test (Rosenthal: one-sided Stouffer;
    Rosenberg: two-sided fixed-effect z test; ``None`` for Orwin); ``meanes`` the
    mean effect (Orwin: unweighted or inverse-variance weighted; Rosenberg:
    fixed-effect estimate); ``target`` the effect size that Orwin's method aims at.
    """

    fsnum: int
    type: str
    alpha: float
    pval: float | None
    meanes: float | None
    target: float | None
    k: int
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary of all fields; the keys are part of the API."""
        return _field_dict(self)

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.fsn``."""
        approach = {
            "Rosenthal": "Rosenthal Approach",
            "Orwin": "Orwin Approach",
            "Rosenberg": "Rosenberg Approach",
        }[self.type]
        lines = [f"Fail-safe N Calculation Using the {approach}", ""]
        if self.type == "Rosenthal":
            lines += [
                f"Observed Significance Level: {_fmt_p(self.pval or 0.0)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        elif self.type == "Orwin":
            lines += [
                f"Average Effect Size: {_fmt(self.meanes)}",
                f"Target Effect Size:  {_fmt(self.target)}",
            ]
        else:
            lines += [
                f"Average Effect Size:         {_fmt(self.meanes)}",
                f"Observed Significance Level: {_fmt_p(self.pval or 0.0)}",
                f"Target Significance Level:   {self.alpha:g}",
            ]
        lines += ["", f"Fail-safe N: {self.fsnum}", *self._note_lines()]
        return "\n".join(lines)

    def _html_title(self) -> str:
        return f"Fail-safe N ({self.type})"


def _ceil_count(x: float) -> int:
    """metafor's rounding of the fail-safe N: up, unless within sqrt(eps) of an integer."""
    if abs(x - round(x)) >= math.sqrt(np.finfo(np.float64).eps):
        return math.ceil(x)
    return round(x)


def fsn(
    es: EffectSizes | None = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    type: str = "Rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
    weighted: bool = False,
) -> FsnResult:
    """Fail-safe N: how many null studies would overturn the result (metafor's ``fsn``).

    * ``Rosenthal`` (1979): with ``zᵢ = yᵢ/sqrt(vᵢ)`` and the Stouffer statistic
      ``Z = |Σzᵢ| / sqrt(k)``, the number of studies averaging ``z = 0`` that
      brings the one-sided Stouffer p-value to ``alpha``:
      ``N = max(0, k (Z / z₁₋α)² - k)``.
    * ``Orwin`` (1983): the number of studies with effect 0 that brings the
      (unweighted, or with ``weighted=True`` inverse-variance weighted) mean
      effect ``ȳ`` down to ``target`` (default ``ȳ/2``): ``N = max(0, k (ȳ -
      target) / target)``; ``target`` takes the sign of ``ȳ``.
    * ``Rosenberg`` (2005): the number of studies with effect 0 and average
      weight that makes the two-sided fixed-effect z test non-significant:
      ``N = max(0, k ((Σwᵢyᵢ / z₁₋α/₂)² - Σwᵢ) / Σwᵢ)``.

    ``N`` is rounded up to a whole number of studies (unless within
    ``sqrt(eps)`` of an integer), as in metafor.

    Parameters
    ----------
    es
        Effect sizes; alternatively ``yi`` with ``vi`` or ``sei``.
    yi, vi, sei
        Estimates and their variances or standard errors (not needed for the
        unweighted Orwin method, where only ``yi`` is used).
    type
        ``"Rosenthal"`` (default), ``"Orwin"`` or ``"Rosenberg"``.
    alpha
        Target significance level (Rosenthal, Rosenberg).
    target
        Target average effect (Orwin); must not be 0.
    weighted
        Orwin only: inverse-variance weighted mean effect.

    Returns
    -------
    FsnResult
        ``fsnum``, ``type`` and the quantities it was computed from.

    Raises
    ------
    InputError
        Bad effect sizes or variances, unknown type, ``alpha`` outside (0, 1),
        ``target = 0`` (no finite number of null studies reaches it), a mean
        effect of exactly 0 for Orwin.

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies. Note that the Cochrane Handbook (section
        10.4.3.1) advises against fail-safe N altogether: it ignores
        the possibility that missing studies report effects opposite to
        the observed ones.

    Examples
    --------
    >>> import evisynth as ev
    >>> ev.fsn(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...        vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05]).fsnum
    95
    """
    type_ = check_choice("type", type, ("Rosenthal", "Orwin", "Rosenberg"))
    a = check_number("alpha", alpha, lo=0, hi=1)
    if not 0 < a < 1:
        raise InputError(
            f"argument 'alpha': {alpha!r} must lie strictly between 0 and 1 (e.g. 0.05)",
            where="alpha",
        )
    needs_vi = type_ != "Orwin" or weighted
    if needs_vi or es is not None:
        y, v, _, _ = effect_inputs(es, yi, vi, sei, None)
    else:
        if yi is None:
            raise InputError("missing effect sizes: pass an EffectSizes or yi=", where="yi")
        y = as_float_vector("yi", yi)
        v = np.ones_like(y)
    k = len(y)
    if k < 1:
        raise InputError("no studies: yi is empty", where="yi")

    pval: float | None = None
    meanes: float | None = None
    target_used: float | None = None
    if type_ == "Rosenthal":
        z_avg = abs(float(np.sum(y / np.sqrt(v)))) / math.sqrt(k)
        pval = float(stats.norm.sf(z_avg))
        n = max(0.0, k * (z_avg / stats.norm.isf(a)) ** 2 - k)
    elif type_ == "Orwin":
        w = 1 / v if weighted else np.ones(k)
        meanes = float(np.sum(w * y) / np.sum(w))
        if meanes == 0:
            raise InputError(
                "fsn(type='Orwin'): the mean effect is exactly 0, so there is nothing for "
                "null studies to reduce",
                where="yi",
            )
        tg = meanes / 2 if target is None else check_number("target", target)
        if tg == 0:
            raise InputError(
                "argument 'target': 0 cannot be reached by adding any finite number of null "
                "studies; give a non-zero target effect (default: half the mean effect)",
                where="target",
            )
        if math.copysign(1, tg) != math.copysign(1, meanes):
            tg = -tg
        target_used = tg
        n = max(0.0, k * (meanes - tg) / tg)
    else:
        w = 1 / v
        sw = float(np.sum(w))
        meanes = float(np.sum(w * y) / sw)
        pval = float(2 * stats.norm.sf(abs(meanes * math.sqrt(sw))))
        w_p = (float(np.sum(w * y)) / stats.norm.isf(a / 2)) ** 2 - sw
        n = max(0.0, k * w_p / sw)
    return FsnResult(
        fsnum=_ceil_count(n),
        type=type_,
        alpha=a,
        pval=pval,
        meanes=meanes,
        target=target_used,
        k=k,
        warning=_low_power(
            k,
            "the fail-safe N",
            "is unstable, and the tests for funnel plot asymmetry it stands in for have too "
            "little power",
        ),
    )
