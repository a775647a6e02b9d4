"""Forest plots of a meta-analysis and of a subgroup analysis.

Layout (one row per study, as in RevMan and metafor's ``forest.rma``): study
label, optional note column (e.g. verification status), the estimate with its
confidence interval drawn on the display scale (log axis for ratio measures),
then the weight and the numbers. Squares have an *area* proportional to the
study's model weight (Lewis & Clarke 2001); the pooled estimate is a diamond
whose width is its confidence interval; the prediction interval (Higgins,
Thompson & Spiegelhalter 2009; IntHout et al. 2016) is a separate row drawn as a
bar with end caps. Under the axis: the heterogeneity line (tau², I², Q, df, p)
and the test of the overall effect.

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
    check_fit,
    check_texts,
    fmt,
    fmt_p,
    font,
    linear_ticks,
    log_ticks,
    new_figure,
    resolve_scale,
    text_width,
    tick_label,
)

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


def _num(x: float, digits: int) -> str:
    """Numbers for the CI column: more decimals for very small ratios, none for huge."""
    if math.isfinite(x) and x != 0 and abs(x) < 10.0 ** (-digits):
        return fmt(x, digits + 1 - math.floor(math.log10(abs(x))) - 1)
    if math.isfinite(x) and abs(x) >= 1000:
        return fmt(x, 0)
    return fmt(x, digits)


def _ci_text(est: float, lb: float, ub: float, digits: int) -> str:
    return f"{_num(est, digits)} [{_num(lb, digits)}, {_num(ub, digits)}]"


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
            _ci_text(float(est[i]), float(lb[i]), float(ub[i]), digits),
            notes[i],
        )
        for i in range(fit.k)
    ]


def _pooled_rows(
    fit: RMAResult, scale: Scale, show_pi: bool, digits: int, *, kind: str, label: str
) -> list[_Row]:
    e, lb, ub = (float(v) for v in scale([fit.estimate, fit.ci_lb, fit.ci_ub]))
    rows = [_Row(kind, label, e, lb, ub, math.nan, "100.0%", _ci_text(e, lb, ub, digits))]
    pi_ok = math.isfinite(fit.pi_lb) and math.isfinite(fit.pi_ub)
    if show_pi and fit.method != "FE" and fit.k >= 2 and pi_ok:
        plb, pub = (float(v) for v in scale([fit.pi_lb, fit.pi_ub]))
        rows.append(
            _Row("pi", f"{fit.level:g}% prediction interval", e, plb, pub,
                 ci_text=f"[{_num(plb, digits)}, {_num(pub, digits)}]")
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
    ax.plot([a, b], [y, y], color=INK, lw=lw, solid_capstyle="butt", gid=gid,
            clip_on=False)
    for end, clipped, marker in ((a, lb < lo, "<"), (b, ub > hi, ">")):
        if clipped:
            ax.plot([end], [y], marker=marker, ms=4, color=INK, clip_on=False,
                    gid=f"{gid}-arrow")
        elif caps:
            ax.plot([end], [y], marker="|", ms=6, mew=lw, color=INK, clip_on=False)


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
            ax.plot([null, null], [start - 0.5, prev + 0.5], color=GUIDE, lw=0.8, zorder=0,
                    gid="null-line")
            if i is not None:
                start = i
        if i is not None:
            prev = i


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
) -> Figure:
    """Measure the text columns, size the figure, draw every row."""
    header_ci = f"{scale.short} [{level:g}% CI]"

    def width(r: _Row, text: str) -> float:
        bold = r.kind in ("pooled", "header")
        return text_width(text, FONT_SIZE, "bold" if bold else "normal")

    label_w = max([width(r, r.label) for r in rows if r.kind != "text"]
                  + [text_width("Study", FONT_SIZE, "bold")])
    text_rows_w = max([text_width(r.label, SMALL_SIZE) for r in rows if r.kind == "text"],
                      default=0.0)
    note_w = 0.0
    if notes_title is not None:
        note_w = max([text_width(r.note) for r in rows]
                     + [text_width(notes_title, FONT_SIZE, "bold")])
    weight_w = 0.0
    if show_weights:
        weight_w = max([text_width(r.weight_text) for r in rows]
                       + [text_width("Weight", FONT_SIZE, "bold")])
    ci_w = 0.0
    if annotate:
        ci_w = max([width(r, r.ci_text) for r in rows]
                   + [text_width(header_ci, FONT_SIZE, "bold")])
    # text rows run from the label column across the note column and the plot
    plot_w = max(_PLOT_W, text_rows_w - label_w - (note_w + _GAP if note_w else 0) + 0.1)

    x_label = _MARGIN
    x_note = x_label + label_w + _GAP
    x_plot = x_note + (note_w + _GAP if notes_title is not None else 0.0)
    x_weight = x_plot + plot_w + _GAP + weight_w  # right-aligned
    x_ci = (x_weight if show_weights else x_plot + plot_w) + _GAP + ci_w  # right-aligned
    right = (x_ci if annotate else x_weight if show_weights else x_plot + plot_w) + _MARGIN

    foot_w = max([text_width(s, SMALL_SIZE) for s in footer], default=0.0)
    title_w = text_width(title, TITLE_SIZE, "bold") if title else 0.0
    fig_w = max(right, foot_w + 2 * _MARGIN, title_w + 2 * _MARGIN)

    n = len(rows)
    title_h = 0.3 if title else 0.0
    top = _MARGIN + title_h + 1.3 * _ROW  # title, then the column headers
    bottom = _MARGIN + len(footer) * _FOOT_LINE + _AXIS_H
    body = n * _ROW
    fig_h = top + body + bottom

    fig = new_figure(fig_w, fig_h)
    ax = fig.add_axes((x_plot / fig_w, bottom / fig_h, plot_w / fig_w, body / fig_h))
    ticks, lo, hi = _axis_limits(rows, scale)
    if scale.log:
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(n - 0.5, -0.5)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(ticks, [tick_label(t) for t in ticks], fontproperties=font(SMALL_SIZE))
    ax.yaxis.set_major_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(INK)
    ax.spines["bottom"].set_linewidth(0.8)
    ax.tick_params(axis="x", length=3, width=0.8, color=INK, labelcolor=INK)
    ax.set_xlabel(scale.label, fontproperties=font(FONT_SIZE), labelpad=4)
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
        if show_weights:
            put(x_weight, i, r.weight_text, ha="right", bold=bold)
        if annotate:
            put(x_ci, i, r.ci_text, ha="right", bold=bold)
    if scale.null is not None and lo <= scale.null <= hi:
        _null_segments(ax, rows, scale.null)

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
    show_weights: bool = True,
    show_pi: bool = True,
    title: str | None = None,
    study_notes: Sequence[str] | None = None,
    notes_title: str = "Note",
    xlabel: str | None = None,
    digits: int = 2,
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
        Show the column of model weights (percent).
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
        Decimals of the numbers in the CI column.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (Agg canvas; serialise with :func:`evisynth.plots.to_svg`).

    Raises
    ------
    InputError
        If ``fit`` is not an RMAResult, ``labels``/``study_notes`` do not have one
        entry per study, ``transf`` is unknown, or a switch is not a boolean.

    Examples
    --------
    >>> import evisynth as ev
    >>> fit = ev.rma(yi=[-0.5, -0.2, -0.9], vi=[0.04, 0.09, 0.06], labels=["A", "B", "C"])
    >>> fig = forest(fit, transf="exp", title="Example")
    >>> bool(fig.get_figwidth() > 5)
    True
    """
    if isinstance(fit, BayesMetaResult):  # Bayesian fit: data and shrunken estimates
        from evisynth.plots.bayes import forest_bayes

        return forest_bayes(fit, transf=transf, labels=labels, title=title, xlabel=xlabel,
                            digits=digits)
    fit = check_fit(fit)
    digits = _check_common(annotate, show_weights, show_pi, digits)
    if labels is not None:
        labs = check_texts("labels", labels, fit.k)
    elif fit.labels is not None:
        labs = tuple(fit.labels)
    else:
        labs = tuple(f"Study {i + 1}" for i in range(fit.k))
    notes = check_texts("study_notes", study_notes, fit.k) if study_notes is not None else None
    scale = resolve_scale(fit.measure, transf, xlabel)
    rows = _study_rows(fit, scale, labs, notes or ("",) * fit.k, digits)
    rows += _pooled_rows(fit, scale, show_pi, digits, kind="pooled", label=_model_label(fit))
    return _layout(
        rows,
        scale,
        level=fit.level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if notes is not None else None,
        footer=[_het_text(fit), _effect_text(fit)],
        title=title,
        digits=digits,
    )


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
    transf, annotate, show_pi, title, notes_title, xlabel, digits
        As in :func:`forest`. Prediction intervals are off by default here.
    show_weights
        Show each study's weight *within its group* (percent).
    study_notes
        Mapping of group name → one note per study of that group.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Subtotal diamonds are open, the overall diamond is filled.

    Raises
    ------
    InputError
        If ``result`` is empty or not a mapping of fits, the fits mix measures,
        or ``study_notes`` does not match the groups.

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
    digits = _check_common(annotate, show_weights, show_pi, digits)
    first = next(iter(fits.values()))
    scale = resolve_scale(first.measure, transf, xlabel)
    level = first.level
    rows: list[_Row] = []
    for (g, fit), key in zip(fits.items(), groups, strict=True):
        labs = fit.labels or tuple(f"Study {i + 1}" for i in range(fit.k))
        notes = (check_texts(f"study_notes[{g!r}]", study_notes[key], fit.k)
                 if study_notes is not None else ("",) * fit.k)
        rows.append(_Row("header", g))
        rows += _study_rows(fit, scale, labs, notes, digits)
        rows += _pooled_rows(fit, scale, show_pi, digits, kind="subtotal",
                             label=f"Subtotal (k = {fit.k})")
        rows.append(_Row("text", _het_text(fit)))
    if overall is not None:
        rows += _pooled_rows(overall, scale, show_pi, digits, kind="pooled",
                             label=_model_label(overall, "Overall: "))
    footer = []
    if overall is not None:
        footer += [_het_text(overall).replace("Heterogeneity", "Overall heterogeneity"),
                   _effect_text(overall)]
    if between:
        footer.append(between)
    return _layout(
        rows,
        scale,
        level=level,
        annotate=annotate,
        show_weights=show_weights,
        notes_title=notes_title if study_notes is not None else None,
        footer=footer,
        title=title,
        digits=digits,
    )
