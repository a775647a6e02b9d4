"""Meta-regression: ``rma(es, mods=...)`` (metafor's mixed-effects ``rma.uni``).

The model is ``y = X beta + u + e`` with ``u ~ N(0, tau²)`` (residual
heterogeneity) and ``e ~ N(0, vi)``; the fixed-effects variant has ``tau² = 0``.
tau² is estimated by any of the engine's estimators on the full design, the
coefficients by weighted least squares (:mod:`evisynth.engine.fit`).

Omnibus test of the moderators ``btt`` (Viechtbauer 2010; metafor ``rma.uni``)::

    QM = b[btt]' V[btt, btt]^{-1} b[btt]          ~ chi²(m)           (test="z")
    QM = b[btt]' V[btt, btt]^{-1} b[btt] / m      ~ F(m, k - p)       (t, knha, adhoc)

with ``V`` the (Knapp–Hartung scaled, where applicable) covariance of ``b``.
Pseudo-R² (Raudenbush 2009; metafor's default): the proportional reduction of
tau² relative to the intercept-only model fitted with the same estimator,
``R² = max(0, 100 (tau²_0 - tau²) / tau²_0)`` (0 if ``tau²_0 = 0``); for
fixed-effects models metafor's definition is the adjusted R² of the weighted
least-squares regression with weights ``1/vi``, which in closed form is
``max(0, 100 [1 - (QE / Q_0) (k - 1) / (k - p)])`` with ``Q_0`` the Cochran Q of
the intercept-only model. R² is reported only for models with an intercept
and at least one moderator (``None`` otherwise, as metafor; also ``None`` when
``k = p``, where metafor's adjusted R² of a fixed-effects model is NaN).
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from evisynth._validation import FloatArray, check_choice, check_level, study_name
from evisynth.engine import METHODS, TESTS, estimate_tau2, fit_batch, make_batch
from evisynth.errors import ConvergenceError, EvisynthWarning, InputError
from evisynth.meta.results import _fmt_p, _stars, pval_text

#: metafor's name of the intercept column.
INTERCEPT = "intrcpt"


# --------------------------------------------------------------------- design --
def _from_formula(formula: str, data: Any, k: int) -> tuple[FloatArray, list[str]]:
    import pandas as pd
    from formulaic import model_matrix

    if data is None:
        raise InputError(
            f"argument 'mods': the formula {formula!r} needs data= (a DataFrame or a dict "
            "of columns with one row per study)",
            where="data",
        )
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    if len(frame) != k:
        raise InputError(
            f"argument 'data': has {len(frame)} rows but there are {k} studies; give one "
            "row per study, in the order of the effect sizes",
            where="data",
        )
    frame = frame.reset_index(drop=True)
    try:
        mm = model_matrix(formula, frame, na_action="ignore")
    except Exception as exc:  # formulaic raises several types; all are bad input here
        raise InputError(
            f"argument 'mods': cannot build the design from the formula {formula!r}: {exc} "
            f"(columns of data: {', '.join(map(str, frame.columns))})",
            where="mods",
        ) from None
    names = [INTERCEPT if c == "Intercept" else str(c) for c in mm.columns]
    return np.asarray(mm, dtype=np.float64), names


def _from_frame(frame: Any) -> tuple[FloatArray, list[str]]:
    import pandas as pd

    cols: list[FloatArray] = []
    names: list[str] = []
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols.append(np.asarray(s, dtype=np.float64))
            names.append(str(name))
            continue
        # Categorical moderator: treatment coding against the first level, named as formulaic does.
        cat = s.astype("category")
        if s.isna().any():
            i = int(np.flatnonzero(np.asarray(s.isna()))[0])
            raise InputError(
                f"argument 'mods', column {name!r}, {study_name(i, None)}: missing value; "
                "every study needs a moderator value",
                where="mods",
            )
        for level in cat.cat.categories[1:]:
            cols.append(np.asarray(cat == level, dtype=np.float64))
            names.append(f"{name}[T.{level}]")
    return np.column_stack(cols) if cols else np.empty((len(frame), 0)), names


def build_design(
    mods: Any,
    data: Any,
    intercept: bool,
    k: int,
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, tuple[str, ...], bool]:
    """Model matrix of a meta-regression, checked.

    Parameters
    ----------
    mods
        An array (``(k,)`` or ``(k, q)``), a pandas DataFrame (numeric columns
        as they are, other columns treatment-coded against their first level)
        or a formula string evaluated by formulaic on ``data``.
    data
        Table of moderators for a formula (one row per study).
    intercept
        Add an intercept column (ignored for formulas, whose own intercept
        rules apply: write ``"~ 0 + x"`` or ``"~ x - 1"`` for none).
    k
        Number of studies.
    labels
        Study labels for error messages.

    Returns
    -------
    (X, names, int_incl)
        Design ``(k, p)``, coefficient names, whether an intercept is included.

    Raises
    ------
    InputError
        Unknown formula columns, wrong number of rows, missing or non-finite
        values, or a rank-deficient design (naming the redundant columns).
    """
    import pandas as pd

    if isinstance(mods, str):
        if not intercept:
            raise InputError(
                "argument 'intercept': with a formula, the formula decides about the "
                "intercept; write e.g. '~ 0 + x' instead of passing intercept=False",
                where="intercept",
            )
        X, names = _from_formula(mods, data, k)
    else:
        if data is not None:
            raise InputError(
                "argument 'data' is only used with a formula string in mods=", where="data"
            )
        if isinstance(mods, pd.Series):
            mods = mods.to_frame()
        if isinstance(mods, pd.DataFrame):
            if len(mods) != k:
                raise InputError(
                    f"argument 'mods': has {len(mods)} rows but there are {k} studies",
                    where="mods",
                )
            X, names = _from_frame(mods)
        else:
            try:
                X = np.asarray(mods, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"argument 'mods': expected numbers, a DataFrame or a formula string "
                    f"({exc})",
                    where="mods",
                ) from None
            if X.ndim == 1:
                X, names = X[:, None], ["mods"]
            elif X.ndim == 2:
                names = [f"X{j + 1}" for j in range(X.shape[1])]
            else:
                raise InputError(
                    f"argument 'mods': expected one column per moderator (a (k,) or (k, q) "
                    f"array), got shape {X.shape}",
                    where="mods",
                )
            if X.shape[0] != k:
                raise InputError(
                    f"argument 'mods': has {X.shape[0]} rows but there are {k} studies; give "
                    "one row per study",
                    where="mods",
                )
        if intercept:
            X = np.column_stack([np.ones(k), X])
            names = [INTERCEPT, *names]
    bad = ~np.isfinite(X)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise InputError(
            f"argument 'mods', column {names[j]!r}, {study_name(i, labels)}: value is "
            f"{float(X[i, j])!r}; every moderator value must be a finite number",
            where="mods",
        )
    if X.shape[1] == 0:
        raise InputError(
            "argument 'mods': the model has no coefficients (no moderators and no intercept)",
            where="mods",
        )
    # A column of ones is the intercept whatever its name (metafor's rule); keep it first.
    ones = [j for j in range(X.shape[1]) if np.all(X[:, j] == 1.0)]
    int_incl = bool(ones)
    if len(ones) == 1 and ones[0] != 0:
        j = ones[0]
        order = [j, *[c for c in range(X.shape[1]) if c != j]]
        X = X[:, order]
        names = [INTERCEPT, *[names[c] for c in order[1:]]]
    _check_rank(X, names)
    return X, tuple(names), int_incl


def _check_rank(X: FloatArray, names: Sequence[str]) -> None:
    kept: list[int] = []
    redundant: list[str] = []
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    Xs = X / scale  # column scaling so the rank test does not depend on units
    for j in range(X.shape[1]):
        trial = Xs[:, [*kept, j]]
        if np.linalg.matrix_rank(trial) > len(kept):
            kept.append(j)
        else:
            redundant.append(names[j])
    if redundant:
        constant = [
            n for n in redundant if np.ptp(X[:, list(names).index(n)]) == 0 and n != INTERCEPT
        ]
        hint = (
            f" ({', '.join(repr(c) for c in constant)} is constant across studies and "
            "duplicates the intercept)"
            if constant
            else ""
        )
        raise InputError(
            "argument 'mods': the design matrix is rank-deficient: column(s) "
            f"{', '.join(repr(n) for n in redundant)} are linear combinations of the columns "
            f"before them{hint}; remove them or recode the moderator",
            where="mods",
        )


def resolve_btt(btt: Any, names: Sequence[str], int_incl: bool) -> tuple[int, ...]:
    """Coefficients tested by ``QM`` as 0-based positions (metafor's ``btt``).

    ``None``: all coefficients except the intercept. A string: the coefficient
    with exactly that name, or else all whose names contain it (metafor greps,
    so ``"alloc"`` selects every level of ``alloc``). Integers are 0-based
    positions; a sequence of strings names coefficients exactly.
    """
    p = len(names)
    if btt is None:
        return tuple(range(1, p)) if (int_incl and p > 1) else tuple(range(p))
    if isinstance(btt, str):
        if btt in names:
            return (list(names).index(btt),)
        hits = tuple(j for j, n in enumerate(names) if btt in n)
        if not hits:
            raise InputError(
                f"argument 'btt': no coefficient name contains {btt!r} "
                f"(coefficients: {', '.join(names)})",
                where="btt",
            )
        return hits
    items = [btt] if isinstance(btt, int | np.integer) else list(btt)
    out: set[int] = set()
    for b in items:
        if isinstance(b, str):
            if b not in names:
                raise InputError(
                    f"argument 'btt': {b!r} is not a coefficient (coefficients: "
                    f"{', '.join(names)})",
                    where="btt",
                )
            out.add(list(names).index(b))
        elif isinstance(b, int | np.integer) and not isinstance(b, bool) and 0 <= b < p:
            out.add(int(b))
        else:
            raise InputError(
                f"argument 'btt': {b!r} is not a coefficient position; give 0-based positions "
                f"from 0 to {p - 1} or names ({', '.join(names)})",
                where="btt",
            )
    if not out:
        raise InputError("argument 'btt': selects no coefficient", where="btt")
    return tuple(sorted(out))


def omnibus(
    beta: FloatArray, vb: FloatArray, btt: Sequence[int], test: str, df_resid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Batched Wald test of ``beta[btt] = 0``: ``(QM, pval)`` for ``beta (B, p)``, ``vb (B, p, p)``.

    Chi-square with ``m`` df under ``z``; ``QM / m`` against ``F(m, k - p)`` otherwise.
    Members with a singular ``vb[btt, btt]`` (e.g. Knapp–Hartung scale 0) get NaN.
    """
    idx = np.asarray(btt)
    b = beta[:, idx]
    V = vb[:, idx[:, None], idx[None, :]]
    m = len(idx)
    B = beta.shape[0]
    QM = np.full(B, np.nan)
    ok = np.abs(np.linalg.det(V)) > 0
    if ok.any():
        sol = np.linalg.solve(V[ok], b[ok][:, :, None])[:, :, 0]
        QM[ok] = np.einsum("bi,bi->b", b[ok], sol)
    if test == "z":
        return QM, stats.chi2.sf(QM, m)
    QM = QM / m
    with np.errstate(invalid="ignore"):
        pval = np.where(df_resid > 0, stats.f.sf(QM, m, np.maximum(df_resid, 1)), np.nan)
    return QM, pval


# --------------------------------------------------------------------- result --
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
        return [
            {
                "name": n,
                "estimate": float(self.estimate[j]),
                "se": float(self.se[j]),
                "stat": float(self.stat[j]),
                "pval": float(self.pval[j]),
                "ci_lb": float(self.ci_lb[j]),
                "ci_ub": float(self.ci_ub[j]),
            }
            for j, n in enumerate(self.coef_names)
        ]

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
        stat = self.stat_name
        head = f"{'':{width}s} {'estimate':>9s} {'se':>7s} {stat:>8s} "
        if self.test != "z":
            head += f"{'df':>4s} "
        head += f"{'pval':>7s} {'ci.lb':>8s} {'ci.ub':>8s}"
        lines.append(head)
        for j, n in enumerate(self.coef_names):
            row = f"{n:{width}s} {self.estimate[j]:9.4f} {self.se[j]:7.4f} {self.stat[j]:8.4f} "
            if self.test != "z":
                row += f"{int(self.ddf):4d} "
            row += (
                f"{_fmt_p(self.pval[j]):>7s} {self.ci_lb[j]:8.4f} {self.ci_ub[j]:8.4f}  "
                f"{_stars(self.pval[j])}"
            )
            lines.append(row.rstrip())
        lines.append("")
        if self.test in ("knha", "adhoc"):
            lines.append(
                "Test: Hartung-Knapp-Sidik-Jonkman"
                + (" with the ad hoc max(1, q) correction" if self.test == "adhoc" else "")
                + f" (t with {int(self.ddf)} df)"
            )
        elif self.test == "t":
            lines.append(f"Test: t distribution with {int(self.ddf)} df")
        if self.method in ("ML", "REML", "EB"):
            lines.append(
                f"Fisher scoring {'converged' if self.converged else 'DID NOT converge'} "
                f"after {self.iterations} iterations."
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from evisynth.meta._scale import LOG_SCALE, analysis_scale

        stat = self.stat_name
        ratio = self.measure.upper() in LOG_SCALE
        scale = html.escape(analysis_scale(self.measure))
        cols = ["", f"estimate ({scale})", "se", stat, "pval", "ci_lb", "ci_ub"]
        if ratio:  # exp of a coefficient: a ratio (intercept) or a ratio of ratios (slope)
            cols += ["exp(estimate)", "exp(ci_lb)", "exp(ci_ub)"]
        head = "".join(f"<th>{h}</th>" for h in cols)
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(c['name'])}</th>"
            + "".join(
                f"<td>{c[key]:.4g}</td>"
                for key in ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub")
            )
            + ("".join(f"<td>{math.exp(c[key]):.4g}</td>" for key in ("estimate", "ci_lb",
                                                                     "ci_ub")) if ratio else "")
            + "</tr>"
            for c in self.coef()
        )
        het = (
            f"tau² = {self.tau2:.4g}, I² = {self.I2:.2f}%, H² = {self.H2:.3g}"
            + (f", R² = {self.R2:.2f}%" if self.R2 is not None else "")
            + f"; QE = {self.QE:.4g} (p = {self.QE_pval:.4g})"
        )
        return (
            f"<div><strong>{html.escape(self._title())}</strong>; test: "
            f"{html.escape(self.test)}; level {self.level:g}%<br>{html.escape(het)}<br>"
            f"{html.escape(self._qm_line())}"
            f"<table><tr>{head}</tr>{rows}</table></div>"
        )


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


# ------------------------------------------------------------------------ fit --
def _pseudo_r2(
    y: FloatArray, v: FloatArray, method: str, tau2: float, QE: float, p: int, tol: float,
    maxiter: int,
) -> float:
    k = len(y)
    if method == "FE":
        if np.all(y == y[0]):
            return 0.0
        w = 1.0 / v
        Q0 = float(np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2))
        return max(0.0, 100.0 * (1.0 - (QE / Q0) * (k - 1) / (k - p)))
    est = estimate_tau2(make_batch(y, v), method, tol=tol, maxiter=maxiter)
    if not est.converged[0]:
        warnings.warn(
            "R² is not available: the intercept-only model needed for it did not converge",
            EvisynthWarning,
            stacklevel=4,
        )
        return math.nan
    tau2_0 = float(est.tau2[0])
    if tau2_0 == 0.0:
        return 0.0
    return max(0.0, 100.0 * (tau2_0 - tau2) / tau2_0)


def fit_metareg(
    y: FloatArray,
    v: FloatArray,
    lab: tuple[str, ...] | None,
    measure: str,
    *,
    mods: Any,
    intercept: bool,
    btt: Any,
    data: Any,
    method: str,
    test: str,
    level: float,
    tol: float,
    maxiter: int,
) -> MetaRegResult:
    """Fit a meta-regression on checked effect sizes (called by :func:`evisynth.rma`).

    See :func:`evisynth.rma` for the parameters; formulas in the module docstring.

    Raises
    ------
    InputError
        Bad moderators (see :func:`build_design`), bad ``btt``, too few studies
        for the number of coefficients, or an unknown method/test.
    ConvergenceError
        If the iterative tau² estimator does not converge.
    """
    method = check_choice("method", method, METHODS)
    test = check_choice("test", test, TESTS)
    lv = check_level(level)
    k = len(y)
    if mods is None:
        if not intercept:
            raise InputError(
                "argument 'intercept': a model without moderators needs the intercept; "
                "give mods= or leave intercept=True",
                where="intercept",
            )
        raise InputError(
            "arguments 'btt'/'data' apply to meta-regression only: give mods= as well",
            where="mods",
        )
    X, names, int_incl = build_design(mods, data, intercept, k, lab)
    p = X.shape[1]
    need = p if method == "FE" else p + 1
    if k < need:
        raise InputError(
            f"too few studies: a model with {p} coefficient(s)"
            + ("" if method == "FE" else " and tau²")
            + f" needs at least {need} studies, got k = {k}; drop moderators"
            + ("" if method == "FE" else " or use method='FE'"),
            where="mods",
        )
    if test != "z" and k <= p:
        raise InputError(
            f"test={test!r} needs more studies than coefficients (k - p degrees of freedom); "
            f"got k = {k}, p = {p}",
            where="test",
        )
    if method == "FE" and test in ("knha", "adhoc"):
        warnings.warn(
            "the Knapp-Hartung adjustment is meant for random-effects models, not method='FE'",
            EvisynthWarning,
            stacklevel=3,
        )
    bt = resolve_btt(btt, names, int_incl)
    f = fit_batch(make_batch(y, v, X), method, test, lv, tol=tol, maxiter=maxiter)
    if not f.converged[0]:
        raise ConvergenceError(
            f"the {method} estimator did not converge in {maxiter} iterations; "
            "increase maxiter= or use a non-iterative method such as method='DL'"
        )
    df_resid = np.array([k - p], dtype=np.float64)
    QM, QMp = omnibus(f.beta, f.vb, bt, test, df_resid)
    if not np.isfinite(QM[0]):
        warnings.warn(
            "QM cannot be computed: the covariance of the tested coefficients is singular "
            "(e.g. a Knapp-Hartung scale of 0 when the model fits the data exactly)",
            EvisynthWarning,
            stacklevel=3,
        )
    tau2 = float(f.tau2[0])
    QE = float(f.QE[0])
    # R² needs an intercept, a moderator and (for FE's adjusted R²) residual df.
    R2 = (
        _pseudo_r2(y, v, method, tau2, QE, p, tol, maxiter)
        if (int_incl and 1 < p < k)
        else None
    )
    return MetaRegResult(
        coef_names=names,
        estimate=f.beta[0].copy(),
        se=f.se[0].copy(),
        stat=f.stat[0].copy(),
        pval=f.pval[0].copy(),
        ci_lb=f.ci_lb[0].copy(),
        ci_ub=f.ci_ub[0].copy(),
        vb=f.vb[0].copy(),
        QM=float(QM[0]),
        QM_df=len(bt),
        QM_ddf=None if test == "z" else k - p,
        QM_pval=float(QMp[0]),
        QE=QE,
        QE_pval=float(f.QE_pval[0]),
        tau2=tau2,
        I2=float(f.I2[0]),
        H2=float(f.H2[0]),
        R2=R2,
        k=k,
        p=p,
        btt=bt,
        method=method,
        test=test,
        level=lv,
        ddf=float(f.ddf[0]),
        s2w=float(f.s2w[0]),
        vt=float(f.vt[0]),
        converged=bool(f.converged[0]),
        iterations=int(f.iterations[0]),
        intercept=int_incl,
        yi=y,
        vi=v,
        X=X,
        weights=f.weights[0].copy(),
        labels=lab,
        measure=measure,
        tol=tol,
        maxiter=maxiter,
    )
