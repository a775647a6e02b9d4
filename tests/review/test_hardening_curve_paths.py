"""Issue #9, C5: a curve path that is a symlink loop or holds a NUL byte is a review problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evisynth.review import ReviewError, bundled_path, load_review

FOLDER = bundled_path("example_km")


def copy_with_curve(tmp_path: Path, curve: str) -> Path:
    d = tmp_path / "review"
    shutil.copytree(FOLDER, d)
    toml = (d / "review.toml").read_text().replace('curve = "curves/km_soc.csv"',
                                                   f'curve = "{curve}"')
    (d / "review.toml").write_text(toml)
    return d


def test_c5_symlink_loop_is_a_review_problem(tmp_path: Path) -> None:
    d = copy_with_curve(tmp_path, "curves/loop.csv")
    (d / "curves" / "loop.csv").symlink_to(d / "curves" / "loop.csv")
    with pytest.raises(ReviewError) as err:
        load_review(d)
    assert "curves/loop.csv" in str(err.value)


def test_c5_nul_byte_in_curve_path_is_a_review_problem(tmp_path: Path) -> None:
    d = copy_with_curve(tmp_path, "curves/km\\u0000soc.csv")
    with pytest.raises(ReviewError) as err:
        load_review(d)
    assert "NUL" in str(err.value) or "not a valid path" in str(err.value)
