"""Forest plots of a meta-analysis and of a subgroup analysis.

Layout (one row per study, as in RevMan and metafor's ``forest.rma``): study
label, optional note column (e.g. verification status), the estimate with its
confidence interval drawn on the display scale (log axis for ratio measures),
then the weight and the numbers. Squares have an *area* proportional to the
study's model weight (Lewis & Clarke 2001); the pooled estimate is a diamond
whose width is its confidence interval; the prediction interval (Higgins,
Thompson & Spiegelhalter 2009; IntHout et al. 2016) is a separate row drawn as a
bar with end caps. Under the axis: optional "← Favours A" / "Favours B →"
labels either side of the null (``favours=``; the left label is for values
below the null), the heterogeneity line (tau², I², Q, df, p) and the test of
the overall effect. Binary outcomes can show events/N per arm (``counts=``)
before the plot, RevMan style, with the sums on the pooled row. Numbers are
never in E notation (proportions as percentages). Every figure carries
alternative text describing the studies and the pooled result.

Everything is black or grey and every element is told apart by shape (square,
diamond, open diamond, capped bar, arrow), so the figure reads in grayscale.
The figure size is computed from the measured width of every text column, so no
text overlaps for any label length.

References
----------
Lewis S, Clarke M (2001). Forest plots: trying to see the wood and the trees.
BMJ 322:1479-1480.

IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ (2016). Plea for routinely
presenting prediction intervals in meta-analysis. BMJ Open 6:e010247.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3) (``forest.rma``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import blended_transform_factory
from scipy.stats import norm

from evisynth._validation import check_bool
from evisynth.errors import InputError
from evisynth.meta.bayes import BayesMetaResult
from evisynth.meta.results import RMAResult
from evisynth.meta.subgroup import SubgroupResult
from evisynth.plots._common import (
    FONT_SIZE,
    GUIDE,
    INK,
    SMALL_SIZE,
    TITLE_SIZE,
    Scale,
    add_line,
    check_fit,
    check_texts,
    fmt,
    fmt_num,
    fmt_p,
    fmt_pct,
    font,
    linear_ticks,
    log_ticks,
    new_figure,
    resolve_scale,
    text_width,
    tick_label,
)
from evisynth.plots._io import set_alt

__all__ = ["forest", "forest_subgroups"]

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

#: One study's counts: (events, n) in the intervention arm, then in the comparator arm.
Counts = tuple[int | None, int | None, int | None, int | None]


@dataclass(frozen=True)
class _Row:
    """One row of the forest, already on the display scale."""

    kind: str  # study | pooled | subtotal | pi | header | text
    label: str
    est: float = math.nan
    lb: float = math.nan
    ub: float = math.nan
    weight: float = math.nan
    weight_text: str = ""
    ci_text: str = ""
    note: str = ""
    counts: tuple[str, str] = ("", "")


def _num(x: float, digits: int, percent: bool = False) -> str:
    """Numbers for the CI column: never E notation (:func:`fmt_num`, :func:`fmt_pct`)."""
    if percent:
        return fmt_pct(x, max(digits - 1, 0))
    return fmt_num(x, digits)


def _ci_text(est: float, lb: float, ub: float, digits: int, percent: bool = False) -> str:
    return (f"{_num(est, digits, percent)} [{_num(lb, digits, percent)}, "
            f"{_num(ub, digits, percent)}]")


def _check_counts(counts: Any, k: int, name: str = "counts") -> list[tuple[str, str]]:
    """Per study ``("events/n" of the intervention arm, same of the comparator)``."""
    if isinstance(counts, str) or not isinstance(counts, Sequence | np.ndarray):
        raise InputError(
            f"argument {name!r}: expected a sequence of {k} tuples (events_int, n_int, "
            f"events_comp, n_comp), one per study (None for a study without counts), got "
            f"{type(counts).__name__}",
            where=name,
        )
    if len(counts) != k:
        raise InputError(
            f"argument {name!r}: has {len(counts)} entries but the fit has {k} studies; give "
            "one (events_int, n_int, events_comp, n_comp) tuple per study",
            where=name,
        )
    out = []
    for i, c in enumerate(counts):
        if c is None:
            out.append(("", ""))
            continue
        if isinstance(c, str) or not isinstance(c, Sequence) or len(c) != 4:
            raise InputError(
                f"argument {name!r}, study {i + 1}: expected (events_int, n_int, events_comp, "
                f"n_comp) or None, got {c!r}",
                where=f"{name}[{i}]",
            )
        arms = []
        for arm, (e, n) in (("intervention", c[:2]), ("comparator", c[2:])):
            for what, v in (("events", e), ("n", n)):
                if v is not None and (isinstance(v, bool) or not isinstance(v, int | np.integer)
                                      or v < 0):
                    raise InputError(
                        f"argument {name!r}, study {i + 1}: {arm} {what} is {v!r}; give a "
                        "whole number ≥ 0 or None",
                        where=f"{name}[{i}]",
                    )
            if (e is None) != (n is None):
                raise InputError(
                    f"argument {name!r}, study {i + 1}: the {arm} arm has events {e!r} and n "
                    f"{n!r}; give both or neither",
                    where=f"{name}[{i}]",
                )
            if e is not None and n is not None and e > n:
                raise InputError(
                    f"argument {name!r}, study {i + 1}: {e} events in the {arm} arm of "
                    f"{n} participants; events cannot exceed n",
                    where=f"{name}[{i}]",
                )
            arms.append("" if e is None or n is None else f"{int(e):,}/{int(n):,}")
        out.append((arms[0], arms[1]))
    return out


def _count_totals(texts: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Pooled row: summed events/n of an arm when every study gives that arm's counts."""
    tot = []
    for j in (0, 1):
        col = [t[j] for t in texts]
        if col and all(col):
            ev = sum(int(c.split("/")[0].replace(",", "")) for c in col)
            n = sum(int(c.split("/")[1].replace(",", "")) for c in col)
            tot.append(f"{ev:,}/{n:,}")
        else:
            tot.append("")
    return tot[0], tot[1]


def _check_favours(favours: Any, scale: Scale, measure: str) -> tuple[str, str] | None:
    if favours is None:
        return None
    if (isinstance(favours, str) or not isinstance(favours, Sequence) or len(favours) != 2
            or not all(isinstance(f, str) and f.strip() for f in favours)):
        raise InputError(
            "argument 'favours': expected two non-empty labels (left_label, right_label), "
            f"e.g. ('intervention', 'comparator'), got {favours!r}",
            where="favours",
        )
    if scale.null is None:
        raise InputError(
            f"argument 'favours': a {measure} analysis on this scale has no null effect to "
            "put the labels either side of; leave 'favours' out",
            where="favours",
        )
    return favours[0].strip(), favours[1].strip()


def _model_label(fit: RMAResult, prefix: str = "") -> str:
    tests = {"knha": "Hartung–Knapp", "adhoc": "Hartung–Knapp ad hoc", "t": "t test"}
    if fit.method == "FE":
        what = "Common-effect model"
    else:
        what = f"Random-effects model ({fit.method}"
        what += f", {tests[fit.test]})" if fit.test in tests else ")"
    return prefix + what


def _het_text(fit: RMAResult) -> str:
    if fit.k < 2:
        return "Heterogeneity: not applicable (one study)"
    parts = []
    if fit.method != "FE":
        parts.append(f"τ² = {fmt(fit.tau2, 4)} ({fit.method})")
    parts.append(f"I² = {fmt(fit.I2, 1)}%")
    parts.append(f"Q = {fmt(fit.Q, 2)}, df = {fit.k - 1}, {fmt_p(fit.Q_pval)}")
    return "Heterogeneity: " + "; ".join(parts)


def _effect_text(fit: RMAResult) -> str:
    if fit.test == "z":
        stat = f"z = {fmt(fit.stat, 2)}"
    else:
        stat = f"t({fit.ddf:g}) = {fmt(fit.stat, 2)}"
    return f"Test for overall effect: {stat}, {fmt_p(fit.pval)}"


def _study_rows(
    fit: RMAResult,
    scale: Scale,
    labels: Sequence[str],
    notes: Sequence[str],
    digits: int,
    counts: Sequence[tuple[str, str]] | None = None,
) -> list[_Row]:
    z = float(norm.ppf(0.5 + fit.level / 200.0))
    yi = np.asarray(fit.yi, dtype=float)
    se = np.sqrt(np.asarray(fit.vi, dtype=float))
    est, lb, ub = scale(yi), scale(yi - z * se), scale(yi + z * se)
    wp = np.asarray(fit.weights_percent, dtype=float)
    return [
        _Row(
            "study",
            labels[i],
            float(est[i]),
            float(lb[i]),
            float(ub[i]),
            float(wp[i]),
            f"{wp[i]:.1f}%",
            _ci_text(float(est[i]), float(lb[i]), float(ub[i]), digits, scale.percent),
            notes[i],
            counts[i] if counts is not None else ("", ""),
        )
        for i in range(fit.k)
    ]


def _pooled_rows(
    fit: RMAResult, scale: Scale, show_pi: bool, digits: int, *, kind: str, label: str,
    counts: tuple[str, str] = ("", ""),
) -> list[_Row]:
    e, lb, ub = (float(v) for v in scale([fit.estimate, fit.ci_lb, fit.ci_ub]))
    rows = [_Row(kind, label, e, lb, ub, math.nan, "100.0%",
                 _ci_text(e, lb, ub, digits, scale.percent), counts=counts)]
    pi_ok = math.isfinite(fit.pi_lb) and math.isfinite(fit.pi_ub)
    if show_pi and fit.method != "FE" and fit.k >= 2 and pi_ok:
        plb, pub = (float(v) for v in scale([fit.pi_lb, fit.pi_ub]))
        rows.append(
            _Row("pi", f"{fit.level:g}% prediction interval", e, plb, pub,
                 ci_text=f"[{_num(plb, digits, scale.percent)}, "
                         f"{_num(pub, digits, scale.percent)}]")
        )
    return rows


# ------------------------------------------------------------------- x limits


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
        x_null = x_plot + null_frac * plot_w
        shift = max(0.0, _MARGIN + fav_w[0] + _FAVOURS_GAP - x_null)
        x_label, x_note, x_counts, x_plot = (v + shift for v in (x_label, x_note, x_counts,
                                                                  x_plot))
    x_weight = x_plot + plot_w + _GAP + weight_w  # right-aligned
    x_ci = (x_weight if show_weights else x_plot + plot_w) + _GAP + ci_w  # right-aligned
    right = (x_ci if annotate else x_weight if show_weights else x_plot + plot_w) + _MARGIN
    if favours is not None:
        right = max(right, x_plot + null_frac * plot_w + _FAVOURS_GAP + fav_w[1] + _MARGIN)

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
    x_arm = {}
    xc = x_counts
    for j in arms:
        x_arm[j] = xc + count_w[j]  # right-aligned
        put(x_arm[j], hy - 1.0, counts_labels[j], ha="right", bold=True)  # type: ignore[index]
        put(x_arm[j], hy, "Events/N", ha="right", bold=True)
        xc += count_w[j] + _GAP
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


def _check_common(annotate: Any, show_weights: Any, show_pi: Any, digits: Any) -> int:
    check_bool("annotate", annotate)
    check_bool("show_weights", show_weights)
    check_bool("show_pi", show_pi)
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
        raise InputError(
            f"argument 'digits': expected a whole number from 0 to 6, got {digits!r}",
            where="digits",
        )
    return digits


def forest(
    fit: RMAResult | BayesMetaResult,
    *,
    transf: Any = None,
    labels: Sequence[str] | None = None,
    annotate: bool = True,
    show_weights: bool | None = None,
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
    """Forest plot of a meta-analysis.

    Parameters
    ----------
    fit
        Result of :func:`evisynth.rma` (or of :func:`evisynth.bayesmeta`: then
        :func:`evisynth.plots.bayes.forest_bayes` draws it).
    transf
        Display scale. ``None`` (default) chooses from ``fit.measure``: the ratio
        scale with a log axis for log-ratio measures (HR, RR, OR, ...), the
        proportion for ``PLO``/``PAS``/``PR``, the analysis scale otherwise.
        ``"exp"`` forces the ratio scale (e.g. for ``measure="GEN"`` log ratios),
        ``"identity"`` the analysis scale; a function (e.g.
        :func:`evisynth.transforms.ilogit`) is applied as given on a linear axis.
    labels
        Study labels, one per study; default ``fit.labels`` or ``Study 1, 2, ...``.
    annotate
        Show the column of estimates with their confidence intervals.
    show_weights
        Show the column of model weights (percent); default yes for an rma
        fit. A Bayesian fit has no weight column (``True`` is refused).
    show_pi
        Show the prediction interval row (random-effects models with k ≥ 2).
    title
        Title above the plot.
    study_notes
        One short text per study, shown in a column headed ``notes_title``
        (the report puts each estimate's verification status there).
    notes_title
        Header of the note column.
    xlabel
        Axis label; default the measure's name and the scale.
    digits
        Decimals of the numbers in the CI column. Numbers are never in E
        notation: ratios too small or too large for ``digits`` are written
        ``0.0015``, ``<0.0001``, ``1,235``, ``>100,000``
        (:func:`~evisynth.plots._common.fmt_num`); proportions are percentages
        with ``digits - 1`` decimals, ``<0.1%`` and ``>99.9%`` near the ends
        (:func:`~evisynth.plots._common.fmt_pct`).
    favours
        ``(left_label, right_label)``: printed under the axis as
        ``← Favours left_label`` ending at the null line and
        ``Favours right_label →`` starting from it. *Left is below the null*:
        for ratio measures (HR, RR, OR) values below 1, for differences values
        below 0. So for an outcome where fewer events are better (death,
        progression) and the intervention is the first arm, give
        ``(intervention, comparator)``; for a good outcome (response),
        ``(comparator, intervention)``. Refused for measures without a null
        effect (single-group proportions).
    counts
        Events and participants per arm for binary outcomes, one entry per
        study: ``(events_int, n_int, events_comp, n_comp)``, or ``None`` for a
        study without counts (e.g. one that reports only a hazard ratio);
        single-arm studies give ``(events, n, None, None)``. Shown as
        ``events/N`` columns before the plot, one per arm that has any
        counts; the pooled row shows the sums when every study gives them.
    counts_labels
        Headers of the two count columns (intervention, comparator).
    alt
        Alternative text of the figure (see :func:`evisynth.plots.to_svg`);
        default a description built from the fit: the number of studies, the
        pooled estimate, its interval and the heterogeneity.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (Agg canvas; serialise with :func:`evisynth.plots.to_svg`,
        which writes its alternative text, :func:`evisynth.plots.get_alt`).

    Raises
    ------
    InputError
        If ``fit`` is not an RMAResult, ``labels``/``study_notes``/``counts`` do
        not have one entry per study, a count is not a whole number ≥ 0 (or
        events exceed n), ``favours`` is not two labels or the measure has no
        null effect, ``transf`` is unknown, or a switch is not a boolean.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.5, -0.2, -0.9], vi=[0.04, 0.09, 0.06], labels=["A", "B", "C"])
    >>> fig = forest(fit, transf="exp", title="Example", favours=("treatment", "control"),
    ...              counts=[(10, 50, 18, 50), (7, 40, 9, 41), None])
    >>> bool(fig.get_figwidth() > 5)
    True
    >>> from evisynth.plots import get_alt
    >>> get_alt(fig).split(".")[0]
    'Forest plot: Example'
    """
    if isinstance(fit, BayesMetaResult):  # Bayesian fit: data and shrunken estimates
        from evisynth.plots.bayes import forest_bayes

        if show_weights:
            raise InputError("argument 'show_weights': a Bayesian forest plot has no weight "
                             "column; leave 'show_weights' out", where="show_weights")
        return forest_bayes(fit, transf=transf, labels=labels, annotate=annotate,
                            show_pi=show_pi, title=title, study_notes=study_notes,
                            notes_title=notes_title, xlabel=xlabel, digits=digits,
                            favours=favours, counts=counts, counts_labels=counts_labels,
                            alt=alt)
    fit = check_fit(fit)
    show_weights = True if show_weights is None else show_weights
    digits = _check_common(annotate, show_weights, show_pi, digits)
    if labels is not None:
        labs = check_texts("labels", labels, fit.k)
    elif fit.labels is not None:
        labs = tuple(fit.labels)
    else:
        labs = tuple(f"Study {i + 1}" for i in range(fit.k))
    notes = check_texts("study_notes", study_notes, fit.k) if study_notes is not None else None
    scale = resolve_scale(fit.measure, transf, xlabel)
    fav = _check_favours(favours, scale, fit.measure)
    cl = _check_counts_labels(counts_labels)
    ctexts = _check_counts(counts, fit.k) if counts is not None else None
    rows = _study_rows(fit, scale, labs, notes or ("",) * fit.k, digits, ctexts)
    rows += _pooled_rows(fit, scale, show_pi, digits, kind="pooled", label=_model_label(fit),
                         counts=_count_totals(ctexts) if ctexts else ("", ""))
    fig = _layout(
        rows,
        scale,
        level=fit.level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if notes is not None else None,
        footer=[_het_text(fit), _effect_text(fit)],
        title=title,
        digits=digits,
        favours=fav,
        counts_labels=cl if ctexts is not None else None,
    )
    return set_alt(fig, alt if alt is not None else _describe(rows, scale, fav, title,
                                                                 [_het_text(fit)]))


def _check_counts_labels(labels: Any) -> tuple[str, str]:
    if (isinstance(labels, str) or not isinstance(labels, Sequence) or len(labels) != 2
            or not all(isinstance(x, str) for x in labels)):
        raise InputError(
            "argument 'counts_labels': expected two column headers (intervention, comparator), "
            f"got {labels!r}",
            where="counts_labels",
        )
    return labels[0], labels[1]


def _describe(rows: Sequence[_Row], scale: Scale, favours: tuple[str, str] | None,
              title: str | None, extra: Sequence[str], what: str = "Forest plot") -> str:
    """Alternative text: what is plotted, every study's estimate, the pooled result."""
    studies = [r for r in rows if r.kind == "study"]
    parts = [f"{what}{': ' + title if title else ''}."]
    axis = "log scale" if scale.log else "linear scale"
    parts.append(f"{len(studies)} {'study' if len(studies) == 1 else 'studies'}, "
                 f"{scale.label} on a {axis}"
                 + (f", null effect at {tick_label(scale.null)}" if scale.null is not None
                    else "") + ".")
    if favours is not None and scale.null is not None:
        parts.append(f"Values below {tick_label(scale.null)} favour {favours[0]}, above "
                     f"{favours[1]}.")
    shown = studies[:12]
    parts.append("Studies: " + "; ".join(f"{r.label} {r.ci_text}" for r in shown)
                 + ("; and more" if len(studies) > len(shown) else "") + ".")
    for r in rows:
        if r.kind in ("pooled", "subtotal", "header"):
            if r.kind == "header":
                parts.append(f"Group {r.label}:")
            else:
                parts.append(f"{r.label}: {r.ci_text}.")
        elif r.kind == "pi":
            parts.append(f"{r.label}: {r.ci_text}.")
    parts += [e if e.endswith(".") else e + "." for e in extra]
    return " ".join(parts)


def _between_text(res: SubgroupResult) -> str:
    """``Test for subgroup differences: Q = 1.86, df = 2, p = 0.394`` (or F with two df)."""
    if res.Q_between_ddf is None:
        stat = f"Q = {fmt(res.Q_between, 2)}, df = {res.Q_between_df}"
    else:
        stat = f"F({res.Q_between_df}, {res.Q_between_ddf}) = {fmt(res.Q_between, 2)}"
    return f"Test for subgroup differences: {stat}, {fmt_p(res.Q_between_pval)}"


def forest_subgroups(
    result: SubgroupResult | Mapping[str, RMAResult],
    *,
    between: str | None = None,
    overall: RMAResult | None = None,
    transf: Any = None,
    annotate: bool = True,
    show_weights: bool = True,
    show_pi: bool = False,
    title: str | None = None,
    study_notes: Mapping[str, Sequence[str]] | None = None,
    notes_title: str = "Note",
    xlabel: str | None = None,
    digits: int = 2,
    favours: tuple[str, str] | None = None,
    counts: Mapping[str, Sequence[Counts | None]] | None = None,
    counts_labels: tuple[str, str] = ("Intervention", "Comparator"),
    alt: str | None = None,
) -> Figure:
    """Forest plot of a subgroup analysis: one block of studies and a subtotal per group.

    Parameters
    ----------
    result
        The result of :func:`evisynth.subgroup` (its groups in their order, and
        its test for subgroup differences as the ``between`` line), or a mapping
        of group name → the :func:`evisynth.rma` fit of that group's studies, in
        the order to show. All fits must share one measure.
    between
        The test for subgroup differences as a line of text (e.g.
        ``"Test for subgroup differences: Q = 4.1, df = 1, p = 0.043"``), shown
        under the axis; default: built from a SubgroupResult, omitted for a mapping.
    overall
        Optional fit of all studies together, shown as a filled diamond after
        the groups.
    transf, annotate, show_pi, title, notes_title, xlabel, digits, favours, counts_labels, alt
        As in :func:`forest`. Prediction intervals are off by default here.
    show_weights
        Show each study's weight *within its group* (percent).
    study_notes
        Mapping of group name → one note per study of that group.
    counts
        Mapping of group name → one ``(events_int, n_int, events_comp, n_comp)``
        tuple (or ``None``) per study of that group, as in :func:`forest`;
        subtotals show the group sums.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Subtotal diamonds are open, the overall diamond is filled.

    Raises
    ------
    InputError
        If ``result`` is empty or not a mapping of fits, the fits mix measures,
        ``study_notes`` or ``counts`` do not match the groups, or as :func:`forest`.

    Examples
    --------
    >>> import evisynth as ev
    >>> a = ev.rma(yi=[-0.5, -0.2], vi=[0.04, 0.09], labels=["A", "B"])
    >>> b = ev.rma(yi=[-0.9, -0.1, -0.4], vi=[0.06, 0.05, 0.08], labels=["C", "D", "E"])
    >>> fig = forest_subgroups({"RCT": a, "Observational": b}, transf="exp")
    >>> bool(fig.get_figheight() > 3)
    True
    """
    if isinstance(result, SubgroupResult):
        if between is None:
            between = _between_text(result)
        result = result.groups
    if not isinstance(result, Mapping) or not result:
        raise InputError(
            "argument 'result': expected the result of evisynth.subgroup or a non-empty "
            f"mapping of group name → rma fit, got {type(result).__name__}",
            where="result",
        )
    groups: Mapping[str, RMAResult] = result
    fits = {str(g): check_fit(f, f"result[{g!r}]") for g, f in groups.items()}
    if overall is not None:
        check_fit(overall, "overall")
    measures = {f.measure for f in fits.values()} | ({overall.measure} if overall else set())
    if len(measures) > 1:
        raise InputError(
            f"argument 'result': the fits mix measures {sorted(measures)}; a subgroup forest "
            "shows one measure",
            where="result",
        )
    if between is not None and not isinstance(between, str):
        raise InputError(
            f"argument 'between': expected a line of text, got {type(between).__name__}",
            where="between",
        )
    if study_notes is not None:
        if not isinstance(study_notes, Mapping) or set(study_notes) != set(groups):
            raise InputError(
                "argument 'study_notes': expected a mapping with the same group names as "
                f"'result' ({', '.join(map(repr, fits))})",
                where="study_notes",
            )
    if counts is not None:
        if not isinstance(counts, Mapping) or set(counts) != set(groups):
            raise InputError(
                "argument 'counts': expected a mapping with the same group names as "
                f"'result' ({', '.join(map(repr, fits))})",
                where="counts",
            )
    digits = _check_common(annotate, show_weights, show_pi, digits)
    first = next(iter(fits.values()))
    scale = resolve_scale(first.measure, transf, xlabel)
    fav = _check_favours(favours, scale, first.measure)
    cl = _check_counts_labels(counts_labels)
    level = first.level
    rows: list[_Row] = []
    all_counts: list[tuple[str, str]] = []
    for (g, fit), key in zip(fits.items(), groups, strict=True):
        labs = fit.labels or tuple(f"Study {i + 1}" for i in range(fit.k))
        notes = (check_texts(f"study_notes[{g!r}]", study_notes[key], fit.k)
                 if study_notes is not None else ("",) * fit.k)
        ct = (_check_counts(counts[key], fit.k, f"counts[{g!r}]") if counts is not None
              else None)
        all_counts += ct or []
        rows.append(_Row("header", g))
        rows += _study_rows(fit, scale, labs, notes, digits, ct)
        rows += _pooled_rows(fit, scale, show_pi, digits, kind="subtotal",
                             label=f"Subtotal (k = {fit.k})",
                             counts=_count_totals(ct) if ct else ("", ""))
        rows.append(_Row("text", _het_text(fit)))
    if overall is not None:
        tot = ("", "")
        if counts is not None and len(all_counts) == overall.k:
            tot = _count_totals(all_counts)
        rows += _pooled_rows(overall, scale, show_pi, digits, kind="pooled",
                             label=_model_label(overall, "Overall: "), counts=tot)
    footer = []
    if overall is not None:
        footer += [_het_text(overall).replace("Heterogeneity", "Overall heterogeneity"),
                   _effect_text(overall)]
    if between:
        footer.append(between)
    fig = _layout(
        rows,
        scale,
        level=level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if study_notes is not None else None,
        footer=footer,
        title=title,
        digits=digits,
        favours=fav,
        counts_labels=cl if counts is not None else None,
    )
    return set_alt(fig, alt if alt is not None else _describe(rows, scale, fav, title, footer))
