"""Figures of a Bayesian meta-analysis (:func:`evisynth.bayesmeta`).

``bayes_posterior`` draws the prior and posterior densities of the
heterogeneity ``tau`` and of the overall effect ``mu`` (with the posterior
predictive density of a new study's effect), shading the credible intervals.
``forest_bayes`` is the forest plot of a Bayesian fit: each study's estimate
with its confidence interval and, beneath it, its shrunken estimate (the
posterior of that study's true effect), then the pooled effect (diamond: the
credible interval) and the predictive interval (capped bar). Shapes, not
colours, tell the elements apart (open square: data; filled circle:
shrunken), so the figures read in grayscale.

References
----------
Röver C (2020). Bayesian random-effects meta-analysis using the bayesmeta R
package. J Stat Softw 93(6) (``plot.bayesmeta``, ``forestplot.bayesmeta``:
shrinkage estimates shown beside the data).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import blended_transform_factory
from scipy.stats import norm

from evisynth._validation import check_bool
from evisynth.errors import InputError
from evisynth.meta.bayes import BayesMetaResult
from evisynth.plots._common import (
    FONT_SIZE,
    INK,
    SMALL_SIZE,
    check_texts,
    fmt,
    linear_ticks,
    log_ticks,
    new_figure,
    resolve_scale,
    text_width,
    tick_label,
)

__all__ = ["bayes_posterior", "forest_bayes"]

_GREY = "0.55"
_SHADE = "0.85"


def _check(fit: Any) -> BayesMetaResult:
    if not isinstance(fit, BayesMetaResult):
        raise InputError(
            f"argument 'fit': expected the result of evisynth.bayesmeta (a BayesMetaResult), "
            f"got {type(fit).__name__}",
            where="fit",
        )
    return fit


def bayes_posterior(fit: BayesMetaResult, *, show_prior: bool = True,
                    title: str | None = None) -> Figure:
    """Prior and posterior densities of ``tau`` (left) and ``mu`` (right).

    Parameters
    ----------
    fit
        Result of :func:`evisynth.bayesmeta`.
    show_prior
        Draw the prior densities (dashed); a flat effect prior is not drawn.
    title
        Title above the panels.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``fit`` is not a BayesMetaResult or ``show_prior`` is not a boolean.

    References
    ----------
    Röver C (2020), J Stat Softw 93(6), section 3 (``plot.bayesmeta``).

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.bayesmeta(yi=[-0.9, -1.0, 0.07], vi=[0.017, 0.035, 0.019],
    ...                    tau_prior="halfnormal:0.5")
    >>> fig = bayes_posterior(fit)
    >>> len(fig.axes)
    2
    """
    fit = _check(fit)
    check_bool("show_prior", show_prior)
    fig = new_figure(8.0, 3.2)
    ax_t, ax_m = fig.subplots(1, 2)
    # tau
    x, f = fit.density("tau")
    ax_t.plot(x, f, color=INK, lw=1.4, label="posterior")
    inside = (x >= fit.tau_lb) & (x <= fit.tau_ub)
    ax_t.fill_between(x[inside], f[inside], color=_SHADE, lw=0)
    if show_prior:
        ax_t.plot(x, fit.tau_prior.pdf(x), color=INK, lw=1.0, ls="--",
                  label=f"prior: {fit.tau_prior.label}")
    ax_t.axvline(fit.tau, color=INK, lw=0.8, ls=":")
    ax_t.set_xlabel("heterogeneity tau", fontsize=FONT_SIZE)
    ax_t.set_ylabel("density", fontsize=FONT_SIZE)
    ax_t.set_xlim(0, x[-1])
    ax_t.set_ylim(bottom=0)
    ax_t.legend(fontsize=SMALL_SIZE, frameon=False)
    # mu and a new study's effect
    xm, fm = fit.density("pred")
    xm2, fm2 = fit.density("mu", x=xm)
    ax_m.plot(xm2, fm2, color=INK, lw=1.4, label="posterior of mu")
    inside = (xm2 >= fit.ci_lb) & (xm2 <= fit.ci_ub)
    ax_m.fill_between(xm2[inside], fm2[inside], color=_SHADE, lw=0)
    ax_m.plot(xm, fm, color=_GREY, lw=1.2, ls="-.", label="new study (predictive)")
    if show_prior and fit.mu_prior is not None:
        ax_m.plot(xm, norm.pdf(xm, fit.mu_prior.mean, fit.mu_prior.sd), color=INK, lw=1.0,
                  ls="--", label=f"prior: {fit.mu_prior.label}")
    ax_m.axvline(fit.estimate, color=INK, lw=0.8, ls=":")
    ax_m.axvline(0.0, color=_GREY, lw=0.6)
    ax_m.set_xlabel(f"effect mu ({'log ' + fit.measure if fit.measure != 'GEN' else 'yi'})",
                    fontsize=FONT_SIZE)
    ax_m.set_ylim(bottom=0)
    ax_m.legend(fontsize=SMALL_SIZE, frameon=False)
    for ax in (ax_t, ax_m):
        ax.tick_params(labelsize=SMALL_SIZE)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def forest_bayes(
    fit: BayesMetaResult,
    *,
    transf: Any = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    digits: int = 2,
    **ignored: Any,
) -> Figure:
    """Forest plot of a Bayesian fit: data, shrunken estimates, pooled and predictive rows.

    Parameters
    ----------
    fit
        Result of :func:`evisynth.bayesmeta`.
    transf
        Display scale as in :func:`evisynth.plots.forest` (``None``: ratio
        scale with a log axis for log-ratio measures).
    labels
        Study labels (default those of the fit).
    title, xlabel
        Title and axis label.
    digits
        Decimals of the printed intervals.
    **ignored
        Options of the frequentist forest plot that do not apply (weights,
        notes) are accepted and ignored, so that ``ev.forest`` can dispatch.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``fit`` is not a BayesMetaResult, ``labels`` has the wrong length or
        ``transf`` is unknown.

    References
    ----------
    Röver C (2020), J Stat Softw 93(6) (``forestplot.bayesmeta``).

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
    ...                ci_ub=[0.51, 0.54, 1.40], labels=["A", "B", "C"])
    >>> fig = ev.forest(ev.bayesmeta(es))
    >>> bool(fig.get_figwidth() > 5)
    True
    """
    fit = _check(fit)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
        raise InputError(f"argument 'digits': expected a whole number from 0 to 6, got "
                         f"{digits!r}", where="digits")
    labs = check_texts("labels", labels, fit.k) if labels is not None else fit.study_labels
    scale = resolve_scale(fit.measure, transf, xlabel)
    z = float(norm.ppf(0.5 + fit.level / 200.0))
    se = np.sqrt(fit.vi)
    rows: list[tuple[str, str, float, float, float, str]] = []

    def ci(e: float, lb: float, ub: float) -> str:
        t = scale([e, lb, ub])
        a, b, c = (fmt(float(x), digits) for x in t)
        return f"{a} [{b}, {c}]"

    for i, lab in enumerate(labs):
        yi = float(fit.yi[i])
        rows.append((lab, "data", yi, yi - z * se[i], yi + z * se[i],
                     ci(yi, yi - z * se[i], yi + z * se[i])))
        rows.append(("", "shrunken", float(fit.theta_median[i]), float(fit.theta_lb[i]),
                     float(fit.theta_ub[i]),
                     ci(float(fit.theta_median[i]), float(fit.theta_lb[i]),
                        float(fit.theta_ub[i]))))
    rows.append(("Pooled effect (mu)", "pooled", fit.estimate, fit.ci_lb, fit.ci_ub,
                 ci(fit.estimate, fit.ci_lb, fit.ci_ub)))
    rows.append(("Prediction (new study)", "pred", fit.pi_median, fit.pi_lb, fit.pi_ub,
                 ci(fit.pi_median, fit.pi_lb, fit.pi_ub)))
    lab_w = max(text_width(r[0]) for r in rows) + 0.2
    ci_w = max(text_width(r[5]) for r in rows) + 0.2
    plot_w = 3.0
    n = len(rows)
    row_h = 0.2
    top = 0.5 if title else 0.2
    height = top + n * row_h + 0.9
    foot = (f"Open squares: data ({fit.level:g}% CI); filled circles: shrunken estimates "
            f"({fit.level:g}% credible interval). tau prior: {fit.tau_prior.label}; "
            f"tau = {fmt(fit.tau, 2)} [{fmt(fit.tau_lb, 2)}, {fmt(fit.tau_ub, 2)}]")
    width = max(0.3 + lab_w + plot_w + ci_w, 0.3 + text_width(foot, SMALL_SIZE))
    fig = new_figure(width, height)
    ax = fig.add_axes(((0.15 + lab_w) / width, 0.75 / height, plot_w / width,
                       (n * row_h) / height))
    vals = np.array([[r[3], r[4]] for r in rows])
    disp = scale(vals)
    lo, hi = float(np.nanmin(disp)), float(np.nanmax(disp))
    if not math.isfinite(lo + hi):
        raise InputError("forest_bayes: the intervals are not finite", where="fit")
    if scale.log:
        ax.set_xscale("log")
        ticks, lo, hi = log_ticks(lo, hi)
    else:
        ticks, lo, hi = linear_ticks(lo, hi)
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([tick_label(t) for t in ticks])
    ax.set_ylim(n - 0.5, -0.5)
    for j, (lab, kind, e, lb, ub, txt) in enumerate(rows):
        de, dl, du = (float(t) for t in scale([e, lb, ub]))
        if kind in ("data", "shrunken"):
            filled = kind == "shrunken"
            ax.plot([dl, du], [j, j], color=INK if not filled else _GREY, lw=1.0)
            ax.plot([de], [j], marker="o" if filled else "s", ms=4.5,
                    mfc=INK if filled else "white", mec=INK, color=INK, ls="none")
        elif kind == "pooled":
            ax.add_patch(Polygon([(dl, j), (de, j - 0.35), (du, j), (de, j + 0.35)],
                                 closed=True, fc=INK, ec=INK))
        else:
            ax.plot([dl, du], [j, j], color=INK, lw=1.2)
            for xx in (dl, du):
                ax.plot([xx, xx], [j - 0.25, j + 0.25], color=INK, lw=1.2)
        fig.text(0.15 / width, j, lab, fontsize=FONT_SIZE, va="center", ha="left",
                 transform=blended_transform_factory(fig.transFigure, ax.transData))
        ax.annotate(txt, xy=(1.0, j), xycoords=("axes fraction", "data"),
                    xytext=(8, 0), textcoords="offset points", va="center",
                    fontsize=FONT_SIZE if kind != "shrunken" else SMALL_SIZE,
                    color=INK if kind != "shrunken" else _GREY)
    if scale.null is not None:
        ax.axvline(scale.null, color=_GREY, lw=0.6, ls="--")
    ax.set_yticks([])
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(scale.label, fontsize=FONT_SIZE)
    ax.tick_params(labelsize=SMALL_SIZE)
    fig.text(0.15 / width, 0.08 / height, foot, fontsize=SMALL_SIZE, ha="left", va="bottom")
    if title:
        fig.text(0.15 / width, 1 - 0.2 / height, title, fontsize=FONT_SIZE + 1,
                 weight="bold", ha="left", va="center")
    return fig
