"""User-facing meta-analyses built on :mod:`evisynth.engine`."""

from evisynth.meta.bayes import BayesMetaResult, bayesmeta
from evisynth.meta.bias import fsn, ranktest, regtest, trimfill
from evisynth.meta.binary import rma_mh, rma_peto
from evisynth.meta.metareg import MetaRegResult
from evisynth.meta.permutest import permutest
from evisynth.meta.results import RMAResult, Tau2ConfInt
from evisynth.meta.rma import rma
from evisynth.meta.sensitivity import cumulative, influence, leave_one_out
from evisynth.meta.subgroup import SubgroupResult, subgroup

__all__ = [
    "BayesMetaResult",
    "MetaRegResult",
    "RMAResult",
    "SubgroupResult",
    "Tau2ConfInt",
    "bayesmeta",
    "cumulative",
    "fsn",
    "influence",
    "leave_one_out",
    "permutest",
    "ranktest",
    "regtest",
    "rma",
    "rma_mh",
    "rma_peto",
    "subgroup",
    "trimfill",
]
