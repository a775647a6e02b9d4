"""PRISMA 2020 flow diagram: counts checked, every text inside its box, nothing overlaps."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from evisynth.errors import InputError
from evisynth.plots import to_svg
from evisynth.plots.prisma import prisma, prisma_counts
from tests.plots._checks import non_grey_colours, outside_figure, overlapping_texts, text_boxes

FULL: dict[str, Any] = {
    # identified 412 + 655 + 98 + 57 = 1222; removed 310 + 12 = 322; screened 900
    "records_databases": {"MEDLINE": 412, "Embase": 655, "CENTRAL": 98},
    "records_registers": 57,
    "duplicates_removed": 310,
    "automation_removed": 12,
    "records_screened": 900,
    "records_excluded": 850,  # sought 900 - 850 = 50
    "reports_sought": 50,
    "reports_not_retrieved": 3,  # assessed 50 - 3 = 47
    "reports_assessed": 47,
    # excluded 20 + 9 + 1 + 5 = 35; included from databases 47 - 35 = 12
    "reports_excluded": {
        "Single-arm study without an external control": 20,
        "Overlapping population (a subgroup or earlier data cut of an included trial)": 9,
        "Fabricated or untraceable report: no trace in any registry or journal, "
        "self-contradictory design": 1,
        "Wrong population": 5,
    },
    # other methods: sought 11 - 1 = 10 assessed, 10 - 6 = 4 included; total 12 + 4 = 16
    "other_methods": {
        "records": {"Websites": 4, "Citation searching": 7},
        "reports_sought": 11,
        "reports_not_retrieved": 1,
        "reports_assessed": 10,
        "reports_excluded": {"Conference abstract of an included trial": 6},
    },
    "studies_included": 9,
    "reports_included": 16,
    "note": "Counts of the search run on 10 January 2026.",
}

PARTIAL: dict[str, Any] = {  # as the bundled review states them: identification unknown
    "reports_assessed": 21,
    "reports_excluded": {"fabricated or untraceable report": 1, "overlapping population": 5,
                         "secondary analysis": 3},
    "reports_included": 12,  # 21 - 9
    "studies_included": 9,
    "search_reproduced": False,
    "note": "The search behind the shared data set is not reproduced; identification and "
    "screening counts are therefore not stated.",
}


def _texts_inside_boxes(fig: Figure) -> list[str]:
    """Texts (other than title and note) not contained in any rectangle of the diagram."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    rects = [r.get_window_extent(renderer) for r in fig.findobj(Rectangle)
             if str(r.get_gid()).startswith("prisma")]
    bad = []
    for s, b in text_boxes(fig):
        if s.startswith(("PRISMA 2020 flow", "Counts of", "The search behind")):
            continue
        if not any(r.x0 <= b.x0 and b.x1 <= r.x1 and r.y0 <= b.y0 and b.y1 <= r.y1
                   for r in rects):
            bad.append(s)
    return bad


@pytest.mark.parametrize("counts", [FULL, PARTIAL], ids=["full", "partial"])
def test_diagram_layout(counts: dict[str, Any]) -> None:
    fig = prisma(counts, title="PRISMA 2020 flow diagram")
    assert outside_figure(fig) == []
    assert overlapping_texts(fig) == []
    assert _texts_inside_boxes(fig) == []
    assert non_grey_colours(fig) == []


def test_inside_box_check_is_not_vacuous() -> None:
    fig = prisma(PARTIAL)
    fig.text(0.99, 0.5, "stray", ha="right")
    assert _texts_inside_boxes(fig) == ["stray"]


def test_full_diagram_content() -> None:
    fig = prisma(FULL)
    texts = "\n".join(s for s, _ in text_boxes(fig))
    assert "Databases (n = 1,165):" in texts  # 412 + 655 + 98
    assert "Registers (n = 57)" in texts
    assert "Records screened\n(n = 900)" in texts
    assert "Reports excluded (n = 35):" in texts
    assert "Wrong population (n = 5)" in texts
    assert "Identification of new studies via other methods" in texts
    assert "Reports of included studies\n(n = 16)" in texts
    for phase in ("Identification", "Screening", "Included"):
        assert phase in texts
    # 4 down + 4 across in the main column; 2 down, 2 across, 1 into "included" for other methods
    assert len([a for a in fig.findobj(FancyArrowPatch) if a.get_gid() == "prisma-arrow"]) == 13


def test_partial_counts_are_not_invented() -> None:
    fig = prisma(PARTIAL, compact=False)
    texts = "\n".join(s for s, _ in text_boxes(fig))
    assert "Records screened\n(n = not reported)" in texts
    assert "Databases (n = not reported)" in texts
    assert "Reports assessed for eligibility\n(n = 21)" in texts
    assert "other methods" not in texts
    assert len([a for a in fig.findobj(FancyArrowPatch) if a.get_gid() == "prisma-arrow"]) == 8


def test_phase_labels_fit_their_bands() -> None:
    fig = prisma(PARTIAL)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = dict(text_boxes(fig))
    for phase in ("Identification", "Screening", "Included"):
        (band,) = [r for r in fig.findobj(Rectangle) if r.get_gid() == f"prisma-phase-{phase}"]
        bb, tb = band.get_window_extent(renderer), boxes[phase]
        assert bb.y0 <= tb.y0 and tb.y1 <= bb.y1 and bb.x0 <= tb.x0 and tb.x1 <= bb.x1


def test_counts_must_add_up() -> None:
    bad = dict(FULL, records_screened=901)
    with pytest.raises(InputError, match=r"'records_screened'.*901.*1222 − 322\) = 900"):
        prisma(bad)
    with pytest.raises(InputError, match=r"'reports_sought'.*= 50"):
        prisma(dict(FULL, reports_sought=49))
    with pytest.raises(InputError, match=r"'reports_assessed'.*= 47"):
        prisma(dict(FULL, reports_assessed=46))
    with pytest.raises(InputError, match=r"'reports_included'.*= 16"):
        prisma(dict(FULL, reports_included=15))
    with pytest.raises(InputError, match=r"'reports_included'.*21 − 9\) = 12"):
        prisma(dict(PARTIAL, reports_included=13))
    with pytest.raises(InputError, match="'studies_included'"):
        prisma(dict(PARTIAL, studies_included=13))


def test_bad_counts() -> None:
    with pytest.raises(InputError, match=r"unknown keys \['records_identified'\]"):
        prisma({"records_identified": 10})
    with pytest.raises(InputError, match=r"counts\['records_excluded'\]"):
        prisma({"records_excluded": -1})
    with pytest.raises(InputError, match=r"counts\['reports_excluded'\]\['Other'\]"):
        prisma({"reports_excluded": {"Other": 2.5}})
    with pytest.raises(InputError, match="'counts'"):
        prisma([("records_databases", 3)])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not both"):
        prisma({"records_other_sources": 3, "other_methods": {"records": 4}})


def test_review_style_mapping_with_plain_numbers() -> None:
    # a review's prisma table as plain numbers (reports_excluded as a single count)
    c = prisma_counts({"records_databases": 100, "duplicates_removed": 10,
                       "records_screened": 90, "records_excluded": 80, "reports_sought": 10,
                       "reports_not_retrieved": 0, "reports_assessed": 10,
                       "reports_excluded": 7, "studies_included": 3, "reports_included": 3,
                       "records_other_sources": None, "search_reproduced": True,
                       "note": None})
    assert c.to_dict()["reports_excluded"] == {"Reports excluded": 7}
    texts = [s for s, _ in text_boxes(prisma(c.to_dict()))]
    assert "Reports excluded\n(n = 7)" in texts


def test_svg_deterministic() -> None:
    assert to_svg(prisma(FULL)) == to_svg(prisma(FULL))
    assert to_svg(prisma(FULL)) != to_svg(prisma(PARTIAL))


def test_compact_diagram_folds_unknown_stages_into_one_box() -> None:
    fig = prisma(PARTIAL)
    texts = [s for s, _ in text_boxes(fig)]
    joined = "\n".join(texts)
    # "not reported" once, in the box that names the three unknown stages
    assert joined.count("not reported") == 0 and joined.count("Not reported:") == 1
    (folded,) = [t for t in texts if t.startswith("Not reported:")]
    assert folded.count("\n") == 3  # records identified, screened, reports sought
    # every count the review states is shown
    for stated in ("Reports assessed for eligibility\n(n = 21)", "Reports excluded (n = 9):",
                   "overlapping population (n = 5)", "Studies included in review\n(n = 9)",
                   "Reports of included studies\n(n = 12)"):
        assert stated in joined, stated
    assert fig.get_figheight() < prisma(PARTIAL, compact=False).get_figheight()
    # assessed → excluded across, merged box → assessed → included down
    assert len([a for a in fig.findobj(FancyArrowPatch) if a.get_gid() == "prisma-arrow"]) == 3
    assert outside_figure(fig) == [] and overlapping_texts(fig) == []
    assert _texts_inside_boxes(fig) == []
    # a full set of counts has nothing to fold: the same diagram either way
    assert to_svg(prisma(FULL)) == to_svg(prisma(FULL, compact=False))


def test_prisma_alt_text_states_the_counts() -> None:
    from evisynth.plots import get_alt

    alt = get_alt(prisma(PARTIAL)) or ""
    assert "Reports assessed 21" in alt and "studies included 9" in alt
    assert "<title>" in to_svg(prisma(PARTIAL))
