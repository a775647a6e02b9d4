"""evisynth: clinical evidence synthesis on survival outcomes.

The public names are loaded on first use (PEP 562 ``__getattr__``), so that
``import evisynth`` costs almost nothing: matplotlib, pandas and scipy are imported
only by the functions that need them. ``__all__`` and ``dir(evisynth)`` list every
name; static type checkers see the imports under ``TYPE_CHECKING``. To export a
name, add its import to the ``TYPE_CHECKING`` block, its module to ``_EXPORTS``
and the name to ``__all__`` (tests/test_lazy_import.py checks that they agree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evisynth import transforms
    from evisynth.audit import AuditReport, audit
    from evisynth.clinic import (
        bsa,
        check_eligibility,
        follow_up_schedule,
        grade_crs,
        grade_icans,
        ice_score,
        lymphodepletion,
        tocilizumab_dose,
    )
    from evisynth.econ import (
        AdverseEvent,
        Arm,
        CEAResult,
        Param,
        PartitionedSurvival,
        SubsequentTherapy,
        parametric_curve,
    )
    from evisynth.effects import EffectSizes, escalc
    from evisynth.errors import ConvergenceError, EvisynthError, EvisynthWarning, InputError
    from evisynth.grade import rate_certainty, summary_of_findings
    from evisynth.meta import (
        BayesMetaResult,
        MetaRegResult,
        RMAResult,
        SubgroupResult,
        Tau2ConfInt,
        bayesmeta,
        cumulative,
        fsn,
        influence,
        leave_one_out,
        ranktest,
        regtest,
        rma_mh,
        rma_peto,
        trimfill,
    )
    from evisynth.meta.glmm import GLMMResult, rma_glmm
    from evisynth.meta.permutest import permutest
    from evisynth.meta.priors import (
        CustomPrior,
        ExponentialPrior,
        HalfCauchyPrior,
        HalfNormalPrior,
        HalfStudentTPrior,
        ImproperUniformPrior,
        LogNormalPrior,
        LomaxPrior,
        NormalEffectPrior,
        UniformPrior,
    )
    from evisynth.meta.proportions import ProportionCI, proportion_ci
    from evisynth.meta.rma import rma
    from evisynth.meta.subgroup import subgroup
    from evisynth.plots.forest import forest
    from evisynth.plots.funnel import funnel
    from evisynth.review import Review, ReviewError, load_review
    from evisynth.review.api import ReviewResults, review_format_doc, run_review
    from evisynth.simulate import SimDesign, simulate
    from evisynth.survival import (
        compare_arms,
        cox_ph,
        cox_zph,
        fit_parametric,
        fit_parametric_models,
        kaplan_meier,
        logrank_test,
        pool_trials,
        reconstruct_ipd,
    )

__version__ = "0.1.0"

#: Public name -> the module that defines it (a module itself where the name is one).
#: Names that are also submodules (``rma``, ``forest``, ...) point to their defining
#: module: under ``TYPE_CHECKING`` mypy would otherwise bind them to the submodule.
_EXPORTS: dict[str, str] = {
    "AdverseEvent": "evisynth.econ",
    "Arm": "evisynth.econ",
    "audit": "evisynth.audit",
    "AuditReport": "evisynth.audit",
    "bayesmeta": "evisynth.meta",
    "BayesMetaResult": "evisynth.meta",
    "bsa": "evisynth.clinic",
    "CEAResult": "evisynth.econ",
    "check_eligibility": "evisynth.clinic",
    "compare_arms": "evisynth.survival",
    "ConvergenceError": "evisynth.errors",
    "cox_ph": "evisynth.survival",
    "cox_zph": "evisynth.survival",
    "cumulative": "evisynth.meta",
    "CustomPrior": "evisynth.meta.priors",
    "EffectSizes": "evisynth.effects",
    "escalc": "evisynth.effects",
    "EvisynthError": "evisynth.errors",
    "EvisynthWarning": "evisynth.errors",
    "ExponentialPrior": "evisynth.meta.priors",
    "fit_parametric": "evisynth.survival",
    "fit_parametric_models": "evisynth.survival",
    "follow_up_schedule": "evisynth.clinic",
    "forest": "evisynth.plots.forest",
    "fsn": "evisynth.meta",
    "funnel": "evisynth.plots.funnel",
    "GLMMResult": "evisynth.meta.glmm",
    "grade_crs": "evisynth.clinic",
    "grade_icans": "evisynth.clinic",
    "HalfCauchyPrior": "evisynth.meta.priors",
    "HalfNormalPrior": "evisynth.meta.priors",
    "HalfStudentTPrior": "evisynth.meta.priors",
    "ice_score": "evisynth.clinic",
    "ImproperUniformPrior": "evisynth.meta.priors",
    "influence": "evisynth.meta",
    "InputError": "evisynth.errors",
    "kaplan_meier": "evisynth.survival",
    "leave_one_out": "evisynth.meta",
    "load_review": "evisynth.review",
    "LogNormalPrior": "evisynth.meta.priors",
    "logrank_test": "evisynth.survival",
    "LomaxPrior": "evisynth.meta.priors",
    "lymphodepletion": "evisynth.clinic",
    "MetaRegResult": "evisynth.meta",
    "NormalEffectPrior": "evisynth.meta.priors",
    "Param": "evisynth.econ",
    "parametric_curve": "evisynth.econ",
    "PartitionedSurvival": "evisynth.econ",
    "permutest": "evisynth.meta.permutest",
    "pool_trials": "evisynth.survival",
    "proportion_ci": "evisynth.meta.proportions",
    "ProportionCI": "evisynth.meta.proportions",
    "ranktest": "evisynth.meta",
    "rate_certainty": "evisynth.grade",
    "reconstruct_ipd": "evisynth.survival",
    "regtest": "evisynth.meta",
    "Review": "evisynth.review",
    "review_format_doc": "evisynth.review.api",
    "ReviewError": "evisynth.review",
    "ReviewResults": "evisynth.review.api",
    "rma": "evisynth.meta.rma",
    "rma_glmm": "evisynth.meta.glmm",
    "rma_mh": "evisynth.meta",
    "rma_peto": "evisynth.meta",
    "RMAResult": "evisynth.meta",
    "run_review": "evisynth.review.api",
    "SimDesign": "evisynth.simulate",
    "simulate": "evisynth.simulate",
    "subgroup": "evisynth.meta.subgroup",
    "SubgroupResult": "evisynth.meta",
    "SubsequentTherapy": "evisynth.econ",
    "summary_of_findings": "evisynth.grade",
    "Tau2ConfInt": "evisynth.meta",
    "tocilizumab_dose": "evisynth.clinic",
    "transforms": "evisynth.transforms",
    "trimfill": "evisynth.meta",
    "UniformPrior": "evisynth.meta.priors",
}
#: Names that are modules: ``transforms``; ``audit`` is the callable package
#: evisynth.audit (calling it runs audit.text.audit), so that
#: ``import evisynth.audit.checks`` is not shadowed by the function.
#: Names that are subpackages themselves: importing any of their submodules binds the
#: package to the name, so ``audit`` and ``simulate`` are callable modules (their
#: ``__call__`` is the function of the same name) rather than plain functions.
_SUBMODULES = frozenset({"transforms", "audit", "simulate"})

__all__ = [
    "AdverseEvent",
    "Arm",
    "AuditReport",
    "BayesMetaResult",
    "CEAResult",
    "ConvergenceError",
    "CustomPrior",
    "EffectSizes",
    "EvisynthError",
    "EvisynthWarning",
    "ExponentialPrior",
    "GLMMResult",
    "HalfCauchyPrior",
    "HalfNormalPrior",
    "HalfStudentTPrior",
    "ImproperUniformPrior",
    "InputError",
    "LogNormalPrior",
    "LomaxPrior",
    "MetaRegResult",
    "NormalEffectPrior",
    "Param",
    "PartitionedSurvival",
    "ProportionCI",
    "RMAResult",
    "Review",
    "ReviewError",
    "ReviewResults",
    "SimDesign",
    "SubgroupResult",
    "SubsequentTherapy",
    "Tau2ConfInt",
    "UniformPrior",
    "__version__",
    "audit",
    "bayesmeta",
    "bsa",
    "check_eligibility",
    "compare_arms",
    "cox_ph",
    "cox_zph",
    "cumulative",
    "escalc",
    "fit_parametric",
    "fit_parametric_models",
    "follow_up_schedule",
    "forest",
    "fsn",
    "funnel",
    "grade_crs",
    "grade_icans",
    "ice_score",
    "influence",
    "kaplan_meier",
    "leave_one_out",
    "load_review",
    "logrank_test",
    "lymphodepletion",
    "parametric_curve",
    "permutest",
    "pool_trials",
    "proportion_ci",
    "ranktest",
    "rate_certainty",
    "reconstruct_ipd",
    "regtest",
    "review_format_doc",
    "rma",
    "rma_glmm",
    "rma_mh",
    "rma_peto",
    "run_review",
    "simulate",
    "subgroup",
    "summary_of_findings",
    "tocilizumab_dose",
    "transforms",
    "trimfill",
]


def __getattr__(name: str) -> Any:
    """Import the module of a public name on first use and cache the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evisynth' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if name in _SUBMODULES else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

