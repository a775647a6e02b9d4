"""Case-deletion influence diagnostics (metafor's ``influence.rma.uni``); formulas in
:mod:`evisynth.meta.sensitivity`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from evisynth._html import Table, result_html
from evisynth._validation import FloatArray, study_name
from evisynth.errors import InputError
from evisynth.meta.metareg import MetaRegResult
from evisynth.meta.results import RMAResult
from evisynth.meta.sensitivity import subsets
from evisynth.meta.sensitivity.subsets import (
    _EPS,
    _labels,
    _model,
    _none_for_nan,
    _warn_failed,
    loo_fits,
)


@dataclass(frozen=True)
class InfluenceResult:
    """Result of :func:`influence`: case-deletion diagnostics, one row per study.

    ``dfbs`` has shape ``(k, p)`` (one column per coefficient, named
    ``dfbs_<coefficient>`` in the frame); ``inf`` flags influential studies by
    metafor's rule (see the module docstring).
    """

    labels: tuple[str, ...]
    coef_names: tuple[str, ...]
    rstudent: FloatArray
    dffits: FloatArray
    cook_d: FloatArray
    cov_r: FloatArray
    tau2_del: FloatArray
    QE_del: FloatArray
    hat: FloatArray
    weight: FloatArray
    inf: np.ndarray
    dfbs: FloatArray
    method: str
    test: str
    failed: tuple[str, ...] = field(default=(), repr=False)

    COLUMNS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")

    def _columns(self) -> dict[str, Any]:
        cols: dict[str, Any] = {c: getattr(self, c) for c in self.COLUMNS}
        cols["inf"] = self.inf
        for j, n in enumerate(self.coef_names):
            cols[f"dfbs_{n}"] = self.dfbs[:, j]
        return cols

    def to_frame(self) -> Any:
        """Diagnostics as a pandas DataFrame indexed by study label."""
        import pandas as pd

        return pd.DataFrame(self._columns(), index=pd.Index(list(self.labels), name="study"))

    def to_dict(self) -> dict[str, Any]:
        """Columns as lists (NaN of a failed refit as ``None``), plus the study labels."""
        out: dict[str, Any] = {"study": list(self.labels)}
        for c, val in self._columns().items():
            out[c] = [bool(x) for x in val] if c == "inf" else _none_for_nan(np.asarray(val))
        return out

    def summary(self) -> str:
        """Text table like metafor's print of ``influence()`` (``*`` = influential)."""
        w = max(len(s) for s in self.labels)
        head = (
            f"{'':{w}s} {'rstudent':>9s} {'dffits':>8s} {'cook.d':>8s} {'cov.r':>7s} "
            f"{'tau2.del':>9s} {'QE.del':>9s} {'hat':>6s} {'weight':>7s} inf"
        )
        lines = ["Influence diagnostics (case deletion)", "", head]
        for i, lab in enumerate(self.labels):
            lines.append(
                f"{lab:{w}s} {self.rstudent[i]:9.4f} {self.dffits[i]:8.4f} "
                f"{self.cook_d[i]:8.4f} {self.cov_r[i]:7.4f} {self.tau2_del[i]:9.4f} "
                f"{self.QE_del[i]:9.4f} {self.hat[i]:6.4f} {self.weight[i]:7.4f} "
                f"{'*' if self.inf[i] else ''}"
            )
        if any(self.failed):
            lines.append("")
            lines += [
                f"{self.labels[i]}: not computed ({f})" for i, f in enumerate(self.failed) if f
            ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html("Influence diagnostics", tables=[Table.of_frame(self.to_frame())])


def influence(fit: RMAResult | MetaRegResult) -> InfluenceResult:
    """Case-deletion influence diagnostics (externally standardised residuals, DFFITS,
    Cook's distance, covariance ratio, leave-one-out tau² and QE, hat values,
    weights, DFBETAS and metafor's influential flag).

    The ``k`` leave-one-out refits are one batched engine call.

    Parameters
    ----------
    fit
        A result of :func:`evisynth.rma`, with or without moderators.

    Returns
    -------
    InfluenceResult
        ``to_frame()`` columns ``rstudent, dffits, cook_d, cov_r, tau2_del,
        QE_del, hat, weight, inf`` and ``dfbs_<coefficient>``.

    Raises
    ------
    InputError
        If ``fit`` is not an ``rma`` result or ``k < 2``.

    References
    ----------
    Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
    meta-analysis. Res Synth Methods 1:112-125.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.9, -1.6, -1.4, -0.2, -0.5], vi=[0.33, 0.19, 0.42, 0.07, 0.1])
    >>> inf = ev.influence(fit)
    >>> list(inf.to_frame().columns)[-2:]
    ['inf', 'dfbs_intrcpt']
    """
    X, names, maxiter, tol = _model(fit)
    k, p = X.shape
    if k < 2:
        raise InputError("influence() needs at least 2 studies", where="fit")
    y, v = fit.yi, fit.vi
    labels = _labels(fit.labels, k)
    beta = np.atleast_1d(np.asarray(fit.estimate, dtype=np.float64))
    if isinstance(fit, MetaRegResult):
        vb = fit.vb
    else:
        vb = np.array([[fit.se**2]])
    fits = loo_fits(fit, X, tol, maxiter)
    _warn_failed(fits, [f"without {study_name(i, labels)}" for i in range(k)], "influence")

    w = 1.0 / (v + fit.tau2)
    A = np.linalg.inv(X.T @ (w[:, None] * X))
    hat = np.einsum("ki,ij,kj->k", X, A, X) * w
    hat = np.where(hat > 1.0 - 10.0 * _EPS, 1.0, hat)

    with np.errstate(invalid="ignore", divide="ignore"):
        t2d, s2w = fits.tau2, fits.s2w
        delpred = np.einsum("ki,ki->k", X, fits.beta)
        vdelpred = np.einsum("ki,kij,kj->k", X, fits.vb, X)
        resid = y - delpred
        resid = np.where(np.abs(resid) < 100.0 * _EPS, 0.0, resid)
        rstudent = resid / np.sqrt(v * s2w + vdelpred + t2d * s2w)
        dffits = (X @ beta - delpred) / np.sqrt(s2w * hat * (t2d + v))
        # (X' W(-i) X)^{-1} over all k studies with the deleted fit's tau².
        t2z = np.where(np.isnan(t2d), 0.0, t2d)
        vb_del = np.empty((k, p, p))
        step = max(1, subsets._CHUNK_ENTRIES // k)
        for a in range(0, k, step):  # chunks of rows: no k x k array at once
            Wd = 1.0 / (v[None, :] + t2z[a : a + step, None])
            if p == 1:
                vb_del[a : a + step, 0, 0] = 1.0 / (Wd @ (X[:, 0] * X[:, 0]))
            else:
                vb_del[a : a + step] = np.linalg.inv(np.einsum("ki,bk,kj->bij", X, Wd, X))
        dfb = beta[None, :] - fits.beta
        dfbs = dfb / np.sqrt(s2w[:, None] * np.einsum("bii->bi", vb_del))
        cook_d = np.einsum("bi,ij,bj->b", dfb, np.linalg.inv(vb), dfb)
        cov_r = np.linalg.det(np.where(np.isnan(fits.vb), 0.0, fits.vb)) / np.linalg.det(vb)
        cov_r = np.where(fits.ok, cov_r, np.nan)
        dffits_lim = math.sqrt(p / (k - p)) if k > p else math.inf
        # NaN comparisons are False: a failed refit is flagged only by its hat value, as in metafor.
        inf = (
            (np.abs(dffits) > 3.0 * dffits_lim)
            | (special.chdtr(p, cook_d) > 0.5)
            | (hat > 3.0 * p / k)
            | np.any(np.abs(dfbs) > 1.0, axis=1)
        )
    return InfluenceResult(
        labels=labels,
        coef_names=names,
        rstudent=rstudent,
        dffits=dffits,
        cook_d=cook_d,
        cov_r=cov_r,
        tau2_del=t2d,
        QE_del=fits.QE,
        hat=hat,
        weight=100.0 * w / w.sum(),
        inf=np.asarray(inf, dtype=bool),
        dfbs=dfbs,
        method=fit.method,
        test=fit.test,
        failed=fits.failed,
    )
