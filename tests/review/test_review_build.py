"""tools/build_cart_review.py: deterministic, and the committed review equals a fresh build."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from evisynth.review import bundled_path, load_review

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "build_cart_review.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_cart_review", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_cart_review", module)
    spec.loader.exec_module(module)
    return module


build = load_script()
SOURCE: Path = build.DEFAULT_SOURCE


def test_the_extraction_ships_inside_the_review_folder() -> None:
    """The build reads only files of the repository: the review's own ``sources/``."""
    folder = bundled_path("cart_dlbcl")
    assert SOURCE.is_file() and SOURCE.parent == folder / "sources"
    for name in ("cart_dlbcl_studies.csv", "cart_dlbcl_studies.md", "cart_dlbcl_verification.md",
                 "cart_toxicity_cohorts.csv", "cart_toxicity_cohorts.md", "README.md"):
        assert (folder / "sources" / name).is_file(), name


def test_no_provenance_string_points_outside_the_repository() -> None:
    folder = bundled_path("cart_dlbcl")
    for name in build.BUILT_FILES:
        text = (folder / name).read_text(encoding="utf-8")
        assert "shared/data" not in text, name
        assert "issue 4" not in text, name
        assert "../" not in text, name


def test_two_runs_write_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert build.main(["--source", str(SOURCE), "--out", str(first)]) == 0
    assert build.main(["--source", str(SOURCE), "--out", str(second)]) == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_committed_review_equals_a_fresh_build(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    assert build.main(["--source", str(SOURCE), "--out", str(out)]) == 0
    committed = bundled_path("cart_dlbcl")
    fresh_names = sorted(p.name for p in out.iterdir())
    assert fresh_names == sorted(build.BUILT_FILES)
    assert sorted(p.name for p in committed.iterdir()) == sorted([*build.BUILT_FILES, "sources"])
    for name in fresh_names:
        assert (out / name).read_bytes() == (committed / name).read_bytes(), (
            f"{name} differs from a fresh build: rerun tools/build_cart_review.py")
    load_review(out)


def test_the_documented_command_runs_from_any_folder(tmp_path: Path) -> None:
    """``python tools/build_cart_review.py`` finds its package (tools/review_build/) by itself."""
    import subprocess

    out = tmp_path / "cmd"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    committed = bundled_path("cart_dlbcl")
    for name in build.BUILT_FILES:
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name


def _count_rows(path: Path) -> int:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_build_records_every_source_row(tmp_path: Path) -> None:
    review = load_review(bundled_path("cart_dlbcl"))
    n_main = _count_rows(SOURCE)
    assert review.source is not None and review.source.rows == n_main
    main = [r for r in review.rows if r.source_file is None]
    used = {n for r in main for n in r.source_rows}
    used |= {n for c in review.published for n in c.source_rows}
    used |= {n for s in review.studies if s.design not in ("single-arm", "real-world")
             for n in s.n_source_rows}
    used |= {n for g in review.not_reported for n in g.source_rows}
    used |= {n for o in review.outcomes if o.control_risk for n in o.control_risk.source_rows}
    unused = {n for u in review.source.unused if u.file is None for n in u.rows}
    # every source row is either used somewhere or listed as unused with a reason
    assert used | unused >= set(range(2, n_main + 2))
    tox_file = build.TOX_NAME
    (table,) = review.source.tables
    n_tox = _count_rows(build.DEFAULT_TOXICITY)
    assert table.file == tox_file and table.rows == n_tox
    tox_used = {n for r in review.rows if r.source_file == tox_file for n in r.source_rows}
    tox_unused = {n for u in review.source.unused if u.file == tox_file for n in u.rows}
    assert tox_used | tox_unused == set(range(2, n_tox + 2))
    assert not tox_used & tox_unused


def test_every_eligible_rct_is_in_the_primary_efs_analysis() -> None:
    review = load_review(bundled_path("cart_dlbcl"))
    _, used = review.effect_sizes("efs")
    assert [u.study.trial for u in used] == ["ZUMA-7", "TRANSFORM", "BELINDA"]
    belinda = used[2].row
    assert (belinda.estimate, belinda.ci_lb, belinda.ci_ub) == (1.07, 0.82, 1.4)
    assert belinda.verification == "from-secondary-source" and not belinda.lead_only
    for outcome in ("cr", "orr", "crs_g3", "ne_g3"):
        _, used = review.effect_sizes(outcome)
        assert "BELINDA" in [u.study.trial for u in used], outcome
    # OS: no corroborated BELINDA value, so only the leads analysis has it
    _, used = review.effect_sizes("os")
    assert "BELINDA" not in [u.study.trial for u in used]
    _, leads = review.effect_sizes("os", analysis="lead")
    assert "BELINDA" in [u.study.trial for u in leads]
    assert all(u.row.lead_only for u in leads if u.study.trial == "BELINDA")


def test_toxicity_cohorts_are_their_own_design_strata() -> None:
    review = load_review(bundled_path("cart_dlbcl"))
    for outcome in ("crs_g3", "ne_g3"):
        for design in ("single-arm", "real-world"):
            _, used = review.effect_sizes(outcome, design=design)
            assert used and all(u.study.design == design for u in used)
        _, rct = review.effect_sizes(outcome)
        assert all(u.study.design == "RCT" for u in rct)
    # one row per patient set: no study id twice in one analysis, no first-line cohort
    for outcome in ("crs_g3", "ne_g3"):
        _, used = review.effect_sizes(outcome, design="single-arm")
        assert len({u.study_id for u in used}) == len(used)
        assert "ZUMA12_Neelapu2022" not in {u.study_id for u in used}


def test_percent_to_count_arithmetic() -> None:
    assert build.count_from_percent("65", 180) == (117, 117, 117)
    assert build.count_from_percent("32", 179) == (57, 57, 58)
    assert build.count_from_percent("50", 257) == (129, 128, 129)  # 128.5 rounds half up
    assert build.count_from_percent("26.5", 200) == (53, 53, 53)


def test_a_source_mismatch_stops_the_build(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study_id,outcome\nX,Y\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build.main(["--source", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
