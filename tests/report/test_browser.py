"""report.html in a real browser (headless Chromium through Playwright).

Needs the Debian package ``chromium`` and the Python package ``playwright``
(installed by .ci/run). Outside CI the test is skipped when either is missing;
in CI (CI=true) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _require_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed; .ci/run must install it")
        pytest.skip("playwright not installed")
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run must install it")
        pytest.skip("chromium not installed")
    return CHROMIUM


def test_report_renders_without_errors(bundled_run: Path) -> None:
    exe = _require_browser()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=exe,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((bundled_run / "report.html").resolve().as_uri())
        page.wait_for_load_state("load")
        sizes = page.eval_on_selector_all(
            "figure svg",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.closest('figure').dataset.name, r.width, r.height]; })",
        )
        title = page.title()
        browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []  # no network fetches
    assert title.startswith("CAR-T cell therapy")
    assert len(sizes) >= 10
    for name, w, h in sizes:
        assert w > 50 and h > 50, f"figure {name} renders at {w}x{h}"
