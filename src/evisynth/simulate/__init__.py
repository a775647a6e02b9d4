"""Simulation studies of meta-analytic methods on the batched engine.

``simulate(design, methods, reps, seed)`` measures coverage, interval width,
bias, RMSE, tau² bias, rejection rate and convergence per design cell and
method; ``interval_check(fit)`` runs a design-matched simulation for one
meta-analysis (its own ``k`` and variances over a grid of tau). Local or on
dask.distributed, bit-identical either way.
"""

import sys
import types
from typing import Any

from evisynth.simulate import bayes as _bayes  # noqa: F401  (registers ("bayes", prior))
from evisynth.simulate.check import IntervalCheck, interval_check
from evisynth.simulate.design import (
    BLOCK,
    BinaryData,
    ContinuousData,
    FixedVariances,
    RandomVariances,
    SimDesign,
    SurvivalData,
)
from evisynth.simulate.methods import Method, parse_method, parse_methods, register_family
from evisynth.simulate.run import COLUMNS, simulate

__all__ = [
    "BLOCK",
    "COLUMNS",
    "BinaryData",
    "ContinuousData",
    "FixedVariances",
    "IntervalCheck",
    "Method",
    "RandomVariances",
    "SimDesign",
    "SurvivalData",
    "interval_check",
    "parse_method",
    "parse_methods",
    "register_family",
    "simulate",
]


class _CallableModule(types.ModuleType):
    """``evisynth.simulate`` is this package and, called, :func:`~evisynth.simulate.run.simulate`.

    ``ev.simulate(design, methods, reps, seed)`` is the public entry point, while
    ``import evisynth.simulate.config`` and ``ev.simulate.SimDesign`` must keep
    working: importing a submodule binds the package itself to ``evisynth.simulate``,
    so a plain function of that name would be replaced by the package.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
