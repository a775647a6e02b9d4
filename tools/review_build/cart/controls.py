"""The control-arm risk of each time-to-event outcome (review.toml ``control_risk``): one
landmark survival percentage of a standard-care arm, chosen by the review."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..common import BuildError
from .provenance import identifiers
from .sources import VERIFIED, P, Pick, Src, find, number
from .studies import T25, Z22, Z23


@dataclass(frozen=True)
class ControlSpec:
    outcome: str
    pick: Pick
    study: str
    note: str


CONTROL: tuple[ControlSpec, ...] = (
    ControlSpec("efs", P(Z22, "EFS at 24 months", "percent", "SOC", VERIFIED), Z22,
                "ZUMA-7 standard-care arm, 24-month EFS (largest trial; verified)."),
    ControlSpec("pfs", P(T25, "PFS at 36 months", "percent", "SOC"), T25,
                "TRANSFORM standard-care arm, 36-month PFS (the trial of the primary PFS "
                "analysis; verified)."),
    ControlSpec("os", P(Z23, "OS at 48 months", "percent", "SOC"), Z23,
                "ZUMA-7 standard-care arm, 48-month OS (largest trial, longest follow-up; "
                "verified)."),
)


def control_risk(spec: ControlSpec, source: Sequence[Src], used: set[int]) -> dict[str, Any]:
    r = find(source, spec.pick)
    months = re.search(r"at (\d+) months", r["outcome"])
    if months is None:
        raise BuildError(f"source row {r.number}: no time point in {r['outcome']!r}")
    used.add(r.number)
    value = number(r["value"], "value", r) / 100
    return {
        "method": "reported", "quantity": "survival", "time_months": int(months.group(1)),
        "value": float(value), "study_id": spec.study, "source": r["source_citation"],
        "doi_or_pmid": identifiers([r]), "location": r["source_location"],
        "verification": r["confidence"], "source_rows": [r.number],
        "note": f"{spec.note} {r['value']}% in the source.",
    }
