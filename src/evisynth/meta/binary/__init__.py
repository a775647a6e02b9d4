"""Pooling 2x2 tables: Mantel–Haenszel (OR, RR, RD) and Peto's odds ratio.

Definitions follow R metafor 3.8-1 (``rma.mh``, ``rma.peto``), checked against it
in tests/reference/binary.R. Notation per study: ``a, b`` events and non-events
in group 1, ``c, d`` in group 2, ``n1 = a + b``, ``n2 = c + d``, ``N = n1 + n2``.

Zero cells, as metafor does it: the pooled Mantel–Haenszel/Peto estimate uses
the *raw* counts of every table (a table without events in either group simply
contributes nothing, except to the MH risk difference, where it has weight
``n1 n2 / N``). Only the study-level ``yi``/``vi`` that feed the test of
heterogeneity (``Q``, ``I²``, ``H²``) use ``add``/``to`` (default: 1/2 added
to every cell of tables with a zero cell) and ``drop00`` (default: tables with
no events, or only events, in both groups are left out of that test).

The numerical functions ``mh_*`` and ``peto`` (in :mod:`evisynth.engine.mh`,
re-exported here) take counts of shape ``(..., k)`` and reduce over the last
axis, so a whole batch of pooled analyses (leave-one-out, bootstrap, simulation)
is one call.

One module per part: the result (``result``: :class:`BinaryPoolResult`), what the
two analyses share (``_common``: reading the tables, the ``drop00`` warning,
heterogeneity and the z test), :func:`rma_mh` (``mh``) and :func:`rma_peto`
(``peto_or``: ``peto`` is the batched function re-exported here).

Where evisynth differs from metafor (on purpose): metafor returns ``NA`` for an
estimate that is undefined (e.g. no events in one arm across all tables for the
OR/RR) or for a study whose ``yi`` cannot be computed with the chosen
``add``/``to``; evisynth raises :class:`~evisynth.errors.InputError` naming the
problem (and the study).

References
----------
The formulas and their sources (Mantel and Haenszel 1959; Robins, Breslow and
Greenland 1986; Greenland and Robins 1985; Yusuf et al. 1985; Breslow and Day
1980; Tarone 1985) are listed in :mod:`evisynth.engine.mh`.
"""

from __future__ import annotations

from evisynth.engine.mh import (
    CMHArrays,
    MHArrays,
    PetoArrays,
    cmh_tests,
    mh_or,
    mh_rd,
    mh_rr,
    peto,
    peto_parts,
)
from evisynth.meta.binary.mh import rma_mh
from evisynth.meta.binary.peto_or import rma_peto
from evisynth.meta.binary.result import BinaryPoolResult

__all__ = [
    "BinaryPoolResult",
    "CMHArrays",
    "MHArrays",
    "PetoArrays",
    "cmh_tests",
    "mh_or",
    "mh_rd",
    "mh_rr",
    "peto",
    "peto_parts",
    "rma_mh",
    "rma_peto",
]
