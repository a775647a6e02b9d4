"""Living review: what changed between two runs of a review (``evisynth run --compare``).

:func:`compare_results` reads two ``results.json`` payloads (the previous run's
and this run's, as written by :func:`evisynth.report.results_json`) and lists,
per outcome and design stratum, the estimates and intervals that moved, the
certainty ratings that changed, and the study inputs that were added, removed
or updated. Two identical runs give no change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evisynth.errors import InputError

__all__ = ["Change", "Changes", "compare_results", "read_results"]

#: Relative tolerance below which two numbers count as unchanged (JSON round trip).
RTOL = 1e-9


@dataclass(frozen=True)
class Change:
    """One difference: what kind (``estimate``, ``certainty``, ``input added``...),
    which item, and the value before and now (as text)."""

    kind: str
    item: str
    before: str
    after: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "item": self.item, "before": self.before,
                "after": self.after}


@dataclass(frozen=True)
class Changes:
    """All differences from the previous run (``items`` empty: nothing changed)."""

    previous: str
    items: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"previous": self.previous, "items": [c.to_dict() for c in self.items]}


def read_results(path: str | Path) -> dict[str, Any]:
    """A previous run's ``results.json``.

    Raises
    ------
    InputError
        The file is missing, not a regular file, not JSON, or not a results file.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--compare {path}: not found or not a regular file; give the "
                         "results.json of a previous run", where="--compare")
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"--compare {path}: not a JSON file ({type(exc).__name__} at "
                         f"position {getattr(exc, 'pos', getattr(exc, 'start', '?'))})",
                         where="--compare") from None
    if not isinstance(data, dict) or not isinstance(data.get("outcomes"), dict):
        raise InputError(f"--compare {path}: not an evisynth results.json (no 'outcomes')",
                         where="--compare")
    return data


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-300)
    return bool(a == b)


def _num(x: Any) -> str:
    return f"{x:.4g}" if isinstance(x, int | float) else str(x)


def _interval(t: dict[str, Any] | None) -> str:
    if not t:
        return "—"
    return f"{_num(t.get('estimate'))} ({_num(t.get('ci_lb'))} to {_num(t.get('ci_ub'))})"


def _strata(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if entry.get("analysed") is False:
        return {}
    out = {str(entry.get("design")): entry}
    out.update({str(k): v for k, v in (entry.get("other_strata") or {}).items()})
    return out


def _certainty(s: dict[str, Any]) -> str:
    c = s.get("certainty")
    return "not rated" if not c else str(c.get("certainty"))


def _inputs(s: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(r.get("row_id") or r.get("study_id")): r for r in s.get("studies") or []}


def compare_results(old: dict[str, Any], new: dict[str, Any], previous: str = "") -> Changes:
    """Differences between two runs' results.

    Parameters
    ----------
    old, new
        ``results.json`` payloads (dictionaries) of the previous and this run.
    previous
        How to name the previous run in the report (e.g. its file path).

    Returns
    -------
    Changes
        Estimates and intervals that moved, certainty ratings that changed,
        inputs added, removed or updated, outcomes added or removed.

    Examples
    --------
    >>> run = {"outcomes": {"os": {"label": "OS", "design": "RCT", "studies": [],
    ...        "transformed": {"estimate": 0.7, "ci_lb": 0.5, "ci_ub": 0.9}}}}
    >>> compare_results(run, run).items
    ()
    """
    items: list[Change] = []
    o_old, o_new = old.get("outcomes", {}), new.get("outcomes", {})
    for key in sorted(set(o_old) | set(o_new)):
        a, b = o_old.get(key), o_new.get(key)
        label = str((b or a or {}).get("label", key))
        if a is None or b is None:
            items.append(Change("outcome " + ("added" if a is None else "removed"), label,
                                "—" if a is None else "analysed", "analysed" if a is None
                                else "—"))
            continue
        sa, sb = _strata(a), _strata(b)
        for design in sorted(set(sa) | set(sb)):
            x, y = sa.get(design), sb.get(design)
            where = f"{label} ({design})"
            if x is None or y is None:
                items.append(Change("stratum " + ("added" if x is None else "removed"), where,
                                    "—" if x is None else _interval(x.get("transformed")),
                                    "—" if y is None else _interval(y.get("transformed"))))
                continue
            tx, ty = x.get("transformed") or {}, y.get("transformed") or {}
            if any(not _same(tx.get(k), ty.get(k)) for k in ("estimate", "ci_lb", "ci_ub")):
                items.append(Change("estimate and interval", where, _interval(tx),
                                    _interval(ty)))
            if any(not _same(tx.get(k), ty.get(k)) for k in ("pi_lb", "pi_ub")):
                items.append(Change("prediction interval", where,
                                    f"{_num(tx.get('pi_lb'))} to {_num(tx.get('pi_ub'))}",
                                    f"{_num(ty.get('pi_lb'))} to {_num(ty.get('pi_ub'))}"))
            if _certainty(x) != _certainty(y):
                items.append(Change("certainty", where, _certainty(x), _certainty(y)))
            ix, iy = _inputs(x), _inputs(y)
            for rid in sorted(set(ix) | set(iy)):
                u, v = ix.get(rid), iy.get(rid)
                name = str((v or u or {}).get("label", rid))
                if u is None or v is None:
                    items.append(Change("input " + ("added" if u is None else "removed"),
                                        f"{where}: {name}", "—" if u is None else "used",
                                        "used" if u is None else "—"))
                elif any(not _same(u.get(k), v.get(k))
                         for k in ("yi", "vi", "verification", "source")):
                    items.append(Change("input updated", f"{where}: {name}",
                                        f"yi {_num(u.get('yi'))}, vi {_num(u.get('vi'))}, "
                                        f"{u.get('verification')}",
                                        f"yi {_num(v.get('yi'))}, vi {_num(v.get('vi'))}, "
                                        f"{v.get('verification')}"))
    return Changes(previous=previous, items=tuple(items))
