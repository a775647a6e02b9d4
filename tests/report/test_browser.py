"""report.html in a real browser (headless Chromium through Playwright).

Needs the Debian packages ``chromium`` and ``poppler-utils`` (``pdftotext``)
and the Python package ``playwright`` (installed by .ci/run). Outside CI the
tests are skipped when one is missing; in CI (CI=true) a missing tool is a
failure, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing(what: str, fix: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed; {fix}")
    pytest.skip(f"{what} not installed")


def _require_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("playwright", ".ci/run must install it")
    if CHROMIUM is None:
        _missing("chromium", ".ci/run must install it")
    assert CHROMIUM is not None
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


def _open(browser: Any, url: str, width: int) -> tuple[Any, list[str], list[str]]:
    errors: list[str] = []
    requests: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, requests


_FIGURES = """els => els.map(e => { const r = e.getBoundingClientRect();
  return [e.closest('figure').dataset.name, r.left, r.right, r.width, r.height]; })"""
# per figure: its scroll box (left, right), and the rendered height in CSS px of its
# smallest text: font size in user units times the drawn width per user unit
_TEXT_SIZES = """els => els.map(e => {
  const box = e.closest('.fig').getBoundingClientRect();
  const scale = e.getBoundingClientRect().width / e.viewBox.baseVal.width;
  const sizes = [...e.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize));
  return [e.closest('figure').dataset.name, box.left, box.right, Math.min(...sizes) * scale,
          e.closest('.fig').scrollWidth > e.closest('.fig').clientWidth]; })"""


def test_report_renders_without_errors(browser: Any, bundled_run: Path) -> None:
    page, errors, requests = _open(browser, (bundled_run / "report.html").resolve().as_uri(),
                                   1280)
    sizes = page.eval_on_selector_all("figure svg", _FIGURES)
    title = page.title()
    page.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []  # no network fetches
    assert title.startswith("CAR-T cell therapy")
    assert len(sizes) >= 10
    for name, _l, _r, w, h in sizes:
        assert w > 50 and h > 50, f"figure {name} renders at {w}x{h}"


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_and_no_figure_overflows(browser: Any, bundled_run: Path, tmp_path: Path,
                                             width: int) -> None:
    page, errors, requests = _open(browser, (bundled_run / "report.html").resolve().as_uri(),
                                   width)
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=False)
    inner = page.evaluate("window.innerWidth")
    scroll_w = page.evaluate("document.documentElement.scrollWidth")
    figs = page.eval_on_selector_all("figure svg", _FIGURES)
    text = page.eval_on_selector_all("figure svg", _TEXT_SIZES)
    # the SVG text is laid out in the font the figures were measured with
    font_ok = page.evaluate("document.fonts.check('10px \"DejaVu Sans\"')")
    page.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
    assert errors == [] and [u for u in requests if not u.startswith("file:")] == []
    assert inner == width and scroll_w <= width, f"page is {scroll_w} px wide at {width} px"
    assert figs and len(text) == len(figs)
    for name, left, right, w, h in figs:
        assert w > 50 and h > 20, f"figure {name} renders at {w}x{h}"
        if width >= 1024:  # the wide layout: every figure fits the page as it is
            assert left >= 0 and right <= width + 0.5, f"figure {name} spans {left}-{right}"
    for name, left, right, smallest, scrolls in text:
        # the figure's box never leaves the page; on a phone a figure keeps the width at
        # which its smallest text is 9 px tall and scrolls sideways in that box
        assert left >= 0 and right <= width + 0.5, f"figure box {name} spans {left}-{right}"
        if width < 1024:
            assert smallest >= 9 - 0.05, f"figure {name}: smallest text {smallest:.2f} px"
            assert scrolls, f"figure {name} does not scroll at {width} px"
    assert font_ok


def test_print_to_pdf_keeps_every_studies_column(browser: Any, bundled_run: Path,
                                                 tmp_path: Path) -> None:
    if PDFTOTEXT is None:
        _missing("pdftotext", ".ci/run must install poppler-utils")
    page, errors, _ = _open(browser, (bundled_run / "report.html").resolve().as_uri(), 1280)
    headers = page.evaluate("""() => {
        let e = document.getElementById('studies');
        while (e && !(e.matches && e.matches('div.table'))) e = e.nextElementSibling;
        return e ? [...e.querySelectorAll('thead th')].map(t => t.textContent) : [];
    }""")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    # in print layout, on the width of an A4 page less the 10 mm margins (190 mm = 718 px),
    # no table or figure is wider than the page: nothing is cut off at the right edge
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})
    too_wide = page.evaluate("""() => [...document.querySelectorAll('table, figure svg')]
        .map(e => [e.closest('.table, figure').querySelector('caption, figcaption')
                   ?.textContent?.slice(0, 40) ?? '', e.getBoundingClientRect().right])
        .filter(([_, r]) => r > 718.5)""")
    page.close()
    assert too_wide == []
    assert errors == []
    assert len(headers) >= 5 and "Citation" in headers
    text = subprocess.run([str(PDFTOTEXT), "-raw", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    # -raw keeps the order in which the page drew the text: a header wrapped over two
    # lines of its cell stays together; a line broken after a hyphen is joined again
    def norm(t: str) -> str:
        return re.sub(r"-\s+", "-", " ".join(t.split()))

    flat = norm(text)
    missing = [h for h in headers if norm(h) not in flat]
    assert missing == [], f"column headers missing from the printed PDF: {missing}"


def test_svg_text_renders_with_the_measured_font(browser: Any, bundled_run: Path) -> None:
    """Text widths in the browser equal the widths the figure layout was computed with."""
    from evisynth.plots._common import text_width

    page, errors, _ = _open(browser, (bundled_run / "report.html").resolve().as_uri(), 1280)
    rows = page.evaluate("""() => {
        const svg = document.querySelector('figure[data-name^="forest-"] svg');
        return [...svg.querySelectorAll('text')].map(t => {
            const cs = getComputedStyle(t);
            return [t.textContent, parseFloat(cs.fontSize), cs.fontWeight, cs.fontStyle,
                    t.getComputedTextLength(), cs.fontFamily];
        });
    }""")
    page.close()
    assert errors == [] and len(rows) > 10
    assert rows[0][5].startswith('"DejaVu Sans"')
    # the SVG's user unit is the point; the page scales the whole figure, not its text
    for s, size, weight, style, width, _ in rows:
        want = 72 * text_width(s, size, "bold" if weight in ("700", "bold") else "normal",
                               "italic" if style == "italic" else "normal")
        assert abs(width - want) <= 0.02 * want + 0.5, (s, width, want)
