"""``rma_glmm``: meta-analysis of counts with generalised linear mixed models.

The binomial–normal and Poisson–normal models of R metafor's ``rma.glmm``
(3.8-1), fitted by maximum likelihood with adaptive Gauss–Hermite quadrature
(:mod:`evisynth.engine.glmm`) instead of lme4. They model the event counts
themselves, so studies with zero events (or only events) stay in the analysis
without a continuity correction, and the within-study variances are not
treated as known (Stijnen, Hamza & Özdemir 2010).

Models (``measure`` / ``model``), as metafor defines them:

``"PLO"``
    Random-intercept logistic model for single proportions:
    ``x_i ~ Bin(n_i, p_i)``, ``logit p_i = x_i' beta + u_i``, ``u_i ~ N(0, tau²)``.
``"OR"``, ``model="UM.FS"`` (default)
    Unconditional model with fixed study effects: for arm ``j`` of study
    ``i``, ``logit p_ij = alpha_i + g_j x_i' beta + c_j u_i`` with ``g = (1, 0)``
    (treated, control) and ``c = (1/2, -1/2)``.
``"OR"``, ``model="CM.AL"``
    Conditional model, approximate likelihood: ``a_i ~ Bin(a_i + c_i, pi_i)``
    with ``logit pi_i = log(n1_i / n2_i) + x_i' beta + u_i``.
``"IRR"``, ``model="UM.FS"``
    As for the OR with Poisson counts and the log person-time as offset.
``"IRR"``, ``model="CM.EL"`` (or ``"CM.AL"``, the same model for rates)
    Conditional model, exact likelihood: ``x1_i ~ Bin(x1_i + x2_i, pi_i)``
    with ``logit pi_i = log(t1_i / t2_i) + x_i' beta + u_i``.

Quadrature: metafor's default is ``nAGQ = 7`` adaptive Gauss–Hermite points,
passed to lme4's ``glmer`` (which uses adaptive quadrature only for ``nAGQ >
1`` and the Laplace approximation for ``nAGQ = 1``). evisynth uses the same
rule, so the two maximise the same approximate likelihood.

Heterogeneity tests (metafor's ``QE.Wld`` and ``QE.LRT``, both with ``k - p``
df) compare the fixed-effects model with the saturated model (one parameter
per study): the likelihood-ratio test ``2 (ll_sat - ll_FE)`` and the Wald test
of the study-specific parameters, which equals the weighted residual sum of
squares of the study estimates (logits, log odds or log rate ratios) about
the moderator fit, with weight 0 for studies whose saturated estimate is
infinite (glm's estimate diverges, its variance faster). ``I2`` and ``H2`` use
metafor's "typical" within-study variance ``vt = (k - p) / tr(P)`` from the
escalc variances (1/2 added to the cells of studies with a zero cell), as
``rma.glmm`` does.

``"OR"``, ``model="CM.EL"``
    Conditional model, exact likelihood: given the margins, ``a_i`` follows
    Fisher's noncentral hypergeometric distribution with log odds ratio
    ``x_i' beta + u_i``. metafor integrates it with ``integrate()`` (densities
    from BiasedUrn); here it is adaptive quadrature with at least 21 nodes.
    The cost grows with the number of events per study (the support of the
    distribution): trials with thousands of events take seconds.

Not built (metafor has them): ``model="UM.RS"`` (random study effects, a
two-dimensional integral per study, which lme4 fits with the Laplace
approximation only), the experimental measures ``RR``, ``RD``, ``PR``,
``PLN`` and ``IRLN``, and ``cor=TRUE``.

References
----------
Stijnen T, Hamza TH, Özdemir P (2010). Random effects meta-analysis of event
outcome in the framework of the generalized linear mixed model with
applications in sparse data. Stat Med 29:3046-3067.
Turner RM, Omar RZ, Yang M, Goldstein H, Thompson SG (2000). A multilevel
model framework for meta-analysis of clinical trials with binary outcomes.
Stat Med 19:3417-3432.
Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G (2019). Seriously
misleading results using inverse of Freeman-Tukey double arcsine
transformation in meta-analysis of single proportions. Res Synth Methods
10:476-483.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    as_labels,
    check_choice,
    check_int,
    check_level,
    check_same_length,
    study_name,
)
from evisynth.engine.glmm import GLMMData, GLMMFit, _nchg_moments, fit_glmm, nchg_data
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.results import _fmt_p, _stars, _TestStatistic, pval_text

__all__ = ["GLMMResult", "rma_glmm"]

MEASURES = ("PLO", "OR", "IRR")
MODELS = ("UM.FS", "CM.AL", "CM.EL")
METHODS = ("ML", "FE")
TESTS = ("z", "t")

#: Proportion scale: CI spanning at least this much of (0, 1) counts as uninformative.
_FLAT_LO, _FLAT_HI = 0.005, 0.995


# ------------------------------------------------------------------ inputs --
def _counts(
    name: str, value: Any, labels: tuple[str, ...] | None, *, positive: bool = False
) -> FloatArray:
    arr = as_float_vector(name, value, labels=labels)
    bad = arr <= 0 if positive else arr < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        need = "greater than 0" if positive else "0 or greater"
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: value is {arr[i]:g}; must be {need}",
            where=name,
        )
    return arr


def _whole(name: str, arr: FloatArray, labels: tuple[str, ...] | None) -> None:
    frac = arr != np.round(arr)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise InputError(
            f"argument {name!r}, {study_name(i, labels)}: count {arr[i]:g} is not a whole "
            "number; a binomial or Poisson model needs whole counts",
            where=name,
        )


def _not_above(
    ev_name: str, ev: FloatArray, tot_name: str, tot: FloatArray, labels: tuple[str, ...] | None
) -> None:
    over = ev > tot
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(
            f"argument {ev_name!r}, {study_name(i, labels)}: {ev[i]:g} events exceed the "
            f"total {tot_name}={tot[i]:g}; events must be at most the total",
            where=ev_name,
        )


def _events_total(
    ev_name: str,
    ev: Any,
    rest_name: str,
    rest: Any,
    tot_name: str,
    tot: Any,
    labels: tuple[str, ...] | None,
) -> tuple[FloatArray, FloatArray]:
    """Events and group size from ``events`` with either ``non-events`` or ``total``."""
    if ev is None:
        raise InputError(f"missing argument {ev_name!r} (event counts)", where=ev_name)
    if (rest is None) == (tot is None):
        raise InputError(
            f"give exactly one of {rest_name!r} (non-events) or {tot_name!r} (group size)",
            where=tot_name,
        )
    e = _counts(ev_name, ev, labels)
    _whole(ev_name, e, labels)
    if tot is not None:
        n = _counts(tot_name, tot, labels, positive=True)
        _whole(tot_name, n, labels)
        check_same_length({ev_name: e, tot_name: n})
        _not_above(ev_name, e, tot_name, n, labels)
    else:
        r = _counts(rest_name, rest, labels)
        _whole(rest_name, r, labels)
        check_same_length({ev_name: e, rest_name: r})
        n = e + r
        if np.any(n <= 0):
            i = int(np.flatnonzero(n <= 0)[0])
            raise InputError(
                f"argument {rest_name!r}, {study_name(i, labels)}: the group has no "
                "participants (0 events and 0 non-events)",
                where=rest_name,
            )
    return e, n


# ------------------------------------------------------------------ result --
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
        return [
            {
                "name": n,
                "estimate": float(self.beta[j]),
                "se": float(self.b_se[j]),
                "stat": float(self.b_stat[j]),
                "pval": float(self.b_pval[j]),
                "ci_lb": float(self.b_ci_lb[j]),
                "ci_ub": float(self.b_ci_ub[j]),
            }
            for j, n in enumerate(self.coef_names)
        ]

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
        return {
            key: math.exp(getattr(self, key))
            for key in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
        }

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
            "estimate": self.estimate,
            "se": self.se,
            self.stat_name: self.stat,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "tau2": self.tau2,
            "I2": self.I2,
            "H2": self.H2,
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
        stat = self.stat_name
        lines.append(
            f"{'':{width}s} {'estimate':>9s} {'se':>7s} {stat:>8s} {'pval':>7s} "
            f"{'ci.lb':>8s} {'ci.ub':>8s}"
        )
        for c in self.coef():
            lines.append(
                f"{c['name']:{width}s} {c['estimate']:9.4f} {c['se']:7.4f} {c['stat']:8.4f} "
                f"{_fmt_p(c['pval']):>7s} {c['ci_lb']:8.4f} {c['ci_ub']:8.4f}  "
                f"{_stars(c['pval'])}".rstrip()
            )
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
        from evisynth.meta._scale import result_html

        d = self.to_dict()
        loc = {k: d[k] for k in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")}
        other = {k: v for k, v in d.items() if k not in loc and k != "coef"}
        if self.p > 1:
            loc = {k: loc[k] for k in ("estimate", "ci_lb", "ci_ub")}
        return result_html(self._title(), self.measure, loc, other,
                           note=f"test: {self.test}; level {self.level:g}%"
                           + ("; first coefficient" if self.p > 1 else ""))


# ------------------------------------------------------------------ models --
@dataclass
class _Model:
    data: GLMMData
    ll_sat: float
    theta_i: FloatArray  # saturated per-study estimate (analysis scale, minus offset)
    w_i: FloatArray  # its inverse variance (0 where the estimate is infinite)
    vi: FloatArray  # escalc variances for vt (1/2 added to studies with a zero cell)
    events: FloatArray | None
    totals: FloatArray | None


def _binom_ll_sat(x: FloatArray, n: FloatArray) -> float:
    return float(stats.binom.logpmf(x, n, x / n).sum())


def _one_obs(
    y: FloatArray, n: FloatArray, off: FloatArray, X: FloatArray, family: str
) -> GLMMData:
    k = X.shape[0]
    return GLMMData(
        y=y[None, :, None],
        n=n[None, :, None],
        off=off[None, :, None],
        D=X[None, :, None, :],
        A=None,
        z=np.ones((1, k, 1)),
        obs=np.ones((1, k, 1), dtype=bool),
        mask=np.ones((1, k), dtype=bool),
        family=family,
    )


def _two_arms(
    y1: FloatArray,
    n1: FloatArray,
    off1: FloatArray,
    y2: FloatArray,
    n2: FloatArray,
    off2: FloatArray,
    X: FloatArray,
    family: str,
) -> GLMMData:
    k, p = X.shape
    D = np.zeros((1, k, 2, p))
    D[0, :, 0, :] = X
    z = np.empty((1, k, 2))
    z[..., 0], z[..., 1] = 0.5, -0.5
    return GLMMData(
        y=np.stack([y1, y2], axis=-1)[None],
        n=np.stack([n1, n2], axis=-1)[None],
        off=np.stack([off1, off2], axis=-1)[None],
        D=D,
        A=np.ones((1, k, 2)),
        z=z,
        obs=np.ones((1, k, 2), dtype=bool),
        mask=np.ones((1, k), dtype=bool),
        family=family,
    )


def _logit_parts(x: FloatArray, n: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = (x > 0) & (x < n)
    xs, ns = np.where(inside, x, 1.0), np.where(inside, n, 2.0)
    return np.where(inside, np.log(xs / (ns - xs)), 0.0), np.where(
        inside, xs * (ns - xs) / ns, 0.0
    )


def _plo_model(x: FloatArray, n: FloatArray, X: FloatArray) -> _Model:
    theta, w = _logit_parts(x, n)
    zero = (x == 0) | (x == n)
    a = np.where(zero, 0.5, 0.0)
    vi = 1.0 / (x + a) + 1.0 / (n - x + a)
    return _Model(
        _one_obs(x, n, np.zeros_like(x), X, "binomial"),
        _binom_ll_sat(x, n),
        theta,
        w,
        vi,
        x,
        n,
    )


def _or_model(
    a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, X: FloatArray, model: str
) -> _Model:
    n1, n2 = a + b, c + d
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    add = np.where(zero, 0.5, 0.0)
    vi = 1 / (a + add) + 1 / (b + add) + 1 / (c + add) + 1 / (d + add)
    if model == "CM.EL":
        data = nchg_data(a[None], b[None], c[None], d[None], X[None])
        ll_sat, theta, w = _nchg_saturated(data)
        return _Model(data, ll_sat, theta, w, vi, None, None)
    if model == "UM.FS":
        ok = ~zero
        aa, bb, cc, dd = (np.where(ok, v, 1.0) for v in (a, b, c, d))
        theta = np.where(ok, np.log(aa * dd / (bb * cc)), 0.0)
        w = np.where(ok, 1.0 / (1 / aa + 1 / bb + 1 / cc + 1 / dd), 0.0)
        data = _two_arms(a, n1, np.zeros_like(a), c, n2, np.zeros_like(c), X, "binomial")
        return _Model(data, _binom_ll_sat(a, n1) + _binom_ll_sat(c, n2), theta, w, vi, None, None)
    # CM.AL: events of group 1 among all events, offset log(n1 / n2)
    m1 = a + c
    off = np.log(n1 / n2)
    lg, w = _logit_parts(a, m1)
    theta = np.where(w > 0, lg - off, 0.0)
    return _Model(
        _one_obs(a, m1, off, X, "binomial"), _binom_ll_sat(a, m1), theta, w, vi, None, None
    )


def _irr_model(
    x1: FloatArray, t1: FloatArray, x2: FloatArray, t2: FloatArray, X: FloatArray, model: str
) -> _Model:
    zero = (x1 == 0) | (x2 == 0)
    add = np.where(zero, 0.5, 0.0)
    vi = 1 / (x1 + add) + 1 / (x2 + add)
    ok = ~zero
    s1, s2 = np.where(ok, x1, 1.0), np.where(ok, x2, 1.0)
    theta = np.where(ok, np.log(s1 / t1) - np.log(s2 / t2), 0.0)
    w = np.where(ok, 1.0 / (1 / s1 + 1 / s2), 0.0)
    if model == "UM.FS":
        data = _two_arms(x1, np.ones_like(x1), np.log(t1), x2, np.ones_like(x2), np.log(t2), X,
                         "poisson")
        ll_sat = float(stats.poisson.logpmf(x1, x1).sum() + stats.poisson.logpmf(x2, x2).sum())
        return _Model(data, ll_sat, theta, w, vi, None, None)
    m = x1 + x2
    off = np.log(t1 / t2)
    return _Model(_one_obs(x1, m, off, X, "binomial"), _binom_ll_sat(x1, m), theta, w, vi, None,
                  None)


def _nchg_saturated(data: GLMMData) -> tuple[float, FloatArray, FloatArray]:
    """Per-study conditional MLE of the log odds ratio (noncentral hypergeometric).

    Returns the saturated log-likelihood, the estimates and their inverse
    variances ``Var[a | eta]``; a count at the edge of its support has an
    infinite estimate, log-likelihood 0 and weight 0.
    """
    from evisynth.engine.glmm import log_constants

    assert data.support is not None and data.logc is not None
    y = data.y[0, :, 0]
    fin = np.isfinite(data.logc[0, :, 0, :])
    xs = data.support[0, :, 0, :]
    lo = np.where(fin, xs, np.inf).min(axis=1)
    hi = np.where(fin, xs, -np.inf).max(axis=1)
    inner = (y > lo) & (y < hi)
    eta = np.zeros((1, len(y), 1))
    for _ in range(200):
        _, mean, var, _ = _nchg_moments(data, eta)
        step = np.clip((data.y - mean) / np.maximum(var, 1e-300), -2.0, 2.0)
        step = np.where(inner[None, :, None], step, 0.0)
        eta = eta + step
        if np.all(np.abs(step) < 1e-13):
            break
    lse, _, var, _ = _nchg_moments(data, eta)
    ll_i = y * eta[0, :, 0] - lse[0, :, 0] + log_constants(data)[0]
    ll_sat = float(np.where(inner, ll_i, 0.0).sum())
    return ll_sat, np.where(inner, eta[0, :, 0], 0.0), np.where(inner, var[0, :, 0], 0.0)


def _wald_qe(theta: FloatArray, w: FloatArray, X: FloatArray) -> float:
    """Weighted residual sum of squares of the saturated estimates about the fit on ``X``."""
    XtW = X.T * w
    M = XtW @ X
    beta = np.linalg.lstsq(M, XtW @ theta, rcond=None)[0]
    r = theta - X @ beta
    return float(np.sum(w * r**2))


def _vt(vi: FloatArray, X: FloatArray) -> float:
    w = 1.0 / vi
    XtW = X.T * w
    M = np.linalg.inv(XtW @ X)
    trP = w.sum() - np.trace(M @ (XtW * w) @ X)
    return float((len(vi) - X.shape[1]) / trP) if len(vi) > X.shape[1] else float("nan")


def _fit(data: GLMMData, nagq: int, estimate_theta: bool, tol: float, maxiter: int,
         start: GLMMFit | None = None, theta0: float = 1.0) -> GLMMFit:
    return fit_glmm(
        data,
        nagq=nagq,
        estimate_theta=estimate_theta,
        gamma0=None if start is None else start.gamma,
        alpha0=None if start is None or np.isnan(start.alpha).all() else start.alpha,
        theta0=np.array([theta0]),
        tol=tol,
        maxiter=maxiter,
    )


# ---------------------------------------------------------------- rma_glmm --
def rma_glmm(
    measure: str,
    *,
    xi: Any = None,
    ni: Any = None,
    mi: Any = None,
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    x1i: Any = None,
    t1i: Any = None,
    x2i: Any = None,
    t2i: Any = None,
    labels: Any = None,
    model: str = "UM.FS",
    mods: Any = None,
    intercept: bool = True,
    data: Any = None,
    btt: Any = None,
    method: str = "ML",
    level: float = 95,
    test: str = "z",
    nAGQ: int = 7,
    drop00: bool = True,
    tol: float = 1e-8,
    maxiter: int = 200,
) -> GLMMResult:
    """Meta-analysis of event counts with a binomial– or Poisson–normal GLMM (metafor's
    ``rma.glmm``).

    Parameters
    ----------
    measure
        ``"PLO"`` (single proportions, logit scale), ``"OR"`` (two groups, log
        odds ratio) or ``"IRR"`` (two groups with person-time, log rate ratio).
    xi, ni, mi
        ``PLO``: events and group size ``ni`` (or non-events ``mi``).
    ai, bi, ci, di, n1i, n2i
        ``OR``: events ``ai``/``ci`` and non-events ``bi``/``di`` (or group sizes
        ``n1i``/``n2i``) in group 1 (treated) and group 2 (control).
    x1i, t1i, x2i, t2i
        ``IRR``: events and person-time per group.
    labels
        Study labels (used in messages and plots).
    model
        For ``OR``: ``"UM.FS"`` (default; fixed study effects), ``"CM.AL"``
        (conditional, approximate likelihood) or ``"CM.EL"`` (conditional,
        exact noncentral hypergeometric likelihood; ``nAGQ`` at least 21).
        For ``IRR``: ``"UM.FS"`` or
        ``"CM.EL"`` (exact conditional likelihood; ``"CM.AL"`` means the same
        for rates, as in metafor). Ignored for ``PLO``.
    mods, intercept, data, btt
        Moderators as in :func:`evisynth.rma`: an array ``(k,)``/``(k, q)``, a
        DataFrame or a formula string on ``data``; ``btt`` selects the
        coefficients of the omnibus test ``QM``.
    method
        ``"ML"`` (random effects, default) or ``"FE"`` (fixed effect, tau² = 0).
    level
        Confidence level in percent.
    test
        ``"z"`` (default) or ``"t"`` (t and F tests with ``k - p`` df).
    nAGQ
        Number of adaptive Gauss–Hermite quadrature points; metafor's default
        is 7 (lme4 uses adaptive quadrature for ``nAGQ > 1``, the Laplace
        approximation for 1).
    drop00
        ``OR``/``IRR``: leave out studies without events (or only events) in
        both groups, as metafor does by default (they carry no information on
        the ratio); a warning names them.
    tol, maxiter
        Convergence control of the Newton–Raphson iterations.

    Returns
    -------
    GLMMResult
        Pooled estimate (analysis scale) with its interval and test, ``tau2``,
        ``I2``, ``H2``, the Wald and likelihood-ratio tests of heterogeneity,
        moderators (``coef()``, ``QM``), ``transf()`` for the natural scale.

    Raises
    ------
    InputError
        Missing or inconsistent counts, negative or non-integer counts,
        events above the group size (naming the argument and the study), an
        unknown measure, model, method or test, too few studies, or data
        from which the model cannot be estimated (e.g. no events at all).
    ConvergenceError
        If Newton–Raphson does not converge from the fixed-effects estimates
        nor from two other starting values of tau.

    References
    ----------
    Stijnen T, Hamza TH, Özdemir P (2010). Stat Med 29:3046-3067.
    Viechtbauer W (2010). J Stat Softw 36(3) (``rma.glmm``).
    Pinheiro JC, Bates DM (1995). J Comput Graph Stat 4:12-35 (adaptive quadrature).

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma_glmm("PLO", xi=[4, 0, 7, 2], ni=[40, 25, 52, 30])
    >>> fit.k, round(fit.transf()["estimate"], 4)
    (4, 0.0884)
    """
    measure = check_choice("measure", measure, MEASURES)
    method = check_choice("method", method, METHODS)
    test = check_choice("test", test, TESTS)
    lv = check_level(level)
    nagq = check_int("nAGQ", nAGQ, lo=1, hi=101)
    if measure == "PLO":
        model = "UM.FS"
    else:
        model = check_choice("model", model, ("UM.FS", "CM.AL", "CM.EL", "UM.RS"))
        if model == "UM.RS":
            raise InputError(
                "argument 'model': model='UM.RS' (random study effects) is not available in "
                "evisynth; use 'UM.FS' (fixed study effects) or a conditional model",
                where="model",
            )
        if measure == "IRR" and model == "CM.AL":
            model = "CM.EL"
    lab0 = as_labels(labels)
    given = {
        "xi": xi, "ni": ni, "mi": mi, "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i,
        "n2i": n2i, "x1i": x1i, "t1i": t1i, "x2i": x2i, "t2i": t2i,
    }
    allowed = {
        "PLO": ("xi", "ni", "mi"),
        "OR": ("ai", "bi", "ci", "di", "n1i", "n2i"),
        "IRR": ("x1i", "t1i", "x2i", "t2i"),
    }[measure]
    extra = [n for n, v in given.items() if v is not None and n not in allowed]
    if extra:
        raise InputError(
            f"argument {extra[0]!r} is not used with measure={measure!r} (it takes "
            f"{', '.join(allowed)})",
            where=extra[0],
        )
    cols: dict[str, FloatArray]
    if measure == "PLO":
        x, n = _events_total("xi", xi, "mi", mi, "ni", ni, lab0)
        cols = {"xi": x, "ni": n}
    elif measure == "OR":
        a, n1 = _events_total("ai", ai, "bi", bi, "n1i", n1i, lab0)
        c, n2 = _events_total("ci", ci, "di", di, "n2i", n2i, lab0)
        check_same_length({"ai": a, "ci": c})
        cols = {"ai": a, "bi": n1 - a, "ci": c, "di": n2 - c}
    else:
        for nm, v in (("x1i", x1i), ("t1i", t1i), ("x2i", x2i), ("t2i", t2i)):
            if v is None:
                raise InputError(f"missing argument {nm!r} for measure='IRR'", where=nm)
        e1 = _counts("x1i", x1i, lab0)
        _whole("x1i", e1, lab0)
        e2 = _counts("x2i", x2i, lab0)
        _whole("x2i", e2, lab0)
        tt1 = _counts("t1i", t1i, lab0, positive=True)
        tt2 = _counts("t2i", t2i, lab0, positive=True)
        check_same_length({"x1i": e1, "t1i": tt1, "x2i": e2, "t2i": tt2})
        cols = {"x1i": e1, "t1i": tt1, "x2i": e2, "t2i": tt2}
    k_all = len(next(iter(cols.values())))
    lab = as_labels(labels, k_all)
    if k_all < 1:
        raise InputError("no studies: the count vectors are empty", where=allowed[0])

    # design on all studies, then drop uninformative ones (metafor drops before fitting)
    X, names, int_incl = _design(mods, data, intercept, k_all, lab)
    keep = np.ones(k_all, dtype=bool)
    if measure == "OR" and drop00:
        keep = ~(((cols["ai"] == 0) & (cols["ci"] == 0)) | ((cols["bi"] == 0) & (cols["di"] == 0)))
    elif measure == "IRR" and drop00:
        keep = ~((cols["x1i"] == 0) & (cols["x2i"] == 0))
    dropped = tuple(int(i) for i in np.flatnonzero(~keep))
    notes: list[str] = []
    if dropped:
        who = ", ".join(study_name(i, lab) for i in dropped)
        msg = (
            f"{who} left out of the model: no events (or only events) in both groups, so "
            "no information on the ratio (drop00=True, as metafor)"
        )
        warnings.warn(msg, EvisynthWarning, stacklevel=2)
        notes.append(msg)
        cols = {nm: v[keep] for nm, v in cols.items()}
        X = X[keep]
        lab = tuple(lab[i] for i in np.flatnonzero(keep)) if lab is not None else None
    k, p = X.shape
    if k == 0:
        raise InputError("no study is left after drop00: every study has no events in both "
                         "groups", where="drop00")
    if method == "ML" and p + 1 > k:
        raise InputError(
            f"method='ML' estimates {p} coefficient(s) and tau², which needs at least {p + 1} "
            f"studies, got k = {k}; use method='FE' or fewer moderators",
            where="method",
        )
    if method == "FE" and p > k:
        raise InputError(
            f"the model has {p} coefficients but only k = {k} studies", where="mods"
        )
    if np.linalg.matrix_rank(X) < p:
        raise InputError(
            "argument 'mods': the design matrix is rank-deficient after dropping studies",
            where="mods",
        )

    if measure == "PLO":
        mdl = _plo_model(cols["xi"], cols["ni"], X)
        _check_estimable_plo(cols["xi"], cols["ni"], X, lab)
    elif measure == "OR":
        mdl = _or_model(cols["ai"], cols["bi"], cols["ci"], cols["di"], X, model)
        _check_estimable_two(cols["ai"], cols["ci"], cols["bi"], cols["di"], "ai", "ci")
    else:
        mdl = _irr_model(cols["x1i"], cols["t1i"], cols["x2i"], cols["t2i"], X, model)
        _check_estimable_two(cols["x1i"], cols["x2i"], None, None, "x1i", "x2i")

    if measure == "OR" and model == "CM.EL":
        # metafor integrates this model with integrate(); enough nodes make AGQ as exact
        nagq = max(nagq, 21)
    fe = _fit(mdl.data, nagq, False, tol, maxiter)
    if not fe.converged[0]:
        raise ConvergenceError(
            f"the fixed-effects {measure} model did not converge in {maxiter} Newton-Raphson "
            f"iterations (largest score {fe.grad_max[0]:.3g}); increase maxiter=; the data may "
            "not identify the model (e.g. no events in one group across all studies)"
        )
    if method == "ML":
        tried = []
        fit = None
        for th0 in (1.0, 0.25, 3.0):
            cand = _fit(mdl.data, nagq, True, tol, maxiter, start=fe, theta0=th0)
            tried.append(th0)
            if cand.converged[0]:
                fit = cand
                break
        if fit is None:
            raise ConvergenceError(
                f"the ML fit of the {measure} GLMM ({nagq}-point adaptive Gauss-Hermite "
                f"quadrature) did not converge in {maxiter} Newton-Raphson iterations from the "
                f"fixed-effects estimates with tau = {', '.join(f'{t:g}' for t in tried)}; "
                "increase maxiter=, try nAGQ=1 (Laplace) or method='FE'"
            )
    else:
        fit = fe
    beta = fit.gamma[0]
    vb = fit.vcov[0]
    if not np.all(np.isfinite(vb)):
        raise ConvergenceError(
            f"the {measure} GLMM converged but its information matrix is singular, so no "
            "standard errors exist (the likelihood is flat in some direction); the data do not "
            "identify the model"
        )
    tau2 = float(fit.theta[0] ** 2) if method == "ML" else 0.0
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    if test == "t":
        ddf = float(k - p)
        if ddf <= 0:
            raise InputError(
                f"test='t' needs k - p > 0 degrees of freedom, got k = {k}, p = {p}", where="test"
            )
        pv = 2 * stats.t.sf(np.abs(stat), ddf)
        crit = float(stats.t.isf((1 - lv / 100) / 2, ddf))
    else:
        ddf = float("nan")
        pv = 2 * stats.norm.sf(np.abs(stat))
        crit = float(stats.norm.isf((1 - lv / 100) / 2))
    lb, ub = beta - crit * se, beta + crit * se

    # heterogeneity tests (fixed-effects model vs the saturated model)
    qdf = k - p
    if k > 1:
        qw = max(_wald_qe(mdl.theta_i, mdl.w_i, X), 0.0)
        qlrt = max(2.0 * (mdl.ll_sat - float(fe.ll[0])), 0.0)
        qw_p = float(stats.chi2.sf(qw, qdf)) if qdf > 0 else 1.0
        ql_p = float(stats.chi2.sf(qlrt, qdf)) if qdf > 0 else 1.0
    else:
        qw = qlrt = qw_p = ql_p = float("nan")
    vt = _vt(mdl.vi, X)
    I2 = 100 * tau2 / (vt + tau2) if np.isfinite(vt) else float("nan")
    H2 = tau2 / vt + 1 if np.isfinite(vt) else float("nan")

    QM = QM_pval = None
    QM_df = None
    if p > 1:
        bt = _btt(btt, names, int_incl)
        idx = np.asarray(bt)
        Vs = vb[np.ix_(idx, idx)]
        QMv = float(beta[idx] @ np.linalg.solve(Vs, beta[idx]))
        QM_df = len(idx)
        if test == "t":
            QMv /= QM_df
            QM_pval = float(stats.f.sf(QMv, QM_df, k - p))
        else:
            QM_pval = float(stats.chi2.sf(QMv, QM_df))
        QM = QMv

    # prediction interval for the first coefficient (metafor's predict(): tau² + se²)
    pi_se = math.sqrt(tau2 + se[0] ** 2)
    pi_lb, pi_ub = beta[0] - crit * pi_se, beta[0] + crit * pi_se

    flat = False
    if measure == "PLO":
        plb, pub = special.expit(lb[0]), special.expit(ub[0])
        if p == 1 and plb < _FLAT_LO and pub > _FLAT_HI:
            flat = True
            msg = (
                f"the {lv:g}% CI of the pooled proportion spans {plb:.1%} to {pub:.1%}: the "
                f"likelihood is nearly flat (k = {k}, {int(cols['xi'].sum())} events in "
                f"{int(cols['ni'].sum())}); the data carry almost no information on the pooled "
                "proportion"
            )
            warnings.warn(msg, EvisynthWarning, stacklevel=2)
            notes.append(msg)
    if method == "ML" and tau2 < 1e-10:
        notes.append("tau² is estimated at its lower bound 0 (no heterogeneity beyond chance)")

    return GLMMResult(
        measure=measure,
        model=model,
        method=method,
        test=test,
        level=lv,
        nAGQ=nagq,
        coef_names=names,
        beta=beta,
        vb=vb,
        estimate=float(beta[0]),
        se=float(se[0]),
        stat=float(stat[0]),
        pval=float(pv[0]),
        ci_lb=float(lb[0]),
        ci_ub=float(ub[0]),
        b_se=se,
        b_stat=stat,
        b_pval=pv,
        b_ci_lb=lb,
        b_ci_ub=ub,
        tau2=tau2,
        I2=float(I2),
        H2=float(H2),
        vt=vt,
        QE_Wld=qw,
        QE_Wld_pval=qw_p,
        QE_LRT=qlrt,
        QE_LRT_pval=ql_p,
        QE_df=qdf,
        QM=QM,
        QM_df=QM_df,
        QM_pval=QM_pval,
        pi_lb=float(pi_lb),
        pi_ub=float(pi_ub),
        ddf=ddf,
        k=k,
        p=p,
        ll=float(fit.ll[0]),
        deviance=(
            2.0 * (mdl.ll_sat - float(fit.ll[0]))
            if measure == "OR" and model == "CM.EL"
            else float(fit.drsum[0])
        ),
        converged=bool(fit.converged[0]),
        iterations=int(fit.iterations[0]),
        flat=flat,
        notes=tuple(notes),
        labels=lab,
        events=mdl.events,
        totals=mdl.totals,
        dropped=dropped,
    )


def _design(
    mods: Any, data: Any, intercept: bool, k: int, labels: tuple[str, ...] | None
) -> tuple[FloatArray, tuple[str, ...], bool]:
    from evisynth.meta.metareg import INTERCEPT, build_design

    if mods is None:
        if data is not None:
            raise InputError("argument 'data' is only used with a formula string in mods=",
                             where="data")
        if not intercept:
            raise InputError("argument 'intercept': a model without moderators needs the "
                             "intercept", where="intercept")
        return np.ones((k, 1)), (INTERCEPT,), True
    return build_design(mods, data, intercept, k, labels)


def _btt(btt: Any, names: tuple[str, ...], int_incl: bool) -> tuple[int, ...]:
    from evisynth.meta.metareg import resolve_btt

    return resolve_btt(btt, names, int_incl)


def _check_estimable_plo(
    x: FloatArray, n: FloatArray, X: FloatArray, labels: tuple[str, ...] | None
) -> None:
    if np.all(x == 0) or np.all(x == n):
        what = "no events" if np.all(x == 0) else "only events"
        raise InputError(
            f"arguments 'xi'/'ni': every study has {what}, so the maximum-likelihood pooled "
            f"proportion is {'0' if np.all(x == 0) else '1'} with no finite logit and no "
            "interval; report the per-study exact intervals (evisynth.proportion_ci) instead",
            where="xi",
        )


def _check_estimable_two(
    e1: FloatArray, e2: FloatArray, r1: FloatArray | None, r2: FloatArray | None, n1: str, n2: str
) -> None:
    for nm, e in ((n1, e1), (n2, e2)):
        if np.all(e == 0):
            raise InputError(
                f"argument {nm!r}: no events in this group in any study, so the ratio has no "
                "finite maximum-likelihood estimate",
                where=nm,
            )
    if r1 is not None and r2 is not None:
        for nm, r in ((n1, r1), (n2, r2)):
            if np.all(r == 0):
                raise InputError(
                    f"argument {nm!r}: only events in this group in every study, so the odds "
                    "ratio has no finite maximum-likelihood estimate",
                    where=nm,
                )
