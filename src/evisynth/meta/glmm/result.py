"""The result of :func:`evisynth.rma_glmm`: :class:`GLMMResult`, in metafor's vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from evisynth._validation import FloatArray
from evisynth.meta.results import (
    _TestStatistic,
    coef_cells,
    coef_head,
    coef_table,
    estimate_values,
    exp_location,
    pval_text,
)

__all__ = ["GLMMResult"]


@dataclass(frozen=True)
class GLMMResult(_TestStatistic):
    """Result of :func:`rma_glmm`; field names follow metafor's ``rma.glmm`` object.

    ``estimate``, ``se``, ``stat``, ``pval``, ``ci_lb``, ``ci_ub`` describe the
    first coefficient (the pooled effect of an intercept-only model) on the
    analysis scale (logit, log odds ratio, log rate ratio); the full
    coefficient table is :meth:`coef`. ``QE_Wld``/``QE_LRT`` are metafor's
    Wald and likelihood-ratio tests of heterogeneity (``QE_df`` df). ``ll``
    is the maximised marginal log-likelihood (with the binomial/Poisson
    constants); ``deviance`` is metafor's ``dev`` (lme4's conditional
    deviance at the random-effect modes). ``flat`` is ``True`` when the data
    barely inform the pooled proportion (see ``notes``).
    """

    measure: str
    model: str
    method: str
    test: str
    level: float
    nAGQ: int
    coef_names: tuple[str, ...]
    beta: FloatArray = field(repr=False)
    vb: FloatArray = field(repr=False)
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    b_se: FloatArray = field(repr=False)
    b_stat: FloatArray = field(repr=False)
    b_pval: FloatArray = field(repr=False)
    b_ci_lb: FloatArray = field(repr=False)
    b_ci_ub: FloatArray = field(repr=False)
    tau2: float
    I2: float
    H2: float
    vt: float
    QE_Wld: float
    QE_Wld_pval: float
    QE_LRT: float
    QE_LRT_pval: float
    QE_df: int
    QM: float | None
    QM_df: int | None
    QM_pval: float | None
    pi_lb: float
    pi_ub: float
    ddf: float
    k: int
    p: int
    ll: float
    deviance: float
    converged: bool
    iterations: int
    flat: bool
    notes: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = field(default=None, repr=False)
    events: FloatArray | None = field(default=None, repr=False)
    totals: FloatArray | None = field(default=None, repr=False)
    dropped: tuple[int, ...] = field(default=(), repr=False)

    @property
    def stat_name(self) -> str:
        """``"zval"`` for the z test, ``"tval"`` for the t test."""
        return "zval" if self.test == "z" else "tval"

    def coef(self) -> list[dict[str, Any]]:
        """Coefficient table: one dict per coefficient (``name, estimate, se, stat, pval,
        ci_lb, ci_ub``)."""
        return coef_table(self.coef_names, self.beta, self.b_se, self.b_stat, self.b_pval,
                          self.b_ci_lb, self.b_ci_ub)

    def transf(self) -> dict[str, float]:
        """Estimate, CI and prediction interval on the natural scale of the measure.

        Proportions (``PLO``) are back-transformed with the inverse logit,
        ratios (``OR``, ``IRR``) with ``exp``. For models with moderators this
        is the first coefficient (the value at moderators 0).
        """
        f = special.expit if self.measure == "PLO" else np.exp
        return {
            key: float(f(getattr(self, key)))
            for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        }

    def exp(self) -> dict[str, float]:
        """Estimate, CI and PI exponentiated (odds or rate ratio; for PLO: odds)."""
        return exp_location(self)

    def expit(self) -> dict[str, float]:
        """Estimate, CI and PI through the inverse logit (proportions for ``PLO``)."""
        return {
            key: float(special.expit(getattr(self, key)))
            for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python values; the keys are part of the API."""
        d: dict[str, Any] = {
            "measure": self.measure,
            "model": self.model,
            "method": self.method,
            **estimate_values(self),
            "QE_Wld": self.QE_Wld,
            "QE_Wld_pval": self.QE_Wld_pval,
            "QE_LRT": self.QE_LRT,
            "QE_LRT_pval": self.QE_LRT_pval,
            "QE_df": self.QE_df,
            "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub,
            "k": self.k,
            "p": self.p,
            "ll": self.ll,
            "deviance": self.deviance,
            "nAGQ": self.nAGQ,
            "converged": self.converged,
            "iterations": self.iterations,
            "flat": self.flat,
            "notes": list(self.notes),
        }
        if self.p > 1:
            d["coef"] = self.coef()
            d["QM"] = self.QM
            d["QM_df"] = self.QM_df
            d["QM_pval"] = self.QM_pval
        return d

    def _title(self) -> str:
        kind = "Random-Effects" if self.method == "ML" else "Fixed-Effects"
        if self.p > 1:
            kind = "Mixed-Effects" if self.method == "ML" else "Fixed-Effects with Moderators"
        extra = f"; model: {self.model}" if self.measure != "PLO" else ""
        return f"{kind} Model (k = {self.k}; measure: {self.measure}{extra}; method: {self.method})"

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.rma.glmm``."""
        lines = [self._title(), ""]
        if self.method == "ML":
            lines += [
                f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f}",
                f"tau (square root of estimated tau^2 value):      {self.tau:.4f}",
                f"I^2 (total heterogeneity / total variability):   {self.I2:.2f}%",
                f"H^2 (total variability / sampling variability):  {self.H2:.2f}",
            ]
        lines += [
            "",
            "Tests for Heterogeneity:",
            f"Wld(df = {self.QE_df}) = {self.QE_Wld:.4f}, {pval_text(self.QE_Wld_pval)}",
            f"LRT(df = {self.QE_df}) = {self.QE_LRT:.4f}, {pval_text(self.QE_LRT_pval)}",
            "",
        ]
        if self.p > 1 and self.QM is not None and self.QM_pval is not None:
            if self.test == "z":
                lines.append(f"Test of Moderators: QM(df = {self.QM_df}) = {self.QM:.4f}, "
                             f"{pval_text(self.QM_pval)}")
            else:
                lines.append(f"Test of Moderators: F(df1 = {self.QM_df}, df2 = {int(self.ddf)}) "
                             f"= {self.QM:.4f}, {pval_text(self.QM_pval)}")
            lines.append("")
        lines += ["Model Results:", ""]
        width = max(len(n) for n in self.coef_names)
        lines.append(f"{'':{width}s} " + coef_head(self.stat_name, False))
        for c in self.coef():
            cells = coef_cells(c["estimate"], c["se"], c["stat"], c["pval"], c["ci_lb"],
                               c["ci_ub"])
            lines.append(f"{c['name']:{width}s} {cells}".rstrip())
        lines.append("")
        if self.p == 1:
            t = self.transf()
            scale = "proportion" if self.measure == "PLO" else f"ratio scale ({self.measure})"
            lines.append(
                f"On the {scale}: {t['estimate']:.4f} [{t['ci_lb']:.4f}, {t['ci_ub']:.4f}]; "
                f"{self.level:g}% prediction interval [{t['pi_lb']:.4f}, {t['pi_ub']:.4f}]"
            )
        lines.append(
            f"Maximum likelihood, {self.nAGQ}-point adaptive Gauss-Hermite quadrature"
            if self.nAGQ > 1
            else "Maximum likelihood, Laplace approximation"
        )
        lines.append(
            f"Newton-Raphson {'converged' if self.converged else 'DID NOT converge'} after "
            f"{self.iterations} iterations; log-likelihood {self.ll:.4f}"
        )
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> Any:
        """Coefficient table (pandas DataFrame indexed by coefficient ``name``).

        Columns ``estimate, se, stat, pval, ci_lb, ci_ub`` (analysis scale; the
        test statistic's kind is ``stat_name``) and ``estimate_natural,
        ci_lb_natural, ci_ub_natural``: the inverse logit (PLO) or exp (OR, IRR)
        of each coefficient (for slopes of a PLO model exp would be the odds
        ratio; the column is the natural scale of the intercept).

        Examples
        --------
        >>> import evisynth as ev
        >>> fit = ev.rma_glmm("PLO", xi=[3, 5, 9, 2], ni=[20, 25, 30, 18])
        >>> list(fit.to_frame().index), fit.to_frame().attrs["stat_name"]
        (['intrcpt'], 'zval')
        """
        import pandas as pd

        f = special.expit if self.measure == "PLO" else np.exp
        rows = self.coef()
        cols = ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub")
        data: dict[str, Any] = {c: [r[c] for r in rows] for c in cols}
        for c in ("estimate", "ci_lb", "ci_ub"):
            data[f"{c}_natural"] = [float(f(r[c])) for r in rows]
        frame = pd.DataFrame(data, index=pd.Index([r["name"] for r in rows], name="name"))
        frame.attrs["stat_name"] = self.stat_name
        frame.attrs["natural_scale"] = "proportion" if self.measure == "PLO" else self.measure
        return frame

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import LOCATION_KEYS, pooled_html

        d = {k: v for k, v in self.to_dict().items() if k != "coef"}
        loc = LOCATION_KEYS if self.p == 1 else ("estimate", "ci_lb", "ci_ub")
        return pooled_html(self._title(), self.measure, d, location=loc,
                           note=f"test: {self.test}; level {self.level:g}%"
                           + ("; first coefficient" if self.p > 1 else ""))

