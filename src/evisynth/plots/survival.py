"""Kaplan–Meier figures, optionally with parametric fits overlaid.

Each function returns a :class:`matplotlib.figure.Figure` built on an Agg canvas
(no ``pyplot``, no global state); save it with ``fig.savefig(path)``. Plotting
is separate from fitting: these functions only draw results computed by
:mod:`evisynth.survival`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from evisynth.errors import InputError
from evisynth.plots._io import set_alt
from evisynth.survival.compare import TwoArmComparison
from evisynth.survival.km import KaplanMeier

__all__ = ["km_figure"]

_COLOURS = ("#1f4e79", "#c0504d", "#4f8a3c", "#7f6084", "#d08a2e", "#3d8a8a")


def _steps(km: KaplanMeier, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([[0.0], km.time])
    y = np.concatenate([[1.0], values])
    return x, y


def km_figure(
    curves: Mapping[str, KaplanMeier] | TwoArmComparison,
    *,
    fits: Mapping[str, Sequence[Any]] | None = None,
    horizon: float | None = None,
    ci: bool = True,
    censor_marks: bool = True,
    title: str | None = None,
    xlabel: str = "Time",
    ylabel: str = "Survival probability",
    width: float = 6.5,
    height: float = 4.2,
) -> Figure:
    """Kaplan–Meier curves with pointwise confidence bands and censoring marks.

    Parameters
    ----------
    curves
        ``{label: KaplanMeier}``, or a :class:`~evisynth.survival.TwoArmComparison`.
    fits
        Optional ``{label: [ParametricFit, ...]}``: fitted survival curves drawn
        over the KM of the same label (dashed), up to ``horizon``.
    horizon
        Right end of the time axis (default: last KM time, or the fits' horizon).
    ci
        Shade the pointwise CI band (its transform is named in the legend).
    censor_marks
        Mark censoring times with ``+``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        No curves, or a curve that is not a KaplanMeier.

    Examples
    --------
    >>> from evisynth.survival import kaplan_meier
    >>> fig = km_figure({"A": kaplan_meier([1, 2, 3, 4], [1, 0, 1, 1])})
    >>> len(fig.axes)
    1
    """
    if isinstance(curves, TwoArmComparison):
        curves = {curves.reference: curves.km_reference,
                  curves.experimental: curves.km_experimental}
    if not isinstance(curves, Mapping) or not curves:
        raise InputError("argument 'curves': give {label: KaplanMeier} with at least one curve",
                         where="curves")
    for lab, km in curves.items():
        if not isinstance(km, KaplanMeier):
            raise InputError(f"argument 'curves', {lab!r}: not a KaplanMeier result",
                             where="curves")
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    t_max = max(float(km.time[-1]) for km in curves.values())
    right = float(horizon) if horizon is not None else t_max
    for i, (lab, km) in enumerate(curves.items()):
        col = _COLOURS[i % len(_COLOURS)]
        x, y = _steps(km, km.survival)
        ax.step(x, y, where="post", color=col, lw=1.6,
                label=f"{lab} (n={km.n}, events={km.events})")
        if ci:
            _, lo = _steps(km, np.nan_to_num(km.lower, nan=0.0))
            _, hi = _steps(km, np.nan_to_num(km.upper, nan=0.0))
            ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.15, lw=0,
                            label=f"{lab}: {km.level:g}% CI ({km.conf_type})")
        if censor_marks:
            cens = km.n_censor > 0
            ax.plot(km.time[cens], km.survival[cens], "+", color=col, ms=5, mew=0.9)
        for fit in (fits or {}).get(lab, ()):
            tt = np.linspace(0, right, 400)
            ax.plot(tt, fit.survival(tt), "--", color=col, lw=1.0, alpha=0.9,
                    label=f"{lab}: {fit.label}")
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    fig.tight_layout()
    arms = "; ".join(f"{lab}: {km.n} patients, {km.events} events" for lab, km in curves.items())
    return set_alt(fig, f"Kaplan–Meier curves{': ' + title if title else ''}. "
                        f"{ylabel} against {xlabel.lower()}. {arms}.")
