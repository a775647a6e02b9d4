"""Placing and drawing a forest plot: measured text columns, the axis, the marks.

:func:`_layout` sizes the figure from the measured width of every text column
(so no text overlaps for any label length), chooses the x limits
(:func:`_axis_limits`) and draws every row: squares whose area is proportional
to the weight, intervals (cut with an arrow at the limits), diamonds, the
capped prediction bar, the null line across rows with intervals and the
"Favours" labels either side of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import blended_transform_factory

from evisynth.plots._common import (
    FONT_SIZE,
    GUIDE,
    INK,
    SMALL_SIZE,
    TITLE_SIZE,
    Scale,
    add_line,
    font,
    linear_ticks,
    log_ticks,
    new_figure,
    text_width,
    tick_label,
)
from evisynth.plots._forest_rows import _Row

# Layout constants, inches.
_MARGIN = 0.15
_GAP = 0.22
_ROW = 0.2
_PLOT_W = 3.0
_AXIS_H = 0.5  # tick labels + axis label under the plot
_FOOT_LINE = 0.17
_MAX_SIDE_PT = 0.65 * _ROW * 72  # side of the largest square, points
_MIN_SIDE_PT = 2.5  # smallest square still visible, points
_FAVOURS_H = 0.17  # the "Favours ..." line under the tick labels
_FAVOURS_GAP = 0.06  # between the null line and each "Favours" label
_TICK_AREA = 0.22  # tick marks and tick labels under the axes


def _axis_limits(rows: Sequence[_Row], scale: Scale) -> tuple[list[float], float, float]:
    """Ticks and limits: all intervals shown, unless that would squash the core.

    The core (study estimates, pooled confidence intervals, the null) is always
    shown. Study CIs and prediction intervals are shown in full when they reach
    at most one core-width beyond the core; beyond that they are cut at the
    limit and drawn with an arrow.
    """
    u = np.log if scale.log else (lambda v: np.asarray(v, dtype=float))
    core: list[float] = []
    full: list[float] = []
    for r in rows:
        if r.kind == "study":
            core.append(r.est)
            full += [r.lb, r.ub]
        elif r.kind in ("pooled", "subtotal"):
            core += [r.lb, r.ub]
        elif r.kind == "pi":
            full += [r.lb, r.ub]
    if scale.null is not None:
        core.append(scale.null)
    cu = np.asarray(u(np.asarray(core, dtype=float)), dtype=float)
    fu = np.asarray(u(np.asarray(full + core, dtype=float)), dtype=float)
    fu = fu[np.isfinite(fu)]
    c_lo, c_hi = float(cu.min()), float(cu.max())
    width = max(c_hi - c_lo, 0.2 if scale.log else 1e-6 + 0.1 * max(abs(c_lo), abs(c_hi)))
    lo = max(float(fu.min()), c_lo - width)
    hi = min(float(fu.max()), c_hi + width)
    if scale.log:
        return log_ticks(math.exp(lo), math.exp(hi))
    return linear_ticks(lo, hi)


# ------------------------------------------------------------------- drawing


def _draw_interval(ax: Axes, y: float, lb: float, ub: float, lim: tuple[float, float],
                   *, lw: float, caps: bool, gid: str) -> None:
    lo, hi = lim
    a, b = max(lb, lo), min(ub, hi)
    add_line(ax, [a, b], [y, y], color=INK, lw=lw, solid_capstyle="butt", gid=gid,
            clip_on=False)
    for end, clipped, marker in ((a, lb < lo, "<"), (b, ub > hi, ">")):
        if clipped:
            add_line(ax, [end], [y], marker=marker, ms=4, color=INK, clip_on=False,
                    gid=f"{gid}-arrow")
        elif caps:
            add_line(ax, [end], [y], marker="|", ms=6, mew=lw, color=INK, clip_on=False)


def _diamond(ax: Axes, y: float, r: _Row, filled: bool) -> None:
    h = 0.32
    poly = Polygon(
        [(r.lb, y), (r.est, y - h), (r.ub, y), (r.est, y + h)],
        closed=True,
        facecolor="0.35" if filled else "white",
        edgecolor=INK,
        lw=0.9,
        zorder=3,
        gid="pooled-diamond" if filled else "subtotal-diamond",
    )
    ax.add_patch(poly)


def _null_segments(ax: Axes, rows: Sequence[_Row], null: float) -> None:
    """Reference line at the null, only across rows that carry intervals."""
    data = [i for i, r in enumerate(rows) if r.kind in ("study", "pooled", "subtotal", "pi")]
    if not data:
        return
    start = prev = data[0]
    for i in [*data[1:], None]:
        if i is None or i != prev + 1:
            add_line(ax, [null, null], [start - 0.5, prev + 0.5], color=GUIDE, lw=0.8, zorder=0,
                    gid="null-line")
            if i is not None:
                start = i
        if i is not None:
            prev = i


def _favours_widths(favours: tuple[str, str]) -> tuple[float, float]:
    """Widths (inches) of the left and right "Favours" labels."""
    return (text_width(f"← Favours {favours[0]}", SMALL_SIZE),
            text_width(f"Favours {favours[1]} →", SMALL_SIZE))


def _null_fraction(scale: Scale, lo: float, hi: float) -> float:
    """Where the null lies across the x limits ``lo`` to ``hi`` (0: left, 1: right)."""
    if scale.null is None:
        return 0.5
    if scale.log:
        return math.log(scale.null / lo) / math.log(hi / lo)
    return (scale.null - lo) / (hi - lo)


def _favours_shift(x_null: float, fav_w: tuple[float, float]) -> float:
    """How far every column moves right so that the left "Favours" label fits.

    ``x_null`` is where the null line is (inches from the left edge), ``fav_w``
    the widths of the two labels (:func:`_favours_widths`).
    """
    return max(0.0, _MARGIN + fav_w[0] + _FAVOURS_GAP - x_null)


def _favours_right(x_null: float, fav_w: tuple[float, float]) -> float:
    """The right edge of the figure that the right "Favours" label needs."""
    return x_null + _FAVOURS_GAP + fav_w[1] + _MARGIN


def _count_columns(x_counts: float, arms: Sequence[int],
                   count_w: dict[int, float]) -> dict[int, float]:
    """Right edge of each events/N column (arm index to inches), from ``x_counts`` on."""
    x_arm = {}
    xc = x_counts
    for j in arms:
        x_arm[j] = xc + count_w[j]  # right-aligned
        xc += count_w[j] + _GAP
    return x_arm


def _draw_favours(fig: Figure, x_null: float, axes_bottom: float,
                  favours: tuple[str, str]) -> None:
    """The "← Favours left" / "Favours right →" labels either side of the null.

    ``x_null`` and ``axes_bottom`` are in inches from the figure's lower left;
    the labels sit under the tick labels (the axis label needs a labelpad of
    ``_FAVOURS_H`` more to make room).
    """
    y_fav = axes_bottom - _TICK_AREA - _FAVOURS_H / 2
    fp = font(SMALL_SIZE)
    fig.text(x_null - _FAVOURS_GAP, y_fav, f"← Favours {favours[0]}",
             transform=fig.dpi_scale_trans, ha="right", va="center", fontproperties=fp,
             color=INK, parse_math=False, gid="favours-left")
    fig.text(x_null + _FAVOURS_GAP, y_fav, f"Favours {favours[1]} →",
             transform=fig.dpi_scale_trans, ha="left", va="center", fontproperties=fp,
             color=INK, parse_math=False, gid="favours-right")


def _layout(
    rows: Sequence[_Row],
    scale: Scale,
    *,
    level: float,
    annotate: bool,
    show_weights: bool,
    notes_title: str | None,
    footer: Sequence[str],
    title: str | None,
    digits: int,
    favours: tuple[str, str] | None = None,
    counts_labels: tuple[str, str] | None = None,
) -> Figure:
    """Measure the text columns, size the figure, draw every row."""
    header_ci = f"{scale.short} [{level:g}% CI]"

    def width(r: _Row, text: str) -> float:
        bold = r.kind in ("pooled", "header")
        return text_width(text, FONT_SIZE, "bold" if bold else "normal")

    label_w = max([width(r, r.label) for r in rows if r.kind != "text"]
                  + [text_width("Study", FONT_SIZE, "bold")])
    text_rows_w = max([text_width(r.label, SMALL_SIZE, style="italic")
                       for r in rows if r.kind == "text"], default=0.0)
    note_w = 0.0
    if notes_title is not None:
        note_w = max([text_width(r.note) for r in rows]
                     + [text_width(notes_title, FONT_SIZE, "bold")])
    # events/N columns: one per arm that has counts for at least one study
    arms = [j for j in (0, 1) if counts_labels is not None and any(r.counts[j] for r in rows)]
    count_w = {j: max([width(r, r.counts[j]) for r in rows]
                      + [text_width(counts_labels[j], FONT_SIZE, "bold"),  # type: ignore[index]
                         text_width("Events/N", FONT_SIZE, "bold")])
               for j in arms}
    counts_span = sum(count_w[j] + _GAP for j in arms)
    weight_w = 0.0
    if show_weights:
        weight_w = max([text_width(r.weight_text) for r in rows]
                       + [text_width("Weight", FONT_SIZE, "bold")])
    ci_w = 0.0
    if annotate:
        ci_w = max([width(r, r.ci_text) for r in rows]
                   + [text_width(header_ci, FONT_SIZE, "bold")])
    # text rows run from the label column across the note and count columns and the plot
    before_plot = (note_w + _GAP if note_w else 0) + counts_span
    plot_w = max(_PLOT_W, text_rows_w - label_w - before_plot + 0.1)

    ticks, lo, hi = _axis_limits(rows, scale)
    fav_w = (0.0, 0.0)
    null_frac = 0.5
    if favours is not None and scale.null is not None:
        fav_w = _favours_widths(favours)
        null_frac = _null_fraction(scale, lo, hi)

    x_label = _MARGIN
    x_note = x_label + label_w + _GAP
    x_counts = x_note + (note_w + _GAP if notes_title is not None else 0.0)
    x_plot = x_counts + counts_span
    if favours is not None:  # the left label must not stick out of the figure
        shift = _favours_shift(x_plot + null_frac * plot_w, fav_w)
        x_label, x_note, x_counts, x_plot = (v + shift for v in (x_label, x_note, x_counts,
                                                                  x_plot))
    x_weight = x_plot + plot_w + _GAP + weight_w  # right-aligned
    x_ci = (x_weight if show_weights else x_plot + plot_w) + _GAP + ci_w  # right-aligned
    right = (x_ci if annotate else x_weight if show_weights else x_plot + plot_w) + _MARGIN
    if favours is not None:
        right = max(right, _favours_right(x_plot + null_frac * plot_w, fav_w))

    foot_w = max([text_width(s, SMALL_SIZE) for s in footer], default=0.0)
    title_w = text_width(title, TITLE_SIZE, "bold") if title else 0.0
    fig_w = max(right, foot_w + 2 * _MARGIN, title_w + 2 * _MARGIN)

    n = len(rows)
    title_h = 0.3 if title else 0.0
    top = _MARGIN + title_h + 1.3 * _ROW + (_ROW if arms else 0.0)  # title, column headers
    axis_h = _AXIS_H + (_FAVOURS_H if favours is not None else 0.0)
    bottom = _MARGIN + len(footer) * _FOOT_LINE + axis_h
    body = n * _ROW
    fig_h = top + body + bottom

    fig = new_figure(fig_w, fig_h)
    ax = fig.add_axes((x_plot / fig_w, bottom / fig_h, plot_w / fig_w, body / fig_h))
    if scale.log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(n - 0.5, -0.5)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(ticks, [tick_label(t, scale.percent) for t in ticks],
                  fontproperties=font(SMALL_SIZE))
    ax.yaxis.set_major_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(INK)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.tick_params(axis="x", length=3, width=0.8, color=INK, labelcolor=INK)
    pad = 4 + (_FAVOURS_H * 72 if favours is not None else 0.0)
    ax.set_xlabel(scale.label, fontproperties=font(FONT_SIZE), labelpad=pad)
    ax.patch.set_visible(False)

    tr = blended_transform_factory(fig.dpi_scale_trans, ax.transData)

    def put(x: float, y: float, s: str, *, ha: str = "left", bold: bool = False,
            size: float = FONT_SIZE, style: Literal["normal", "italic"] = "normal") -> None:
        if not s:
            return
        fp = font(size, "bold" if bold else "normal")
        fp.set_style(style)
        fig.text(x, y, s, transform=tr, ha=ha, va="center", fontproperties=fp,
                 color=INK, parse_math=False)

    hy = -0.5 - 0.75  # header row, just above the axes
    put(x_label, hy, "Study", bold=True)
    if notes_title is not None:
        put(x_note, hy, notes_title, bold=True)
    x_arm = _count_columns(x_counts, arms, count_w)
    for j, xa in x_arm.items():
        put(xa, hy - 1.0, counts_labels[j], ha="right", bold=True)  # type: ignore[index]
        put(xa, hy, "Events/N", ha="right", bold=True)
    if show_weights:
        put(x_weight, hy, "Weight", ha="right", bold=True)
    if annotate:
        put(x_ci, hy, header_ci, ha="right", bold=True)

    lim = (lo, hi)
    studies = [(i, r) for i, r in enumerate(rows) if r.kind == "study"]
    if studies:
        w = np.array([r.weight for _, r in studies])
        side = _MAX_SIDE_PT * np.sqrt(w / w.max())
        side = np.maximum(side, _MIN_SIDE_PT)
        for i, r in studies:
            _draw_interval(ax, i, r.lb, r.ub, lim, lw=0.9, caps=False, gid="study-ci")
        ax.scatter([r.est for _, r in studies], [i for i, _ in studies], s=side**2,
                   marker="s", color=INK, linewidths=0, zorder=3, gid="study-squares",
                   clip_on=False)
    for i, r in enumerate(rows):
        if r.kind in ("pooled", "subtotal"):
            _diamond(ax, i, r, filled=r.kind == "pooled")
        elif r.kind == "pi":
            _draw_interval(ax, i, r.lb, r.ub, lim, lw=1.4, caps=True, gid="prediction-interval")
        bold = r.kind in ("pooled", "header")
        if r.kind == "text":
            put(x_label, i, r.label, size=SMALL_SIZE, style="italic")
            continue
        put(x_label + (0.12 if r.kind == "pi" else 0.0), i, r.label, bold=bold)
        if notes_title is not None:
            put(x_note, i, r.note)
        for j in arms:
            put(x_arm[j], i, r.counts[j], ha="right", bold=bold)
        if show_weights:
            put(x_weight, i, r.weight_text, ha="right", bold=bold)
        if annotate:
            put(x_ci, i, r.ci_text, ha="right", bold=bold)
    if scale.null is not None and lo <= scale.null <= hi:
        _null_segments(ax, rows, scale.null)

    if favours is not None:
        _draw_favours(fig, x_plot + null_frac * plot_w, bottom, favours)

    for j, s in enumerate(footer):
        y = _MARGIN + (len(footer) - 1 - j) * _FOOT_LINE + 0.5 * _FOOT_LINE
        fig.text(_MARGIN / fig_w, y / fig_h, s, ha="left", va="center",
                 fontproperties=font(SMALL_SIZE), color=INK, parse_math=False)
    if title:
        fig.text(_MARGIN / fig_w, 1 - _MARGIN / fig_h, title, ha="left", va="top",
                 fontproperties=font(TITLE_SIZE, "bold"), color=INK, parse_math=False)
    return fig
