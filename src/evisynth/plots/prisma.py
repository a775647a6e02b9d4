"""PRISMA 2020 flow diagram from a plain mapping of counts.

The diagram follows the PRISMA 2020 template for new systematic reviews
(Page et al. 2021, figure 1): identification of records from databases and
registers (and, when given, via other methods in a second column), records
removed before screening, records screened and excluded, reports sought and
not retrieved, reports assessed and excluded with reasons, and the studies and
reports included. Phases are labelled on the left.

Counts that nobody can state are drawn as ``n = not reported``: nothing is
derived or invented. The counts that are given must add up; a mismatch is an
:class:`~evisynth.errors.InputError` that shows the arithmetic.

References
----------
Page MJ, McKenzie JE, Bossuyt PM, et al. (2021). The PRISMA 2020 statement: an
updated guideline for reporting systematic reviews. BMJ 372:n71.

Haddaway NR, Page MJ, Pritchard CC, McGuinness LA (2022). PRISMA2020: An R
package and Shiny app for producing PRISMA 2020-compliant flow diagrams.
Campbell Syst Rev 18:e1230.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from evisynth._validation import check_bool
from evisynth.plots._common import (
    FONT_SIZE,
    INK,
    SMALL_SIZE,
    TITLE_SIZE,
    font,
    new_figure,
    text_width,
)
from evisynth.plots._io import set_alt
from evisynth.plots._prisma_counts import (
    KNOWN_KEYS as KNOWN_KEYS,  # importable from here as before
)
from evisynth.plots._prisma_counts import (
    Breakdown,
    OtherMethods,
    PrismaCounts,
    _total,
    prisma_counts,
)

__all__ = ["PrismaCounts", "prisma", "prisma_counts"]

# ----------------------------------------------------------------------- drawing

_PAD = 0.08  # inside a box, inches
_LINE = FONT_SIZE * 1.25 / 72  # line height, inches
_VGAP = 0.32
_HGAP = 0.45
_COLGAP = 0.35
_PHASE_W = 0.28
_MARGIN = 0.15
_MIN_W = 1.9
_WRAP = 46
_PHASES = (("Identification", 0, 0), ("Screening", 1, 3), ("Included", 4, 4))


def _n(x: int | None) -> str:
    return "not reported" if x is None else f"{x:,}"


def _lines(head: str, b: Breakdown | None, none_text: str = "not reported") -> str:
    if b is None:
        return f"{head}\n  ({none_text})"
    if not b:
        return f"{head}\n  none (n = 0)"
    out = [head]
    for label, n in b:
        wrapped = textwrap.wrap(f"{label} (n = {n:,})", _WRAP, subsequent_indent="    ",
                                break_on_hyphens=False)
        out += ["  " + w for w in wrapped]
    return "\n".join(out)


def _excluded_text(b: Breakdown | None) -> str:
    """Reports excluded: the total, then one line per reason when reasons are given."""
    if b is None:
        return "Reports excluded\n(n = not reported)"
    if len(b) == 1 and b[0][0] == "Reports excluded":
        return f"Reports excluded\n(n = {b[0][1]:,})"
    return _lines(f"Reports excluded (n = {_total(b):,}):", b)


def _box_texts(c: PrismaCounts) -> dict[tuple[int, int], str]:
    removed = [("Duplicate records removed", c.duplicates_removed)]
    if c.automation_removed is not None:
        removed.append(("Records marked as ineligible by automation tools", c.automation_removed))
    if c.other_removed is not None:
        removed.append(("Records removed for other reasons", c.other_removed))
    ident = ["Records identified from:"]
    for label, b in (("Databases", c.records_databases), ("Registers", c.records_registers)):
        if b is None:
            ident.append(f"  {label} (n = not reported)")
        elif len(b) == 1 and b[0][0] == label:
            ident.append(f"  {label} (n = {b[0][1]:,})")
        else:
            ident.append(f"  {label} (n = {_total(b):,}):")
            ident += [f"    {k} (n = {n:,})" for k, n in b]
    t: dict[tuple[int, int], str] = {
        (0, 0): "\n".join(ident),
        (0, 1): "Records removed before screening:\n"
        + "\n".join(f"  {k} (n = {_n(v)})" for k, v in removed),
        (1, 0): f"Records screened\n(n = {_n(c.records_screened)})",
        (1, 1): f"Records excluded\n(n = {_n(c.records_excluded)})",
        (2, 0): f"Reports sought for retrieval\n(n = {_n(c.reports_sought)})",
        (2, 1): f"Reports not retrieved\n(n = {_n(c.reports_not_retrieved)})",
        (3, 0): f"Reports assessed for eligibility\n(n = {_n(c.reports_assessed)})",
        (3, 1): _excluded_text(c.reports_excluded),
        (4, 0): f"Studies included in review\n(n = {_n(c.studies_included)})\n"
        f"Reports of included studies\n(n = {_n(c.reports_included)})",
    }
    om = c.other_methods
    if om is not None:
        t[(0, 2)] = _lines("Records identified from:", om.records)
        t[(2, 2)] = f"Reports sought for retrieval\n(n = {_n(om.reports_sought)})"
        t[(2, 3)] = f"Reports not retrieved\n(n = {_n(om.reports_not_retrieved)})"
        t[(3, 2)] = f"Reports assessed for eligibility\n(n = {_n(om.reports_assessed)})"
        t[(3, 3)] = _excluded_text(om.reports_excluded)
    return t


_STAGES = ("records identified and records removed before screening",
           "records screened and records excluded",
           "reports sought for retrieval and reports not retrieved",
           "reports assessed and reports excluded")


def _unknown_rows(c: PrismaCounts) -> int:
    """How many rows from the top have no count at all (they are drawn as one box)."""
    om = c.other_methods or OtherMethods()
    rows = (
        (c.records_databases, c.records_registers, c.duplicates_removed,
         c.automation_removed, c.other_removed, om.records),
        (c.records_screened, c.records_excluded),
        (c.reports_sought, c.reports_not_retrieved, om.reports_sought,
         om.reports_not_retrieved),
        (c.reports_assessed, c.reports_excluded, om.reports_assessed, om.reports_excluded),
    )
    m = 0
    for r in rows:
        if any(v is not None for v in r):
            break
        m += 1
    return m


def _height(s: str) -> float:
    return s.count("\n") * _LINE + FONT_SIZE * 1.1 / 72 + 2 * _PAD


def prisma(counts: Mapping[str, Any], *, title: str | None = None, compact: bool = True,
           alt: str | None = None) -> Figure:
    """PRISMA 2020 flow diagram.

    Every count given is shown; nothing is derived or invented.

    Parameters
    ----------
    counts
        PRISMA counts as described in :func:`prisma_counts` (e.g. a review's
        ``prisma`` table with ``reports_excluded`` as ``{reason: n}``).
    title
        Title above the diagram.
    compact
        Draw the stages at the top for which not a single count is given
        (e.g. identification and screening when the search is not
        reproduced) as one box that names them as not reported, instead of a
        box of "not reported" per count. ``False`` draws every box.
    alt
        Alternative text; default every count in words.

    Returns
    -------
    matplotlib.figure.Figure
        Boxes and arrows in black on white, phase labels in grey bands.

    Raises
    ------
    InputError
        As :func:`prisma_counts`.

    Examples
    --------
    >>> fig = prisma({"records_databases": 320, "records_registers": 40,
    ...               "duplicates_removed": 60, "records_screened": 300,
    ...               "records_excluded": 260, "reports_sought": 40,
    ...               "reports_not_retrieved": 2, "reports_assessed": 38,
    ...               "reports_excluded": {"Not randomised": 20, "Wrong population": 9},
    ...               "studies_included": 6, "reports_included": 9})
    >>> any(t.get_text().startswith("Reports excluded (n = 29):") for t in fig.texts)
    True
    """
    check_bool("compact", compact)
    c = prisma_counts(counts)
    texts = _box_texts(c)
    m = _unknown_rows(c) if compact else 0
    merged = ""
    if m:
        for key in [k for k in texts if k[0] < m]:
            del texts[key]
        merged = "Not reported:\n" + "\n".join(f"  {st}" for st in _STAGES[:m])
    skip = set(range(1, m))  # rows folded into the merged box (drawn in row 0)
    ncols = 4 if c.other_methods is not None else 2
    col_w = [max([_MIN_W] + [text_width(s) + 2 * _PAD for (r, k), s in texts.items() if k == j])
             for j in range(ncols)]
    headers = ["Identification of new studies via databases and registers"]
    if ncols == 4:
        headers.append("Identification of new studies via other methods")
    # a header (or the merged box) spans two columns: widen the pair if it is longer
    spans = [(h, (a, b), "bold") for h, (a, b) in zip(headers, ((0, 1), (2, 3)), strict=False)]
    if merged:
        spans.append((merged, (0, 1), "normal"))
    for h, (a, b), weight in spans:
        need = text_width(h, FONT_SIZE, weight) + 2 * _PAD - (col_w[a] + _HGAP + col_w[b])
        if need > 0:
            col_w[b] += need
    row_h = [0.0 if i in skip else
             _height(merged) if (m and i == 0) else
             max(_height(s) for (r, _), s in texts.items() if r == i) for i in range(5)]
    phases = [(name, max(r0, m) if r0 > 0 else 0, r1) for name, r0, r1 in _PHASES]
    phases = [(name, r0, r1) for name, r0, r1 in phases if r0 <= r1]
    # each phase band must be tall enough for its rotated label
    for name, r0, r1 in phases:
        rows_in = [r for r in range(r0, r1 + 1) if r not in skip]
        need = text_width(name, FONT_SIZE, "bold") + 2 * _PAD
        have = sum(row_h[r] for r in rows_in) + (len(rows_in) - 1) * _VGAP
        if need > have:
            for r in rows_in:
                row_h[r] += (need - have) / len(rows_in)
    x = [_MARGIN + _PHASE_W + 0.12]
    x.append(x[0] + col_w[0] + _HGAP)
    if ncols == 4:
        x.append(x[1] + col_w[1] + _COLGAP)
        x.append(x[2] + col_w[2] + _HGAP)
    width = x[-1] + col_w[-1] + _MARGIN
    head_h = _height("x")
    title_h = 0.35 if title else 0.0
    note_lines = textwrap.wrap(c.note, 120) if c.note else []
    note_h = (len(note_lines) * SMALL_SIZE * 1.25 / 72 + 0.15) if note_lines else 0.0
    height = (2 * _MARGIN + title_h + head_h + _VGAP + sum(row_h) + (4 - len(skip)) * _VGAP
              + note_h)
    if title:
        width = max(width, text_width(title, TITLE_SIZE, "bold") + 2 * _MARGIN)
    if note_lines:
        width = max(width, max(text_width(s, SMALL_SIZE) for s in note_lines) + 2 * _MARGIN)
    fig = new_figure(width, height)
    tr = fig.dpi_scale_trans

    def box(x0: float, top: float, w: float, h: float, s: str, *, fill: str = "white",
            bold: bool = False, center: bool = False, gid: str = "prisma-box") -> None:
        fig.add_artist(Rectangle((x0, top - h), w, h, transform=tr, facecolor=fill,
                                 edgecolor=INK, lw=0.9, gid=gid))
        fig.text(x0 + (w / 2 if center else _PAD), top - h / 2, s, transform=tr,
                 ha="center" if center else "left", va="center", multialignment="left",
                 fontproperties=font(FONT_SIZE, "bold" if bold else "normal"), color=INK,
                 linespacing=1.25, parse_math=False)

    def arrow(p: tuple[float, float], q: tuple[float, float]) -> None:
        fig.add_artist(FancyArrowPatch(p, q, transform=tr, arrowstyle="-|>", mutation_scale=9,
                                       color=INK, lw=0.9, shrinkA=0, shrinkB=0,
                                       gid="prisma-arrow"))

    top = height - _MARGIN - title_h
    if title:
        fig.text(_MARGIN, height - _MARGIN, title, transform=tr, ha="left", va="top",
                 fontproperties=font(TITLE_SIZE, "bold"), color=INK, parse_math=False)
    for h, a in zip(headers, (0, 2), strict=False):
        span = x[a + 1] + col_w[a + 1] - x[a]
        box(x[a], top, span, head_h, h, fill="0.88", bold=True, center=True, gid="prisma-header")
    y = top - head_h - _VGAP
    row_top = []
    for i in range(5):
        row_top.append(y)
        if i not in skip:
            y -= row_h[i] + _VGAP
    for (r, k), s in texts.items():
        box(x[k], row_top[r], col_w[k], row_h[r], s)
    if merged:
        box(x[0], row_top[0], x[1] + col_w[1] - x[0], row_h[0], merged, fill="0.96",
            gid="prisma-box-not-reported")

    def mid_y(r: int) -> float:
        return row_top[r] - row_h[r] / 2

    # main column: down the left boxes, across to the exclusion boxes
    for r in range(4):
        if r in skip:
            continue
        nxt = r + 1 if r + 1 not in skip else m
        arrow((x[0] + col_w[0] / 2, row_top[r] - row_h[r]), (x[0] + col_w[0] / 2, row_top[nxt]))
        if not (m and r == 0):
            arrow((x[0] + col_w[0], mid_y(r)), (x[1], mid_y(r)))
    if ncols == 4:
        cx = x[2] + col_w[2] / 2
        arrow((cx, row_top[0] - row_h[0]), (cx, row_top[2]))
        arrow((cx, row_top[2] - row_h[2]), (cx, row_top[3]))
        arrow((x[2] + col_w[2], mid_y(2)), (x[3], mid_y(2)))
        arrow((x[2] + col_w[2], mid_y(3)), (x[3], mid_y(3)))
        fig.add_artist(Line2D([cx, cx], [row_top[3] - row_h[3], mid_y(4)], transform=tr,
                              color=INK, lw=0.9))
        arrow((cx, mid_y(4)), (x[0] + col_w[0], mid_y(4)))
    # phase bands
    for name, r0, r1 in phases:
        t0, b1 = row_top[r0], row_top[r1] - row_h[r1]
        fig.add_artist(Rectangle((_MARGIN, b1), _PHASE_W, t0 - b1, transform=tr,
                                 facecolor="0.88", edgecolor=INK, lw=0.9,
                                 gid=f"prisma-phase-{name}"))
        fig.text(_MARGIN + _PHASE_W / 2, (t0 + b1) / 2, name, transform=tr, rotation=90,
                 ha="center", va="center", fontproperties=font(FONT_SIZE, "bold"), color=INK,
                 parse_math=False)
    for j, s in enumerate(note_lines):
        fig.text(_MARGIN, _MARGIN + (len(note_lines) - 1 - j) * SMALL_SIZE * 1.25 / 72, s,
                 transform=tr, ha="left", va="bottom", fontproperties=font(SMALL_SIZE),
                 color=INK, parse_math=False)
    return set_alt(fig, alt if alt is not None else _describe(c, title, m))


def _describe(c: PrismaCounts, title: str | None, m: int) -> str:
    named = f": {title}" if title and "prisma" not in title.lower() else ""
    parts = [f"PRISMA 2020 flow diagram{named}."]
    if m:
        parts.append("Not reported: " + "; ".join(_STAGES[:m]) + ".")
    said = []
    for key in ("records_screened", "records_excluded", "reports_sought",
                "reports_not_retrieved", "reports_assessed"):
        v = getattr(c, key)
        if v is not None:
            said.append(f"{key.replace('_', ' ')} {v:,}")
    if c.reports_excluded is not None:
        said.append(f"reports excluded {_total(c.reports_excluded):,}"
                    + (" (" + ", ".join(f"{k} {n:,}" for k, n in c.reports_excluded) + ")"
                       if len(c.reports_excluded) > 1 or c.reports_excluded[0][0]
                       != "Reports excluded" else ""))
    for key in ("studies_included", "reports_included"):
        v = getattr(c, key)
        if v is not None:
            said.append(f"{key.replace('_', ' ')} {v:,}")
    if said:
        s = "; ".join(said)
        parts.append(s[0].upper() + s[1:] + ".")
    return " ".join(parts)
