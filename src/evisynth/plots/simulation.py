"""Figures of simulation results: coverage and interval width by tau, one line per method."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from evisynth.errors import InputError
from evisynth.plots._common import FONT_SIZE, GUIDE, SMALL_SIZE, TITLE_SIZE, font, new_figure

_NEEDED = ("tau", "method", "coverage", "coverage_se", "width_median", "level")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_LINES = ("-", "--", "-.", ":")


def coverage_plot(table: Any, *, title: str | None = None, x: str = "tau") -> Figure:
    """Coverage (with ±2 Monte-Carlo SE) and median interval width against tau, per method.

    Parameters
    ----------
    table
        A table from :func:`evisynth.simulate` or :func:`evisynth.simulate.interval_check`
        (a pandas DataFrame with the columns ``tau, method, coverage,
        coverage_se, width_median, level``), for one design otherwise: rows that
        share ``x`` and ``method`` are drawn as separate points.
    title
        Title above the two panels.
    x
        Column on the horizontal axis (default ``"tau"``).

    Returns
    -------
    matplotlib.figure.Figure
        Left: coverage with the nominal level as a dashed line; right: median
        interval width.

    Raises
    ------
    InputError
        If a needed column is missing or the table is empty.

    References
    ----------
    Morris TP, White IR, Crowther MJ (2019). Using simulation studies to
    evaluate statistical methods. Stat Med 38:2074-2102.

    Examples
    --------
    >>> import evisynth as ev
    >>> from evisynth.plots.simulation import coverage_plot
    >>> tab = ev.simulate(ev.SimDesign(k=3, tau=[0, 0.3], vi=0.1), ["REML-knha", "REML-z"],
    ...                   reps=1000, seed=1)
    >>> len(coverage_plot(tab).axes)
    2
    """
    cols = getattr(table, "columns", None)
    if cols is None:
        raise InputError("argument 'table': expected a pandas DataFrame", where="table")
    missing = [c for c in (*_NEEDED, x) if c not in cols]
    if missing:
        raise InputError(
            f"argument 'table': missing column(s) {', '.join(missing)}; pass the table "
            "returned by evisynth.simulate",
            where="table",
        )
    if len(table) == 0:
        raise InputError("argument 'table': has no rows", where="table")
    fig = new_figure(8.0, 3.4)
    ax_c = fig.add_axes((0.08, 0.30, 0.38, 0.58))
    ax_w = fig.add_axes((0.58, 0.30, 0.38, 0.58))
    level = float(table["level"].iloc[0]) / 100.0
    methods = list(dict.fromkeys(table["method"]))
    for i, m in enumerate(methods):
        sub = table[table["method"] == m].sort_values(x)
        xs = sub[x].to_numpy(dtype=float)
        cov = sub["coverage"].to_numpy(dtype=float)
        se = sub["coverage_se"].to_numpy(dtype=float)
        style: dict[str, Any] = {
            "marker": _MARKERS[i % len(_MARKERS)],
            "linestyle": _LINES[i % len(_LINES)],
            "color": f"C{i % 10}",
            "markersize": 4,
            "linewidth": 1.2,
        }
        ax_c.errorbar(xs, cov, yerr=2 * se, capsize=2, label=m, **style)
        ax_w.plot(xs, sub["width_median"].to_numpy(dtype=float), label=m, **style)
    ax_c.axhline(level, color=GUIDE, linestyle="--", linewidth=0.8)
    lo = float(np.nanmin(table["coverage"] - 2 * table["coverage_se"]))
    ax_c.set_ylim(min(lo, level) - 0.02, 1.005)
    xlabel = "τ (between-study SD)" if x == "tau" else x
    for ax, ylabel in ((ax_c, "Coverage"), (ax_w, "Median interval width")):
        ax.set_xlabel(xlabel, fontproperties=font(FONT_SIZE))
        ax.set_ylabel(ylabel, fontproperties=font(FONT_SIZE))
        ax.tick_params(labelsize=SMALL_SIZE)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
    ax_c.text(
        0.99, 0.02, f"nominal {level:.0%}; bars ±2 MC SE", transform=ax_c.transAxes,
        ha="right", va="bottom", fontproperties=font(SMALL_SIZE), color=GUIDE,
    )
    handles, labels = ax_c.get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(methods), 5), frameon=False,
        prop=font(SMALL_SIZE),
    )
    if title:
        fig.suptitle(title, fontproperties=font(TITLE_SIZE, "bold"), y=0.98)
    return fig
