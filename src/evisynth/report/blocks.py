"""The report as a sequence of blocks, rendered to HTML and to Markdown.

The content is written once (:mod:`evisynth.report.content`) as blocks; the two
renderers here only format them, so the HTML and Markdown reports can never say
different things.

Both renderers treat every text as plain text: HTML escapes it (then turns
DOIs and PubMed/PMC ids into links), Markdown escapes ``&``, ``<`` and ``>`` so
that a study label such as ``<img src=x onerror=...>`` stays text on every
Markdown renderer. The HTML page has a contents sidebar (one link per section
and per outcome, anchors made unique), a print stylesheet and figures that
scale to the width of the page; on a narrow screen a figure keeps the width at
which its smallest text is :data:`MIN_TEXT_PX` pixels tall and scrolls
sideways in its own box instead. It loads nothing from the network.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import jinja2

from evisynth.plots._io import prefix_svg_ids, svg_ids


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "p"  # "p", "note" (boxed), "small"


@dataclass(frozen=True)
class BulletList:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class Figure:
    svg: str
    caption: str
    name: str


Block = Heading | Para | BulletList | Table | Figure


def slug(text: str) -> str:
    """Anchor name for a heading."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------- Markdown
def md_escape(s: str) -> str:
    """Text for Markdown: ``&``, ``<`` and ``>`` as entities, so no raw HTML gets through.

    Examples
    --------
    >>> md_escape("<img src=x onerror=alert(1)> & p < 0.05")
    '&lt;img src=x onerror=alert(1)&gt; &amp; p &lt; 0.05'
    """
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(s: str) -> str:
    return md_escape(s).replace("|", "\\|").replace("\n", " ")


def _md_line(s: str) -> str:
    return md_escape(s).replace("\n", " ")


def to_markdown(title: str, blocks: Sequence[Block]) -> str:
    """Render the blocks as GitHub-flavoured Markdown (figures referenced, not embedded).

    Every text is escaped with :func:`md_escape`.
    """
    out = [f"# {_md_line(title)}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + _md_line(b.text), ""]
        elif isinstance(b, Para):
            out += [f"> {md_escape(b.text)}" if b.kind == "note" else md_escape(b.text), ""]
        elif isinstance(b, BulletList):
            marks = [f"{n}." if b.ordered else "-" for n in range(1, len(b.items) + 1)]
            out += [f"{m} {_md_line(i)}" for m, i in zip(marks, b.items, strict=True)] + [""]
        elif isinstance(b, Table):
            if b.caption:
                out += [f"*{_md_line(b.caption)}*", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
            out.append("")
        else:
            out += [f"*Figure: {_md_line(b.caption)}* (see report.html)", ""]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML
_DOI = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|\bdoi:\s*)?\b(10\.\d{4,9}/[^\s<>\"]+)",
                  re.IGNORECASE)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_PMC = re.compile(r"\b(PMC\d{4,9})\b")


def _trim_doi(doi: str) -> tuple[str, str]:
    """Split trailing punctuation (and an unbalanced ``)``) off a DOI found in text."""
    tail = ""
    while doi:
        if doi[-1] in ".,;:":
            tail, doi = doi[-1] + tail, doi[:-1]
        elif doi.endswith(")") and doi.count(")") > doi.count("("):
            tail, doi = ")" + tail, doi[:-1]
        elif doi.endswith("&#x27;") or doi.endswith("&quot;"):
            cut = doi.rindex("&")
            tail, doi = doi[cut:] + tail, doi[:cut]
        else:
            break
    return doi, tail


def link_ids(escaped: str) -> str:
    """Turn DOIs, ``PMID 123`` and ``PMC123`` in already-escaped HTML text into links.

    DOIs (``10.xxxx/...``, also after ``doi:`` or ``https://doi.org/``) link to
    ``https://doi.org/...``, PubMed ids to ``https://pubmed.ncbi.nlm.nih.gov/<id>/``,
    PMC ids to ``https://pmc.ncbi.nlm.nih.gov/articles/<id>/``. Links are only
    followed when clicked; the page fetches nothing.

    Examples
    --------
    >>> print(link_ids("doi:10.1016/S0140-6736(22)00662-6; PMID:35717989."))
    ... # doctest: +NORMALIZE_WHITESPACE
    <a href="https://doi.org/10.1016/S0140-6736(22)00662-6">doi:10.1016/S0140-6736(22)00662-6</a>;
    <a href="https://pubmed.ncbi.nlm.nih.gov/35717989/">PMID:35717989</a>.
    """
    out: list[str] = []
    pos = 0
    for m in _DOI.finditer(escaped):
        doi, tail = _trim_doi(m.group(1))
        text = escaped[m.start():m.end() - len(tail)]
        out.append(_link_pubmed(escaped[pos:m.start()]))
        out.append(f'<a href="https://doi.org/{doi}">{text}</a>{tail}')
        pos = m.end()
    out.append(_link_pubmed(escaped[pos:]))
    return "".join(out)


def _link_pubmed(s: str) -> str:
    s = _PMID.sub(lambda m: f'<a href="https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/">'
                  f"{m.group(0)}</a>", s)
    return _PMC.sub(lambda m: f'<a href="https://pmc.ncbi.nlm.nih.gov/articles/{m.group(1)}/">'
                    f"{m.group(1)}</a>", s)


def _text(s: str) -> str:
    return link_ids(html.escape(s))


#: Smallest height, in CSS pixels, of a figure's text on a narrow screen.
MIN_TEXT_PX = 9.0
_VIEWBOX = re.compile(r'<svg\b[^>]*?\bviewBox="\s*[-\d.e]+[\s,]+[-\d.e]+[\s,]+([\d.e]+)')
_WIDTH_PT = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"')
_FONT_SIZE = re.compile(r'font-size(?::\s*|=")([\d.]+)(?:px)?[;"\s}]')


def min_figure_width(svg: str) -> int | None:
    """Width in CSS pixels at which the SVG's smallest text is :data:`MIN_TEXT_PX` tall.

    The text's font sizes are in the SVG's user units (``viewBox``); the width
    is never more than the figure's own size (``width`` in points), so a
    figure is not drawn larger than it was made. ``None`` without a viewBox or
    font sizes.

    Examples
    --------
    >>> min_figure_width('<svg width="600pt" viewBox="0 0 600 200">'
    ...                  '<text style="font-size: 7.5px">a</text></svg>')
    720
    """
    box = _VIEWBOX.search(svg)
    sizes = [float(x) for x in _FONT_SIZE.findall(svg)]
    sizes = [x for x in sizes if x > 0]
    if box is None or not sizes:
        return None
    width = float(box.group(1)) * MIN_TEXT_PX / min(sizes)
    drawn = _WIDTH_PT.search(svg)
    if drawn is not None:
        width = min(width, float(drawn.group(1)) * 4 / 3)  # 1 pt = 4/3 CSS px
    return math.ceil(width)


_SVG_HEAD = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?")
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _inline_svg(svg: str, caption: str, name: str, seen: set[str]) -> str:
    """SVG ready to inline: no XML prolog or RDF metadata, ids unique on the page, a label."""
    svg = _SVG_HEAD.sub("", svg)
    svg = _METADATA.sub("", svg, count=1)
    ids = svg_ids(svg)
    if len(set(ids)) != len(ids) or seen & set(ids):
        base = slug(name) or "figure"
        base = base if base[0].isalpha() else "f" + base
        prefix, n = f"{base}-", 1
        while any(i.startswith(prefix) for i in seen):
            n += 1
            prefix = f"{base}-{n}-"
        svg = prefix_svg_ids(svg, prefix)
        ids = svg_ids(svg)
    seen.update(ids)
    if not re.match(r"<svg\b[^>]*\baria-label=", svg):
        label = html.escape(caption)
        svg = re.sub(r"<svg\b", f'<svg role="img" aria-label="{label}"', svg, count=1)
    return svg


def _html_block(b: Block, seen_ids: set[str], anchor: str | None = None) -> str:
    if isinstance(b, Heading):
        n = b.level + 1
        return f'<h{n} id="{anchor or b.anchor}">{html.escape(b.text)}</h{n}>'
    if isinstance(b, Para):
        cls = {"note": ' class="note"', "small": ' class="small"'}.get(b.kind, "")
        return f"<p{cls}>{_text(b.text)}</p>"
    if isinstance(b, BulletList):
        tag = "ol" if b.ordered else "ul"
        items = "".join(f"<li>{_text(i)}</li>" for i in b.items)
        return f'<{tag} class="small">{items}</{tag}>'

    if isinstance(b, Table):
        cap = f"<caption>{_text(b.caption)}</caption>" if b.caption else ""
        head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in b.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{_text(c)}</td>" for c in r) + "</tr>" for r in b.rows
        )
        return f'<div class="table"><table>{cap}<thead><tr>{head}</tr></thead>' \
               f"<tbody>{body}</tbody></table></div>"
    svg = _inline_svg(b.svg, b.caption, b.name, seen_ids)
    least = min_figure_width(svg)
    if least is not None:  # read by the narrow-screen rule of the page's stylesheet
        if re.match(r'<svg\b[^>]*?\sstyle="', svg):
            svg = re.sub(r'(<svg\b[^>]*?\sstyle=")', rf"\g<1>--mw:{least}px;", svg, count=1)
        else:
            svg = re.sub(r"<svg\b", f'<svg style="--mw:{least}px"', svg, count=1)
    return (f'<figure data-name="{html.escape(b.name)}"><div class="fig">{svg}</div>'
            f"<figcaption>{_text(b.caption)}</figcaption></figure>")


def unique_anchors(blocks: Sequence[Block]) -> list[str | None]:
    """Per block, the anchor of a heading (made unique with ``-2``, ``-3``...), else ``None``."""
    used: set[str] = {"contents", "main"}
    out: list[str | None] = []
    for b in blocks:
        if not isinstance(b, Heading):
            out.append(None)
            continue
        base = b.anchor or slug(b.text) or "section"
        a, n = base, 1
        while a in used:
            n += 1
            a = f"{base}-{n}"
        used.add(a)
        out.append(a)
    return out


def to_html(title: str, blocks: Sequence[Block], *, subtitle: str) -> str:
    """Render the blocks into one self-contained HTML page (inline SVG, no external fetches).

    The contents sidebar lists every top-level section with the headings one
    level below it (e.g. each outcome under "Efficacy"); anchors are unique.
    """
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files("evisynth.report").joinpath("templates", name)
            .read_text(encoding="utf-8")
        ),
        autoescape=True,
        keep_trailing_newline=True,
    )
    anchors = unique_anchors(blocks)
    toc: list[tuple[str, str, list[tuple[str, str]]]] = []
    for b, a in zip(blocks, anchors, strict=True):
        if not isinstance(b, Heading) or a is None:
            continue
        if b.level == 1:
            toc.append((b.text, a, []))
        elif b.level == 2 and toc:
            toc[-1][2].append((b.text, a))
    seen: set[str] = {"contents", "main"} | {a for a in anchors if a}  # figure ids avoid these
    body = "\n".join(_html_block(b, seen, a) for b, a in zip(blocks, anchors, strict=True))
    return env.get_template("report.html.j2").render(
        title=title, subtitle=subtitle, toc=toc, body=jinja2.utils.markupsafe.Markup(body)
    )
