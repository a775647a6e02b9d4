"""Dated follow-up plan after CAR-T infusion, exportable as iCalendar (RFC 5545).

Sources (``data/clinic/clinical-protocol.md`` sections 3, 5 and 7): the US labels
for lymphodepletion timing [V]; the FDA Safety Communication of 26 June 2025 and the
updated labels for monitoring, proximity and driving [V]; NCCN CART-9 for twice-daily
ICE/CRS assessment [S]; Hill et al. 2019 for monthly IgG [S]; the trial publications
for the first response assessments [S]. Not encoded: any imaging schedule outside the
trials (the labels set none; day 30/month 3/month 6 is only common practice), later
trial assessments [U], and the pre-June-2025 Breyanzi monitoring rules [U].
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from evisynth._validation import check_choice, describe
from evisynth.clinic._result import plain
from evisynth.clinic._sources import (
    BELINDA,
    BREYANZI_PI,
    FDA_2025,
    HILL_2019,
    KYMRIAH_PI,
    KYMRIAH_PI_IG,
    LUGANO_2014,
    NCCN_2026,
    TRANSFORM,
    YESCARTA_PI,
    ZUMA7,
)
from evisynth.clinic.dosing import normalize_product
from evisynth.clinic.eligibility import TRIALS
from evisynth.errors import InputError

__all__ = ["EVENT_KINDS", "FollowUpSchedule", "ScheduleEvent", "follow_up_schedule"]

EVENT_KINDS: tuple[str, ...] = (
    "lymphodepletion",
    "infusion",
    "monitoring",
    "restriction",
    "laboratory",
    "response_assessment",
)
#: Date from which the labels without REMS (2 weeks near the centre, no driving for
#: 2 weeks) apply.
REMS_REMOVED = dt.date(2025, 6, 26)

_TRIAL_PRODUCT = {
    "ZUMA-7": "axicabtagene ciloleucel",
    "TRANSFORM": "lisocabtagene maraleucel",
    "BELINDA": "tisagenlecleucel",
}
# First response assessments, in days after randomisation.
_TRIAL_ASSESSMENTS: dict[str, tuple[tuple[int, str], ...]] = {
    "ZUMA-7": ((50, "day 50"), (100, "day 100")),
    "TRANSFORM": ((9 * 7, "week 9"), (18 * 7, "week 18")),
    "BELINDA": ((6 * 7, "week 6"), (12 * 7, "week 12")),
}
_TRIAL_SOURCE = {"ZUMA-7": ZUMA7, "TRANSFORM": TRANSFORM, "BELINDA": BELINDA}
# Lymphodepletion: (first day of the earliest allowed course, last day of the latest).
_LD_WINDOW = {
    "axicabtagene ciloleucel": (-5, -3),
    "lisocabtagene maraleucel": (-9, -2),
    "tisagenlecleucel": (-13, -2),
}
_LD_TEXT = {
    "axicabtagene ciloleucel": (
        "cyclophosphamide 500 mg/m²/day + fludarabine 30 mg/m²/day on days -5, -4 and -3",
        YESCARTA_PI,
    ),
    "lisocabtagene maraleucel": (
        "fludarabine 30 mg/m²/day + cyclophosphamide 300 mg/m²/day for 3 days, ending 2 to 7 "
        "days before infusion",
        BREYANZI_PI,
    ),
    "tisagenlecleucel": (
        "fludarabine 25 mg/m²/day + cyclophosphamide 250 mg/m²/day for 3 days, ending 2 to 11 "
        "days before infusion (DLBCL)",
        KYMRIAH_PI,
    ),
}


@dataclass(frozen=True)
class ScheduleEvent:
    """One dated item of the follow-up plan (all-day, dates inclusive).

    Attributes
    ----------
    kind
        One of ``lymphodepletion, infusion, monitoring, restriction, laboratory,
        response_assessment``.
    title
        Short title.
    start, end
        First and last calendar date (inclusive).
    day_from, day_to
        The same, as days relative to infusion (day 0).
    description
        What to do and why.
    confidence
        ``V`` (primary source) or ``S`` (secondary summary).
    source
        Citation.
    """

    kind: str
    title: str
    start: dt.date
    end: dt.date
    day_from: int
    day_to: int
    description: str
    confidence: str
    source: str


@dataclass(frozen=True)
class FollowUpSchedule:
    """Dated follow-up plan for one CAR-T infusion.

    Attributes
    ----------
    infusion_date
        Day 0.
    product
        Generic product name.
    trial
        Trial whose response assessments are included, or ``None``.
    events
        Dated events in chronological order.
    notes
        Undated rules (long-term follow-up, response criteria, caveats).
    """

    infusion_date: dt.date
    product: str
    trial: str | None
    events: tuple[ScheduleEvent, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dictionary (dates as ISO strings), for JSON output."""
        out: dict[str, Any] = plain(self)
        return out

    def to_ical(self, dtstamp: dt.datetime | None = None) -> str:
        """The plan as an iCalendar (RFC 5545) ``VCALENDAR`` with one all-day event each.

        Parameters
        ----------
        dtstamp
            Creation time written to every ``DTSTAMP`` (default: now, UTC). Pass a fixed
            value to get byte-identical output.

        Returns
        -------
        str
            Text with CRLF line endings and lines folded at 75 octets.
        """
        stamp = dt.datetime.now(dt.UTC) if dtstamp is None else dtstamp
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC)
        stamp_txt = stamp.strftime("%Y%m%dT%H%M%SZ")
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//evisynth//CAR-T follow-up schedule//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ]
        for ev in self.events:
            description = (
                f"{ev.description}\nDays {ev.day_from} to {ev.day_to} relative to infusion (day 0)."
                f"\nSource ({ev.confidence}): {ev.source}"
            )
            lines += [
                "BEGIN:VEVENT",
                f"UID:{self._uid(ev)}",
                f"DTSTAMP:{stamp_txt}",
                f"DTSTART;VALUE=DATE:{ev.start.strftime('%Y%m%d')}",
                # DTEND of an all-day event is exclusive (RFC 5545 §3.6.1).
                f"DTEND;VALUE=DATE:{(ev.end + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                f"SUMMARY:{_ical_text(ev.title)}",
                f"DESCRIPTION:{_ical_text(description)}",
                f"CATEGORIES:{_ical_text(ev.kind)}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
        return "".join(_fold(line) + "\r\n" for line in lines)

    def _uid(self, ev: ScheduleEvent) -> str:
        # Deterministic so that re-importing an updated plan replaces, not duplicates.
        key = f"{self.infusion_date}|{self.product}|{ev.kind}|{ev.title}|{ev.start}"
        return hashlib.sha256(key.encode()).hexdigest()[:32] + "@evisynth"


def _ical_text(s: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        s.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size = " ", 1  # continuation lines start with one space
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


#: Dates accepted by the planner (the plan runs up to 15 years past day 0).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))


def _as_date(name: str, value: Any) -> dt.date:
    day = _parse_date(name, value)
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        raise InputError(
            f"argument {name!r}: {day.isoformat()} is outside the supported range "
            f"{DATE_RANGE[0].isoformat()} to {DATE_RANGE[1].isoformat()}",
            where=name,
        )
    return day


def _parse_date(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(
        f"argument {name!r}: {describe(value)} is not a date; give a datetime.date or an ISO "
        "date string such as '2026-03-01'",
        where=name,
    )


def follow_up_schedule(
    infusion_date: dt.date | str,
    product: str,
    trial: str | None = None,
    *,
    randomisation_date: dt.date | str | None = None,
) -> FollowUpSchedule:
    """Dated monitoring, restrictions, laboratory checks and response assessments.

    Built from the labels as changed on 26 June 2025 (REMS removed): monitoring for at
    least 2 weeks including daily monitoring for at least 1 week, staying near the
    treatment centre for 2 weeks and not driving for 2 weeks. Restriction periods are
    counted conservatively as day 0 to day 14 inclusive.

    Parameters
    ----------
    infusion_date
        Day 0, as a ``datetime.date`` or ISO string.
    product
        ``axicabtagene ciloleucel``, ``lisocabtagene maraleucel`` or ``tisagenlecleucel``
        (brand and short names accepted).
    trial
        ``ZUMA-7``, ``TRANSFORM`` or ``BELINDA`` to add that trial's first two response
        assessments; must be the trial of ``product``. Without a trial no imaging is
        scheduled, because the labels set no imaging schedule.
    randomisation_date
        Required with ``trial``: trial assessments count from randomisation. It may not
        be after the infusion.

    Returns
    -------
    FollowUpSchedule
        ``.events`` (dated, chronological), ``.notes``; ``.to_ical()`` for calendars.

    Raises
    ------
    InputError
        For an invalid date, unknown product or trial, a trial of another product, or a
        missing or late randomisation date.

    Examples
    --------
    >>> s = follow_up_schedule("2026-03-02", "axi-cel")
    >>> [(e.kind, e.start.isoformat()) for e in s.events][:2]
    [('lymphodepletion', '2026-02-25'), ('infusion', '2026-03-02')]

    Sources: US labels (Yescarta, Breyanzi, Kymriah) and FDA Safety Communication
    26 June 2025 [V]; NCCN CART-9 [S]; Hill et al., Blood Rev 2019 [S]; trial
    publications via PMC9542944 [S] (clinical-protocol.md sections 3, 5, 7).
    """
    day0 = _as_date("infusion_date", infusion_date)
    prod = normalize_product(product)
    trial_name = None if trial is None else check_choice("trial", trial, TRIALS)
    rand: dt.date | None = None
    if trial_name is not None:
        if _TRIAL_PRODUCT[trial_name] != prod:
            raise InputError(
                f"argument 'trial': {trial_name} studied {_TRIAL_PRODUCT[trial_name]}, not "
                f"{prod}; use trial=None or the product's own trial",
                where="trial",
            )
        if randomisation_date is None:
            raise InputError(
                f"argument 'randomisation_date': required with trial={trial_name!r}, because "
                "its response assessments count from randomisation",
                where="randomisation_date",
            )
        rand = _as_date("randomisation_date", randomisation_date)
        if rand > day0:
            raise InputError(
                f"argument 'randomisation_date': {rand} is after the infusion {day0}; "
                "randomisation comes first",
                where="randomisation_date",
            )
    elif randomisation_date is not None:
        raise InputError(
            "argument 'randomisation_date': only used with a trial; give trial= or omit it",
            where="randomisation_date",
        )

    def event(kind: str, title: str, d_from: int, d_to: int, text: str, conf: str,
              src: str) -> ScheduleEvent:
        return ScheduleEvent(
            kind=kind,
            title=title,
            start=day0 + dt.timedelta(days=d_from),
            end=day0 + dt.timedelta(days=d_to),
            day_from=d_from,
            day_to=d_to,
            description=text,
            confidence=conf,
            source=src,
        )

    ld_from, ld_to = _LD_WINDOW[prod]
    ld_text, ld_src = _LD_TEXT[prod]
    fixed = prod == "axicabtagene ciloleucel"
    events = [
        event(
            "lymphodepletion",
            "Lymphodepleting chemotherapy" if fixed else "Lymphodepletion window",
            ld_from, ld_to, f"Lymphodepletion per label: {ld_text}.", "V", ld_src,
        ),
        event("infusion", "CAR-T infusion (day 0)", 0, 0,
              "CAR-T cell infusion.", "V", ld_src),
        event(
            "monitoring", "Daily monitoring at the treatment centre", 0, 7,
            "Monitor daily for at least 1 week for CRS and neurologic toxicity. Grade CRS "
            "and assess ICE/ICANS at least twice daily and whenever the condition changes "
            "(NCCN CART-9, secondary source).",
            "V", f"{FDA_2025}; {NCCN_2026}",
        ),
        event(
            "monitoring", "Monitoring for CRS and neurologic toxicity", 0, 14,
            "Monitor for at least 2 weeks after infusion.", "V", FDA_2025,
        ),
        event(
            "restriction", "Stay near the treatment centre", 0, 14,
            "Stay within proximity of the treatment centre for at least 2 weeks.",
            "V", FDA_2025,
        ),
        event(
            "restriction", "No driving or operating heavy machinery", 0, 14,
            "Do not drive or operate heavy or dangerous machinery for at least 2 weeks.",
            "V", FDA_2025,
        ),
    ]
    for m in (1, 2, 3):
        d = _add_months(day0, m)
        events.append(
            event(
                "laboratory", f"IgG level (month {m})", (d - day0).days, (d - day0).days,
                "Serum IgG monthly for at least 3 months; consider replacement if IgG <= 400 "
                "mg/dL with serious or recurrent infections. Check blood counts for "
                "prolonged cytopenias.",
                "S", f"{HILL_2019}; {KYMRIAH_PI_IG}",
            )
        )
    if trial_name is not None and rand is not None:
        for offset, label in _TRIAL_ASSESSMENTS[trial_name]:
            d = rand + dt.timedelta(days=offset)
            events.append(
                event(
                    "response_assessment", f"{trial_name} response assessment ({label})",
                    (d - day0).days, (d - day0).days,
                    f"PET-CT response assessment per Lugano 2014 at {label} after "
                    f"randomisation ({rand}), as in {trial_name}.",
                    "S", f"{_TRIAL_SOURCE[trial_name]}; {LUGANO_2014}",
                )
            )
    events.sort(key=lambda e: (e.start, e.end))

    notes = [
        "Response: PET-CT per Lugano 2014 (complete metabolic response = Deauville 1-3); "
        "outside a trial the imaging schedule is an institutional choice, not a label rule.",
        "Long term: lifelong monitoring for secondary malignancies (boxed warning); "
        "manufacturers' 15-year long-term follow-up.",
        "IgG should also be measured before CAR-T (baseline).",
    ]
    if day0 < REMS_REMOVED:
        notes.append(
            f"Infusion before {REMS_REMOVED}: the labels then required longer restrictions "
            "(e.g. Yescarta: 4 weeks near the centre, no driving for 8 weeks); this plan "
            "uses the current labels."
        )
    if trial_name in ("TRANSFORM", "BELINDA"):
        notes.append(
            f"{trial_name} assessment timing is from a secondary source and is counted "
            "from randomisation; check the protocol."
        )
    return FollowUpSchedule(
        infusion_date=day0,
        product=prod,
        trial=trial_name,
        events=tuple(events),
        notes=tuple(notes),
    )
