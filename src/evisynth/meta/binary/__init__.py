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
Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748.
Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel
variance consistent in both sparse data and large-strata limiting models.
Biometrics 42:311-323.
Greenland S, Robins JM (1985). Estimation of a common effect parameter from
sparse follow-up data. Biometrics 41:55-68.
Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and
after myocardial infarction. Prog Cardiovasc Dis 27:335-371.
Breslow NE, Day NE (1980). Statistical Methods in Cancer Research I. IARC.
Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
72:91-95.
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
