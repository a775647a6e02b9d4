"""Batched numerics: every function takes ``(B, k)`` arrays (see DESIGN.md).

Pure numpy/scipy: no pandas, no files, no plots.
"""

from evisynth.engine._batch import WLS, Batch, make_batch, weights, wls
from evisynth.engine.bayes import BayesArrays, BayesGrid, bayes_batch, posterior_grid
from evisynth.engine.fit import TESTS, FitArrays, fit_batch
from evisynth.engine.qprofile import Tau2Interval, qprofile_tau2
from evisynth.engine.tau2 import (
    ITERATIVE,
    METHOD_ALIASES,
    METHODS,
    Tau2Estimate,
    estimate_tau2,
    generalised_q,
    log_likelihood,
    solve_q,
)

__all__ = [
    "ITERATIVE",
    "METHODS",
    "METHOD_ALIASES",
    "TESTS",
    "WLS",
    "Batch",
    "BayesArrays",
    "BayesGrid",
    "FitArrays",
    "Tau2Estimate",
    "Tau2Interval",
    "bayes_batch",
    "estimate_tau2",
    "fit_batch",
    "generalised_q",
    "log_likelihood",
    "make_batch",
    "posterior_grid",
    "qprofile_tau2",
    "solve_q",
    "weights",
    "wls",
]
