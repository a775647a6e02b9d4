"""``rma_mh``: Mantel–Haenszel pooling of 2x2 tables (OR, RR, RD), metafor's ``rma.mh``."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from evisynth._validation import _check_add_to, check_bool, check_choice, check_level
from evisynth.effects import escalc
from evisynth.engine.mh import cmh_tests, mh_or, mh_rd, mh_rr
from evisynth.errors import InputError
from evisynth.meta.binary._common import _heterogeneity, _tables, _warn_dropped, _z_parts
from evisynth.meta.binary.result import BinaryPoolResult

__all__ = ["rma_mh"]

Array = NDArray[np.float64]


def rma_mh(
    measure: str = "OR",
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
    correct: bool = True,
) -> BinaryPoolResult:
    """Mantel–Haenszel pooling of 2x2 tables (metafor's ``rma.mh``).

    Estimates: :func:`mh_or` (Robins–Breslow–Greenland variance), :func:`mh_rr`
    and :func:`mh_rd` (Greenland–Robins variances), from the raw counts of all
    tables. The z test and CI are Wald-type on the analysis scale (log OR, log
    RR, RD). Heterogeneity: Cochran's ``Q = Σ (yᵢ - θ_MH)² / vᵢ`` over the
    study-level effects of :func:`evisynth.escalc` with ``add``/``to``/
    ``drop00`` (with ``add=0`` or ``to="none"``, studies whose uncorrected OR or
    RR is undefined are left out of it, as in metafor). For the OR also the
    Cochran–Mantel–Haenszel test and the Breslow–Day/Tarone tests (:func:`cmh_tests`).

    Parameters
    ----------
    measure
        ``"OR"`` (default), ``"RR"`` or ``"RD"``.
    ai, bi, ci, di
        Events and non-events in group 1 (``ai``, ``bi``) and group 2 (``ci``,
        ``di``); ``bi``/``di`` may be replaced by the group sizes ``n1i``/``n2i``.
    labels
        Study labels.
    add, to, drop00
        Zero-cell handling for the study-level ``yi``/``vi`` of the heterogeneity
        test only (metafor's defaults: add 1/2 to every cell of tables with a
        zero cell; leave tables with no events or only events in both groups
        out of that test).
    level
        Confidence level in percent.
    correct
        Continuity correction (1/2) in the CMH test.

    Returns
    -------
    BinaryPoolResult
        ``estimate, se, zval, pval, ci_lb, ci_ub, Q, Q_pval, I2, H2, k`` and,
        for the OR, ``MH, MH_pval, TA, TA_pval`` (plus ``CO``, ``BD``).

    Raises
    ------
    InputError
        Missing or inconsistent counts (negative, events above the group size,
        different lengths, NaN), an empty group, an unknown measure or ``to``,
        an undefined estimate (OR: no table with both ``a d > 0`` and
        ``b c > 0`` summed; RR: no events in one group), a risk difference
        without any events, or a study whose ``yi`` cannot be computed with the
        chosen ``add``/``to``.

    Warns
    -----
    EvisynthWarning
        Non-integer counts; tables left out of the heterogeneity test by
        ``drop00``.

    Examples
    --------
    >>> import evisynth as ev
    >>> res = ev.rma_mh("OR", ai=[4, 6, 3], bi=[119, 300, 228],
    ...                 ci=[11, 29, 11], di=[128, 274, 209])
    >>> round(res.exp()["estimate"], 4), round(res.MH, 4)
    (0.2433, 22.0398)
    """
    code = check_choice("measure", measure, ("OR", "RR", "RD"))
    a, b, c, d, lab = _tables(
        {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}, labels, "rma_mh", code
    )
    add_, to_ = _check_add_to(code, add, to)
    drop = check_bool("drop00", drop00)
    lv = check_level(level)
    corr = check_bool("correct", correct)
    k = len(a)

    A, Bc, C, D = (x[None, :] for x in (a, b, c, d))
    est = {"OR": mh_or, "RR": mh_rr, "RD": mh_rd}[code](A, Bc, C, D)
    theta, var = float(est.estimate[0]), float(est.var[0])
    if not math.isfinite(theta):
        why = (
            "the sums of a*d/N and b*c/N must both be positive"
            if code == "OR"
            else "both groups need at least one event across the tables"
        )
        raise InputError(
            f"rma_mh(): the Mantel-Haenszel {code} is undefined (0 or infinite) for these "
            f"tables: {why}",
            where="ai,ci",
        )
    if not var > 0:
        raise InputError(
            f"rma_mh(): the Mantel-Haenszel {code} has variance 0 (no events, or only "
            "events, in every table), so no test or interval exists",
            where="ai,ci",
        )
    se, z, p, lb, ub = _z_parts(theta, var, lv)

    # Without a correction (add=0 or to='none') metafor's study-level OR (any zero
    # cell) and RR (no events in a group) are NA: those studies are left out of Q
    # and k_yi, the pooled estimate above uses them all.
    use = np.ones(k, dtype=bool)
    if add_ == 0 or to_ == "none":
        if code == "OR":
            use = (a > 0) & (b > 0) & (c > 0) & (d > 0)
        elif code == "RR":
            use = (a > 0) & (c > 0)
    idx = np.flatnonzero(use)
    dropped = np.zeros(k, dtype=bool)
    if idx.size:
        sub = lab and tuple(lab[i] for i in idx)
        with warnings.catch_warnings(record=True):
            # escalc repeats the non-integer and drop00 warnings given here already
            warnings.simplefilter("always")
            es = escalc(code, ai=a[idx], bi=b[idx], ci=c[idx], di=d[idx], labels=sub,
                        add=add_, to=to_, drop00=drop)
        dropped[idx[list(es.dropped)]] = True
        yi, vi, labs, ni = es.yi, es.vi, es.labels, es.ni
    else:
        yi = vi = ni = np.empty(0)
        labs = () if lab else None
    _warn_dropped(dropped, lab, "rma_mh")
    Q = max(0.0, float(np.sum((yi - theta) ** 2 / vi)))
    Q, Q_p, I2, H2 = _heterogeneity(Q, len(yi), True)

    extra: dict[str, Any] = {}
    if code == "OR":
        t = cmh_tests(A, Bc, C, D, est.estimate, corr)
        kp = int(t.k_pos[0])

        def val(x: Array) -> float | None:
            return float(x[0]) if math.isfinite(x[0]) else None

        def pv(x: float | None, df: int) -> float | None:
            return float(stats.chi2.sf(x, df)) if x is not None and df >= 1 else None

        MH, CO, TA, BD = val(t.MH), val(t.CO), val(t.TA), val(t.BD)
        extra = dict(
            MH=MH, MH_pval=pv(MH, 1), CO=CO, CO_pval=pv(CO, 1),
            TA=TA, TA_pval=pv(TA, kp - 1), BD=BD, BD_pval=pv(BD, kp - 1), k_pos=kp,
        )  # fmt: skip
    return BinaryPoolResult(
        estimate=theta, se=se, zval=z, pval=p, ci_lb=lb, ci_ub=ub,
        Q=Q, Q_pval=Q_p, I2=I2, H2=H2, k=k, k_yi=len(yi), measure=code, pooling="MH",
        level=lv, correct=corr, yi=yi, vi=vi, labels=labs, ni=ni, **extra,
    )  # fmt: skip
