"""tools/build_cart_review.py: deterministic, and the committed review equals a fresh build."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

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
needs_source = pytest.mark.skipif(not SOURCE.is_file(),
                                  reason=f"shared source table not found at {SOURCE}")


@needs_source
def test_two_runs_write_identical_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert build.main(["--source", str(SOURCE), "--out", str(first)]) == 0
    assert build.main(["--source", str(SOURCE), "--out", str(second)]) == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@needs_source
def test_committed_review_equals_a_fresh_build(tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    assert build.main(["--source", str(SOURCE), "--out", str(out)]) == 0
    committed = bundled_path("cart_dlbcl")
    fresh_names = sorted(p.name for p in out.iterdir())
    assert fresh_names == sorted(p.name for p in committed.iterdir())
    for name in fresh_names:
        assert (out / name).read_bytes() == (committed / name).read_bytes(), (
            f"{name} differs from a fresh build: rerun tools/build_cart_review.py")
    load_review(out)


@needs_source
def test_build_records_every_source_row(tmp_path: Path) -> None:
    review = load_review(bundled_path("cart_dlbcl"))
    assert review.source is not None and review.source.rows == 199
    used = {n for r in review.rows for n in r.source_rows}
    used |= {n for c in review.published for n in c.source_rows}
    used |= {n for s in review.studies for n in s.n_source_rows}
    used |= {n for g in review.not_reported for n in g.source_rows}
    used |= {n for o in review.outcomes if o.control_risk for n in o.control_risk.source_rows}
    unused = {n for u in review.source.unused for n in u.rows}
    # every source row is either used somewhere or listed as unused with a reason
    assert used | unused >= set(range(2, 201))


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
