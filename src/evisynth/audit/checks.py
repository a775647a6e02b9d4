"""Consistency checks of reported statistics, with tolerances from the printed digits.

Every check returns a :class:`Check`: the rule it applied, whether it passed, a
severity for a failure (``inconsistent``: the printed numbers cannot all be true;
``implausible``: they can, but only under an unusual reading; ``note``: a
model-based comparison with implied values), the tolerance it used and the spans
of the numbers involved.

Tolerances are never fixed epsilons: a printed ``0.55`` stands for ``[0.545, 0.555]``
(:mod:`evisynth.audit.numbers`), and a check fails only when *no* set of true values
inside those intervals satisfies the rule. For ratios the estimate, both confidence
bounds and the p-value are tested jointly: with ``m = log(ratio)`` and
``s = z_crit * se`` every rule is a linear inequality in ``(m, s)``, so "consistent
with rounding" is the non-emptiness of a small polygon, found exactly by enumerating
its vertices.

The rules live one family a module: :mod:`~evisynth.audit.rules` (:class:`Check`,
:data:`RULES`, :data:`SEVERITIES`), :mod:`~evisynth.audit.ratio_rules` (a ratio, its
CI and p), :mod:`~evisynth.audit.arm_rules` (percentages, counts and arms),
:mod:`~evisynth.audit.survival_rules` (hazard ratios against landmarks and medians);
the ICER checks are here. Every name stays importable from this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from evisynth.audit.arm_rules import (
    arm_granularity_check as arm_granularity_check,
)
from evisynth.audit.arm_rules import (
    arms_total_check,
    percent_count_check,
    two_arm_check,
)
from evisynth.audit.arm_rules import (
    reduction_check as reduction_check,
)
from evisynth.audit.numbers import Num
from evisynth.audit.ratio_rules import ratio_checks
from evisynth.audit.rules import (
    _EPS,
    RULES,
    SEVERITIES,
    Check,
    _g,
    _overlaps,
    _tol,
    make_check,
)
from evisynth.audit.rules import (
    TEST_Z_SLACK as TEST_Z_SLACK,
)
from evisynth.audit.survival_rules import (
    hr_landmark_check,
    hr_median_check,
)
from evisynth.audit.survival_rules import (
    median_gain_check as median_gain_check,
)

__all__ = [
    "RULES",
    "SEVERITIES",
    "Check",
    "arms_total_check",
    "hr_landmark_check",
    "hr_median_check",
    "icer_checks",
    "percent_count_check",
    "ratio_checks",
    "two_arm_check",
]


def icer_checks(
    icer: Num | None,
    cost: Num | None,
    qalys: Num | None,
    horizon_years: float | None,
    wording: str | None = None,
    spans: Sequence[tuple[int, int]] = (),
) -> list[Check]:
    """Check an ICER's wording, its arithmetic and the QALYs it needs within the horizon.

    Parameters
    ----------
    icer
        Cost per QALY gained, or ``None``.
    cost, qalys
        Incremental cost and incremental QALYs per patient, or ``None``.
    horizon_years
        Time horizon in years, or ``None`` (lifetime / not stated).
    wording
        The word after "per QALY" (``gained``, ``saved``...), if any.
    spans
        Spans of the ICER statement.

    Returns
    -------
    list of Check
        ``icer-wording``, ``icer-arithmetic``, ``icer-horizon`` as applicable.

    References
    ----------
    Drummond MF et al. Methods for the Economic Evaluation of Health Care Programmes,
    4th ed., OUP 2015, ch. 4 (ICER; one QALY is one year in full health).

    Examples
    --------
    >>> from evisynth.audit.numbers import parse_number as n
    >>> [c.passed for c in icer_checks(n("50,000"), n("100,000"), None, 1.0)]
    [False]
    """
    out: list[Check] = []
    if wording is not None:
        ok = wording != "saved"
        out.append(make_check(
            "icer-wording", ok, "note",
            "cost per QALY " + (wording if ok else "saved: QALYs are gained, not saved; "
                                "write 'per QALY gained'"),
            spans=spans,
        ))  # fmt: skip
    if icer is not None and cost is not None and qalys is not None and qalys.hi > 0:
        lo = cost.lo / qalys.hi
        hi = cost.hi / qalys.lo if qalys.lo > 0 else math.inf
        ok = _overlaps(lo, hi, icer.lo, icer.hi)
        out.append(make_check(
            "icer-arithmetic", ok, "inconsistent",
            f"incremental cost {cost.text} / {qalys.text} QALYs = {_g(lo)} to {_g(hi)} per QALY; "
            f"the stated ICER is {icer.text}",
            tolerance=_tol(("ICER", icer), ("cost", cost), ("QALYs", qalys)),
            nums=(icer, cost, qalys), spans=spans, implied=(("ICER", lo, hi),),
        ))  # fmt: skip
    if horizon_years is not None and horizon_years > 0:
        need: tuple[float, float] | None = None
        if qalys is not None:
            need = (qalys.lo, qalys.hi)
        elif icer is not None and cost is not None and icer.hi > 0:
            need = (cost.lo / icer.hi, cost.hi / icer.lo if icer.lo > 0 else math.inf)
        if need is not None:
            ok = need[0] <= horizon_years + _EPS
            out.append(make_check(
                "icer-horizon", ok, "inconsistent",
                f"{_g(need[0])} to {_g(need[1])} QALYs per patient are implied; a "
                f"{horizon_years:g}-year horizon allows at most {horizon_years:g}",
                nums=(icer, cost, qalys), spans=spans, implied=(("QALYs", need[0], need[1]),),
            ))  # fmt: skip
    return out
