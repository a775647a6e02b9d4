"""Figure serialisation: a figure in, a string (or bytes) out; nothing is written to disk.

The report inlines figures as SVG and must be byte-identical from run to run, so
:func:`to_svg` pins everything matplotlib would otherwise vary: the hash salt
that seeds clip-path and marker ids (``svg.hashsalt``), the creation date
(removed) and the creator string. Text stays text (``svg.fonttype = "none"``),
drawn with :data:`~evisynth.plots._common.FONT_STACK`; every id in the document
carries a prefix derived from the figure's content, so many figures can be
inlined in one page without sharing an id. The figure's alternative text
(:func:`set_alt`) becomes the SVG's ``<title>``, ``<desc>`` and ``aria-label``.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterable
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from evisynth.errors import InputError
from evisynth.plots._common import FONT_STACK
from evisynth.plots._svg import compact_svg

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


_ALT_ATTR = "evisynth_alt"


def set_alt(fig: Figure, text: str) -> Figure:
    """Attach alternative text (a description for readers who cannot see it) to ``fig``.

    Every evisynth figure function sets one; :func:`to_svg` writes it into the
    SVG. The first sentence becomes the ``<title>``, the whole text the
    ``<desc>`` and the ``aria-label``.

    Parameters
    ----------
    fig
        A matplotlib figure.
    text
        Plain text, one or a few sentences.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself.

    Raises
    ------
    InputError
        If ``fig`` is not a figure or ``text`` is not a string.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> get_alt(set_alt(Figure(), "Forest plot of 3 studies."))
    'Forest plot of 3 studies.'
    """
    fig = _check_figure(fig)
    if not isinstance(text, str):
        raise InputError(f"argument 'text': expected a string, got {type(text).__name__}",
                         where="text")
    fig.__dict__[_ALT_ATTR] = " ".join(text.split())
    return fig


def get_alt(fig: Figure) -> str | None:
    """The alternative text attached with :func:`set_alt`, or ``None``.

    Parameters
    ----------
    fig
        A matplotlib figure.

    Returns
    -------
    str or None

    Raises
    ------
    InputError
        If ``fig`` is not a matplotlib figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> get_alt(Figure()) is None
    True
    """
    fig = _check_figure(fig)
    alt = fig.__dict__.get(_ALT_ATTR)
    return alt if isinstance(alt, str) else None


_TAG = re.compile(r"<[^>]+>")
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def svg_ids(svg: str) -> list[str]:
    """Every ``id`` attribute of an SVG string, in document order (inside tags only)."""
    return [m.group(1) for t in _TAG.findall(svg) for m in _ID.finditer(t)]


def prefix_svg_ids(svg: str, prefix: str) -> str:
    """Prefix every id of ``svg`` (and every reference to it) with ``prefix``.

    Ids that occur more than once in the document (matplotlib writes an
    artist's ``gid`` as its id, and several artists can share a gid) get
    ``-2``, ``-3``, ... so that the result has unique ids; references
    (``url(#id)``, ``href="#id"``) point to the first element with that id.

    Parameters
    ----------
    svg
        SVG text as written by matplotlib.
    prefix
        Text put in front of every id (letters, digits, ``-`` and ``_``).

    Returns
    -------
    str

    Raises
    ------
    InputError
        If ``prefix`` is not a valid start of an XML id.

    Examples
    --------
    >>> prefix_svg_ids('<svg><g id="a"/><g id="a"/><use href="#a"/></svg>', "f1-")
    '<svg><g id="f1-a"/><g id="f1-a-2"/><use href="#f1-a"/></svg>'
    """
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", prefix):
        raise InputError(f"argument 'prefix': {prefix!r} is not a valid id prefix; use a "
                         "letter followed by letters, digits, '-' or '_'", where="prefix")
    seen: dict[str, int] = {}

    def new_id(m: re.Match[str]) -> str:
        old = m.group(1)
        seen[old] = seen.get(old, 0) + 1
        n = seen[old]
        return f'id="{prefix}{old}{"" if n == 1 else f"-{n}"}"'

    def tag(m: re.Match[str]) -> str:
        t = _ID.sub(new_id, m.group(0))
        return _REF.sub(lambda r: f"{r.group(1)}{prefix}{r.group(2)}", t)

    return _TAG.sub(tag, svg)


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def _finish_svg(svg: str, alt: str | None, id_prefix: str | None,
                gids: Iterable[str] = ()) -> str:
    """Compact, fonts on the root element, title/desc/aria-label from ``alt``, ids prefixed."""
    svg = compact_svg(svg, gids)
    attrs = f' font-family="{html.escape(FONT_STACK, quote=False)}"'
    head = ""
    if alt:
        attrs += f' role="img" aria-label="{html.escape(alt)}"'
        head = (f"\n <title>{html.escape(_first_sentence(alt), quote=False)}</title>"
                f"\n <desc>{html.escape(alt, quote=False)}</desc>")
    svg = re.sub(r"(<svg\b[^>]*?)(>)", lambda m: m.group(1) + attrs + m.group(2) + head, svg,
                 count=1)
    if id_prefix is None:
        id_prefix = "f" + hashlib.sha256(svg.encode()).hexdigest()[:8] + "-"
    return prefix_svg_ids(svg, id_prefix) if id_prefix else svg


_METRICS: dict[tuple[Any, ...], tuple[float, float, float]] = {}
_SVG_METRICS = RendererSVG.get_text_width_height_descent


def _cached_metrics(self: RendererSVG, s: str, prop: FontProperties,
                    ismath: Any) -> tuple[float, float, float]:
    """matplotlib's SVG text metrics, memoised across figures (they depend on nothing else).

    matplotlib caches text metrics per renderer, and every ``savefig`` makes a
    new renderer, so a report of 20 figures measured the same strings again and
    again; this cache returns the very numbers the SVG renderer computes.
    """
    if ismath:
        return _SVG_METRICS(self, s, prop, ismath)
    key = (s, tuple(prop.get_family()), prop.get_slant(), prop.get_variant(),
           prop.get_weight(), prop.get_stretch(), prop.get_size_in_points(), prop.get_file())
    hit = _METRICS.get(key)
    if hit is None:
        if len(_METRICS) > 50_000:
            _METRICS.clear()
        hit = _METRICS[key] = _SVG_METRICS(self, s, prop, ismath)
    return hit


def to_svg(fig: Figure, *, alt: str | None = None, id_prefix: str | None = None) -> str:
    """The figure as an SVG document string, identical for identical figures.

    Text stays text (``svg.fonttype = "none"``) in the font stack
    :data:`~evisynth.plots._common.FONT_STACK`, which keeps the file small
    and the words searchable, selectable and readable by screen readers. The
    figures are laid out with DejaVu Sans metrics; a browser without DejaVu
    Sans falls back to Verdana (close metrics) or its sans-serif font.

    Parameters
    ----------
    fig
        A matplotlib figure.
    alt
        Alternative text; default the one attached with :func:`set_alt` (every
        evisynth figure has one). Written as ``<title>`` (first sentence),
        ``<desc>`` and ``aria-label`` with ``role="img"``.
    id_prefix
        Put in front of every id in the document. Default: ``"f"`` and 8 hex
        digits of a hash of the SVG itself, so that different figures never
        share an id and the same figure always gets the same ids; ``""``
        leaves matplotlib's ids (made unique within the document) unprefixed.

    Returns
    -------
    str
        The SVG document (starting with ``<?xml``).

    Raises
    ------
    InputError
        If ``fig`` is not a matplotlib :class:`~matplotlib.figure.Figure` or
        ``id_prefix`` is not a valid id prefix.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.text(0.1, 0.5, "hello")
    >>> to_svg(fig) == to_svg(fig)
    True
    >>> ">hello</text>" in to_svg(fig)
    True
    """
    fig = _check_figure(fig)
    if alt is None:
        alt = get_alt(fig)
    elif not isinstance(alt, str):
        raise InputError(f"argument 'alt': expected a string, got {type(alt).__name__}",
                         where="alt")
    if id_prefix is not None and id_prefix != "" and not re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_-]*", str(id_prefix)):
        raise InputError(f"argument 'id_prefix': {id_prefix!r} is not a valid id prefix; use "
                         "a letter followed by letters, digits, '-' or '_'", where="id_prefix")
    buf = io.StringIO()
    with matplotlib.rc_context(
        {"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none", "svg.id": "figure"}
    ):
        RendererSVG.get_text_width_height_descent = _cached_metrics  # type: ignore[method-assign]
        try:
            fig.savefig(buf, format="svg", metadata=SVG_METADATA)
        finally:
            RendererSVG.get_text_width_height_descent = _SVG_METRICS  # type: ignore[method-assign]
    gids = {str(a.get_gid()) for a in fig.findobj() if a.get_gid()}
    return _finish_svg(buf.getvalue(), alt, id_prefix, gids)


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
