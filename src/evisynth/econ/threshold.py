"""Threshold analysis: the value of one input at which an ICER equals the willingness to pay.

Solved by root finding (Brent) on the incremental net monetary benefit
``wtp x dQALY - dcost``, which is exact for inputs that enter linearly (e.g. a price).

References
----------
Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic
Evaluation. OUP, 2006, ch. 4 (threshold analysis).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scipy import optimize

from evisynth._validation import check_number
from evisynth.econ.params import Param
from evisynth.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from evisynth.econ.model import PartitionedSurvival

__all__ = ["solve_threshold"]


def solve_threshold(model: PartitionedSurvival, param: Param, intervention: str,
                    comparator: str, *, wtp: float, lo: float | None = None,
                    hi: float | None = None, method: str = "exact") -> float:
    """The threshold of :meth:`PartitionedSurvival.threshold
    <evisynth.econ.model.PartitionedSurvival.threshold>`, which documents the arguments."""
    if id(param) not in {id(p) for _, _, p in model.inputs()}:
        raise InputError(f"argument 'param': {param.label!r} is not an input of this model",
                         where="param")
    w = check_number("wtp", wtp, lo=0.0)

    def inmb(x: float) -> float:
        r = model.run(method, overrides={param: x})
        inc = r.incremental(intervention, comparator)
        return w * inc["inc_qaly"] - inc["inc_cost"]

    a = (param.low if param.low is not None else 0.0) if lo is None else lo
    b = (max(10 * abs(param.value), param.high or 0.0, 1.0)) if hi is None else hi
    fa, fb = inmb(a), inmb(b)
    if not fa * fb <= 0:
        raise InputError(
            f"threshold for {param.label!r}: the ICER does not reach {w:g} for values "
            f"between {a:g} and {b:g}; widen 'lo'/'hi'", where="param")
    return float(optimize.brentq(inmb, a, b, xtol=1e-10 * max(1.0, abs(param.value)),
                                 rtol=1e-14))
