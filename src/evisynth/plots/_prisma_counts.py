"""PRISMA 2020 counts: a plain mapping checked into :class:`PrismaCounts`.

Counts that nobody can state stay ``None`` ("not reported"): nothing is
derived or invented. The counts that are given must add up; a mismatch is an
:class:`~evisynth.errors.InputError` that shows the arithmetic.

References
----------
Page MJ, McKenzie JE, Bossuyt PM, et al. (2021). The PRISMA 2020 statement: an
updated guideline for reporting systematic reviews. BMJ 372:n71.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evisynth._validation import check_int
from evisynth.errors import InputError

__all__ = ["KNOWN_KEYS", "Breakdown", "OtherMethods", "PrismaCounts", "prisma_counts"]

Breakdown = tuple[tuple[str, int], ...]

_SIMPLE = (
    "duplicates_removed",
    "automation_removed",
    "other_removed",
    "records_screened",
    "records_excluded",
    "reports_sought",
    "reports_not_retrieved",
    "reports_assessed",
    "studies_included",
    "reports_included",
)
_BREAKDOWN = ("records_databases", "records_registers", "records_other_sources",
              "reports_excluded")
_OTHER_KEYS = ("records", "reports_sought", "reports_not_retrieved", "reports_assessed",
               "reports_excluded")
_IGNORED = ("search_reproduced",)
KNOWN_KEYS = (*_BREAKDOWN, *_SIMPLE, "other_methods", "note", *_IGNORED)


@dataclass(frozen=True)
class OtherMethods:
    """Counts of the "identification via other methods" column (``None``: not reported)."""

    records: Breakdown | None = None
    reports_sought: int | None = None
    reports_not_retrieved: int | None = None
    reports_assessed: int | None = None
    reports_excluded: Breakdown | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (breakdowns as ``{label: n}``)."""
        return {k: (dict(v) if isinstance(v, tuple) else v)
                for k, v in ((f, getattr(self, f)) for f in _OTHER_KEYS)}


@dataclass(frozen=True)
class PrismaCounts:
    """Checked PRISMA 2020 counts. Breakdowns are ``((label, n), ...)``; ``None`` = not reported."""

    records_databases: Breakdown | None = None
    records_registers: Breakdown | None = None
    records_other_sources: Breakdown | None = None
    duplicates_removed: int | None = None
    automation_removed: int | None = None
    other_removed: int | None = None
    records_screened: int | None = None
    records_excluded: int | None = None
    reports_sought: int | None = None
    reports_not_retrieved: int | None = None
    reports_assessed: int | None = None
    reports_excluded: Breakdown | None = None
    studies_included: int | None = None
    reports_included: int | None = None
    other_methods: OtherMethods | None = None
    note: str | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (breakdowns as ``{label: n}``)."""
        out: dict[str, Any] = {}
        for k in (*_BREAKDOWN, *_SIMPLE):
            v = getattr(self, k)
            out[k] = dict(v) if isinstance(v, tuple) else v
        out["other_methods"] = None if self.other_methods is None else self.other_methods.to_dict()
        out["note"] = self.note
        return out


def _total(b: Breakdown | None) -> int | None:
    return None if b is None else sum(n for _, n in b)


def _breakdown(name: str, value: Any, default_label: str) -> Breakdown | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if not value:
            return ()
        return tuple((str(k), check_int(f"counts[{name!r}][{k!r}]", v, lo=0))
                     for k, v in value.items())
    return ((default_label, check_int(f"counts[{name!r}]", value, lo=0)),)


def _int(name: str, value: Any) -> int | None:
    return None if value is None else check_int(f"counts[{name!r}]", value, lo=0)


def _sum_known(*vals: int | None) -> int | None:
    if any(v is None for v in vals):
        return None
    return sum(v for v in vals if v is not None)


def _check_equal(name: str, value: int | None, expected: int | None, how: str) -> None:
    if value is not None and expected is not None and value != expected:
        raise InputError(
            f"argument 'counts', {name!r}: is {value} but {how} = {expected}; correct the "
            "counts so that they add up (or leave out a count that cannot be stated)",
            where=f"counts.{name}",
        )


def prisma_counts(counts: Mapping[str, Any]) -> PrismaCounts:
    """Check a mapping of PRISMA 2020 counts and return them as :class:`PrismaCounts`.

    Keys (all optional; a missing or ``None`` count is "not reported"):
    ``records_databases``, ``records_registers`` (a number or ``{source: n}``),
    ``records_other_sources`` (shorthand for ``other_methods["records"]``),
    ``duplicates_removed``, ``automation_removed``, ``other_removed``,
    ``records_screened``, ``records_excluded``, ``reports_sought``,
    ``reports_not_retrieved``, ``reports_assessed``, ``reports_excluded`` (a
    number or ``{reason: n}``), ``studies_included``, ``reports_included``,
    ``other_methods`` (``{"records": ..., "reports_sought": ...,
    "reports_not_retrieved": ..., "reports_assessed": ..., "reports_excluded":
    ...}``), ``note`` (a sentence printed under the diagram); ``search_reproduced``
    is accepted and ignored (so a review's ``prisma`` table can be passed as is).

    Checks, where every count involved is given (PRISMA 2020 definitions):
    screened = identified − removed before screening; sought = screened −
    excluded; assessed = sought − not retrieved; reports included = assessed −
    excluded (+ the same for other methods); studies included ≤ reports included.

    Parameters
    ----------
    counts
        The mapping described above.

    Returns
    -------
    PrismaCounts

    Raises
    ------
    InputError
        Unknown key, a count that is not a whole number ≥ 0, or counts that do not add up.

    Examples
    --------
    >>> c = prisma_counts({"records_databases": 120, "duplicates_removed": 20,
    ...                    "records_screened": 100})
    >>> c.records_screened
    100
    """
    if not isinstance(counts, Mapping):
        raise InputError(f"argument 'counts': expected a mapping of PRISMA counts, got "
                         f"{type(counts).__name__}", where="counts")
    unknown = sorted(set(map(str, counts)) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(f"argument 'counts': unknown keys {unknown}; known keys are "
                         f"{', '.join(KNOWN_KEYS)}", where="counts")
    g = counts.get
    other = g("other_methods")
    if other is not None and not isinstance(other, Mapping):
        raise InputError("argument 'counts', 'other_methods': expected a mapping with keys "
                         f"{', '.join(_OTHER_KEYS)}", where="counts.other_methods")
    if other is not None:
        bad = sorted(set(map(str, other)) - set(_OTHER_KEYS))
        if bad:
            raise InputError(f"argument 'counts', 'other_methods': unknown keys {bad}; known "
                             f"keys are {', '.join(_OTHER_KEYS)}", where="counts.other_methods")
    shorthand = g("records_other_sources")
    om: OtherMethods | None = None
    if other is not None or shorthand is not None:
        o = dict(other or {})
        if shorthand is not None and o.get("records") is not None:
            raise InputError("argument 'counts': give 'records_other_sources' or "
                             "other_methods['records'], not both", where="counts")
        om = OtherMethods(
            records=_breakdown("other_methods.records",
                               o.get("records", shorthand), "Other sources"),
            reports_sought=_int("other_methods.reports_sought", o.get("reports_sought")),
            reports_not_retrieved=_int("other_methods.reports_not_retrieved",
                                       o.get("reports_not_retrieved")),
            reports_assessed=_int("other_methods.reports_assessed", o.get("reports_assessed")),
            reports_excluded=_breakdown("other_methods.reports_excluded",
                                        o.get("reports_excluded"), "Reports excluded"),
        )
    note = g("note")
    if note is not None and not isinstance(note, str):
        raise InputError("argument 'counts', 'note': expected a sentence of text",
                         where="counts.note")
    c = PrismaCounts(
        records_databases=_breakdown("records_databases", g("records_databases"), "Databases"),
        records_registers=_breakdown("records_registers", g("records_registers"), "Registers"),
        records_other_sources=None if om is None else om.records,
        reports_excluded=_breakdown("reports_excluded", g("reports_excluded"),
                                    "Reports excluded"),
        other_methods=om,
        note=note,
        **{k: _int(k, g(k)) for k in _SIMPLE},
    )
    identified = _sum_known(_total(c.records_databases), _total(c.records_registers) or 0)
    removed = _sum_known(c.duplicates_removed, c.automation_removed or 0, c.other_removed or 0)
    if identified is not None and removed is not None:
        _check_equal("records_screened", c.records_screened, identified - removed,
                     "records identified − removed before screening "
                     f"({identified} − {removed})")
    if c.records_screened is not None and c.records_excluded is not None:
        _check_equal("reports_sought", c.reports_sought,
                     c.records_screened - c.records_excluded,
                     f"records screened − excluded ({c.records_screened} − "
                     f"{c.records_excluded})")
    if c.reports_sought is not None and c.reports_not_retrieved is not None:
        _check_equal("reports_assessed", c.reports_assessed,
                     c.reports_sought - c.reports_not_retrieved,
                     f"reports sought − not retrieved ({c.reports_sought} − "
                     f"{c.reports_not_retrieved})")
    main_in = None
    if c.reports_assessed is not None and c.reports_excluded is not None:
        main_in = c.reports_assessed - (_total(c.reports_excluded) or 0)
    if om is not None:
        if om.reports_sought is not None and om.reports_not_retrieved is not None:
            _check_equal("other_methods.reports_assessed", om.reports_assessed,
                         om.reports_sought - om.reports_not_retrieved,
                         "other methods: reports sought − not retrieved "
                         f"({om.reports_sought} − {om.reports_not_retrieved})")
        other_in = None
        if om.reports_assessed is not None and om.reports_excluded is not None:
            other_in = om.reports_assessed - (_total(om.reports_excluded) or 0)
        expected = _sum_known(main_in, other_in)
        how = "reports assessed − excluded, databases/registers plus other methods"
    else:
        expected, how = main_in, (f"reports assessed − excluded ({c.reports_assessed} − "
                                  f"{_total(c.reports_excluded)})")
    _check_equal("reports_included", c.reports_included, expected, how)
    if (c.studies_included is not None and c.reports_included is not None
            and c.studies_included > c.reports_included):
        raise InputError(
            f"argument 'counts', 'studies_included': {c.studies_included} studies from "
            f"{c.reports_included} reports; every included study has at least one report",
            where="counts.studies_included",
        )
    return c
