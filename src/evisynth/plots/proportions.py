"""Forest plot of single proportions: events/N and an exact interval per study, GLMM diamond.

The per-study intervals are Clopper–Pearson or Wilson (:func:`evisynth.proportion_ci`);
the pooled proportion and its interval are those of a binomial–normal GLMM
(:func:`evisynth.rma_glmm` with ``measure="PLO"``), back-transformed with the
inverse logit, and the dotted line is its prediction interval.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from evisynth.errors import InputError
from evisynth.meta.glmm import GLMMResult
from evisynth.meta.proportions import proportion_ci

__all__ = ["forest_proportions"]


def forest_proportions(
    fit: GLMMResult,
    *,
    ci_method: str = "exact",
    percent: bool = True,
    title: str | None = None,
    show_pi: bool = True,
) -> Figure:
    """Forest plot of a pooled proportion: events/N, study intervals and the GLMM diamond.

    Parameters
    ----------
    fit
        An intercept-only ``rma_glmm(measure="PLO", ...)`` result.
    ci_method
        Per-study interval: ``"exact"`` (Clopper–Pearson, default) or ``"wilson"``.
    percent
        Label the axis and the text column in percent (default) or as proportions.
    title
        Optional figure title.
    show_pi
        Draw the prediction interval under the diamond.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``fit`` is not an intercept-only PLO result.

    References
    ----------
    Clopper CJ, Pearson ES (1934). Biometrika 26:404-413 (study intervals).
    Stijnen T, Hamza TH, Özdemir P (2010). Stat Med 29:3046-3067 (pooled GLMM).

    Examples
    --------
    >>> import evisynth as ev
    >>> from evisynth.plots.proportions import forest_proportions
    >>> fit = ev.rma_glmm("PLO", xi=[4, 0, 7], ni=[40, 25, 52], labels=["A", "B", "C"])
    >>> fig = forest_proportions(fit)
    >>> len(fig.axes)
    1
    """
    if not isinstance(fit, GLMMResult) or fit.measure != "PLO" or fit.p != 1:
        raise InputError(
            "argument 'fit': expected an intercept-only rma_glmm(measure='PLO') result",
            where="fit",
        )
    assert fit.events is not None and fit.totals is not None
    ci = proportion_ci(fit.events, fit.totals, method=ci_method, level=fit.level)
    k = fit.k
    labels = list(fit.labels) if fit.labels is not None else [f"Study {i + 1}" for i in range(k)]
    scale = 100.0 if percent else 1.0
    unit = "%" if percent else ""
    t = fit.transf()

    def fmt(v: float) -> str:
        return f"{v * scale:.1f}{unit}" if percent else f"{v:.3f}"

    height = 1.2 + 0.28 * (k + 3)
    fig = Figure(figsize=(8.0, height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.36, 0.12, 0.36, 0.8 if title is None else 0.74))
    ys = np.arange(k, 0, -1) + 1.5
    ax.hlines(ys, ci.ci_lb * scale, ci.ci_ub * scale, color="0.0", lw=1.0)
    w = fit.totals / fit.totals.max()
    ax.scatter(ci.pi * scale, ys, s=12 + 40 * w, marker="s", color="0.0", zorder=3)
    yd = 0.6
    diamond = Polygon(
        [(t["ci_lb"] * scale, yd), (t["estimate"] * scale, yd + 0.3),
         (t["ci_ub"] * scale, yd), (t["estimate"] * scale, yd - 0.3)],
        closed=True, color="0.0",
    )
    ax.add_patch(diamond)
    if show_pi and fit.method == "ML":
        ax.hlines(yd, t["pi_lb"] * scale, t["pi_ub"] * scale, color="0.3", lw=1.0,
                  linestyles="dotted")
    ax.axvline(t["estimate"] * scale, color="0.45", lw=0.6, ls="--")
    ax.set_ylim(-0.2, k + 2.3)
    ax.set_xlim(0, scale)
    ax.set_yticks([])
    ax.set_xlabel(f"Proportion{' (%)' if percent else ''}")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    trans = ax.get_yaxis_transform()
    head_y = k + 1.9
    ax.text(-1.0, head_y, "Study", transform=trans, ha="left", va="center", weight="bold")
    ax.text(-0.18, head_y, "Events/N", transform=trans, ha="right", va="center", weight="bold")
    interval = "exact" if ci_method.lower() == "exact" else "Wilson"
    ax.text(1.05, head_y, f"{fit.level:g}% CI ({interval})", transform=trans, ha="left",
            va="center", weight="bold")
    for y, lab, x, n, p, lb, ub in zip(ys, labels, fit.events, fit.totals, ci.pi, ci.ci_lb,
                                       ci.ci_ub, strict=True):
        ax.text(-1.0, y, lab, transform=trans, ha="left", va="center")
        ax.text(-0.18, y, f"{int(x)}/{int(n)}", transform=trans, ha="right", va="center")
        ax.text(1.05, y, f"{fmt(p)} [{fmt(lb)}, {fmt(ub)}]", transform=trans, ha="left",
                va="center")
    ax.text(-1.0, yd, f"Random effects (GLMM), tau² = {fit.tau2:.2f}", transform=trans,
            ha="left", va="center", weight="bold")
    ax.text(-0.18, yd, f"{int(fit.events.sum())}/{int(fit.totals.sum())}", transform=trans,
            ha="right", va="center", weight="bold")
    ax.text(1.05, yd, f"{fmt(t['estimate'])} [{fmt(t['ci_lb'])}, {fmt(t['ci_ub'])}]",
            transform=trans, ha="left", va="center", weight="bold")
    if fit.flat:
        ax.text(0.5, -0.2 - 0.5 / height, "Likelihood nearly flat: the data barely inform "
                "the pooled proportion", transform=ax.transAxes, ha="center", va="top",
                style="italic")
    if title:
        fig.suptitle(title)
    return fig
