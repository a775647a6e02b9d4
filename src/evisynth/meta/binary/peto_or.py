"""``rma_peto``: Peto's one-step odds ratio for 2x2 tables, metafor's ``rma.peto``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from evisynth._validation import _check_add_to, check_bool, check_level, study_name
from evisynth.effects._common import _add_cells
from evisynth.engine.mh import peto, peto_parts
from evisynth.errors import InputError
from evisynth.meta.binary._common import _heterogeneity, _tables, _warn_dropped, _z_parts
from evisynth.meta.binary.result import BinaryPoolResult

__all__ = ["rma_peto"]


def rma_peto(
    *,
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    labels: Any = None,
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = True,
    level: float = 95,
) -> BinaryPoolResult:
    """Peto's one-step odds ratio for 2x2 tables (metafor's ``rma.peto``).

    ``log OR = Σ (O - E) / Σ V`` over the raw counts of all tables (see
    :func:`peto`), Wald z test and CI with ``var = 1 / Σ V``. Heterogeneity:
    Peto's ``Q = Σ (O - E)²/V - (Σ (O - E))² / Σ V`` over tables with ``V > 0``,
    with ``k_yi - 1`` degrees of freedom, where ``k_yi`` counts the studies with
    a study-level Peto ``yᵢ = (O - E)/V``, ``vᵢ = 1/V`` computed with
    ``add``/``to``/``drop00`` (metafor's escalc ``"PETO"``).

    Parameters
    ----------
    ai, bi, ci, di, n1i, n2i, labels, add, to, drop00, level
        As for :func:`rma_mh`.

    Returns
    -------
    BinaryPoolResult
        ``measure="PETO"``; ``yi``/``vi`` are the study-level Peto log odds
        ratios and variances.

    Raises
    ------
    InputError
        Bad counts (as :func:`rma_mh`), one of the two outcomes never occurring in
        any table (``Σ V = 0``), or a study whose ``yi`` cannot be computed with
        the chosen ``add``/``to``.

    Warns
    -----
    EvisynthWarning
        Non-integer counts; tables left out of the heterogeneity test by ``drop00``.

    Examples
    --------
    >>> import evisynth as ev
    >>> res = ev.rma_peto(ai=[4, 6, 3], bi=[119, 300, 228], ci=[11, 29, 11], di=[128, 274, 209])
    >>> round(res.exp()["estimate"], 4)
    0.2902
    """
    a, b, c, d, lab = _tables(
        {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}, labels, "rma_peto", "PETO"
    )
    add_, to_ = _check_add_to("OR", add, to)
    drop = check_bool("drop00", drop00)
    lv = check_level(level)
    k = len(a)

    res = peto(*(x[None, :] for x in (a, b, c, d)))
    theta = float(res.estimate[0])
    if not math.isfinite(theta):
        raise InputError(
            "rma_peto(): one of the two outcomes never occurs in any table (every "
            "hypergeometric variance is 0), so Peto's method cannot be used",
            where="ai,ci",
        )
    se, z, p, lb, ub = _z_parts(theta, float(res.var[0]), lv)

    keep = np.ones(k, dtype=bool)
    if drop:
        keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
    _warn_dropped(~keep, lab, "rma_peto")
    adj = _add_cells([a, b, c, d], add_, to_, keep)
    oe, V = peto_parts(*(x[keep] for x in adj))
    kept_lab = tuple(x for x, kk in zip(lab, keep, strict=True) if kk) if lab else None
    if (V <= 0).any():
        i = int(np.flatnonzero(keep)[np.flatnonzero(V <= 0)[0]])
        raise InputError(
            f"rma_peto(), {study_name(i, lab)}: its Peto log odds ratio cannot be computed "
            f"with add={add_:g}, to={to_!r} (no events, or only events, in both groups); use "
            "to='only0' with add > 0, or drop00=True",
            where="to",
        )
    yi, vi = oe / V, 1 / V
    Q, Q_p, I2, H2 = _heterogeneity(float(res.Q[0]), len(yi), int(res.k_pos[0]) > 1)
    return BinaryPoolResult(
        estimate=theta, se=se, zval=z, pval=p, ci_lb=lb, ci_ub=ub,
        Q=Q, Q_pval=Q_p, I2=I2, H2=H2, k=k, k_yi=len(yi), measure="PETO",
        pooling="Peto", level=lv, k_pos=int(res.k_pos[0]), yi=yi, vi=vi, labels=kept_lab,
        ni=(a + b + c + d)[keep],
    )  # fmt: skip
