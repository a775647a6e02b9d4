"""Bayesian primaries are labelled as such: 95% CrI and predictive interval, never CI.

The kind of each outcome's interval comes from the model its primary analysis
ran (``headline.model`` in results.json); the expected labels are derived from
that, for the bundled review (Bayesian ratios beside GLMM rates: a mixed table),
the frequentist BCG example and the BCG example with a Bayesian primary.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from evisynth.report import build_report
from evisynth.review import bundled_path, load_review
from evisynth.review.analyse import ReviewResults, analyse_review

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sof_header(md: str) -> list[str]:
    sec = md[md.index("## Summary of findings"):]
    line = next(x for x in sec.splitlines() if x.startswith("| Outcome |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def _sof_notes(md: str) -> list[str]:
    sec = md[md.index("## Summary of findings"):md.index("## Abbreviations")]
    return [m.group(1) for m in re.finditer(r"^\d+\. (.*)$", sec, re.M)]


def _kind(entry: dict[str, Any]) -> str:
    return "credible" if (entry.get("headline") or {}).get("model") == "bayes" else "confidence"


def _expected_words(kinds: set[str]) -> str:
    return {frozenset({"confidence"}): "CI", frozenset({"credible"}): "CrI"}.get(
        frozenset(kinds), "CI or CrI")


def _check_sof(md: str, data: dict[str, Any]) -> None:
    """The SoF headers and interval note follow the primary models in results.json."""
    label_to_key = {v["label"]: k for k, v in data["outcomes"].items()}  # set by _run
    rows = data["summary_of_findings"]["rows"]
    outcomes = data["outcomes"]
    by_label = {r["outcome"]: r for r in rows}
    kinds = {r["outcome"]: _kind(outcomes[label_to_key[r["outcome"]]]) for r in rows}
    rel = set(kinds.values())
    diff = {kinds[o] for o, r in by_label.items() if r["absolute"] is not None}
    notes = data["summary_of_findings"]["footnotes"]
    mark = str(len(notes) + 1).translate(_SUP)
    head = _sof_header(md)
    want_rel = f"Relative effect (95% {_expected_words(rel)})" + (mark if len(rel) > 1 else "")
    assert head[1] == want_rel
    if diff:
        want = (f"Difference in events per 1,000 (95% {_expected_words(diff)})"
                + (mark if len(diff) > 1 else ""))
        assert head[4] == want
    shown = _sof_notes(md)
    assert shown[:len(notes)] == [n.replace(">", "&gt;").replace("<", "&lt;") for n in notes]
    if len(rel) > 1 or len(diff) > 1:
        assert len(shown) == len(notes) + 1
        note = shown[-1]
        cri = [o for o, k in kinds.items() if k == "credible"]
        ci = [o for o, k in kinds.items() if k == "confidence"]
        assert note.startswith("95% CI or CrI:")
        assert f"Bayesian model for {', '.join(cri)};" in note
        assert note.endswith(f"confidence interval (CI) for {', '.join(ci)}.")
    else:
        assert len(shown) == len(notes)


def _labels(res: ReviewResults) -> dict[str, str]:
    return {oa.outcome.label: oa.outcome.key for oa in res.outcomes}


def _check_inconsistency(data: dict[str, Any]) -> set[str]:
    """Every inconsistency reason names the interval of its model; returns the kinds seen."""
    seen = set()
    for key, entry in data["outcomes"].items():
        c = entry.get("certainty")
        if c is None:
            continue
        reason = c["domains"]["inconsistency"]["reason"]
        right, wrong = (("predictive interval", "prediction interval")
                        if _kind(entry) == "credible" else
                        ("prediction interval", "predictive interval"))
        assert wrong not in reason, (key, reason)
        if right in reason:
            seen.add(_kind(entry))
    return seen


def _run(res: ReviewResults) -> tuple[str, dict[str, Any], str]:
    rep = build_report(res, version="test")
    data = json.loads(rep.results_json)
    labels = _labels(res)
    for label, key in labels.items():
        data["outcomes"][key]["label"] = label
    return rep.markdown, data, rep.sof_markdown


@pytest.fixture(scope="module")
def bundled() -> tuple[ReviewResults, str, dict[str, Any], str]:
    res = analyse_review(load_review(bundled_path("cart_dlbcl")))
    return (res, *_run(res))


def test_bundled_sof_mixes_cri_and_ci_and_says_which(bundled) -> None:
    _, md, data, sof_md = bundled
    kinds = {_kind(e) for e in data["outcomes"].values() if e.get("headline")}
    assert kinds == {"credible", "confidence"}  # the bundled review mixes the two
    _check_sof(md, data)
    # the table the CLI prints has the same headers and note
    assert sof_md.splitlines()[0].split(" | ")[1] == _sof_header(md)[1]
    assert sof_md.rstrip("\n").splitlines()[-1].endswith(_sof_notes(md)[-1]
                                                          .replace("&gt;", ">"))


def test_bundled_inconsistency_reasons_name_the_models_interval(bundled) -> None:
    _, _, data, _ = bundled
    assert _check_inconsistency(data) == {"credible", "confidence"}


def test_bundled_outcome_sections_name_the_predictive_interval(bundled) -> None:
    res, md, data, _ = bundled
    for oa in res.outcomes:
        p = oa.primary
        if p is None or not p.pooled:
            continue
        start = md.index(f"### {oa.outcome.label}\n")
        nxt = md.find("\n### ", start + 1)
        sec = md[start:nxt if nxt > 0 else None]
        first = sec[:sec.index("*Inputs and their provenance*")]  # the primary stratum
        bayes = _kind(data["outcomes"][oa.outcome.key]) == "credible"
        said = re.search(r"the next setting or product.*?\(?95% (predictive|prediction) "
                         r"interval", first, re.S | re.I)
        assert said is not None, oa.outcome.key
        assert said.group(1) == ("predictive" if bayes else "prediction"), oa.outcome.key
        # the method table of the primary stratum: its Bayesian rows are credible intervals
        tab = sec[sec.index("*Same studies, other methods*"):]
        head = next(x for x in tab.splitlines() if x.startswith("| Method |"))
        assert ("Estimate (95% CI or CrI)" in head) is bayes, oa.outcome.key
        assert ("Estimate (95% CI)" in head) is not bayes, oa.outcome.key


def test_bundled_sensitivity_rows_from_the_bayesian_model_say_so(bundled) -> None:
    res, md, _, _ = bundled
    oa = next(o for o in res.outcomes if o.primary is not None and o.primary.headline
              is not None and o.primary.headline.model == "bayes")
    start = md.index(f"### {oa.outcome.label}\n")
    sec = md[start:md.find("\n### ", start + 1)]
    tab = sec[sec.index("*Sensitivity analyses*"):].split("\n\n")[1].splitlines()
    p = oa.primary
    assert p is not None
    bayes_rows = {sn.label for sn in p.sensitivity
                  if sn.headline is not None and sn.headline.model == "bayes"}
    other = {sn.label for sn in p.sensitivity if sn.reported is not None
             and sn.leave_one_out is None and sn.label not in bayes_rows
             and not (sn.fit is not None and sn.studies == p.studies)
             and sn.key not in ("dl", "fe")}
    assert bayes_rows
    want = f"Estimate (95% {_expected_words({'credible'} | ({'confidence'} if other else set()))})"
    assert want in tab[0]
    for line in tab[2:]:
        label = line.strip("|").split(" | ")[0].strip()
        if label in bayes_rows:
            assert line.rstrip(" |").endswith("95% credible interval"), line


def _bcg(tmp_path: Path, bayes: bool) -> ReviewResults:
    folder = tmp_path / ("bcg-bayes" if bayes else "bcg")
    shutil.copytree(bundled_path("bcg_vaccine"), folder)
    if bayes:  # a small synthetic variant: every stratum has few enough studies for bayes
        k = sum(1 for line in (folder / "studies.csv").read_text().splitlines()[1:] if line)
        toml = folder / "review.toml"
        toml.write_text(toml.read_text(encoding="utf-8")
                        + f'\n[analysis.few_studies]\nmax_k = {k}\nmodel = "bayes"\n'
                          'prior_sensitivity = []\n', encoding="utf-8")
    return analyse_review(load_review(folder))


def test_all_bayesian_table_is_headed_cri_without_a_note(tmp_path: Path) -> None:
    res = _bcg(tmp_path, bayes=True)
    md, data, _ = _run(res)
    assert {_kind(e) for e in data["outcomes"].values()} == {"credible"}
    _check_sof(md, data)
    assert "CI or CrI" not in md.split("## Abbreviations")[0]
    assert _check_inconsistency(data) == {"credible"}
    assert "95% predictive interval runs from" in md
    assert "95% prediction interval runs from" not in md


def test_frequentist_review_keeps_ci_and_prediction_interval(tmp_path: Path) -> None:
    res = _bcg(tmp_path, bayes=False)
    md, data, sof_md = _run(res)
    assert {_kind(e) for e in data["outcomes"].values()} == {"confidence"}
    _check_sof(md, data)
    assert "CrI" not in md.split("## Abbreviations")[0] and "CrI" not in sof_md
    assert "predictive interval" not in md
    assert _check_inconsistency(data) == {"confidence"}
    assert "Estimate (95% CI)" in md
