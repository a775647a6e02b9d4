"""The report as a sequence of blocks, rendered to HTML and to Markdown.

The content is written once (:mod:`evisynth.report.content`) as blocks; the two
renderers here only format them, so the HTML and Markdown reports can never say
different things.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import jinja2


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
def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, blocks: Sequence[Block]) -> str:
    """Render the blocks as GitHub-flavoured Markdown (figures referenced, not embedded)."""
    out = [f"# {title}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * (b.level + 1) + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [f"> {b.text}" if b.kind == "note" else b.text, ""]
        elif isinstance(b, BulletList):
            marks = [f"{n}." if b.ordered else "-" for n in range(1, len(b.items) + 1)]
            out += [f"{m} {i}" for m, i in zip(marks, b.items, strict=True)] + [""]
        elif isinstance(b, Table):
            if b.caption:
                out += [f"*{b.caption}*", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b.rows]
            out.append("")
        else:
            out += [f"*Figure: {b.caption}* (see report.html)", ""]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML
def _html_block(b: Block) -> str:
    if isinstance(b, Heading):
        n = b.level + 1
        return f'<h{n} id="{b.anchor}">{html.escape(b.text)}</h{n}>'
    if isinstance(b, Para):
        cls = {"note": ' class="note"', "small": ' class="small"'}.get(b.kind, "")
        return f"<p{cls}>{html.escape(b.text)}</p>"
    if isinstance(b, BulletList):
        tag = "ol" if b.ordered else "ul"
        items = "".join(f"<li>{html.escape(i)}</li>" for i in b.items)
        return f'<{tag} class="small">{items}</{tag}>'

    if isinstance(b, Table):
        cap = f"<caption>{html.escape(b.caption)}</caption>" if b.caption else ""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in b.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in b.rows
        )
        return f'<div class="table"><table>{cap}<thead><tr>{head}</tr></thead>' \
               f"<tbody>{body}</tbody></table></div>"
    svg = re.sub(r"^<\?xml[^>]*\?>\s*", "", b.svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    return (f'<figure data-name="{html.escape(b.name)}">{svg}'
            f"<figcaption>{html.escape(b.caption)}</figcaption></figure>")


def to_html(title: str, blocks: Sequence[Block], *, subtitle: str) -> str:
    """Render the blocks into one self-contained HTML page (inline SVG, no external fetches)."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files("evisynth.report").joinpath("templates", name)
            .read_text(encoding="utf-8")
        ),
        autoescape=True,
        keep_trailing_newline=True,
    )
    toc = [(b.level, b.text, b.anchor) for b in blocks if isinstance(b, Heading) and b.level == 1]
    body = "\n".join(_html_block(b) for b in blocks)
    return env.get_template("report.html.j2").render(
        title=title, subtitle=subtitle, toc=toc, body=jinja2.utils.markupsafe.Markup(body)
    )
