"""Issue #9, D2: the report files are replaced as one set (never a mix of two runs)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from evisynth.cli import run as run_mod

NAMES = ("report.html", "report.md", "results.json")


def set_of(tag: str) -> dict[str, str]:
    return {n: f"{tag}:{n}\n" for n in NAMES}


def contents(folder: Path) -> dict[str, str]:
    return {n: (folder / n).read_text() for n in NAMES}


def failing_on_call(real, n: int):  # type: ignore[no-untyped-def]
    calls = {"k": 0}

    def fake(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["k"] += 1
        if calls["k"] == n:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    return fake


@pytest.mark.parametrize("extra_file", [False, True])
@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_d2_failure_part_way_leaves_the_old_set(tmp_path: Path, monkeypatch, fail_at: int,
                                                extra_file: bool) -> None:
    out = tmp_path / "rep"
    run_mod.replace_file_set(out, set_of("old"))
    if extra_file:  # a folder that also holds the user's own files
        (out / "notes.txt").write_text("mine")
    monkeypatch.setattr(os, "replace", failing_on_call(os.replace, fail_at))
    monkeypatch.setattr(os, "rename", failing_on_call(os.rename, fail_at))
    try:
        run_mod.replace_file_set(out, set_of("new"))
    except OSError:
        monkeypatch.undo()
        assert contents(out) == set_of("old")
    else:  # the failing call was not needed (the folder swap takes two renames)
        monkeypatch.undo()
        assert contents(out) == set_of("new")
    if extra_file:
        assert (out / "notes.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep.") and p.is_dir()]


def test_d2_success_replaces_all_and_keeps_other_files(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    run_mod.replace_file_set(out, set_of("old"))
    (out / "notes.txt").write_text("mine")
    run_mod.replace_file_set(out, set_of("new"))
    assert contents(out) == set_of("new")
    assert (out / "notes.txt").read_text() == "mine"


def test_d2_concurrent_runs_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "rep"
    errors: list[BaseException] = []

    def worker(tag: str) -> None:
        try:
            for _ in range(20):
                run_mod.replace_file_set(out, set_of(tag))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = contents(out)
    tags = {v.split(":")[0] for v in got.values()}
    assert len(tags) == 1
