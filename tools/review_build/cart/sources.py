"""Reading the CAR-T extraction: source rows with their spreadsheet numbers, picking one
row by its content, and the cells as exact numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..common import BuildError, numbered_rows

REPO = Path(__file__).resolve().parents[3]
DEFAULT_OUT = REPO / "src" / "evisynth" / "data" / "reviews" / "cart_dlbcl"
DEFAULT_SOURCE = DEFAULT_OUT / "sources" / "cart_dlbcl_studies.csv"
DEFAULT_TOXICITY = DEFAULT_OUT / "sources" / "cart_toxicity_cohorts.csv"
SOURCE_NAME = "sources/cart_dlbcl_studies.csv"
TOX_NAME = "sources/cart_toxicity_cohorts.csv"
NARRATIVE = "sources/cart_dlbcl_studies.md"

VERIFIED = "verified-in-source"
SECONDARY = "from-secondary-source"


# =========================================================================== source rows


@dataclass(frozen=True, eq=False)
class Src:
    """One row of the source table with its spreadsheet row number."""

    number: int
    cells: dict[str, str]
    file: str = SOURCE_NAME

    def __getitem__(self, key: str) -> str:
        return self.cells[key].strip()

    @property
    def lead(self) -> bool:
        """A single unverifiable source ("ONLY in ..."): a lead, never primary data."""
        return self["source_location"].startswith("ONLY in")

    @property
    def derived_in_source(self) -> bool:
        """The source table itself derived the count from a percentage ("derived: ...")."""
        return "derived:" in self["source_location"]


def read_source(path: Path, name: str = SOURCE_NAME) -> list[Src]:
    """The source rows, numbered as in a spreadsheet (first data row = 2)."""
    return [Src(i, row, name) for i, row in numbered_rows(path)]


@dataclass(frozen=True)
class Pick:
    """Selects exactly one source row by its content."""

    study: str
    outcome: str
    measure: str
    arm: str | None = None
    confidence: str | None = None
    citation_contains: str | None = None

    def matches(self, r: Src) -> bool:
        outcome_ok = (r["outcome"].startswith(self.outcome[:-1]) if self.outcome.endswith("*")
                      else r["outcome"] == self.outcome)
        return (
            r["study_id"] == self.study
            and outcome_ok
            and r["measure"] == self.measure
            and (self.arm is None or r["arm"] == self.arm)
            and (self.confidence is None or r["confidence"] == self.confidence)
            and (self.citation_contains is None or self.citation_contains in r["source_citation"])
        )


def find(rows: Sequence[Src], pick: Pick) -> Src:
    """The one source row ``pick`` selects; anything else is a build error."""
    hits = [r for r in rows if pick.matches(r)]
    if len(hits) != 1:
        numbers = ", ".join(str(r.number) for r in hits) or "none"
        raise BuildError(f"{pick} selects {len(hits)} source rows ({numbers}); expected one")
    return hits[0]


def P(study: str, outcome: str, measure: str = "HR", arm: str | None = None,
      confidence: str | None = None, citation: str | None = None) -> Pick:
    """A :class:`Pick`, written short (a hazard ratio unless ``measure`` says otherwise)."""
    return Pick(study, outcome, measure, arm, confidence, citation)


# =========================================================================== numbers


def number(text: str, what: str, r: Src) -> Fraction:
    """A cell as an exact number (the source's decimal text, no float rounding)."""
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise BuildError(f"source row {r.number}: {what} {text!r} is not a plain number")
    return Fraction(text)


def fmt(x: Fraction) -> str:
    """Exact decimal text of a number that came from decimal text."""
    if x.denominator == 1:
        return str(x.numerator)
    text = f"{float(x):.12g}"
    if Fraction(text) != x:
        raise BuildError(f"{x} has no short decimal form")
    return text


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def count_from_percent(pct_text: str, n: int) -> tuple[int, int, int]:
    """``round(pct% x n)`` (half up) and the counts compatible with the rounded percentage."""
    pct = Fraction(pct_text)
    half = Fraction(1, 2) / 10 ** decimals(pct_text)
    count = math.floor(pct * n / 100 + Fraction(1, 2))
    lo = math.ceil((pct - half) * n / 100)
    hi = math.floor((pct + half) * n / 100)
    return count, lo, hi


def exact_p(text: str) -> str:
    """An exact p-value cell (a bare number), or '' for inequalities and qualified values."""
    return text if re.fullmatch(r"0?\.\d+|1(\.0+)?", text) else ""
