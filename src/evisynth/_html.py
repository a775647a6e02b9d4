"""HTML rendering shared by result objects' notebook reprs (``_repr_html_``)."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["dict_html"]


def dict_html(title: str, d: dict[str, Any], note: str | None = None) -> str:
    """A result dictionary as a small HTML table (shared by the result classes here)."""
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
