"""Figure serialisation: a figure in, a string (or bytes) out; nothing is written to disk.

The report inlines figures as SVG and must be byte-identical from run to run, so
:func:`to_svg` pins everything matplotlib would otherwise vary: the hash salt
that seeds clip-path and glyph ids (``svg.hashsalt``), the document id
(``svg.id``), the creation date (removed) and the creator string.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from evisynth.errors import InputError

#: Salt for matplotlib's SVG id hashes; fixed so that ids do not change between runs.
SVG_HASHSALT = "evisynth"

#: Metadata written into every SVG: no date, a fixed creator.
SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": "evisynth"}


def _check_figure(fig: Any) -> Figure:
    if not isinstance(fig, Figure):
        raise InputError(
            f"argument 'fig': expected a matplotlib Figure (as returned by evisynth.forest, "
            f"funnel or prisma), got {type(fig).__name__}",
            where="fig",
        )
    return fig


def to_svg(fig: Figure) -> str:
    """The figure as an SVG document string, identical for identical figures.

    Glyphs are embedded as paths (``svg.fonttype = "path"``), so the SVG renders
    the same in every browser without the fonts installed.

    Parameters
    ----------
    fig
        A matplotlib figure.

    Returns
    -------
    str
        The SVG document (starting with ``<?xml``).

    Raises
    ------
    InputError
        If ``fig`` is not a matplotlib :class:`~matplotlib.figure.Figure`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.text(0.1, 0.5, "hello")
    >>> to_svg(fig) == to_svg(fig)
    True
    """
    fig = _check_figure(fig)
    buf = io.StringIO()
    with matplotlib.rc_context(
        {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path", "svg.id": "evisynth-figure"}
    ):
        fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    return buf.getvalue()


def to_png(fig: Figure, *, dpi: float = 150) -> bytes:
    """The figure as PNG bytes (for previews; the report uses :func:`to_svg`).

    Parameters
    ----------
    fig
        A matplotlib figure.
    dpi
        Resolution in dots per inch.

    Returns
    -------
    bytes
        The PNG file content.

    Raises
    ------
    InputError
        If ``fig`` is not a matplotlib figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> to_png(Figure(figsize=(1, 1)), dpi=10)[:4] == b"\\x89PNG"
    True
    """
    fig = _check_figure(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "evisynth"})
    return buf.getvalue()
