"""Funnel plot: each study's effect against its standard error, with pseudo-confidence contours.

Without small-study effects the studies scatter symmetrically around the pooled
effect, wider as the standard error grows (Light & Pillemer 1984; Sterne et al.
2011). The contours are the lines ``centre ± z_L · SE`` for each level ``L``:
centred on the pooled estimate they are the usual pseudo-confidence limits
(Sterne & Egger 2001); centred on the null they mark where a study's own
two-sided p-value crosses ``1 - L/100`` (the contour-enhanced funnel plot of
Peters et al. 2008, whose levels 90/95/99 are the default here).

The bands between contours are shaded in greys that get darker outwards, and
each contour has its own line style; observed studies are filled black circles,
studies imputed by trim-and-fill open circles; the pooled estimate is a solid
vertical line, the trim-and-fill adjusted estimate a dashed one. Nothing relies
on colour.

References
----------
Sterne JAC, Egger M (2001). Funnel plots for detecting bias in meta-analysis:
guidelines on choice of axis. J Clin Epidemiol 54(10):1046-1055.

Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2008). Contour-enhanced
meta-analysis funnel plots help distinguish publication bias from other causes
of asymmetry. J Clin Epidemiol 61(10):991-996.

Sterne JAC, Sutton AJ, Ioannidis JPA, et al. (2011). Recommendations for
examining and interpreting funnel plot asymmetry in meta-analyses of randomised
controlled trials. BMJ 343:d4002.

Duval S, Tweedie R (2000). Trim and fill. Biometrics 56(2):455-463.

Page MJ, Higgins JPT, Sterne JAC (2023). Chapter 13: Assessing risk of bias due
to missing results in a synthesis. Cochrane Handbook for Systematic Reviews of
Interventions, version 6.4 (section 13.3.5.4: funnel plots and tests for
asymmetry only with at least 10 studies).

Fewer than 10 studies
---------------------
With fewer than about 10 studies, funnel plot asymmetry cannot be told from
chance (Sterne et al. 2011). ``funnel(fit, min_k=FUNNEL_MIN_K)`` refuses such a
fit with an :class:`~evisynth.errors.InputError`; a report should check
``fit.k >= FUNNEL_MIN_K`` first and print :func:`funnel_refusal` instead of a
figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullLocator
from scipy.stats import norm

from evisynth._validation import (
    FloatArray,
    as_float_vector,
    check_choice,
    check_int,
    check_positive,
)
from evisynth.errors import InputError
from evisynth.meta.results import RMAResult
from evisynth.plots._common import (
    FONT_SIZE,
    GUIDE,
    INK,
    SMALL_SIZE,
    TITLE_SIZE,
    add_line,
    check_fit,
    font,
    linear_ticks,
    log_ticks,
    new_figure,
    resolve_scale,
    text_width,
    tick_label,
)
from evisynth.plots._io import set_alt

__all__ = ["FUNNEL_MIN_K", "funnel", "funnel_refusal"]

#: Fewest studies for which a funnel plot is drawn when asked to refuse (Sterne et al. 2011).
FUNNEL_MIN_K = 10

_STYLES = ("-", "--", ":", "-.")  # outermost contour first
_ADJUSTED = (0, (7, 2.5))  # long dashes, black and heavier than the grey contours
_SHADES = ("0.78", "0.86", "0.93", "0.97")  # outside the outermost contour first
_MARGIN = 0.15
_AX_W, _AX_H = 3.6, 3.0
_LEFT = 0.75  # y tick labels + y label
_BOTTOM = 0.55  # x tick labels + x label


def _check_contours(contours: Any) -> list[float]:
    if contours is None:
        return []
    if isinstance(contours, str) or not isinstance(contours, Sequence | np.ndarray):
        raise InputError(
            f"argument 'contours': expected a sequence of levels in percent such as "
            f"(90, 95, 99), got {contours!r}",
            where="contours",
        )
    lv = as_float_vector("contours", list(contours)) if len(contours) else np.array([])
    if ((lv <= 0) | (lv >= 100)).any() or len(set(lv.tolist())) != len(lv) or len(lv) > 4:
        raise InputError(
            f"argument 'contours': {list(contours)} — give up to 4 distinct levels strictly "
            "between 0 and 100, e.g. (90, 95, 99)",
            where="contours",
        )
    return sorted(lv.tolist(), reverse=True)  # outermost (largest level) first


def _filled(trimfill: Any) -> tuple[FloatArray, FloatArray, RMAResult | None]:
    """``(yi, vi, adjusted fit)`` from a trim-and-fill result or a ``(yi, vi)`` pair."""
    if trimfill is None:
        return np.array([]), np.array([]), None
    if hasattr(trimfill, "filled_yi") and hasattr(trimfill, "filled_vi"):
        adj = getattr(trimfill, "fit", None)
        return (np.asarray(trimfill.filled_yi, dtype=float),
                np.asarray(trimfill.filled_vi, dtype=float),
                adj if isinstance(adj, RMAResult) else None)
    if isinstance(trimfill, tuple | list) and len(trimfill) == 2:
        yi = as_float_vector("trimfill[0] (filled yi)", trimfill[0])
        vi = as_float_vector("trimfill[1] (filled vi)", trimfill[1])
        if len(yi) != len(vi):
            raise InputError(
                f"argument 'trimfill': {len(yi)} filled yi but {len(vi)} filled vi; give one "
                "variance per filled study",
                where="trimfill",
            )
        check_positive("trimfill[1] (filled vi)", vi)
        return yi, vi, None
    raise InputError(
        "argument 'trimfill': expected the result of evisynth.trimfill or a pair "
        f"(filled_yi, filled_vi), got {type(trimfill).__name__}",
        where="trimfill",
    )


def _contour_label(level: float, centre: str) -> str:
    if centre == "null":
        return f"p = {1 - level / 100:.2f} contour"
    return f"{level:g}% pseudo-confidence limits"


def funnel_refusal(k: int, min_k: int = FUNNEL_MIN_K) -> str | None:
    """The sentence a report prints instead of a funnel plot of ``k < min_k`` studies.

    Parameters
    ----------
    k
        Number of studies.
    min_k
        Fewest studies for a funnel plot (default :data:`FUNNEL_MIN_K`, 10).

    Returns
    -------
    str or None
        ``None`` when ``k >= min_k`` (draw the plot), otherwise the sentence.

    Raises
    ------
    InputError
        If ``k`` or ``min_k`` is not a whole number ≥ 1.

    References
    ----------
    Sterne JAC, Sutton AJ, Ioannidis JPA, et al. (2011). BMJ 343:d4002.

    Examples
    --------
    >>> funnel_refusal(3)
    'No funnel plot: with 3 studies (fewer than 10), asymmetry cannot be told from chance.'
    >>> funnel_refusal(12) is None
    True
    """
    k = check_int("k", k, lo=1)
    min_k = check_int("min_k", min_k, lo=1)
    if k >= min_k:
        return None
    what = "1 study" if k == 1 else f"{k} studies"
    return (f"No funnel plot: with {what} (fewer than {min_k}), asymmetry cannot be told "
            "from chance.")


def _describe(fit: RMAResult, scale: Any, centre: str, levels: Sequence[float],
              n_filled: int, title: str | None) -> str:
    est = tick_label(float(scale([fit.estimate])[0]), scale.percent)
    parts = [f"Funnel plot{': ' + title if title else ''}.",
             f"{fit.k} studies: {scale.label} (horizontal, {'log' if scale.log else 'linear'} "
             f"scale) against standard error (vertical, 0 at the top); pooled estimate "
             f"{est} as a vertical line."]
    if levels:
        around = "the null effect" if centre == "null" else "the pooled estimate"
        parts.append(f"Contours at {', '.join(f'{L:g}%' for L in levels)} around {around}.")
    if n_filled:
        parts.append(f"{n_filled} studies imputed by trim-and-fill as open circles.")
    return " ".join(parts)


def funnel(
    fit: RMAResult,
    *,
    contours: Sequence[float] | None = (90, 95, 99),
    trimfill: Any = None,
    centre: str = "estimate",
    transf: Any = None,
    title: str | None = None,
    xlabel: str | None = None,
    min_k: int | None = None,
    alt: str | None = None,
) -> Figure:
    """Funnel plot of a meta-analysis, optionally with trim-and-fill studies.

    Parameters
    ----------
    fit
        Result of :func:`evisynth.rma` (the observed studies).
    contours
        Levels in percent of the contour lines ``centre ± z·SE`` (at most 4);
        ``()`` or ``None`` for none.
    trimfill
        The result of :func:`evisynth.trimfill` (its filled studies are drawn
        as open circles and its adjusted estimate as a dashed line), or a pair
        ``(filled_yi, filled_vi)`` on the analysis scale.
    centre
        ``"estimate"`` (pseudo-confidence limits around the pooled estimate) or
        ``"null"`` (contour-enhanced funnel plot, Peters et al. 2008).
    transf
        Display scale of the effect axis, as in :func:`evisynth.plots.forest`
        (default: ratio scale on a log axis for log-ratio measures).
    title
        Title above the plot.
    xlabel
        Effect-axis label; default the measure's name and the scale.
    min_k
        Refuse to draw a funnel of fewer than ``min_k`` studies (an
        :class:`~evisynth.errors.InputError` whose message is
        :func:`funnel_refusal`). Pass :data:`FUNNEL_MIN_K` (10) as the Cochrane
        Handbook advises; ``None`` (default) draws any ``k``.
    alt
        Alternative text; default a description of what is plotted.

    Returns
    -------
    matplotlib.figure.Figure
        Effect on the horizontal axis, standard error on the vertical axis
        (0 at the top).

    Raises
    ------
    InputError
        If ``fit`` has fewer than ``min_k`` studies,
        ``fit`` is not an RMAResult, ``contours`` are not levels in (0, 100),
        ``centre`` is unknown, ``centre="null"`` for a measure without a null
        effect, or ``trimfill`` is neither a trim-and-fill result nor a pair
        of arrays of equal length.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.6, -0.3, -0.9, -0.1, -0.5], vi=[0.04, 0.02, 0.09, 0.01, 0.05])
    >>> fig = funnel(fit, transf="exp")
    >>> fig.axes[0].get_ylabel()
    'Standard error'
    >>> funnel(fit, min_k=FUNNEL_MIN_K)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    evisynth.errors.InputError: argument 'fit': No funnel plot: with 5 studies (fewer than 10)...
    """
    fit = check_fit(fit)
    if min_k is not None:
        refusal = funnel_refusal(fit.k, min_k)
        if refusal is not None:
            raise InputError(f"argument 'fit': {refusal}", where="fit")
    levels = _check_contours(contours)
    centre = check_choice("centre", centre, ("estimate", "null"))
    scale = resolve_scale(fit.measure, transf, xlabel)
    fy, fv, adjusted = _filled(trimfill)
    if centre == "null" and scale.null is None:
        raise InputError(
            f"argument 'centre': a {fit.measure} analysis has no null effect; use "
            "centre='estimate'",
            where="centre",
        )
    c = fit.estimate if centre == "estimate" else 0.0
    yi = np.asarray(fit.yi, dtype=float)
    se = np.sqrt(np.asarray(fit.vi, dtype=float))
    fse = np.sqrt(fv)
    se_all = np.concatenate([se, fse])
    yticks, _, se_max = linear_ticks(0.0, float(se_all.max()) * 1.05, max_ticks=6)
    z_out = float(norm.ppf(0.5 + levels[0] / 200)) if levels else 0.0
    xs = np.concatenate([yi, fy, [c - z_out * se_max, c + z_out * se_max, fit.estimate]])
    if scale.null is not None and centre == "null":
        xs = np.append(xs, 0.0)
    if adjusted is not None:
        xs = np.append(xs, adjusted.estimate)
    dx = scale(xs)
    if scale.log:
        xticks, lo, hi = log_ticks(float(dx.min()), float(dx.max()))
    else:
        xticks, lo, hi = linear_ticks(float(dx.min()), float(dx.max()))

    # legend entries, measured to size the right-hand column
    handles: list[Any] = [
        Line2D([], [], ls="none", color=INK, marker="o", ms=5, mfc=INK, mec=INK,
               label=f"Studies (k = {fit.k})"),
    ]
    if len(fy):
        handles.append(Line2D([], [], ls="none", color=INK, marker="o", ms=5, mfc="white",
                              mec=INK, mew=1.0, label=f"Filled by trim-and-fill ({len(fy)})"))
    handles.append(Line2D([], [], color=INK, lw=1.1, label="Pooled estimate"))
    if adjusted is not None:
        handles.append(Line2D([], [], color=INK, lw=1.3, ls=_ADJUSTED,
                              label="Adjusted estimate (trim-and-fill)"))
    for i, L in enumerate(levels):
        handles.append(Line2D([], [], color=GUIDE, lw=0.9, ls=_STYLES[i],
                              label=_contour_label(L, centre)))
    legend_w = max(text_width(h.get_label(), SMALL_SIZE) for h in handles) + 0.55
    title_h = 0.32 if title else 0.0
    fig_w = _MARGIN + _LEFT + _AX_W + 0.25 + legend_w + _MARGIN
    if title:
        fig_w = max(fig_w, text_width(title, TITLE_SIZE, "bold") + 2 * _MARGIN)
    fig_h = _MARGIN + title_h + _AX_H + _BOTTOM + _MARGIN
    fig = new_figure(fig_w, fig_h)
    x0 = _MARGIN + _LEFT
    ax = fig.add_axes((x0 / fig_w, (_MARGIN + _BOTTOM) / fig_h, _AX_W / fig_w, _AX_H / fig_h))
    if scale.log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(se_max, 0.0)

    # shaded bands: darkest outside, lighter towards the centre; then the contour lines
    if levels:
        ax.add_patch(Polygon([(lo, 0), (hi, 0), (hi, se_max), (lo, se_max)], closed=True,
                             facecolor=_SHADES[0], edgecolor="none", zorder=0, gid="funnel-band"))
    for i, L in enumerate(levels):
        z = float(norm.ppf(0.5 + L / 200))
        left, right = scale([c - z * se_max, c + z * se_max])
        cx = float(scale([c])[0])
        # each triangle takes the shade of the band just inside it; the innermost is white
        shade = "white" if i == len(levels) - 1 else _SHADES[i + 1]
        ax.add_patch(Polygon([(cx, 0), (left, se_max), (right, se_max)], closed=True,
                             facecolor=shade, edgecolor="none", zorder=0, gid="funnel-band"))
        for end in (left, right):
            add_line(ax, [cx, end], [0, se_max], color=GUIDE, lw=0.9, ls=_STYLES[i], zorder=1,
                    gid=f"contour-{L:g}")
    est = float(scale([fit.estimate])[0])
    add_line(ax, [est, est], [0, se_max], color=INK, lw=1.1, zorder=2, gid="pooled-line")
    if adjusted is not None:
        a = float(scale([adjusted.estimate])[0])
        add_line(ax, [a, a], [0, se_max], color=INK, lw=1.3, ls=_ADJUSTED, zorder=2,
                gid="adjusted-line")
    if centre == "null" and scale.null is not None:
        add_line(ax, [scale.null] * 2, [0, se_max], color=GUIDE, lw=0.8, zorder=1, gid="null-line")
    ax.scatter(scale(yi), se, s=26, marker="o", facecolors=INK, edgecolors=INK,
               linewidths=0.8, zorder=4, gid="observed-points", clip_on=False)
    if len(fy):
        ax.scatter(scale(fy), fse, s=26, marker="o", facecolors="white", edgecolors=INK,
                   linewidths=1.0, zorder=4, gid="filled-points", clip_on=False)

    ax.xaxis.set_major_locator(FixedLocator(xticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(xticks, [tick_label(t, scale.percent) for t in xticks],
                  fontproperties=font(SMALL_SIZE))
    ax.set_yticks(yticks, [tick_label(t) for t in yticks], fontproperties=font(SMALL_SIZE))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.tick_params(length=3, width=0.8, color=INK, labelcolor=INK)
    for sp in ax.spines.values():
        sp.set_color(INK)
        sp.set_linewidth(0.8)
    ax.set_xlabel(scale.label, fontproperties=font(FONT_SIZE), labelpad=4)
    ax.set_ylabel("Standard error", fontproperties=font(FONT_SIZE), labelpad=4)
    leg_x = (x0 + _AX_W + 0.25) / fig_w
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(leg_x, (_MARGIN + _BOTTOM
               + _AX_H) / fig_h), frameon=False, prop=font(SMALL_SIZE), handlelength=2.4,
               borderaxespad=0.0, borderpad=0.0)
    if title:
        fig.text(_MARGIN / fig_w, 1 - _MARGIN / fig_h, title, ha="left", va="top",
                 fontproperties=font(TITLE_SIZE, "bold"), color=INK, parse_math=False)
    return set_alt(fig, alt if alt is not None else _describe(fit, scale, centre, levels,
                                                                 len(fy), title))
