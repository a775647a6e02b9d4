"""SVG output: text kept as text, one font stack, unique ids, alt text, byte-identical reruns."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.plots import forest, funnel, prisma, set_alt, to_svg
from evisynth.plots._common import FONT_STACK, new_figure
from evisynth.plots._io import prefix_svg_ids, svg_ids

SVG = "{http://www.w3.org/2000/svg}"


def _fit() -> ev.RMAResult:
    return ev.rma(yi=[-0.5, -0.2, -0.9, -0.4], vi=[0.04, 0.09, 0.06, 0.05],
                  labels=["A & B <1>", "C", "D", "E"])


def test_text_is_text_in_the_font_stack() -> None:
    svg = to_svg(forest(_fit(), title="T"))
    root = ET.fromstring(svg.encode())
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "A & B <1>" in texts and "Study" in texts  # escaped in XML, text when parsed
    assert root.get("font-family") == FONT_STACK
    # every text inherits the stack from the root element
    assert all("font-family" not in (t.get("style") or "") for t in root.iter(f"{SVG}text"))
    assert not [i for i in svg_ids(svg) if "DejaVu" in i]  # no glyph outlines (as in 'path')
    assert "rotate(-0" not in svg


def test_ids_unique_within_and_across_figures() -> None:
    fit = _fit()
    figs = [forest(fit), forest(fit, title="other"), funnel(fit), prisma({"reports_assessed": 3,
                                                                           "reports_excluded": 1,
                                                                           "reports_included": 2})]
    all_ids: list[str] = []
    for f in figs:
        ids = svg_ids(to_svg(f))
        assert len(ids) == len(set(ids))  # e.g. every study CI has gid "study-ci"
        all_ids += ids
    assert len(all_ids) == len(set(all_ids))  # content-hash prefixes differ per figure


def test_references_follow_the_prefix() -> None:
    svg = to_svg(funnel(_fit()), id_prefix="fun-")
    ids = set(svg_ids(svg))
    refs = re.findall(r'(?:url\(#|href="#)([^)"]+)', svg)
    assert refs and all(r in ids for r in refs)  # clip paths and markers still resolve
    assert all(i.startswith("fun-") for i in ids)


def test_reruns_are_byte_identical_and_prefix_is_deterministic() -> None:
    a, b = to_svg(forest(_fit())), to_svg(forest(_fit()))
    assert a == b
    ids = svg_ids(a)
    assert all(re.match(r"f[0-9a-f]{8}-", i) for i in ids)
    assert "<dc:date>" not in a


def test_alt_text_escaped_into_title_desc_and_aria_label() -> None:
    fig = new_figure(1, 1)
    set_alt(fig, 'Plot of "x" & <y>. Second sentence.')
    svg = to_svg(fig)
    root = ET.fromstring(svg.encode())
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'Plot of "x" & <y>. Second sentence.'
    assert root.find(f"{SVG}title").text == 'Plot of "x" & <y>.'  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == 'Plot of "x" & <y>. Second sentence.'  # type: ignore[union-attr]
    assert "<title>Override.</title>" in to_svg(fig, alt="Override.")
    plain = to_svg(new_figure(1, 1))
    assert "<title>" not in plain and "aria-label" not in plain


def test_prefix_helpers_and_bad_arguments() -> None:
    assert prefix_svg_ids('<g id="a"/><text>id="a"</text>', "p-") == \
        '<g id="p-a"/><text>id="a"</text>'  # text content is never touched
    with pytest.raises(InputError, match="'prefix'"):
        prefix_svg_ids("<svg/>", "1bad")
    with pytest.raises(InputError, match="'id_prefix'"):
        to_svg(new_figure(1, 1), id_prefix="has space")
    with pytest.raises(InputError, match="'alt'"):
        to_svg(new_figure(1, 1), alt=3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'fig'"):
        set_alt("not a figure", "x")  # type: ignore[arg-type]
