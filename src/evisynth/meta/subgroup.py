"""Subgroup analysis: pooled results per subgroup and the test for subgroup differences.

Two ways of handling heterogeneity, chosen with ``tau2=``:

``"separate"`` (RevMan, R ``meta`` default; Borenstein et al. 2009, ch. 19)
    Each subgroup is pooled on its own, with its own tau² (all subgroups in
    one batched engine call, one mask per subgroup). The test for subgroup
    differences is the fixed-effect Cochran Q across the subgroup estimates
    ``theta_g`` with weights ``1/se_g²``:
    ``Q_between = Σ_g (theta_g - theta_w)² / se_g²`` ~ chi²(G - 1); this equals
    metafor's ``rma(theta, sei=se, mods=~group, method="FE")`` QM.

``"common"`` (mixed-effects model; Viechtbauer 2010)
    One meta-regression with an indicator per subgroup and a single tau²
    shared by all subgroups; the subgroup estimates are its coefficients and
    the test for subgroup differences is its omnibus test of the group
    contrasts: equal to ``QM`` of ``rma(yi, vi, mods=~group, method, test)``
    (chi²(G - 1) under ``test="z"``, ``F(G - 1, k - G)`` under ``t``/``knha``/
    ``adhoc``). Each subgroup's ``Q``, ``I2``, ``H2`` are those of the
    subgroup's studies with tau² fixed at the common value.

Subgroups with a single study are kept and a warning names them. With
``"separate"``, the study's own estimate and standard error (tau² = 0, z test,
as metafor's ``rma`` does for ``k = 1``) form the subgroup result and enter the
test for subgroup differences like any other subgroup (RevMan does the same).
With ``"common"``, the joint model estimates the subgroup as usual (the study's
variance plus the common tau²).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from evisynth._html import Table, result_html
from evisynth._validation import check_choice, check_control, check_level, study_name
from evisynth.effects import EffectSizes
from evisynth.engine import METHOD_ALIASES, METHODS, TESTS, fit_batch, make_batch
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.metareg import omnibus
from evisynth.meta.results import RMAResult, _fmt_p, pval_text
from evisynth.meta.rma import effect_inputs, pooled_values
from evisynth.meta.sensitivity import fit_subsets

TAU2_MODES = ("separate", "common")
_MODE_TEXT = {
    "separate": "separate tau² per subgroup; fixed-effect Q test across subgroup estimates",
    "common": "common tau² (mixed-effects model with subgroup indicators); omnibus test of "
    "the subgroup indicators",
}


_SINGLE_TEXT = {
    "separate": "each is represented by the study's own estimate and standard error "
    "(tau² = 0, z test) and included in the test for subgroup differences",
    "common": "each is estimated by the joint model (the study's estimate, its variance plus "
    "the common tau²), adds nothing to the within-subgroup heterogeneity and is included in "
    "the test for subgroup differences",
}


@dataclass(frozen=True)
class SubgroupResult:
    """Result of :func:`subgroup`.

    ``groups`` maps each subgroup name to its pooled result (an
    :class:`RMAResult`; in ``"common"`` mode its tau² is the common estimate,
    its interval and test come from the joint model). ``Q_between`` tests
    subgroup differences: chi² with ``Q_between_df`` df, or (``"common"``
    mode with a t-based test) an F statistic with ``(Q_between_df,
    Q_between_ddf)`` df.
    """

    groups: dict[str, RMAResult]
    Q_between: float
    Q_between_df: int
    Q_between_ddf: int | None
    Q_between_pval: float
    tau2_mode: str
    method: str
    test: str
    level: float
    k: int
    tau2_common: float | None = None
    single_study_groups: tuple[str, ...] = ()
    measure: str = field(default="GEN", repr=False)

    @property
    def description(self) -> str:
        """How heterogeneity and the test for subgroup differences were handled."""
        return _MODE_TEXT[self.tau2_mode]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python result; ``groups`` maps names to each subgroup's ``rma`` keys."""
        return {
            "groups": {name: r.to_dict() for name, r in self.groups.items()},
            "Q_between": self.Q_between,
            "Q_between_df": self.Q_between_df,
            "Q_between_ddf": self.Q_between_ddf,
            "Q_between_pval": self.Q_between_pval,
            "tau2_mode": self.tau2_mode,
            "single_study_groups": list(self.single_study_groups),
        }

    def to_frame(self) -> Any:
        """One row per subgroup: ``k, estimate, se, pval, ci_lb, ci_ub, tau2, I2, H2, Q,
        Q_pval, pi_lb, pi_ub``."""
        import pandas as pd

        cols = ("k", "estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q",
                "Q_pval", "pi_lb", "pi_ub")
        return pd.DataFrame(
            {c: [getattr(r, c) for r in self.groups.values()] for c in cols},
            index=pd.Index(list(self.groups), name="group"),
        )

    def _test_line(self) -> str:
        p = self.Q_between_pval
        pv = pval_text(p)
        if self.Q_between_ddf is None:
            return f"Q_between(df = {self.Q_between_df}) = {self.Q_between:.4f}, {pv}"
        return (
            f"F(df1 = {self.Q_between_df}, df2 = {self.Q_between_ddf}) = "
            f"{self.Q_between:.4f}, {pv}"
        )

    def summary(self) -> str:
        """Per-subgroup table and the test for subgroup differences."""
        w = max(5, *(len(n) for n in self.groups))
        head = (
            f"{'group':{w}s} {'k':>3s} {'estimate':>9s} {'se':>7s} {'pval':>7s} {'ci.lb':>8s} "
            f"{'ci.ub':>8s} {'tau2':>7s} {'I2':>6s} {'Q':>8s} {'Qp':>7s}"
        )
        lines = [
            f"Subgroup analysis (k = {self.k}; tau^2 estimator: {self.method}; test: {self.test})",
            f"Heterogeneity: {self.description}",
            "",
            head,
        ]
        for name, r in self.groups.items():
            lines.append(
                f"{name:{w}s} {r.k:3d} {r.estimate:9.4f} {r.se:7.4f} {_fmt_p(r.pval):>7s} "
                f"{r.ci_lb:8.4f} {r.ci_ub:8.4f} {r.tau2:7.4f} {r.I2:6.2f} {r.Q:8.4f} "
                f"{_fmt_p(r.Q_pval):>7s}"
            )
        lines += ["", "Test for subgroup differences:", self._test_line()]
        if self.single_study_groups:
            lines.append(
                f"Single-study subgroups ({', '.join(self.single_study_groups)}): "
                f"{_SINGLE_TEXT[self.tau2_mode]}."
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import natural_scale, to_natural

        frame = self.to_frame()
        nat = natural_scale(self.measure)
        if nat is not None:  # the natural scale beside the analysis scale
            for c in ("estimate", "ci_lb", "ci_ub"):
                frame[f"{c} ({nat})"] = to_natural(self.measure, frame[c].to_numpy())
        return result_html(f"Subgroup analysis ({self.description})",
                           tables=[Table.of_frame(frame)], note=self._test_line())


def _group_codes(
    groups: Any, k: int, labels: tuple[str, ...] | None
) -> tuple[list[str], np.ndarray]:
    """Subgroup names (category order for a pandas Categorical, else sorted) and codes."""
    import pandas as pd

    if groups is None:
        raise InputError("argument 'groups': give one subgroup label per study", where="groups")
    if isinstance(groups, pd.Categorical):
        s = pd.Series(groups)
    elif isinstance(groups, pd.Series):
        s = groups.reset_index(drop=True)
    else:
        s = pd.Series(list(groups.tolist() if hasattr(groups, "tolist") else groups), dtype=object)
    if len(s) != k:
        raise InputError(
            f"argument 'groups': has {len(s)} entries but there are {k} studies; give one "
            "subgroup label per study",
            where="groups",
        )
    missing = s.isna().to_numpy()
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"argument 'groups', {study_name(i, labels)}: no subgroup label; every study needs one",
            where="groups",
        )
    if isinstance(s.dtype, pd.CategoricalDtype):
        cat = s.cat.remove_unused_categories()
    else:
        try:
            cat = s.infer_objects().astype("category")
        except TypeError:  # labels of mixed types do not sort: compare them as text
            cat = s.astype(str).astype("category")
    names = [str(c) for c in cat.cat.categories]
    if len(set(names)) != len(names):
        raise InputError(
            "argument 'groups': two subgroup labels print the same; make them distinct",
            where="groups",
        )
    return names, np.asarray(cat.cat.codes)


def _rma_row(
    f: Any, i: int, sel: np.ndarray, y: np.ndarray, v: np.ndarray,
    labels: tuple[str, ...] | None, measure: str, method: str, test: str, level: float,
    **override: Any,
) -> RMAResult:
    """An :class:`RMAResult` for batch member ``i`` restricted to the studies ``sel``."""
    vals = pooled_values(f, i)
    vals.update(override)
    return RMAResult(
        **vals,
        k=int(sel.sum()),
        method=method,
        test=test,
        level=level,
        yi=y[sel],
        vi=v[sel],
        weights=np.asarray(f.weights[i])[sel],
        labels=None if labels is None else tuple(np.asarray(labels, dtype=object)[sel]),
        measure=measure,
    )


def subgroup(
    es: EffectSizes | None = None,
    groups: Any = None,
    *,
    yi: Any = None,
    vi: Any = None,
    sei: Any = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    tau2: str = "separate",
    labels: Any = None,
    tol: float = 1e-10,
    maxiter: int = 1000,
) -> SubgroupResult:
    """Pool each subgroup and test for subgroup differences.

    Parameters
    ----------
    es
        Effect sizes from :func:`evisynth.escalc`; alternatively ``yi`` with
        ``vi`` or ``sei``.
    groups
        One subgroup label per study (list, array, pandas Series or
        Categorical; a Categorical's category order is kept, otherwise labels
        are sorted).
    method, test, level, labels, tol, maxiter
        As in :func:`evisynth.rma`.
    tau2
        ``"separate"`` (own tau² per subgroup, then a fixed-effect test across
        the subgroup estimates; RevMan/meta) or ``"common"`` (one tau²: the
        mixed-effects model with subgroup indicators). See the module
        docstring for the formulas.

    Returns
    -------
    SubgroupResult
        ``groups`` (name → pooled result), ``Q_between``, ``Q_between_df``,
        ``Q_between_pval``, ``tau2_mode``; ``to_dict()``, ``to_frame()``,
        ``summary()``.

    Raises
    ------
    InputError
        Bad effect sizes or labels, fewer than two subgroups, or (``"common"``)
        too few studies for one coefficient per subgroup plus tau².
    ConvergenceError
        If an iterative tau² estimator does not converge.

    Warns
    -----
    EvisynthWarning
        Naming the subgroups that contain a single study.

    References
    ----------
    Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to
    Meta-Analysis, ch. 19. Higgins JPT et al. (eds.), Cochrane Handbook, section
    10.11.3. Viechtbauer W (2010), J Stat Softw 36(3).

    Examples
    --------
    >>> import evisynth as ev
    >>> sg = ev.subgroup(yi=[-0.9, -1.6, -1.4, -0.2, -0.5, -0.3],
    ...                  vi=[0.33, 0.19, 0.42, 0.07, 0.1, 0.05],
    ...                  groups=["a", "a", "a", "b", "b", "b"], method="DL")
    >>> sorted(sg.groups), sg.Q_between_df, round(sg.Q_between, 4)
    (['a', 'b'], 1, 9.3706)
    """
    y, v, lab, measure = effect_inputs(es, yi, vi, sei, labels)
    method = check_choice("method", method, METHODS, METHOD_ALIASES)
    test = check_choice("test", test, TESTS)
    mode = check_choice("tau2", tau2, TAU2_MODES)
    lv = check_level(level)
    tol, maxiter = check_control(tol, maxiter)
    k = len(y)
    names, codes = _group_codes(groups, k, lab)
    G = len(names)
    if G < 2:
        raise InputError(
            f"argument 'groups': all studies are in one subgroup ({names[0]!r}); a test for "
            "subgroup differences needs at least two",
            where="groups",
        )
    masks = codes[None, :] == np.arange(G)[:, None]
    sizes = masks.sum(axis=1)
    singles = tuple(names[g] for g in range(G) if sizes[g] == 1)
    if singles:
        warnings.warn(
            f"subgroup(s) {', '.join(repr(s) for s in singles)} contain a single study: "
            f"{_SINGLE_TEXT[mode]}",
            EvisynthWarning,
            stacklevel=2,
        )
    if mode == "separate":
        return _separate(y, v, lab, measure, names, masks, singles, method, test, lv, tol,
                         maxiter)
    return _common(y, v, lab, measure, names, masks, singles, method, test, lv, tol, maxiter)


def _separate(
    y: np.ndarray, v: np.ndarray, lab: tuple[str, ...] | None, measure: str, names: list[str],
    masks: np.ndarray, singles: tuple[str, ...], method: str, test: str, lv: float, tol: float,
    maxiter: int,
) -> SubgroupResult:
    k = len(y)
    fits = fit_subsets(y, v, np.ones((k, 1)), masks, method, test, lv, tol=tol, maxiter=maxiter)
    for g, why in enumerate(fits.failed):
        if why:
            if "converge" in why:
                raise ConvergenceError(
                    f"subgroup {names[g]!r}: {why}; increase maxiter= or use method='DL'"
                )
            raise InputError(f"subgroup {names[g]!r}: {why}", where="groups")
    res = {}
    for g, name in enumerate(names):
        single = masks[g].sum() == 1
        res[name] = _rma_row(fits, g, masks[g], y, v, lab, measure, method,
                             "z" if single else test, lv)
    est = fits.beta[:, 0]
    w = 1.0 / fits.se[:, 0] ** 2
    centre = np.sum(w * est) / np.sum(w)
    Q = float(np.sum(w * (est - centre) ** 2))
    G = len(names)
    return SubgroupResult(
        groups=res,
        Q_between=Q,
        Q_between_df=G - 1,
        Q_between_ddf=None,
        Q_between_pval=float(stats.chi2.sf(Q, G - 1)),
        tau2_mode="separate",
        method=method,
        test=test,
        level=lv,
        k=k,
        single_study_groups=singles,
        measure=measure,
    )


def _common(
    y: np.ndarray, v: np.ndarray, lab: tuple[str, ...] | None, measure: str, names: list[str],
    masks: np.ndarray, singles: tuple[str, ...], method: str, test: str, lv: float, tol: float,
    maxiter: int,
) -> SubgroupResult:
    k, G = len(y), len(names)
    need = G if method == "FE" else G + 1
    if k < need or (test != "z" and k <= G):
        raise InputError(
            f"tau2='common' fits one coefficient per subgroup ({G})"
            + ("" if method == "FE" else " plus tau²")
            + f" and needs more studies than that; got k = {k}. Use tau2='separate'",
            where="tau2",
        )
    X = masks.T.astype(np.float64)  # (k, G) subgroup indicators, no intercept
    f = fit_batch(make_batch(y, v, X), method, test, lv, tol=tol, maxiter=maxiter)
    if not f.converged[0]:
        raise ConvergenceError(
            f"the {method} estimator did not converge in {maxiter} iterations; "
            "increase maxiter= or use method='DL'"
        )
    t2 = float(f.tau2[0])
    # Contrasts beta_g - beta_G: the same test as the model with an intercept (same column space).
    C = np.hstack([np.eye(G - 1), -np.ones((G - 1, 1))])
    cb = (C @ f.beta[0])[None, :]
    cV = (C @ f.vb[0] @ C.T)[None, :, :]
    QM, QMp = omnibus(cb, cV, tuple(range(G - 1)), test, np.array([k - G], dtype=np.float64))
    # Within-subgroup heterogeneity at the common tau² (FE keeps its Q-based I²).
    within = fit_batch(
        make_batch(y, v, None, masks), method, "z", lv,
        tau2=None if method == "FE" else np.full(G, t2), tol=tol, maxiter=maxiter,
    )
    res = {}
    crit = float(f.crit[0])
    for g, name in enumerate(names):
        se = float(f.se[0, g])
        est = float(f.beta[0, g])
        half = crit * float(np.sqrt(se**2 + t2))
        res[name] = _rma_row(
            within, g, masks[g], y, v, lab, measure, method, test, lv,
            estimate=est, se=se, stat=float(f.stat[0, g]), pval=float(f.pval[0, g]),
            ci_lb=float(f.ci_lb[0, g]), ci_ub=float(f.ci_ub[0, g]), tau2=t2,
            pi_lb=est - half, pi_ub=est + half, ddf=float(f.ddf[0]), s2w=float(f.s2w[0]),
            converged=bool(f.converged[0]), iterations=int(f.iterations[0]),
        )
    return SubgroupResult(
        groups=res,
        Q_between=float(QM[0]),
        Q_between_df=G - 1,
        Q_between_ddf=None if test == "z" else k - G,
        Q_between_pval=float(QMp[0]),
        tau2_mode="common",
        method=method,
        test=test,
        level=lv,
        k=k,
        tau2_common=t2,
        single_study_groups=singles,
        measure=measure,
    )
