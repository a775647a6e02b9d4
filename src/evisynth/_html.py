"""The one HTML renderer behind every result object's notebook repr (``_repr_html_``).

A result's HTML is a title, optional lines under it, tables, an optional bullet
list, optional preformatted text and an optional note, always in that order and
always through :func:`result_html`, so that all results look alike in a notebook
and every label and value is HTML-escaped in one place. Numbers in table cells
follow one rule (:func:`cell_text`); text that a result formats itself (costs
with thousands separators, a summary) is passed as a string and shown as given.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

__all__ = ["Table", "cell_text", "result_html"]

_LABEL = "<th style='text-align:left'>"


def cell_text(v: Any) -> str:
    """The text of one table cell (not yet escaped).

    ``None`` is an empty cell, NaN is ``NA`` (as R prints it), other floats have
    4 significant digits, integers and booleans are shown as they are, lists and
    tuples are joined by commas, anything else goes through ``str``.

    Parameters
    ----------
    v
        The value.

    Returns
    -------
    str

    Raises
    ------
    Nothing: any value is shown through ``str``.

    References
    ----------
    R Core Team, ``print`` of numeric vectors (``NA`` for missing values).

    Examples
    --------
    >>> cell_text(0.000123456789), cell_text(float("nan")), cell_text(12), cell_text(None)
    ('0.0001235', 'NA', '12', '')
    >>> cell_text([0.5, 2])
    '0.5, 2'
    """
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, Integral):
        return str(int(v))
    if isinstance(v, Real):
        x = float(v)
        return "NA" if math.isnan(x) else f"{x:.4g}"
    if isinstance(v, list | tuple):
        return ", ".join(cell_text(x) for x in v)
    return str(v)


@dataclass(frozen=True)
class Table:
    """A table for :func:`result_html`: rows of cells, an optional header.

    With ``row_labels`` (the default) the first cell of each row is its label,
    shown as a left-aligned header cell.
    """

    rows: tuple[tuple[Any, ...], ...]
    header: tuple[str, ...] | None = None
    row_labels: bool = True

    @classmethod
    def of_mapping(cls, values: Mapping[str, Any]) -> Table:
        """One row per key: the key, then its value."""
        return cls(tuple((str(k), v) for k, v in values.items()))

    @classmethod
    def of_frame(cls, frame: Any) -> Table:
        """A pandas DataFrame: its index as row labels, its columns as the header."""
        name = frame.index.name
        header = ("" if name is None else str(name), *(str(c) for c in frame.columns))
        rows = tuple(
            (idx, *row) for idx, row in zip(frame.index, frame.itertuples(index=False),
                                            strict=True)
        )
        return cls(rows, header)

    def html(self) -> str:
        """The escaped ``<table>`` element."""
        parts = ["<table>"]
        if self.header is not None:
            parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
                         + "</tr>")
        for row in self.rows:
            cells = [f"<td>{html.escape(cell_text(v))}</td>" for v in row]
            if self.row_labels and row:
                cells[0] = f"{_LABEL}{html.escape(cell_text(row[0]))}</th>"
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</table>")
        return "".join(parts)


def result_html(
    title: str | None,
    *,
    lines: Sequence[str] = (),
    tables: Sequence[Table] = (),
    items: Sequence[str] = (),
    text: str | None = None,
    note: str | None = None,
) -> str:
    """A result as one ``<div>``: title, lines, tables, list, text and note, all escaped.

    Parameters
    ----------
    title
        Shown in bold first (``None``: no title).
    lines
        Short lines under the title (test, level, prior, heterogeneity).
    tables
        The tables, in order.
    items
        A bullet list after the tables.
    text
        Preformatted text (e.g. a ``summary()``), shown as given.
    note
        A line in italics at the end (e.g. a low-power warning).

    Returns
    -------
    str
        One ``<div>`` element.

    Raises
    ------
    Nothing: every value is shown through :func:`cell_text` or ``str``.

    References
    ----------
    IPython's rich display protocol (``_repr_html_``).

    Examples
    --------
    >>> result_html("Fail-safe N", tables=[Table.of_mapping({"fsnum": 12, "<b>&": 0.5})],
    ...             note="k < 10")
    "<div><strong>Fail-safe N</strong><table><tr><th style='text-align:left'>fsnum</th><td>12</td></tr><tr><th style='text-align:left'>&lt;b&gt;&amp;</th><td>0.5</td></tr></table><p><em>k &lt; 10</em></p></div>"
    """  # noqa: E501
    parts = ["<div>"]
    if title is not None:
        parts.append(f"<strong>{html.escape(title)}</strong>")
    parts += [f"<br>{html.escape(line)}" for line in lines]
    parts += [t.html() for t in tables]
    if items:
        parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
    if text is not None:
        parts.append(f"<pre>{html.escape(text)}</pre>")
    if note:
        parts.append(f"<p><em>{html.escape(note)}</em></p>")
    parts.append("</div>")
    return "".join(parts)
