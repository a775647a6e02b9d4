"""evisynth new: the scaffold loads as an empty review and nothing is overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from evisynth.cli import main
from evisynth.errors import InputError
from evisynth.review import CSV_FILES, TOML_FILE, load_review, new_review
from evisynth.review.scaffold import TEMPLATE


def test_scaffold_loads_as_an_empty_review(tmp_path: Path) -> None:
    review = load_review(new_review(tmp_path / "r"))
    assert review.outcomes == () and review.studies == () and review.rows == ()
    assert [d.key for d in review.designs] == ["RCT"]
    assert review.analysis.method == "REML" and review.analysis.test == "knha"


def test_scaffold_files_are_commented_toml_and_header_only_csvs(tmp_path: Path) -> None:
    folder = new_review(tmp_path / "r")
    assert sorted(p.name for p in folder.iterdir()) == sorted([TOML_FILE, *CSV_FILES])
    assert (folder / TOML_FILE).read_text(encoding="utf-8") == TEMPLATE
    assert TEMPLATE.count("\n#") > 50
    for name, (model, _) in CSV_FILES.items():
        text = (folder / name).read_text(encoding="utf-8")
        assert text == ",".join(model.model_fields) + "\n"


def test_empty_existing_folder_is_accepted(tmp_path: Path) -> None:
    load_review(new_review(tmp_path))


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    keep = folder / "notes.txt"
    keep.write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not empty"):
        new_review(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert keep.read_text(encoding="utf-8") == "mine"


def test_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a folder"):
        new_review(target)


def test_cli_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cli"
    assert main(["new", str(folder)]) == 0
    assert "created review folder" in capsys.readouterr().out
    load_review(folder)
    assert main(["new", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("evisynth: error:") and "not empty" in err
    assert err.count("\n") == 1
