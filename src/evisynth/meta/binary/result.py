"""The result of :func:`~evisynth.meta.binary.rma_mh` and
:func:`~evisynth.meta.binary.rma_peto`: :class:`BinaryPoolResult`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._validation import FloatArray
from evisynth.meta.results import _fmt_p, _stars, pval_text

__all__ = ["BinaryPoolResult"]


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
