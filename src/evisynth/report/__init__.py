"""Report assembly: HTML, Markdown and JSON from computed review results.

Nothing here computes statistics: :func:`build_report` words and lays out what
:func:`evisynth.review.analyse.analyse_review` computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from evisynth._json import plain_json
from evisynth.report.blocks import to_html, to_markdown
from evisynth.report.content import report_blocks
from evisynth.report.schema import normalise
from evisynth.review.analyse import ReviewResults
from evisynth.review.compare import Changes


@dataclass(frozen=True)
class ReviewReport:
    """The three report files as text: ``report.html``, ``report.md``, ``results.json``."""

    html: str
    markdown: str
    results_json: str
    sof_markdown: str = ""

    def files(self) -> dict[str, str]:
        """File name → content."""
        return {"report.html": self.html, "report.md": self.markdown,
                "results.json": self.results_json}


def results_json(results: ReviewResults) -> str:
    """``results.json``: stable key order, so the same results give the same bytes.

    The layout follows ``results.schema.json`` (see :mod:`evisynth.report.schema`).
    """
    data = plain_json(normalise(results.to_dict()), nan="not computed")
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_report(results: ReviewResults, *, version: str,
                 changes: Changes | None = None) -> ReviewReport:
    """Render the review results as HTML (self-contained), Markdown and JSON.

    Parameters
    ----------
    results
        Output of :func:`evisynth.review.analyse.analyse_review`.
    version
        evisynth version printed in the methods section.
    changes
        Differences from a previous run (:func:`evisynth.review.compare.compare_results`);
        adds the "What changed" section.

    Returns
    -------
    ReviewReport
        Deterministic texts: the same results give byte-identical files.
    """
    blocks = report_blocks(results, version, changes)
    sof = results.sof
    title = results.review.title
    subtitle = (f"Living systematic review and meta-analysis, produced by evisynth {version}. "
                "Every number is traced to its source below.")
    return ReviewReport(
        html=to_html(title, blocks, subtitle=subtitle),
        markdown=to_markdown(title, blocks),
        results_json=results_json(results),
        sof_markdown="" if sof is None else sof.to_markdown(),
    )


__all__ = ["ReviewReport", "build_report", "results_json"]
