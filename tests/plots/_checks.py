"""Layout checks shared by the figure tests: text placement read back from the renderer."""

from __future__ import annotations

from itertools import combinations

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """(string, window extent) of every visible, non-empty text, after a full draw."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip():
            out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def outside_figure(fig: Figure) -> list[str]:
    """Texts whose box is not entirely inside the figure."""
    fb = fig.bbox
    return [
        s
        for s, b in text_boxes(fig)
        if b.x0 < fb.x0 - 0.5 or b.y0 < fb.y0 - 0.5 or b.x1 > fb.x1 + 0.5 or b.y1 > fb.y1 + 0.5
    ]


def overlapping_texts(fig: Figure, tol: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes (shrunk by ``tol`` pixels) intersect."""
    boxes = [(s, b.padded(-tol)) for s, b in text_boxes(fig)]
    return [(s1, s2) for (s1, b1), (s2, b2) in combinations(boxes, 2) if b1.overlaps(b2)]


def is_grey(color: object) -> bool:
    """True for black, white, greys and fully transparent colours."""
    r, g, b, a = to_rgba(color)  # type: ignore[arg-type]
    return a == 0 or (abs(r - g) < 1e-9 and abs(g - b) < 1e-9)


def non_grey_colours(fig: Figure) -> list[object]:
    """Every colour used by lines, patches, collections and texts that is not a grey."""
    bad: list[object] = []
    for a in fig.findobj():
        for getter in ("get_color", "get_facecolor", "get_edgecolor", "get_markerfacecolor",
                       "get_markeredgecolor"):
            f = getattr(a, getter, None)
            if f is None:
                continue
            try:
                c = f()
            except (TypeError, AttributeError):
                continue
            if isinstance(c, str) and c in ("none", "auto"):
                continue
            cols = c if hasattr(c, "ndim") and getattr(c, "ndim", 0) == 2 else [c]
            for col in cols:
                try:
                    if not is_grey(col):
                        bad.append((type(a).__name__, getter, col))
                except (ValueError, TypeError):
                    continue
    return bad
