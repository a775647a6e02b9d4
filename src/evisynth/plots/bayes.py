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

import dataclasses
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
from evisynth.plots._forest_layout import (
    _FAVOURS_H,
    _GAP,
    _MARGIN,
    _count_columns,
    _draw_favours,
    _favours_right,
    _favours_shift,
    _favours_widths,
    _null_fraction,
)
from evisynth.plots._forest_rows import (
    Counts,
    _check_counts,
    _check_counts_labels,
    _check_favours,
    _ci_text,
    _count_totals,
    _describe,
    _Row,
)
from evisynth.plots._io import set_alt

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
    annotate: bool = True,
    show_pi: bool = True,
    title: str | None = None,
    study_notes: Sequence[str] | None = None,
    notes_title: str = "Note",
    xlabel: str | None = None,
    digits: int = 2,
    favours: tuple[str, str] | None = None,
    counts: Sequence[Counts | None] | None = None,
    counts_labels: tuple[str, str] = ("Intervention", "Comparator"),
    alt: str | None = None,
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
    annotate
        Print each row's estimate and interval right of the plot.
    show_pi
        Show the posterior predictive interval of a new study's effect.
    title, xlabel
        Title and axis label.
    study_notes, notes_title
        One short text per study in a column headed ``notes_title``, as in
        :func:`evisynth.plots.forest`.
    digits
        Decimals of the printed intervals (never E notation, as in
        :func:`evisynth.plots.forest`).
    favours
        ``(left_label, right_label)`` printed under the axis either side of
        the null (left is below the null), as in :func:`evisynth.plots.forest`.
    counts, counts_labels
        Events/N per arm and study, and the two column headers, as in
        :func:`evisynth.plots.forest`; the pooled row shows the sums.
    alt
        Alternative text; default a description of the studies, the shrunken
        estimates, the posterior median and credible interval and the
        predictive interval.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        If ``fit`` is not a BayesMetaResult, ``labels``/``study_notes``/``counts``
        do not have one entry per study, ``favours`` is not two labels or the
        measure has no null effect, ``transf`` is unknown or a switch is not a
        boolean.

    References
    ----------
    Röver C (2020), J Stat Softw 93(6) (``forestplot.bayesmeta``).

    Examples
    --------
    >>> import evisynth as ev
    >>> es = ev.escalc("HR", hr=[0.4, 0.38, 1.07], ci_lb=[0.31, 0.26, 0.82],
    ...                ci_ub=[0.51, 0.54, 1.40], labels=["A", "B", "C"])
    >>> fig = ev.forest(ev.bayesmeta(es), favours=("treatment", "control"))
    >>> bool(fig.get_figwidth() > 5)
    True
    >>> from evisynth.plots import get_alt
    >>> get_alt(fig).split(". ")[1]
    '3 studies, Hazard ratio (log scale) on a log scale, null effect at 1'
    """
    fit = _check(fit)
    check_bool("annotate", annotate)
    check_bool("show_pi", show_pi)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
        raise InputError(f"argument 'digits': expected a whole number from 0 to 6, got "
                         f"{digits!r}", where="digits")
    labs = check_texts("labels", labels, fit.k) if labels is not None else fit.study_labels
    notes = check_texts("study_notes", study_notes, fit.k) if study_notes is not None else None
    if notes is not None and not isinstance(notes_title, str):
        raise InputError(f"argument 'notes_title': expected a text, got "
                         f"{type(notes_title).__name__}", where="notes_title")
    scale = resolve_scale(fit.measure, transf, xlabel)
    fav = _check_favours(favours, scale, fit.measure)
    cl = _check_counts_labels(counts_labels)
    ctexts = _check_counts(counts, fit.k) if counts is not None else None
    z = float(norm.ppf(0.5 + fit.level / 200.0))
    se = np.sqrt(fit.vi)
    # (label, kind, estimate, lb, ub, interval text, note, counts), display scale
    rows: list[tuple[str, str, float, float, float, str, str, tuple[str, str]]] = []

    def row(lab: str, kind: str, e: float, lb: float, ub: float, note: str = "",
            cts: tuple[str, str] = ("", "")) -> None:
        de, dl, du = (float(t) for t in scale([e, lb, ub]))
        rows.append((lab, kind, de, dl, du, _ci_text(de, dl, du, digits, scale.percent),
                     note, cts))

    for i, lab in enumerate(labs):
        yi = float(fit.yi[i])
        row(lab, "data", yi, yi - z * se[i], yi + z * se[i],
            notes[i] if notes is not None else "",
            ctexts[i] if ctexts is not None else ("", ""))
        row("", "shrunken", float(fit.theta_median[i]), float(fit.theta_lb[i]),
            float(fit.theta_ub[i]))
    row("Pooled effect (mu)", "pooled", fit.estimate, fit.ci_lb, fit.ci_ub,
        cts=_count_totals(ctexts) if ctexts else ("", ""))
    if show_pi:
        row("Prediction (new study)", "pred", fit.pi_median, fit.pi_lb, fit.pi_ub)
    foot = (f"Open squares: data ({fit.level:g}% CI); filled circles: shrunken estimates; "
            f"diamond: posterior median of mu ({fit.level:g}% credible interval)"
            + ("; capped bar: predictive interval" if show_pi else "") + ". "
            f"tau prior: {fit.tau_prior.label}; "
            f"tau = {fmt(fit.tau, 2)} [{fmt(fit.tau_lb, 2)}, {fmt(fit.tau_ub, 2)}]")

    # columns, inches: label, note, events/N per arm, plot, interval text
    lab_w = max(text_width(r[0]) for r in rows) + 0.2
    note_w = 0.0
    if notes is not None:
        note_w = max([text_width(r[6]) for r in rows]
                     + [text_width(notes_title, FONT_SIZE, "bold")]) + _GAP
    arms = [j for j in (0, 1) if ctexts is not None and any(r[7][j] for r in rows)]
    count_w = {j: max([text_width(r[7][j]) for r in rows]
                      + [text_width(cl[j], FONT_SIZE, "bold"),
                         text_width("Events/N", FONT_SIZE, "bold")]) for j in arms}
    ci_w = max(text_width(r[5]) for r in rows) + 0.2 if annotate else 0.0
    plot_w = 3.0
    disp = np.array([[r[3], r[4]] for r in rows])
    lo, hi = float(np.nanmin(disp)), float(np.nanmax(disp))
    if not math.isfinite(lo + hi):
        raise InputError("forest_bayes: the intervals are not finite", where="fit")
    if scale.log:
        ticks, lo, hi = log_ticks(lo, hi)
    else:
        ticks, lo, hi = linear_ticks(lo, hi)
    x_label = 0.15
    x_note = x_label + lab_w
    x_counts = x_note + note_w
    x_plot = x_counts + sum(count_w[j] + _GAP for j in arms)
    null_frac = _null_fraction(scale, lo, hi)
    fav_w = _favours_widths(fav) if fav is not None else (0.0, 0.0)
    if fav is not None:  # the left label must not stick out of the figure
        shift = _favours_shift(x_plot + null_frac * plot_w, fav_w)
        x_label, x_note, x_counts, x_plot = (v + shift for v in (x_label, x_note, x_counts,
                                                                  x_plot))
    x_ci = x_plot + plot_w + 8 / 72
    right = x_ci + ci_w if annotate else x_plot + plot_w + _MARGIN
    if fav is not None:
        right = max(right, _favours_right(x_plot + null_frac * plot_w, fav_w))
    width = max(right + 0.15, 0.3 + text_width(foot, SMALL_SIZE),
                0.3 + (text_width(title, FONT_SIZE + 1, "bold") if title else 0.0))
    n = len(rows)
    row_h = 0.2
    header = notes is not None or bool(arms)
    top = (0.5 if title else 0.2) + (1.3 * row_h + (row_h if arms else 0.0) if header else 0.0)
    bottom = 0.75 + (_FAVOURS_H if fav is not None else 0.0)
    height = top + 0.15 + n * row_h + bottom
    fig = new_figure(width, height)
    ax = fig.add_axes((x_plot / width, bottom / height, plot_w / width,
                       (n * row_h) / height))
    if scale.log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([tick_label(t, scale.percent) for t in ticks])
    ax.set_ylim(n - 0.5, -0.5)
    tr = blended_transform_factory(fig.dpi_scale_trans, ax.transData)

    def put(x: float, y: float, s: str, *, ha: str = "left", bold: bool = False,
            size: float = FONT_SIZE, color: str = INK) -> None:
        if s:
            fig.text(x, y, s, transform=tr, ha=ha, va="center", fontsize=size,
                     weight="bold" if bold else "normal", color=color, parse_math=False)

    if header:
        hy = -0.5 - 0.75
        put(x_label, hy, "Study", bold=True)
        if notes is not None:
            put(x_note, hy, notes_title, bold=True)
    x_arm = _count_columns(x_counts, arms, count_w)
    for j, xa in x_arm.items():
        put(xa, -0.5 - 1.75, cl[j], ha="right", bold=True)
        put(xa, -0.5 - 0.75, "Events/N", ha="right", bold=True)
    for j, (lab, kind, de, dl, du, txt, note, cts) in enumerate(rows):
        if kind in ("data", "shrunken"):
            filled = kind == "shrunken"
            ax.plot([dl, du], [j, j], color=INK if not filled else _GREY, lw=1.0)
            ax.plot([de], [j], marker="o" if filled else "s", ms=4.5,
                    mfc=INK if filled else "white", mec=INK, color=INK, ls="none")
        elif kind == "pooled":
            ax.add_patch(Polygon([(dl, j), (de, j - 0.35), (du, j), (de, j + 0.35)],
                                 closed=True, fc=INK, ec=INK, gid="pooled-diamond"))
        else:
            ax.plot([dl, du], [j, j], color=INK, lw=1.2, gid="prediction-interval")
            for xx in (dl, du):
                ax.plot([xx, xx], [j - 0.25, j + 0.25], color=INK, lw=1.2)
        put(x_label, j, lab)
        put(x_note, j, note)
        for a in arms:
            put(x_arm[a], j, cts[a], ha="right")
        if annotate:
            put(x_ci, j, txt, size=FONT_SIZE if kind != "shrunken" else SMALL_SIZE,
                color=INK if kind != "shrunken" else _GREY)
    if scale.null is not None:
        ax.axvline(scale.null, color=_GREY, lw=0.6, ls="--")
    ax.set_yticks([])
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(scale.label, fontsize=FONT_SIZE,
                  labelpad=4 + (_FAVOURS_H * 72 if fav is not None else 0.0))
    ax.tick_params(labelsize=SMALL_SIZE)
    if fav is not None:
        _draw_favours(fig, x_plot + null_frac * plot_w, bottom, fav)
    fig.text(0.15 / width, 0.08 / height, foot, fontsize=SMALL_SIZE, ha="left", va="bottom")
    if title:
        fig.text(0.15 / width, 1 - 0.2 / height, title, fontsize=FONT_SIZE + 1,
                 weight="bold", ha="left", va="center")
    if alt is None:
        described = [_Row("study" if r[1] == "data" else "pi" if r[1] == "pred" else r[1],
                          r[0], ci_text=r[5]) for r in rows if r[1] != "shrunken"]
        described = [dataclasses.replace(r, label=f"Pooled effect (mu), posterior median "
                                         f"and {fit.level:g}% credible interval")
                     if r.kind == "pooled" else
                     dataclasses.replace(r, label=f"{fit.level:g}% posterior predictive "
                                         "interval of a new study")
                     if r.kind == "pi" else r for r in described]
        shrunk = "; ".join(f"{labs[i]} {rows[2 * i + 1][5]}" for i in range(min(fit.k, 12)))
        alt = _describe(described, scale, fav, title,
                        [f"Shrunken estimates (posterior of each study's effect): {shrunk}"
                         + ("; and more" if fit.k > 12 else ""),
                         f"Between-study standard deviation tau: posterior median "
                         f"{fmt(fit.tau, 2)} [{fmt(fit.tau_lb, 2)}, {fmt(fit.tau_ub, 2)}], "
                         f"prior {fit.tau_prior.label}"],
                        what="Bayesian forest plot")
    return set_alt(fig, alt)
