"""User-facing meta-analyses built on :mod:`evisynth.engine`."""

from evisynth.meta.bias import fsn, ranktest, regtest, trimfill
from evisynth.meta.binary import rma_mh, rma_peto
from evisynth.meta.metareg import MetaRegResult
from evisynth.meta.permutest import permutest
from evisynth.meta.sensitivity import cumulative, influence, leave_one_out
from evisynth.meta.subgroup import SubgroupResult, subgroup
from evisynth.meta.results import RMAResult, Tau2ConfInt
from evisynth.meta.rma import rma

__all__ = [
    "MetaRegResult",
    "permutest",
    "SubgroupResult",
    "subgroup",
    "cumulative",
    "influence",
    "leave_one_out",
    "RMAResult",
    "Tau2ConfInt",
    "fsn",
    "ranktest",
    "regtest",
    "rma",
    "rma_mh",
    "rma_peto",
    "trimfill",
]
