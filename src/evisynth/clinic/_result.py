"""Shared helper for turning result dataclasses into plain JSON-ready Python."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


def plain(obj: Any) -> Any:
    """Recursively convert dataclasses, tuples and dates to dicts, lists and ISO strings."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj
