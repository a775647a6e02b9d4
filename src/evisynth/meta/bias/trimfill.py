"""Trim and fill (metafor's ``trimfill``).

References
----------
Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of
testing and adjusting for publication bias in meta-analysis. Biometrics
56:455-463; and JASA 95:89-98.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evisynth._validation import (
    FloatArray,
    check_choice,
)
from evisynth.engine import fit_batch, make_batch
from evisynth.errors import ConvergenceError, InputError
from evisynth.meta.bias._common import (
    _fit_inputs,
    _fmt,
    _low_power,
    _need_studies,
    _p_text,
    _SmallStudyResult,
)
from evisynth.meta.results import RMAResult
from evisynth.meta.rma import rma


@dataclass(frozen=True)
class TrimFillResult(_SmallStudyResult):
    """Result of :func:`trimfill`: the estimated number of missing studies and the refit.

    ``estimate`` … ``Q_pval`` are those of ``fit``, the random-/fixed-effects
    model refitted to the observed plus the ``k0`` filled studies (the original
    fit when ``k0 = 0``). ``filled_yi``/``filled_vi`` are the imputed studies.
    ``se_k0`` is the standard error of the estimator of ``k0`` (``nan`` where
    the L0 variance formula turns negative, as in metafor); ``p_k0`` is the
    p-value of the test of ``k0 = 0`` for ``R0`` (``None`` for ``L0``).
    """

    k0: int
    side: str
    estimator: str
    se_k0: float
    p_k0: float | None
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
    k: int
    filled_yi: FloatArray = field(repr=False)
    filled_vi: FloatArray = field(repr=False)
    fit: RMAResult = field(repr=False)
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary; the keys are part of the API."""
        return {
            "k0": self.k0,
            "side": self.side,
            "estimate": self.estimate,
            "se": self.se,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "tau2": self.tau2,
            "pval": self.pval,
            "k": self.k,
            "estimator": self.estimator,
            "se_k0": None if math.isnan(self.se_k0) else self.se_k0,
            "p_k0": self.p_k0,
            "filled_yi": [float(v) for v in self.filled_yi],
            "filled_vi": [float(v) for v in self.filled_vi],
            "warning": self.warning,
        }

    def to_frame(self) -> Any:
        """All studies (observed, then filled) as a pandas DataFrame: ``label, yi, vi, filled``."""
        import pandas as pd

        f = self.fit
        n_obs = f.k - self.k0
        labels = f.labels or tuple(f"Study {i + 1}" for i in range(n_obs)) + tuple(
            f"Filled {j + 1}" for j in range(self.k0)
        )
        return pd.DataFrame(
            {
                "label": list(labels),
                "yi": np.asarray(f.yi),
                "vi": np.asarray(f.vi),
                "filled": [False] * n_obs + [True] * self.k0,
            }
        )

    def summary(self) -> str:
        """Text summary: the estimated number of missing studies, then the refitted model."""
        se = _fmt(self.se_k0)
        head = [
            f"Estimated number of missing studies on the {self.side} side: {self.k0} "
            f"(SE = {se}; estimator {self.estimator}"
            + (f", {_p_text(self.p_k0)}" if self.p_k0 is not None else "")
            + ")",
            "",
        ]
        return "\n".join(head) + self.fit.summary() + "\n".join(self._note_lines())

    def _html_title(self) -> str:
        return f"Trim and fill ({self.estimator}): {self.k0} studies filled on the {self.side} side"

    def _html_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.to_dict().items() if k not in ("filled_yi", "filled_vi")}


def _k0_estimate(
    ys: FloatArray, beta: float, estimator: str
) -> tuple[int, float]:
    """One step of Duval & Tweedie: ``(k0, se_k0)`` from the centred, side-flipped effects.

    ``ys`` are the effects sorted in increasing order on the side-flipped scale
    (missing studies assumed on the left). Ranks of ``|y - beta|`` break ties by
    position (R's ``ties.method = "first"``); rounding is half-to-even as R's.
    """
    k = len(ys)
    yc = ys - beta
    ranks = np.empty(k)
    ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)
    signed = np.sign(yc) * ranks
    if estimator == "R0":
        neg = -signed[signed < 0]
        # no negative ranks: the rightmost run spans all k studies
        k0f = k - (float(neg.max()) if neg.size else 0.0) - 1
        se = math.sqrt(2 * max(0.0, k0f) + 2)
    else:
        Sr = float(signed[signed > 0].sum())
        k0f = (4 * Sr - k * (k + 1)) / (2 * k - 1)
        var_sr = (
            k * (k + 1) * (2 * k + 1)
            + 10 * k0f**3
            + 27 * k0f**2
            + 17 * k0f
            - 18 * k * k0f**2
            - 18 * k * k0f
            + 6 * k**2 * k0f
        ) / 24
        se = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
        se = max(0.0, se) if not math.isnan(se) else se
    return max(0, int(np.round(k0f))), se


def trimfill(
    fit: RMAResult,
    *,
    estimator: str = "L0",
    side: str | None = None,
    test: str | None = None,
    maxiter: int = 100,
) -> TrimFillResult:
    """Duval and Tweedie's trim-and-fill method (metafor's ``trimfill``).

    Algorithm (metafor 3.8-1): the side on which studies are missing is, unless
    given, ``"right"`` if the slope of the Egger-type meta-regression of ``yi``
    on ``sqrt(vi)`` (the fit's tau² estimator) is negative, else ``"left"``.
    Effects are flipped so that the missing side is the left one and sorted.
    Starting from ``k0 = 0``, repeatedly: estimate the pooled effect ``b`` from
    the studies left after trimming the ``k0`` most extreme ones, rank
    ``|yᵢ - b|`` over all studies, and update ``k0`` by ``L0 = (4 Sr - k(k+1)) /
    (2k - 1)`` (``Sr``: sum of the positive signed ranks) or ``R0 = γ* - 1``
    (``γ*``: length of the rightmost run of positive ranks), rounded and
    truncated at 0, until ``k0`` no longer changes. The ``k0`` trimmed studies
    are mirrored around ``b`` (``2b - yᵢ``, same ``vᵢ``) and the model is
    refitted to observed plus filled studies.

    All trimmed-set estimates ``b`` are computed in one batched engine call
    (one batch member per possible ``k0``), so the iteration itself is a lookup.

    Parameters
    ----------
    fit
        An intercept-only result of :func:`evisynth.rma`.
    estimator
        ``"L0"`` (default) or ``"R0"``.
    side
        ``None`` (chosen from the regression test, as above), ``"left"`` or
        ``"right"``: the side on which studies are presumed missing.
    test
        Test of the refitted model; default the fit's own test (see Notes).
    maxiter
        Maximum number of iterations.

    Returns
    -------
    TrimFillResult
        ``k0``, ``side``, the refitted estimate, interval and tau², the filled
        studies and the refit itself (``.fit``).

    Raises
    ------
    InputError
        ``fit`` is not an intercept-only :func:`rma` result, fewer than 3
        studies, unknown estimator/side/test.
    ConvergenceError
        ``k0`` still changing after ``maxiter`` iterations, or the tau²
        estimator not converging.

    Warns
    -----
    EvisynthWarning
        Fewer than 10 studies (Cochrane Handbook 10.4.3.1).

    Notes
    -----
    metafor refits the filled data with its default ``test="z"`` whatever the
    test of the original model (unless ``test=`` is passed); evisynth keeps the
    original model's test unless ``test`` is given, so that a Knapp–Hartung
    analysis stays one after filling.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[0.1, 0.3, 0.35, 0.6, 0.65, 0.2, 0.5, 0.8, 0.05, 0.45],
    ...              vi=[0.011, 0.03, 0.042, 0.08, 0.1, 0.021, 0.06, 0.12, 0.01, 0.05])
    >>> tf = ev.trimfill(fit)
    >>> tf.k0, tf.side, round(tf.estimate, 4)
    (5, 'left', 0.1602)
    """
    if not isinstance(fit, RMAResult):
        raise InputError(
            "trimfill(): argument 'fit': expected a result of evisynth.rma, got "
            f"{type(fit).__name__}",
            where="fit",
        )
    yi, vi, method, fit_test, level = _fit_inputs(fit, "trimfill")
    estimator = check_choice("estimator", estimator, ("L0", "R0"))
    from evisynth.engine import TESTS

    test_ = fit_test if test is None else check_choice("test", test, TESTS)
    k = len(yi)
    _need_studies(k, "trimfill")

    if side is None:
        X = np.column_stack([np.ones(k), np.sqrt(vi)])
        if np.linalg.matrix_rank(X) < 2:
            raise InputError(
                "trimfill(): all studies have the same variance, so the side of the missing "
                "studies cannot be estimated from the funnel plot; give side='left' or "
                "side='right'",
                where="side",
            )
        reg = fit_batch(make_batch(yi, vi, X), method, "z", level)
        side_ = "right" if reg.beta[0, 1] < 0 else "left"
    else:
        side_ = check_choice("side", side, ("left", "right"))
    sign = -1.0 if side_ == "right" else 1.0

    order = np.argsort(sign * yi, kind="stable")
    ys, vs = sign * yi[order], vi[order]
    # Batch member j keeps the k - j smallest (flipped) effects; j = k - 1 keeps a
    # single study, whose estimate is that study's effect whatever the weights.
    n_fit = k - 1
    keep = np.arange(k)[None, :] < (k - np.arange(n_fit))[:, None]
    trimmed = fit_batch(make_batch(ys, vs, mask=keep), method, "z", level)
    betas = np.append(trimmed.beta[:, 0], ys[0])

    k0, k0_prev, it = 0, -1, 0
    used: set[int] = set()
    se_k0 = math.nan
    while k0 != k0_prev:
        it += 1
        if it > maxiter:
            raise ConvergenceError(
                f"trimfill(): the number of missing studies did not settle in {maxiter} "
                "iterations; increase maxiter="
            )
        k0_prev = k0
        used.add(k0)
        k0, se_k0 = _k0_estimate(ys, float(betas[k0]), estimator)
    if not all(trimmed.converged[j] for j in used if j < n_fit):
        raise ConvergenceError(
            f"trimfill(): the {method} estimator did not converge for a trimmed data set; "
            "use a non-iterative method such as method='DL'"
        )
    beta = sign * float(betas[k0])

    idx = order[k - k0 :]
    filled_yi = 2 * beta - yi[idx]
    filled_vi = vi[idx]
    if k0 == 0 and test_ == fit_test:
        refit = fit
    else:
        labels = (
            (fit.labels or tuple(f"Study {i + 1}" for i in range(k)))
            + tuple(f"Filled {j + 1}" for j in range(k0))
        )
        refit = rma(
            yi=np.concatenate([yi, filled_yi]),
            vi=np.concatenate([vi, filled_vi]),
            method=method,
            test=test_,
            level=level,
            labels=labels,
        )
    return TrimFillResult(
        k0=k0,
        side=side_,
        estimator=estimator,
        se_k0=se_k0,
        p_k0=0.5 ** (k0 + 1) if estimator == "R0" else None,
        estimate=refit.estimate,
        se=refit.se,
        stat=refit.stat,
        pval=refit.pval,
        ci_lb=refit.ci_lb,
        ci_ub=refit.ci_ub,
        tau2=refit.tau2,
        I2=refit.I2,
        H2=refit.H2,
        Q=refit.Q,
        Q_pval=refit.Q_pval,
        k=refit.k,
        filled_yi=filled_yi,
        filled_vi=filled_vi,
        fit=refit,
        warning=_low_power(k, "trim and fill"),
    )
