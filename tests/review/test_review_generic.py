"""The folder format is general: version 2 (arm-neutral), version 1 still loads, `migrate`,
a second non-CAR-T example review, and the loader's hardening (confinement, odd files)."""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evisynth.cli import main
from evisynth.review import ReviewError, bundled_path, load_review
from evisynth.review.load import V1_COLUMNS
from evisynth.review.migrate import migrate_review

REPO = Path(__file__).resolve().parents[2]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


bcg_build = _script("build_bcg_review")


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(bundled_path(name), target)
    return target


def to_v1(folder: Path) -> None:
    """Rewrite a version-2 folder in version-1 column names (the inverse of migrate)."""
    back = {v: k for k, v in V1_COLUMNS.items()}
    for name in ("studies.csv", "outcomes.csv", "risk_of_bias.csv", "published.csv"):
        p = folder / name
        if not p.is_file():
            continue
        text = p.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        p.write_text(",".join(back.get(c, c) for c in first.split(",")) + "\n" + rest,
                     encoding="utf-8")
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8").replace("format_version = 2", "format_version = 1")
    toml.write_text(text.replace('column = "intervention"', 'column = "product"'),
                    encoding="utf-8")


# ---------------------------------------------------------------- versions and migration
def test_bundled_review_is_format_2_with_arm_neutral_columns() -> None:
    folder = bundled_path("cart_dlbcl")
    review = load_review(folder)
    assert review.format_version == 2
    for name in ("studies.csv", "outcomes.csv"):
        header = (folder / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not set(header) & set(V1_COLUMNS), name
        assert "n_int" in header


def test_version_1_folder_loads_to_the_same_review(tmp_path: Path) -> None:
    v2 = load_review(bundled_path("cart_dlbcl"))
    folder = copy("cart_dlbcl", tmp_path)
    to_v1(folder)
    v1 = load_review(folder)
    assert v1.format_version == 1
    assert v1.rows == v2.rows and v1.studies == v2.studies and v1.subgroups == v2.subgroups


def test_migrate_rewrites_version_1_and_is_idempotent(tmp_path: Path) -> None:
    folder = copy("cart_dlbcl", tmp_path)
    to_v1(folder)
    before = load_review(folder)
    assert main(["migrate", str(folder)]) == 0
    after = load_review(folder)
    assert after.format_version == 2
    assert after.rows == before.rows and after.studies == before.studies
    assert migrate_review(folder) == []
    # the committed version-1 example folder also migrates
    km = copy("example_km", tmp_path)
    assert load_review(km).format_version == 1
    assert migrate_review(km) and load_review(km).format_version == 2


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_migrate_keeps_each_files_permissions(tmp_path: Path) -> None:
    folder = copy("cart_dlbcl", tmp_path)
    to_v1(folder)
    modes = {"studies.csv": 0o640, "outcomes.csv": 0o644, "review.toml": 0o664}
    for name, mode in modes.items():
        (folder / name).chmod(mode)
    assert migrate_review(folder)
    for name, mode in modes.items():
        assert (folder / name).stat().st_mode & 0o777 == mode, name


@pytest.mark.parametrize("version", ["0", "3", "99", '"2"', "2.0", "true"])
def test_unknown_format_version_is_rejected(tmp_path: Path, version: str) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    toml = folder / "review.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "format_version = 2", f"format_version = {version}"), encoding="utf-8")
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    (p,) = info.value.problems
    assert p.column == "format_version" and "1 or 2" in p.reason


def test_toml_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    toml = folder / "review.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes())
    assert load_review(folder).title == load_review(bundled_path("bcg_vaccine")).title


# ---------------------------------------------------------------- hardening
def test_absurd_counts_are_rejected(tmp_path: Path) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    p = folder / "outcomes.csv"
    rows = list(csv.DictReader(p.open(encoding="utf-8")))
    rows[0]["n_int"] = str(10**30)
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    assert any(x.column == "n_int" and x.row == 2 and "check the cell" in x.reason
               for x in info.value.problems)


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1,
               max_size=12))
def test_control_characters_in_labels_are_replaced(text: str) -> None:
    from evisynth.review._cells import clean_text

    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", cleaned)


def test_toml_label_with_escape_sequence_is_cleaned(tmp_path: Path) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    toml = folder / "review.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'label = "Tuberculosis"', 'label = "Tuber\\u001b[2Jculosis"'), encoding="utf-8")
    assert load_review(folder).outcome("tb").label == "Tuber [2Jculosis"


def _problem_for(folder: Path, name: str) -> str:
    with pytest.raises(ReviewError) as info:
        load_review(folder)
    hits = [p for p in info.value.problems if p.file == name]
    assert hits, info.value.problems
    return hits[0].reason


def test_symlink_out_of_the_folder_is_refused_and_its_content_not_echoed(
        tmp_path: Path) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("study_id,trial\nTOPSECRET,x\n", encoding="utf-8")
    (folder / "studies.csv").unlink()
    os.symlink(secret, folder / "studies.csv")
    reason = _problem_for(folder, "studies.csv")
    assert "outside the review folder" in reason and "TOPSECRET" not in reason


def test_published_csv_that_is_a_directory_or_fifo_or_loop_is_an_error(
        tmp_path: Path) -> None:
    folder = copy("bcg_vaccine", tmp_path)
    (folder / "published.csv").mkdir()
    assert "not a regular file" in _problem_for(folder, "published.csv")
    (folder / "published.csv").rmdir()
    os.mkfifo(folder / "published.csv")
    assert "not a regular file" in _problem_for(folder, "published.csv")
    (folder / "published.csv").unlink()
    os.symlink(folder / "published.csv", folder / "published.csv")
    assert "symbolic link" in _problem_for(folder, "published.csv")


# ---------------------------------------------------------------- the second example review
def test_bcg_review_equals_a_fresh_build_from_its_source(tmp_path: Path) -> None:
    out = tmp_path / "bcg"
    assert bcg_build.main(["--out", str(out)]) == 0
    committed = bundled_path("bcg_vaccine")
    for name in bcg_build.BUILT_FILES:
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name


def test_bcg_counts_equal_the_source_table() -> None:
    review = load_review(bundled_path("bcg_vaccine"))
    with open(bcg_build.SOURCE, encoding="utf-8", newline="") as fh:
        src = list(csv.DictReader(fh))
    assert len(review.rows) == len(src) == 13
    for r, s in zip(review.rows, src, strict=True):
        assert r.events_int == int(s["tpos"]) and r.events_comp == int(s["cpos"])
        assert r.n_int == int(s["tpos"]) + int(s["tneg"])
        assert r.n_comp == int(s["cpos"]) + int(s["cneg"])


def _words_of_the_cart_review() -> set[str]:
    review = load_review(bundled_path("cart_dlbcl"))
    words = {"CAR-T", "CAR T", "lymphoma", "LBCL", "DLBCL", "cytokine", "ICANS", "axi-cel",
             "liso-cel", "tisa-cel", "salvage", "chemotherapy", "crossover", "abstracts",
             "GitHub"}
    words |= {s.trial for s in review.studies}
    words |= {review.report.intervention, review.report.comparator}
    return words


def test_bcg_report_contains_none_of_the_cart_reviews_words(tmp_path: Path) -> None:
    assert main(["run", str(bundled_path("bcg_vaccine")), "-o", str(tmp_path), "--quiet"]) == 0
    for name in ("report.md", "report.html", "results.json"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        if name.endswith(".html"):
            text = re.sub(r"<[^>]*>", " ", text)  # the words, not tag attributes
        for word in _words_of_the_cart_review():
            pattern = r"(?<![\w-])" + re.escape(word) + r"(?![\w-])"
            assert not re.search(pattern, text, re.IGNORECASE), (name, word)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "BCG vaccine" in md and "## Key findings" in md
    assert "Hartung–Knapp" in md  # the plan's test, named as run


def test_method_sentences_follow_the_plan_that_was_run(tmp_path: Path) -> None:
    """A plan with test = "z" and no alternatives: no word of Hartung–Knapp anywhere."""
    folder = copy("bcg_vaccine", tmp_path)
    toml = folder / "review.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('test = "knha"', 'test = "z"').replace(
        '[[analysis.alternatives]]\nmethod = "REML"\ntest = "z"\n'
        'label = "REML with z-based (normal) intervals"\n', "")
    toml.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(folder), "-o", str(out), "--quiet"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Hartung" not in md and "knha" not in md
    assert "z-based (normal) intervals" in md
