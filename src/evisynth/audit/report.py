"""The result of an audit: the statistics found and every check, passed or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evisynth._html import Table, result_html
from evisynth.audit.checks import SEVERITIES, Check
from evisynth.audit.extraction import Item

__all__ = ["AuditReport"]


@dataclass(frozen=True)
class AuditReport:
    """Reported statistics found in a text and the consistency checks applied to them.

    Attributes
    ----------
    source
        What was audited (``"text"``, a file name, or a structured-input label).
    n_chars
        Length of the audited text (0 for structured input).
    items
        The statistics found (:class:`~evisynth.audit.extraction.Item`), in reading order.
    checks
        Every check applied (:class:`~evisynth.audit.checks.Check`), passed or not.
    """

    source: str
    n_chars: int
    items: tuple[Item, ...]
    checks: tuple[Check, ...]

    @property
    def findings(self) -> tuple[Check, ...]:
        """Checks that failed, most serious first."""
        order = {s: i for i, s in enumerate(SEVERITIES)}
        bad = [c for c in self.checks if not c.passed]
        return tuple(sorted(bad, key=lambda c: (order.get(c.severity, 9), c.spans[:1])))

    @property
    def passed(self) -> tuple[Check, ...]:
        """Checks that passed."""
        return tuple(c for c in self.checks if c.passed)

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per severity, and of passed checks (``"ok"``)."""
        out = {s: 0 for s in (*SEVERITIES, "ok")}
        for c in self.checks:
            out[c.severity] = out.get(c.severity, 0) + 1
        return out

    @property
    def consistent(self) -> bool:
        """True if no check found an ``inconsistent`` statement."""
        return not any(c.severity == "inconsistent" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON output: source, counts, findings, checks, items."""
        return {
            "source": self.source,
            "n_chars": self.n_chars,
            "counts": self.counts,
            "findings": [c.to_dict() for c in self.findings],
            "checks": [c.to_dict() for c in self.checks],
            "items": [i.to_dict() for i in self.items],
        }

    def to_frame(self) -> Any:
        """One row per check: rule, passed, severity, message, tolerance, span start/end.

        Returns
        -------
        pandas.DataFrame
        """
        import pandas as pd

        rows = [
            {
                "rule": c.rule,
                "passed": c.passed,
                "severity": c.severity,
                "message": c.message,
                "tolerance": c.tolerance,
                "start": c.spans[0][0] if c.spans else None,
                "end": max(e for _, e in c.spans) if c.spans else None,
            }
            for c in self.checks
        ]
        cols = ["rule", "passed", "severity", "message", "tolerance", "start", "end"]
        return pd.DataFrame(rows, columns=cols)

    def summary(self) -> str:
        """A short plain-text report: counts, then one line per finding."""
        c = self.counts
        head = (
            f"Audit of {self.source}: {len(self.items)} statistics, {len(self.checks)} checks; "
            f"{c['inconsistent']} inconsistent, {c['implausible']} implausible, "
            f"{c['note']} notes, {c['ok']} passed"
        )
        lines = [head]
        for f in self.findings:
            where = f" [chars {f.spans[0][0]}-{max(e for _, e in f.spans)}]" if f.spans else ""
            lines.append(f"  {f.severity.upper()} {f.rule}{where}: {f.message}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        c = self.counts
        rows = tuple((x.severity, x.rule, x.message, x.tolerance)
                     for x in (*self.findings, *self.passed))
        return result_html(
            f"Audit of {self.source}",
            lines=[f"{len(self.items)} statistics, {c['inconsistent']} inconsistent, "
                   f"{c['implausible']} implausible, {c['note']} notes, {c['ok']} passed"],
            tables=[Table(rows, ("severity", "rule", "message", "tolerance"), row_labels=False)])
