"""Follow-up schedule dates (hand-counted on the calendar) and the RFC 5545 export."""

from __future__ import annotations

import datetime as dt

import pytest

from evisynth import InputError, follow_up_schedule
from evisynth.clinic.schedule import EVENT_KINDS, _fold

D = dt.date
STAMP = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def by_title(s, title):
    (e,) = [e for e in s.events if e.title == title]
    return e


def test_axi_cel_dates():
    # Infusion Monday 2 March 2026. February 2026 has 28 days.
    s = follow_up_schedule(D(2026, 3, 2), "axicabtagene ciloleucel")
    ld = by_title(s, "Lymphodepleting chemotherapy")
    assert (ld.start, ld.end) == (D(2026, 2, 25), D(2026, 2, 27))  # days -5..-3
    assert by_title(s, "CAR-T infusion (day 0)").start == D(2026, 3, 2)
    daily = by_title(s, "Daily monitoring at the treatment centre")
    assert (daily.start, daily.end) == (D(2026, 3, 2), D(2026, 3, 9))  # days 0..7
    for title in (
        "Monitoring for CRS and neurologic toxicity",
        "Stay near the treatment centre",
        "No driving or operating heavy machinery",
    ):
        e = by_title(s, title)
        assert (e.start, e.end) == (D(2026, 3, 2), D(2026, 3, 16)), title  # days 0..14
    igg = [e.start for e in s.events if e.kind == "laboratory"]
    assert igg == [D(2026, 4, 2), D(2026, 5, 2), D(2026, 6, 2)]
    assert not [e for e in s.events if e.kind == "response_assessment"]
    assert any("institutional choice" in n for n in s.notes)
    assert {e.kind for e in s.events} <= set(EVENT_KINDS)
    assert [e.start for e in s.events] == sorted(e.start for e in s.events)


def test_windows_for_liso_cel_and_tisa_cel():
    # Breyanzi: 3 days ending 2-7 days before infusion -> window day -9..-2.
    s = follow_up_schedule("2026-03-02", "Breyanzi")
    w = by_title(s, "Lymphodepletion window")
    assert (w.day_from, w.day_to) == (-9, -2)
    assert (w.start, w.end) == (D(2026, 2, 21), D(2026, 2, 28))
    # Kymriah DLBCL: 3 days ending 2-11 days before infusion -> day -13..-2.
    w = by_title(follow_up_schedule("2026-03-02", "tisa-cel"), "Lymphodepletion window")
    assert (w.day_from, w.day_to) == (-13, -2)


def test_monthly_igg_clamps_to_month_end():
    # 31 January 2026 + 1, 2, 3 months -> 28 Feb (2026 is not a leap year), 31 Mar, 30 Apr.
    s = follow_up_schedule("2026-01-31", "axi-cel")
    assert [e.start for e in s.events if e.kind == "laboratory"] == [
        D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30),
    ]


def test_zuma7_assessments_count_from_randomisation():
    # Randomised 1 Feb 2026. Day 50: 27 days to 28 Feb, 23 more -> 23 Mar.
    # Day 100: 27 (Feb) + 31 (Mar) + 30 (Apr) = 88, 12 more -> 12 May.
    s = follow_up_schedule("2026-03-02", "axi-cel", "ZUMA-7", randomisation_date="2026-02-01")
    got = [(e.title, e.start) for e in s.events if e.kind == "response_assessment"]
    assert got == [
        ("ZUMA-7 response assessment (day 50)", D(2026, 3, 23)),
        ("ZUMA-7 response assessment (day 100)", D(2026, 5, 12)),
    ]


def test_belinda_and_transform_weeks():
    # Weeks 6 and 12 after 1 Feb 2026: +42 d -> 15 Mar, +84 d -> 26 Apr.
    s = follow_up_schedule("2026-02-20", "tisa-cel", "BELINDA", randomisation_date=D(2026, 2, 1))
    assert [e.start for e in s.events if e.kind == "response_assessment"] == [
        D(2026, 3, 15), D(2026, 4, 26),
    ]
    # Weeks 9 and 18: +63 d -> 5 Apr, +126 d -> 7 Jun.
    s = follow_up_schedule("2026-03-02", "liso-cel", "TRANSFORM", randomisation_date="2026-02-01")
    assert [e.start for e in s.events if e.kind == "response_assessment"] == [
        D(2026, 4, 5), D(2026, 6, 7),
    ]
    assert any("secondary source" in n for n in s.notes)


def test_pre_2025_infusion_is_flagged():
    s = follow_up_schedule("2024-05-01", "axi-cel")
    assert any("longer restrictions" in n for n in s.notes)
    current = follow_up_schedule("2025-06-26", "axi-cel")
    assert not any("longer restrictions" in n for n in current.notes)


@pytest.mark.parametrize(
    ("args", "kwargs", "must_contain"),
    [
        (("2026-02-30", "axi-cel"), {}, ["infusion_date", "ISO date"]),
        ((20260301, "axi-cel"), {}, ["infusion_date"]),
        (("2026-03-01", "cilta-cel"), {}, ["product"]),
        (("2026-03-01", "axi-cel", "TRANSFORM"), {"randomisation_date": "2026-02-01"},
         ["trial", "lisocabtagene maraleucel"]),
        (("2026-03-01", "axi-cel", "ZUMA-7"), {}, ["randomisation_date", "required"]),
        (("2026-03-01", "axi-cel", "ZUMA-7"), {"randomisation_date": "2026-03-05"},
         ["randomisation_date", "after the infusion"]),
        (("2026-03-01", "axi-cel"), {"randomisation_date": "2026-02-01"},
         ["randomisation_date", "trial"]),
        (("2026-03-01", "axi-cel", "ZUMA-1"), {}, ["trial", "ZUMA-7, TRANSFORM, BELINDA"]),
    ],
)
def test_bad_input(args, kwargs, must_contain):
    with pytest.raises(InputError) as exc:
        follow_up_schedule(*args, **kwargs)
    for part in must_contain:
        assert part in str(exc.value), (part, str(exc.value))


# ---------------------------------------------------------------- iCalendar ----------


def unfold(text: str) -> list[str]:
    """Undo RFC 5545 line folding (CRLF followed by one space)."""
    return text.replace("\r\n ", "").split("\r\n")


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def test_ical_structure_and_round_trip():
    s = follow_up_schedule("2026-03-02", "liso-cel", "TRANSFORM", randomisation_date="2026-02-01")
    text = s.to_ical(dtstamp=STAMP)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # only CRLF line breaks
    for physical in text.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
    lines = unfold(text)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    # Split into events and compare every event with the schedule.
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    assert len(events) == len(s.events)
    for ics, ev in zip(events, s.events, strict=True):
        assert ics["DTSTAMP"] == "20260101T120000Z"
        assert ics["DTSTART;VALUE=DATE"] == ev.start.strftime("%Y%m%d")
        # DTEND is exclusive: the day after the last day.
        assert ics["DTEND;VALUE=DATE"] == (ev.end + dt.timedelta(days=1)).strftime("%Y%m%d")
        assert unescape(ics["SUMMARY"]) == ev.title
        desc = unescape(ics["DESCRIPTION"])
        assert desc.startswith(ev.description)
        assert ev.source in desc
        assert ics["UID"].endswith("@evisynth")
    assert len({e["UID"] for e in events}) == len(events)
    # Commas in text are escaped (RFC 5545 §3.3.11).
    assert any("\\," in e["DESCRIPTION"] for e in events)


def test_ical_is_deterministic_given_dtstamp():
    s = follow_up_schedule("2026-03-02", "axi-cel")
    assert s.to_ical(dtstamp=STAMP) == s.to_ical(dtstamp=STAMP)
    assert "DTSTAMP:" in s.to_ical()  # default stamp: now


def test_fold_keeps_multibyte_characters_whole():
    line = "DESCRIPTION:" + "m²/µL, " * 40
    folded = _fold(line)
    for part in folded.split("\r\n"):
        assert len(part.encode("utf-8")) <= 75
    assert folded.replace("\r\n ", "") == line


def test_to_dict_dates_are_iso():
    d = follow_up_schedule("2026-03-02", "axi-cel").to_dict()
    assert d["infusion_date"] == "2026-03-02"
    assert d["events"][0]["start"] == "2026-02-25"
