"""Cost-effectiveness figures: CE plane, acceptability curves, tornado diagram.

Each function returns a :class:`matplotlib.figure.Figure` on an Agg canvas
(no ``pyplot``); it only draws results computed by :mod:`evisynth.econ`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from evisynth.econ.dsa import DSAResult
from evisynth.econ.psa import PSAResult
from evisynth.errors import InputError
from evisynth.plots._common import FONT_SIZE, GUIDE, INK, new_figure, text_width

__all__ = ["ce_plane", "ceac_figure", "tornado"]

_COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#7f6084", "#d08a2e", "#3d8a8a")


def _check(obj: Any, cls: type, name: str) -> None:
    if not isinstance(obj, cls):
        raise InputError(f"argument {name!r}: expected a {cls.__name__}, got "
                         f"{type(obj).__name__}", where=name)


def ce_plane(psa: PSAResult, intervention: str, comparator: str, *,
             wtp: float | None = None, max_points: int = 5000) -> Figure:
    """Cost-effectiveness plane: incremental QALYs (x) and costs (y) of every draw.

    Parameters
    ----------
    psa
        A :class:`~evisynth.econ.psa.PSAResult`.
    intervention, comparator
        Arms compared.
    wtp
        Draws a willingness-to-pay line through the origin (default: the PSA's).
    max_points
        At most this many draws are drawn (the first ones).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        Not a PSA result, unknown arms.

    Examples
    --------
    >>> import numpy as np
    >>> p = PSAResult(("a", "b"), np.array([[2.0, 1.0], [3.0, 1.0]]),
    ...               np.array([[1.5, 1.0], [2.0, 1.0]]), {}, 1, wtp=1.0)
    >>> type(ce_plane(p, "a", "b")).__name__
    'Figure'

    References
    ----------
    Black WC. The CE plane. Med Decis Making 1990;10:212-214.
    """
    _check(psa, PSAResult, "psa")
    dq, dc = psa.incremental(intervention, comparator)
    dq, dc = dq[:max_points], dc[:max_points]
    fig = new_figure(5.5, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(dq, dc, s=4, alpha=0.35, color=_COLOURS[0], linewidths=0)
    ax.scatter([dq.mean()], [dc.mean()], s=30, color=INK, marker="x", label="mean")
    ax.axhline(0, color=GUIDE, lw=0.8)
    ax.axvline(0, color=GUIDE, lw=0.8)
    w = psa.wtp if wtp is None else wtp
    if w is not None:
        lim = np.array([min(dq.min(), 0.0), max(dq.max(), 0.0)])
        ax.plot(lim, w * lim, color=_COLOURS[1], lw=1, label=f"{w:,.0f} per QALY")
    ax.set_xlabel(f"Incremental QALYs ({intervention} − {comparator})", fontsize=FONT_SIZE)
    ax.set_ylabel(f"Incremental cost{' (' + psa.currency + ')' if psa.currency else ''}",
                  fontsize=FONT_SIZE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(fontsize=FONT_SIZE - 1, frameon=False)
    ax.set_title(f"Cost-effectiveness plane, {psa.n:,} draws", fontsize=FONT_SIZE + 1)
    fig.tight_layout()
    return fig


def ceac_figure(psa: PSAResult, wtps: Any, *, frontier: bool = True) -> Figure:
    """Cost-effectiveness acceptability curves (and the frontier, dashed).

    Parameters
    ----------
    psa
        A :class:`~evisynth.econ.psa.PSAResult`.
    wtps
        Grid of willingness-to-pay values.
    frontier
        Also draw the acceptability frontier.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        Not a PSA result, bad grid.

    Examples
    --------
    >>> import numpy as np
    >>> p = PSAResult(("a", "b"), np.array([[2.0, 1.0], [3.0, 1.0]]),
    ...               np.array([[1.5, 1.0], [2.0, 1.0]]), {}, 1)
    >>> type(ceac_figure(p, [0.0, 1.0, 2.0])).__name__
    'Figure'

    References
    ----------
    Fenwick E, Claxton K, Sculpher M. Health Econ 2001;10:779-787.
    """
    _check(psa, PSAResult, "psa")
    c = psa.ceac(wtps)
    fig = new_figure(5.5, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    for j, a in enumerate(psa.arms):
        ax.plot(c["wtp"], c[a], color=_COLOURS[j % len(_COLOURS)], lw=1.5, label=a)
    if frontier:
        f = psa.frontier(wtps)
        ax.plot(f["wtp"], f["probability"], color=INK, lw=1, ls="--", label="frontier")
    ax.set_ylim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"Willingness to pay per QALY{' (' + psa.currency + ')' if psa.currency else ''}",
                  fontsize=FONT_SIZE)
    ax.set_ylabel("Probability cost-effective", fontsize=FONT_SIZE)
    ax.legend(fontsize=FONT_SIZE - 1, frameon=False)
    fig.tight_layout()
    return fig


def tornado(dsa: DSAResult, *, top: int = 15) -> Figure:
    """Tornado diagram of a one-way sensitivity analysis (widest swing on top).

    Assumed inputs (``assumption = true``) are labelled with an asterisk.

    Parameters
    ----------
    dsa
        A :class:`~evisynth.econ.dsa.DSAResult`.
    top
        Number of inputs shown.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        Not a DSA result.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"input": ["x"], "role": ["r"], "value": [1.0], "low": [0.0],
    ...                   "high": [2.0], "out_low": [-1.0], "out_high": [1.0],
    ...                   "assumption": [True], "swing": [2.0]})
    >>> type(tornado(DSAResult(t, 0.0, "nmb", "a", "b", 1.0))).__name__
    'Figure'

    References
    ----------
    Briggs, Claxton & Sculpher (2006) ch. 4.
    """
    _check(dsa, DSAResult, "dsa")
    t = dsa.table.head(top).iloc[::-1]
    n = len(t)
    labels = [f"{r.input}{' *' if r.assumption else ''} ({r.low:g} – {r.high:g})"
              for r in t.itertuples()]
    lw = max(text_width(x, FONT_SIZE - 1) for x in labels) + 0.3
    width = lw + 4.5
    fig = new_figure(width, 1.2 + 0.28 * n)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=lw / width, right=0.97, bottom=0.6 / (1.2 + 0.28 * n),
                        top=1 - 0.35 / (1.2 + 0.28 * n))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    y = np.arange(n)
    base = dsa.base
    lo, hi = t["out_low"].to_numpy(), t["out_high"].to_numpy()
    ax.barh(y, lo - base, left=base, color=_COLOURS[0], height=0.6, label="low value")
    ax.barh(y, hi - base, left=base, color=_COLOURS[1], height=0.6, label="high value")
    ax.axvline(base, color=INK, lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=FONT_SIZE - 1)
    what = "Incremental net monetary benefit" if dsa.outcome == "nmb" else "ICER"
    ax.set_xlabel(f"{what}, {dsa.intervention} vs {dsa.comparator}"
                  + (f" at {dsa.wtp:,.0f}/QALY" if dsa.outcome == "nmb" and dsa.wtp else ""),
                  fontsize=FONT_SIZE)
    ax.legend(fontsize=FONT_SIZE - 1, frameon=False, loc="lower right")
    ax.set_title("One-way sensitivity (* = assumed input)", fontsize=FONT_SIZE + 1)
    return fig
