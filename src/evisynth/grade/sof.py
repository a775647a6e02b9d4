"""Summary-of-Findings table (GRADE): one row per outcome, footnotes from the ratings.

Columns follow the GRADE/Cochrane layout (Cochrane Handbook 14.1.6; GRADE
Handbook 5.2): outcome with its time point, relative effect (95% CI),
anticipated absolute effects per 1,000 (comparator, intervention, difference),
number of participants (studies), certainty of the evidence. Every downgrade's
reason becomes a numbered footnote, attached to the certainty it lowered; the
source of each baseline risk is a footnote on its absolute effect. Identical
footnote texts share one number. A row whose interval is a Bayesian credible
interval (``SoFRow.interval="credible"``) is headed "95% CrI"; a column whose
rows mix both kinds is headed "95% CI or CrI", with a footnote saying which
rows have which.

References
----------
Schünemann HJ, Higgins JPT, Vist GE, et al. (2023). Chapter 14: Completing
'Summary of findings' tables and grading the certainty of the evidence.
Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.

Guyatt GH, Oxman AD, Santesso N, et al. (2013). GRADE guidelines 12. Preparing
summary of findings tables—binary outcomes. J Clin Epidemiol 66(2):158-172.

Skoetz N, et al. (2020). GRADE guidelines 27 (time-to-event outcomes). J Clin
Epidemiol 118:124-131.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evisynth._validation import check_choice, check_int
from evisynth.errors import InputError
from evisynth.grade.absolute import AbsoluteEffect, absolute_effect
from evisynth.grade.certainty import CertaintyRating, check_rma_fit
from evisynth.meta.results import LOG_MEASURES, RMAResult

__all__ = ["INTERVAL_ABBR", "SoFRow", "SoFTable", "interval_words", "summary_of_findings"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_MEASURE_WORDS = {"HR": "HR", "RR": "RR", "OR": "OR", "RD": "RD", "MD": "MD", "SMD": "SMD"}
COLUMNS = (
    "Outcome",
    "Relative effect (95% CI)",
    "Risk with comparator",
    "Risk with intervention",
    "Difference (95% CI)",
    "Participants (studies)",
    "Certainty",
)
#: The abbreviation of each kind of interval a row can carry.
INTERVAL_ABBR = {"confidence": "CI", "credible": "CrI"}
#: The columns whose numbers are an estimate with its interval ("95% CI" in the name).
_INTERVAL_COLUMNS = ("Relative effect (95% CI)", "Difference (95% CI)")


@dataclass(frozen=True)
class SoFRow:
    """The inputs of one Summary-of-Findings row.

    ``estimate``, ``ci_lb``, ``ci_ub`` are on the natural scale (ratios for HR,
    RR, OR). ``baseline`` is, for HRs, the comparator's *survival* (event-free
    probability) at ``time_point``; for RR/OR/RD the comparator's *risk*.
    Without a baseline the absolute columns stay empty. ``design`` words the
    study count (``"RCTs"``, ``"observational studies"``). ``interval`` is
    the kind of interval ``ci_lb``/``ci_ub`` are: ``"confidence"`` (default)
    or ``"credible"`` (a Bayesian posterior interval, e.g. from
    :func:`evisynth.bayesmeta`); it labels the row "95% CI" or "95% CrI".
    """

    outcome: str
    measure: str
    estimate: float
    ci_lb: float
    ci_ub: float
    participants: int | None
    studies: int
    certainty: CertaintyRating | None = None
    baseline: float | None = None
    baseline_source: str | None = None
    time_point: str | None = None
    design: str = "studies"
    comment: str | None = None
    interval: str = "confidence"

    @classmethod
    def from_fit(cls, outcome: str, fit: RMAResult, **kwargs: Any) -> SoFRow:
        """Row from an :func:`evisynth.rma` fit: ratio scale for log measures, k as studies.

        Parameters
        ----------
        outcome
            Outcome name.
        fit
            The pooled result.
        **kwargs
            The other fields (``participants``, ``certainty``, ``baseline``, ...).

        Returns
        -------
        SoFRow

        Raises
        ------
        InputError
            If ``fit`` is not an RMAResult.

        Examples
        --------
        >>> import evisynth as ev
        >>> fit = ev.rma(ev.escalc("HR", hr=[0.5, 0.6], ci_lb=[0.4, 0.45], ci_ub=[0.625, 0.8]))
        >>> SoFRow.from_fit("OS", fit, participants=700).measure
        'HR'
        """
        check_rma_fit(fit)
        vals = [fit.estimate, fit.ci_lb, fit.ci_ub]
        if fit.measure in LOG_MEASURES:
            vals = [math.exp(v) for v in vals]
        kwargs.setdefault("studies", fit.k)
        kwargs.setdefault("participants", None)
        return cls(outcome, fit.measure, vals[0], vals[1], vals[2], **kwargs)

    def absolute(self) -> AbsoluteEffect | None:
        """The absolute effect at the baseline, or ``None`` without a baseline."""
        if self.baseline is None:
            return None
        return absolute_effect(self.measure, self.estimate, self.ci_lb, self.ci_ub,
                               baseline=self.baseline)


def _as_row(i: int, row: Any) -> SoFRow:
    if isinstance(row, SoFRow):
        r = row
    elif isinstance(row, Mapping):
        known = {f.name for f in fields(SoFRow)}
        extra = set(row) - known
        if extra:
            raise InputError(f"argument 'rows', row {i + 1}: unknown keys {sorted(extra)}; "
                             f"known keys are {sorted(known)}", where="rows")
        try:
            r = SoFRow(**row)
        except TypeError as exc:
            raise InputError(f"argument 'rows', row {i + 1}: {exc}", where="rows") from None
    else:
        raise InputError(f"argument 'rows', row {i + 1}: expected a SoFRow or a mapping, got "
                         f"{type(row).__name__}", where="rows")
    if not isinstance(r.outcome, str) or not r.outcome.strip():
        raise InputError(f"argument 'rows', row {i + 1}: 'outcome' must be a non-empty text",
                         where="rows")
    if r.certainty is not None and not isinstance(r.certainty, CertaintyRating):
        raise InputError(f"argument 'rows', row {i + 1} ({r.outcome}): 'certainty' must come "
                         "from evisynth.rate_certainty", where="rows")
    kind = check_choice(f"rows[{i}].interval", r.interval, tuple(INTERVAL_ABBR))
    if kind != r.interval:
        r = replace(r, interval=kind)
    check_int(f"rows[{i}].studies", r.studies, lo=1)
    if r.participants is not None:
        check_int(f"rows[{i}].participants", r.participants, lo=1)
    if r.baseline is not None and r.measure.upper() not in ("HR", "RR", "OR", "RD"):
        raise InputError(f"argument 'rows', row {i + 1} ({r.outcome}): an absolute effect needs "
                         f"a HR, RR, OR or RD, not {r.measure!r}; leave 'baseline' empty",
                         where="rows")
    if not (math.isfinite(r.estimate) and r.ci_lb <= r.estimate <= r.ci_ub):
        raise InputError(f"argument 'rows', row {i + 1} ({r.outcome}): the estimate "
                         f"{r.estimate:g} must lie within [ci_lb, ci_ub] = [{r.ci_lb:g}, "
                         f"{r.ci_ub:g}]", where="rows")
    return r


def _num(x: float) -> str:
    """Two decimals, halves rounded up as readers expect (0.625 → 0.63)."""
    if not (math.isfinite(x) and abs(x) < 1e15):
        return f"{x:.2f}"
    return str(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class _Notes:
    """Numbered footnotes, identical texts sharing one number."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def mark(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1


def _marks(numbers: Sequence[int]) -> str:
    return ",".join(str(n).translate(_SUPERSCRIPT) for n in numbers)


def interval_words(kinds: Sequence[str]) -> str:
    """``CI``, ``CrI``, or ``CI or CrI`` where the kinds mix (``CI`` when there are none).

    Parameters
    ----------
    kinds
        Kinds of interval: ``"confidence"`` or ``"credible"`` (see :data:`INTERVAL_ABBR`).

    Returns
    -------
    str

    Raises
    ------
    KeyError
        For a kind not in :data:`INTERVAL_ABBR` (callers pass checked kinds).

    Examples
    --------
    >>> interval_words(["credible", "confidence", "credible"])
    'CI or CrI'
    """
    used = [INTERVAL_ABBR[k] for k in dict.fromkeys(kinds)]
    return " or ".join(sorted(used)) if used else "CI"


@dataclass(frozen=True)
class SoFTable:
    """A finished Summary-of-Findings table: cells as text, numbered footnotes.

    ``intervals`` holds each row's kind of interval (``"confidence"`` or
    ``"credible"``); empty means every row has a confidence interval. The
    cells are keyed by :data:`COLUMNS` whatever the kind; :attr:`columns`
    are the headers as displayed.
    """

    rows: tuple[dict[str, Any], ...]
    footnotes: tuple[str, ...]
    intervention: str | None = None
    comparator: str | None = None
    intervals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary: ``rows`` (cells and numbers) and ``footnotes``."""
        return {"intervention": self.intervention, "comparator": self.comparator,
                "rows": [dict(r) for r in self.rows], "footnotes": list(self.footnotes)}

    def with_intervals(self, intervals: Sequence[str]) -> SoFTable:
        """The same table with each row's kind of interval set (headers and notes follow).

        Parameters
        ----------
        intervals
            One kind per row, in order: ``"confidence"`` or ``"credible"``.

        Returns
        -------
        SoFTable

        Raises
        ------
        InputError
            If the number of kinds differs from the number of rows, or a kind is unknown.

        Examples
        --------
        >>> t = summary_of_findings([SoFRow("Death", "HR", 0.5, 0.4, 0.625, 700, 3)])
        >>> t.with_intervals(["credible"]).columns[1]
        'Relative effect (95% CrI)'
        """
        if isinstance(intervals, str) or len(intervals) != len(self.rows):
            raise InputError(f"argument 'intervals': give one kind of interval per row "
                             f"({len(self.rows)}), 'confidence' or 'credible'",
                             where="intervals")
        kinds = tuple(check_choice(f"intervals[{i}]", k, tuple(INTERVAL_ABBR))
                      for i, k in enumerate(intervals))
        return replace(self, intervals=kinds)

    def _kinds(self, column: str) -> list[str]:
        """The kinds of interval of the rows that show a value in ``column``."""
        kinds = self.intervals or ("confidence",) * len(self.rows)
        return [k for r, k in zip(self.rows, kinds, strict=True)
                if column != "Difference (95% CI)" or r.get("absolute") is not None]

    @property
    def interval_note(self) -> str | None:
        """The footnote of a column headed "95% CI or CrI": which rows have which interval."""
        if not any(len(set(self._kinds(c))) > 1 for c in _INTERVAL_COLUMNS):
            return None
        kinds = self.intervals
        cri = [r["outcome"] for r, k in zip(self.rows, kinds, strict=True) if k == "credible"]
        ci = [r["outcome"] for r, k in zip(self.rows, kinds, strict=True) if k != "credible"]
        return ("95% CI or CrI: a 95% credible interval (CrI) of a Bayesian model for "
                f"{', '.join(cri)}; a 95% confidence interval (CI) for {', '.join(ci)}.")

    @property
    def display_footnotes(self) -> tuple[str, ...]:
        """The footnotes as displayed: :attr:`footnotes`, then :attr:`interval_note`."""
        note = self.interval_note
        return self.footnotes + ((note,) if note else ())

    def heading(self, column: str, text: str | None = None) -> str:
        """The displayed header of one of :data:`COLUMNS`.

        ``text`` (default: the column's name) is the header to show; its "95% CI"
        becomes "95% CrI" when every row with a value in the column has a
        credible interval, or "95% CI or CrI" with the interval note's mark when
        they mix.
        """
        shown = column if text is None else text
        if column not in _INTERVAL_COLUMNS:
            return shown
        kinds = self._kinds(column)
        shown = shown.replace("95% CI", f"95% {interval_words(kinds)}")
        if len(set(kinds)) > 1:
            shown += _marks([len(self.footnotes) + 1])
        return shown

    @property
    def columns(self) -> tuple[str, ...]:
        """The headers as displayed, in the order of :data:`COLUMNS`."""
        return tuple(self.heading(c) for c in COLUMNS)

    def to_frame(self) -> Any:
        """The displayed cells as a pandas DataFrame (one row per outcome)."""
        import pandas as pd

        return pd.DataFrame([[r["cells"][c] for c in COLUMNS] for r in self.rows],
                            columns=list(self.columns))

    def to_markdown(self) -> str:
        """The table in GitHub-flavoured Markdown, footnotes as a numbered list."""

        def esc(s: str) -> str:
            return s.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(self.columns) + " |",
                 "|" + "|".join(["---"] * len(COLUMNS)) + "|"]
        for r in self.rows:
            lines.append("| " + " | ".join(esc(r["cells"][c]) for c in COLUMNS) + " |")
        notes = self.display_footnotes
        if notes:
            lines.append("")
            lines += [f"{i}. {esc(t)}" for i, t in enumerate(notes, start=1)]
        return "\n".join(lines) + "\n"


def _design_words(design: str, k: int) -> str:
    d = design.strip()
    if d.upper() == "RCT":
        d = "RCTs"
    if k == 1:
        singular = {"RCTs": "RCT", "studies": "study", "observational studies":
                    "observational study"}
        d = singular.get(d, d)
    return d


_PROPORTIONS = frozenset({"PLO", "PFT", "PR", "PAS"})


def _row(r: SoFRow, notes: _Notes) -> dict[str, Any]:
    m = r.measure.upper()
    tp = f" at {r.time_point}" if r.time_point else ""
    outcome = r.outcome + (f" ({r.time_point})" if r.time_point else "")
    if m in _PROPORTIONS:
        # Single-group proportions have no relative effect: show the pooled proportion.
        rel = (f"Proportion {100 * r.estimate:.1f}% ({100 * r.ci_lb:.1f}% to "
               f"{100 * r.ci_ub:.1f}%)")
    else:
        rel = f"{_MEASURE_WORDS.get(m, m)} {_num(r.estimate)} ({_num(r.ci_lb)} to {_num(r.ci_ub)})"
    ab = r.absolute()
    comp = inter = diff = "—"
    if ab is not None:
        base_marks = _marks([notes.mark(r.baseline_source)]) if r.baseline_source else ""
        comp = f"{ab.control_per_1000:,} per 1,000{base_marks}"
        inter = f"{ab.intervention_per_1000:,} per 1,000"
        diff = ab.text()
    cert = "not rated"
    if r.certainty is not None:
        marks = [notes.mark(d.reason) for d in r.certainty.downgrades]
        cert = f"{r.certainty.symbol} {r.certainty.certainty.capitalize()}{_marks(marks)}"
    n = f"{r.participants:,}" if r.participants is not None else "—"
    part = f"{n} ({r.studies} {_design_words(r.design, r.studies)})"
    if r.comment:
        notes_no = notes.mark(r.comment)
        outcome += _marks([notes_no])
    cells = {
        "Outcome": outcome,
        "Relative effect (95% CI)": rel,
        "Risk with comparator": comp,
        "Risk with intervention": inter,
        "Difference (95% CI)": diff,
        "Participants (studies)": part,
        "Certainty": cert,
    }
    return {
        "outcome": r.outcome,
        "time_point": r.time_point,
        "measure": m,
        "estimate": r.estimate,
        "ci_lb": r.ci_lb,
        "ci_ub": r.ci_ub,
        "absolute": None if ab is None else ab.to_dict(),
        "absolute_basis": (f"comparator survival {r.baseline:g}{tp}" if m == "HR" and ab
                           else f"comparator risk {r.baseline:g}{tp}" if ab else None),
        "participants": r.participants,
        "studies": r.studies,
        "certainty": None if r.certainty is None else r.certainty.to_dict(),
        "cells": cells,
    }


def summary_of_findings(
    rows: Sequence[SoFRow | Mapping[str, Any]],
    *,
    intervention: str | None = None,
    comparator: str | None = None,
) -> SoFTable:
    """Build a GRADE Summary-of-Findings table.

    Parameters
    ----------
    rows
        One :class:`SoFRow` (or a mapping with its fields) per outcome, in order.
    intervention, comparator
        Names for the table's caption (e.g. ``"CAR-T"``, ``"salvage chemotherapy"``).

    Returns
    -------
    SoFTable
        Cells as displayed (``to_frame``, ``to_markdown``) and the numbers behind
        them (``to_dict``).

    Raises
    ------
    InputError
        Empty ``rows``, a row with unknown keys, an estimate outside its CI, an
        absolute effect asked for a measure that has none, or a bad count.

    Examples
    --------
    >>> # S_C = 0.5 at 2 years, HR 0.5 (0.4 to 0.625): 500 vs 1000(1 - 0.5**0.5) = 293
    >>> # events per 1,000; bounds 1000(1 - 0.5**0.4) - 500 = -258 and
    >>> # 1000(1 - 0.5**0.625) - 500 = -148
    >>> t = summary_of_findings([SoFRow("Death", "HR", 0.5, 0.4, 0.625, 700, 3,
    ...                                 baseline=0.5, time_point="2 years", design="RCT")])
    >>> t.rows[0]["cells"]["Difference (95% CI)"]
    '207 fewer per 1,000 (from 258 fewer to 148 fewer)'
    """
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence) or not rows:
        raise InputError("argument 'rows': expected a non-empty list of SoFRow (one per "
                         "outcome)", where="rows")
    checked = [_as_row(i, r) for i, r in enumerate(rows)]
    notes = _Notes()
    out = tuple(_row(r, notes) for r in checked)
    return SoFTable(out, tuple(notes.texts), intervention, comparator,
                    tuple(r.interval for r in checked))
