"""The :class:`Review`: a whole review folder as one typed, immutable object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from evisynth.errors import InputError
from evisynth.review.cea import CEASpec
from evisynth.review.inputs import StudyInput, effect_sizes
from evisynth.review.model import (
    AnalysisPlan,
    CurveTable,
    Design,
    Exclusion,
    Gap,
    Outcome,
    OutcomeRow,
    Prisma,
    PublishedResult,
    Question,
    Reanalysis,
    ReportText,
    RiskOfBias,
    SourceInfo,
    Study,
    Subgroup,
)

if TYPE_CHECKING:
    from evisynth.effects import EffectSizes

__all__ = ["Review", "ReviewToml"]


class ReviewToml(BaseModel):
    """The sections of ``review.toml`` as written (``outcomes`` keyed by outcome key).

    The loader validates the file section by section against these fields;
    :class:`Review` adds the CSV tables and the folder it was loaded from.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int = 2
    title: str
    summary: str | None = None
    question: Question
    designs: tuple[Design, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    analysis: AnalysisPlan = AnalysisPlan()
    subgroups: tuple[Subgroup, ...] = ()
    prisma: Prisma = Prisma()
    exclusions: tuple[Exclusion, ...] = ()
    not_reported: tuple[Gap, ...] = ()
    risk_of_bias_note: str | None = None
    source: SourceInfo | None = None
    reanalyses: tuple[Reanalysis, ...] = ()
    report: ReportText = ReportText()
    cea: CEASpec | None = None


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


_K = TypeVar("_K", bound=_Keyed)


def _by_key(items: tuple[_K, ...], key: str, what: str) -> _K:
    """The item with this key; else an InputError listing the keys there are."""
    for item in items:
        if item.key == key:
            return item
    have = ", ".join(i.key for i in items) or "none"
    raise InputError(f"{what} {key!r} is not in the review; {what}s: {have}", where=key)


class Review(ReviewToml):
    """A loaded review folder (see ``docs/review-format.md``).

    Built by :func:`evisynth.review.load_review`, which checks every cell and the
    links between files; all collections are tuples in file order.

    Attributes
    ----------
    title, summary, question
        What the review asks (``question`` is PICO).
    designs
        Design strata (``RCT``, ``external-control``...), each with its RoB tool.
    outcomes
        Outcomes with effect measure, reporting scale, GRADE thresholds and the
        control-arm risk for absolute effects.
    analysis
        The analysis plan (primary method, alternatives, sensitivity analyses).
    subgroups, prisma, exclusions, not_reported, risk_of_bias_note, source
        Subgroup variables, PRISMA 2020 counts, exclusion log, results no source
        gave, who judged the risk of bias and from what, and where the data came from.
    studies, rows, risk_of_bias, published
        The CSV tables: studies.csv, outcomes.csv, risk_of_bias.csv, published.csv.
    path
        The folder it was loaded from (``None`` if built in code).

    Examples
    --------
    >>> from evisynth.review import load_bundled
    >>> review = load_bundled("cart_dlbcl")
    >>> review.outcome("os").measure
    'HR'
    """

    analysis: AnalysisPlan  # required when a review is built in code
    studies: tuple[Study, ...] = ()
    rows: tuple[OutcomeRow, ...] = ()
    risk_of_bias: tuple[RiskOfBias, ...] = ()
    published: tuple[PublishedResult, ...] = ()
    curve_tables: tuple[CurveTable, ...] = ()
    path: str | None = None

    def outcome(self, key: str) -> Outcome:
        """The outcome with this key.

        Raises
        ------
        InputError
            No such outcome (the message lists the keys there are).
        """
        return _by_key(self.outcomes, key, "outcome")

    def curve_table(self, file: str) -> CurveTable:
        """The digitised-curve or at-risk table read from ``file`` (a reanalysis input)."""
        for t in self.curve_tables:
            if t.file == file:
                return t
        raise InputError(f"no curve table {file!r} in this review", where=file)

    def study(self, study_id: str) -> Study:
        """The study (report) with this id.

        Raises
        ------
        InputError
            No such study.
        """
        for s in self.studies:
            if s.study_id == study_id:
                return s
        raise InputError(f"study {study_id!r} is not in studies.csv", where=study_id)

    def design(self, key: str) -> Design:
        """The design stratum with this key.

        Raises
        ------
        InputError
            No such design (the message lists the designs there are).
        """
        return _by_key(self.designs, key, "design")

    @property
    def trials(self) -> tuple[str, ...]:
        """Trial names in the order of their first report in studies.csv."""
        return tuple(dict.fromkeys(s.trial for s in self.studies))

    def rows_for(
        self, outcome: str, analysis: str | None = None, design: str | None = None
    ) -> tuple[OutcomeRow, ...]:
        """Outcome rows of ``outcome``, optionally of one analysis set and design, in file order."""
        self.outcome(outcome)
        designs = {s.study_id: s.design for s in self.studies}
        return tuple(
            r
            for r in self.rows
            if r.outcome == outcome
            and (analysis is None or r.analysis == analysis)
            and (design is None or designs.get(r.study_id) == design)
        )

    def rob_for(self, study_id: str, outcome: str) -> tuple[RiskOfBias, ...]:
        """Risk-of-bias judgements of one study (report) for one outcome, in file order."""
        return tuple(
            j for j in self.risk_of_bias if j.study_id == study_id and j.applies_to(outcome)
        )

    def effect_sizes(
        self,
        outcome: str,
        analysis: str = "primary",
        design: str | None = "RCT",
        verified_only: bool = False,
    ) -> tuple[EffectSizes, tuple[StudyInput, ...]]:
        """Analysis inputs of one outcome: see :func:`evisynth.review.inputs.effect_sizes`.

        Examples
        --------
        >>> from evisynth.review import load_bundled
        >>> es, used = load_bundled("cart_dlbcl").effect_sizes("efs")
        >>> [u.study.trial for u in used]
        ['ZUMA-7', 'TRANSFORM', 'BELINDA']
        """
        return effect_sizes(
            self, outcome, analysis=analysis, design=design, verified_only=verified_only
        )
