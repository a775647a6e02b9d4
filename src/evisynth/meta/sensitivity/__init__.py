"""Sensitivity analyses: leave-one-out, cumulative meta-analysis, influence diagnostics.

Each analysis is a batch of refits of the same model on subsets of the
studies, done in *one* engine call (``B`` = number of subsets, one mask per
row; see DESIGN.md), never a Python loop over refits.

Subset fits follow metafor's ``rma.uni`` rules: a subset with a single study
in an intercept-only model is fitted with ``tau² = 0`` and the z test (metafor
sets ``test="z"`` for ``k = 1``); a subset that cannot be fitted (fewer
studies than the model needs, a design that loses rank when a study is
removed, or an estimator that does not converge) gets NaN in its row and a
warning naming the studies concerned, where metafor silently gives ``NA``.

Influence diagnostics (Viechtbauer & Cheung 2010; metafor
``influence.rma.uni``), with ``(-i)`` marking the fit without study ``i``:

* ``rstudent``: ``(y_i - x_i b(-i)) / sqrt(s2w(-i) (v_i + tau²(-i)) + x_i V(-i) x_i')``,
  the externally standardised (deleted) residual;
* ``dffits``: ``(x_i b - x_i b(-i)) / sqrt(s2w(-i) h_i (tau²(-i) + v_i))``;
* ``cook_d``: ``(b - b(-i))' V^{-1} (b - b(-i))``;
* ``cov_r``: ``det V(-i) / det V``;
* ``dfbs_j``: ``(b_j - b_j(-i)) / sqrt(s2w(-i) [(X'W(-i)X)^{-1}]_jj)`` where
  ``W(-i) = diag(1/(v + tau²(-i)))`` over *all* k studies;
* ``hat``: diagonal of ``X (X'WX)^{-1} X'W``; ``weight``: ``100 w_i / Σ w``.

``V`` is the covariance of the coefficients (Knapp–Hartung scaled where the
test is ``knha``/``adhoc``); ``s2w`` the Knapp–Hartung scale (1 otherwise). A
study is flagged influential (``inf``) when any of ``|dffits| > 3 sqrt(p/(k-p))``,
``P(chi²_p <= cook_d) > 0.5``, ``hat > 3 p / k`` or ``|dfbs_j| > 1`` holds
(metafor's rule).
"""

from evisynth.meta.sensitivity.influence import InfluenceResult, influence
from evisynth.meta.sensitivity.series import (
    CumulativeResult,
    LeaveOneOutResult,
    cumulative,
    leave_one_out,
)
from evisynth.meta.sensitivity.subsets import SubsetFits, fit_subsets, loo_fits
from evisynth.meta.sensitivity.subsets import _loo_closed as _loo_closed
from evisynth.meta.sensitivity.subsets import _model as _model

__all__ = [
    "CumulativeResult",
    "InfluenceResult",
    "LeaveOneOutResult",
    "SubsetFits",
    "cumulative",
    "fit_subsets",
    "influence",
    "leave_one_out",
    "loo_fits",
]
