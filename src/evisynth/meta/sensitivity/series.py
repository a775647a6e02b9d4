"""Leave-one-out and cumulative meta-analysis: one pooled result per omitted or added study."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._html import Table, result_html
from evisynth._validation import FloatArray, study_name
from evisynth.errors import InputError
from evisynth.meta.metareg import MetaRegResult
from evisynth.meta.results import RMAResult, _fmt_p
from evisynth.meta.sensitivity.subsets import (
    SubsetFits,
    _labels,
    _model,
    _none_for_nan,
    _warn_failed,
    fit_subsets,
    loo_fits,
)


@dataclass(frozen=True)
class _SeriesResult:
    """One pooled result per row (per omitted or per added study)."""

    labels: tuple[str, ...]
    estimate: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    Q: FloatArray
    Q_pval: FloatArray
    tau2: FloatArray
    I2: FloatArray
    H2: FloatArray
    k: np.ndarray
    method: str
    test: str
    level: float
    measure: str = "GEN"
    failed: tuple[str, ...] = field(default=(), repr=False)

    COLUMNS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2")
    _ROW_NAME = "study"
    _TITLE = ""

    @property
    def stat_name(self) -> str:
        return "zval" if self.test == "z" else "tval"

    def to_frame(self) -> Any:
        """One row per omitted/added study, indexed by its label."""
        import pandas as pd

        return pd.DataFrame(
            {c: getattr(self, c) for c in self.COLUMNS},
            index=pd.Index(list(self.labels), name=self._ROW_NAME),
        )

    def to_dict(self) -> dict[str, Any]:
        """Columns as lists (NaN of a failed refit as ``None``), plus the study labels."""
        out: dict[str, Any] = {self._ROW_NAME: list(self.labels)}
        for c in self.COLUMNS:
            out[c] = _none_for_nan(np.asarray(getattr(self, c), dtype=np.float64))
        return out

    def summary(self) -> str:
        """Text table laid out like metafor's print of ``leave1out``/``cumul``."""
        w = max(len(s) for s in self.labels)
        stat = self.stat_name
        head = (
            f"{'':{w}s} {'estimate':>9s} {'se':>7s} {stat:>8s} {'pval':>7s} {'ci.lb':>8s} "
            f"{'ci.ub':>8s} {'Q':>9s} {'Qp':>7s} {'tau2':>7s} {'I2':>6s} {'H2':>6s}"
        )
        lines = [self._TITLE, "", head]
        for i, lab in enumerate(self.labels):
            if np.isnan(self.estimate[i]):
                lines.append(f"{lab:{w}s} (not computed: {self.failed[i]})")
                continue
            lines.append(
                f"{lab:{w}s} {self.estimate[i]:9.4f} {self.se[i]:7.4f} {self.stat[i]:8.4f} "
                f"{_fmt_p(self.pval[i]):>7s} {self.ci_lb[i]:8.4f} {self.ci_ub[i]:8.4f} "
                f"{self.Q[i]:9.4f} {_fmt_p(self.Q_pval[i]):>7s} {self.tau2[i]:7.4f} "
                f"{self.I2[i]:6.2f} {self.H2[i]:6.4f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html(self._TITLE, tables=[Table.of_frame(self.to_frame())])


@dataclass(frozen=True)
class LeaveOneOutResult(_SeriesResult):
    """Result of :func:`leave_one_out`: row ``i`` is the model fitted without study ``i``."""

    _ROW_NAME = "omitted"
    _TITLE = "Leave-one-out analysis (each row: the study omitted)"


@dataclass(frozen=True)
class CumulativeResult(_SeriesResult):
    """Result of :func:`cumulative`: row ``i`` pools the first ``i + 1`` studies in ``order``.

    ``order`` holds the 0-based positions of the studies in the original data,
    in the order in which they were added.
    """

    order: tuple[int, ...] = ()

    _ROW_NAME = "added"
    _TITLE = "Cumulative meta-analysis (each row: the study added)"


def _series(fits: SubsetFits, labels: tuple[str, ...], fit: RMAResult) -> dict[str, Any]:
    return {
        "labels": labels,
        "estimate": fits.beta[:, 0],
        "se": fits.se[:, 0],
        "stat": fits.stat[:, 0],
        "pval": fits.pval[:, 0],
        "ci_lb": fits.ci_lb[:, 0],
        "ci_ub": fits.ci_ub[:, 0],
        "Q": fits.QE,
        "Q_pval": fits.QE_pval,
        "tau2": fits.tau2,
        "I2": fits.I2,
        "H2": fits.H2,
        "k": fits.k,
        "method": fit.method,
        "test": fit.test,
        "level": fit.level,
        "measure": fit.measure,
        "failed": fits.failed,
    }


def _intercept_only(fit: Any, analysis: str) -> RMAResult:
    if isinstance(fit, MetaRegResult):
        raise InputError(
            f"{analysis}() applies to models without moderators (as metafor's); for a "
            "meta-regression use influence()",
            where="fit",
        )
    if not isinstance(fit, RMAResult):
        raise InputError(
            f"argument 'fit': expected a result of evisynth.rma, got {type(fit).__name__}",
            where="fit",
        )
    return fit


def leave_one_out(fit: RMAResult) -> LeaveOneOutResult:
    """Refit the model ``k`` times, each time without one study (one batched call).

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.

    Returns
    -------
    LeaveOneOutResult
        Columns ``estimate, se, pval, ci_lb, ci_ub, Q, Q_pval, tau2, I2, H2``,
        one row per omitted study (labelled); ``to_frame()``, ``to_dict()``,
        ``summary()``.

    Raises
    ------
    InputError
        For a meta-regression (metafor's ``leave1out`` has the same
        restriction) or ``k < 2``.

    References
    ----------
    Viechtbauer W (2010), J Stat Softw 36(3): metafor's ``leave1out``.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> loo = ev.leave_one_out(fit)
    >>> [round(x, 4) for x in loo.to_dict()["estimate"]]
    [-0.9789, -0.6533, -0.8436, -1.3567]
    """
    fit = _intercept_only(fit, "leave_one_out")
    if fit.k < 2:
        raise InputError("leave_one_out() needs at least 2 studies", where="fit")
    k = fit.k
    labels = _labels(fit.labels, k)
    X, _, maxiter, tol = _model(fit)
    fits = loo_fits(fit, X, tol, maxiter)
    _warn_failed(fits, [f"without {study_name(i, labels)}" for i in range(k)], "leave_one_out")
    return LeaveOneOutResult(**_series(fits, labels, fit))


def _sort_order(order: Any, k: int, decreasing: bool) -> np.ndarray:
    if order is None:
        return np.arange(k)[::-1] if decreasing else np.arange(k)
    keys = np.asarray(order.tolist() if hasattr(order, "tolist") else list(order))
    if keys.ndim != 1 or len(keys) != k:
        raise InputError(
            f"argument 'order': needs one sort key per study ({k}), got {keys.shape}",
            where="order",
        )
    if keys.dtype.kind in "fc" and not np.all(np.isfinite(keys)):
        i = int(np.flatnonzero(~np.isfinite(keys))[0])
        raise InputError(
            f"argument 'order', {study_name(i, None)}: sort key is {keys[i]!r}; give every "
            "study a finite key (e.g. its publication year)",
            where="order",
        )
    try:
        _, rank = np.unique(keys, return_inverse=True)
    except TypeError as exc:
        raise InputError(
            f"argument 'order': keys cannot be sorted ({exc})", where="order"
        ) from None
    # Stable, as R's order(): ties keep the original study order in both directions.
    return np.argsort(-rank if decreasing else rank, kind="stable")


def cumulative(fit: RMAResult, order: Any = None, *, decreasing: bool = False) -> CumulativeResult:
    """Cumulative meta-analysis: add the studies one at a time (one batched call).

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.
    order
        One sort key per study (e.g. publication year), as metafor's ``order``:
        studies are added by increasing key, ties in their original order.
        Default: the order of the data.
    decreasing
        Add studies by decreasing key.

    Returns
    -------
    CumulativeResult
        Columns ``estimate, se, pval, ci_lb, ci_ub, Q, Q_pval, tau2, I2, H2``,
        one row per added study (labelled). The first row is the single
        first study (tau² = 0, z test, as metafor).

    Raises
    ------
    InputError
        For a meta-regression, or sort keys of the wrong length or not finite.

    References
    ----------
    Lau J et al. (1992). Cumulative meta-analysis of therapeutic trials for
    myocardial infarction. N Engl J Med 327:248-254; metafor's ``cumul``.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2], vi=[0.33, 0.19, 0.42, 0.07])
    >>> cu = ev.cumulative(fit, order=[1990, 1985, 2001, 1999])
    >>> cu.labels, bool(abs(cu.estimate[-1] - fit.estimate) < 1e-12)
    (('2', '1', '4', '3'), True)
    """
    fit = _intercept_only(fit, "cumulative")
    k = fit.k
    idx = _sort_order(order, k, decreasing)
    labels = _labels(fit.labels, k)
    masks = np.zeros((k, k), dtype=bool)
    for i in range(k):  # building masks, not refitting
        masks[i, idx[: i + 1]] = True
    fits = fit_subsets(fit.yi, fit.vi, np.ones((k, 1)), masks, fit.method, fit.test, fit.level)
    added = tuple(labels[j] for j in idx)
    _warn_failed(fits, [f"up to {a!r}" for a in added], "cumulative")
    return CumulativeResult(**_series(fits, added, fit), order=tuple(int(j) for j in idx))
