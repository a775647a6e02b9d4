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

The numerical functions ``mh_*`` and ``peto`` take counts of shape ``(..., k)``
and reduce over the last axis, so a whole batch of pooled analyses (leave-one-
out, bootstrap, simulation) is one call.

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

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from evisynth._validation import (
    FloatArray,
    _check_add_to,
    _two_by_two,
    as_labels,
    check_bool,
    check_choice,
    check_level,
    study_name,
)
from evisynth.effects import escalc
from evisynth.effects._common import _add_cells
from evisynth.errors import EvisynthWarning, InputError
from evisynth.meta.results import _fmt_p, _stars, pval_text

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

Array = NDArray[np.float64]


# ------------------------------------------------------------ batched numerics


@dataclass(frozen=True)
class MHArrays:
    """Mantel–Haenszel estimate (analysis scale) and its variance, shape ``(...)``.

    ``estimate`` is ``nan`` where it is undefined (OR: ``Σ a d / N`` or
    ``Σ b c / N`` is 0; RR: no events in one group across all tables).
    """

    estimate: Array
    var: Array


def mh_or(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """Log MH odds ratio with the Robins–Breslow–Greenland (1986) variance.

    ``OR = R / S`` with ``R = Σ a d / N``, ``S = Σ b c / N``; with
    ``P = (a + d)/N``, ``Q = (b + c)/N``:
    ``var(log OR) = Σ P R / (2 R²) + Σ (P S + Q R) / (2 R S) + Σ Q S / (2 S²)``.
    """
    N = a + b + c + d
    Ri, Si = a * d / N, b * c / N
    Pi, Qi = (a + d) / N, (b + c) / N
    R, S = Ri.sum(axis=-1), Si.sum(axis=-1)
    ok = (R > 0) & (S > 0)
    Rs, Ss = np.where(ok, R, 1.0), np.where(ok, S, 1.0)
    var = 0.5 * (
        (Pi * Ri).sum(axis=-1) / Rs**2
        + (Pi * Si + Qi * Ri).sum(axis=-1) / (Rs * Ss)
        + (Qi * Si).sum(axis=-1) / Ss**2
    )
    return MHArrays(np.where(ok, np.log(Rs / Ss), np.nan), np.where(ok, var, np.nan))


def mh_rr(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """Log MH risk ratio with the Greenland–Robins (1985) variance.

    ``RR = R / S`` with ``R = Σ a n2 / N``, ``S = Σ c n1 / N``;
    ``var(log RR) = Σ (n1 n2 (a + c) / N² - a c / N) / (R S)``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    R = (a * n2 / N).sum(axis=-1)
    S = (c * n1 / N).sum(axis=-1)
    ok = (a.sum(axis=-1) > 0) & (c.sum(axis=-1) > 0)
    Rs, Ss = np.where(ok, R, 1.0), np.where(ok, S, 1.0)
    var = ((n1 / N) * (n2 / N) * (a + c) - (a / N) * c).sum(axis=-1) / (Rs * Ss)
    return MHArrays(np.where(ok, np.log(Rs / Ss), np.nan), np.where(ok, var, np.nan))


def mh_rd(a: Array, b: Array, c: Array, d: Array) -> MHArrays:
    """MH risk difference with the Greenland–Robins (1985) variance.

    ``RD = Σ (a n2 - c n1) / N / W`` with ``W = Σ n1 n2 / N``;
    ``var = (RD Σ (c (n1/N)² - a (n2/N)² + (n1/N)(n2/N)(n2 - n1)/2)
    + Σ (a (n2 - c) + c (n1 - a)) / (2N)) / W²``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    W = (n1 * (n2 / N)).sum(axis=-1)
    rd = (a * (n2 / N) - c * (n1 / N)).sum(axis=-1) / W
    var = (
        rd
        * (c * (n1 / N) ** 2 - a * (n2 / N) ** 2 + (n1 / N) * (n2 / N) * (n2 - n1) / 2).sum(
            axis=-1
        )
        + (a * (n2 - c) / N + c * (n1 - a) / N).sum(axis=-1) / 2
    ) / W**2
    return MHArrays(rd, var)


@dataclass(frozen=True)
class CMHArrays:
    """Cochran–Mantel–Haenszel tests and Breslow–Day/Tarone heterogeneity tests.

    ``MH`` uses the hypergeometric variance (``N - 1``), ``CO`` (Cochran) the
    binomial one (``N``); both with df 1. ``BD``/``TA`` are computed over the
    ``k_pos`` tables with a positive fitted count and events and non-events
    (df ``k_pos - 1``).
    """

    MH: Array
    CO: Array
    BD: Array
    TA: Array
    k_pos: NDArray[np.int64]


def cmh_tests(
    a: Array, b: Array, c: Array, d: Array, log_or: Array, correct: bool = True
) -> CMHArrays:
    """CMH test of OR = 1 and the Breslow–Day/Tarone tests of a common OR.

    ``CMH = (|Σ (a - n1 m1/N)| - cc)² / Σ n1 n2 m1 m2 / (N² (N - 1))`` with
    ``m1 = a + c``, ``m2 = b + d`` and ``cc = 1/2`` when ``correct``. For
    Breslow–Day, ``A₁`` is the fitted count in cell ``a`` under the common MH
    odds ratio ψ (the root of the quadratic ``A(N - n1 - m1 + A) ψ⁻¹ =
    (n1 - A)(m1 - A)`` inside the table's margins), ``BD = Σ (a - A₁)² / V`` with
    ``1/V = 1/A₁ + 1/(n1 - A₁) + 1/(m1 - A₁) + 1/(N - n1 - m1 + A₁)``, and
    Tarone's correction ``TA = BD - (Σ (a - A₁))² / Σ V``.
    """
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    cc = 0.5 if correct else 0.0
    dev = np.abs((a - (n1 / N) * xt).sum(axis=-1)) - cc
    both = (xt.sum(axis=-1) > 0) & (yt.sum(axis=-1) > 0)
    CO = np.where(both, dev**2 / ((n1 / N) * (n2 / N) * (xt * (yt / N))).sum(axis=-1), np.nan)
    MH = np.where(
        both, dev**2 / ((n1 / N) * (n2 / N) * (xt * (yt / (N - 1)))).sum(axis=-1), np.nan
    )

    psi = np.exp(log_or)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        A = psi * (n1 + xt) + (n2 - xt)
        B = np.sqrt(A**2 - 4 * n1 * xt * psi * (psi - 1))
        N11 = np.where(psi == 1, (n1 / N) * xt, (A - B) / (2 * (psi - 1)))
        pos = (N11 > 0) & (xt > 0) & (yt > 0)
        N12, N21 = n1 - N11, xt - N11
        N22 = N11 - n1 - xt + N
        inv_v = 1 / N11 + 1 / N12 + 1 / N21 + 1 / N22
        BD = np.where(pos, (a - N11) ** 2 * inv_v, 0.0).sum(axis=-1)
        TA = BD - np.where(pos, a - N11, 0.0).sum(axis=-1) ** 2 / np.where(
            pos, 1 / inv_v, 0.0
        ).sum(axis=-1)
    defined = np.isfinite(log_or)
    return CMHArrays(
        MH=MH,
        CO=CO,
        BD=np.where(defined, np.maximum(BD, 0.0), np.nan),
        TA=np.where(defined, np.maximum(TA, 0.0), np.nan),
        k_pos=np.where(defined, pos.sum(axis=-1), 0),
    )


@dataclass(frozen=True)
class PetoArrays:
    """Peto's log odds ratio (``estimate``, ``var``) and its heterogeneity statistic.

    ``Q`` is computed over the ``k_pos`` tables with a positive hypergeometric
    variance.
    """

    estimate: Array
    var: Array
    Q: Array
    k_pos: NDArray[np.int64]


def peto_parts(a: Array, b: Array, c: Array, d: Array) -> tuple[Array, Array]:
    """Per table: observed minus expected events in group 1, ``O - E``, and the
    hypergeometric variance ``V = m1 m2 n1 n2 / (N² (N - 1))``."""
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    return a - xt * n1 / N, xt * yt * (n1 / N) * (n2 / N) / (N - 1)


def peto(a: Array, b: Array, c: Array, d: Array) -> PetoArrays:
    """Peto's one-step odds ratio (Yusuf et al. 1985).

    ``log OR = Σ (O - E) / Σ V``, ``var = 1 / Σ V``;
    ``Q = Σ (O - E)² / V - (Σ (O - E))² / Σ V`` over tables with ``V > 0``.
    ``estimate`` is ``nan`` where ``Σ V = 0``.
    """
    oe, V = peto_parts(a, b, c, d)
    sV = V.sum(axis=-1)
    ok = sV > 0
    sVs = np.where(ok, sV, 1.0)
    pos = V > 0
    Q = np.where(pos, oe**2 / np.where(pos, V, 1.0), 0.0).sum(axis=-1) - oe.sum(axis=-1) ** 2 / sVs
    return PetoArrays(
        estimate=np.where(ok, oe.sum(axis=-1) / sVs, np.nan),
        var=np.where(ok, 1 / sVs, np.nan),
        Q=np.where(ok, np.maximum(Q, 0.0), np.nan),
        k_pos=pos.sum(axis=-1),
    )


# ----------------------------------------------------------------------- result


@dataclass(frozen=True)
class BinaryPoolResult:
    """Result of :func:`rma_mh` or :func:`rma_peto` (an equal-effects model).

    ``estimate`` and its interval are on the analysis scale: log OR/RR, RD, or
    Peto's log OR; :meth:`exp` gives the ratio scale. ``Q``, ``I2``, ``H2`` are
    computed as in metafor from the ``k_yi`` studies that have ``yi``/``vi``
    (their total sample sizes are ``ni``, used by :func:`regtest`'s ``ni``-based
    predictors)
    (``Q`` around the pooled estimate with weights ``1/vi`` for MH; Peto's own
    ``Q`` for Peto); ``I2 = max(0, 100 (Q - df)/Q)``, ``H2 = Q/df``,
    ``df = k_yi - 1``. ``MH``/``CO`` (Cochran–Mantel–Haenszel with and without the
    ``N - 1`` variance), ``TA``/``BD`` (Tarone's and Breslow–Day tests of a common
    OR, df ``k_pos - 1``) exist for ``measure="OR"`` only; a p-value of the
    heterogeneity tests is ``None`` when ``k_pos < 2``.
    """

    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    Q: float
    Q_pval: float
    I2: float
    H2: float
    k: int
    k_yi: int
    measure: str
    pooling: str
    level: float
    MH: float | None = None
    MH_pval: float | None = None
    CO: float | None = None
    CO_pval: float | None = None
    TA: float | None = None
    TA_pval: float | None = None
    BD: float | None = None
    BD_pval: float | None = None
    k_pos: int | None = None
    correct: bool = True
    yi: FloatArray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    vi: FloatArray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    labels: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    ni: FloatArray | None = field(default=None, repr=False, compare=False)

    #: Equal-effects model: for regtest/ranktest these results behave like ``method="FE"``.
    method: str = "FE"
    test: str = "z"
    tau2: float = 0.0

    @property
    def stat(self) -> float:
        return self.zval

    @property
    def ratio_scale(self) -> bool:
        """``True`` for OR, RR and PETO (log scale; shown exponentiated)."""
        return self.measure != "RD"

    def exp(self) -> dict[str, float]:
        """Estimate and CI on the ratio scale (OR, RR, Peto OR)."""
        if not self.ratio_scale:
            raise AttributeError("exp() applies to OR, RR and PETO, not to the risk difference")
        return {
            "estimate": math.exp(self.estimate),
            "ci_lb": math.exp(self.ci_lb),
            "ci_ub": math.exp(self.ci_ub),
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        d: dict[str, Any] = {
            "estimate": self.estimate,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "Q": self.Q,
            "Q_pval": self.Q_pval,
            "I2": self.I2,
            "H2": self.H2,
            "k": self.k,
            "measure": self.measure,
        }
        if self.measure == "OR" and self.pooling == "MH":
            d.update(MH=self.MH, MH_pval=self.MH_pval, TA=self.TA, TA_pval=self.TA_pval)
        return d

    def _title(self) -> str:
        how = "Mantel-Haenszel" if self.pooling == "MH" else "Peto"
        return f"Equal-Effects Model, {how} method (k = {self.k})"

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.rma.mh``/``print.rma.peto``."""
        df = self.k_yi - 1
        lines = [
            self._title(),
            "",
            f"I^2 (total heterogeneity / total variability):  {self.I2:.2f}%",
            f"H^2 (total variability / sampling variability): {self.H2:.2f}",
            "",
            "Test for Heterogeneity:",
            f"Q(df = {df}) = {self.Q:.4f}, {pval_text(self.Q_pval)}",
            "",
            f"Model Results ({'log scale' if self.ratio_scale else 'risk difference'}):",
            "",
            f"{'estimate':>9s} {'se':>7s} {'zval':>8s} {'pval':>7s} {'ci.lb':>8s} {'ci.ub':>8s}",
            f"{self.estimate:9.4f} {self.se:7.4f} {self.zval:8.4f} {_fmt_p(self.pval):>7s} "
            f"{self.ci_lb:8.4f} {self.ci_ub:8.4f}  {_stars(self.pval)}",
        ]
        if self.ratio_scale:
            e = self.exp()
            name = "OR" if self.measure in ("OR", "PETO") else "RR"
            lines += [
                "",
                f"Model Results ({name} scale):",
                "",
                f"{'estimate':>9s} {'ci.lb':>8s} {'ci.ub':>8s}",
                f"{e['estimate']:9.4f} {e['ci_lb']:8.4f} {e['ci_ub']:8.4f}",
            ]
        if self.measure == "OR" and self.pooling == "MH":
            lines.append("")
            if self.MH is not None and self.MH_pval is not None:
                lines.append(
                    f"Cochran-Mantel-Haenszel Test:    CMH = {self.MH:.4f}, df = 1, "
                    f"{pval_text(self.MH_pval)}"
                )
            if self.TA is not None and self.TA_pval is not None and self.k_pos:
                lines.append(
                    f"Tarone's Test for Heterogeneity: X^2 = {self.TA:.4f}, "
                    f"df = {self.k_pos - 1}, {pval_text(self.TA_pval)}"
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> Any:
        """One row per study with ``yi``/``vi`` (pandas DataFrame indexed by ``label``).

        Columns ``yi, vi, sei, ci_lb, ci_ub`` (analysis scale; Wald interval at
        the model's level), ``weight`` (empty: Mantel-Haenszel and Peto weights
        are not inverse variances) and, for OR/RR/Peto, ``yi_natural,
        ci_lb_natural, ci_ub_natural`` on the ratio scale.

        Examples
        --------
        >>> import evisynth as ev
        >>> fit = ev.rma_mh(ai=[4, 6], bi=[96, 94], ci=[8, 9], di=[92, 91])
        >>> fit.to_frame().attrs["natural_scale"], len(fit.to_frame())
        ('OR', 2)
        """
        from evisynth.meta._scale import study_frame, study_rows

        labels = self.labels if self.labels is not None and len(self.labels) == len(self.yi) \
            else None
        return study_frame(study_rows(self.yi, self.vi, measure=self.measure,
                                      level=self.level, labels=labels))

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import pooled_html

        return pooled_html(self._title(), self.measure, self.to_dict(),
                           note=f"level {self.level:g}%")


# ---------------------------------------------------------------------- inputs


def _tables(
    given: dict[str, Any], labels: Any, fn: str, code: str
) -> tuple[Array, Array, Array, Array, tuple[str, ...] | None]:
    """Raw 2x2 counts ``a, b, c, d``, checked with escalc's count validators."""
    given = {n: v for n, v in given.items() if v is not None}
    return _two_by_two(code, given, as_labels(labels), empty=f"{fn}(): no tables: ai is empty")


def _warn_dropped(dropped: np.ndarray, labels: tuple[str, ...] | None, fn: str) -> None:
    if dropped.any():
        names = ", ".join(study_name(int(i), labels) for i in np.flatnonzero(dropped))
        warnings.warn(
            f"{fn}(drop00=True): {names} had no events (or only events) in both groups and "
            "were left out of the heterogeneity test (Q, I², H²); the pooled estimate uses "
            "every table, as in metafor",
            EvisynthWarning,
            stacklevel=3,
        )


def _heterogeneity(Q: float, k_yi: int, has_df: bool) -> tuple[float, float, float, float]:
    """``(Q, Q_pval, I2, H2)`` of an equal-effects model, metafor's convention."""
    if k_yi <= 1 or not has_df:
        return (Q if k_yi > 1 else 0.0), 1.0, 0.0, 1.0
    df = k_yi - 1
    I2 = max(0.0, 100 * (Q - df) / Q) if Q > 0 else 0.0
    return Q, float(stats.chi2.sf(Q, df)), I2, Q / df


def _z_parts(est: float, var: float, level: float) -> tuple[float, float, float, float, float]:
    se = math.sqrt(var)
    z = est / se
    crit = float(stats.norm.isf((1 - level / 100) / 2))
    return se, z, float(2 * stats.norm.sf(abs(z))), est - crit * se, est + crit * se


# --------------------------------------------------------------------- rma_mh


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


# ------------------------------------------------------------------- rma_peto


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
