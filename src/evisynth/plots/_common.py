"""Shared pieces of the evisynth figures: style, scales, ticks, text measurement.

Everything here is deterministic: one bundled font (DejaVu Sans, shipped with
matplotlib) for measuring, figure sizes computed from measured text widths
(memoised: a report measures the same strings many times), tick positions
chosen by fixed rules. In SVG the text stays text; :data:`FONT_STACK` names
the fonts a browser should use (DejaVu Sans first, then Verdana, whose
metrics are close to it). Figures are built on :class:`matplotlib.figure.Figure`
with an Agg canvas attached, never through ``pyplot``, so no global state is
touched and no window is opened.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from evisynth._validation import FloatArray
from evisynth.errors import InputError
from evisynth.meta.results import LOG_MEASURES, RMAResult
from evisynth.transforms import back_transform

FONT_FAMILY = "DejaVu Sans"
#: CSS font stack of SVG text: the measuring font first, then look-alikes by metrics.
FONT_STACK = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"
FONT_SIZE = 8.5
SMALL_SIZE = 7.5
TITLE_SIZE = 10.0
INK = "0.0"  # black: every mark that carries data
GUIDE = "0.45"  # mid grey: reference lines

#: Full names of effect measures, for axis labels.
MEASURE_NAMES = {
    "HR": "Hazard ratio",
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "PETO": "Peto odds ratio",
    "MH": "Mantel–Haenszel ratio",
    "IRR": "Incidence rate ratio",
    "ROM": "Ratio of means",
    "RD": "Risk difference",
    "MD": "Mean difference",
    "SMD": "Standardised mean difference",
    "PR": "Proportion",
    "PLO": "Proportion",
    "PAS": "Proportion",
    "PFT": "Proportion (Freeman–Tukey scale)",
    "GEN": "Estimate",
}

#: Measures whose natural scale is a single-group proportion (no null effect).
PROPORTION_MEASURES = frozenset({"PR", "PLO", "PAS", "PFT"})


def font(size: float = FONT_SIZE, weight: str = "normal") -> FontProperties:
    """The evisynth font at ``size`` points."""
    return FontProperties(family=FONT_FAMILY, size=size, weight=weight)


@lru_cache(maxsize=1)
def _text2path() -> TextToPath:
    return TextToPath()


@lru_cache(maxsize=8192)
def _line_width(line: str, size: float, weight: str, style: str) -> float:
    fp = font(size, weight)
    fp.set_style(style)  # type: ignore[arg-type]
    return float(_text2path().get_text_width_height_descent(line, fp, ismath=False)[0])


def text_width(s: str, size: float = FONT_SIZE, weight: str = "normal",
               style: str = "normal") -> float:
    """Width of ``s`` in inches when drawn in the evisynth font (longest line).

    Measured once per distinct line, size, weight and style (memoised), without
    hinting, as matplotlib's SVG backend and a browser measure the text (Agg's
    hinted widths at 72 dpi are rounded to whole pixels).

    Parameters
    ----------
    s
        The text; several lines are separated by ``"\\n"``.
    size
        Font size in points.
    weight
        ``"normal"`` or ``"bold"``.
    style
        ``"normal"`` or ``"italic"``.

    Returns
    -------
    float
        Width of the longest line, inches.

    Examples
    --------
    >>> text_width("") == 0.0
    True
    >>> text_width("Favours A") < text_width("Favours A and B")
    True
    """
    if not s:
        return 0.0
    return max(_line_width(line, float(size), weight, style) for line in s.split("\n")) / 72.0


def new_figure(width: float, height: float) -> Figure:
    """A blank figure of ``width`` × ``height`` inches with an Agg canvas attached."""
    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def add_line(ax: Axes, x: Sequence[float], y: Sequence[float], **kw: Any) -> Line2D:
    """``ax.plot(x, y, **kw)`` for one line, without ``plot``'s argument parsing and autoscaling.

    The figures set their axis limits themselves; ``ax.plot`` costs several times
    more per call, and a forest plot draws a line per study.
    """
    line = Line2D(x, y, **kw)
    ax.add_line(line)
    return line


def check_fit(fit: Any, name: str = "fit") -> RMAResult:
    """Return ``fit`` if it is an :class:`~evisynth.meta.results.RMAResult`."""
    if not isinstance(fit, RMAResult):
        raise InputError(
            f"argument {name!r}: expected the result of evisynth.rma (an RMAResult), "
            f"got {type(fit).__name__}",
            where=name,
        )
    return fit


def check_texts(name: str, values: Any, k: int) -> tuple[str, ...]:
    """``values`` as a tuple of ``k`` strings (one per study)."""
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        raise InputError(
            f"argument {name!r}: expected a sequence of {k} strings (one per study), "
            f"got {type(values).__name__}",
            where=name,
        )
    out = tuple("" if v is None else str(v) for v in values)
    if len(out) != k:
        raise InputError(
            f"argument {name!r}: has {len(out)} entries but the fit has {k} studies; "
            "give one entry per study",
            where=name,
        )
    return out


# ------------------------------------------------------------------------ scales


@dataclass(frozen=True)
class Scale:
    """How analysis-scale values are shown: the transform, axis type and labels."""

    fn: Callable[[Any], FloatArray]
    log: bool
    null: float | None
    label: str
    short: str
    percent: bool = False  # proportions: numbers and ticks shown as percentages

    def __call__(self, x: Any) -> FloatArray:
        return np.asarray(self.fn(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _identity(x: Any) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _exp(x: Any) -> FloatArray:
    return np.exp(np.asarray(x, dtype=np.float64))


def resolve_scale(measure: str, transf: Any, xlabel: str | None = None) -> Scale:
    """The display scale for ``measure`` given the user's ``transf``.

    ``transf=None`` chooses automatically: ``exp`` with a log axis for log-ratio
    measures (``LOG_MEASURES``), the inverse transform for proportions (``PLO``,
    ``PAS``; ``PFT`` needs sample sizes and stays on its analysis scale), the
    identity otherwise. ``"exp"`` forces the ratio scale, ``"identity"`` the
    analysis scale; a callable is applied as given, with a linear axis.
    """
    m = measure.upper()
    name = MEASURE_NAMES.get(m, m)
    if transf is None:
        if m in LOG_MEASURES:
            transf = "exp"
        elif m in PROPORTION_MEASURES and m != "PFT":
            return Scale(back_transform(m), False, None, xlabel or name, "Proportion",
                         percent=True)
        else:
            transf = "identity"
    if callable(transf):
        return Scale(transf, False, None, xlabel or f"{name} (transformed)", "Estimate")
    if transf == "exp":
        ratio = m in LOG_MEASURES
        label = xlabel or (f"{name} (log scale)" if ratio else f"exp({name.lower()}) (log scale)")
        return Scale(_exp, True, 1.0, label, m if ratio else "exp(estimate)")
    if transf == "identity":
        if m in LOG_MEASURES:
            return Scale(_identity, False, 0.0, xlabel or f"log {name.lower()}", f"log {m}")
        null = None if m in PROPORTION_MEASURES else 0.0
        short = m if m in ("MD", "SMD", "RD") else "Estimate"
        return Scale(_identity, False, null, xlabel or name, short, percent=m == "PR")
    raise InputError(
        f"argument 'transf': {transf!r} is not one of None (automatic), 'exp', 'identity' "
        "or a function such as evisynth.transforms.ilogit",
        where="transf",
    )


# ------------------------------------------------------------------------- ticks

_LOG_STEPS = ((1, 2, 3, 5), (1, 2, 5), (1, 3), (1,))


def _log_candidates(steps: Sequence[int], lo: float, hi: float) -> list[float]:
    out = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 2):
        out += [s * 10.0**e for s in steps]
    return sorted(out)


def log_ticks(lo: float, hi: float, max_ticks: int = 7) -> tuple[list[float], float, float]:
    """Ratio-scale ticks from 1-2-3-5 series and axis limits that end on ticks.

    Uses the densest series among 1-2-3-5, 1-2-5, 1-3 and 1 (per decade) that
    gives at most ``max_ticks`` ticks between the nearest ticks enclosing
    ``[lo, hi]``; with decades only, every ``n``-th decade is kept.
    """
    for steps in _LOG_STEPS:
        cand = _log_candidates(steps, lo, hi)
        a = max(c for c in cand if c <= lo * (1 + 1e-9))
        b = min(c for c in cand if c >= hi * (1 - 1e-9))
        ticks = [c for c in cand if a * (1 - 1e-9) <= c <= b * (1 + 1e-9)]
        if len(ticks) <= max_ticks:
            return ticks, a, b
    e_lo, e_hi = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    step = math.ceil((e_hi - e_lo) / (max_ticks - 1))
    exps = list(range(e_lo, e_hi + step, step))
    ticks = [10.0**e for e in exps]
    return ticks, ticks[0], ticks[-1]


def linear_ticks(lo: float, hi: float, max_ticks: int = 7) -> tuple[list[float], float, float]:
    """Linear ticks at 1-2-2.5-5 steps and limits that end on ticks."""
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    vals = MaxNLocator(nbins=max_ticks - 1, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    ticks = [float(v) for v in vals if v >= lo - (hi - lo) and v <= hi + (hi - lo)]
    a = max(t for t in ticks if t <= lo + 1e-12 * abs(lo))
    b = min(t for t in ticks if t >= hi - 1e-12 * abs(hi))
    ticks = [0.0 if abs(t) < 1e-12 * (b - a) else t for t in ticks if a <= t <= b]
    return ticks, a, b


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def tick_label(v: float, percent: bool = False) -> str:
    """Compact tick label (``0.5``, ``10``, ``0.001``, ``20%``) with a true minus sign.

    Never in E notation: from 0.0001 to 100,000 the plain number, beyond that a
    power of ten written out (``10⁻⁶``, ``2×10⁶``).

    Examples
    --------
    >>> [tick_label(v) for v in (0.5, 10, 0.001, 1e-7, 3e6)]
    ['0.5', '10', '0.001', '10⁻⁷', '3×10⁶']
    >>> tick_label(0.2, percent=True)
    '20%'
    """
    if percent:
        return _strip_zeros(f"{100 * v:.6f}").replace("-", "−") + "%"
    a = abs(v)
    if a == 0 or 1e-4 <= a < 1e5:
        return _strip_zeros(f"{v:.10f}").replace("-", "−")
    e = math.floor(math.log10(a))
    m = round(a / 10.0**e, 6)
    if m >= 10:
        m, e = m / 10, e + 1
    head = "" if m == 1 else _strip_zeros(f"{m:.6f}") + "×"
    return ("−" if v < 0 else "") + head + "10" + str(e).translate(_SUPERSCRIPT)


def _strip_zeros(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


# ---------------------------------------------------------------------- numbers


def fmt(x: float, digits: int = 2) -> str:
    """``x`` with ``digits`` decimals (halves rounded away from zero, as readers expect:
    0.625 → 0.63) and a true minus sign; ``inf``/``nan`` spelled out; never E notation.

    Examples
    --------
    >>> fmt(0.625), fmt(-2.5, 0), fmt(2.28e-7, 9)
    ('0.63', '−3', '0.000000228')
    """
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if abs(x) < 1e15:
        q = Decimal(1).scaleb(-digits)
        s = format(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP), "f")
    else:
        s = f"{x:.{digits}f}"
    if float(s) == 0.0:
        s = s.lstrip("-")
    return s.replace("-", "−")


#: Below this magnitude :func:`fmt_num` writes ``<0.0001``; at or above ``NUM_HIGH``, ``>100,000``.
NUM_LOW = 1e-4
NUM_HIGH = 1e5


def fmt_num(x: float, digits: int = 2) -> str:
    """A number as a reader wants it in a table or forest plot, never in E notation.

    ``digits`` decimals (halves away from zero); a value that would round to
    zero keeps two significant digits in plain form (``0.0015``); magnitudes
    below 0.0001 are written ``<0.0001`` (``>−0.0001`` if negative), from 1,000
    no decimals and thousands grouped (``1,235``), from 100,000 ``>100,000``.

    Parameters
    ----------
    x
        The number.
    digits
        Decimals for ordinary magnitudes.

    Returns
    -------
    str
        The text, with a true minus sign.

    Examples
    --------
    >>> [fmt_num(v) for v in (0.494, 0.00153, 2.28e-7, 1234.5, 3e8, -0.004)]
    ['0.49', '0.0015', '<0.0001', '1,235', '>100,000', '−0.0040']
    """
    if not math.isfinite(x) or x == 0:
        return fmt(x, digits)
    a = abs(x)
    neg = x < 0
    if a < NUM_LOW:
        return ">−0.0001" if neg else "<0.0001"
    if a >= NUM_HIGH:
        return "<−100,000" if neg else ">100,000"
    if a >= 1000:
        return ("−" if neg else "") + f"{int(Decimal(repr(a)).quantize(1, ROUND_HALF_UP)):,}"
    if a < 0.5 * 10.0**-digits:
        return fmt(x, 1 - math.floor(math.log10(a)))
    return fmt(x, digits)


def fmt_pct(p: float, digits: int = 1) -> str:
    """A proportion as a percentage: ``3.6%``; ``<0.1%`` and ``>99.9%`` near the ends.

    Exactly 0 and 1 are ``0%`` and ``100%``; a value that is not 0 or 1 never
    rounds to them, so an interval that stops short of an end says so.

    Parameters
    ----------
    p
        Proportion (0 to 1).
    digits
        Decimals of the percentage.

    Returns
    -------
    str

    Examples
    --------
    >>> [fmt_pct(v) for v in (0.0357, 2.28e-7, 0.99999, 0.0, 1.0)]
    ['3.6%', '<0.1%', '>99.9%', '0%', '100%']
    """
    if not math.isfinite(p):
        return fmt(p)
    if p == 0 or p == 1:
        return f"{100 * p:.0f}%"
    step = 10.0**-digits
    s = fmt(100 * p, digits)
    if 0 < p and float(s.replace("−", "-")) == 0:
        return f"<{fmt(step, digits)}%"
    if p < 1 and float(s.replace("−", "-")) >= 100:
        return f">{fmt(100 - step, digits)}%"
    return s + "%"


def fmt_p(p: float) -> str:
    """``p < 0.001`` or ``p = 0.012`` (three decimals)."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"
