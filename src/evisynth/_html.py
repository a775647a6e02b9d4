"""HTML rendering shared by result objects' notebook reprs (``_repr_html_``)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["dict_html"]


def dict_html(title: str, d: dict[str, Any], note: str | None = None) -> str:
    """A result dictionary as a small HTML table (the notebook repr of result objects).

    Parameters
    ----------
    title
        Shown in bold above the table.
    d
        The rows: key, then value (floats to 6 significant digits, lists joined
        by commas, ``None`` as an empty cell). Everything is HTML-escaped.
    note
        An optional line in italics below the table (e.g. a low-power warning).

    Returns
    -------
    str
        One ``<div>`` element.

    Raises
    ------
    Nothing: any value is shown through ``str``.

    References
    ----------
    IPython's rich display protocol (``_repr_html_``).

    Examples
    --------
    >>> dict_html("Fail-safe N", {"fsnum": 12, "pval": 0.000123456789}, "k < 10")
    "<div><strong>Fail-safe N</strong><table><tr><th style='text-align:left'>fsnum</th><td>12</td></tr><tr><th style='text-align:left'>pval</th><td>0.000123457</td></tr></table><p><em>k &lt; 10</em></p></div>"
    """  # noqa: E501
    rows = []
    for key, v in d.items():
        if isinstance(v, float):
            cell = f"{v:.6g}"
        elif isinstance(v, list | tuple):
            cell = ", ".join(f"{x:.6g}" if isinstance(x, float) else str(x) for x in v)
        else:
            cell = "" if v is None else str(v)
        rows.append(
            f"<tr><th style='text-align:left'>{html.escape(str(key))}</th>"
            f"<td>{html.escape(cell)}</td></tr>"
        )
    extra = f"<p><em>{html.escape(note)}</em></p>" if note else ""
    return f"<div><strong>{html.escape(title)}</strong><table>{''.join(rows)}</table>{extra}</div>"
