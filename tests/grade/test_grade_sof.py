"""Summary-of-Findings table: cells, absolute effects, footnotes, serialisations."""

from __future__ import annotations

import json

import pytest

import evisynth as ev
from evisynth.errors import InputError
from evisynth.grade import SoFRow, rate_certainty, summary_of_findings
from evisynth.grade.sof import COLUMNS


def _fit() -> ev.RMAResult:
    es = ev.escalc("HR", hr=[0.40, 0.66, 1.10], ci_lb=[0.31, 0.47, 0.77],
                   ci_ub=[0.51, 0.93, 1.57])
    return ev.rma(es, test="knha", labels=["ZUMA-7", "TRANSFORM", "BELINDA"])


def test_hr_row_absolute_effect_at_the_time_point() -> None:
    # S_C = 0.5, HR 0.5 (0.4 to 0.625): intervention 1000(1 - 0.5**0.5) = 292.9 → 293;
    # bounds 1000(1 - 0.5**0.4) - 500 = 242.1 - 500 = -257.9 → -258,
    # 1000(1 - 0.5**0.625) - 500 = 351.6 - 500 = -148.4 → -148
    t = summary_of_findings([SoFRow("Death", "HR", 0.5, 0.4, 0.625, 700, 3, baseline=0.5,
                                    time_point="24 months", design="RCT",
                                    baseline_source="Control arm of trial A")])
    cells = t.rows[0]["cells"]
    assert cells["Outcome"] == "Death (24 months)"
    assert cells["Relative effect (95% CI)"] == "HR 0.50 (0.40 to 0.63)"
    assert cells["Risk with comparator"] == "500 per 1,000¹"
    assert cells["Risk with intervention"] == "293 per 1,000"
    assert cells["Difference (95% CI)"] == "207 fewer per 1,000 (from 258 fewer to 148 fewer)"
    assert cells["Participants (studies)"] == "700 (3 RCTs)"
    assert cells["Certainty"] == "not rated"
    assert t.footnotes == ("Control arm of trial A",)
    assert t.rows[0]["absolute_basis"] == "comparator survival 0.5 at 24 months"


def test_footnotes_numbered_from_downgrade_reasons_and_shared() -> None:
    fit = _fit()
    c1 = rate_certainty(fit, design="RCT", rob=["low", "some concerns", "high"],
                        indirectness="serious", indirectness_reason="Different population")
    c2 = rate_certainty(fit, design="RCT", rob=["low", "low", "low"],
                        indirectness="serious", indirectness_reason="Different population")
    rows = [SoFRow.from_fit("EFS", fit, participants=865, certainty=c1, design="RCT"),
            SoFRow.from_fit("PFS", fit, participants=865, certainty=c2, design="RCT")]
    t = summary_of_findings(rows)
    # c1 downgrades: risk of bias, inconsistency, indirectness, imprecision (in GRADE order)
    reasons1 = [d.reason for d in c1.downgrades]
    assert list(t.footnotes[: len(reasons1)]) == reasons1
    # the shared indirectness reason keeps its number in the second row
    n_ind = t.footnotes.index(c2.indirectness.reason) + 1
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    assert str(n_ind).translate(sup) in t.rows[1]["cells"]["Certainty"]
    assert len(t.footnotes) == len(set(t.footnotes))
    assert t.rows[0]["cells"]["Certainty"].startswith(c1.symbol + " " + c1.certainty.capitalize())
    # the relative effect comes from the fit on the ratio scale
    e = fit.exp()
    assert t.rows[0]["estimate"] == pytest.approx(e["estimate"], rel=1e-12)
    assert t.rows[0]["cells"]["Participants (studies)"] == "865 (3 RCTs)"


def test_row_without_baseline_and_single_study() -> None:
    t = summary_of_findings([{"outcome": "CR", "measure": "RR", "estimate": 2.0, "ci_lb": 1.5,
                              "ci_ub": 2.7, "participants": 1, "studies": 1, "design": "RCT"}])
    cells = t.rows[0]["cells"]
    assert cells["Difference (95% CI)"] == "—" and cells["Risk with comparator"] == "—"
    assert cells["Participants (studies)"] == "1 (1 RCT)"
    assert t.rows[0]["absolute"] is None


def test_serialisations() -> None:
    fit = _fit()
    c = rate_certainty(fit, design="RCT", rob=["low"] * 3, outcome="OS")
    t = summary_of_findings(
        [SoFRow.from_fit("OS | overall", fit, participants=865, certainty=c, baseline=0.55,
                         time_point="36 months", design="RCT", comment="Crossover allowed")],
        intervention="CAR-T", comparator="salvage chemotherapy",
    )
    md = t.to_markdown()
    assert md.splitlines()[0] == "| " + " | ".join(COLUMNS) + " |"
    assert "OS \\| overall" in md  # a pipe inside a cell is escaped
    assert md.count("\n") == 2 + 1 + 1 + len(t.footnotes)  # header, rule, row, blank, notes
    frame = t.to_frame()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 1
    d = json.loads(json.dumps(t.to_dict()))
    assert d["intervention"] == "CAR-T" and d["rows"][0]["certainty"]["outcome"] == "OS"
    assert d["rows"][0]["absolute"]["control_per_1000"] == 450  # 1000·(1 - 0.55)
    assert "Crossover allowed" in d["footnotes"]


def test_bad_rows() -> None:
    with pytest.raises(InputError, match=r"'rows'.*non-empty"):
        summary_of_findings([])
    with pytest.raises(InputError, match=r"row 1.*unknown keys.*'hr'"):
        summary_of_findings([{"outcome": "OS", "hr": 0.5}])
    with pytest.raises(InputError, match=r"row 1 \(OS\).*within"):
        summary_of_findings([SoFRow("OS", "HR", 0.3, 0.4, 0.6, 100, 2)])
    with pytest.raises(InputError, match="absolute effect needs"):
        summary_of_findings([SoFRow("CRS", "PLO", 0.1, 0.05, 0.2, 100, 2, baseline=0.3)])
    with pytest.raises(InputError, match="participants"):
        summary_of_findings([SoFRow("OS", "HR", 0.5, 0.4, 0.6, 0, 2)])
    with pytest.raises(InputError, match="'fit'"):
        SoFRow.from_fit("OS", {"estimate": 0.5})  # type: ignore[arg-type]


# ------------------------------------------------- credible intervals (Bayesian rows)

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _two_rows(first: str, second: str, *, second_baseline: float | None = 0.3) -> list[SoFRow]:
    return [SoFRow("Death", "HR", 0.5, 0.4, 0.625, 700, 3, baseline=0.5,
                   baseline_source="Control arm of trial A", interval=first),
            SoFRow("Response", "RR", 1.5, 1.1, 2.0, 700, 3, baseline=second_baseline,
                   interval=second)]


def test_confidence_rows_keep_the_ci_headers() -> None:
    t = summary_of_findings(_two_rows("confidence", "confidence"))
    assert t.columns == COLUMNS
    assert t.interval_note is None and t.display_footnotes == t.footnotes
    assert t.to_markdown().splitlines()[0] == "| " + " | ".join(COLUMNS) + " |"


def test_credible_rows_are_headed_cri() -> None:
    t = summary_of_findings(_two_rows("credible", "Credible"))  # case-insensitive
    assert t.intervals == ("credible", "credible")
    rel, diff = t.columns[1], t.columns[4]
    assert rel == "Relative effect (95% CrI)" and diff == "Difference (95% CrI)"
    assert t.interval_note is None
    assert list(t.to_frame().columns) == list(t.columns)
    # the cells stay keyed by COLUMNS (the layout of to_dict and results.json)
    assert all(set(r["cells"]) == set(COLUMNS) for r in t.to_dict()["rows"])
    assert "CI" not in t.to_markdown().splitlines()[0].replace("CrI", "")


def test_mixed_rows_are_headed_ci_or_cri_with_a_footnote_saying_which() -> None:
    t = summary_of_findings(_two_rows("credible", "confidence"))
    n = len(t.footnotes) + 1  # the interval note comes after the table's own footnotes
    assert t.columns[1] == "Relative effect (95% CI or CrI)" + str(n).translate(_SUP)
    assert t.columns[4] == "Difference (95% CI or CrI)" + str(n).translate(_SUP)
    note = t.interval_note
    assert note is not None and t.display_footnotes == (*t.footnotes, note)
    assert "credible interval (CrI) of a Bayesian model for Death;" in note
    assert note.endswith("confidence interval (CI) for Response.")
    md = t.to_markdown().splitlines()
    assert md[0] == "| " + " | ".join(t.columns) + " |"
    assert md[-1] == f"{n}. {note}"
    assert t.to_dict()["footnotes"] == list(t.footnotes)  # the note is a display matter


def test_difference_column_counts_only_rows_with_an_absolute_effect() -> None:
    # the confidence row has no baseline, so its difference cell is empty: the
    # difference column shows credible intervals only; the relative column mixes
    t = summary_of_findings(_two_rows("credible", "confidence", second_baseline=None))
    assert t.rows[1]["cells"]["Difference (95% CI)"] == "—"
    assert t.columns[4] == "Difference (95% CrI)"
    assert t.columns[1].startswith("Relative effect (95% CI or CrI)")


def test_with_intervals_relabels_a_finished_table() -> None:
    t = summary_of_findings(_two_rows("confidence", "confidence"))
    u = t.with_intervals(["credible", "confidence"])
    assert u.rows == t.rows and u.footnotes == t.footnotes
    assert u.columns == summary_of_findings(_two_rows("credible", "confidence")).columns
    with pytest.raises(InputError, match="one kind of interval per row"):
        t.with_intervals(["credible"])
    with pytest.raises(InputError, match="one kind of interval per row"):
        t.with_intervals("credible")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"intervals\[1\]"):
        t.with_intervals(["credible", "fiducial"])


def test_unknown_interval_kind_of_a_row() -> None:
    with pytest.raises(InputError, match=r"rows\[0\]\.interval"):
        summary_of_findings([SoFRow("OS", "HR", 0.5, 0.4, 0.6, 100, 2, interval="bayes")])
