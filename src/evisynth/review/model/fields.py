"""Field types of the review models: CSV cells parsed by :mod:`evisynth.review._cells`.

CSV-backed models accept the raw cell text (the loader passes strings) as well as
typed values (code and tests may build them directly).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict

from evisynth.engine import METHODS, TESTS
from evisynth.review import _cells
from evisynth.review.model.vocabulary import ANALYSES, VERIFICATION

__all__ = [
    "FROZEN",
    "Analysis",
    "Flag",
    "Id",
    "MethodName",
    "OptCount",
    "OptDoi",
    "OptFloat",
    "OptText",
    "OptVerification",
    "SourceRows",
    "TestName",
    "Text",
    "Verification",
    "VerificationName",
    "cell",
    "choice",
]

#: The configuration of every review model: frozen, no unknown keys, stripped strings.
FROZEN = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def cell(parser: Callable[[str], Any]) -> BeforeValidator:
    """Parse strings (CSV cells) with ``parser``; pass typed values through."""

    def parse(value: Any) -> Any:
        return parser(value) if isinstance(value, str) else value

    return BeforeValidator(parse)


def choice(choices: tuple[str, ...]) -> BeforeValidator:
    """Parse strings as one of ``choices`` (exact spelling); pass typed values through."""
    return cell(lambda raw: _cells.parse_choice(raw, choices))


Text = Annotated[str, cell(_cells.parse_text)]
OptText = Annotated[str | None, cell(_cells.parse_text)]
Id = Annotated[str, cell(_cells.parse_id)]
OptFloat = Annotated[float | None, cell(_cells.parse_float)]
OptCount = Annotated[int | None, cell(_cells.parse_count)]
Flag = Annotated[bool, cell(lambda raw: bool(_cells.parse_bool(raw)))]
OptDoi = Annotated[str | None, cell(_cells.parse_doi_or_pmid)]
SourceRows = Annotated[tuple[int, ...], cell(lambda raw: _cells.parse_source_rows(raw) or ())]
#: Verification status of a number (see :data:`VERIFICATION`).
VerificationName = Literal["verified-in-source", "from-secondary-source"]
Verification = Annotated[VerificationName, choice(VERIFICATION)]
OptVerification = Annotated[VerificationName | None, choice(VERIFICATION)]
Analysis = Annotated[
    Literal["primary", "earlier-cut", "crossover-adjusted", "lead", "alternative"],
    choice(ANALYSES),
]


def _known(kind: str, choices: tuple[str, ...]) -> AfterValidator:
    """Accept only names in ``choices``; the message lists them."""

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not a {kind}; use one of {', '.join(choices)}")
        return value

    return AfterValidator(check)


#: A tau² estimator / test name as metafor spells it (checked against the engine's lists).
MethodName = Annotated[str, _known("method", METHODS)]
TestName = Annotated[str, _known("test", TESTS)]
