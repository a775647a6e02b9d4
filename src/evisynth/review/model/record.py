"""The review's record in review.toml: PRISMA counts, exclusions, gaps, sources, report words."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from evisynth.review.model.fields import FROZEN, Id

__all__ = [
    "Exclusion",
    "Gap",
    "Prisma",
    "ReportText",
    "SourceFile",
    "SourceInfo",
    "UnusedRows",
]

class Prisma(BaseModel):
    """PRISMA 2020 flow counts; a count nobody can state honestly is left out (``None``).

    The loader checks the arithmetic of the counts that are given, and that
    ``reports_excluded``, ``reports_included`` and ``studies_included`` agree with
    the exclusion log and studies.csv.
    """

    model_config = FROZEN

    records_databases: int | None = Field(default=None, ge=0)
    records_other_sources: int | None = Field(default=None, ge=0)
    duplicates_removed: int | None = Field(default=None, ge=0)
    records_screened: int | None = Field(default=None, ge=0)
    records_excluded: int | None = Field(default=None, ge=0)
    reports_sought: int | None = Field(default=None, ge=0)
    reports_not_retrieved: int | None = Field(default=None, ge=0)
    reports_assessed: int | None = Field(default=None, ge=0)
    reports_excluded: int | None = Field(default=None, ge=0)
    studies_included: int | None = Field(default=None, ge=0)
    reports_included: int | None = Field(default=None, ge=0)
    search_reproduced: bool = True
    note: str | None = None


class Exclusion(BaseModel):
    """One excluded record or report, with the reason (the exclusion log)."""

    model_config = FROZEN

    id: Id
    citation: str
    reason: str
    category: str
    stage: Literal["records", "reports"] = "reports"
    source: str | None = None


class Gap(BaseModel):
    """A result that no source gave (kept so the report can say it is missing)."""

    model_config = FROZEN

    study_id: str
    item: str
    note: str
    source_rows: tuple[int, ...] = ()
    outcome: str | None = None


class UnusedRows(BaseModel):
    """Rows of a source table that the review does not use, and why.

    ``file`` names the table when it is not the main ``[source] file``.
    """

    model_config = FROZEN

    reason: str
    rows: tuple[int, ...]
    file: str | None = None


class SourceFile(BaseModel):
    """A source table the review was built from: file, checksum, rows, note.

    Further tables are ``[[source.tables]]``; the main one is :class:`SourceInfo`.
    """

    model_config = FROZEN

    file: str
    sha256: str | None = None
    rows: int | None = Field(default=None, ge=0)
    note: str | None = None


class SourceInfo(SourceFile):
    """Where the review's data came from: the main source table (``[source]``).

    Besides the table's file, checksum and row count: who built the review from
    it, the rows not used and why, and the further tables.
    """

    built_by: str | None = None
    unused: tuple[UnusedRows, ...] = ()
    tables: tuple[SourceFile, ...] = ()


class ReportText(BaseModel):
    """The review's own words for the report (``[report]`` of review.toml).

    The report builder is general: every word that belongs to one review (short
    names of the arms, what "favours" means, limitations, caveats about the data
    sources) comes from here.
    ``intervention`` and ``comparator`` are short arm names ("CAR-T", "placebo");
    ``favours`` the two forest-plot labels (lower values, higher values) for
    outcomes where lower favours the intervention; ``limitations`` and
    ``data_caveats`` are sentences listed in the Limitations section;
    ``safety_note`` introduces the one-arm (safety) outcomes; ``published_note``
    explains why published pooled claims may differ; ``abbreviations`` maps each
    abbreviation the review's words use to its meaning.
    """

    model_config = FROZEN

    intervention: str = "intervention"
    comparator: str = "comparator"
    intervention_arm_label: str | None = None
    limitations: tuple[str, ...] = ()
    data_caveats: tuple[str, ...] = ()
    safety_note: str | None = None
    published_note: str | None = None
    abbreviations: dict[str, str] = Field(default_factory=dict)
