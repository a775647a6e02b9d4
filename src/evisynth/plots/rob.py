"""Risk-of-bias "traffic-light" figure: one row per study, one column per domain.

Each cell is a coloured circle with a symbol inside, so the judgement reads in
colour and in greyscale alike (the symbols are those of robvis: ``+`` low,
``−`` some concerns / moderate, ``×`` high / serious, ``!`` critical, ``?``
no information). Two tools: the Cochrane risk-of-bias tool for randomised
trials (RoB 2, Sterne et al. 2019: domains D1–D5 and the overall judgement)
and ROBINS-I for non-randomised studies (Sterne et al. 2016: D1–D7 and
overall); other domain names can be given.

References
----------
Sterne JAC, Savović J, Page MJ, et al. (2019). RoB 2: a revised tool for
assessing risk of bias in randomised trials. BMJ 366:l4898.

Sterne JAC, Hernán MA, Reeves BC, et al. (2016). ROBINS-I: a tool for assessing
risk of bias in non-randomised studies of interventions. BMJ 355:i4919.

McGuinness LA, Higgins JPT (2021). Risk-of-bias VISualization (robvis): an R
package and Shiny web app for visualizing risk-of-bias assessments. Res Synth
Methods 12(1):55-61.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from evisynth.errors import InputError
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

__all__ = ["ROB2_DOMAINS", "ROBINS_I_DOMAINS", "ROB_JUDGEMENTS", "rob_traffic_light"]

#: RoB 2 domains (Sterne et al. 2019), then the overall judgement.
ROB2_DOMAINS: dict[str, str] = {
    "D1": "Bias arising from the randomisation process",
    "D2": "Bias due to deviations from intended interventions",
    "D3": "Bias due to missing outcome data",
    "D4": "Bias in measurement of the outcome",
    "D5": "Bias in selection of the reported result",
    "Overall": "Overall risk of bias",
}

#: ROBINS-I domains (Sterne et al. 2016), then the overall judgement.
ROBINS_I_DOMAINS: dict[str, str] = {
    "D1": "Bias due to confounding",
    "D2": "Bias in selection of participants into the study",
    "D3": "Bias in classification of interventions",
    "D4": "Bias due to deviations from intended interventions",
    "D5": "Bias due to missing data",
    "D6": "Bias in measurement of outcomes",
    "D7": "Bias in selection of the reported result",
    "Overall": "Overall risk of bias",
}

_NI = ("?", "#AAAAAA", "#000000")

#: Per tool, judgement → (symbol, fill colour, symbol colour). Colours as in
#: robvis; the symbol carries the meaning without colour.
ROB_JUDGEMENTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "RoB 2": {
        "low": ("+", "#02C100", "#000000"),
        "some concerns": ("−", "#E2DF07", "#000000"),
        "high": ("×", "#BF0000", "#FFFFFF"),
        "no information": _NI,
    },
    "ROBINS-I": {
        "low": ("+", "#02C100", "#000000"),
        "moderate": ("−", "#E2DF07", "#000000"),
        "serious": ("×", "#BF0000", "#FFFFFF"),
        "critical": ("!", "#820000", "#FFFFFF"),
        "no information": _NI,
    },
}

_TOOL_DOMAINS = {"RoB 2": ROB2_DOMAINS, "ROBINS-I": ROBINS_I_DOMAINS}

_MARGIN = 0.15
_CELL = 0.36
_R = 0.14
_GAP = 0.2


def _table(table: Any, judgements: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``{study: {domain: judgement}}`` from a mapping of mappings or a DataFrame."""
    if hasattr(table, "to_dict") and hasattr(table, "columns") and hasattr(table, "index"):
        table = table.to_dict(orient="index")
    if not isinstance(table, Mapping) or not table:
        raise InputError(
            "argument 'table': expected a non-empty mapping {study: {domain: judgement}} "
            f"(or a DataFrame with studies as rows, domains as columns), got "
            f"{type(table).__name__}",
            where="table",
        )
    out: dict[str, dict[str, str]] = {}
    for study, row in table.items():
        if not isinstance(row, Mapping):
            raise InputError(
                f"argument 'table', study {study!r}: expected a mapping {{domain: judgement}}, "
                f"got {type(row).__name__}",
                where="table",
            )
        cells: dict[str, str] = {}
        for dom, j in row.items():
            if j is None or (isinstance(j, float) and j != j):  # missing cell (None or NaN)
                continue
            if not isinstance(j, str) or " ".join(j.lower().split()) not in judgements:
                raise InputError(
                    f"argument 'table', study {study!r}, domain {dom!r}: judgement {j!r} is not "
                    f"one of {', '.join(map(repr, judgements))}",
                    where="table",
                )
            cells[_domain_key(str(dom))] = " ".join(j.lower().split())
        out[str(study)] = cells
    return out


def _domain_key(d: str) -> str:
    return "Overall" if d.strip().lower() == "overall" else d.strip()


def rob_traffic_light(
    table: Any,
    *,
    tool: str = "RoB 2",
    domains: Mapping[str, str] | Sequence[str] | None = None,
    title: str | None = None,
    alt: str | None = None,
) -> Figure:
    """Traffic-light plot of risk-of-bias judgements by domain.

    Parameters
    ----------
    table
        ``{study label: {domain: judgement}}`` (rows in the mapping's order), or
        a pandas DataFrame with one row per study (index: labels) and one
        column per domain. Judgements for RoB 2 are ``"low"``, ``"some
        concerns"``, ``"high"`` and ``"no information"``; for ROBINS-I
        ``"low"``, ``"moderate"``, ``"serious"``, ``"critical"`` and ``"no
        information"`` (case and spacing ignored). A
        domain a study has no judgement for (missing key, ``None`` or NaN) is
        drawn as ``"no information"``: the sources say nothing about it. The
        domain ``"overall"`` may be spelled in any case.
    tool
        ``"RoB 2"`` (randomised trials) or ``"ROBINS-I"`` (non-randomised
        studies): the judgements allowed and the default domains.
    domains
        Columns in order: a mapping ``{domain: description}`` (the legend
        explains each) or a sequence of names. Default the tool's:
        :data:`ROB2_DOMAINS` (``D1``–``D5``, ``Overall``) or
        :data:`ROBINS_I_DOMAINS` (``D1``–``D7``, ``Overall``).
    title
        Title above the figure.
    alt
        Alternative text; default one sentence per study listing its judgements.

    Returns
    -------
    matplotlib.figure.Figure
        Circles with symbols (``+``, ``−``, ``×``, ``?``), the overall column
        set apart by a gap, and a legend of domains and judgements below.

    Raises
    ------
    InputError
        If ``tool`` is unknown, ``table`` is empty or not a table of
        judgements, a judgement is not one of the tool's, or a study has a
        domain that is not among ``domains``.

    References
    ----------
    Sterne JAC, et al. (2019). RoB 2. BMJ 366:l4898. McGuinness LA, Higgins JPT
    (2021). robvis. Res Synth Methods 12:55-61.

    Examples
    --------
    >>> fig = rob_traffic_light({
    ...     "Trial A": {"D1": "low", "D2": "some concerns", "D3": "low", "D4": "low",
    ...                 "D5": "low", "Overall": "some concerns"},
    ...     "Trial B": {"D1": "low", "D2": "high", "D3": "low", "D4": "no information",
    ...                 "D5": "low", "overall": "high"}})
    >>> sorted({t.get_text() for t in fig.texts} & {"+", "−", "×", "?"})
    ['+', '?', '×', '−']
    >>> fig = rob_traffic_light({"Cohort": {"D1": "critical", "D6": "serious",
    ...                                     "overall": "critical"}}, tool="ROBINS-I")
    >>> len([t for t in fig.texts if t.get_text() == "!"])  # D1, overall and the legend
    3
    """
    if tool not in ROB_JUDGEMENTS:
        raise InputError(f"argument 'tool': {tool!r} is not one of 'RoB 2', 'ROBINS-I'",
                         where="tool")
    judgements = ROB_JUDGEMENTS[tool]
    rows = _table(table, judgements)
    if domains is None:
        domains = _TOOL_DOMAINS[tool]
    if isinstance(domains, Mapping):
        dom_desc = {_domain_key(str(k)): str(v) for k, v in domains.items()}
    elif isinstance(domains, Sequence) and not isinstance(domains, str) and domains:
        dom_desc = {_domain_key(str(k)): "" for k in domains}
    else:
        raise InputError(
            f"argument 'domains': expected domain names or {{domain: description}}, got "
            f"{domains!r}",
            where="domains",
        )
    cols = list(dom_desc)
    for study, cells in rows.items():
        extra = sorted(set(cells) - set(cols))
        if extra:
            raise InputError(
                f"argument 'table', study {study!r}: domains {extra} are not among the "
                f"columns {cols}; pass them in 'domains'",
                where="table",
            )
    studies = list(rows)
    label_w = max([text_width(s) for s in studies] + [text_width("Study", FONT_SIZE, "bold")])
    col_w = [max(_CELL, text_width(c, FONT_SIZE, "bold") + 0.08) for c in cols]
    x0 = _MARGIN + label_w + _GAP
    xs: list[float] = []
    x = x0
    for c, w in zip(cols, col_w, strict=True):
        if c == "Overall" and xs:
            x += 0.12  # the overall judgement set apart
        xs.append(x + w / 2)
        x += w
    grid_right = x
    legend_dom = [f"{c}: {d}" for c, d in dom_desc.items() if d]
    legend_j = [(j, sym) for j, (sym, _, _) in judgements.items()]
    leg_j_w = sum(2 * _R + 0.08 + text_width(j.capitalize(), SMALL_SIZE) + 0.25
                  for j, _ in legend_j)
    leg_d_w = max([text_width(s, SMALL_SIZE) for s in legend_dom], default=0.0)
    width = max(grid_right + _MARGIN, _MARGIN * 2 + leg_j_w, _MARGIN * 2 + leg_d_w)
    title_h = 0.32 if title else 0.0
    if title:
        width = max(width, text_width(title, TITLE_SIZE, "bold") + 2 * _MARGIN)
    head_h = 0.3
    body_h = len(studies) * _CELL
    legend_h = 0.15 + 2 * _R + 0.12 + len(legend_dom) * SMALL_SIZE * 1.3 / 72
    height = _MARGIN + title_h + head_h + body_h + legend_h + _MARGIN
    fig = new_figure(width, height)
    tr = fig.dpi_scale_trans
    top = height - _MARGIN - title_h
    if title:
        fig.text(_MARGIN, height - _MARGIN, title, transform=tr, ha="left", va="top",
                 fontproperties=font(TITLE_SIZE, "bold"), color=INK, parse_math=False)
    fig.text(_MARGIN, top - head_h / 2, "Study", transform=tr, ha="left", va="center",
             fontproperties=font(FONT_SIZE, "bold"), color=INK, parse_math=False)
    for c, xc in zip(cols, xs, strict=True):
        fig.text(xc, top - head_h / 2, c, transform=tr, ha="center", va="center",
                 fontproperties=font(FONT_SIZE, "bold"), color=INK, parse_math=False)

    def mark(xc: float, yc: float, judgement: str, gid: str) -> None:
        sym, fill, ink = judgements[judgement]
        fig.add_artist(Circle((xc, yc), _R, transform=tr, facecolor=fill, edgecolor=INK,
                              lw=0.6, gid=gid))
        fig.text(xc, yc, sym, transform=tr, ha="center", va="center_baseline",
                 fontproperties=font(FONT_SIZE + 1.5, "bold"), color=ink, parse_math=False)

    described = []
    for i, study in enumerate(studies):
        yc = top - head_h - (i + 0.5) * _CELL
        if i % 2 == 0:
            fig.add_artist(Rectangle((_MARGIN / 2, yc - _CELL / 2), grid_right - _MARGIN / 2,
                                     _CELL, transform=tr, facecolor="0.95", edgecolor="none",
                                     zorder=0, gid="rob-band"))
        fig.text(_MARGIN, yc, study, transform=tr, ha="left", va="center",
                 fontproperties=font(FONT_SIZE), color=INK, parse_math=False)
        cells = rows[study]
        said = []
        for c, xc in zip(cols, xs, strict=True):
            j = cells.get(c, "no information")
            mark(xc, yc, j, f"rob-{j.replace(' ', '-')}")
            said.append(f"{c} {j}")
        described.append(f"{study}: {', '.join(said)}.")
    # legend: judgements in one row, then what each domain is
    y = top - head_h - body_h - 0.15 - _R
    x = _MARGIN
    for j, _sym in legend_j:
        mark(x + _R, y, j, "rob-legend")
        x += 2 * _R + 0.08
        fig.text(x, y, j.capitalize(), transform=tr, ha="left", va="center",
                 fontproperties=font(SMALL_SIZE), color=INK, parse_math=False)
        x += text_width(j.capitalize(), SMALL_SIZE) + 0.25
    y -= _R + 0.12
    for s in legend_dom:
        fig.text(_MARGIN, y, s, transform=tr, ha="left", va="top",
                 fontproperties=font(SMALL_SIZE), color=INK, parse_math=False)
        y -= SMALL_SIZE * 1.3 / 72
    text = (f"Risk-of-bias traffic-light plot ({tool}){': ' + title if title else ''}. "
            f"{len(studies)} studies by domain ({', '.join(cols)}). " + " ".join(described))
    return set_alt(fig, alt if alt is not None else text)
