"""`evisynth run` on the bundled CAR-T review: files, determinism, numbers, provenance."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

import evisynth as ev
from evisynth.cli import main
from evisynth.review import bundled_path, load_bundled
from evisynth.transforms import back_transform

RMA_KEYS = {"estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q", "Q_pval",
            "pi_lb", "pi_ub", "k"}
STUDY_KEYS = {"study_id", "label", "yi", "vi", "weight", "source", "verification"}


def test_writes_the_three_files(bundled_run: Path) -> None:
    names = sorted(p.name for p in bundled_run.iterdir())
    assert names == ["report.html", "report.md", "results.json"]


def test_second_run_is_byte_identical(bundled_run: Path, tmp_path: Path) -> None:
    assert main(["run", "-o", str(tmp_path), "--quiet"]) == 0
    for name in ("report.html", "report.md", "results.json"):
        assert (tmp_path / name).read_bytes() == (bundled_run / name).read_bytes(), name


def test_results_json_per_outcome_keys(bundled_run: Path) -> None:
    res = json.loads((bundled_run / "results.json").read_text())
    review = load_bundled()
    assert set(res["outcomes"]) == {o.key for o in review.outcomes}
    for key, entry in res["outcomes"].items():
        assert RMA_KEYS <= set(entry), key
        assert entry["stat_name"] in ("tval", "zval")
        assert set(entry["transformed"]) == {"estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
                                             "scale"}
        for s in entry["studies"]:
            assert STUDY_KEYS <= set(s), key
            assert s["verification"] in ("verified-in-source", "from-secondary-source")
            assert s["source"]


@pytest.mark.parametrize("key", [o.key for o in load_bundled().outcomes])
def test_pooled_numbers_equal_rma_on_the_same_inputs(bundled_run: Path, key: str) -> None:
    entry = json.loads((bundled_run / "results.json").read_text())["outcomes"][key]
    review = load_bundled()
    es, used = review.effect_sizes(key, analysis="primary", design=review.analysis.design)
    assert [u.study_id for u in used] == [s["study_id"] for s in entry["studies"]]
    if es.k == 1:
        fit = ev.rma(es, method="FE")
    else:
        fit = ev.rma(es, method=review.analysis.method, test=review.analysis.test)
    for field, value in fit.to_dict().items():
        # results.json names the test statistic stat (with stat_name), not zval/tval
        got = entry["stat"] if field == fit.stat_name else entry[field]
        assert got == pytest.approx(value, rel=1e-12, abs=1e-15), field
    assert entry["stat_name"] == fit.stat_name
    f = back_transform(es.measure)
    assert entry["transformed"]["estimate"] == pytest.approx(float(f(fit.estimate)), rel=1e-12)
    np.testing.assert_allclose([s["yi"] for s in entry["studies"]], es.yi, rtol=1e-15)


def test_report_states_provenance_and_secondary_inputs(bundled_run: Path) -> None:
    md = (bundled_run / "report.md").read_text()
    assert "Verification" in md and "secondary" in md
    assert re.search(r"the primary analyses use \d+ study inputs; \d+ of them", md)
    assert "X-2026" in md and "double-blind, placebo-controlled" in md
    for claim in ("HR 0.55 (0.42 to 0.71)", "HR 0.68 (0.54 to 0.86)", "HR 0.51 (0.27 to 0.97)",
                  "HR 0.47 (0.37 to 0.6)", "HR 0.76 (0.56 to 1.03)"):
        assert claim in md, claim
    for section in ("Key findings", "Summary of findings", "Why the intervals differ",
                    "Studies", "Risk of bias", "Comparative outcomes",
                    "Single-arm outcomes (rates)", "Limitations"):
        assert f"## {section}" in md, section


def test_key_findings_box_precedes_the_summary_of_findings(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    key = html.index('id="key-findings"')
    sof = html.index('id="summary-of-findings"')
    assert key < sof
    box = html[key:sof]
    review = load_bundled()
    assert box.count('class="note"') >= len(review.outcomes)
    assert "events per 1,000" in box
    # GRADE informative-statement wording (Santesso et al. 2020)
    assert re.search(r"very uncertain|probably|may (improve|reduce|increase|worsen)", box)


def test_efs_primary_has_three_rcts_including_belinda(bundled_run: Path) -> None:
    entry = json.loads((bundled_run / "results.json").read_text())["outcomes"]["efs"]
    labels = [s["label"] for s in entry["studies"]]
    assert len(labels) == 3 and any(lab.startswith("BELINDA") for lab in labels)
    assert entry["design"] == "RCT"


def _proportion_intervals(entry: dict) -> list[tuple[float, float]]:
    out = [(entry["transformed"]["ci_lb"], entry["transformed"]["ci_ub"])]
    for other in entry["other_strata"].values():
        out.append((other["transformed"]["ci_lb"], other["transformed"]["ci_ub"]))
    return out


def test_no_proportion_interval_spans_zero_to_one_hundred_percent(bundled_run: Path) -> None:
    res = json.loads((bundled_run / "results.json").read_text())["outcomes"]
    for key in ("crs_g3", "ne_g3"):
        for lb, ub in _proportion_intervals(res[key]):
            assert not (lb < 0.005 and ub > 0.995), (key, lb, ub)
    md = (bundled_run / "report.md").read_text()
    assert not re.search(r"\b0(\.0)?% to 100(\.0)?%", md)
    assert "E-" not in md and "e-0" not in md  # no scientific notation for proportions


def test_no_method_jargon_left_unexplained(bundled_run: Path) -> None:
    md = (bundled_run / "report.md").read_text()
    assert "knha" not in md and ", q " not in md
    assert "## Abbreviations and terms" in md
    for term in ("CI:", "HR:", "GRADE:", "Hartung–Knapp:", "lead:"):
        assert term in md, term


def test_html_is_self_contained(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    assert "<svg" in html
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?https?:", html)
    assert "@import" not in html and "url(http" not in html


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_review_folder_is_not_modified(tmp_path: Path) -> None:
    folder = bundled_path()
    before = tree_digest(folder)
    assert main(["run", str(folder), "-o", str(tmp_path), "--quiet"]) == 0
    assert tree_digest(folder) == before


def test_bad_review_folder_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    code = main(["run", str(tmp_path / "missing"), "-o", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("evisynth: error:") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_rejected(tmp_path: Path, capsys) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert main(["run", "-o", str(target), "--quiet"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("key", [o.key for o in load_bundled().outcomes])
def test_headline_equals_the_library_model_on_the_same_inputs(bundled_run: Path,
                                                              key: str) -> None:
    """The primary model the report leads with is ev.bayesmeta (k <= 4 ratio outcomes) or
    ev.rma_glmm (rates) called on the same inputs, with the plan's prior."""
    res = json.loads((bundled_run / "results.json").read_text())["outcomes"][key]
    review = load_bundled()
    fs = review.analysis.few_studies
    assert fs is not None
    es, used = review.effect_sizes(key, analysis="primary", design=review.analysis.design)
    head = res["headline"]
    f = back_transform(es.measure)
    if es.measure == "PLO":
        fit = ev.rma_glmm("PLO", xi=[u.row.events_int for u in used],
                          ni=[u.row.n_int for u in used])
        assert head["model"] == "glmm"
    else:
        assert es.k <= fs.max_k
        fit = ev.bayesmeta(es, tau_prior=fs.tau_prior)
        assert head["model"] == "bayes"
        for row, spec in zip(head["prior_sensitivity"], fs.prior_sensitivity, strict=True):
            alt = ev.bayesmeta(es, tau_prior=spec)
            assert row["estimate"] == pytest.approx(float(f(alt.estimate)), rel=1e-12)
            assert row["ci_ub"] == pytest.approx(float(f(alt.ci_ub)), rel=1e-12)
    for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert head[name] == pytest.approx(float(f(getattr(fit, name))), rel=1e-12), name


def test_every_interval_in_the_key_findings_is_the_headline(bundled_run: Path) -> None:
    res = json.loads((bundled_run / "results.json").read_text())["outcomes"]
    md = (bundled_run / "report.md").read_text()
    box = md[md.index("## Key findings"):md.index("## Summary of findings")]
    efs = res["efs"]["headline"]
    assert f"{efs['estimate']:.2f}" in box and f"{efs['ci_lb']:.2f} to {efs['ci_ub']:.2f}" in box
    assert "credible interval" in box


def test_forest_plots_carry_the_reviews_favour_labels_and_counts(bundled_run: Path) -> None:
    html = (bundled_run / "report.html").read_text()
    review = load_bundled()
    forests = re.findall(r'<figure data-name="forest-(\w+)-RCT">(.*?)</figure>', html, re.S)
    assert {k for k, _ in forests} == {o.key for o in review.outcomes}
    for key, fig in forests:
        assert "<text" in fig
        if review.outcome(key).measure in ("HR", "RR"):
            assert f"Favours {review.report.intervention}" in fig, key
            assert f"Favours {review.report.comparator}" in fig, key
            assert "Favours Favours" not in fig, key
    cr = dict(forests)["cr"]
    assert "46/162" in cr and "44/160" in cr  # BELINDA's events/N per arm


def test_bayesian_primary_outcomes_draw_the_bayesian_forest(bundled_run: Path) -> None:
    """Outcomes led by the Bayesian model show its forest (data beside shrunken estimates,
    posterior median and credible interval as the diamond); the others the rma forest."""
    res = json.loads((bundled_run / "results.json").read_text())["outcomes"]
    html = (bundled_run / "report.html").read_text()
    forests = dict(re.findall(r'<figure data-name="forest-(\w+)-RCT">(.*?)</figure>', html,
                              re.S))
    bayes = {k for k, r in res.items() if (r["headline"] or {}).get("model") == "bayes"}
    assert "efs" in bayes and bayes != set(forests)
    for key, fig in forests.items():
        svg, caption = fig.split("<figcaption>")
        is_bayes = key in bayes
        assert ('aria-label="Bayesian forest plot' in svg) is is_bayes, key
        assert ("credible interval" in caption) is is_bayes, key
        assert ("shrunken" in caption) is is_bayes, key
    head = res["efs"]["headline"]
    efs = forests["efs"]
    # the diamond row prints the headline: posterior median [credible interval]
    assert f"{head['estimate']:.2f} [{head['ci_lb']:.2f}, {head['ci_ub']:.2f}]" in efs
    assert f"[{head['pi_lb']:.2f}, {head['pi_ub']:.2f}]" in efs  # predictive interval


def test_imprecision_reasons_name_the_interval_that_was_judged(bundled_run: Path) -> None:
    res = json.loads((bundled_run / "results.json").read_text())["outcomes"]
    kinds = set()
    for key, r in res.items():
        if r["certainty"] is None:
            continue
        reason = r["certainty"]["domains"]["imprecision"]["reason"]
        model = (r["headline"] or {}).get("model")
        kinds.add(model)
        if model == "bayes":
            assert "confidence interval" not in reason and "credible interval" in reason, key
        else:
            assert "credible interval" not in reason and "confidence interval" in reason, key
    assert {"bayes", "glmm"} <= kinds
