"""Compact SVG: few decimals, shared shapes, no numbered wrappers; the drawing is unchanged.

Every check compares the compact document with the one matplotlib wrote (the
compaction switched off): the same texts at the same places, the same paths
within the rounding, the same marks at the same positions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

import evisynth as ev
import evisynth.plots._io as plots_io
from evisynth.plots import forest, funnel, rob_traffic_light, to_svg
from evisynth.plots._common import FONT_FAMILY
from evisynth.plots._svg import compact_svg
from evisynth.plots.rob import _R

SVG = "{http://www.w3.org/2000/svg}"
HREF = "{http://www.w3.org/1999/xlink}href"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

ROB = {
    "Trial A": {"D1": "low", "D2": "some concerns", "D3": "low", "D4": "low", "D5": "high",
                "Overall": "high"},
    "Trial B": {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "low",
                "Overall": "low"},
    "Trial C": {"D1": "some concerns"},
}


def _figures() -> dict[str, object]:
    fit = ev.rma(yi=[-0.5, -0.2, -0.9, -0.4], vi=[0.04, 0.09, 0.06, 0.05],
                 labels=["A", "B", "C", "D"])
    return {"forest": forest(fit, title="T"), "funnel": funnel(fit),
            "rob": rob_traffic_light(ROB, title="Risk of bias")}


@pytest.fixture(scope="module")
def pairs() -> dict[str, tuple[str, str]]:
    """name -> (SVG as matplotlib wrote it, compact SVG), ids unprefixed."""
    out = {}
    for name, fig in _figures().items():
        compact = to_svg(fig, id_prefix="")  # type: ignore[arg-type]
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(plots_io, "compact_svg", lambda svg, gids=(): svg)
            raw = to_svg(fig, id_prefix="")  # type: ignore[arg-type]
        out[name] = (raw, compact)
    return out


def _nums(s: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(s)]


def _drawn(svg: str) -> tuple[list[tuple[str, list[float]]], list[tuple[str, float, float]],
                              list[tuple[str, str, str, str]]]:
    """Paths (style, absolute coordinates), placed marks (style, x, y) and texts, in order."""
    root = ET.fromstring(svg.encode())
    defs = {p.get("id"): p for p in root.iter(f"{SVG}path") if p.get("id")}
    in_defs = {id(p) for d in root.iter(f"{SVG}defs") for p in d.iter(f"{SVG}path")}
    paths: list[tuple[str, list[float]]] = []
    marks: list[tuple[str, float, float]] = []
    texts: list[tuple[str, str, str, str]] = []
    for el in root.iter():
        if el.tag == f"{SVG}path" and id(el) not in in_defs:
            paths.append((el.get("style", ""), _nums(el.get("d", ""))))
        elif el.tag == f"{SVG}use":
            target = defs[el.get(HREF, "")[1:]]
            x, y = float(el.get("x", 0)), float(el.get("y", 0))
            if target.get("style") is None:  # a shared shape: a path placed at (x, y)
                rel = _nums(target.get("d", ""))
                paths.append((el.get("style", ""),
                              [v + (x if i % 2 == 0 else y) for i, v in enumerate(rel)]))
            else:  # a marker: its own style decides
                marks.append((str(target.get("style")), x, y))
        elif el.tag == f"{SVG}text":
            style = re.sub(r"; font-family: [^;]*|; text-anchor: start", "", el.get("style", ""))
            texts.append(("".join(el.itertext()), el.get("x", ""), el.get("y", ""), style))
    return paths, marks, texts


@pytest.mark.parametrize("name", ["forest", "funnel", "rob"])
def test_compact_svg_draws_what_matplotlib_wrote(pairs: dict[str, tuple[str, str]],
                                                 name: str) -> None:
    raw, compact = pairs[name]
    assert len(compact) < len(raw)
    p_raw, m_raw, t_raw = _drawn(raw)
    p_new, m_new, t_new = _drawn(compact)
    assert t_new == t_raw  # same words, same positions (text positions are never rounded)
    assert [s for s, _ in p_new] == [s for s, _ in p_raw]
    for (_, a), (_, b) in zip(p_raw, p_new, strict=True):
        assert len(a) == len(b)
        # 0.1 pt for path data; a shared shape: 0.01 for its place plus 0.01 for its shape
        assert max((abs(u - v) for u, v in zip(a, b, strict=True)), default=0.0) <= 0.05 + 1e-9
    assert [s for s, _, _ in m_new] == [s for s, _, _ in m_raw]
    for (_, x0, y0), (_, x1, y1) in zip(m_raw, m_new, strict=True):
        assert abs(x0 - x1) <= 0.005 + 1e-9 and abs(y0 - y1) <= 0.005 + 1e-9


@pytest.mark.parametrize("name", ["forest", "funnel", "rob"])
def test_compact_svg_has_few_decimals_and_no_numbered_wrappers(
        pairs: dict[str, tuple[str, str]], name: str) -> None:
    raw, svg = pairs[name]
    for d in re.findall(r'<path (?![^>]*id="shape)[^>]*\bd="([^"]*)"', svg):
        assert not re.search(r"\.\d\d", d), d  # path data to 0.1 pt
    for tag in re.findall(r"<(?:use|rect|path id=\"shape)[^>]*>", svg):
        assert not re.search(r'(?:x|y|width|height|d)="[^"]*\.\d{3}', tag), tag  # 0.01 pt
    assert "\n " not in svg.split("</desc>")[-1]  # no indentation
    assert not re.search(r'id="(?:text|line2d|patch|PathCollection)_\d+"', svg)
    assert "<g>" not in svg and "<g/>" not in svg
    assert f"font-family: '{FONT_FAMILY}'" not in svg
    # what stays: every gid the figure set, the axes outline, every referenced id
    for gid in set(re.findall(r'<g id="([a-z][a-z-]*[a-z])"', raw)):
        assert f'<g id="{gid}"' in svg
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    assert all(r in ids for r in re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))


def test_risk_of_bias_circles_are_drawn_once_per_judgement(
        pairs: dict[str, tuple[str, str]]) -> None:
    _, svg = pairs["rob"]
    root = ET.fromstring(svg.encode())
    shapes = {p.get("id"): p.get("d", "") for p in root.iter(f"{SVG}path")
              if str(p.get("id")).startswith("shape")}
    uses = [u.get(HREF, "")[1:] for u in root.iter(f"{SVG}use")]
    placed = [u for u in uses if u in shapes]
    # 3 studies x 6 domains + the legend's 4 judgements, one shape per fill colour
    assert len(placed) == 3 * 6 + 4 and len(shapes) == 4
    r_pt = _R * 72  # the circle's radius, inches to points
    for d in shapes.values():
        nums = _nums(d)
        xs, ys = nums[0::2], nums[1::2]
        assert max(xs) - min(xs) == pytest.approx(2 * r_pt, abs=0.02)
        assert max(ys) - min(ys) == pytest.approx(2 * r_pt, abs=0.02)


def test_group_ids_and_wrappers() -> None:
    raw = ('<svg>\n<g id="figure_1">\n<g id="text_3">\n<text x="1.123456">a</text>\n</g>\n'
           '<g id="study-ci">\n<path d="M 0.123456 1 L 2 3.987654"/>\n</g>\n'
           '<g id="line2d_2" clip-path="url(#p1)">\n<path d="M 0 0"/>\n</g>\n'
           '<g id="patch_9"/>\n</g>\n</svg>')
    assert compact_svg(raw, gids={"study-ci"}) == (
        '<svg>\n<g id="figure_1">\n<text x="1.123456">a</text>\n'
        '<g id="study-ci">\n<path d="M 0.1 1 L 2 4"/>\n</g>\n'
        '<g clip-path="url(#p1)">\n<path d="M 0 0"/>\n</g>\n</g>\n</svg>')


def test_a_use_keeps_a_style_that_differs_from_its_mark() -> None:
    raw = ('<svg>\n<defs>\n<path id="m1" d="M 0 0 L 0 3" style="stroke: #000000"/>\n</defs>\n'
           '<use xlink:href="#m1" x="1.234567" y="2" style="stroke: #000000"/>\n'
           '<use xlink:href="#m1" x="3" y="4" style="fill: #ffffff; stroke: #000000"/>\n</svg>')
    out = compact_svg(raw)
    assert '<use xlink:href="#m1" x="1.23" y="2"/>' in out
    assert '<use xlink:href="#m1" x="3" y="4" style="fill: #ffffff; stroke: #000000"/>' in out


coords = st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), min_size=2,
                  max_size=40).map(lambda v: v if len(v) % 2 == 0 else v[:-1])


@given(coords, coords)
def test_repeated_shapes_are_shared_and_placed_where_they_were(shape: list[float],
                                                               at: list[float]) -> None:
    """Property: any path drawn at several places comes back at those places within 0.01."""
    rel = [v - shape[i % 2] for i, v in enumerate(shape)]
    where = list(zip(at[0::2], at[1::2], strict=True))

    def path(x: float, y: float) -> str:
        pts = [f"{v + (x if i % 2 == 0 else y):f}" for i, v in enumerate(rel)]
        d = "M " + " L ".join(f"{a} {b}" for a, b in zip(pts[0::2], pts[1::2], strict=True))
        return f'<path d="{d}" style="fill: #ff0000"/>'

    svg = "<svg>\n" + "\n".join(path(x, y) for x, y in where) + "\n</svg>"
    p_raw, _, _ = _drawn(svg.replace("<svg>", f'<svg xmlns="{SVG[1:-1]}">'))
    out = compact_svg(svg)
    p_new, _, _ = _drawn(out.replace("<svg>", f'<svg xmlns="{SVG[1:-1]}" '
                                              f'xmlns:xlink="{HREF[1:HREF.index("}")]}">'))
    assert len(p_new) == len(p_raw)
    for (_, a), (_, b) in zip(p_raw, p_new, strict=True):
        # 0.1 pt for a path drawn once; 0.01 + 0.01 for a shared one
        assert max(abs(u - v) for u, v in zip(a, b, strict=True)) <= 0.05 + 1e-6
