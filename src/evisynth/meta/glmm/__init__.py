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
from typing import Any

import numpy as np
from scipy import special, stats

from evisynth._validation import (
    FloatArray,
    check_choice,
    check_int,
    check_level,
    study_name,
)
from evisynth.engine.tau2 import METHOD_ALIASES
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.glmm.inputs import _counts as _counts  # re-exported for meta.proportions
from evisynth.meta.glmm.inputs import _not_above as _not_above
from evisynth.meta.glmm.inputs import _whole as _whole
from evisynth.meta.glmm.inputs import count_columns
from evisynth.meta.glmm.models import _vt, _wald_qe, build_model, fit_model
from evisynth.meta.glmm.result import GLMMResult
from evisynth.meta.metareg import INTERCEPT, build_design, resolve_btt

__all__ = ["GLMMResult", "rma_glmm"]

MEASURES = ("PLO", "OR", "IRR")
MODELS = ("UM.FS", "CM.AL", "CM.EL")
METHODS = ("ML", "FE")
TESTS = ("z", "t")

#: Proportion scale: CI spanning at least this much of (0, 1) counts as uninformative.
_FLAT_LO, _FLAT_HI = 0.005, 0.995


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
    method = check_choice("method", method, METHODS, METHOD_ALIASES)
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
    given = {
        "xi": xi, "ni": ni, "mi": mi, "ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i,
        "n2i": n2i, "x1i": x1i, "t1i": t1i, "x2i": x2i, "t2i": t2i,
    }
    cols, lab = count_columns(measure, given, labels)
    k_all = len(next(iter(cols.values())))

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
        raise InputError("no study is left after drop00: every study has no events (or only "
                         "events) in both groups", where="drop00")
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

    mdl = build_model(measure, model, cols, X, lab)

    if measure == "OR" and model == "CM.EL":
        # metafor integrates this model with integrate(); enough nodes make AGQ as exact
        nagq = max(nagq, 21)
    fe, fit = fit_model(mdl, measure, method, nagq, tol, maxiter)
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
        bt = resolve_btt(btt, names, int_incl)
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
    if mods is None:
        if data is not None:
            raise InputError("argument 'data' is only used with a formula string in mods=",
                             where="data")
        if not intercept:
            raise InputError("argument 'intercept': a model without moderators needs the "
                             "intercept", where="intercept")
        return np.ones((k, 1)), (INTERCEPT,), True
    return build_design(mods, data, intercept, k, labels)

