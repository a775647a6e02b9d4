"""The result of a meta-regression, :class:`MetaRegResult`, in metafor's vocabulary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evisynth._validation import FloatArray
from evisynth.meta.results import (
    coef_cells,
    coef_head,
    coef_table,
    pval_text,
    scoring_lines,
    test_lines,
)


@dataclass(frozen=True)
class MetaRegResult:
    """Result of :func:`evisynth.rma` with moderators (a mixed-effects meta-regression).

    Coefficient arrays are in the order of ``coef_names``; ``tau2``, ``I2``,
    ``H2`` describe *residual* heterogeneity; ``QE`` tests it. ``QM`` is the
    omnibus test of the coefficients ``btt`` (0-based): chi-square with
    ``QM_df`` df under ``test="z"``, otherwise an F statistic with
    ``(QM_df, QM_ddf)`` df. ``R2`` is metafor's pseudo-R² in percent (``None``
    without an intercept or without moderators).

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2, -0.5], vi=[0.33, 0.19, 0.42, 0.07, 0.1],
    ...              mods=[44, 55, 42, 13, 19])
    >>> fit.coef_names, [round(c["estimate"], 4) for c in fit.coef()]
    (('intrcpt', 'mods'), [0.1712, -0.0315])
    >>> round(fit.QM, 4), fit.to_dict()["QM_df"]
    (8.8636, [1, None])
    """

    coef_names: tuple[str, ...]
    estimate: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    vb: FloatArray = field(repr=False)
    QM: float
    QM_df: int
    QM_ddf: int | None
    QM_pval: float
    QE: float
    QE_pval: float
    tau2: float
    I2: float
    H2: float
    R2: float | None
    k: int
    p: int
    btt: tuple[int, ...]
    method: str
    test: str
    level: float
    ddf: float
    s2w: float
    vt: float
    converged: bool
    iterations: int
    intercept: bool
    yi: FloatArray = field(repr=False)
    vi: FloatArray = field(repr=False)
    X: FloatArray = field(repr=False)
    weights: FloatArray = field(repr=False)
    labels: tuple[str, ...] | None = field(default=None, repr=False)
    measure: str = "GEN"
    tol: float = field(default=1e-10, repr=False)
    maxiter: int = field(default=1000, repr=False)

    @property
    def stat_name(self) -> str:
        """``"zval"`` for the z test, ``"tval"`` for t-based tests."""
        return "zval" if self.test == "z" else "tval"

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def weights_percent(self) -> FloatArray:
        """Model weights of the studies in percent (metafor's ``weights()``)."""
        return 100.0 * self.weights / self.weights.sum()

    def coef(self) -> list[dict[str, Any]]:
        """Coefficient table: one dict per coefficient with ``name, estimate, se, stat, pval,
        ci_lb, ci_ub``."""
        return coef_table(self.coef_names, self.estimate, self.se, self.stat, self.pval,
                          self.ci_lb, self.ci_ub)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python result; the keys are part of the API.

        ``QM_df`` is metafor's ``QMdf`` pair: ``[m, None]`` for the chi-square
        test, ``[m, k - p]`` for the F test.
        """
        return {
            "coef": self.coef(),
            "QM": self.QM,
            "QM_df": [self.QM_df, self.QM_ddf],
            "QM_pval": self.QM_pval,
            "QE": self.QE,
            "QE_pval": self.QE_pval,
            "tau2": self.tau2,
            "I2": self.I2,
            "H2": self.H2,
            "R2": self.R2,
            "k": self.k,
            "p": self.p,
        }

    def to_frame(self) -> Any:
        """Coefficient table as a pandas DataFrame indexed by coefficient name."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "estimate": self.estimate,
                "se": self.se,
                self.stat_name: self.stat,
                "pval": self.pval,
                "ci_lb": self.ci_lb,
                "ci_ub": self.ci_ub,
            },
            index=pd.Index(list(self.coef_names), name="name"),
        )
        return frame

    def _title(self) -> str:
        if self.method == "FE":
            return f"Fixed-Effects with Moderators Model (k = {self.k})"
        return f"Mixed-Effects Model (k = {self.k}; tau^2 estimator: {self.method})"

    def _qm_line(self) -> str:
        p = self.QM_pval
        pv = pval_text(p)
        if self.test == "z":
            return f"QM(df = {self.QM_df}) = {self.QM:.4f}, {pv}"
        return f"F(df1 = {self.QM_df}, df2 = {self.QM_ddf}) = {self.QM:.4f}, {pv}"

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.rma.uni`` for mixed-effects models."""
        lines = [self._title(), ""]
        if self.method != "FE":
            lines += [
                f"tau^2 (estimated amount of residual heterogeneity):     {self.tau2:.4f}",
                f"tau (square root of estimated tau^2 value):             {self.tau:.4f}",
            ]
        lines += [
            f"I^2 (residual heterogeneity / unaccounted variability): {self.I2:.2f}%",
            f"H^2 (unaccounted variability / sampling variability):   {self.H2:.2f}",
        ]
        if self.R2 is not None:
            lines.append(f"R^2 (amount of heterogeneity accounted for):            {self.R2:.2f}%")
        qp = self.QE_pval
        lines += [
            "",
            "Test for Residual Heterogeneity:",
            f"QE(df = {self.k - self.p}) = {self.QE:.4f}, "
            + pval_text(qp),
            "",
            f"Test of Moderators (coefficient{'s' if len(self.btt) > 1 else ''} "
            f"{_ranges([b + 1 for b in self.btt])}):",
            self._qm_line(),
            "",
            "Model Results:",
            "",
        ]
        width = max(len(n) for n in self.coef_names)
        lines.append(f"{'':{width}s} " + coef_head(self.stat_name, self.test != "z"))
        ddf = None if self.test == "z" else self.ddf
        for c in self.coef():
            cells = coef_cells(c["estimate"], c["se"], c["stat"], c["pval"], c["ci_lb"],
                               c["ci_ub"], ddf)
            lines.append(f"{c['name']:{width}s} {cells}".rstrip())
        lines += ["", *test_lines(self.test, self.ddf)]
        lines += scoring_lines(self.method, self.converged, self.iterations)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from evisynth._html import Table, result_html
        from evisynth.meta._scale import LOG_SCALE, analysis_scale

        ratio = self.measure.upper() in LOG_SCALE
        header: tuple[str, ...] = ("", f"estimate ({analysis_scale(self.measure)})", "se",
                                   self.stat_name, "pval",
                                   "ci_lb", "ci_ub")
        if ratio:  # exp of a coefficient: a ratio (intercept) or a ratio of ratios (slope)
            header += ("exp(estimate)", "exp(ci_lb)", "exp(ci_ub)")
        rows = tuple(
            (c["name"], *(c[key] for key in ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub")),
             *((math.exp(c[key]) for key in ("estimate", "ci_lb", "ci_ub")) if ratio else ()))
            for c in self.coef()
        )
        het = (
            f"tau² = {self.tau2:.4g}, I² = {self.I2:.2f}%, H² = {self.H2:.3g}"
            + (f", R² = {self.R2:.2f}%" if self.R2 is not None else "")
            + f"; QE = {self.QE:.4g} (p = {self.QE_pval:.4g})"
        )
        return result_html(self._title(),
                           lines=[f"test: {self.test}; level {self.level:g}%", het,
                                  self._qm_line()],
                           tables=[Table(rows, header)])

def _ranges(idx: Sequence[int]) -> str:
    """``[2, 3, 4, 6]`` -> ``"2:4, 6"`` (metafor's way of naming the tested coefficients)."""
    parts: list[str] = []
    start = prev = idx[0]
    for i in [*idx[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start}" if start == prev else f"{start}:{prev}")
        if i is not None:
            start = prev = i
    return ", ".join(parts)
