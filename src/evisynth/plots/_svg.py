"""Making matplotlib's SVG text small without changing what it draws.

matplotlib writes every coordinate with six decimals, one line per path
vertex, an ``id`` on every group (``text_12``, ``line2d_3``, ...), a group
around nearly every element, the whole default font list on every tick label
and each copy of a repeated shape (a risk-of-bias circle, say) as its own path.
:func:`compact_svg` rewrites those parts of a document and leaves the rest as
it was:

- path data to 0.1 pt, positions (``x``, ``y``, ``width``, ``height``,
  ``transform``) to 0.01 pt, the root element's size untouched (a tenth of a
  point is 1/720 inch, about 0.13 CSS pixels);
- a path drawn more than once with the same shape and style is written once in
  ``<defs>`` and placed with ``<use>`` (the shape relative to its first point);
  a ``<use>`` does not repeat the style of the path it places;
- a text in a font list that starts with the measuring font inherits the font
  stack from the root element, and ``text-anchor: start`` (the initial value,
  set on no group) is left out;
- the id matplotlib numbers each artist's group with (``text_12``) is dropped
  unless it is the artist's ``gid`` or referenced, and a group left without
  attributes is unwrapped (it has no effect on drawing).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from evisynth.plots._common import FONT_FAMILY

__all__ = ["compact_svg"]

_TAG = re.compile(r"<[^>]+>")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_INDENT = re.compile(r"\n[ \t]+<")
_PATH_DATA = re.compile(r'(?<=\sd=")[^"]*')
_PATH = re.compile(r"<path\s[^>]*>")
_SHARED = '<path id="shape'  # written by _share_repeated_paths, already rounded
_PLACED = re.compile(r"<(?:use|rect)\s[^>]*>")
_POSITION = re.compile(r'(?<=\s)(x|y|width|height)="([^"]*)"')
# matplotlib writes font-size before font-family, so the declaration never comes first;
# a list that starts with the measuring font was measured (and is drawn) in it
_FONT_LIST = re.compile("; font-family: " + re.escape(repr(FONT_FAMILY)) + r"(, [^;\"]*)?(?=[;\"])")
# the initial value of text-anchor (set on no ancestor)
_ANCHOR_START = re.compile(r'(?: style="text-anchor: start"|; text-anchor: start(?=[;"]))')
_NO_ROTATION = re.compile(r' transform="rotate\(-0 [^"]*\)"')
_REF = re.compile(r'(?:url\(#|href="#)([^)"]+)')
_GROUP_ID = re.compile(r'<g id="([^"]+)"')
_CONTAINER = re.compile(r"(?:figure|axes|matplotlib\.axis|[xy]tick|legend)_\d+")
_GROUP = re.compile(r"<g(?:\s[^>]*)?/?>\n?|</g>\n?")
_PLAIN_PATH = re.compile(r'<path d="(M [^"]*)" style="([^"]*)"/>')
_MARKER = re.compile(r'<path id="([^"]+)" d="[^"]*" style="([^"]*)"/>')
_USE = re.compile(r'(<use xlink:href="#([^"]+)"( x="[^"]*" y="[^"]*")?) style="([^"]*)"/>')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _rounder(decimals: int) -> Callable[[float], str]:
    def fmt(value: float) -> str:
        v = f"{value:.{decimals}f}".rstrip("0").removesuffix(".")
        return "0" if v == "-0" else v

    return fmt


_TENTH = _rounder(1)
_HUNDREDTH = _rounder(2)


def _round_path(d: str) -> str:
    """Path data with every number to 0.1 and single spaces (matplotlib: one vertex a line)."""
    return " ".join(_DECIMAL.sub(lambda m: _TENTH(float(m.group(0))), d).split())


def _relative(d: str) -> tuple[float, float, str]:
    """``d`` as its first point and the shape relative to it (to 0.01: written once)."""
    nums = [float(n) for n in _NUMBER.findall(d)]
    x0, y0 = nums[0], nums[1]
    it = iter(range(len(nums)))

    def shift(m: re.Match[str]) -> str:
        i = next(it)
        return _HUNDREDTH(float(m.group(0)) - (x0 if i % 2 == 0 else y0))

    return x0, y0, " ".join(_NUMBER.sub(shift, d).split())


def _share_repeated_paths(svg: str) -> str:
    """A path drawn twice or more (same shape and style) goes in ``<defs>`` once, then ``<use>``.

    Only plain paths (``d`` and ``style`` alone: no clip path, no transform)
    whose data is longer than a ``<use>`` are shared; the shape is the raw
    path relative to its first point, so copies placed anywhere match.
    """
    def key(m: re.Match[str]) -> tuple[str, str]:
        return _relative(m.group(1))[2], m.group(2)

    plain = [m for m in _PLAIN_PATH.finditer(svg) if len(m.group(1)) > 80]
    counts = Counter(key(m) for m in plain)
    ids: dict[tuple[str, str], str] = {}

    def use(m: re.Match[str]) -> str:
        k = key(m)
        if len(m.group(1)) <= 80 or counts[k] < 2:
            return m.group(0)
        x0, y0, rel = _relative(m.group(1))
        at = f' x="{_HUNDREDTH(x0)}" y="{_HUNDREDTH(y0)}" style="{k[1]}"/>'
        if k in ids:
            return f'<use xlink:href="#{ids[k]}"' + at
        ids[k] = f"shape{len(ids) + 1}"
        return (f'<defs>\n<path id="{ids[k]}" d="{rel}"/>\n</defs>\n'
                f'<use xlink:href="#{ids[k]}"' + at)

    return _PLAIN_PATH.sub(use, svg)


def _drop_repeated_styles(svg: str) -> str:
    """A ``<use>`` whose style is that of the path it places loses the copy.

    The placed path's own style decides every property it names, so a use
    that repeats exactly that style changes nothing (matplotlib writes a tick
    mark's style on the mark and again on every use).
    """
    styles = dict(_MARKER.findall(svg))

    def use(m: re.Match[str]) -> str:
        return m.group(0) if styles.get(m.group(2)) != m.group(4) else m.group(1) + "/>"

    return _USE.sub(use, svg)


def _round_positions(body: str) -> str:
    """``x``, ``y``, ``width`` and ``height`` of ``<use>`` and ``<rect>`` to 0.01 pt.

    Text positions stay as matplotlib wrote them: a browser snaps a baseline to
    the pixel grid, so rounding even to 0.001 pt moves the odd label by a pixel.
    """
    def place(t: re.Match[str]) -> str:
        return _POSITION.sub(
            lambda m: f'{m.group(1)}="'
                      + _DECIMAL.sub(lambda n: _HUNDREDTH(float(n.group(0))), m.group(2)) + '"',
            t.group(0))

    return _PLACED.sub(place, body)


def _drop_group_ids(svg: str, keep: set[str]) -> str:
    """Drop the ids matplotlib numbers each artist's group with; unwrap groups left bare.

    Kept: an artist's ``gid``, an id something references, and the ids of the
    groups that gather other groups (figure, axes, axis, tick, legend), so that
    the document's outline stays findable.
    """
    keep = keep | set(_REF.findall(svg))
    svg = _GROUP_ID.sub(lambda m: m.group(0) if m.group(1) in keep
                        or _CONTAINER.fullmatch(m.group(1)) else "<g", svg)
    dropped: list[bool] = []  # per open group: unwrapped

    def group_tag(m: re.Match[str]) -> str:
        tag = m.group(0).rstrip("\n")
        if tag == "</g>":
            return "" if dropped.pop() else m.group(0)
        if tag == "<g/>":
            return ""
        if not tag.endswith("/>"):
            dropped.append(tag == "<g>")
            return "" if tag == "<g>" else m.group(0)
        return m.group(0)

    return _GROUP.sub(group_tag, svg)


def compact_svg(svg: str, gids: Iterable[str] = ()) -> str:
    """``svg`` (as matplotlib writes it) made compact; see the module docstring.

    Parameters
    ----------
    svg
        An SVG document written by matplotlib's SVG backend.
    gids
        The ``gid`` of every artist of the figure: those group ids stay.

    Returns
    -------
    str
    """
    end = svg.index(">", svg.index("<svg")) + 1
    head, body = svg[:end], svg[end:]
    body = _share_repeated_paths(body)
    body = _PATH.sub(lambda t: t.group(0) if t.group(0).startswith(_SHARED) else
                     _PATH_DATA.sub(lambda m: _round_path(m.group(0)), t.group(0)), body)
    body = _round_positions(body)
    body = _drop_repeated_styles(body)
    body = _FONT_LIST.sub("", body)
    body = _NO_ROTATION.sub("", body)
    body = _ANCHOR_START.sub("", body)
    body = _drop_group_ids(body, set(gids))
    return _INDENT.sub("\n<", head + body)
