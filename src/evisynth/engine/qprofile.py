"""Q-profile confidence interval for tau² (Viechtbauer 2007), batched.

The bounds solve ``Q(tau²) = chi²_{k-p; 1-α/2}`` (lower bound) and
``Q(tau²) = chi²_{k-p; α/2}`` (upper bound), where ``Q`` is the generalised Q
statistic with weights ``1/(vi + tau²)``. As in metafor (``confint.rma.uni``):
a bound whose equation has no root in ``[0, tau2_max]`` is set to the nearer end
of that interval, with ``tau2_max = max(100, 10 tau²_hat)``; if even ``Q(0)``
is below the lower-tail quantile, the interval is ``[0, 0]`` and flagged as the
null set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from evisynth.engine._batch import Array, Batch
from evisynth.engine.tau2 import solve_q


@dataclass(frozen=True)
class Tau2Interval:
    """Q-profile bounds of tau² per batch member.

    ``lb_at_limit``/``ub_at_limit`` mark bounds that sit at the search limits
    (0 or ``tau2_max``) because the equation had no root inside them; ``null_set``
    marks members whose whole interval is empty (``Q(0)`` below both quantiles).
    """

    lb: Array
    ub: Array
    lb_at_limit: np.ndarray
    ub_at_limit: np.ndarray
    null_set: np.ndarray
    tau2_max: Array


def qprofile_tau2(batch: Batch, tau2_hat: Array, level: float = 95.0) -> Tau2Interval:
    """Q-profile confidence interval for tau² (see module docstring)."""
    df = (batch.k - batch.p).astype(np.float64)
    alpha = 1.0 - level / 100.0
    crit_u = stats.chi2.isf(alpha / 2, df)  # upper quantile -> lower bound
    crit_l = stats.chi2.ppf(alpha / 2, df)  # lower quantile -> upper bound
    tau2_max = np.maximum(100.0, 10.0 * tau2_hat)
    lb, lb_found = solve_q(batch, crit_u, tau2_max)
    ub, ub_found = solve_q(batch, crit_l, tau2_max)
    null_set = (ub == 0.0) & (lb == 0.0)
    return Tau2Interval(
        lb=lb,
        ub=ub,
        lb_at_limit=(lb == 0.0) | ~lb_found,
        ub_at_limit=(ub == 0.0) | ~ub_found,
        null_set=null_set,
        tau2_max=tau2_max,
    )
