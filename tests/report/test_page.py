"""The HTML page and the Markdown file: size, ids, alt text, links, contents, escaping."""

from __future__ import annotations

import collections
import math
import re
from html.parser import HTMLParser
from pathlib import Path

from evisynth.report.blocks import (
    BulletList,
    Figure,
    Heading,
    Para,
    Table,
    link_ids,
    to_html,
    to_markdown,
)

XSS = '<img src=x onerror="alert(1)">'


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


def test_page_is_at_most_600_kb(bundled_run: Path) -> None:
    size = (bundled_run / "report.html").stat().st_size
    assert size <= 600_000, f"report.html is {size:,} bytes"


def test_every_id_on_the_page_is_unique(bundled_run: Path) -> None:
    p = _parse((bundled_run / "report.html").read_text())
    dups = [i for i, n in collections.Counter(p.ids).items() if n > 1]
    assert len(p.ids) > 500 and dups == []
    # every in-page link and SVG reference resolves
    ids = set(p.ids)
    assert all(h[1:] in ids for h in p.hrefs if h.startswith("#"))
    html = (bundled_run / "report.html").read_text()
    assert all(r in ids for r in re.findall(r'(?:url\(#|href="#)([^)"]+)', html))


def test_figures_are_text_with_alt_text(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.DOTALL)
    assert len(svgs) >= 10
    for svg in svgs:
        head = svg[:svg.index(">") + 1]
        assert 'role="img"' in head and re.search(r'aria-label="[^"]{20,}"', head), head
        assert "<text" in svg and "<metadata>" not in svg and "<?xml" not in svg
    forests = [s for s in svgs if "<title>Forest plot" in s]
    assert forests and all("<desc>" in s for s in forests)


def test_contents_sidebar_links_each_section_and_outcome(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    nav = html[html.index('<nav class="toc toc-side"'):html.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
    # the same list, collapsed, under the title for narrow screens
    top = html[html.index('<details class="toc toc-top"'):html.index("</details>")]
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', top) == links
    anchors = [a for a, _ in links]
    assert len(anchors) == len(set(anchors))
    heads = dict(re.findall(r'<h3 id="([^"]+)">([^<]+)</h3>', html))  # outcome headings
    assert heads and set(heads) <= set(anchors)
    assert len(re.findall(r"<h2 id=", html)) == len(anchors) - len(heads)


def test_dois_and_pmids_are_links_and_nothing_is_fetched(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    assert re.search(r'<a href="https://doi.org/10\.1056/NEJMoa2116133">', html)
    assert re.search(r'<a href="https://pubmed.ncbi.nlm.nih.gov/\d+/">PMID:?\s*\d+</a>', html)
    p = _parse(html)
    fetching = [(t, a) for t, a in p.tags if t in ("img", "script", "link", "iframe", "source",
                                                   "video", "audio", "object", "embed")]
    assert fetching == []


def test_print_stylesheet_and_phone_rules_are_present(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    css = html[html.index("<style>"):html.index("</style>")]
    assert "@media print" in css and "size: A4" in css and "break-before: page" in css
    assert re.search(r"figure svg \{ max-width: 100%; height: auto;", css)
    # on a narrow screen a figure keeps its legible width and scrolls in its own box
    assert ".fig { overflow-x: auto; }" in css
    assert re.search(r"@media screen and \(max-width: [\d.]+rem\) \{\s*"
                     r"\.fig svg \{ min-width: var\(--mw, 0\); \}", css)


def _one(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    assert m is not None, pattern
    return m.group(1)


def test_every_figure_states_its_legible_width(bundled_run: Path) -> None:
    """Each figure's --mw is the width at which its smallest text is 9 px tall."""
    from evisynth.report.blocks import MIN_TEXT_PX

    html = (bundled_run / "report.html").read_text()
    figs = re.findall(r'<figure data-name="([^"]+)"><div class="fig">(<svg\b.*?</svg>)\s*</div>',
                      html, re.S)
    assert len(figs) >= 10 and len(figs) == html.count("<figure ")
    for name, svg in figs:
        head = svg[:svg.index(">") + 1]
        mw = float(_one(r"--mw:(\d+)px", head))
        vb = float(_one(r'viewBox="\S+ \S+ ([\d.]+) [\d.]+"', head))
        drawn = float(_one(r'width="([\d.]+)pt"', head)) * 4 / 3
        least = min(float(x) for x in re.findall(r"font-size: ([\d.]+)px", svg))
        # at mw px the smallest text is at least 9 px (rounded up), unless the figure's own
        # drawn size is the cap
        assert mw == min(math.ceil(vb * MIN_TEXT_PX / least), math.ceil(drawn)), name


def test_link_ids_forms() -> None:
    assert link_ids("see https://doi.org/10.1182/blood.2022018730.") == (
        'see <a href="https://doi.org/10.1182/blood.2022018730">'
        "https://doi.org/10.1182/blood.2022018730</a>.")
    assert link_ids("(doi 10.1000/xyz)") == \
        '(doi <a href="https://doi.org/10.1000/xyz">10.1000/xyz</a>)'
    assert link_ids("PMID 123456 and PMC10646768") == (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/123456/">PMID 123456</a> and '
        '<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC10646768/">PMC10646768</a>')
    assert link_ids("p = 10.5 / 2, no DOI") == "p = 10.5 / 2, no DOI"


def _blocks() -> list:
    return [
        Heading(1, "Studies", "studies"),
        Para(f"Study {XSS} & co"),
        BulletList((f"item {XSS}",)),
        Table(("Label", "DOI"), ((XSS, "doi:10.1000/abc"),), caption=f"cap {XSS}"),
        Figure('<svg id="a"><g id="b"/></svg>', f"fig {XSS}", "x"),
        Figure('<svg id="a"><g id="b"/></svg>', "same ids", "x"),
        Figure('<svg id="studies"/>', "an id that is also a heading's anchor", "9"),
        Heading(1, "Studies", "studies"),  # same title twice: anchors stay unique
        Heading(2, f"Outcome {XSS}", "outcome"),
    ]


def test_markdown_escapes_raw_html_from_the_data() -> None:
    md = to_markdown(f"Title {XSS}", _blocks())
    assert "<img" not in md and "<" not in md.replace("&lt;", "")
    assert "&lt;img src=x onerror=\"alert(1)\"&gt;" in md
    assert "Study &lt;img" in md and "&amp; co" in md and "| &lt;img" in md
    assert md.startswith("# Title &lt;img")


def test_html_escapes_and_keeps_ids_unique() -> None:
    page = to_html(f"T {XSS}", _blocks(), subtitle="s")
    assert "<img" not in page
    p = _parse(page)
    assert len(p.ids) == len(set(p.ids))
    assert 'id="studies"' in page and 'id="studies-2"' in page
    assert 'aria-label="fig &lt;img' in page  # caption as label when the SVG has none
    nav = page[page.index("<nav"):page.index("</nav>")]
    assert '<a href="#studies-2">' in nav and '<a href="#outcome">' in nav
