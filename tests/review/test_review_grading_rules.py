"""GRADE and the intervals section agree; warnings of a fit reach the report (issue 9 W6)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from evisynth.report import build_report
from evisynth.review import bundled_path, load_bundled, load_review
from evisynth.review.analyse import analyse_review


def _identical_trials(tmp_path: Path) -> Path:
    folder = tmp_path / "same"
    shutil.copytree(bundled_path("bcg_vaccine"), folder)
    p = folder / "outcomes.csv"
    rows = list(csv.DictReader(p.open(encoding="utf-8")))
    for r in rows:  # every trial the same 2x2 table: identical estimates and variances
        r.update(events_int="10", n_int="100", events_comp="20", n_comp="100")
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return folder


def test_zero_width_interval_warning_reaches_the_report_and_grade(tmp_path: Path) -> None:
    res = analyse_review(load_review(_identical_trials(tmp_path)))
    p = res.outcomes[0].primary
    assert p is not None and p.fit.ci_lb == p.fit.ci_ub
    assert any("Knapp-Hartung scale factor is 0" in n for n in p.notes)
    assert p.certainty is not None
    assert p.certainty.imprecision.rating <= -1
    assert "zero width" in p.certainty.imprecision.reason
    assert p.certainty.certainty != "high"
    md = build_report(res, version="test").markdown
    assert "Knapp-Hartung scale factor is 0" in md


def test_disagreeing_intervals_rate_imprecision_down_and_say_so() -> None:
    res = analyse_review(load_bundled())
    for oa in res.outcomes:
        p = oa.primary
        if p is None or p.intervals is None or p.certainty is None:
            continue
        if p.intervals.disagree:
            assert p.certainty.imprecision.rating <= -1, oa.outcome.key
            assert "different conclusions" in p.certainty.imprecision.reason
        sides = {r.sides for r in p.intervals.readings}
        assert p.intervals.disagree == (len(sides) > 1)
    md = build_report(res, version="test").markdown
    assert "different conclusions" in md


def test_interval_readings_follow_the_thresholds() -> None:
    res = analyse_review(load_bundled())
    for oa in res.outcomes:
        p = oa.primary
        if p is None or p.intervals is None:
            continue
        for r in p.intervals.readings:
            for t, side in zip(p.intervals.thresholds, r.sides, strict=True):
                want = "below" if r.ci_ub < t else "above" if r.ci_lb > t else "crosses"
                assert side == want
