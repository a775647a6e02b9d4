"""Result objects of the pooling functions: small, frozen, with named fields."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._validation import FloatArray

#: Measures analysed on the log scale; their pooled results are shown exponentiated too.
LOG_MEASURES = frozenset({"RR", "OR", "HR", "IRR", "ROM", "PETO", "MH"})

_MODEL_NAMES = {"FE": "Fixed-Effects Model"}


def _fmt_p(p: float) -> str:
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def pval_text(p: float) -> str:
    """metafor's wording of a test's p-value: ``p-val < .0001`` or ``p-val = 0.0123``."""
    return "p-val < .0001" if p < 1e-4 else f"p-val = {p:.4f}"


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


# -- pieces of metafor's printed model results, shared by the result classes ---------
def coef_head(stat: str, df: bool) -> str:
    """Column heads of metafor's coefficient table (``estimate se zval [df] pval ci.lb ci.ub``)."""
    head = f"{'estimate':>9s} {'se':>7s} {stat:>8s} "
    if df:
        head += f"{'df':>4s} "
    return head + f"{'pval':>7s} {'ci.lb':>8s} {'ci.ub':>8s}"


def coef_cells(
    estimate: float, se: float, stat: float, pval: float, ci_lb: float, ci_ub: float,
    ddf: float | None = None,
) -> str:
    """One row of that table without its name: the numbers, then metafor's significance stars."""
    row = f"{estimate:9.4f} {se:7.4f} {stat:8.4f} "
    if ddf is not None:
        row += f"{int(ddf):4d} "
    return row + f"{_fmt_p(pval):>7s} {ci_lb:8.4f} {ci_ub:8.4f}  {_stars(pval)}"


def test_lines(test: str, ddf: float) -> list[str]:
    """The line naming a t-based test and its df (none for the z test)."""
    if test in ("knha", "adhoc"):
        return [
            "Test: Hartung-Knapp-Sidik-Jonkman"
            + (" with the ad hoc max(1, q) correction" if test == "adhoc" else "")
            + f" (t with {int(ddf)} df)"
        ]
    if test == "t":
        return [f"Test: t distribution with {int(ddf)} df"]
    return []


def scoring_lines(method: str, converged: bool, iterations: int) -> list[str]:
    """The line on Fisher scoring for the iterative tau² estimators (none otherwise)."""
    if method in ("ML", "REML", "EB"):
        return [f"Fisher scoring {'converged' if converged else 'DID NOT converge'} "
                f"after {iterations} iterations."]
    return []


def coef_table(names: Any, estimate: Any, se: Any, stat: Any, pval: Any, ci_lb: Any,
               ci_ub: Any) -> list[dict[str, Any]]:
    """One dict per coefficient: ``name, estimate, se, stat, pval, ci_lb, ci_ub``."""
    return [
        {
            "name": n,
            "estimate": float(estimate[j]),
            "se": float(se[j]),
            "stat": float(stat[j]),
            "pval": float(pval[j]),
            "ci_lb": float(ci_lb[j]),
            "ci_ub": float(ci_ub[j]),
        }
        for j, n in enumerate(names)
    ]


def estimate_values(result: Any) -> dict[str, Any]:
    """The head of a pooled result's ``to_dict()``: the estimate, its test (keyed by
    ``stat_name``) and interval, then ``tau2, I2, H2``."""
    r = result
    return {"estimate": r.estimate, "se": r.se, r.stat_name: r.stat, "pval": r.pval,
            "ci_lb": r.ci_lb, "ci_ub": r.ci_ub, "tau2": r.tau2, "I2": r.I2, "H2": r.H2}


def exp_location(result: Any) -> dict[str, float]:
    """``estimate, ci_lb, ci_ub, pi_lb, pi_ub`` of a pooled result, exponentiated."""
    return {key: math.exp(getattr(result, key))
            for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")}


@dataclass(frozen=True)
class Tau2ConfInt:
    """Confidence intervals for tau², tau, I² and H² (Q-profile method, Viechtbauer 2007).

    ``lb_at_limit``/``ub_at_limit`` are ``True`` where a bound could not be
    solved for inside ``[0, tau2_max]`` and sits at that limit (metafor prints it
    with ``<``/``>``); ``null_set`` means the interval is empty.
    """

    level: float
    tau2: float
    tau2_lb: float
    tau2_ub: float
    I2: float
    I2_lb: float
    I2_ub: float
    H2: float
    H2_lb: float
    H2_ub: float
    lb_at_limit: bool
    ub_at_limit: bool
    null_set: bool

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def tau_lb(self) -> float:
        return math.sqrt(self.tau2_lb)

    @property
    def tau_ub(self) -> float:
        return math.sqrt(self.tau2_ub)

    def to_dict(self) -> dict[str, float | bool]:
        """Plain-Python dictionary of all bounds."""
        return {
            "level": self.level,
            "tau2": self.tau2,
            "tau2_lb": self.tau2_lb,
            "tau2_ub": self.tau2_ub,
            "tau": self.tau,
            "tau_lb": self.tau_lb,
            "tau_ub": self.tau_ub,
            "I2": self.I2,
            "I2_lb": self.I2_lb,
            "I2_ub": self.I2_ub,
            "H2": self.H2,
            "H2_lb": self.H2_lb,
            "H2_ub": self.H2_ub,
            "lb_at_limit": self.lb_at_limit,
            "ub_at_limit": self.ub_at_limit,
            "null_set": self.null_set,
        }

    def to_frame(self) -> Any:
        """The table of ``__str__`` as a pandas DataFrame (as metafor's ``confint``).

        Index ``tau2, tau, I2, H2``; columns ``estimate, ci_lb, ci_ub``.

        Examples
        --------
        >>> import evisynth as ev
        >>> ci = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07]).confint()
        >>> bool(ci.to_frame().loc["tau", "estimate"] == ci.tau)
        True
        """
        import pandas as pd

        rows = {"tau2": (self.tau2, self.tau2_lb, self.tau2_ub),
                "tau": (self.tau, self.tau_lb, self.tau_ub),
                "I2": (self.I2, self.I2_lb, self.I2_ub),
                "H2": (self.H2, self.H2_lb, self.H2_ub)}
        return pd.DataFrame.from_dict(rows, orient="index",
                                      columns=["estimate", "ci_lb", "ci_ub"])

    def __str__(self) -> str:
        rows = [
            ("tau^2", self.tau2, self.tau2_lb, self.tau2_ub),
            ("tau", self.tau, self.tau_lb, self.tau_ub),
            ("I^2(%)", self.I2, self.I2_lb, self.I2_ub),
            ("H^2", self.H2, self.H2_lb, self.H2_ub),
        ]
        lines = [f"{'':8s} {'estimate':>9s} {'ci.lb':>9s} {'ci.ub':>9s}"]
        lines += [f"{n:8s} {e:9.4f} {lb:9.4f} {ub:9.4f}" for n, e, lb, ub in rows]
        if self.null_set:
            lines.append("(the confidence interval for tau^2 is the null set)")
        return "\n".join(lines)


class _TestStatistic:
    """metafor's names for one test statistic (``zval`` or ``tval``) and for ``tau``.

    Shared by the pooled-result classes, which carry ``test``, ``stat`` and ``tau2``.
    """

    test: str
    stat: float
    tau2: float

    @property
    def zval(self) -> float:
        """Test statistic of a z test."""
        if self.test != "z":
            raise AttributeError(f"zval is not defined for test={self.test!r}; use tval")
        return self.stat

    @property
    def tval(self) -> float:
        """Test statistic of a t-based test (``t``, ``knha``, ``adhoc``)."""
        if self.test == "z":
            raise AttributeError("tval is not defined for test='z'; use zval")
        return self.stat

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)


@dataclass(frozen=True)
class RMAResult(_TestStatistic):
    """Result of :func:`evisynth.rma` for an intercept-only (random- or fixed-effects) model.

    Field names follow metafor. ``estimate`` and its interval are on the
    analysis scale (e.g. log hazard ratio); :meth:`exp` or ``transf`` in
    :meth:`summary` give the ratio scale. ``I2`` is a percentage.
    """

    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    I2: float
    H2: float
    Q: float
    Q_pval: float
    pi_lb: float
    pi_ub: float
    k: int
    method: str
    test: str
    level: float
    ddf: float
    s2w: float
    vt: float
    converged: bool
    iterations: int
    yi: FloatArray = field(repr=False)
    vi: FloatArray = field(repr=False)
    weights: FloatArray = field(repr=False)
    labels: tuple[str, ...] | None = field(default=None, repr=False)
    measure: str = "GEN"

    # -- metafor-style accessors -------------------------------------------------
    @property
    def stat_name(self) -> str:
        """``"zval"`` for the z test, ``"tval"`` for t-based tests."""
        return "zval" if self.test == "z" else "tval"

    @property
    def weights_percent(self) -> FloatArray:
        """Model weights of the studies in percent (metafor's ``weights()``)."""
        return 100.0 * self.weights / self.weights.sum()

    def confidence_interval(self) -> tuple[float, float]:
        """``(ci_lb, ci_ub)`` of the pooled estimate."""
        return (self.ci_lb, self.ci_ub)

    def prediction_interval(self) -> tuple[float, float]:
        """``(pi_lb, pi_ub)``: where the true effect of a new study is expected to lie."""
        return (self.pi_lb, self.pi_ub)

    def exp(self) -> dict[str, float]:
        """Estimate, CI and PI exponentiated (ratio scale for log-ratio measures)."""
        return exp_location(self)

    def confint(self, level: float | None = None) -> Tau2ConfInt:
        """Q-profile confidence intervals for tau², tau, I² and H² (Viechtbauer 2007).

        Parameters
        ----------
        level
            Confidence level in percent; defaults to the model's level.

        Raises
        ------
        InputError
            For fixed-effects models (tau² is not estimated) or ``k < 2``.
        """
        from evisynth._validation import check_level
        from evisynth.engine import make_batch, qprofile_tau2
        from evisynth.errors import InputError

        if self.method == "FE":
            raise InputError(
                "confint(): a fixed-effects model has no tau² to bound; refit with a "
                "random-effects method such as method='REML'",
                where="method",
            )
        lv = self.level if level is None else check_level(level)
        batch = make_batch(self.yi, self.vi)
        ci = qprofile_tau2(batch, np.array([self.tau2]), lv)
        lb, ub = float(ci.lb[0]), float(ci.ub[0])
        vt = self.vt
        return Tau2ConfInt(
            level=lv,
            tau2=self.tau2,
            tau2_lb=lb,
            tau2_ub=ub,
            I2=self.I2,
            I2_lb=100.0 * lb / (vt + lb),
            I2_ub=100.0 * ub / (vt + ub),
            H2=self.H2,
            H2_lb=lb / vt + 1.0,
            H2_ub=ub / vt + 1.0,
            lb_at_limit=bool(ci.lb_at_limit[0]),
            ub_at_limit=bool(ci.ub_at_limit[0]),
            null_set=bool(ci.null_set[0]),
        )

    def interval_check(self, reps: int = 4000, tau: Any = None, **kwargs: Any) -> Any:
        """Design-matched coverage of interval methods for this fit's ``k`` and variances.

        Delegates to :func:`evisynth.simulate.interval_check` (see there for the
        parameters); returns an :class:`~evisynth.simulate.IntervalCheck` with
        ``table`` and ``figure``.

        Examples
        --------
        >>> import evisynth as ev
        >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
        >>> len(fit.interval_check(reps=500, n_tau=3, plot=False).table)
        12
        """
        from evisynth.simulate.check import interval_check

        return interval_check(self, reps=reps, tau=tau, **kwargs)

    # -- output ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The result as plain Python numbers; the keys are part of the API."""
        return {
            **estimate_values(self),
            "Q": self.Q,
            "Q_pval": self.Q_pval,
            "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub,
            "k": self.k,
        }

    def _title(self) -> str:
        if self.method == "FE":
            return f"Fixed-Effects Model (k = {self.k})"
        return f"Random-Effects Model (k = {self.k}; tau^2 estimator: {self.method})"

    def summary(self) -> str:
        """Text summary laid out like metafor's ``print.rma.uni``."""
        lines = [self._title(), ""]
        if self.method != "FE":
            lines += [
                f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f}",
                f"tau (square root of estimated tau^2 value):      {self.tau:.4f}",
            ]
        lines += [
            f"I^2 (total heterogeneity / total variability):   {self.I2:.2f}%",
            f"H^2 (total variability / sampling variability):  {self.H2:.2f}",
            "",
            "Test for Heterogeneity:",
            f"Q(df = {self.k - 1}) = {self.Q:.4f}, {pval_text(self.Q_pval)}",
            "",
            "Model Results:",
            "",
        ]
        head = coef_head(self.stat_name, self.test != "z")
        row = coef_cells(self.estimate, self.se, self.stat, self.pval, self.ci_lb, self.ci_ub,
                         None if self.test == "z" else self.ddf)
        lines += [head, row, "", *test_lines(self.test, self.ddf)]
        lines.append(
            f"{self.level:g}% prediction interval: [{self.pi_lb:.4f}, {self.pi_ub:.4f}]"
        )
        if self.measure in LOG_MEASURES:
            e = self.exp()
            lines.append(
                f"On the ratio scale ({self.measure}): {e['estimate']:.4f} "
                f"[{e['ci_lb']:.4f}, {e['ci_ub']:.4f}]; prediction interval "
                f"[{e['pi_lb']:.4f}, {e['pi_ub']:.4f}]"
            )
        lines += scoring_lines(self.method, self.converged, self.iterations)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> Any:
        """One row per study (pandas DataFrame indexed by ``label``).

        Columns: ``yi, vi, sei`` (analysis scale), ``ci_lb, ci_ub`` (the study's
        Wald interval at the model's level), ``weight`` (model weight, percent)
        and, for measures with a natural scale (ratios, proportions),
        ``yi_natural, ci_lb_natural, ci_ub_natural`` (``attrs["natural_scale"]``
        names it).

        Examples
        --------
        >>> import evisynth as ev
        >>> es = ev.EffectSizes([-0.5, -0.2], [0.04, 0.09], measure="HR", labels=("A", "B"))
        >>> fit = ev.rma(es)
        >>> list(fit.to_frame().columns)[-3:], fit.to_frame().attrs["natural_scale"]
        (['yi_natural', 'ci_lb_natural', 'ci_ub_natural'], 'HR')
        """
        from evisynth.meta._scale import study_frame

        return study_frame(self.study_rows())

    def study_rows(self) -> list[dict[str, Any]]:
        """Per-study estimate, CI and weight on both scales (see :meth:`to_frame`).

        Examples
        --------
        >>> import evisynth as ev
        >>> rows = ev.rma(yi=[-0.5, -0.2], vi=[0.04, 0.09]).study_rows()
        >>> [round(r["weight"], 2) for r in rows], "natural" in rows[0]
        ([69.23, 30.77], False)
        """
        from evisynth.meta._scale import study_rows

        return study_rows(self.yi, self.vi, measure=self.measure, level=self.level,
                          labels=self.labels, weights=self.weights)

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import pooled_html

        return pooled_html(self._title(), self.measure, self.to_dict(),
                           note=f"test: {self.test}; level {self.level:g}%")
