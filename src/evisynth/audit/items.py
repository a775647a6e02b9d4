"""What extraction finds: an :class:`Item` (one reported statistic with its numbers and
its span) and the :class:`Document` that holds them with the sentence and paragraph
boundaries of the text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from evisynth.audit.numbers import Num

__all__ = ["Document", "Item"]


@dataclass(frozen=True)
class Item:
    """One reported statistic found in the text.

    Attributes
    ----------
    kind
        ``ratio``, ``percents``, ``fraction``, ``arms``, ``median``, ``median_gain``,
        ``icer``, ``cost``, ``qalys``, ``horizon``, ``design``, ``comparison``, ``dose``,
        ``difference``, ``reduction`` or ``weight``.
    span
        ``(start, end)`` character offsets in the audited text.
    text
        The characters of the span.
    numbers
        Named numbers, e.g. ``(("estimate", Num), ("ci_lb", Num), ...)``.
    attrs
        Named words, e.g. ``(("measure", "HR"), ("endpoint", "OS"))``.
    """

    kind: str
    span: tuple[int, int]
    text: str
    numbers: tuple[tuple[str, Num], ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()

    def num(self, name: str) -> Num | None:
        """The number called ``name``, or ``None``."""
        for k, v in self.numbers:
            if k == name:
                return v
        return None

    def attr(self, name: str) -> str | None:
        """The word called ``name``, or ``None``."""
        for k, v in self.attrs:
            if k == name:
                return v
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output."""
        return {
            "kind": self.kind,
            "span": list(self.span),
            "text": self.text,
            "numbers": {k: v.to_dict() for k, v in self.numbers},
            "attrs": dict(self.attrs),
        }


@dataclass(frozen=True)
class Document:
    """Normalised text, its sentence and paragraph boundaries, and the items found."""

    text: str
    norm: str
    items: tuple[Item, ...]
    sentence_starts: tuple[int, ...] = field(repr=False, default=())
    paragraph_starts: tuple[int, ...] = field(repr=False, default=())

    def sentence(self, pos: int) -> int:
        """Index of the sentence holding character ``pos``."""
        return bisect.bisect_right(self.sentence_starts, pos) - 1

    def paragraph(self, pos: int) -> int:
        """Index of the paragraph holding character ``pos``."""
        return bisect.bisect_right(self.paragraph_starts, pos) - 1
